"""The page of a run's suggested credit terms: a preview of the reader's customers, applied by
a credit controller to the chosen customers or all, all or nothing."""

from decimal import Decimal

import pytest
from django.test import Client

from kehu.accounts.services import user_create
from kehu.evaluation.services import evaluation_run
from tests.evaluation.example import AS_OF, example_build

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def controller():
    user = user_create(
        username="zhaomin", password="Kehu-test-2026", roles=["credit controller"], scope="all"
    )
    client = Client()
    client.force_login(user)
    return client


def test_the_preview_lists_current_and_suggested_terms_and_changes_nothing(controller):
    customers = example_build()
    run = evaluation_run(actor=None, as_of=AS_OF)

    page = controller.get(f"/evaluation/runs/{run.pk}/strategy/").content.decode()

    assert "甲按期付款有限公司" in page and "100000.00 → 20000.00" in page
    assert 'name="customers" value="E2"' in page
    customers["E1"].refresh_from_db()
    assert customers["E1"].credit_limit == D("100000")


def test_nothing_chosen_is_an_error_and_writes_nothing(controller):
    example_build()
    run = evaluation_run(actor=None, as_of=AS_OF)

    response = controller.post(f"/evaluation/runs/{run.pk}/strategy/", {})

    assert response.status_code == 422
    assert "Choose the customers to apply the terms to." in response.content.decode()


def test_a_customer_not_in_the_run_is_named_and_nobody_changes(controller):
    customers = example_build()
    run = evaluation_run(actor=None, as_of=AS_OF)

    response = controller.post(
        f"/evaluation/runs/{run.pk}/strategy/", {"customers": ["E1", "NOPE"]}
    )

    assert response.status_code == 422
    assert "Not in this run (or not yours): NOPE." in response.content.decode()
    customers["E1"].refresh_from_db()
    assert customers["E1"].credit_limit == D("100000")


def test_apply_to_all(controller):
    customers = example_build()
    run = evaluation_run(actor=None, as_of=AS_OF)

    response = controller.post(f"/evaluation/runs/{run.pk}/strategy/", {"all": "1"})

    assert response.status_code == 302
    assert response["Location"] == f"/evaluation/runs/{run.pk}/strategy/"
    page = controller.get(response["Location"]).content.decode()
    assert "The suggested credit terms were applied to 4 customers." in page
    for code, limit in (("E1", "20000.00"), ("E2", "0.00")):
        customers[code].refresh_from_db()
        assert customers[code].credit_limit == D(limit)


def test_an_outside_next_address_is_not_followed(controller):
    example_build()
    run = evaluation_run(actor=None, as_of=AS_OF)

    response = controller.post(
        f"/evaluation/runs/{run.pk}/strategy/",
        {"customers": "E1", "next": "https://evil.example/"},
    )

    assert response["Location"] == f"/evaluation/runs/{run.pk}/strategy/"
