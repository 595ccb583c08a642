"""The conditions of SPEC §3 (date and number ranges, several codes, tags, user-defined fields):
the same customers in the web list, the API, the CSV export and the statistics; bad values are
field errors, never a failure; saved queries keep conditions and columns."""

import datetime
import re
from collections import Counter
from decimal import Decimal
from urllib.parse import urlencode

import pytest

from kehu.accounts.services import token_create, user_create
from kehu.customers.columns import LIST_DEFAULT_COLUMNS
from kehu.customers.models import Customer, SavedQuery, UserField
from kehu.customers.services import saved_query_create, user_field_create, user_field_update
from kehu.masterdata.models import Department, Industry, Salesperson
from kehu.masterdata.services import coded_item_create
from tests import factories
from tests.api.asserts import assert_error
from tests.conftest import ApiClient
from tests.customers.test_export import browser, csv_rows, download

PASSWORD = "Kehu-conditions-2026"
LIST = "/customers/"
API = "/api/v1/customers"


def build_archive() -> dict:
    """Four customers with every kind of condition's value; C1 deactivated and nearly empty."""
    factories.class_tree("01", "0101", "0102", "02")
    factories.region_tree("31", "3101", "32")
    Industry.objects.create(code="IT", name="信息技术")
    Industry.objects.create(code="MF", name="制造")
    for code in ("D1", "D2"):
        coded_item_create(Department, actor=None, data={"code": code, "name": f"部门{code}"})
    for code, department in (("S1", "D1"), ("S2", "D2")):
        coded_item_create(
            Salesperson,
            actor=None,
            data={"code": code, "name": f"业务员{code}", "department": department},
        )
    for key, kind, extra in (
        ("colour", "choice", {"choices": ["red", "blue"]}),
        ("size", "number", {}),
        ("since", "date", {}),
        ("vip", "boolean", {}),
        ("note", "text", {}),
    ):
        user_field_create(
            actor=None,
            data={"key": key, "label_zh": f"自定义{key}", "label_en": key.title()}
            | {"field_type": kind}
            | extra,
        )
    factories.customer(
        "0101",
        code="A1",
        name="上海泰锐家居有限公司",
        region_code="3101",
        industry="IT",
        department="D1",
        salesperson="S1",
        credit_grade="AA",
        credit_limit="300",
        developed_on="2023-03-01",
        registered_capital="1000000",
        employees=120,
        annual_revenue="5000000",
        tags=["重点", "华东"],
        user_fields={"colour": "red", "size": 10, "since": "2024-01-15", "vip": True, "note": "甲"},
    )
    factories.customer(
        "0102",
        code="A2",
        name="杭州西湖茶业有限公司",
        region_code="3101",
        industry="MF",
        department="D1",
        salesperson="S1",
        credit_limit="100",
        developed_on="2024-06-01",
        employees=15,
        tags=["重点"],
        user_fields={"colour": "blue", "size": "3.5", "vip": False},
    )
    factories.customer(
        "02",
        code="B1",
        name="南京钟山建材公司",
        region_code="32",
        industry="IT",
        department="D2",
        salesperson="S2",
        credit_grade="B",
        credit_limit="5000",
        developed_on="2022-01-01",
        employees=500,
        tags=["华东"],
        user_fields={"colour": "red", "size": 100, "since": "2023-05-05"},
    )
    factories.customer("02", code="C1", name="广州白云贸易公司", deactivated_on="2024-01-01")
    # maintained by the system from documents: set here as the documents would
    Customer.objects.filter(code="A1").update(last_transaction_on=datetime.date(2024, 5, 1))
    Customer.objects.filter(code="B1").update(last_transaction_on=datetime.date(2023, 2, 1))
    Customer.objects.filter(code="A2").update(receivable_balance=Decimal("50.00"))
    admin = user_create(
        username="boss", password=PASSWORD, roles=["administrator"], is_superuser=True
    )
    return {"admin": admin}


@pytest.fixture
def archive(db):
    return build_archive()


@pytest.fixture
def web(archive):
    return browser(archive["admin"])


