"""The rules of §2 for the customer archive, at service level."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import uscc

from kehu.core.errors import ConflictError
from kehu.customers.models import Contact, Customer
from kehu.customers.services import (
    customer_child_create,
    customer_child_update,
    customer_create,
    customer_deactivate,
    customer_delete,
    customer_reactivate,
    customer_update,
    user_field_create,
)
from kehu.customers.validators import validate_credit_code
from tests.factories import class_tree, customer

pytestmark = pytest.mark.django_db
VALID_CODE = "91330000J1XG612DD6"


@pytest.fixture(autouse=True)
def classes():
    return class_tree("01", "0101", "0102")


def errors_of(call) -> dict:
    with pytest.raises(ValidationError) as info:
        call()
    return info.value.message_dict


def test_a_customer_with_two_contacts_is_created_whole():
    created = customer(
        name="浙江泰锐家居有限公司",
        short_name="泰锐家居",
        credit_code=VALID_CODE,
        contacts=[{"name": "张三", "is_primary": True}, {"name": "李四", "mobile": "13900000000"}],
        addresses=[{"address": "杭州市人民路 1 号", "is_default": True}],
        bank_accounts=[{"bank_name": "中国工商银行", "account_number": "6222 0000 1111"}],
        documents=[{"kind": "business_licence", "number": VALID_CODE}],
        tags=["重点客户", "重点客户", "新客户"],
    )
    assert created.mnemonic == "TRJJ"
    assert [c.name for c in created.contacts.all()] == ["张三", "李四"]
    assert created.addresses.get().is_default
    assert sorted(created.tags.values_list("name", flat=True)) == ["新客户", "重点客户"]


def test_only_code_name_and_class_are_required():
    assert set(errors_of(lambda: customer_create(actor=None, data={}))) == {
        "code",
        "name",
        "class_code",
    }


def test_every_problem_is_reported_at_once_and_nothing_is_written():
    errors = errors_of(
        lambda: customer(
            name="x" * 300,
            credit_code="91330000J1XG612DD7",
            email="not-an-email",
            credit_limit="-5",
            founded_on="2023-02-30",
            contacts=[{"name": "好人"}, {"name": "", "email": "bad"}],
        )
    )
    assert {"name", "credit_code", "email", "credit_limit", "founded_on"} <= set(errors)
    assert {"contacts.1.name", "contacts.1.email"} <= set(errors)
    assert "check character" in errors["credit_code"][0]
    assert Customer.objects.count() == 0 and Contact.objects.count() == 0


def test_the_class_must_be_an_existing_leaf():
    assert "not a leaf" in errors_of(lambda: customer(class_code="01"))["class_code"][0]
    assert "does not exist" in errors_of(lambda: customer(class_code="0199"))["class_code"][0]


def test_a_foreign_tax_number_is_not_checked_as_a_chinese_code():
    assert customer(country="US", credit_code="12-3456789").credit_code == "12-3456789"


def test_code_unique_and_name_unique_among_active_customers():
    first = customer(code="C1", name="同名公司")
    assert "code" in errors_of(lambda: customer(code="C1", name="另一家"))
    assert "name" in errors_of(lambda: customer(code="C2", name="同名公司"))
    customer_deactivate(actor=None, customer=first)
    customer(code="C2", name="同名公司")
    with pytest.raises(ValidationError) as info:
        customer_reactivate(actor=None, customer=first)
    assert "name" in info.value.message_dict


def test_system_maintained_and_unknown_fields_are_refused():
    errors = errors_of(lambda: customer(receivable_balance="100", colour="red"))
    assert "system" in errors["receivable_balance"][0]
    assert errors["colour"] == ["Unknown field."]


def test_head_office_without_cycles():
    head = customer(code="H1")
    branch = customer(code="B1", parent_code="H1")
    sub = customer(code="B2", parent_code="B1")
    assert (
        "cycle"
        in errors_of(
            lambda: customer_update(actor=None, customer=head, data={"parent_code": "B2"})
        )["parent_code"][0]
    )
    assert errors_of(lambda: customer_update(actor=None, customer=sub, data={"parent_code": "B2"}))
    with pytest.raises(ConflictError) as info:
        customer_delete(actor=None, customer=branch)
    assert info.value.code == "has_branches"


def test_the_mnemonic_follows_the_name_unless_typed():
    derived = customer(name="北京华信科技有限公司")
    assert derived.mnemonic == "BJHXKJYXGS"
    updated = customer_update(actor=None, customer=derived, data={"short_name": "华信"})
    assert updated.mnemonic == "HX"
    typed = customer_update(actor=None, customer=updated, data={"mnemonic": "HUAXIN"})
    assert customer_update(
        actor=None, customer=typed, data={"short_name": "华信科技"}
    ).mnemonic == ("HUAXIN")


def test_an_update_changes_only_the_given_fields_and_counts_versions():
    created = customer(phone="0571-1234567", remarks="老客户")
    updated = customer_update(actor=None, customer=created, data={"remarks": ""})
    assert (updated.phone, updated.remarks, updated.version) == ("0571-1234567", "", 2)


def test_deactivation_keeps_the_customer_findable():
    created = customer()
    deactivated = customer_deactivate(actor=None, customer=created)
    assert deactivated.deactivated_on == datetime.date.today() or deactivated.deactivated_on
    assert Customer.objects.filter(pk=created.pk).exists()
    with pytest.raises(ConflictError):
        customer_deactivate(actor=None, customer=deactivated)
    assert customer_reactivate(actor=None, customer=deactivated).deactivated_on is None


def test_a_customer_without_documents_can_be_deleted():
    created = customer(contacts=[{"name": "张三"}])
    customer_delete(actor=None, customer=created)
    assert not Customer.objects.exists() and not Contact.objects.exists()


def test_one_primary_contact_per_customer():
    assert "contacts.1.is_primary" in errors_of(
        lambda: customer(
            contacts=[{"name": "甲", "is_primary": True}, {"name": "乙", "is_primary": True}]
        )
    )
    created = customer(contacts=[{"name": "甲", "is_primary": True}])
    second = customer_child_create(
        "contacts", actor=None, customer=created, data={"name": "乙", "is_primary": True}
    )
    assert list(created.contacts.filter(is_primary=True)) == [second]
    customer_child_update("contacts", actor=None, row=second, data={"title": "总经理"})
    assert created.contacts.get(pk=second.pk).title == "总经理"


def test_a_document_is_valid_from_before_to():
    errors = errors_of(
        lambda: customer(
            documents=[
                {"kind": "business_licence", "valid_from": "2025-01-01", "valid_to": "2024-01-01"}
            ]
        )
    )
    assert any(key.startswith("documents.0") for key in errors)


def test_user_defined_fields_are_typed_and_validated():
    user_field_create(
        actor=None,
        data={
            "key": "vip_level",
            "label_zh": "VIP 等级",
            "label_en": "VIP level",
            "field_type": "choice",
            "choices": ["金", "银"],
        },
    )
    user_field_create(
        actor=None,
        data={
            "key": "store_count",
            "label_zh": "门店数",
            "label_en": "Stores",
            "field_type": "number",
            "required": True,
        },
    )
    errors = errors_of(lambda: customer(user_fields={"vip_level": "铜", "nope": 1}))
    assert set(errors) == {"user_fields.vip_level", "user_fields.nope", "user_fields.store_count"}

    created = customer(user_fields={"vip_level": "金", "store_count": "12"})
    assert created.user_fields == {"vip_level": "金", "store_count": 12}
    updated = customer_update(
        actor=None, customer=created, data={"user_fields": {"vip_level": None}}
    )
    assert updated.user_fields == {"store_count": 12}


def test_text_with_nul_characters_is_a_field_error():
    assert "name" in errors_of(lambda: customer(name="坏\x00名字"))


alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@settings(max_examples=200)
@given(
    st.text("0123456789", min_size=8, max_size=8),
    st.text(alphabet, min_size=9, max_size=9),
    st.sampled_from(alphabet),
)
def test_credit_codes_with_the_right_check_character_pass_and_others_fail(head, body, other):
    base = head + body
    check = uscc.calc_check_digit(base)
    assert validate_credit_code((base + check).lower()) == base + check
    if other != check:
        with pytest.raises(ValidationError) as info:
            validate_credit_code(base + other)
        assert info.value.code == "credit_code_checksum"


@pytest.mark.parametrize(
    ("code", "error"),
    [("91330000J1XG612DD", "credit_code_length"), ("9133000OJ1XG612DD6", "credit_code_format")],
)
def test_malformed_credit_codes_say_what_is_wrong(code, error):
    with pytest.raises(ValidationError) as info:
        validate_credit_code(code)
    assert info.value.code == error


@pytest.mark.parametrize("authority", ["A", "N", "Y"])
def test_credit_codes_of_letter_registration_authorities_are_accepted(authority):
    base = f"{authority}2330000MA2B0XY41"
    code = base + uscc.calc_check_digit(base)
    assert validate_credit_code(code) == code
    wrong = base + ("0" if code[-1] != "0" else "1")
    with pytest.raises(ValidationError) as info:
        validate_credit_code(wrong)
    assert info.value.code == "credit_code_checksum"
