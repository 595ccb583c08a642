"""The credit check of SPEC §5: exposure against the limit, and long-overdue invoices.

``credit_control`` runs inside the sales services (``kehu.sales.services``), after they have
locked the document's customer: it locks the customer's **credit unit** (the customer itself,
or the head office it is controlled through), reads the unit's exposure from the maintained
figures of the unit and every customer controlled through it, and decides by the policy that
applies (chosen in the check's query, ``_CHECK``). Two documents of one credit unit therefore
check one after the other, each seeing what the other committed: together they cannot exceed
the limit.

exposure = receivable balance + open order amount (of the whole credit unit) + the new amount,
where the new amount is what the document adds: a new order's amount, what an order's amount
was raised by, what a reopened order has left to invoice, a posted invoice not made from an
order. An invoice made from an order adds nothing (the order counted already) and is not
checked.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kehu.core.errors import ConflictError
from kehu.credit.choices import CreditMode, PolicyScope
from kehu.credit.models import CreditPolicy
from kehu.customers.models import Customer
from kehu.customers.services.customers import MAX_HEAD_OFFICE_DEPTH
from kehu.masterdata.models import Currency, CustomerClass
from kehu.sales.choices import InvoiceStatus
from kehu.sales.models import SalesInvoice

ZERO = Decimal("0.00")
# The overdue invoices an explanation lists (the count and the total cover all of them).
OVERDUE_LISTED = 10


@dataclass(frozen=True)
class Policy:
    """The policy that applies to a credit unit, resolved."""

    mode: str = CreditMode.NONE
    tolerance_days: int = 0
    cash_only: bool = False
    policy_id: int | None = None  # the policy chosen; None when none

    @property
    def source(self) -> str:
        """Which policy: "AAA …" (a grade), "01 …" (a class), the default; "" when none.
        Read only for an explanation."""
        if self.policy_id is None:
            return ""
        chosen = CreditPolicy.objects.select_related("customer_class", "credit_grade")
        return chosen.get(pk=self.policy_id).target_label


@dataclass
class CreditCheck:
    """What the check saw, and what it found. Amounts are in the credit unit's currency."""

    customer: Customer
    unit: Customer
    policy: Policy
    action: str
    document_kind: str
    number: str
    amount: Decimal
    limit: Decimal | None
    receivables: Decimal
    open_orders: Decimal
    currency: str
    checks_limit: bool
    checks_overdue: bool
    overdue: list[dict] = field(default_factory=list)
    overdue_count: int = 0
    overdue_total: Decimal = ZERO
    as_of: datetime.date | None = None

    @property
    def exposure(self) -> Decimal:
        return self.receivables + self.open_orders + self.amount

    @property
    def effective_limit(self) -> Decimal | None:
        """Cash only: nothing on credit, the limit is zero. Otherwise the unit's limit when
        its limit is controlled, else none."""
        if self.policy.cash_only:
            return ZERO
        return self.limit if self.checks_limit else None

    @property
    def excess(self) -> Decimal:
        limit = self.effective_limit
        if limit is None or self.exposure <= limit:
            return ZERO
        return self.exposure - limit

    @property
    def cash_only_broken(self) -> bool:
        return self.policy.cash_only and self.excess > 0

    @property
    def found(self) -> bool:
        """Anything to warn about or refuse."""
        return self.excess > 0 or (self.checks_overdue and self.overdue_count > 0)

    def details(self) -> dict:
        """What the check saw, JSON-safe, for the record and the API's error."""
        return {
            "customer": self.customer.code,
            "credit_unit": self.unit.code,
            "via_head_office": self.unit.pk != self.customer.pk,
            "document": self.document_kind,
            "number": self.number,
            "action": self.action,
            "mode": self.policy.mode,
            "policy": self.policy.source,
            "cash_only": self.policy.cash_only,
            "currency": self.currency,
            "limit": _text(self.effective_limit),
            "receivables": _text(self.receivables),
            "open_orders": _text(self.open_orders),
            "amount": _text(self.amount),
            "exposure": _text(self.exposure),
            "excess": _text(self.excess),
            "tolerance_days": self.policy.tolerance_days if self.checks_overdue else None,
            "overdue_count": self.overdue_count if self.checks_overdue else 0,
            "overdue_total": _text(self.overdue_total if self.checks_overdue else ZERO),
            "overdue": self.overdue if self.checks_overdue else [],
            "as_of": self.as_of.isoformat() if self.as_of else None,
        }


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(Decimal(value).quantize(Decimal("0.01")))


