"""API tokens (SPEC §10) and data scopes (SPEC §9). Roles are Django groups, seeded by
``roles.py``."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kehu.accounts.choices import ScopeKind
from kehu.core.models import TimeStampedModel
from kehu.masterdata.models import CustomerClass, Department, Region


class ApiToken(TimeStampedModel):
    """A bearer token for the REST API. Only a hash of the secret is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("user"),
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    prefix = models.CharField(_("prefix"), max_length=12, editable=False)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.user} {self.prefix}…"


class DataScope(TimeStampedModel):
    """Which customers one user sees (SPEC §9); applied by ``customers_visible_to``.

    A user without a row gets the default of their roles (``scopes.default_scope_kind``);
    a superuser always sees every customer. ``department`` left empty means the department of
    the user's own salesperson record. Classes and regions take their whole subtrees.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="data_scope",
        verbose_name=_("user"),
    )
    kind = models.CharField(
        _("data scope"), max_length=20, choices=ScopeKind.choices, default=ScopeKind.OWN
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="data_scopes",
        verbose_name=_("department"),
        help_text=_(
            "For the department scope; empty: the department of the user's salesperson record."
        ),
    )
    classes = models.ManyToManyField(
        CustomerClass,
        blank=True,
        related_name="data_scopes",
        verbose_name=_("customer classes"),
        help_text=_("For the classes scope: each class with its whole subtree."),
    )
    regions = models.ManyToManyField(
        Region,
        blank=True,
        related_name="data_scopes",
        verbose_name=_("regions"),
        help_text=_("For the regions scope: each region with its whole subtree."),
    )

    class Meta:
        ordering = ["user__username"]
        verbose_name = _("data scope")
        verbose_name_plural = _("data scopes")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ScopeKind.values), name="datascope_kind_valid"
            ),
        ]

    def __str__(self):
        return f"{self.user}: {self.get_kind_display()}"


class RoleGrant(models.Model):
    """A permission that ``kehu migrate`` has handed to a built-in role (``roles.ROLES``).

    The ledger that tells, on the next release, a permission new to the role's definition
    (hand it out) from one an administrator has since taken away (leave it away): see
    ``roles.roles_sync``. Written only by that sync; custom roles have no rows.
    """

    role = models.CharField(_("role"), max_length=150)  # the built-in group's name
    permission = models.ForeignKey(
        "auth.Permission",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("permission"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["role", "permission"]
        verbose_name = _("permission granted to a built-in role")
        verbose_name_plural = _("permissions granted to built-in roles")
        constraints = [
            models.UniqueConstraint(fields=["role", "permission"], name="rolegrant_unique"),
        ]

    def __str__(self):
        return f"{self.role}: {self.permission_id}"
