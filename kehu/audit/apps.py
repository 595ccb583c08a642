from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "kehu.audit"
    label = "audit"
    verbose_name = _("Audit trail")

    def ready(self):
        from kehu.audit import recording, signals

        # Every app's models are loaded before any ready(): the list of audited models is final.
        recording.connect()
        signals.connect()
