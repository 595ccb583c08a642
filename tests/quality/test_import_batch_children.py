"""Contacts and delivery addresses imported in batches (``kehu.quality.importing.children``):
the rows, flags, audit events, report and keyword search are what the services give one row
at a time, including rows that name a child created earlier in the file, a new primary
contact taking the flag from a stored one, and refused rows."""

import pytest
from django.db import transaction

from kehu.audit.models import AuditEvent
from kehu.customers.models import Contact, Customer, DeliveryAddress
from kehu.customers.search import keyword_condition
from kehu.customers.services import customer_child_create
from kehu.quality.importing import children, engine, import_file
from kehu.quality.importing.importers import AddressImporter, ChildImporter
from tests.factories import class_tree, customer, region_tree
from tests.quality.test_import import write_xlsx

pytestmark = pytest.mark.django_db

CONTACTS = [
    ["客户编码", "姓名", "职务", "电话", "手机", "邮箱", "主联系人"],
    ["B1", "新甲", "经理", "021-1", "13900000001", "a@example.com", "否"],
    ["B1", "新乙", "", "", "", "", "是"],  # takes the flag from the stored 老王
    ["B2", "老李", "总监", "", "", "", ""],  # updates a stored contact
    ["B2", "新丙", "", "", "", "bad-email", ""],  # refused
    ["B3", "新丁", "", "", "13900000004", "", ""],
    ["B3", "新丁", "采购", "", "", "", ""],  # the contact created two rows above
    ["B1", "老王", "", "", "", "", "否"],  # compared after 新乙 took the flag
    ["NOPE", "无名", "", "", "", "", ""],  # no such customer
    ["B4", "搜索联系人", "", "0571-7654321", "", "", "是"],
]
ADDRESSES = [
    ["客户编码", "收货人", "电话", "地址", "默认"],
    ["B1", "张", "", "上海市一号", "是"],
    ["B1", "李", "", "上海市二号", "否"],
    ["B2", "", "", "杭州市三号", "是"],
    ["B2", "", "", "杭州市三号", "否"],  # the address created on the row above
    ["B3", "", "", "", ""],  # refused: no address
]


@pytest.fixture
def archive(db):
    class_tree("01")
    region_tree("31")
    for code, name in (("B1", "批量一"), ("B2", "批量二"), ("B3", "批量三"), ("B4", "批量四")):
        customer(class_code="01", code=code, name=name)
    b1, b2 = Customer.objects.get(code="B1"), Customer.objects.get(code="B2")
    customer_child_create(
        "contacts", actor=None, customer=b1, data={"name": "老王", "is_primary": True}
    )
    customer_child_create("contacts", actor=None, customer=b2, data={"name": "老李"})
    old_address = {"address": "旧地址", "is_default": True}
    customer_child_create("addresses", actor=None, customer=b2, data=old_address)


def _outcome(path, actor, monkeypatch, *, batch: bool, batch_size: int) -> dict:
    with monkeypatch.context() as patch, transaction.atomic():
        patch.setattr(children, "BATCH", batch_size)
        if not batch:
            patch.setitem(engine.IMPORTERS, "contacts", ChildImporter)
            patch.setitem(engine.IMPORTERS, "addresses", AddressImporter)
        report = import_file(path, actor=actor, operation_id="children", skip_errors=True)
        stored = {
            model.__name__: sorted(
                tuple(
                    getattr(row, f.attname)
                    for f in model._meta.concrete_fields
                    if f.name not in ("id", "created_at", "updated_at")
                )
                for row in model.objects.all()
            )
            for model in (Contact, DeliveryAddress)
        }
        events = sorted(
            (e.content_type.model, e.object_repr, e.action, e.changes, e.customer_id, e.actor_id)
            for e in AuditEvent.objects.filter(operation_id="children")
        )
        found = list(
            Customer.objects.filter(keyword_condition("搜索联系")).values_list("code", flat=True)
        )
        found += list(
            Customer.objects.filter(keyword_condition("7654321")).values_list("code", flat=True)
        )
        outcome = {
            "stored": stored,
            "events": events,
            "errors": [(e.sheet, e.line, e.column, e.code) for e in report.errors],
            "changes": [(c.sheet, c.line, c.key, c.action, c.fields) for c in report.changes],
            "found": found,
        }
        transaction.set_rollback(True)
    return outcome


@pytest.mark.parametrize("batch_size", [1000, 2])
def test_batches_write_what_the_services_write_row_by_row(
    tmp_path, admin_user, archive, monkeypatch, batch_size
):
    path = write_xlsx(tmp_path, {"联系人": CONTACTS, "收货地址": ADDRESSES})

    batch = _outcome(path, admin_user, monkeypatch, batch=True, batch_size=batch_size)
    services = _outcome(path, admin_user, monkeypatch, batch=False, batch_size=batch_size)

    assert batch == services
    assert ("contacts", 5, "邮箱", "invalid") in batch["errors"]
    assert [(c[1], c[3]) for c in batch["changes"] if c[0] == "contacts"] == [
        (2, "create"), (3, "create"), (4, "update"), (6, "create"), (7, "update"),
        (8, "unchanged"), (10, "create"),
    ]  # fmt: skip
    assert batch["found"] == ["B4", "B4"]


def test_a_new_primary_contact_takes_the_flag(tmp_path, admin_user, archive):
    path = write_xlsx(tmp_path, {"联系人": CONTACTS})

    report = import_file(path, actor=admin_user, skip_errors=True)

    assert report.written
    b1 = Customer.objects.get(code="B1")
    assert list(b1.contacts.filter(is_primary=True).values_list("name", flat=True)) == ["新乙"]
    assert Contact.objects.get(customer__code="B3", name="新丁").title == "采购"
    created = AuditEvent.objects.filter(
        operation_id=report.operation_id, action="create", object_repr="新甲"
    ).get()
    assert created.customer_id == b1.pk
    assert created.changes["email"] == [None, "a@example.com"]
