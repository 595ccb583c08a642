"""Two years of sales documents per customer, seeded: the demo's ledger (SPEC §4, issue 7).

``ledger_plan`` decides, for one customer, its orders, invoices and receipts — and which
invoice each receipt settles — from its credit terms and a **payment habit**:

- ``prompt``: pays every invoice by its due date (a cash-only customer, on the invoice date);
- ``late``: pays 5 to 60 days after the due date, now and then in two instalments;
- ``very_late``: pays 45 to 200 days late, and has left its last invoices of more than 90
  days ago unpaid (the long-overdue invoices that credit control stops orders for);
- ``dormant``: bought and paid in the first year of the two, nothing since;
- ``none``: no documents at all (a new or a lost customer).

A payment planned after the reference date has not happened yet, so recent invoices are open
(not yet due, or overdue for the late payers). Active customers may also have an open order
of the last weeks. Plans are deterministic for a seed and a reference date, whatever other
customers there are (each customer has its own random source), so the demo
(``ledger_post``, through the services) and the bulk loader (``kehu.demo.bulk_sales``,
set-based) write the same documents.
"""

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError

from kehu.core.errors import ConflictError, ServiceError
from kehu.sales import services
from kehu.sales.choices import OrderStatus

DAYS = 730  # two years of history
CENT = Decimal("0.01")
# habit, weight (per cent of the customers)
HABITS = (("prompt", 40), ("late", 30), ("very_late", 10), ("dormant", 12), ("none", 8))
LONG_OVERDUE_DAYS = 90
# The amounts of a customer without a credit limit, in its currency's units (scaled like the
# generator's credit limits: a yen is worth little).
SCALE = {"USD": 0.14, "EUR": 0.13, "JPY": 20.0}


@dataclass(frozen=True)
class Profile:
    """What the plan needs to know of a customer."""

    id: int
    code: str
    credit_limit: Decimal | None
    net_days: int  # the credit period, else the payment terms' net days (``due_date_for``)
    currency: str
    developed_on: datetime.date | None = None
    deactivated_on: datetime.date | None = None


@dataclass
class PlannedOrder:
    number: str
    date: datetime.date
    amount: Decimal
    status: str = OrderStatus.OPEN  # what it ends as
    closed_on: datetime.date | None = None
    invoiced: Decimal = Decimal("0.00")


@dataclass
class PlannedInvoice:
    number: str
    date: datetime.date
    due_date: datetime.date
    amount: Decimal
    order: PlannedOrder | None = None
    paid: Decimal = Decimal("0.00")


@dataclass
class PlannedReceipt:
    number: str
    date: datetime.date
    amount: Decimal
    invoice: PlannedInvoice  # the one invoice it settles, all of its amount


@dataclass
class LedgerPlan:
    """One customer's documents; ``habit`` says how it pays."""

    profile: Profile
    habit: str
    orders: list[PlannedOrder] = field(default_factory=list)
    invoices: list[PlannedInvoice] = field(default_factory=list)
    receipts: list[PlannedReceipt] = field(default_factory=list)

    @property
    def documents(self) -> int:
        return len(self.orders) + len(self.invoices) + len(self.receipts)


def _cents(value: float) -> Decimal:
    return Decimal(max(1, int(value * 100))) / 100


def _habit(rng: random.Random) -> str:
    roll = rng.random() * sum(weight for _h, weight in HABITS)
    for habit, weight in HABITS:
        roll -= weight
        if roll < 0:
            return habit
    return HABITS[-1][0]