def explanation_lines(details: dict) -> list[str]:
    """The explanation of a check, one line per finding, in the current language."""
    lines = []
    params = {
        "currency": details.get("currency", ""),
        "limit": details.get("limit"),
        "receivables": details.get("receivables"),
        "open_orders": details.get("open_orders"),
        "amount": details.get("amount"),
        "exposure": details.get("exposure"),
        "excess": details.get("excess"),
        "unit": details.get("credit_unit", ""),
    }
    if details.get("cash_only"):
        lines.append(
            _t(
                "Cash only: the customer may not owe anything. Receivables %(receivables)s + "
                "open orders %(open_orders)s + this document %(amount)s = %(exposure)s "
                "%(currency)s, %(excess)s %(currency)s more than paid in advance."
            )
            % params
        )
    elif Decimal(details.get("excess") or "0") > 0:
        lines.append(
            _t(
                "Credit limit %(limit)s %(currency)s exceeded by %(excess)s %(currency)s: "
                "receivables %(receivables)s + open orders %(open_orders)s + this document "
                "%(amount)s = exposure %(exposure)s %(currency)s."
            )
            % params
        )
    else:
        if details.get("limit") is not None:
            lines.append(
                _t(
                    "Within the credit limit %(limit)s %(currency)s: receivables "
                    "%(receivables)s + open orders %(open_orders)s + this document %(amount)s "
                    "= exposure %(exposure)s %(currency)s."
                )
                % params
            )
    count = details.get("overdue_count") or 0
    if count:
        lines.append(
            ngettext(
                "%(count)s invoice overdue by more than %(days)s days, %(total)s %(currency)s "
                "in all:",
                "%(count)s invoices overdue by more than %(days)s days, %(total)s %(currency)s "
                "in all:",
                count,
            )
            % {
                "count": count,
                "days": details.get("tolerance_days") or 0,
                "total": details.get("overdue_total"),
                "currency": params["currency"],
            }
        )
        for invoice in details.get("overdue", []):
            lines.append(
                _t("%(number)s due %(due_date)s, %(open)s open, %(days)s days overdue") % invoice
            )
        if count > len(details.get("overdue", [])):
            lines.append(_t("… and %(more)s more.") % {"more": count - len(details["overdue"])})
    if details.get("via_head_office"):
        lines.append(
            _t("Controlled through the head office %(unit)s: the figures are its group's.") % params
        )
    return lines


def explain(details: dict) -> str:
    return " ".join(explanation_lines(details))


class CreditRefused(ConflictError):
    """The credit check refuses the document (HTTP 409); ``details`` and ``params`` hold what
    it saw, the message explains it."""

    code = "credit_refused"
    default_message = _("The credit check refuses this document.")

    def __init__(self, check: CreditCheck, *, code: str | None = None, lead=None):
        self.check = check
        self.details = check.details()
        lines = [str(lead), *explanation_lines(self.details)] if lead else []
        lines = lines or explanation_lines(self.details)
        super().__init__(" ".join(lines), code=code or self.code, params=self.details)
        self.errors = {"__all__": lines}

    def __str__(self):
        # The message is formatted already (a number may hold a "%").
        return str(self.message)


# --- the credit unit ------------------------------------------------------------------------


