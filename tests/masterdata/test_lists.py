"""Small lists of §1 and the payment terms parser."""

import pytest
from django.core.exceptions import ValidationError

from kehu.core.errors import ConflictError
from kehu.masterdata.models import CreditGrade, Currency, Industry, PaymentTerms
from kehu.masterdata.services import (
    coded_item_create,
    coded_item_delete,
    coded_item_update,
    parse_payment_terms,
)
from tests.factories import class_tree, customer


@pytest.mark.parametrize(
    ("text", "net", "discounts"),
    [
        ("n/30", 30, []),
        ("2/10,n/30", 30, [("2", 10)]),
        ("2/10, 1/20, n/30", 30, [("2", 10), ("1", 20)]),
        ("2/10，N/30", 30, [("2", 10)]),
        ("1.5/10,n/45", 45, [("1.5", 10)]),
    ],
)
def test_payment_terms_are_parsed(text, net, discounts):
    parsed_net, parsed = parse_payment_terms(text)
    assert parsed_net == net
    assert [(d["percent"], d["days"]) for d in parsed] == discounts


@pytest.mark.parametrize(
    "text", ["", "2/10", "n30", "2/40,n/30", "1/10,2/20,n/30", "2/20,1/10,n/30", "0/10,n/30", "x"]
)
def test_bad_payment_terms_are_refused(text):
    with pytest.raises(ValidationError):
        parse_payment_terms(text)


@pytest.mark.django_db
def test_payment_terms_store_what_the_text_says():
    terms = coded_item_create(
        PaymentTerms, actor=None, data={"code": "02", "name": "现金折扣", "text": "2/10,n/30"}
    )
    assert (terms.net_days, terms.discounts) == (30, [{"percent": "2", "days": 10}])
    with pytest.raises(ValidationError) as info:
        coded_item_update(PaymentTerms, actor=None, item=terms, data={"text": "n/x"})
    assert "text" in info.value.message_dict


@pytest.mark.django_db
def test_cny_and_the_standard_grades_are_seeded():
    assert Currency.objects.filter(code="CNY").exists()
    assert list(CreditGrade.objects.values_list("code", flat=True)) == ["AAA", "AA", "A", "B", "C"]


@pytest.mark.django_db
def test_a_used_item_keeps_its_code_and_cannot_be_deleted():
    industry = coded_item_create(Industry, actor=None, data={"code": "C", "name": "制造业"})
    class_tree("01", "0101")
    customer(industry="C")

    with pytest.raises(ConflictError):
        coded_item_update(Industry, actor=None, item=industry, data={"code": "C1"})
    with pytest.raises(ConflictError) as info:
        coded_item_delete(Industry, actor=None, item=industry)
    assert "1" in str(info.value)
    assert coded_item_update(Industry, actor=None, item=industry, data={"is_active": False})


@pytest.mark.django_db
def test_a_deactivated_item_cannot_be_chosen_for_a_customer():
    coded_item_create(
        Industry, actor=None, data={"code": "Z", "name": "旧行业", "is_active": False}
    )
    class_tree("01", "0101")
    with pytest.raises(ValidationError) as info:
        customer(industry="Z")
    assert "industry" in info.value.message_dict


@pytest.mark.django_db
def test_currency_codes_follow_iso_4217():
    with pytest.raises(ValidationError) as info:
        coded_item_create(Currency, actor=None, data={"code": "rmb", "name": "人民币"})
    assert "code" in info.value.message_dict


@pytest.mark.django_db
def test_every_problem_of_a_list_row_is_reported_at_once():
    with pytest.raises(ValidationError) as info:
        coded_item_create(PaymentTerms, actor=None, data={"code": "", "name": "", "text": "2/10"})
    assert set(info.value.message_dict) == {"code", "name", "text"}