@pytest.fixture
def api(client, archive):
    _token, raw = token_create(user=archive["admin"], name="tests")
    return ApiClient(client, raw)


def web_codes(web, query: str) -> set[str]:
    response = web.get(f"{LIST}?{query}")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'role="alert"' not in page, page[page.index('role="alert"') :][:500]
    return set(re.findall(r'<td class="code">([^<]+)</td>', page))


def api_codes(api, query: str) -> set[str]:
    response = api.get(f"{API}?{query}&page_size=500")
    assert response.status_code == 200, response.json()
    return {row["code"] for row in response.json()["results"]}


def export_codes(web, query: str) -> set[str]:
    data = download(web.get(f"/customers/export/?{query}&format=csv&columns=code"))
    return {row[0] for row in csv_rows(data)[1:]}


def class_counts(api, query: str) -> dict[str, int]:
    response = api.get(f"{API}/statistics?{query}&group_by=class")
    assert response.status_code == 200, response.json()
    return {group["code"]: group["count"] for group in response.json()["groups"]}


CLASS_OF = {"A1": "0101", "A2": "0102", "B1": "02", "C1": "02"}
TODAY = datetime.date.today().isoformat()

CASES = [
    ("developed_from=2023-01-01", {"A1", "A2"}),
    ("developed_to=2023-12-31", {"A1", "B1"}),
    ("developed_from=2023-01-01&developed_to=2023-12-31", {"A1"}),
    ("created_to=2000-01-01", set()),
    ("created_from=2000-01-01", {"A1", "A2", "B1", "C1"}),
    ("last_transaction_from=2024-01-01", {"A1"}),
    ("last_transaction_to=2024-12-31", {"A1", "B1"}),
    ("credit_limit_min=200", {"A1", "B1"}),
    ("credit_limit_max=300", {"A1", "A2"}),
    ("credit_limit_min=200&credit_limit_max=300.00", {"A1"}),
    ("receivable_balance_min=0.01", {"A2"}),
    ("registered_capital_min=1", {"A1"}),
    ("annual_revenue_max=5000000", {"A1"}),
    ("employees_min=100&employees_max=200", {"A1"}),
    ("industry=IT", {"A1", "B1"}),
    ("industry=IT,MF", {"A1", "A2", "B1"}),
    ("industry=IT&industry=MF", {"A1", "A2", "B1"}),
    ("class_code=0101,02", {"A1", "B1", "C1"}),
    ("region_code=31&region_code=32", {"A1", "A2", "B1"}),
    ("department=D2", {"B1"}),
    ("salesperson=S1,S2&status=active", {"A1", "A2", "B1"}),
    ("credit_grade=AA,B", {"A1", "B1"}),
    ("tag=重点", {"A1", "A2"}),
    ("tag=重点&tag=华东", {"A1"}),
    ("uf_colour=red", {"A1", "B1"}),
    ("uf_colour=red&uf_colour=blue", {"A1", "A2", "B1"}),
    ("uf_size=10", {"A1"}),
    ("uf_size_min=5", {"A1", "B1"}),
    ("uf_size_max=10", {"A1", "A2"}),
    ("uf_size_min=3.5&uf_size_max=3.5", {"A2"}),
    ("uf_since_from=2024-01-01", {"A1"}),
    ("uf_since_to=2023-12-31", {"B1"}),
    ("uf_since=2023-05-05", {"B1"}),
    ("uf_vip=true", {"A1"}),
    ("uf_vip=否", {"A2"}),
    ("uf_note=甲", {"A1"}),
    ("industry=IT&credit_limit_min=1000&tag=华东&uf_colour=red", {"B1"}),
    ("status=active&developed_from=2022-01-01&uf_size_min=1&class_code=01", {"A1", "A2"}),
    ("q=公司&employees_max=100&region_code=31", {"A2"}),
]


