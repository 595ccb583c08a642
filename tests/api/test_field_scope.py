"""Field scope through the API (SPEC §9): credit terms are changed only by credit controllers
and administrators; fields the system maintains are changed by nobody."""

from decimal import Decimal

import pytest

from kehu.customers.models import Customer
from tests import factories
from tests.api.asserts import assert_error
from tests.http import if_match

CUSTOMERS = "/api/v1/customers"


@pytest.fixture
def stored(classes):
    """A customer with credit terms, as a credit controller left them."""
    return factories.customer(
        "0101",
        phone="021-1",
        credit_grade="AA",
        credit_limit="500000",
        credit_days=30,
        control_via_parent=False,
    )


def reread(customer) -> Customer:
    return Customer.objects.get(pk=customer.pk)


@pytest.mark.parametrize("role", ["salesperson", "sales manager"])
def test_a_changed_credit_field_is_refused_with_403_naming_it(api_as, stored, role):
    client = api_as(role)

    response = client.patch(
        f"{CUSTOMERS}/{stored.pk}",
        {"phone": "021-2", "credit_limit": "900000", "credit_grade": "AAA"},
        **if_match(stored),
    )

    body = assert_error(response, 403, "field_forbidden", field="credit_limit", says="credit")
    assert set(body["errors"]) == {"credit_limit", "credit_grade"}
    after = reread(stored)
    assert after.credit_limit == Decimal("500000") and after.credit_grade.code == "AA"
    assert after.phone == "021-1" and after.version == stored.version


@pytest.mark.parametrize("role", ["credit controller", "administrator"])
def test_credit_controllers_and_administrators_change_credit_terms(api_as, stored, role):
    client = api_as(role)

    response = client.patch(
        f"{CUSTOMERS}/{stored.pk}",
        {"credit_limit": "900000", "credit_grade": "AAA", "control_via_parent": True},
        **if_match(stored),
    )

    assert response.status_code == 200, response.json()
    assert response.json()["credit_limit"] == "900000.00"
    after = reread(stored)
    assert after.credit_grade.code == "AAA" and after.control_via_parent is True


def test_credit_values_sent_back_unchanged_are_accepted(api_as, stored):
    client = api_as("salesperson")
    read = client.get(f"{CUSTOMERS}/{stored.pk}")
    sent_back = {
        key: read.json()[key]
        for key in (
            "credit_grade",
            "credit_limit",
            "credit_days",
            "payment_terms",
            "discount_rate",
            "price_level",
            "control_credit_limit",
            "control_credit_days",
            "control_via_parent",
        )
    }
    sent_back["credit_limit"] = "500000"  # the same amount, written differently

    response = client.patch(
        f"{CUSTOMERS}/{stored.pk}", {**sent_back, "phone": "021-2"}, **if_match(read)
    )

    assert response.status_code == 200, response.json()
    assert reread(stored).phone == "021-2"


def test_an_unknown_credit_grade_from_a_salesperson_is_refused_as_forbidden(api_as, stored):
    response = api_as("salesperson").patch(
        f"{CUSTOMERS}/{stored.pk}", {"credit_grade": "NOPE"}, **if_match(stored)
    )
    assert_error(response, 403, "field_forbidden", field="credit_grade")


def test_a_salesperson_creates_customers_with_the_default_credit_terms_only(api_as, classes):
    client = api_as("salesperson")

    refused = client.post(
        CUSTOMERS,
        {"code": "N1", "name": "新客户一", "class_code": "0101", "credit_days": 60},
    )
    accepted = client.post(
        CUSTOMERS,
        {"code": "N2", "name": "新客户二", "class_code": "0101", "control_credit_limit": True},
    )

    assert_error(refused, 403, "field_forbidden", field="credit_days")
    assert not Customer.objects.filter(code="N1").exists()
    assert accepted.status_code == 201, accepted.json()
    assert accepted.json()["control_credit_limit"] is True


def test_system_fields_are_refused_and_nothing_is_written(api, stored):
    response = api.patch(
        f"{CUSTOMERS}/{stored.pk}",
        {
            "phone": "021-2",
            "receivable_balance": "1",
            "last_transaction_on": "2025-01-01",
            "created_by": "admin",
            "version": 99,
        },
        **if_match(stored),
    )

    body = assert_error(response, 422, "validation_error", field="version", says="system")
    assert {"receivable_balance", "last_transaction_on", "created_by"} <= set(body["errors"])
    after = reread(stored)
    assert after.phone == "021-1" and after.version == stored.version
    assert after.receivable_balance == 0 and after.created_by is None
