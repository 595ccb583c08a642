from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditConfig(AppConfig):
    """Credit control (SPEC §5): policies, the limit and overdue checks, approvals."""

    name = "kehu.credit"
    label = "credit"
    verbose_name = _("Credit control")