@pytest.mark.parametrize(("query", "expected"), CASES)
def test_the_same_conditions_find_the_same_customers_everywhere(web, api, query, expected):
    query = "&".join(
        f"{urlencode([(k, v)])}" for k, v in (part.split("=", 1) for part in query.split("&"))
    )
    assert web_codes(web, query) == expected
    assert api_codes(api, query) == expected
    assert export_codes(web, query) == expected
    assert class_counts(api, query) == dict(Counter(CLASS_OF[code] for code in expected))


BAD = [
    ("developed_from=2024-13-01", "developed_from", "YYYY-MM-DD"),
    ("developed_from=20240101", "developed_from", "YYYY-MM-DD"),
    ("developed_from=2024-02-01&developed_to=2024-01-01", "developed_to", "before its start"),
    ("credit_limit_min=abc", "credit_limit_min", "number"),
    ("credit_limit_min=5&credit_limit_max=1", "credit_limit_max", "less than the minimum"),
    ("employees_min=-1", "employees_min", "greater than or equal"),
    ("uf_nope=1", "uf_nope", "No active user-defined field"),
    ("uf_size_min=abc", "uf_size_min", "number"),
    ("uf_size_max=1e400", "uf_size_max", "at most 15 digits"),
    ("uf_colour=green", "uf_colour", "Choose one of"),
    ("uf_colour_min=1", "uf_colour_min", "Ranges are for number fields"),
    ("uf_since_from=2024-02-01&uf_since_to=2024-01-01", "uf_since_to", "before its start"),
    ("uf_size_min=9&uf_size_max=1", "uf_size_max", "less than the minimum"),
    ("uf_vip=maybe", "uf_vip", "yes or no"),
    ("uf_since=soon", "uf_since", "YYYY-MM-DD"),
    ("industry=IT&industry=" + "X" * 21, "industry", "at most 20 characters"),
]


@pytest.mark.parametrize(("query", "field", "says"), BAD)
@pytest.mark.parametrize("path", ["", "/export", "/statistics"])
def test_bad_values_are_field_errors_in_the_api(api, query, field, says, path):
    assert_error(api.get(f"{API}{path}?{query}"), 422, "validation_error", field=field, says=says)


@pytest.mark.parametrize(("query", "field", "says"), BAD)
def test_bad_values_are_messages_on_the_list_page_and_the_rest_applies(
    web, api, query, field, says
):
    response = web.get(f"{LIST}?{query}&status=active")
    page = response.content.decode()

    assert response.status_code == 200
    assert "not valid and was ignored" in page and says in page
    rest = "&".join(part for part in query.split("&") if not part.startswith(f"{field}="))
    expected = api_codes(api, f"{rest}&status=active")
    assert set(re.findall(r'<td class="code">([^<]+)</td>', page)) == expected


def test_the_export_and_statistics_pages_show_bad_values(web):
    export = web.get("/customers/export/?credit_limit_min=abc&format=csv")
    assert export.status_code == 400 and "Credit limit at least: Enter a number." in (
        export.content.decode()
    )
    statistics = web.get("/customers/statistics/?uf_size_min=abc")
    assert statistics.status_code == 200
    assert "not valid and was ignored" in statistics.content.decode()


def test_the_advanced_panel_shows_the_conditions_and_chips_remove_them(web):
    query = "tag=重点&tag=华东&credit_limit_min=200&uf_colour=red&ordering=-code"
    response = web.get(f"{LIST}?{query}")
    page = response.content.decode()

    assert '<details class="advanced" open>' in page
    assert 'name="credit_limit_min" value="200"' in page
    assert re.search(r'<option value="重点" selected>', page)
    colour = r'name="uf_colour" multiple size="3">\s*<option value="red" selected>'
    assert re.search(colour, page, re.S)
    chips = re.findall(
        r'<li class="chip"><span class="chip-label">([^<]+):</span> ([^<]+)\s*'
        r'<a class="chip-remove" href="([^"]+)"',
        page,
    )
    shown = {(label, value.strip()) for label, value, _url in chips}
    assert shown == {
        ("Tags", "重点"),
        ("Tags", "华东"),
        ("Credit limit at least", "200"),
        ("Colour", "red"),
    }
    # a chip's link keeps the other conditions and the order, without its own condition
    url = next(url for label, value, url in chips if value.strip() == "华东").replace("&amp;", "&")
    assert "ordering=-code" in url and "credit_limit_min=200" in url
    assert web_codes(web, url[1:]) == {"A1"}  # 重点, ≥ 200, red
    assert "%E5%8D%8E%E4%B8%9C" not in url  # 华东 is gone


