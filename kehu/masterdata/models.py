"""Master data the customer archive refers to (SPEC §1)."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kehu.core.models import CodedItem, TimeStampedModel
from kehu.masterdata import coding
from kehu.masterdata.choices import TreeKind


class CodingScheme(TimeStampedModel):
    """The segment lengths of one tree's codes, e.g. ``2-2-3`` (编码方案)."""

    tree = models.CharField(_("tree"), max_length=20, choices=TreeKind.choices, unique=True)
    segments = models.CharField(_("segments"), max_length=40, default="2-2-3")

    class Meta:
        ordering = ["tree"]
        verbose_name = _("coding scheme")
        verbose_name_plural = _("coding schemes")

    def __str__(self):
        return f"{self.get_tree_display()}: {self.segments}"

    @property
    def segment_tuple(self) -> tuple[int, ...]:
        return coding.parse_segments(self.segments)


class TreeNode(TimeStampedModel):
    """A node of a coded tree. The code carries the hierarchy: a child's code starts with its
    parent's, so a subtree is ``code LIKE 'X%'`` on an indexed column."""

    tree_kind: TreeKind

    code = models.CharField(_("code"), max_length=coding.MAX_CODE_LENGTH, unique=True)
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    level = models.PositiveSmallIntegerField(_("level"), editable=False, default=1)
    is_leaf = models.BooleanField(_("leaf"), editable=False, default=True)

    class Meta:
        abstract = True
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"


class CustomerClass(TreeNode):
    """A customer class (客户分类). Only a leaf class holds customers."""

    tree_kind = TreeKind.CUSTOMER_CLASS

    class Meta(TreeNode.Meta):
        verbose_name = _("customer class")
        verbose_name_plural = _("customer classes")
        constraints = [
            models.CheckConstraint(
                condition=Q(level__gte=1) & Q(level__lte=coding.MAX_LEVELS),
                name="customerclass_level_range",
            ),
        ]


class Region(TreeNode):
    """A region (地区分类), e.g. 华东 → 上海."""

    tree_kind = TreeKind.REGION

    class Meta(TreeNode.Meta):
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        constraints = [
            models.CheckConstraint(
                condition=Q(level__gte=1) & Q(level__lte=coding.MAX_LEVELS),
                name="region_level_range",
            ),
        ]


class Industry(CodedItem):
    """An industry (行业)."""

    class Meta(CodedItem.Meta):
        verbose_name = _("industry")
        verbose_name_plural = _("industries")


class Department(CodedItem):
    """A department of our company (部门)."""

    class Meta(CodedItem.Meta):
        verbose_name = _("department")
        verbose_name_plural = _("departments")


class Salesperson(CodedItem):
    """A salesperson (业务员): belongs to a department and may be linked to a login."""

    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="salespeople",
        verbose_name=_("department"),
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="salesperson",
        verbose_name=_("login"),
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)

    class Meta(CodedItem.Meta):
        verbose_name = _("salesperson")
        verbose_name_plural = _("salespeople")


class Currency(CodedItem):
    """A currency (币种), coded by ISO 4217."""

    code = models.CharField(
        _("code"),
        max_length=3,
        unique=True,
        validators=[
            RegexValidator(r"\A[A-Z]{3}\Z", _("Use the three capital letters of ISO 4217."))
        ],
    )
    symbol = models.CharField(_("symbol"), max_length=8, blank=True)
    decimals = models.PositiveSmallIntegerField(
        _("decimals"), default=2, validators=[MaxValueValidator(4)]
    )

    class Meta(CodedItem.Meta):
        verbose_name = _("currency")
        verbose_name_plural = _("currencies")
        constraints = [
            models.CheckConstraint(condition=Q(decimals__lte=4), name="currency_decimals_max"),
        ]


class PaymentTerms(CodedItem):
    """Payment terms (付款条件) such as ``2/10,n/30``: 2 % discount within 10 days, net in 30.

    ``text`` is what the user writes; ``net_days`` and ``discounts`` are parsed from it by the
    service, so they never disagree with it.
    """

    text = models.CharField(_("terms"), max_length=100)
    net_days = models.PositiveSmallIntegerField(_("net days"), default=0)
    discounts = models.JSONField(_("cash discounts"), default=list, blank=True)

    class Meta(CodedItem.Meta):
        verbose_name = _("payment terms")
        verbose_name_plural = _("payment terms")


class ShippingMethod(CodedItem):
    """A shipping method (发运方式)."""

    class Meta(CodedItem.Meta):
        verbose_name = _("shipping method")
        verbose_name_plural = _("shipping methods")


class CreditGrade(CodedItem):
    """A credit grade (信用等级); ``rank`` 1 is the best."""

    rank = models.PositiveSmallIntegerField(
        _("rank"), unique=True, validators=[MinValueValidator(1), MaxValueValidator(999)]
    )

    class Meta(CodedItem.Meta):
        ordering = ["rank"]
        verbose_name = _("credit grade")
        verbose_name_plural = _("credit grades")
        constraints = [
            models.CheckConstraint(condition=Q(rank__gte=1), name="creditgrade_rank_positive"),
        ]
