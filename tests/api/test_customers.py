"""The customer archive (SPEC §2) through the API: create, read, change, deactivate, delete."""

import datetime

import pytest
from django.utils import timezone

from kehu.customers.models import Customer
from kehu.masterdata.models import Department, Industry, Salesperson
from kehu.masterdata.services import coded_item_create
from tests import factories
from tests.api.asserts import assert_error
from tests.http import if_match

CUSTOMERS = "/api/v1/customers"
VALID_CREDIT_CODE = "91310000MA1FL0000N"


@pytest.fixture
def masterdata(classes):
    factories.region_tree("31", "3101")
    Industry.objects.create(code="IT", name="信息技术")
    return classes


def full_customer(**fields):
    return {
        "code": "C001",
        "name": "上海泰锐家居有限公司",
        "short_name": "泰锐家居",
        "class_code": "0101",
        "region_code": "3101",
        "industry": "IT",
        "credit_code": VALID_CREDIT_CODE.lower(),
        "currency": "CNY",
        "credit_grade": "AA",
        "credit_limit": "500000.00",
        "credit_days": 30,
        "discount_rate": "2.5",
        "phone": "021-12345678",
        "email": "info@tairui.example.com",
        "tags": ["重点", "华东"],
        "contacts": [
            {"name": "张三", "title": "采购经理", "email": "zhang@tairui.example.com"},
            {"name": "李四", "mobile": "13900000000", "is_primary": True},
        ],
        "addresses": [{"address": "上海市浦东新区世纪大道1号", "region_code": "3101"}],
        "bank_accounts": [
            {"bank_name": "招商银行", "account_number": "6214 8300 0000 0001", "is_default": True}
        ],
        "documents": [{"kind": "business_licence", "number": "L001", "valid_to": "2030-12-31"}],
        **fields,
    }


def test_create_with_contacts_and_everything_nested(api, masterdata):
    response = api.post(CUSTOMERS, full_customer())

    assert response.status_code == 201, response.json()
    customer = response.json()
    assert customer["code"] == "C001"
    assert customer["mnemonic"] == "TRJJ"
    assert customer["credit_code"] == VALID_CREDIT_CODE
    assert (customer["class_code"], customer["region_code"], customer["industry"]) == (
        "0101",
        "3101",
        "IT",
    )
    assert (customer["credit_grade"], customer["credit_limit"]) == ("AA", "500000.00")
    assert customer["discount_rate"] == "2.50"
    assert sorted(customer["tags"]) == ["华东", "重点"]
    assert [c["name"] for c in customer["contacts"]] == ["李四", "张三"]  # primary first
    assert customer["contacts"][0]["is_primary"] is True
    assert customer["addresses"][0]["region_code"] == "3101"
    assert customer["bank_accounts"][0]["account_number"] == "6214 8300 0000 0001"
    assert customer["documents"][0]["valid_to"] == "2030-12-31"
    assert (customer["created_by"], customer["updated_by"]) == ("admin", "admin")
    assert (customer["version"], customer["is_active"]) == (1, True)
    assert customer["receivable_balance"] == "0.00"


def test_detail_by_id_and_by_code_are_the_same(api, masterdata):
    created = api.post(CUSTOMERS, full_customer()).json()

    by_id = api.get(f"{CUSTOMERS}/{created['id']}")
    by_code = api.get(f"{CUSTOMERS}/by-code/C001")

    assert by_id.status_code == by_code.status_code == 200
    assert by_id.json() == by_code.json() == created


def test_bad_credit_code_is_422_with_a_clear_message(api, masterdata):
    response = api.post(CUSTOMERS, full_customer(credit_code="91310000MA1FL0000X"))
    assert_error(response, 422, "validation_error", field="credit_code", says="check character")


def test_foreign_tax_number_is_not_checked_as_a_credit_code(api, masterdata):
    response = api.post(CUSTOMERS, full_customer(country="DE", credit_code="DE123456789"))
    assert response.status_code == 201, response.json()


def test_non_leaf_class_is_refused(api, masterdata):
    response = api.post(CUSTOMERS, full_customer(class_code="01"))
    assert_error(response, 422, "validation_error", field="class_code", says="not a leaf")


