"""SPEC §5: "two orders entered at the same moment cannot together exceed the limit".

Threads, each on its own database connection, enter orders at once (a barrier releases them
together) that together would exceed the limit. The check and the insert run under the lock
of the credit unit's row, so the orders are checked one after the other: the committed
exposure never exceeds the limit, and every refused order was refused with the figures of
the orders committed before it.
"""

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connection, connections

from kehu.credit.checks import CreditRefused
from kehu.credit.choices import CreditMode, EventKind, PolicyScope
from kehu.credit.models import CreditEvent
from kehu.credit.services import policy_save
from kehu.customers.models import Customer
from kehu.masterdata.models import Currency
from kehu.sales import services as sales
from kehu.sales.models import SalesOrder
from tests import factories
from tests.credit.conftest import today

THREADS = 6
ROUNDS = 3
LIMIT = Decimal("1000")
AMOUNT = Decimal("300")  # three fit, six would be 1800

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite has one writer at a time: nothing runs in parallel there to race.",
)


@pytest.mark.parametrize("through_head_office", [False, True], ids=["one customer", "branches"])
def test_parallel_orders_never_exceed_the_limit(transactional_db, through_head_office):
    factories.class_tree("01", "0101")
    # A transactional test starts from an emptied database: the seeded currency may be gone.
    Currency.objects.get_or_create(code="CNY", defaults={"name": "人民币", "decimals": 2})
    policy_save(actor=None, data={"scope": PolicyScope.DEFAULT, "mode": CreditMode.BLOCK})
    barrier = threading.Barrier(THREADS, timeout=30)

    def enter(customer: Customer, number: str) -> bool:
        barrier.wait()
        try:
            sales.order_create(
                actor=None, customer=customer, number=number, date=today(), amount=AMOUNT
            )
        except CreditRefused:
            return False
        finally:
            connections.close_all()
        return True

    for round_ in range(ROUNDS):
        head = factories.customer(currency="CNY", credit_limit=str(LIMIT))
        if through_head_office:
            # Each thread orders for its own branch: only the head office's lock is shared.
            buyers = [
                factories.customer(currency="CNY", parent_code=head.code, control_via_parent=True)
                for _ in range(THREADS)
            ]
        else:
            buyers = [head] * THREADS
        numbers = [f"R{round_}-{n}" for n in range(THREADS)]
        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            outcomes = list(pool.map(enter, buyers, numbers))

        group = [head.pk] + [b.pk for b in buyers]
        committed = SalesOrder.objects.filter(customer__in=group).values_list("amount", flat=True)
        exposure = sum(committed, Decimal("0"))
        assert exposure <= LIMIT, f"round {round_}: {exposure} committed"
        assert outcomes.count(True) == 3 and len(committed) == 3, outcomes
        refusals = CreditEvent.objects.filter(kind=EventKind.REFUSAL, document_number__in=numbers)
        assert refusals.count() == THREADS - 3
        # Each refusal saw the three committed orders (900) and so an excess of 200.
        assert set(refusals.values_list("excess", flat=True)) == {Decimal("200")}
        stored = Customer.objects.filter(pk__in=group).values_list("open_order_amount", flat=True)
        assert sum(stored, Decimal("0")) == exposure
