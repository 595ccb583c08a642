"""Two merges of the same pair at the same moment (SPEC §7): one wins, the other writes nothing.

PostgreSQL runs both in parallel threads with real row locks (taken in primary-key order, so
merging A into B and B into A cannot deadlock); SQLite, one writer at a time, runs them one
after the other.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

from django.db import connection, connections

from kehu.accounts.services import user_create
from kehu.core.errors import StaleVersionError
from kehu.customers.models import Contact, Customer
from kehu.quality.merge import customer_merge
from tests import factories


def test_merging_a_pair_both_ways_at_once_merges_it_once(transactional_db):
    parallel = connection.vendor == "postgresql"
    rounds = 20 if parallel else 5
    factories.class_tree("01", "0101")
    actor = user_create(username="racer", password="Kehu-user-2026", roles=["administrator"])
    barrier = threading.Barrier(2, timeout=30)

    def attempt(survivor: Customer, other: Customer) -> bool:
        if parallel:
            barrier.wait()
        try:
            customer_merge(
                actor=actor,
                survivor=survivor,
                other=other,
                expected_versions={survivor.pk: survivor.version, other.pk: other.version},
            )
        except (Customer.DoesNotExist, StaleVersionError):
            return False
        return True

    def close_connection(_thread: int) -> None:
        barrier.wait()
        connections.close_all()

    with ThreadPoolExecutor(max_workers=2) as pool:
        for round_ in range(rounds):
            a = factories.customer("0101", contacts=[{"name": f"甲{round_}"}])
            b = factories.customer("0101", contacts=[{"name": f"乙{round_}"}])
            if parallel:
                outcomes = list(pool.map(attempt, [a, b], [b, a]))
            else:
                outcomes = [attempt(a, b), attempt(b, a)]
            assert sorted(outcomes) == [False, True], f"round {round_}: {outcomes}"
            left = Customer.objects.filter(pk__in=[a.pk, b.pk])
            assert left.count() == 1
            names = set(Contact.objects.filter(customer=left.get()).values_list("name", flat=True))
            assert names == {f"甲{round_}", f"乙{round_}"}
        if parallel:
            list(pool.map(close_connection, [1, 2]))