def test_unknown_class_is_refused(api, masterdata):
    response = api.post(CUSTOMERS, full_customer(class_code="0999"))
    assert_error(response, 422, "validation_error", field="class_code", says="does not exist")


def test_unknown_references_are_each_named(api, masterdata):
    response = api.post(CUSTOMERS, full_customer(industry="NOPE", currency="XXX", salesperson="S9"))
    body = assert_error(response, 422, "validation_error")
    assert {"industry", "currency", "salesperson"} <= set(body["errors"])


def test_duplicate_code_is_409(api, masterdata):
    factories.customer(code="C001")
    response = api.post(CUSTOMERS, full_customer())
    assert_error(response, 409, "duplicate", field="code", says="already exists")


def test_duplicate_active_name_is_409(api, masterdata):
    factories.customer(name="上海泰锐家居有限公司")
    response = api.post(CUSTOMERS, full_customer())
    assert_error(response, 409, "duplicate", field="name", says="active customer")


def test_name_of_a_deactivated_customer_may_be_reused(api, masterdata):
    factories.customer(name="上海泰锐家居有限公司", deactivated_on="2024-01-01")
    assert api.post(CUSTOMERS, full_customer()).status_code == 201


def test_errors_of_nested_rows_carry_their_path(api, masterdata):
    data = full_customer()
    data["contacts"][1]["email"] = "not-an-email"
    data["addresses"][0]["region_code"] = "31"  # not a leaf
    response = api.post(CUSTOMERS, data)
    body = assert_error(
        response, 422, "validation_error", field="contacts.1.email", says="valid email"
    )
    assert "not a leaf" in body["errors"]["addresses.0.region_code"][0]
    assert not Customer.objects.exists()


def test_nested_schema_errors_carry_their_path(api, masterdata):
    data = full_customer()
    data["contacts"][0]["birthday"] = "yesterday"
    data["documents"][0]["kind"] = "diploma"
    body = assert_error(api.post(CUSTOMERS, data), 422, "validation_error")
    assert "contacts.0.birthday" in body["errors"]
    assert "documents.0.kind" in body["errors"]


def test_two_primary_contacts_are_refused(api, masterdata):
    data = full_customer()
    data["contacts"][0]["is_primary"] = True
    response = api.post(CUSTOMERS, data)
    assert_error(response, 409, "duplicate", field="contacts.1.is_primary", says="Only one")


def test_future_founding_date_is_refused(api, masterdata):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = api.post(CUSTOMERS, full_customer(founded_on=tomorrow.isoformat()))
    assert_error(response, 422, "validation_error", field="founded_on", says="future")


def test_negative_credit_limit_is_refused(api, masterdata):
    response = api.post(CUSTOMERS, full_customer(credit_limit="-1"))
    assert_error(response, 422, "validation_error", field="credit_limit", says="greater than")


# Changing ---------------------------------------------------------------------------------


def test_patch_changes_only_what_is_sent(api, masterdata):
    created = api.post(CUSTOMERS, full_customer()).json()

    response = api.patch(
        f"{CUSTOMERS}/{created['id']}", {"phone": "021-87654321", "tags": []}, **if_match(created)
    )

    assert response.status_code == 200, response.json()
    changed = response.json()
    assert changed["phone"] == "021-87654321"
    assert changed["tags"] == []
    assert changed["version"] == 2
    assert changed["email"] == created["email"]
    assert changed["contacts"] == created["contacts"]


def test_patch_derived_mnemonic_follows_the_short_name(api, masterdata):
    created = api.post(CUSTOMERS, full_customer()).json()
    changed = api.patch(
        f"{CUSTOMERS}/{created['id']}", {"short_name": "泰锐"}, **if_match(created)
    ).json()
    assert changed["mnemonic"] == "TR"


def test_patch_to_a_non_leaf_class_is_refused(api, masterdata):
    created = api.post(CUSTOMERS, full_customer()).json()
    response = api.patch(f"{CUSTOMERS}/{created['id']}", {"class_code": "01"}, **if_match(created))
    assert_error(response, 422, "validation_error", field="class_code", says="not a leaf")


