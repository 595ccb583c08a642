"""Loading the demo data: users of every role, trees, small lists and customers.

Everything is written through the services, exactly as a user's input would be, so the demo
data obeys every rule the product enforces. It is loaded into a database that holds no
customers yet, in one transaction: a refused row leaves nothing behind.
"""

import contextlib
import datetime
import time
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kehu.accounts.roles import roles_seed
from kehu.accounts.services import data_scope_set, user_create
from kehu.core.errors import ConflictError, ServiceError
from kehu.customers.models import Contact, Customer, QualificationDocument, UserField
from kehu.customers.services import customer_create, user_field_create
from kehu.demo import generator, ledger, tables
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
from kehu.masterdata.services import coded_item_create, customer_class_create, region_create

DEMO_PASSWORD = "kehu-demo-2026"  # noqa: S105 - published: every demo login uses it
# username, roles, superuser, family name, given name
DEMO_USERS = (
    ("admin", ["administrator"], True, "周", "建国"),
    ("manager", ["sales manager"], False, "孙", "丽华"),
    ("sales1", ["salesperson"], False, "王", "磊"),
    ("sales2", ["salesperson"], False, "张", "伟"),
    ("credit", ["credit controller"], False, "吴", "敏"),
    ("auditor", ["auditor"], False, "郑", "晓"),
)
# The data scopes the demo shows off (SPEC §9): the manager heads 销售一部; sales1 and sales2
# see the customers of their salesperson records (S01, S03); the others see all by role.
DEMO_SCOPES = {
    "manager": {"kind": "department", "department": "01"},
    "sales1": {"kind": "own"},
    "sales2": {"kind": "own"},
}
# Seeded by a migration; created here only if someone deleted them.
CURRENCIES = (
    ("CNY", "人民币", "¥"),
    ("USD", "美元", "$"),
    ("EUR", "欧元", "€"),
    ("JPY", "日元", "¥"),
)
CREDIT_GRADES = (("AAA", 1), ("AA", 2), ("A", 3), ("B", 4), ("C", 5))
EXPIRY_WINDOW_DAYS = 30


class DemoDataRefused(ServiceError):
    """A service refused a generated row: a bug in the generator or a rule it does not know."""

    code = "demo_refused"


@dataclass
class DemoSummary:
    """What a load created, for the command's summary line."""

    customers: int = 0
    branches: int = 0
    deactivated: int = 0
    contacts: int = 0
    documents: int = 0
    expiring_documents: int = 0
    sales: ledger.LedgerSummary = field(default_factory=ledger.LedgerSummary)
    users_created: list[str] = field(default_factory=list)
    users_kept: list[str] = field(default_factory=list)
    seconds: float = 0.0


def demo_load(
    *,
    customers: int = 200,
    seed: int = generator.DEFAULT_SEED,
    reference_date: datetime.date | None = None,
    stdout=None,
    sales: bool = True,
) -> DemoSummary:
    """Load the demo data; refuse if the database already holds customers.

    ``stdout``, when given, shows a progress bar. Master data rows and users that exist already
    (by code, by username) are kept as they are, so a database set up with ``kehu init`` takes
    the demo too. With ``sales``, the customers get two years of sales documents
    (``kehu.demo.ledger``), through the sales services.
    """
    started = time.perf_counter()
    today = reference_date or timezone.localdate()
    summary = DemoSummary()
    with transaction.atomic():
        existing = Customer.objects.count()
        if existing:
            raise ConflictError(
                _(
                    "The database already holds %(count)d customers: demo data is loaded only "
                    "into a database without customers."
                ),
                code="not_empty",
                params={"count": existing},
            )
        admin = demo_setup(summary)["admin"]
        with _progress(stdout, customers) as advance:
            for data in generator.generate_customers(customers, seed=seed, reference_date=today):
                _create_customer(admin, data)
                advance()
        if sales:
            _load_sales(admin, summary.sales, seed, today)
    _count(summary, today)
    summary.seconds = time.perf_counter() - started
    return summary


def demo_setup(summary: DemoSummary) -> dict:
    """Everything of the demo but its customers: roles, users, trees, small lists, user-defined
    fields, scopes. Returns the demo users by username. Shared with the bulk loader."""
    roles_seed()
    users = _load_users(summary)
    admin = users["admin"]
    _load_master_data(admin, users)
    _set_scopes(admin, users, summary)
    return users


def _load_users(summary: DemoSummary) -> dict:
    User = get_user_model()
    existing = {u.username: u for u in User.objects.filter(username__in=[u[0] for u in DEMO_USERS])}
    users = {}
    for username, roles, superuser, family_name, given_name in DEMO_USERS:
        if username in existing:
            users[username] = existing[username]
            summary.users_kept.append(username)
            continue
        users[username] = user_create(
            username=username,
            password=DEMO_PASSWORD,
            email=f"{username}@example.com",
            roles=roles,
            is_superuser=superuser,
            first_name=given_name,
            last_name=family_name,
        )
        summary.users_created.append(username)
    return users


