"""Tags in the customer sheet's batch path (issue 6): written set-based, with exactly what the
services would have written one row at a time — the tags, the tag rows, the audit events, the
report."""

import pytest
from django.db import transaction

from kehu.accounts.services import user_create
from kehu.audit.models import AuditEvent
from kehu.customers.models import Customer, Tag
from kehu.quality.importing import customers as batch
from kehu.quality.importing import engine, import_file
from kehu.quality.importing.importers import CustomerServiceImporter
from tests.factories import class_tree, customer
from tests.quality.test_import import write_csv

pytestmark = pytest.mark.django_db


@pytest.fixture
def trees(db):
    class_tree("01", "0101", "02", "0201")


def _outcome(path, actor, monkeypatch, *, one_by_one: bool) -> dict:
    """Import ``path`` (skipping refused rows) and describe what it did, then roll it back."""
    with monkeypatch.context() as patch, transaction.atomic():
        if one_by_one:
            patch.setitem(engine.IMPORTERS, "customers", CustomerServiceImporter)
        else:
            patch.setattr(batch, "BATCH", 2)  # several batches: tag rows found or made once
        report = import_file(path, actor=actor, skip_errors=True, operation_id="tags")
        codes = dict(Customer.objects.values_list("pk", "code"))
        events = {}
        for event in AuditEvent.objects.filter(operation_id="tags").order_by("pk"):
            events.setdefault(codes.get(event.customer_id), []).append(
                (event.action, event.object_repr, event.changes, event.actor_id)
            )
        outcome = {
            "tags": {
                c.code: sorted(c.tags.values_list("name", flat=True))
                for c in Customer.objects.all()
            },
            "tag_rows": sorted(Tag.objects.values_list("name", flat=True)),
            "events": events,
            "errors": [(e.line, e.column, e.code, e.message) for e in report.errors],
            "changes": [(c.line, c.key, c.action, c.fields) for c in report.changes],
            "written": report.written,
        }
        transaction.set_rollback(True)
    return outcome


def test_tags_in_batches_give_what_the_services_give(tmp_path, admin_user, trees, monkeypatch):
    customer(code="E1", name="已有一", tags=["甲", "乙"])
    customer(code="E2", name="已有二", tags=["甲"])
    customer(code="E3", name="已有三")
    customer(code="E4", name="已有四", tags=["甲"])
    too_long = "长" * 51
    rows = [
        ["code", "name", "class_code", "tags"],
        ["N1", "新客户一", "0101", "甲; 新标签"],
        ["N2", "新客户二", "0101", "新标签;  丙 ; 丙"],
        ["N3", "新客户三", "0101", ""],
        ["E1", "已有一改名", "0101", "乙; 丁"],  # one removed, one added, and a field
        ["E2", "已有二", "0101", ""],  # all removed
        ["E3", "已有三", "0101", "甲"],  # added
        ["E4", "已有四", "0101", "甲"],  # unchanged
        ["N4", "新客户四", "0101", f"戊; {too_long}"],  # refused: no tag 戊 is left behind
        ["N5", "新客户五", "0101", "新标签"],
    ]
    path = write_csv(tmp_path, rows)

    in_batches = _outcome(path, admin_user, monkeypatch, one_by_one=False)
    one_by_one = _outcome(path, admin_user, monkeypatch, one_by_one=True)

    assert in_batches == one_by_one
    assert in_batches["tags"] == {
        "E1": ["丁", "乙"],
        "E2": [],
        "E3": ["甲"],
        "E4": ["甲"],
        "N1": ["新标签", "甲"],
        "N2": ["丙", "新标签"],
        "N3": [],
        "N5": ["新标签"],
    }
    assert in_batches["tag_rows"] == ["丁", "丙", "乙", "新标签", "甲"]
    assert [(line, code) for line, _column, code, _m in in_batches["errors"]] == [(9, "invalid")]
    events = in_batches["events"]
    assert [(action, changes) for action, _r, changes, _a in events["E1"]] == [
        ("update", {"name": ["已有一", "已有一改名"], "mnemonic": ["YYY", "YYYGM"]}),
        ("update", {"tags": [["乙", "甲"], ["乙"]]}),
        ("update", {"tags": [["乙"], ["丁", "乙"]]}),
    ]
    assert [changes for _a, _r, changes, _u in events["N2"]][1:] == [
        {"tags": [[], ["丙", "新标签"]]}
    ]
    assert "E4" not in events


def test_tags_of_a_row_refused_for_the_scope_are_not_left_behind(tmp_path, trees, monkeypatch):
    seller = user_create(
        username="tagseller", password="Kehu-user-2026", roles=["salesperson"],
        scope="classes", scope_classes=["01"],
    )  # fmt: skip
    rows = [
        ["code", "name", "class_code", "tags"],
        ["S1", "范围内", "0101", "共同"],
        ["S2", "范围外", "0201", "共同; 孤儿"],
        ["S3", "范围内二", "0101", "共同; 其他"],
    ]
    path = write_csv(tmp_path, rows)

    in_batches = _outcome(path, seller, monkeypatch, one_by_one=False)
    one_by_one = _outcome(path, seller, monkeypatch, one_by_one=True)

    assert in_batches == one_by_one
    assert in_batches["tag_rows"] == ["共同", "其他"]
    assert [code for _l, _c, code, _m in in_batches["errors"]] == ["out_of_scope"]
    assert in_batches["tags"] == {"S1": ["共同"], "S3": ["共同", "其他"]}
