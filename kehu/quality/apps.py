from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualityConfig(AppConfig):
    """Data quality (SPEC §7): duplicate detection over the customer archive."""

    name = "kehu.quality"
    verbose_name = _("Data quality")
