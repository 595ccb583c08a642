from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "kehu.customers"
    label = "customers"
    verbose_name = _("Customer archive")

    def ready(self):
        from django.db.backends.signals import connection_created

        from kehu.customers.search import register_sqlite_functions

        connection_created.connect(register_sqlite_functions)
