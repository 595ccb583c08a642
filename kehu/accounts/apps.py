from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "kehu.accounts"
    label = "accounts"
    verbose_name = _("Users and access")

    def ready(self):
        from kehu.accounts.roles import roles_seed_after_migrate

        post_migrate.connect(roles_seed_after_migrate, sender=self)
