"""The history of a customer as the card shows it: newest first, labelled, escaped."""

import re
from html import unescape

import pytest
from django.template.loader import render_to_string

from kehu.accounts.services import user_create
from kehu.audit.selectors import events_for_customer, events_visible_to
from kehu.customers.services import customer_child_create, customer_update
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(classes):
    customer = factories.customer(code="A1", credit_limit="100", kind="enterprise")
    customer_update(
        actor=None,
        customer=customer,
        data={"credit_limit": "250", "kind": "individual", "is_supplier": True},
    )
    customer_child_create(
        "contacts", actor=None, customer=customer, data={"name": "<script>alert(1)</script>"}
    )
    return customer


def text_of(html: str) -> str:
    return unescape(" ".join(re.sub(r"<[^>]+>", " ", html).split())).replace(" :", ":")


def test_the_events_of_a_customer_and_its_records_newest_first(customer):
    other = factories.customer(code="B1")

    events = list(events_for_customer(customer.pk))

    assert [(e.action, e.content_type.model) for e in events] == [
        ("create", "contact"),
        ("update", "customer"),
        ("create", "customer"),
    ]
    assert all(e.customer_id != other.pk for e in events)


def test_the_history_shows_labelled_old_and_new_values(customer):
    html = render_to_string("audit/_history.html", {"events": events_for_customer(customer.pk)})
    text = text_of(html)

    assert "credit limit: 100.00 → 250.00" in text
    assert "kind: Enterprise → Individual" in text
    assert "also a supplier: no → yes" in text
    assert "changed" in text and "created" in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>" not in html


def test_an_empty_history_says_so(classes):
    customer = factories.customer()
    html = render_to_string("audit/_history.html", {"events": []})

    assert "No recorded changes yet." in html
    assert events_for_customer(customer.pk).exists()


def test_only_those_allowed_read_the_trail(customer, admin_user):
    auditor = user_create(username="au", password="Kehu-user-2026", roles=["auditor"])
    seller = user_create(username="se", password="Kehu-user-2026", roles=["salesperson"])

    assert events_visible_to(admin_user).filter(customer_id=customer.pk).count() == 3
    assert events_visible_to(auditor).filter(customer_id=customer.pk).count() == 3
    assert not events_visible_to(seller).exists()
    assert not events_for_customer(customer.pk, user=seller).exists()
