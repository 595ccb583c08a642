"""Field scope (SPEC §9) in the services and on the card: the credit tab is read-only for whoever
lacks the credit permission, system fields are written by nobody, and a salesperson cannot
write a customer out of their own data scope."""

import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from kehu.accounts.services import user_create
from kehu.core.errors import FieldPermissionError
from kehu.customers.models import Customer
from kehu.customers.services import customer_create, customer_update
from kehu.masterdata.models import Salesperson
from kehu.masterdata.services import coded_item_create
from tests import factories
from tests.customers.test_card_views import edit_url, posted_back

NEW = "/customers/new/"


@pytest.fixture
def setup(db):
    factories.class_tree("01", "0101")
    for code, name in (("S1", "王五"), ("S2", "赵六")):
        coded_item_create(Salesperson, actor=None, data={"code": code, "name": name})


@pytest.fixture
def stored(setup):
    return factories.customer(
        "0101", phone="021-1", salesperson="S1", credit_grade="AA", credit_limit="500000"
    )


def person(*roles: str, scope: str = "all"):
    return user_create(
        username="_".join(roles).replace(" ", "_") or "nobody",
        password="Kehu-x-2026",
        roles=roles,
        scope=scope,
    )


def as_user(client, *roles: str):
    client.force_login(person(*roles))
    return client


def tag_of(html: str, name: str) -> str:
    """The opening tag of the input or select named ``name`` in the card."""
    match = re.search(rf'<(?:input|select)[^>]*name="{name}"[^>]*>', html)
    assert match, f"no input {name}"
    return match.group(0)


# Services --------------------------------------------------------------------------------


def test_the_service_refuses_credit_changes_without_the_permission(stored):
    salesperson = person("salesperson")

    with pytest.raises(FieldPermissionError) as refused:
        customer_update(
            actor=salesperson, customer=stored, data={"phone": "021-2", "credit_days": 10}
        )

    assert set(refused.value.errors) == {"credit_days"}
    assert Customer.objects.get(pk=stored.pk).phone == "021-1"
    changed = customer_update(
        actor=person("credit controller"), customer=stored, data={"credit_days": 10}
    )
    assert changed.credit_days == 10


def test_system_fields_are_refused_whatever_else_the_data_holds(stored):
    with pytest.raises(ValidationError) as refused:
        customer_update(
            actor=None,
            customer=stored,
            data={
                "phone": "021-2",
                "receivable_balance": "1",
                "created_by": 1,
                "updated_at": "2020-01-01",
                "version": 99,
            },
        )

    errors = refused.value.error_dict
    assert set(errors) == {"receivable_balance", "created_by", "updated_at", "version"}
    assert all(e.code == "read_only" for messages in errors.values() for e in messages)
    after = Customer.objects.get(pk=stored.pk)
    assert after.phone == "021-1" and after.version == 1 and after.receivable_balance == 0


def own_scope_salesperson(code: str):
    """A salesperson's login with the ``own`` data scope, linked to salesperson ``code``."""
    user = person("salesperson", scope="own")
    Salesperson.objects.filter(code=code).update(user=user)
    return user


def test_a_salesperson_cannot_create_a_customer_outside_their_scope(setup):
    salesperson = own_scope_salesperson("S1")

    with pytest.raises(ValidationError) as refused:
        customer_create(
            actor=salesperson,
            data={"code": "X1", "name": "别人的客户", "class_code": "0101", "salesperson": "S2"},
        )

    assert "could no longer see" in refused.value.message_dict["salesperson"][0]
    assert not Customer.objects.filter(code="X1").exists()
    mine = customer_create(
        actor=salesperson,
        data={"code": "X2", "name": "我的客户", "class_code": "0101", "salesperson": "S1"},
    )
    assert mine.salesperson.code == "S1"


def test_a_salesperson_cannot_move_a_customer_out_of_their_scope(stored):
    salesperson = own_scope_salesperson("S1")

    with pytest.raises(ValidationError) as refused:
        customer_update(
            actor=salesperson,
            customer=stored,
            data={"salesperson": "S2", "phone": "021-2"},
        )

    assert "salesperson" in refused.value.message_dict
    after = Customer.objects.get(pk=stored.pk)
    assert after.salesperson.code == "S1" and after.phone == "021-1" and after.version == 1


# The card --------------------------------------------------------------------------------


def test_the_credit_tab_is_read_only_for_a_salesperson(client, stored):
    html = as_user(client, "salesperson").get(edit_url(stored)).content.decode()

    for name in ("credit_limit", "credit_grade", "control_credit_limit", "payment_terms"):
        assert " disabled" in tag_of(html, name), name
    assert " disabled" not in tag_of(html, "phone")
    assert "only credit controllers and administrators change the credit terms" in html


def test_the_credit_tab_is_editable_for_a_credit_controller(client, stored):
    client = as_user(client, "credit controller")
    page = client.get(edit_url(stored)).content.decode()
    assert " disabled" not in tag_of(page, "credit_limit")
    assert "only credit controllers and administrators" not in page

    response = client.post(edit_url(stored), {**posted_back(page), "credit_limit": "750000"})

    assert response.status_code == 302, response.content.decode()
    assert Customer.objects.get(pk=stored.pk).credit_limit == Decimal("750000")


def test_a_salespersons_forged_credit_values_are_ignored(client, stored):
    client = as_user(client, "salesperson")
    data = posted_back(client.get(edit_url(stored)).content.decode())

    forged_only = client.post(edit_url(stored), {**data, "credit_limit": "1", "credit_grade": "C"})
    assert forged_only.status_code == 302
    after = Customer.objects.get(pk=stored.pk)
    assert after.credit_limit == Decimal("500000") and after.credit_grade.code == "AA"
    assert after.version == 1  # nothing else changed: nothing was written

    with_a_change = client.post(edit_url(stored), {**data, "credit_limit": "1", "phone": "021-2"})
    assert with_a_change.status_code == 302
    after = Customer.objects.get(pk=stored.pk)
    assert after.phone == "021-2" and after.credit_limit == Decimal("500000")


def test_a_salesperson_creates_on_the_card_with_default_credit_terms(client, setup):
    client = as_user(client, "salesperson")
    page = client.get(NEW).content.decode()
    assert " disabled" in tag_of(page, "credit_limit")

    response = client.post(
        NEW,
        {
            "code": "N1",
            "name": "新客户",
            "class_code": "0101",
            "kind": "enterprise",
            "country": "CN",
            "credit_limit": "99999",
            "credit_days": "90",
        },
    )

    assert response.status_code == 302, response.content.decode()
    created = Customer.objects.get(code="N1")
    assert created.credit_limit is None and created.credit_days is None
