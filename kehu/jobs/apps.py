from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    """Background jobs: long work (imports) run by a worker, with a record the UI can poll."""

    name = "kehu.jobs"
    verbose_name = _("Background jobs")
