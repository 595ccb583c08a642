"""One credit check (issue 7: ≤ 5 ms), as the sales services run it when they write an order.

The database holds the customers and the documents that module ``sales`` loaded (this module
loads them the same way, ``kehu.demo.bulk_sales``, when they are not there yet). One
measurement is what ``order_create`` does for the credit check of SPEC §5, in its own
transaction: lock the customer (``customer_locked``), then ``credit_control`` — find the
credit unit and lock it, resolve the policy, read the unit's exposure and its overdue
invoices — for

- a customer controlled by itself, with about 20 documents (a different customer each time,
  drawn by the seed among those with documents);
- a branch controlled through a head office with many branches (the unit the check reads is
  the whole group): the head office of the data with the most such branches, and at least
  ``GROUP_BRANCHES`` branches — customers without a head office of their own are attached to
  it for the measurement, inside a transaction that is rolled back.

The check runs under a "warn" default policy with both controls on (limit and overdue), so
that it does all its work and writes nothing; the policy exists only in the transaction of the
measurement, which is rolled back.
"""

import random
from decimal import Decimal

from bench.measure import Result, Timing, timed

MODULE = "credit"
TARGET_MS = 5.0
GROUP_BRANCHES = 50


class _Rollback(Exception):
    pass


def _documents_loaded(context) -> None:
    from bench.worker import REFERENCE_DATE
    from kehu.demo.bulk_sales import bulk_sales_load
    from kehu.sales.models import SalesInvoice

    if not SalesInvoice.objects.exists():
        bulk_sales_load(seed=context.seed, reference_date=REFERENCE_DATE)


def _customers(seed: int, count: int) -> list[int]:
    """Customers controlled by themselves that have documents, drawn by the seed."""
    from django.db.models import Exists, OuterRef

    from kehu.customers.models import Customer
    from kehu.sales.models import SalesInvoice

    ids = list(
        Customer.objects.filter(
            Exists(SalesInvoice.objects.filter(customer=OuterRef("pk"))),
            control_via_parent=False,
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:20_000]
    )
    rng = random.Random(seed)
    return [rng.choice(ids) for _ in range(count)]


def _group() -> tuple[int, int]:
    """A branch of the head office with the most branches controlled through it (at least
    ``GROUP_BRANCHES``: more customers are attached to it), and the group's size."""
    from django.db.models import Count

    from kehu.customers.models import Customer

    top = (
        Customer.objects.filter(control_via_parent=True, parent__isnull=False)
        .values("parent_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "parent_id")
        .first()
    )
    if top is None:
        head = Customer.objects.filter(parent__isnull=True).order_by("pk").values("pk").first()
        head_id, branches = head["pk"], 0
    else:
        head_id, branches = top["parent_id"], top["n"]
    if branches < GROUP_BRANCHES:
        extra = list(
            Customer.objects.filter(parent__isnull=True, control_via_parent=False)
            .exclude(pk=head_id)
            .exclude(branches__isnull=False)
            .order_by("-pk")
            .values_list("pk", flat=True)[: GROUP_BRANCHES - branches]
        )
        Customer.objects.filter(pk__in=extra).update(parent_id=head_id, control_via_parent=True)
    branch = (
        Customer.objects.filter(parent_id=head_id, control_via_parent=True)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    size = Customer.objects.filter(parent_id=head_id, control_via_parent=True).count()
    # both controls on for the whole group: the check reads everything
    Customer.objects.filter(pk=head_id).update(
        control_credit_limit=True, control_credit_days=True, credit_limit=Decimal("1000000")
    )
    return branch, size


def _one_check(customer_id: int, amount: Decimal):
    from django.db import transaction

    from kehu.credit.choices import CheckAction, DocumentKind
    from kehu.credit.services import credit_control
    from kehu.sales.services import customer_locked

    with transaction.atomic():
        customer = customer_locked(None, customer_id)
        return credit_control(
            customer=customer,
            amount=amount,
            action=CheckAction.CREATE,
            document_kind=DocumentKind.ORDER,
            number="BENCH-CREDIT",
            can_hold=True,
        )


def _measure(name: str, ids: list[int], note: str, details: dict) -> Result:
    amount = Decimal("1234.56")
    _one_check(ids[0], amount)  # warm: the first call imports and prepares
    runs = [timed(lambda pk=pk: _one_check(pk, amount)) for pk in ids]
    walls = Timing([wall for wall, _cpu, _value in runs])
    cpus = Timing([cpu for _wall, cpu, _value in runs])
    found = sum(1 for _w, _c, decision in runs if decision.outcome != "pass")
    return Result(
        MODULE,
        name,
        round(walls.p95, 2),
        "ms (p95)",
        target=f"≤ {TARGET_MS:g} ms",
        passed=walls.p95 <= TARGET_MS,
        details={
            "p50_ms": round(walls.p50, 2),
            "p95_ms": round(walls.p95, 2),
            "max_ms": round(max(walls.samples), 2),
            "cpu_p50_ms": round(cpus.p50, 2),
            "repeat": len(ids),
            "warnings": found,
            **details,
        },
        note=note,
    )


def run(context) -> list[Result]:
    from django.db import transaction

    from kehu.credit.choices import CreditMode, PolicyScope
    from kehu.credit.models import CreditPolicy
    from kehu.customers.models import Customer
    from kehu.sales.models import SalesInvoice

    _documents_loaded(context)
    repeat = max(context.repeat, 20)
    results = []
    try:
        with transaction.atomic():
            CreditPolicy.objects.filter(scope=PolicyScope.DEFAULT).delete()
            CreditPolicy.objects.create(
                scope=PolicyScope.DEFAULT, mode=CreditMode.WARN, overdue_tolerance_days=0
            )
            ids = _customers(context.seed, repeat)
            Customer.objects.filter(pk__in=ids).update(
                control_credit_limit=True, control_credit_days=True
            )
            documents = SalesInvoice.objects.filter(customer_id__in=ids).count() / len(ids)
            results.append(
                _measure(
                    "credit check of a customer (order_create's lock + credit_control)",
                    ids,
                    "",
                    {"customers": len(set(ids)), "invoices_per_customer": round(documents, 1)},
                )
            )
            branch, size = _group()
            results.append(
                _measure(
                    f"credit check of a branch controlled through a head office with {size} "
                    "branches",
                    [branch] * repeat,
                    "",
                    {"branches": size},
                )
            )
            raise _Rollback
    except _Rollback:
        pass
    return results
