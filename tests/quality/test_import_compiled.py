"""The customer sheet's compiled checks (``kehu.customers.services.compiled``, issue 6): a valid
row is built without ``customer_build`` and gives what the services give; a bad value in any
column is refused with the services' own message and code."""

import pytest
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import transaction
from stdnum.cn import uscc

from kehu.audit.models import AuditEvent
from kehu.core.errors import ServiceError
from kehu.customers import fields
from kehu.customers.models import Customer
from kehu.customers.services import customer_create, user_field_create
from kehu.quality.importing import customers as batch
from kehu.quality.importing import engine, import_file
from kehu.quality.importing.importers import CustomerServiceImporter, service_errors
from kehu.quality.importing.sheets import CUSTOMER_SHEET
from tests.factories import class_tree, customer, reference_lists, region_tree
from tests.quality.test_import import write_csv

pytestmark = pytest.mark.django_db

CREDIT_CODE = "91310115MA1K4TW7X" + uscc.calc_check_digit("91310115MA1K4TW7X")


@pytest.fixture
def archive(db):
    class_tree("01", "0101")
    region_tree("31", "3101")
    reference_lists()
    user_field_create(
        actor=None,
        data={"key": "staff", "label_zh": "员工", "label_en": "Staff", "field_type": "number"},
    )
    customer(code="H0", name="已有总部")


FULL = {
    "code": "F1",
    "name": "上海全字段贸易有限公司",
    "short_name": "全字段",
    "class_code": "0101",
    "region_code": "3101",
    "industry": "IT",
    "country": "CN",
    "credit_code": CREDIT_CODE.lower(),
    "legal_representative": "张三",
    "registered_capital": "5000000.50",
    "registered_capital_currency": "CNY",
    "founded_on": "2010-05-01",
    "employees": "120",
    "annual_revenue": "88000000",
    "currency": "CNY",
    "kind": "individual",
    "is_supplier": "是",
    "supplier_code": "V01",
    "department": "D1",
    "salesperson": "S1",
    "address": " 上海市浦东新区 ",
    "postal_code": "200000",
    "phone": "021-12345678",
    "fax": "021-12345679",
    "mobile": "13800138000",
    "email": "info@example.com",
    "website": "https://www.example.com",
    "shipping_method": "SEA",
    "credit_grade": "AA",
    "credit_limit": "12.5",
    "credit_days": "30",
    "payment_terms": "N30",
    "discount_rate": "8",
    "price_level": "批发价",
    "control_credit_limit": "否",
    "control_credit_days": "1",
    "control_via_parent": "no",
    "developed_on": "2019-05-16",
    "deactivated_on": "",
    "remarks": "备注",
    "parent_code": "H0",
    "tags": "重点; 华东",
    "Staff": "12",
}


def _rows():
    header = list(FULL)
    second = dict(FULL, code="F2", name="全字段分公司", short_name="", parent_code="F1",
                  credit_code="", mnemonic="", tags="", Staff="")  # fmt: skip
    third = dict(FULL, code="F3", name="第三家", deactivated_on="2024-01-02", mnemonic="ABC")
    header.append("mnemonic")
    return [header] + [[row.get(key, "") for key in header] for row in (FULL, second, third)]


def _outcome(path, actor, monkeypatch, *, one_by_one: bool) -> dict:
    with monkeypatch.context() as patch, transaction.atomic():
        calls = []
        if one_by_one:
            patch.setitem(engine.IMPORTERS, "customers", CustomerServiceImporter)
        else:
            original = batch.customer_build
            patch.setattr(batch, "customer_build", lambda **kw: calls.append(kw) or original(**kw))
        report = import_file(path, actor=actor, operation_id="compiled")
        stored = {}
        for row in Customer.objects.exclude(code="H0"):
            stored[row.code] = {
                f.name: str(getattr(row, f.name)) if f.is_relation else getattr(row, f.name)
                for f in batch.CUSTOMER_FIELDS
                if f.name not in ("created_at", "updated_at")
            }
            stored[row.code]["tags"] = sorted(row.tags.values_list("name", flat=True))
        events = [
            (e.object_repr, e.action, e.changes, e.actor_id)
            for e in AuditEvent.objects.filter(operation_id="compiled").order_by(
                "object_repr", "pk"
            )
        ]
        outcome = {"stored": stored, "events": events, "errors": report.errors, "calls": calls}
        transaction.set_rollback(True)
    return outcome


def test_valid_rows_are_built_without_the_model_as_the_services_build_them(
    tmp_path, admin_user, archive, monkeypatch
):
    path = write_csv(tmp_path, _rows())

    compiled = _outcome(path, admin_user, monkeypatch, one_by_one=False)
    services = _outcome(path, admin_user, monkeypatch, one_by_one=True)

    assert compiled["errors"] == [] and services["errors"] == []
    assert compiled["calls"] == []  # every row built by the compiled checks
    assert compiled["stored"] == services["stored"]
    assert compiled["events"] == services["events"]
    first = compiled["stored"]["F1"]
    assert first["credit_code"] == CREDIT_CODE and first["address"] == "上海市浦东新区"
    assert first["mnemonic"] == "QZD" and compiled["stored"]["F3"]["mnemonic"] == "ABC"
    assert first["user_fields"] == {"staff": 12}


def _bad_values(key: str) -> list[str]:
    """Values the services refuse in the column ``key``, from what its field says."""
    if key in fields.REFERENCE_FIELDS:
        return ["NOSUCH"]
    if key == "tags":
        return ["长" * 51]
    if key == "credit_code":
        return [CREDIT_CODE[:-1] + ("0" if CREDIT_CODE[-1] != "0" else "1")]
    field = Customer._meta.get_field(key)
    kind = field.get_internal_type()
    if kind in ("DecimalField", "PositiveIntegerField"):
        return ["abc", "-1", "1" * 20]
    if kind == "DateField":
        return ["2021-02-30", "2999-01-01" if key == "founded_on" else "someday"]
    if kind == "BooleanField":
        return ["maybe"]
    bad = []
    if any(isinstance(v, MaxLengthValidator) for v in field.validators):
        bad.append("长" * (field.max_length + 1))
    if field.choices:
        bad.append("bogus")
    if kind == "EmailField":
        bad.append("not-an-email")
    if kind == "URLField":
        bad.append("not a url")
    if key in ("code", "country"):
        bad.append("a b")
    return bad


COLUMNS = [c.key for c in CUSTOMER_SHEET.columns if c.kind not in ("ignored", "user")]
CASES = [(key, value) for key in COLUMNS for value in _bad_values(key)]
assert {key for key, _value in CASES} >= set(COLUMNS) - {"remarks"}  # every column but one


@pytest.mark.parametrize(("key", "value"), CASES)
def test_a_bad_value_in_any_column_gets_the_services_message(
    tmp_path, admin_user, archive, key, value
):
    data = {"code": "B1", "name": "坏值公司", "class_code": "0101", key: value}
    if key == "deactivated_on":
        data["name"] = "坏值公司停用"
    path = write_csv(tmp_path, [list(data), list(data.values())])

    report = import_file(path, actor=admin_user)

    sent = dict(data)
    if key == "tags":
        sent["tags"] = [value]
    with pytest.raises((ValidationError, ServiceError)) as refused:
        customer_create(actor=admin_user, data=sent)
    expected = sorted(
        (name, code, message) for name, code, message in service_errors(refused.value)
    )
    assert expected, refused.value
    assert sorted((e.column, e.code, e.message) for e in report.errors) == expected
    assert not Customer.objects.filter(code="B1").exists()