def ledger_plan(
    profile: Profile,
    *,
    today: datetime.date,
    seed: int,
    invoices: float = 4.0,
    order_share: float = 0.3,
) -> LedgerPlan:
    """The customer's documents over the two years before ``today``.

    ``invoices`` is the mean number of invoices of a buying customer; ``order_share`` the
    share of invoices made from an order (the rest are invoiced directly).
    """
    rng = random.Random(f"{seed}:{profile.code}")
    habit = _habit(rng)
    start = today - datetime.timedelta(days=DAYS)
    if profile.developed_on and profile.developed_on > start:
        start = profile.developed_on
    end = today
    if profile.deactivated_on:
        # a lost customer: it stopped buying a while before it was deactivated
        end = min(end, profile.deactivated_on - datetime.timedelta(days=30))
        habit = "dormant" if habit != "none" else habit
    if habit == "dormant":
        end = min(end, today - datetime.timedelta(days=rng.randint(400, 600)))
    plan = LedgerPlan(profile, habit)
    if habit == "none" or (end - start).days < 30:
        plan.habit = "none"
        return plan
    cash_only = profile.credit_limit == 0
    count = max(1, round(rng.uniform(0.4, 1.6) * invoices * (end - start).days / DAYS))
    if profile.credit_limit:
        base = float(profile.credit_limit) * rng.uniform(0.08, 0.3)
    else:
        base = rng.uniform(3_000, 60_000) * SCALE.get(profile.currency, 1.0)
    growth = rng.uniform(0.6, 1.6)  # the later amounts against the earlier ones
    span = (end - start).days
    days = sorted(rng.randrange(span) for _n in range(count))
    code = profile.code
    for k, offset in enumerate(days, start=1):
        date = start + datetime.timedelta(days=offset)
        amount = _cents(base * (1 + (growth - 1) * offset / span) * rng.uniform(0.5, 1.5))
        invoice = PlannedInvoice(
            f"INV-{code}-{k:03d}", date, date + datetime.timedelta(days=profile.net_days), amount
        )
        if rng.random() < order_share:
            ordered = amount if rng.random() < 0.8 else _cents(float(amount) * 1.25)
            order = PlannedOrder(
                f"SO-{code}-{k:03d}", date - datetime.timedelta(days=rng.randint(0, 14)), ordered
            )
            order.invoiced = amount
            if ordered > amount:  # the rest will not be delivered: closed
                order.status, order.closed_on = OrderStatus.CLOSED, date
            invoice.order = order
            plan.orders.append(order)
        plan.invoices.append(invoice)
    _payments(plan, rng, today, cash_only)
    if habit in ("prompt", "late", "very_late") and rng.random() < 0.35:
        date = today - datetime.timedelta(days=rng.randint(0, 30))
        plan.orders.append(
            PlannedOrder(f"SO-{code}-{len(days) + 1:03d}", date, _cents(base * rng.uniform(0.5, 2)))
        )
    if habit != "none" and rng.random() < 0.05:
        date = start + datetime.timedelta(days=rng.randrange(span))
        plan.orders.append(
            PlannedOrder(
                f"SO-{code}-{len(days) + 2:03d}",
                date,
                _cents(base),
                OrderStatus.CANCELLED,
                date + datetime.timedelta(days=3),
            )
        )
    return plan


def _payments(plan: LedgerPlan, rng: random.Random, today: datetime.date, cash: bool) -> None:
    """The receipts of the plan's invoices, by the customer's habit; none dated after today."""
    habit = plan.habit
    unpaid: set[int] = set()
    if habit == "very_late":
        old = [
            n
            for n, invoice in enumerate(plan.invoices)
            if (today - invoice.due_date).days > LONG_OVERDUE_DAYS
        ]
        unpaid = set(old[-rng.randint(1, 3) :])
    serial = 0
    for n, invoice in enumerate(plan.invoices):
        if n in unpaid:
            continue
        if cash:
            paid_on = invoice.date
        elif habit == "prompt" or (habit == "dormant" and rng.random() < 0.6):
            paid_on = invoice.due_date - datetime.timedelta(days=rng.randint(0, 10))
        elif habit == "very_late":
            paid_on = invoice.due_date + datetime.timedelta(days=rng.randint(45, 200))
        else:
            paid_on = invoice.due_date + datetime.timedelta(days=rng.randint(5, 60))
        paid_on = max(paid_on, invoice.date)
        parts = [(paid_on, invoice.amount)]
        split = habit in ("late", "very_late") and not cash and invoice.amount >= 100
        if split and rng.random() < 0.2:
            first = _cents(float(invoice.amount) * rng.uniform(0.4, 0.7))
            later = paid_on + datetime.timedelta(days=rng.randint(20, 40))
            parts = [(paid_on, first), (later, invoice.amount - first)]
        for on, amount in parts:
            if on > today:
                break
            serial += 1
            plan.receipts.append(
                PlannedReceipt(f"RCV-{plan.profile.code}-{serial:03d}", on, amount, invoice)
            )
            invoice.paid += amount


