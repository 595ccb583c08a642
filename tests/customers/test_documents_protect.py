"""A customer that documents refer to keeps its code and cannot be deleted (SPEC §2).

The sales documents arrive with a later issue; ``tests.documents.StandInInvoice`` refers to
customers the same way (``on_delete=PROTECT``), so the rule is checked now.
"""

import pytest

from kehu.core.errors import ConflictError
from kehu.customers.models import Customer
from kehu.customers.services import customer_deactivate, customer_delete, customer_update
from tests.documents.models import StandInInvoice
from tests.factories import class_tree, customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoiced():
    class_tree("01", "0101")
    created = customer(code="C1")
    StandInInvoice.objects.create(customer=created, number="INV1")
    return created


def test_a_customer_with_documents_cannot_be_deleted_only_deactivated(invoiced):
    with pytest.raises(ConflictError) as info:
        customer_delete(actor=None, customer=invoiced)
    assert info.value.code == "has_transactions"
    assert "stand-in invoices (1)" in str(info.value)
    assert customer_deactivate(actor=None, customer=invoiced).deactivated_on is not None


def test_a_customer_with_documents_keeps_its_code(invoiced):
    with pytest.raises(ConflictError) as info:
        customer_update(actor=None, customer=invoiced, data={"code": "C2"})
    assert info.value.code == "code_in_use"
    assert customer_update(actor=None, customer=invoiced, data={"name": "新名称"}).code == "C1"


def test_the_api_answers_409_with_the_reason(api, invoiced):
    response = api.delete(f"/api/v1/customers/{invoiced.pk}")
    assert response.status_code == 409
    assert response.json()["code"] == "has_transactions"
    assert Customer.objects.filter(pk=invoiced.pk).exists()
