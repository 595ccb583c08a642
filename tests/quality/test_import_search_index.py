"""Bulk writes and the SQLite keyword index (kehu.customers.search.search_triggers_suspended):
the import and the bulk load switch the per-row triggers off for their batches and index the
batch's customers set-based; the index must be what the triggers would have written, and the
triggers must be back afterwards (or after a failure)."""

import datetime
from importlib import import_module

import pytest
from django.db import connection, transaction

from kehu.customers.models import Customer
from kehu.customers.search import keyword_condition, search_triggers_suspended
from kehu.demo.bulk import bulk_load
from kehu.quality.importing import import_file
from tests.factories import class_tree, customer

pytestmark = [
    pytest.mark.django_db(transaction=False),
    pytest.mark.skipif(connection.vendor != "sqlite", reason="the FTS5 index is SQLite's"),
]


def _index() -> list[tuple]:
    """Both search tables: the trigram documents and the grams documents (0005, 0008, 0010)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.rowid, s.document, g.document FROM customers_search AS s"
            " LEFT JOIN customers_grams AS g ON g.rowid = s.rowid ORDER BY s.rowid"
        )
        rows = cursor.fetchall()
        cursor.execute("SELECT count(*) FROM customers_grams")
        assert cursor.fetchone()[0] == len(rows)
        return rows


def _expected() -> list[tuple]:
    """The documents the triggers maintain: the migrations' expressions over every customer."""
    document = import_module("kehu.customers.migrations.0005_keyword_search_indexes")._DOCUMENT
    grams = import_module("kehu.customers.migrations.0010_search_facets").GRAMS_DOCUMENT
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT c.id, {document}, {grams}"  # noqa: S608
            " FROM customers_customer AS c ORDER BY c.id"
        )
        return cursor.fetchall()


def _triggers() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'"
            " AND name LIKE 'customers_search_%'"
        )
        return cursor.fetchone()[0]


def test_an_import_indexes_its_customers_and_keeps_the_triggers(tmp_path, admin_user):
    class_tree("01")
    customer(class_code="01", code="OLD1", name="老客户")
    lines = ["客户编码,客户名称,所属分类,电话"]
    lines += [f"K{n:03d},导入公司{n},01,0571-8888{n:04d}" for n in range(30)]
    path = tmp_path / "import.csv"
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    assert _triggers() == 6

    report = import_file(path, actor=admin_user)

    assert report.written and not report.errors
    assert _triggers() == 6
    assert len(_index()) == 31
    assert _index() == _expected()
    found = Customer.objects.filter(keyword_condition("8888 0007".replace(" ", "")))
    assert list(found.values_list("code", flat=True)) == ["K007"]
    # written one by one afterwards: the triggers index it again
    customer(class_code="01", code="NEW1", name="后来的客户")
    assert _index() == _expected()


def test_a_failed_bulk_write_leaves_triggers_and_index_as_they_were(db):
    class_tree("01")
    customer(class_code="01", code="A1", name="甲公司")
    before = _index()
    with pytest.raises(RuntimeError), transaction.atomic(), search_triggers_suspended() as ids:
        Customer.objects.filter(code="A1").update(name="改名")
        ids.add(Customer.objects.get(code="A1").pk)
        raise RuntimeError("the batch fails")
    assert _triggers() == 6
    assert _index() == before
    Customer.objects.filter(code="A1").update(name="乙公司")  # the trigger is back
    assert _index() == _expected()


def test_the_bulk_load_indexes_what_the_triggers_would(db):
    bulk_load(customers=40, reference_date=datetime.date(2026, 3, 15), analyze=False)
    assert _triggers() == 6
    assert len(_index()) == 40
    assert _index() == _expected()


def test_an_import_of_contacts_indexes_their_customers(tmp_path, admin_user):
    from tests.quality.test_import import write_xlsx

    class_tree("01")
    customer(class_code="01", code="C1", name="甲公司")
    customer(class_code="01", code="C2", name="乙公司")
    rows = [["客户编码", "姓名", "手机", "主联系人"]]
    rows += [["C1", "赵一", "13900000001", "是"], ["C2", "钱二", "", ""], ["C1", "孙三", "", ""]]
    addresses = [["客户编码", "地址"], ["C2", "某路"]]
    path = write_xlsx(tmp_path, {"联系人": rows, "收货地址": addresses})

    report = import_file(path, actor=admin_user)

    assert report.written and not report.errors
    assert _triggers() == 6
    assert _index() == _expected()
    found = Customer.objects.filter(keyword_condition("孙三"))
    assert list(found.values_list("code", flat=True)) == ["C1"]