def test_patch_cannot_clear_required_fields(api, masterdata):
    created = api.post(CUSTOMERS, full_customer()).json()
    response = api.patch(
        f"{CUSTOMERS}/{created['id']}", {"class_code": None, "name": None}, **if_match(created)
    )
    body = assert_error(response, 422, "validation_error", field="class_code", says="required")
    assert "name" in body["errors"]


def test_patch_refuses_nested_lists_and_system_fields(api, masterdata):
    created = api.post(CUSTOMERS, full_customer()).json()
    response = api.patch(
        f"{CUSTOMERS}/{created['id']}",
        {"contacts": [], "receivable_balance": "1"},
        **if_match(created),
    )
    body = assert_error(response, 422, "validation_error", field="contacts")
    assert "Maintained by the system" in body["errors"]["receivable_balance"][0]


def test_head_office_cycle_is_refused(api, masterdata):
    head = factories.customer(code="HQ")
    factories.customer(code="BR", parent_code="HQ")

    response = api.patch(f"{CUSTOMERS}/{head.pk}", {"parent_code": "BR"}, **if_match(head))

    assert_error(response, 422, "validation_error", field="parent_code", says="cycle")


def test_own_head_office_is_refused(api, masterdata):
    head = factories.customer(code="HQ")
    response = api.patch(f"{CUSTOMERS}/{head.pk}", {"parent_code": "HQ"}, **if_match(head))
    assert_error(response, 422, "validation_error", field="parent_code", says="cycle")


def test_user_fields_are_validated_and_merged(api, masterdata):
    api.post(
        "/api/v1/user-fields",
        {
            "key": "tier",
            "label_zh": "层级",
            "label_en": "Tier",
            "field_type": "choice",
            "choices": ["gold", "silver"],
        },
    )
    api.post(
        "/api/v1/user-fields",
        {"key": "since", "label_zh": "合作起始", "label_en": "Since", "field_type": "date"},
    )
    created = api.post(CUSTOMERS, full_customer(user_fields={"tier": "gold"})).json()
    assert created["user_fields"] == {"tier": "gold"}

    changed = api.patch(
        f"{CUSTOMERS}/{created['id']}",
        {"user_fields": {"since": "2020-05-01"}},
        **if_match(created),
    ).json()
    assert changed["user_fields"] == {"tier": "gold", "since": "2020-05-01"}

    bad = api.patch(
        f"{CUSTOMERS}/{created['id']}", {"user_fields": {"tier": "bronze"}}, **if_match(changed)
    )
    assert_error(bad, 422, "validation_error", field="user_fields.tier", says="gold, silver")
    unknown = api.patch(
        f"{CUSTOMERS}/{created['id']}", {"user_fields": {"colour": "red"}}, **if_match(changed)
    )
    assert_error(unknown, 422, "validation_error", field="user_fields.colour", says="No user")


# Deactivating and deleting ----------------------------------------------------------------


def test_deactivate_and_reactivate(api, masterdata):
    created = api.post(CUSTOMERS, full_customer()).json()
    url = f"{CUSTOMERS}/{created['id']}"

    deactivated = api.post(f"{url}/deactivate", "")  # the body is optional
    assert deactivated.status_code == 200, deactivated.json()
    assert deactivated.json()["is_active"] is False
    assert deactivated.json()["deactivated_on"] == timezone.localdate().isoformat()

    again = api.post(f"{url}/deactivate", {})
    assert_error(again, 409, "already_deactivated", says="already deactivated")

    reactivated = api.post(f"{url}/reactivate")
    assert reactivated.json()["is_active"] is True
    assert_error(api.post(f"{url}/reactivate"), 409, "already_active")


def test_deactivate_on_a_given_date(api, masterdata):
    created = api.post(CUSTOMERS, full_customer()).json()
    response = api.post(f"{CUSTOMERS}/{created['id']}/deactivate", {"on": "2025-06-30"})
    assert response.json()["deactivated_on"] == "2025-06-30"


def test_deactivation_date_must_be_a_date(api, masterdata):
    created = api.post(CUSTOMERS, full_customer()).json()
    response = api.post(f"{CUSTOMERS}/{created['id']}/deactivate", {"on": 0})
    assert_error(response, 422, "validation_error", field="on", says="YYYY-MM-DD")