# --- through the services (the demo) -------------------------------------------------------


@dataclass
class LedgerSummary:
    """What ``ledger_post`` wrote, and the documents credit control refused."""

    orders: int = 0
    invoices: int = 0
    receipts: int = 0
    refused: int = 0
    habits: dict[str, int] = field(default_factory=dict)


def ledger_post(plan: LedgerPlan, *, actor, customer, summary: LedgerSummary) -> None:
    """Write the plan through the sales services, in date order, as users would have entered
    it. A document the credit check refuses (``ConflictError``) is left out, with what
    depends on it: the demo shows credit control at work rather than going around it."""
    summary.habits[plan.habit] = summary.habits.get(plan.habit, 0) + 1
    steps = []
    for order in plan.orders:
        steps.append((order.date, 0, "order", order))
        if order.status != OrderStatus.OPEN:
            steps.append((order.closed_on, 3, "status", order))
    steps += [(invoice.date, 1, "invoice", invoice) for invoice in plan.invoices]
    steps += [(receipt.date, 2, "receipt", receipt) for receipt in plan.receipts]
    steps.sort(key=lambda step: (step[0], step[1], step[3].number))
    written: dict[str, object] = {}
    for _date, _rank, kind, item in steps:
        try:
            written_item = _post(kind, item, actor, customer, written)
        except ConflictError:
            if kind in ("order", "invoice"):
                summary.refused += 1
                continue
            raise
        if written_item is not None:
            written[item.number] = written_item
            setattr(summary, f"{kind}s", getattr(summary, f"{kind}s") + 1)


def _post(kind: str, item, actor, customer, written: dict):
    """One step of ``ledger_post``: the written document, or None (nothing new, or a step
    that depends on a refused document)."""
    try:
        if kind == "order":
            return services.order_create(
                actor=actor, customer=customer, number=item.number, date=item.date,
                amount=item.amount,
            )  # fmt: skip
        if kind == "status":
            order = written.get(item.number)
            if order is None:
                pass
            elif item.status == OrderStatus.CLOSED:
                services.order_close(actor=actor, order=order)
            else:
                services.order_cancel(actor=actor, order=order, on=item.closed_on)
            return None
        if kind == "invoice":
            order = written.get(item.order.number) if item.order else None
            if item.order is not None and order is None:
                return None  # its order was refused
            return services.invoice_post(
                actor=actor, customer=customer, order=order, number=item.number,
                date=item.date, amount=item.amount,
            )  # fmt: skip
        if item.invoice.number not in written:
            return None  # its invoice was refused
        return services.receipt_post(
            actor=actor, customer=customer, number=item.number, date=item.date,
            amount=item.amount, allocations=[{"invoice": item.invoice.number}],
        )  # fmt: skip
    except (ValidationError, ServiceError) as exc:
        if isinstance(exc, ConflictError) and kind in ("order", "invoice"):
            raise
        detail = exc.message_dict if hasattr(exc, "error_dict") else str(exc)
        raise LedgerRefused(f"{item.number}: {detail}") from exc


class LedgerRefused(ServiceError):
    """A service refused a planned document for another reason than credit control: a bug
    in the plan."""

    code = "demo_refused"


def profiles(customers) -> list[Profile]:
    """The profiles of a queryset of customers, in its order (one query)."""
    rows = customers.values_list(
        "pk",
        "code",
        "credit_limit",
        "credit_days",
        "payment_terms__net_days",
        "currency__code",
        "developed_on",
        "deactivated_on",
    )
    return [
        Profile(
            id=pk,
            code=code,
            credit_limit=limit,
            net_days=days if days is not None else (terms_days or 0),
            currency=currency or "",
            developed_on=developed_on,
            deactivated_on=deactivated_on,
        )
        for pk, code, limit, days, terms_days, currency, developed_on, deactivated_on in rows
    ]
