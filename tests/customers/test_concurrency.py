"""Optimistic concurrency: a save based on an older read of the customer writes nothing.

On the card the user sees who changed the customer when, and each field's stored value next to
theirs. In the services, of updates based on the same version exactly one wins, also when they
race in parallel transactions (PostgreSQL: 1,000 races in two threads).
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

from kehu.accounts.services import user_create
from kehu.core.errors import ConflictError, StaleVersionError
from kehu.customers.models import Customer
from kehu.customers.services import customer_update
from tests import factories
from tests.customers.test_card_views import edit_url, error_next_to, posted_back


@pytest.fixture
def stored(db):
    factories.class_tree("01", "0101")
    return factories.customer(
        "0101", name="西湖茶业有限公司", phone="021-1", contacts=[{"name": "甲"}]
    )


@pytest.fixture
def colleague(db):
    return user_create(
        username="li",
        password="Kehu-user-2026",
        roles=["sales manager"],
        scope="all",
        first_name="芳",
        last_name="李",
    )


@pytest.fixture
def logged_in(client, admin_user):
    client.force_login(admin_user)
    return client


def test_the_card_carries_the_version_it_was_opened_at(logged_in, stored):
    data = posted_back(logged_in.get(edit_url(stored)).content.decode())
    assert data["version"] == "1"


def test_a_stale_save_writes_nothing_and_shows_what_changed(logged_in, stored, colleague):
    opened = posted_back(logged_in.get(edit_url(stored)).content.decode())
    customer_update(actor=colleague, customer=stored, data={"phone": "021-9"})
    contact = stored.contacts.get()

    response = logged_in.post(
        edit_url(stored),
        {
            **opened,
            "name": "西湖茶业集团",
            "contacts-0-name": "甲改",
            "contacts-1-name": "新联系人",
        },
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "李芳 changed this customer at" in html and "Nothing of yours was saved" in html
    assert error_next_to(html, "phone") == "Now: 021-9 — yours: 021-1"
    assert error_next_to(html, "name") == "Now: 西湖茶业有限公司 — yours: 西湖茶业集团"
    assert 'value="西湖茶业集团"' in html and 'value="新联系人"' in html  # the inputs are kept
    after = Customer.objects.get(pk=stored.pk)
    assert after.name == "西湖茶业有限公司" and after.phone == "021-9" and after.version == 2
    assert list(after.contacts.values_list("pk", "name")) == [(contact.pk, "甲")]

    # Having seen the differences, saving again stores the user's values.
    again = logged_in.post(edit_url(stored), posted_back(html))
    assert again.status_code == 302, again.content.decode()
    after = Customer.objects.get(pk=stored.pk)
    assert after.name == "西湖茶业集团" and after.version == 3
    assert sorted(after.contacts.values_list("name", flat=True)) == ["新联系人", "甲改"]


def test_a_stale_save_of_rows_only_writes_no_row(logged_in, stored, colleague):
    opened = posted_back(logged_in.get(edit_url(stored)).content.decode())
    customer_update(actor=colleague, customer=stored, data={"remarks": "改过"})

    response = logged_in.post(edit_url(stored), {**opened, "contacts-1-name": "新联系人"})

    assert response.status_code == 200
    assert "changed this customer" in response.content.decode()
    assert list(stored.contacts.values_list("name", flat=True)) == ["甲"]


def test_a_saved_row_makes_an_older_card_stale(client, logged_in, stored, colleague):
    other = client.__class__()
    other.force_login(colleague)
    theirs = posted_back(other.get(edit_url(stored)).content.decode())
    mine = posted_back(logged_in.get(edit_url(stored)).content.decode())

    saved = other.post(edit_url(stored), {**theirs, "contacts-1-name": "乙"})
    assert saved.status_code == 302
    refused = logged_in.post(edit_url(stored), {**mine, "phone": "021-2"})

    assert refused.status_code == 200 and "李芳 changed this customer" in refused.content.decode()
    after = Customer.objects.get(pk=stored.pk)
    assert after.phone == "021-1" and after.contacts.count() == 2


def test_a_card_without_its_version_is_refused(logged_in, stored):
    opened = posted_back(logged_in.get(edit_url(stored)).content.decode())
    del opened["version"]

    response = logged_in.post(edit_url(stored), {**opened, "phone": "021-2"})

    assert response.status_code == 200
    assert "without the version it was opened at" in response.content.decode()
    assert Customer.objects.get(pk=stored.pk).phone == "021-1"


def test_deactivating_from_a_stale_card_is_refused(logged_in, stored, colleague):
    page = logged_in.get(edit_url(stored)).content.decode()
    assert '<input type="hidden" name="version" value="1"></form>' in page
    customer_update(actor=colleague, customer=stored, data={"phone": "021-9"})

    response = logged_in.post(f"/customers/{stored.pk}/deactivate/", {"version": "1"}, follow=True)

    assert "changed by someone else" in response.content.decode()
    assert Customer.objects.get(pk=stored.pk).is_active


# Races -----------------------------------------------------------------------------------


def test_no_lost_update_when_stale_updates_race(transactional_db):
    """Every round, two updates based on the same read each add one to ``employees``.

    Exactly one may win each round, so ``employees`` counts the winners and the version moves
    with it: a lost update would leave ``employees`` behind the number of successful updates.
    PostgreSQL runs the two in parallel threads with real row locks, 1,000 times; SQLite (one
    writer at a time, no row locks) runs the same rounds one after the other, 50 times.
    """
    parallel = connection.vendor == "postgresql"
    rounds = 1000 if parallel else 50
    factories.class_tree("01", "0101")
    customer = factories.customer("0101", employees=0)
    actor = user_create(username="racer", password="Kehu-user-2026", roles=["administrator"])
    barrier = threading.Barrier(2, timeout=30)

    def attempt(read: Customer, thread: int) -> bool:
        if parallel:
            barrier.wait()  # both transactions start together
        try:
            customer_update(
                actor=actor,
                customer=read,
                data={"employees": read.employees + 1, "remarks": f"thread {thread}"},
                expected_version=read.version,
            )
        except StaleVersionError as exc:
            assert isinstance(exc, ConflictError) and exc.current_version == read.version + 1
            return False
        return True

    def close_connection(_thread: int) -> None:
        barrier.wait()  # one call per worker thread
        connections.close_all()

    wins = 0
    with ThreadPoolExecutor(max_workers=2) as pool:
        for _round in range(rounds):
            read = Customer.objects.get(pk=customer.pk)
            if parallel:
                outcomes = list(pool.map(attempt, [read, read], [1, 2]))
            else:
                outcomes = [attempt(read, 1), attempt(read, 2)]
            assert sorted(outcomes) == [False, True], f"round {_round}: {outcomes}"
            wins += outcomes.count(True)
        if parallel:
            list(pool.map(close_connection, [1, 2]))

    final = Customer.objects.get(pk=customer.pk)
    assert final.employees == wins == rounds
    assert final.version == 1 + wins