def test_reactivation_refused_when_the_name_is_taken_again(api, masterdata):
    old = factories.customer(name="同名公司", deactivated_on="2024-01-01")
    factories.customer(name="同名公司")
    response = api.post(f"{CUSTOMERS}/{old.pk}/reactivate")
    assert_error(response, 409, "duplicate", field="name")


def test_delete(api, masterdata):
    created = api.post(CUSTOMERS, full_customer()).json()
    response = api.delete(f"{CUSTOMERS}/{created['id']}")
    assert response.status_code == 204
    assert_error(api.get(f"{CUSTOMERS}/{created['id']}"), 404, "not_found")


def test_head_office_with_branches_cannot_be_deleted(api, masterdata):
    head = factories.customer(code="HQ")
    factories.customer(code="BR", parent_code="HQ")
    response = api.delete(f"{CUSTOMERS}/{head.pk}")
    assert_error(response, 409, "has_branches", says="head office")


# Children ---------------------------------------------------------------------------------

CHILDREN = {
    "contacts": ({"name": "王五", "phone": "010-1234"}, {"title": "总经理"}),
    "addresses": ({"address": "北京市海淀区", "recipient": "王五"}, {"postal_code": "100080"}),
    "bank-accounts": ({"bank_name": "中国银行", "account_number": "1234"}, {"is_default": True}),
    "documents": ({"kind": "operating_permit", "number": "P-1"}, {"valid_to": "2031-01-01"}),
}


@pytest.mark.parametrize("path", list(CHILDREN))
def test_child_crud(api, masterdata, path):
    new, change = CHILDREN[path]
    customer = factories.customer()
    url = f"{CUSTOMERS}/{customer.pk}/{path}"

    created = api.post(url, new)
    assert created.status_code == 201, created.json()
    row = created.json()
    assert {key: row[key] for key in new} == new

    listed = api.get(url).json()
    assert (listed["count"], listed["results"]) == (1, [row])
    assert api.get(f"{url}/{row['id']}").json() == row

    changed = api.patch(f"{url}/{row['id']}", change)
    assert changed.status_code == 200, changed.json()
    assert {key: changed.json()[key] for key in change} == change

    assert api.delete(f"{url}/{row['id']}").status_code == 204
    assert api.get(url).json()["count"] == 0


@pytest.mark.parametrize("path", list(CHILDREN))
def test_child_of_another_customer_is_404(api, masterdata, path):
    new, _change = CHILDREN[path]
    owner, other = factories.customer(), factories.customer()
    row = api.post(f"{CUSTOMERS}/{owner.pk}/{path}", new).json()

    url = f"{CUSTOMERS}/{other.pk}/{path}/{row['id']}"

    assert_error(api.get(url), 404, "not_found")
    assert_error(api.patch(url, {}), 404, "not_found")
    assert_error(api.delete(url), 404, "not_found")
    assert api.get(f"{CUSTOMERS}/{owner.pk}/{path}/{row['id']}").status_code == 200


def test_new_primary_contact_takes_the_flag(api, masterdata):
    customer = factories.customer(contacts=[{"name": "张三", "is_primary": True}])
    url = f"{CUSTOMERS}/{customer.pk}/contacts"

    api.post(url, {"name": "李四", "is_primary": True})

    flags = {c["name"]: c["is_primary"] for c in api.get(url).json()["results"]}
    assert flags == {"张三": False, "李四": True}


def test_child_errors_name_the_field(api, masterdata):
    customer = factories.customer()
    url = f"{CUSTOMERS}/{customer.pk}"
    assert_error(
        api.post(f"{url}/contacts", {"name": "x", "email": "bad"}),
        422,
        "validation_error",
        field="email",
        says="valid email",
    )
    assert_error(
        api.post(f"{url}/addresses", {"address": "x", "region_code": "NOPE"}),
        422,
        "validation_error",
        field="region_code",
        says="does not exist",
    )
    assert_error(
        api.post(f"{url}/bank-accounts", {"bank_name": "x", "account_number": "12#34"}),
        422,
        "validation_error",
        field="account_number",
        says="digits",
    )
    assert_error(
        api.post(
            f"{url}/documents",
            {"kind": "other", "valid_from": "2025-01-01", "valid_to": "2024-01-01"},
        ),
        422,
        "validation_error",
        field="valid_to",
        says="before its start",
    )
    assert_error(
        api.post(f"{url}/contacts", {"name": "x", "customer": 1}),
        422,
        "validation_error",
        field="customer",
        says="Unknown field",
    )