def _set_scopes(admin, users: dict, summary: DemoSummary) -> None:
    """The demo scopes of the users this load created (existing users keep theirs)."""
    for username, scope in DEMO_SCOPES.items():
        if username in summary.users_created:
            data_scope_set(actor=admin, user=users[username], **scope)


def _coded(columns: tuple[str, ...], rows) -> list[dict]:
    return [dict(zip(columns, row, strict=True)) for row in rows]


def _load_master_data(admin, users: dict) -> None:
    """Trees, small lists and user-defined fields; rows whose code exists are kept."""
    trees = (
        (customer_class_create, CustomerClass, generator.class_tree()),
        (region_create, Region, generator.region_tree()),
    )
    for create, model, rows in trees:
        present = set(model.objects.values_list("code", flat=True))
        for row in rows:
            if row["code"] not in present:
                create(actor=admin, data=row)
    departments = {d.code: d for d in _create_missing(admin, Department, tables.DEPARTMENTS)}
    lists = (
        (Industry, _coded(("code", "name"), tables.INDUSTRIES)),
        (ShippingMethod, _coded(("code", "name"), tables.SHIPPING_METHODS)),
        (Currency, _coded(("code", "name", "symbol"), CURRENCIES)),
        (CreditGrade, _coded(("code", "rank"), CREDIT_GRADES)),
        (PaymentTerms, _coded(("code", "name", "text"), tables.PAYMENT_TERMS)),
    )
    for model, rows in lists:
        _create_missing(admin, model, rows)
    linked = set(Salesperson.objects.filter(user__isnull=False).values_list("user_id", flat=True))
    salespeople = []
    for code, name, department, email, mobile, login in tables.SALESPEOPLE:
        user = users.get(login)
        salespeople.append(
            {
                "code": code,
                "name": name,
                "department": departments[department],
                "user": user if user is not None and user.pk not in linked else None,
                "phone": mobile,
                "email": email,
            }
        )
    _create_missing(admin, Salesperson, salespeople)
    present = set(UserField.objects.values_list("key", flat=True))
    for definition in tables.USER_FIELDS:
        if definition["key"] not in present:
            user_field_create(actor=admin, data=dict(definition))


def _create_missing(admin, model, rows) -> list:
    """Create the rows of a small list whose code is new; return all the list's rows."""
    rows = rows if isinstance(rows[0], dict) else _coded(("code", "name"), rows)
    present = set(model.objects.values_list("code", flat=True))
    for row in rows:
        if row["code"] not in present:
            coded_item_create(model, actor=admin, data={"name": row["code"], **row})
    return list(model.objects.all())


def _create_customer(admin, data: dict) -> None:
    try:
        customer_create(actor=admin, data=data)
    except (ValidationError, ServiceError) as exc:
        detail = exc.message_dict if hasattr(exc, "error_dict") else str(exc)
        raise DemoDataRefused(
            _("The demo customer %(code)s was refused: %(detail)s"),
            params={"code": data["code"], "detail": detail},
        ) from exc


def _load_sales(admin, summary: ledger.LedgerSummary, seed: int, today: datetime.date) -> None:
    """Two years of orders, invoices and receipts per customer, by its payment habit."""
    customers = {c.pk: c for c in Customer.objects.all()}
    for profile in ledger.profiles(Customer.objects.order_by("code")):
        plan = ledger.ledger_plan(profile, today=today, seed=seed)
        ledger.ledger_post(plan, actor=admin, customer=customers[profile.id], summary=summary)


@contextlib.contextmanager
def _progress(stdout, total: int):
    """Yield a function that advances a progress bar on ``stdout`` (or does nothing)."""
    if stdout is None:
        yield lambda: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    columns = (
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(file=stdout, highlight=False)) as progress:
        task = progress.add_task(str(_("Customers")), total=total)
        yield lambda: progress.advance(task)


def _count(summary: DemoSummary, today: datetime.date) -> None:
    summary.customers = Customer.objects.count()
    summary.branches = Customer.objects.filter(parent__isnull=False).count()
    summary.deactivated = Customer.objects.filter(deactivated_on__isnull=False).count()
    summary.contacts = Contact.objects.count()
    summary.documents = QualificationDocument.objects.count()
    summary.expiring_documents = QualificationDocument.objects.filter(
        valid_to__lte=today + datetime.timedelta(days=EXPIRY_WINDOW_DAYS)
    ).count()