def credit_unit_id(customer: Customer) -> int:
    """The id of the customer whose limit applies: the customer itself, or — following
    "control through the head office" up the chain — the head office at the top of it (one
    small query per level). Each customer read up the chain is locked like the customer
    itself: the head office is the credit unit that the check must lock, and the branches
    between them are part of its group (on SQLite the write transaction locks everything)."""
    unit_id, parent_id, seen = customer.pk, customer.parent_id, {customer.pk}
    if not customer.control_via_parent:
        return unit_id
    sql = "SELECT parent_id, control_via_parent FROM customers_customer WHERE id = %s"
    if connection.features.has_select_for_update:
        sql += " FOR UPDATE"
    with connection.cursor() as cursor:
        while parent_id and len(seen) <= MAX_HEAD_OFFICE_DEPTH and parent_id not in seen:
            seen.add(parent_id)
            unit_id = parent_id
            cursor.execute(sql, [unit_id])
            row = cursor.fetchone()
            parent_id = row[0] if row and row[1] else None
    return unit_id


# The check's query: the credit unit's fields, its currency, the policy that applies to it,
# then its group's maintained figures and its posted invoices open and due before the policy's
# tolerance — the first ``OVERDUE_LISTED`` by due date, each row with the count and the total
# of all of them (window aggregates, computed before the limit). The policy is that of the
# unit's class (the nearest class up the tree that has one: a class code starts with the codes
# of the classes above it, docs/decisions/0001), else that of its credit grade, else the
# default policy; cash only comes from the grade's policy whatever policy applies. The unit's
# row joins the rest, so that a unit without policy or overdue invoices still answers one row.
# ``{group}`` is a list of ids or the recursive query of the group; ``{branches}`` whether the
# unit alone is asked for but has customers controlled through it; ``{cutoff}`` the date the
# policy's tolerance (in days) before ``%s``, in the database's own date arithmetic.
_CHECK = """
WITH RECURSIVE {credit_group} pol (id, mode, tolerance) AS (
    SELECT p.id, p.mode, p.overdue_tolerance_days
    FROM {policy} p
    LEFT JOIN {customer_class} pc ON pc.id = p.customer_class_id
    JOIN {customer} u ON u.id = %s
    LEFT JOIN {customer_class} uc ON uc.id = u.customer_class_id
    WHERE p.scope = %s OR (p.scope = %s AND p.credit_grade_id = u.credit_grade_id)
       OR (p.scope = %s AND pc.code = SUBSTR(uc.code, 1, LENGTH(pc.code)))
    ORDER BY CASE p.scope WHEN %s THEN 0 WHEN %s THEN 1 ELSE 2 END, LENGTH(pc.code) DESC
    LIMIT 1
)
SELECT u.code, u.credit_limit, u.control_credit_limit, u.control_credit_days,
       COALESCE(cur.code, base.code, ''), pol.id, pol.mode, pol.tolerance, grade.cash_only,
       f.receivables, f.open_orders, f.branches,
       o.number, o.due_date, o.open_amount, o.n, o.total
FROM {customer} u
LEFT JOIN {currency} cur ON cur.id = u.currency_id
LEFT JOIN {currency} base ON base.code = %s
LEFT JOIN {policy} grade ON grade.scope = %s AND grade.credit_grade_id = u.credit_grade_id
LEFT JOIN pol ON 1 = 1
CROSS JOIN (
    SELECT SUM(receivable_balance) AS receivables, SUM(open_order_amount) AS open_orders,
           {branches} AS branches
    FROM {customer} WHERE id IN ({group})
) f
LEFT JOIN (
    SELECT i.number, i.due_date, i.open_amount,
           COUNT(*) OVER () AS n, SUM(i.open_amount) OVER () AS total
    FROM {invoice} i
    WHERE i.customer_id IN ({group})
      AND i.status = %s AND i.open_amount > 0
      AND i.due_date < {cutoff}
    ORDER BY i.due_date, i.number
    LIMIT %s
) o ON 1 = 1
WHERE u.id = %s
ORDER BY o.due_date, o.number
"""
# The date the policy's tolerance before a date (no policy: the date).
_CUTOFF = {
    "postgresql": "CAST(%s AS date) - COALESCE((SELECT tolerance FROM pol), 0)",
    "sqlite": "DATE(%s, '-' || COALESCE((SELECT tolerance FROM pol), 0) || ' days')",
}
# The unit and every customer controlled through it (the depth bounds a cycle; ``IN``
# counts each customer once; the first row read from the table, so that both halves have
# its column types).
_RECURSIVE = """credit_group (id, depth) AS (
    SELECT id, 0 FROM customers_customer WHERE id = %s
    UNION ALL
    SELECT c.id, g.depth + 1 FROM customers_customer c
    JOIN credit_group g ON c.parent_id = g.id
    WHERE c.control_via_parent AND g.depth < %s
),"""
_HAS_BRANCHES = """(SELECT COUNT(*) FROM (
    SELECT 1 FROM customers_customer b WHERE b.parent_id = %s AND b.control_via_parent LIMIT 1
) x)"""


