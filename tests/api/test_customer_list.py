"""Finding customers (SPEC §3): pagination, filters, ordering and a constant query count."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kehu.core.api import pagination
from kehu.masterdata.models import Department, Industry, Salesperson
from kehu.masterdata.services import coded_item_create
from tests import factories
from tests.api.asserts import assert_error

CUSTOMERS = "/api/v1/customers"


def codes(api, query=""):
    response = api.get(f"{CUSTOMERS}?{query}")
    assert response.status_code == 200, response.json()
    return [row["code"] for row in response.json()["results"]]


@pytest.fixture
def archive(classes):
    """Five customers spread over classes, regions, industries, salespeople and grades."""
    factories.class_tree("0101001", "0101002")  # 0101 is no longer a leaf
    factories.region_tree("31", "3101", "32", "3201")
    Industry.objects.create(code="IT", name="信息技术")
    coded_item_create(Department, actor=None, data={"code": "D1", "name": "一部"})
    coded_item_create(Salesperson, actor=None, data={"code": "S1", "name": "王五"})
    factories.customer(
        "0101001",
        code="A1",
        name="上海泰锐家居有限公司",
        short_name="泰锐家居",
        region_code="3101",
        industry="IT",
        credit_grade="AA",
        credit_limit="300",
        tags=["重点"],
    )
    factories.customer(
        "0101002",
        code="A2",
        name="杭州西湖茶业有限公司",
        region_code="3101",
        salesperson="S1",
        department="D1",
        credit_limit="100",
    )
    factories.customer("0102", code="B1", name="南京钟山建材公司", region_code="3201")
    factories.customer("02", code="C1", name="广州白云贸易公司", credit_grade="B")
    factories.customer("02", code="C2", name="深圳停用公司", deactivated_on="2024-01-01")


def test_pagination(api, archive):
    first = api.get(f"{CUSTOMERS}?page_size=2").json()
    assert (first["count"], first["page"], first["page_size"]) == (5, 1, 2)
    assert [r["code"] for r in first["results"]] == ["A1", "A2"]

    last = api.get(f"{CUSTOMERS}?page_size=2&page=3").json()
    assert [r["code"] for r in last["results"]] == ["C2"]

    beyond = api.get(f"{CUSTOMERS}?page_size=2&page=99999999999999999999").json()
    assert (beyond["count"], beyond["results"]) == (5, [])
    assert first["count_exact"] and beyond["count_exact"]


def test_a_large_result_is_counted_up_to_the_limit(api, archive, monkeypatch):
    """Counting a million matches on every page would cost more than the page: beyond
    COUNT_LIMIT the count stops there, says it is not exact, and the pages still go on."""
    monkeypatch.setattr(pagination, "COUNT_LIMIT", 3)
    first = api.get(f"{CUSTOMERS}?page_size=2").json()
    assert (first["count"], first["count_exact"]) == (3, False)
    seen, page = [], first
    while True:
        seen += [row["code"] for row in page["results"]]
        if not page["next"]:
            break
        page = api.get(page["next"]).json()
        assert (page["count"], page["count_exact"]) == (3, False)
    assert seen == ["A1", "A2", "B1", "C1", "C2"]
    third = api.get(f"{CUSTOMERS}?page_size=2&page=3").json()
    assert ([r["code"] for r in third["results"]], third["next"]) == (["C2"], None)
    narrow = api.get(f"{CUSTOMERS}?class_code=01").json()  # A1, A2, B1: just the limit
    assert (narrow["count"], narrow["count_exact"]) == (3, True)


def test_default_page_size_is_50(api, archive):
    assert api.get(CUSTOMERS).json()["page_size"] == 50


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page=0", "page"),
        ("page_size=0", "page_size"),
        ("page_size=501", "page_size"),
        ("page=x", "page"),
    ],
)
def test_bad_page_parameters_are_422(api, db, query, field):
    assert_error(api.get(f"{CUSTOMERS}?{query}"), 422, "validation_error", field=field)


def test_keyword_matches_code_name_short_name_and_mnemonic(api, archive):
    assert codes(api, "q=西湖") == ["A2"]  # a fragment in the middle of a Chinese name
    assert codes(api, "q=trjj") == ["A1"]  # mnemonic, any case
    assert codes(api, "q=b1") == ["B1"]
    assert codes(api, "q=泰锐家居") == ["A1"]
    assert codes(api, "q=公司") == ["A1", "A2", "B1", "C1", "C2"]


def test_class_filter_takes_the_subtree(api, archive):
    assert codes(api, "class_code=01") == ["A1", "A2", "B1"]
    assert codes(api, "class_code=0101") == ["A1", "A2"]
    assert codes(api, "class_code=0101002") == ["A2"]
    assert codes(api, "class_code=09") == []


def test_region_filter_takes_the_subtree(api, archive):
    assert codes(api, "region_code=31") == ["A1", "A2"]
    assert codes(api, "region_code=32") == ["B1"]


def test_master_data_filters(api, archive):
    assert codes(api, "industry=IT") == ["A1"]
    assert codes(api, "salesperson=S1") == ["A2"]
    assert codes(api, "department=D1") == ["A2"]
    assert codes(api, "credit_grade=B") == ["C1"]
    assert codes(api, "tag=重点") == ["A1"]
    assert codes(api, "code=B1") == ["B1"]


def test_filters_combine(api, archive):
    assert codes(api, "class_code=01&region_code=31&q=茶") == ["A2"]


def test_status_filter(api, archive):
    assert codes(api, "status=active") == ["A1", "A2", "B1", "C1"]
    assert codes(api, "status=deactivated") == ["C2"]
    assert codes(api, "status=all") == ["A1", "A2", "B1", "C1", "C2"]
    assert_error(api.get(f"{CUSTOMERS}?status=gone"), 422, "validation_error", field="status")


def test_ordering(api, archive):
    assert codes(api, "ordering=-code") == ["C2", "C1", "B1", "A2", "A1"]
    # Customers without a limit come last either way, on every database.
    assert codes(api, "ordering=credit_limit")[:2] == ["A2", "A1"]
    assert codes(api, "ordering=-credit_limit")[:2] == ["A1", "A2"]
    assert_error(
        api.get(f"{CUSTOMERS}?ordering=tags"),
        422,
        "validation_error",
        field="ordering",
    )


def test_list_rows_show_references_as_codes(api, archive):
    row = api.get(f"{CUSTOMERS}?code=A1").json()["results"][0]
    assert (row["class_code"], row["region_code"], row["industry"]) == ("0101001", "3101", "IT")
    assert (row["credit_grade"], row["credit_limit"], row["tags"]) == ("AA", "300.00", ["重点"])
    assert "contacts" not in row


def _list_queries(api) -> int:
    """The statements that read or write rows (not a savepoint or a planner setting, which
    PostgreSQL's page read puts around its joins: kehu/core/keyset.py)."""
    with CaptureQueriesContext(connection) as queries:
        response = api.get(f"{CUSTOMERS}?page_size=500")
    assert response.status_code == 200
    return len(
        [q for q in queries if not q["sql"].upper().startswith(("SAVEPOINT", "RELEASE", "SET "))]
    )


def test_list_query_count_does_not_grow_with_rows(api, classes):
    factories.region_tree("31", "3101")
    Industry.objects.create(code="IT", name="信息技术")
    for n in range(5):
        factories.customer(
            region_code="3101", industry="IT", parent_code=None, tags=[f"t{n}", "all"]
        )
    api.get(CUSTOMERS)  # warm up the token's last-used stamp
    with_five = _list_queries(api)

    head = factories.customer(code="HEAD")
    for n in range(25):
        factories.customer(
            region_code="3101",
            industry="IT",
            parent_code=head.code,
            credit_grade="A",
            tags=[f"t{n}", "all"],
        )
    with_thirty = _list_queries(api)

    assert api.get(CUSTOMERS).json()["count"] == 31
    assert with_thirty == with_five
    assert with_five <= 6


def test_list_query_count_is_bounded(api, classes):
    for _ in range(30):
        factories.customer(tags=["a", "b"])
    api.get(CUSTOMERS)
    assert _list_queries(api) <= 6
    assert api.get(CUSTOMERS).json()["count"] == 30


def test_detail_query_count_does_not_grow_with_children(api, classes):
    def detail_queries(customer):
        with CaptureQueriesContext(connection) as queries:
            assert api.get(f"{CUSTOMERS}/{customer.pk}").status_code == 200
        return len(queries)

    api.get(CUSTOMERS)
    small = factories.customer(contacts=[{"name": "一"}])
    large = factories.customer(
        contacts=[{"name": f"联系人{n}"} for n in range(10)],
        addresses=[{"address": f"地址{n}"} for n in range(10)],
        tags=[f"t{n}" for n in range(10)],
    )
    assert detail_queries(large) == detail_queries(small)


@pytest.mark.parametrize(
    "query",
    [
        "page_size=3",
        "page_size=2&page=2",
        "ordering=-name",
        "ordering=credit_grade",
        "ordering=region_code&page_size=2",
        "ordering=-developed_on&tag=重点",
    ],
)
def test_list_rows_are_what_the_schema_makes_of_each_customer(api, archive, query):
    """The list reads values and renders them without the schema's validation pass: its bytes
    are those of ``customer_out`` validated and dumped through ``CustomerOut``."""
    from kehu.accounts.services import user_create
    from kehu.api import api as ninja_api
    from kehu.customers.models import Customer
    from kehu.customers.schemas import CustomerOut, customer_out
    from kehu.customers.selectors import customer_list
    from kehu.customers.services import customer_update, user_field_create

    editor = user_create(username="editor", password="Kehu-user-2026", roles=["administrator"])
    for key, field_type in (
        ("note", "text"),
        ("size", "number"),
        ("seen", "date"),
        ("ok", "boolean"),
    ):
        user_field_create(
            actor=None,
            data={"key": key, "label_zh": key, "label_en": key, "field_type": field_type},
        )
    a1 = Customer.objects.get(code="A1")
    customer_update(
        actor=editor,
        customer=a1,
        data={
            "user_fields": {"note": "备注", "size": 12.5, "seen": "2024-02-29", "ok": True},
            "founded_on": "2001-02-03",
            "developed_on": "2020-01-01",
            "registered_capital": "1000000.00",
            "currency": "CNY",
            "tags": ["重点", "华东"],
        },
    )

    response = api.get(f"{CUSTOMERS}?{query}")

    assert response.status_code == 200
    body = response.json()
    assert body["results"], query
    by_code = {c.code: c for c in customer_list(editor)}
    expected = dict(body)
    expected["results"] = [
        CustomerOut.model_validate(customer_out(by_code[row["code"]])).model_dump()
        for row in body["results"]
    ]
    rendered = ninja_api.renderer.render(None, expected, response_status=200)
    assert response.content == rendered.encode()
    assert response["Content-Type"] == api.get(f"{CUSTOMERS}/{a1.pk}")["Content-Type"]
    if "A1" in by_code and any(row["code"] == "A1" for row in body["results"]):
        row = next(row for row in body["results"] if row["code"] == "A1")
        assert row["updated_by"] == "editor" and row["tags"] == ["华东", "重点"]