def test_paging_and_sorting_links_keep_the_conditions(web):
    page = web.get(f"{LIST}?tag=重点&credit_limit_min=50").content.decode()
    link = re.search(r'<a href="([^"]*ordering=name[^"]*)" class="sort"', page).group(1)
    link = link.replace("&amp;", "&")
    assert "credit_limit_min=50" in link and "tag=" in link
    assert web_codes(web, link[1:]) == {"A1", "A2"}


def test_chosen_columns_are_shown_sortable_where_they_are_database_columns(web):
    query = "columns=code,employees,tags,colour,last_transaction_on,receivable_balance"
    page = web.get(f"{LIST}?{query}&ordering=-employees&status=active").content.decode()
    head = page[page.index("<thead>") : page.index("</thead>")]

    headings = re.findall(r"<th [^>]*>\s*(?:<a [^>]*>)?([^<]+)", head)
    assert [text.strip() for text in headings] == [
        "Code",
        "Number of employees",
        "Tags",
        "Colour",
        "Last transaction date",
        "Receivable balance",
    ]
    assert "ordering=employees" in head  # the sorted column reverses
    assert "ordering=tags" not in head and "ordering=colour" not in head
    assert re.findall(r'<td class="code">([^<]+)</td>', page) == ["B1", "A1", "A2"]
    assert "华东、重点" in page and "2024-05-01" in page and "50.00" in page


def test_unknown_columns_are_a_message(web):
    page = web.get(f"{LIST}?columns=code,nonsense").content.decode()
    assert "Columns: this value is not valid and was ignored" in page
    assert "Unknown columns: nonsense." in page


def test_a_saved_query_keeps_the_new_conditions_and_the_columns(web, api):
    query = "tag=华东&credit_limit_min=200&uf_colour=red&ordering=-code&columns=code,name,colour"
    response = web.post("/customers/queries/", {"name": "红色华东", "query": query})
    saved = SavedQuery.objects.get(name="红色华东")
    assert response["Location"] == f"/customers/?saved={saved.pk}"
    assert saved.params == {"tag": "华东", "credit_limit_min": "200", "uf_colour": "red"}
    assert (saved.ordering, saved.columns) == ("-code", ["code", "name", "colour"])

    page = web.get(f"{LIST}?saved={saved.pk}").content.decode()
    assert re.findall(r'<td class="code">([^<]+)</td>', page) == ["B1", "A1"]
    assert "Colour" in page[page.index("<thead>") : page.index("</thead>")]
    # the API, the export (with the saved columns) and the statistics apply it too
    assert api_codes(api, f"saved={saved.pk}") == {"A1", "B1"}
    rows = csv_rows(download(web.get(f"/customers/export/?saved={saved.pk}&format=csv")))
    assert rows == [
        ["code", "name", "colour"],
        ["B1", "南京钟山建材公司", "red"],
        ["A1", "上海泰锐家居有限公司", "red"],
    ]
    api_rows = csv_rows(download(api.get(f"{API}/export?saved={saved.pk}&format=csv")))
    assert api_rows == rows
    assert class_counts(api, f"saved={saved.pk}") == {"0101": 1, "02": 1}
    body = api.get(f"/api/v1/saved-queries/{saved.pk}").json()
    assert body["params"] == saved.params and body["columns"] == ["code", "name", "colour"]


