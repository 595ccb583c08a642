from django.db import models
from django.utils.translation import gettext_lazy as _


class TreeKind(models.TextChoices):
    CUSTOMER_CLASS = "customer_class", _("Customer classes")
    REGION = "region", _("Regions")
