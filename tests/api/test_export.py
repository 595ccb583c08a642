"""GET /api/v1/customers/export: the list endpoint's customers as a file (SPEC §3, §8)."""

import pytest
from django.test import Client

from kehu.accounts.services import token_create
from tests.api.asserts import assert_error
from tests.conftest import ApiClient
from tests.customers.test_export import build_archive, csv_rows, download, xlsx_rows

EXPORT = "/api/v1/customers/export"


@pytest.fixture
def archive(db):
    return build_archive()


def client_of(user) -> ApiClient:
    return ApiClient(Client(), token_create(user=user, name="tests")[1])


def listed(api, query: str) -> list[str]:
    response = api.get(f"/api/v1/customers?page_size=500&{query}")
    assert response.status_code == 200, response.json()
    return [row["code"] for row in response.json()["results"]]


def exported(api, query: str) -> list[str]:
    data = download(api.get(f"{EXPORT}?format=csv&columns=code&{query}"))
    return [row[0] for row in csv_rows(data)[1:]]


@pytest.mark.parametrize(
    "query",
    [
        "",
        "class_code=01",
        "q=泰锐",
        "salesperson=S1",
        "status=deactivated",
        "class_code=02&status=active",
        "tag=重点",
        "ordering=-code",
    ],
)
def test_the_export_returns_the_customers_of_the_list(archive, query):
    api = client_of(archive["admin"])
    expected = listed(api, query)
    assert expected
    assert exported(api, query) == expected


def test_a_salesperson_exports_only_their_customers(archive):
    api = client_of(archive["seller"])
    assert listed(api, "") == exported(api, "") == ["0101", "A2"]


def test_xlsx_is_the_default(archive):
    api = client_of(archive["admin"])
    response = api.get(f"{EXPORT}?language=zh-hans&columns=code,name,credit_limit")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    header, first, *_ = xlsx_rows(download(response), "客户")
    assert header == ["客户编码", "客户名称", "信用额度"]
    assert first == ["0101", "上海泰锐家居有限公司", 1234.5]


def test_gb18030(archive):
    api = client_of(archive["admin"])
    response = api.get(f"{EXPORT}?format=csv&encoding=gb18030&language=en&columns=code,name")
    rows = csv_rows(download(response), "gb18030")
    assert rows[0] == ["code", "name"] and ["B1", "𠀀南京钟山建材公司"] in rows


def test_bad_parameters_are_field_errors(archive):
    api = client_of(archive["admin"])
    response = api.get(f"{EXPORT}?format=pdf&columns=code,nope")
    body = assert_error(response, 422, "validation_error", "columns", says="Unknown columns: nope.")
    assert "format" in body["errors"]


def test_without_the_permission_the_export_is_refused(api_as):
    response = api_as()  # a user without roles
    assert response.get(EXPORT).status_code == 403


def test_the_operation_is_documented_as_a_file(client):
    document = client.get("/api/v1/openapi.json").json()
    operation = document["paths"][EXPORT]["get"]
    content = operation["responses"]["200"]["content"]
    assert set(content) == {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "text/csv",
    }
    names = {p["name"] for p in operation["parameters"]}
    assert {"format", "encoding", "columns", "class_code", "salesperson", "q"} <= names
