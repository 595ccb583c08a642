from django.db import models
from django.utils.translation import gettext_lazy as _


class ScopeKind(models.TextChoices):
    """Which customers a user may see and work on (SPEC §9)."""

    ALL = "all", _("all customers")
    OWN = "own", _("own customers")
    DEPARTMENT = "department", _("the department's customers")
    CLASSES = "classes", _("customers of chosen classes")
    REGIONS = "regions", _("customers of chosen regions")
