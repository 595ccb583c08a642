"""The customer archive (客户档案, SPEC §2)."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kehu.core.models import TimeStampedModel
from kehu.customers.choices import ArchiveGroup, CustomerKind, DocumentKind, UserFieldType
from kehu.masterdata.models import (
    CreditGrade,
    Currency,
    CustomerClass,
    Department,
    Industry,
    PaymentTerms,
    Region,
    Salesperson,
    ShippingMethod,
)

MONEY = {"max_digits": 18, "decimal_places": 2}
CODE_VALIDATOR = RegexValidator(
    r"\A[0-9A-Za-z][0-9A-Za-z._-]*\Z",
    _("Use Latin letters, digits, dot, dash and underscore, starting with a letter or digit."),
)


class Tag(TimeStampedModel):
    """A free label put on customers (标签)."""

    name = models.CharField(_("name"), max_length=50, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self):
        return self.name


class Customer(TimeStampedModel):
    """One customer record in four groups: basic, contact, credit and other information."""

    # Basic (基本)
    code = models.CharField(_("code"), max_length=30, unique=True, validators=[CODE_VALIDATOR])
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=100, blank=True)
    mnemonic = models.CharField(_("mnemonic code"), max_length=50, blank=True, db_index=True)
    customer_class = models.ForeignKey(
        CustomerClass,
        on_delete=models.PROTECT,
        related_name="customers",
        verbose_name=_("customer class"),
        # indexed with the credit limit (migration 0009), which serves lookups by class too
        db_index=False,
    )
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="customers",
        verbose_name=_("region"),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="branches",
        verbose_name=_("head office"),
    )
    industry = models.ForeignKey(
        Industry,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="customers",
        verbose_name=_("industry"),
    )
    country = models.CharField(
        _("country"),
        max_length=2,
        default="CN",
        validators=[RegexValidator(r"\A[A-Z]{2}\Z", _("Use the two capital letters of ISO 3166."))],
    )
    credit_code = models.CharField(
        _("unified social credit code"), max_length=30, blank=True, db_index=True
    )
    legal_representative = models.CharField(_("legal representative"), max_length=50, blank=True)
    registered_capital = models.DecimalField(
        _("registered capital"), null=True, blank=True, validators=[MinValueValidator(0)], **MONEY
    )
    registered_capital_currency = models.ForeignKey(
        Currency,
        on_delete=models.PROTECT,
        db_index=False,  # no list filters or sorts by it; inserts cheaper
        null=True,
        blank=True,
        related_name="customers_by_capital",
        verbose_name=_("registered capital currency"),
    )
    founded_on = models.DateField(_("date founded"), null=True, blank=True)
    employees = models.PositiveIntegerField(
        _("number of employees"), null=True, blank=True, validators=[MaxValueValidator(10**8)]
    )
    annual_revenue = models.DecimalField(
        _("annual revenue"), null=True, blank=True, validators=[MinValueValidator(0)], **MONEY
    )
    currency = models.ForeignKey(
        Currency,
        on_delete=models.PROTECT,
        db_index=False,  # no list filters or sorts by it; inserts cheaper (migration 0011)
        null=True,
        blank=True,
        related_name="customers",
        verbose_name=_("trading currency"),
    )
    kind = models.CharField(
        _("kind"), max_length=20, choices=CustomerKind.choices, default=CustomerKind.ENTERPRISE
    )
    is_supplier = models.BooleanField(_("also a supplier"), default=False)
    supplier_code = models.CharField(_("supplier code"), max_length=30, blank=True)

    # Contact (联系)
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="customers",
        verbose_name=_("department"),
    )
    salesperson = models.ForeignKey(
        Salesperson,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="customers",
        verbose_name=_("salesperson"),
    )
    address = models.CharField(_("registered address"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    fax = models.CharField(_("fax"), max_length=40, blank=True)
    mobile = models.CharField(_("mobile"), max_length=40, blank=True)
    email = models.EmailField(_("email"), max_length=100, blank=True)
    website = models.URLField(_("website"), max_length=200, blank=True)
    shipping_method = models.ForeignKey(
        ShippingMethod,
        on_delete=models.PROTECT,
        db_index=False,  # no list filters or sorts by it; inserts cheaper
        null=True,
        blank=True,
        related_name="customers",
        verbose_name=_("default shipping method"),
    )

    # Credit (信用)
    credit_grade = models.ForeignKey(
        CreditGrade,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="customers",
        verbose_name=_("credit grade"),
    )
    credit_limit = models.DecimalField(
        _("credit limit"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("Empty means no credit limit control."),
        **MONEY,
    )
    credit_days = models.PositiveIntegerField(
        _("credit period (days)"), null=True, blank=True, validators=[MaxValueValidator(3650)]
    )
    payment_terms = models.ForeignKey(
        PaymentTerms,
        on_delete=models.PROTECT,
        db_index=False,  # no list filters or sorts by it; inserts cheaper
        null=True,
        blank=True,
        related_name="customers",
        verbose_name=_("payment terms"),
    )
    discount_rate = models.DecimalField(
        _("discount rate (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    price_level = models.CharField(_("price level"), max_length=20, blank=True)
    control_credit_limit = models.BooleanField(_("control credit limit"), default=True)
    control_credit_days = models.BooleanField(_("control credit period"), default=False)
    control_via_parent = models.BooleanField(_("control through the head office"), default=False)
    # Maintained by the system from the sales documents, never typed.
    receivable_balance = models.DecimalField(
        _("receivable balance"), default=Decimal("0"), editable=False, **MONEY
    )
    open_order_amount = models.DecimalField(
        _("open order amount"), default=Decimal("0"), editable=False, **MONEY
    )
    last_transaction_on = models.DateField(
        _("last transaction date"), null=True, blank=True, editable=False
    )
    last_transaction_amount = models.DecimalField(
        _("last transaction amount"), null=True, blank=True, editable=False, **MONEY
    )
    last_receipt_on = models.DateField(
        _("last receipt date"), null=True, blank=True, editable=False
    )
    last_receipt_amount = models.DecimalField(
        _("last receipt amount"), null=True, blank=True, editable=False, **MONEY
    )

    # Other (其它)
    developed_on = models.DateField(_("developed on"), null=True, blank=True)
    deactivated_on = models.DateField(_("deactivated on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        db_index=False,  # nothing reads customers by it (migration 0011)
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("created by"),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        db_index=False,  # nothing reads customers by it (migration 0011)
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("changed by"),
    )
    use_count = models.PositiveIntegerField(_("frequency of use"), default=0, editable=False)
    remarks = models.TextField(_("remarks"), max_length=2000, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="customers", verbose_name=_("tags"))
    user_fields = models.JSONField(_("user-defined fields"), default=dict, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        constraints = [
            models.UniqueConstraint(
                fields=["name"],
                condition=Q(deactivated_on__isnull=True),
                name="customer_name_unique_among_active",
                violation_error_code="name_taken",
                violation_error_message=_("An active customer with this name already exists."),
            ),
            models.CheckConstraint(
                condition=Q(credit_limit__isnull=True) | Q(credit_limit__gte=0),
                name="customer_credit_limit_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(discount_rate__isnull=True)
                | (Q(discount_rate__gte=0) & Q(discount_rate__lte=100)),
                name="customer_discount_rate_range",
            ),
            models.CheckConstraint(
                condition=~Q(parent=models.F("pk")), name="customer_not_own_parent"
            ),
        ]
        permissions = [("change_customer_credit", _("Can change the credit terms of customers"))]

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def is_active(self) -> bool:
        return self.deactivated_on is None


class CustomerChild(TimeStampedModel):
    """Base of the rows that belong to one customer and go with it."""

    class Meta:
        abstract = True


class Contact(CustomerChild):
    """A contact person (联系人) of a customer."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("customer")
    )
    name = models.CharField(_("name"), max_length=50)
    title = models.CharField(_("title"), max_length=50, blank=True)
    department = models.CharField(_("department"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    mobile = models.CharField(_("mobile"), max_length=40, blank=True)
    email = models.EmailField(_("email"), max_length=100, blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    is_primary = models.BooleanField(_("primary contact"), default=False)
    notes = models.TextField(_("notes"), max_length=1000, blank=True)

    class Meta:
        ordering = ["customer", "-is_primary", "id"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=Q(is_primary=True),
                name="contact_one_primary_per_customer",
                violation_error_message=_("A customer has only one primary contact."),
            ),
        ]

    def __str__(self):
        return self.name


class DeliveryAddress(CustomerChild):
    """A delivery address (收货地址) of a customer."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="addresses", verbose_name=_("customer")
    )
    recipient = models.CharField(_("recipient"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="addresses",
        verbose_name=_("region"),
    )
    address = models.CharField(_("address"), max_length=200)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    is_default = models.BooleanField(_("default"), default=False)

    class Meta:
        ordering = ["customer", "-is_default", "id"]
        verbose_name = _("delivery address")
        verbose_name_plural = _("delivery addresses")
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=Q(is_default=True),
                name="address_one_default_per_customer",
                violation_error_message=_("A customer has only one default delivery address."),
            ),
        ]

    def __str__(self):
        return self.address


class BankAccount(CustomerChild):
    """A bank account (开户银行 / 银行账号) of a customer."""

    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        related_name="bank_accounts",
        verbose_name=_("customer"),
    )
    bank_name = models.CharField(_("bank"), max_length=100)
    account_name = models.CharField(_("account name"), max_length=200, blank=True)
    account_number = models.CharField(
        _("account number"),
        max_length=40,
        validators=[RegexValidator(r"\A[0-9A-Za-z -]+\Z", _("Use digits, letters and spaces."))],
    )
    is_default = models.BooleanField(_("default"), default=False)

    class Meta:
        ordering = ["customer", "-is_default", "id"]
        verbose_name = _("bank account")
        verbose_name_plural = _("bank accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=Q(is_default=True),
                name="bank_one_default_per_customer",
                violation_error_message=_("A customer has only one default bank account."),
            ),
            models.UniqueConstraint(
                fields=["customer", "account_number"],
                name="bank_account_unique_per_customer",
                violation_error_code="duplicate_account",
                violation_error_message=_("This customer already has this account number."),
            ),
        ]

    def __str__(self):
        return f"{self.bank_name} {self.account_number}"


class QualificationDocument(CustomerChild):
    """A qualification document (资质证照) such as the business licence, with its validity."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="documents", verbose_name=_("customer")
    )
    kind = models.CharField(_("kind"), max_length=30, choices=DocumentKind.choices)
    number = models.CharField(_("number"), max_length=60, blank=True)
    issuer = models.CharField(_("issued by"), max_length=100, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    warn_days = models.PositiveSmallIntegerField(
        _("days of advance warning"), default=30, validators=[MaxValueValidator(3650)]
    )
    notes = models.TextField(_("notes"), max_length=1000, blank=True)

    class Meta:
        ordering = ["customer", "valid_to", "id"]
        verbose_name = _("qualification document")
        verbose_name_plural = _("qualification documents")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="document_validity_ordered",
                violation_error_message=_("The end of validity is before its start."),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.number}"

    def clean(self):
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError(
                {"valid_to": _("The end of validity is before its start.")}, code="invalid"
            )


class UserField(TimeStampedModel):
    """An administrator-defined field (自定义项) whose values live in ``Customer.user_fields``."""

    key = models.CharField(
        _("key"),
        max_length=40,
        unique=True,
        validators=[RegexValidator(r"\A[a-z][a-z0-9_]*\Z", _("Lower-case letters, digits and _."))],
    )
    label_zh = models.CharField(_("label (Chinese)"), max_length=50)
    label_en = models.CharField(_("label (English)"), max_length=50)
    field_type = models.CharField(_("type"), max_length=10, choices=UserFieldType.choices)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=False)
    group = models.CharField(
        _("group"), max_length=10, choices=ArchiveGroup.choices, default=ArchiveGroup.OTHER
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["group", "position", "key"]
        verbose_name = _("user-defined field")
        verbose_name_plural = _("user-defined fields")

    def __str__(self):
        return self.key


class SavedQuery(TimeStampedModel):
    """A named customer-list query (SPEC §3): the conditions of a ``CustomerFilter``, private to
    its owner or shared with every user, reusable in the list, the API and exports."""

    name = models.CharField(_("name"), max_length=100)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="saved_queries",
        verbose_name=_("owner"),
    )
    shared = models.BooleanField(_("shared"), default=False)
    # CustomerFilter conditions: only known keys with non-default values (the services check).
    params = models.JSONField(_("conditions"), default=dict, blank=True)
    # The columns of the list and the export (keys of columns.py's catalogue); empty: defaults.
    columns = models.JSONField(_("columns"), default=list, blank=True)
    ordering = models.CharField(_("sort order"), max_length=40, blank=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("saved query")
        verbose_name_plural = _("saved queries")
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="savedquery_owner_name_unique")
        ]

    def __str__(self):
        return self.name
