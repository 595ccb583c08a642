from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    """Sales documents and receivables (SPEC §4): orders, invoices, receipts, settlements."""

    name = "kehu.sales"
    label = "sales"
    verbose_name = _("Sales documents")

    def ready(self):
        from kehu.sales.overview import register

        register()