def test_the_api_saves_several_values_and_user_field_ranges(api):
    response = api.post(
        "/api/v1/saved-queries",
        {
            "name": "多值",
            "params": {"tag": ["重点", "华东"], "industry": ["IT", "MF"], "uf_size_min": "5"},
            "columns": ["code", "size"],
            "ordering": "-registered_capital_currency",
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["params"] == {"tag": ["重点", "华东"], "industry": "IT,MF", "uf_size_min": "5"}
    assert api_codes(api, f"saved={body['id']}") == {"A1"}
    bad = api.post("/api/v1/saved-queries", {"name": "坏", "params": {"credit_limit_min": "x"}})
    assert_error(bad, 422, "validation_error", field="params.credit_limit_min")


def test_a_saved_query_that_no_longer_parses_is_a_field_error_not_a_failure(archive, web, api):
    saved = saved_query_create(
        actor=archive["admin"],
        data={"name": "颜色", "params": {"uf_colour": "red", "status": "active"}},
    )
    user_field_update(
        actor=None, definition=UserField.objects.get(key="colour"), data={"is_active": False}
    )
    for path in ("", "/export", "/statistics"):
        body = assert_error(
            api.get(f"{API}{path}?saved={saved.pk}"), 422, "validation_error", field="saved"
        )
        assert "condition “uf_colour” is no longer valid" in body["errors"]["saved"][0]
    response = web.get(f"{LIST}?saved={saved.pk}")
    page = response.content.decode()
    assert response.status_code == 200
    assert "condition “uf_colour” is no longer valid" in page
    # the rest of it still applies
    assert set(re.findall(r'<td class="code">([^<]+)</td>', page)) == {"A1", "A2", "B1"}


def test_the_cli_takes_any_condition(archive, tmp_path):
    from django.core.management import CommandError, call_command

    path = tmp_path / "out.csv"
    call_command(
        "export",
        str(path),
        "--columns",
        "code",
        "--param",
        "tag=重点",
        "--param",
        "tag=华东",
        "--param",
        "uf_size_min=1",
    )
    assert [row[0] for row in csv_rows(path.read_bytes())[1:]] == ["A1"]
    with pytest.raises(CommandError, match="credit_limit_max: The maximum is less"):
        call_command(
            "export", str(path), "--param", "credit_limit_min=5", "--param", "credit_limit_max=1"
        )


def test_statistics_api_documents_saved_and_every_condition(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    for path in ("/api/v1/customers", "/api/v1/customers/export", "/api/v1/customers/statistics"):
        operation = schema["paths"][path]["get"]
        parameters = {p["name"]: p for p in operation["parameters"]}
        for name in (
            "saved",
            "developed_from",
            "developed_to",
            "created_from",
            "last_transaction_to",
            "credit_limit_min",
            "receivable_balance_max",
            "registered_capital_min",
            "employees_max",
            "tag",
            "industry",
        ):
            assert parameters[name].get("description"), (path, name)
        assert "uf_<key>_min" in operation["description"]


def test_columns_are_chosen_with_the_checkboxes_and_carried_on(web):
    page = web.get(LIST).content.decode()
    boxes = re.findall(r'<input type="checkbox" name="columns" value="([^"]+)"( checked)?>', page)
    checked = [key for key, mark in boxes if mark]
    assert checked == list(LIST_DEFAULT_COLUMNS)
    assert {"employees", "tags", "colour", "status"} <= {key for key, _mark in boxes}

    # the form sent unchanged: the list's defaults, which the links need not carry
    page = web.get(LIST, {"columns": checked, "q": "公司"}).content.decode()
    assert "columns=" not in page[page.index("<thead>") : page.index("</thead>")]

    page = web.get(LIST, {"columns": ["code", "employees"], "ordering": "-employees"})
    page = page.content.decode()
    head = page[page.index("<thead>") : page.index("</thead>")]
    assert "columns=code%2Cemployees" in head
    export_bar = page[page.index('class="export-bar"') :]
    assert 'name="columns" value="code,employees"' in export_bar
    assert re.findall(r'<td class="code">([^<]+)</td>', page) == ["B1", "A1", "A2", "C1"]
    data = download(web.get("/customers/export/?columns=code,employees&format=csv"))
    assert csv_rows(data)[0] == ["code", "employees"]