def test_same_account_number_twice_is_refused(api, masterdata):
    customer = factories.customer()
    url = f"{CUSTOMERS}/{customer.pk}/bank-accounts"
    api.post(url, {"bank_name": "中国银行", "account_number": "1234"})
    response = api.post(url, {"bank_name": "工商银行", "account_number": "1234"})
    assert_error(response, 422, "validation_error", field="account_number", says="account number")


# User-defined fields and tags -------------------------------------------------------------


def test_user_field_crud_and_in_use_rules(api, masterdata):
    created = api.post(
        "/api/v1/user-fields",
        {"key": "channel", "label_zh": "渠道", "label_en": "Channel", "field_type": "text"},
    )
    assert created.status_code == 201, created.json()
    field = created.json()
    assert (field["group"], field["is_active"], field["choices"]) == ("other", True, [])
    url = f"/api/v1/user-fields/{field['id']}"
    assert api.get(url).json() == field
    assert api.get("/api/v1/user-fields").json()["count"] == 1

    factories.customer(user_fields={"channel": "online"})

    assert_error(api.patch(url, {"key": "source"}), 409, "in_use", field="key")
    assert api.patch(url, {"label_en": "Sales channel"}).json()["label_en"] == "Sales channel"
    assert_error(api.delete(url), 409, "in_use", says="deactivate it instead")


def test_user_field_definition_errors(api, db):
    bad_key = api.post(
        "/api/v1/user-fields",
        {"key": "Bad Key", "label_zh": "x", "label_en": "x", "field_type": "text"},
    )
    assert_error(bad_key, 422, "validation_error", field="key", says="Lower-case")
    no_choices = api.post(
        "/api/v1/user-fields",
        {"key": "tier", "label_zh": "x", "label_en": "x", "field_type": "choice"},
    )
    assert_error(no_choices, 422, "validation_error", field="choices", says="one or more")


def test_tags_are_listed(api, masterdata):
    factories.customer(tags=["重点", "华东"])
    factories.customer(tags=["重点"])
    names = [t["name"] for t in api.get("/api/v1/tags").json()["results"]]
    assert sorted(names) == sorted(["华东", "重点"])
    assert [t["name"] for t in api.get("/api/v1/tags?q=华").json()["results"]] == ["华东"]


def test_a_list_row_says_what_the_detail_says(api, masterdata):
    """The list builds its rows from plain values, the detail from model instances: every
    field of the list row equals the detail's (references, users, tags, user fields...)."""
    coded_item_create(Department, actor=None, data={"code": "D1", "name": "一部"})
    coded_item_create(Salesperson, actor=None, data={"code": "S1", "name": "王五"})
    head = api.post(
        CUSTOMERS,
        full_customer(
            code="HEAD",
            name="北京远山总部有限公司",
            short_name="远山",
            credit_code="",
            phone="010-87654321",
            email="hq@yuanshan.example.com",
            contacts=[],
        ),
    )
    assert head.status_code == 201, head.json()
    created = api.post(
        CUSTOMERS,
        full_customer(
            parent_code="HEAD",
            department="D1",
            salesperson="S1",
            founded_on="2001-02-03",
            registered_capital="1000000.50",
            registered_capital_currency="CNY",
            employees=120,
            tags=["重点", "华东", "A级"],
        ),
    ).json()
    deactivated = api.post(f"{CUSTOMERS}/{created['id']}/deactivate", {})
    assert deactivated.status_code == 200, deactivated.json()
    detail = api.get(f"{CUSTOMERS}/{created['id']}").json()
    rows = {row["code"]: row for row in api.get(f"{CUSTOMERS}?status=all").json()["results"]}

    row = rows["C001"]
    assert set(row) <= set(detail)
    assert row == {name: detail[name] for name in row}
    assert row["parent_code"] == "HEAD" and row["salesperson"] == "S1"
    assert row["tags"] == sorted(["重点", "华东", "A级"])
    assert rows["HEAD"]["parent_code"] is None and rows["HEAD"]["tags"] == ["华东", "重点"]