@dataclass
class _Found:
    """What the check's query found for a credit unit."""

    unit: Customer
    currency: str
    policy: Policy
    receivables: Decimal
    open_orders: Decimal
    overdue_count: int
    overdue_total: Decimal
    overdue: list[dict]


def _check_query(
    unit_id: int, today: datetime.date, *, group: list[int] | None, ask_branches: bool = False
) -> list[tuple]:
    """The rows of ``_CHECK`` for the unit: its group is ``group`` (ids), or the recursive
    query of it when None; ``ask_branches``: say whether the unit has branches controlled
    through it (column 11)."""
    sql = _CHECK.format(
        credit_group=_RECURSIVE if group is None else "",
        group="SELECT id FROM credit_group" if group is None else ", ".join(["%s"] * len(group)),
        branches=_HAS_BRANCHES if ask_branches else "0",
        cutoff=_CUTOFF[connection.vendor],
        customer=Customer._meta.db_table,
        customer_class=CustomerClass._meta.db_table,
        currency=Currency._meta.db_table,
        policy=CreditPolicy._meta.db_table,
        invoice=SalesInvoice._meta.db_table,
    )
    listed = [] if group is None else group
    params = [
        *([unit_id, MAX_HEAD_OFFICE_DEPTH] if group is None else []),
        # the policy
        unit_id,
        PolicyScope.DEFAULT,
        PolicyScope.GRADE,
        PolicyScope.CLASS,
        PolicyScope.CLASS,
        PolicyScope.GRADE,
        # the unit's row
        settings.KEHU_BASE_CURRENCY,
        PolicyScope.GRADE,
        # the figures and the overdue invoices
        *([unit_id] if ask_branches else []),
        *listed,
        *listed,
        InvoiceStatus.POSTED,
        today,
        OVERDUE_LISTED,
        unit_id,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _found(unit_id: int, today: datetime.date, *, via_head_office: bool) -> _Found:
    """Everything the check reads about the credit unit ``unit_id`` (locked already: the
    document's customer, or the head office it is controlled through, ``via_head_office``).

    One query for a unit without branches controlled through it (most customers); for a head
    office (locked by the walk up to it, ``credit_unit_id``), one query of its group (on
    SQLite, the group's customers first, level by level: ``credit_group``). Hand-written SQL:
    the check runs on every order and invoice, and building the ORM's queries cost more than
    the database's work (``bench/credit.py``).

    The lock is never part of this query: a statement that waited for a lock would read the
    rest as it was before the wait (PostgreSQL's snapshot of the statement).
    """
    rows = None
    if not via_head_office:  # the unit alone, unless it turns out to have branches
        rows = _check_query(unit_id, today, group=[unit_id], ask_branches=True)
    if rows is None or (rows and rows[0][11]):  # the whole group
        # PostgreSQL walks the parent index in a recursive query for less than a round trip
        # costs; SQLite builds a Bloom filter of the whole table for each step of one, and
        # reads the group level by level unless it is very large (``credit_group``).
        group = None if connection.vendor == "postgresql" else credit_group(unit_id)
        rows = _check_query(unit_id, today, group=group)
    if not rows:
        raise Customer.DoesNotExist(unit_id)
    first = rows[0]
    code, limit, control_limit, control_days, currency = first[:5]
    policy_id, mode, tolerance, cash_only = first[5:9]
    read = {
        "id": unit_id,
        "code": code,
        "credit_limit": None if limit is None else _cents(limit),
        "control_credit_limit": bool(control_limit),
        "control_credit_days": bool(control_days),
    }
    names = [f.attname for f in Customer._meta.concrete_fields if f.attname in read]
    unit = Customer.from_db(connection.alias, names, [read[name] for name in names])
    cash_only = bool(cash_only)
    if policy_id is None:
        policy = Policy(
            cash_only=cash_only, mode=CreditMode.BLOCK if cash_only else CreditMode.NONE
        )
    else:
        policy = Policy(
            mode=mode, tolerance_days=tolerance, cash_only=cash_only, policy_id=policy_id
        )
    listed = []
    for row in rows:
        number, due, open_amount = row[12:15]
        if number is None:
            continue
        due = due if isinstance(due, datetime.date) else datetime.date.fromisoformat(due)
        listed.append(
            {
                "number": number,
                "due_date": due.isoformat(),
                "open": _text(_cents(open_amount)),
                "days": (today - due).days,
            }
        )
    return _Found(
        unit=unit,
        currency=currency,
        policy=policy,
        receivables=_cents(first[9]),
        open_orders=_cents(first[10]),
        overdue_count=first[15] or 0,
        overdue_total=_cents(first[16]),
        overdue=listed,
    )


# --- the check ------------------------------------------------------------------------------


def credit_check(
    *,
    customer: Customer,
    amount: Decimal,
    action: str,
    document_kind: str,
    number: str,
    today: datetime.date | None = None,
) -> CreditCheck:
    """Lock the customer's credit unit and check ``amount`` more against it. No write.

    Call it inside the transaction that writes the document, after locking the customer.
    """
    unit_id = credit_unit_id(customer)
    via_head_office = unit_id != customer.pk
    today = today or timezone.localdate()
    found = _found(unit_id, today, via_head_office=via_head_office)
    # the customer as the caller has it (locked), or the head office with what the check read
    unit = found.unit if via_head_office else customer
    policy = found.policy
    check = CreditCheck(
        customer=customer,
        unit=unit,
        policy=policy,
        action=action,
        document_kind=document_kind,
        number=number,
        amount=amount,
        limit=found.unit.credit_limit,
        receivables=ZERO,
        open_orders=ZERO,
        currency=found.currency,
        checks_limit=found.unit.control_credit_limit and found.unit.credit_limit is not None,
        checks_overdue=found.unit.control_credit_days,
        as_of=today,
    )
    if policy.mode == CreditMode.NONE and not policy.cash_only:
        return check
    check.receivables, check.open_orders = found.receivables, found.open_orders
    if check.checks_overdue:
        check.overdue_count = found.overdue_count
        check.overdue_total = found.overdue_total
        check.overdue = found.overdue
    return check


# A group this large is read with a recursive query instead of a list of its customers.
GROUP_LISTED = 500


def credit_group(unit_id: int) -> list[int] | None:
    """The unit and every customer controlled through it, down the chain (at most
    ``MAX_HEAD_OFFICE_DEPTH`` levels: a cycle that a bad import might have made ends there):
    one query per level, by the index on ``parent``. None when the group has more than
    ``GROUP_LISTED`` customers.

    Level by level rather than one recursive query: SQLite builds a Bloom filter of the
    whole customer table for each step of a recursive join (milliseconds per check)."""
    group, level = [unit_id], [unit_id]
    seen = {unit_id}
    with connection.cursor() as cursor:
        for _depth in range(MAX_HEAD_OFFICE_DEPTH):
            marks = ", ".join(["%s"] * len(level))
            cursor.execute(
                "SELECT id FROM customers_customer "  # noqa: S608 - placeholders only
                f"WHERE parent_id IN ({marks}) AND control_via_parent",
                level,
            )
            level = [pk for (pk,) in cursor.fetchall() if pk not in seen]
            if not level:
                break
            seen.update(level)
            group.extend(level)
            if len(group) > GROUP_LISTED:
                return None
    return group


def _cents(value) -> Decimal:
    """A sum as money with two places (SQLite answers floats, PostgreSQL decimals)."""
    if value is None:
        return ZERO
    if isinstance(value, float):
        return Decimal("%.2f" % value)  # noqa: UP031
    return Decimal(value).quantize(Decimal("0.01"))
