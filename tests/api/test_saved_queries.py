"""/api/v1/saved-queries and ``saved=`` on the customer list and export (SPEC §3)."""

import pytest

from kehu.accounts.services import user_create
from tests.api.asserts import assert_error
from tests.api.test_export import client_of, exported, listed
from tests.customers.test_export import PASSWORD, browser, build_archive, list_codes

URL = "/api/v1/saved-queries"


@pytest.fixture
def archive(db):
    data = build_archive()
    data["other"] = user_create(username="sales2", password=PASSWORD, roles=["salesperson"])
    return data


def create(api, **body):
    response = api.post(URL, body)
    assert response.status_code == 201, response.json()
    return response.json()


def test_create_private_and_shared_and_who_sees_them(archive):
    seller, other = client_of(archive["seller"]), client_of(archive["other"])
    private = create(seller, name="私有", params={"q": "泰锐", "status": "all"})
    shared = create(seller, name="共享", shared=True, params={"class_code": "01"})
    assert private["params"] == {"q": "泰锐"}
    assert (private["owner"], private["shared"], private["can_change"]) == ("sales1", False, True)
    assert {row["name"] for row in seller.get(URL).json()["results"]} == {"私有", "共享"}
    assert [row["name"] for row in other.get(URL).json()["results"]] == ["共享"]
    assert other.get(f"{URL}/{shared['id']}").json()["can_change"] is False
    assert_error(other.get(f"{URL}/{private['id']}"), 404, "not_found")


def test_only_the_owner_or_an_administrator_changes_or_deletes(archive):
    seller, other = client_of(archive["seller"]), client_of(archive["other"])
    admin = client_of(archive["admin"])
    shared = create(seller, name="共享", shared=True)
    private = create(seller, name="私有")
    assert_error(other.patch(f"{URL}/{shared['id']}", {"name": "改"}), 403, "permission_denied")
    assert_error(other.delete(f"{URL}/{shared['id']}"), 403, "permission_denied")
    assert_error(other.delete(f"{URL}/{private['id']}"), 404, "not_found")
    response = seller.patch(f"{URL}/{shared['id']}", {"params": {"status": "active"}})
    assert response.status_code == 200, response.json()
    assert response.json()["params"] == {"status": "active"}
    assert admin.patch(f"{URL}/{shared['id']}", {"name": "管理员改"}).json()["name"] == "管理员改"
    assert admin.delete(f"{URL}/{shared['id']}").status_code == 204
    assert seller.delete(f"{URL}/{private['id']}").status_code == 204
    assert seller.get(URL).json()["count"] == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x", "params": {"status": "maybe"}}, "params.status"),
        ({"name": "x", "params": {"colour": "red"}}, "params.colour"),
        ({"name": "x", "ordering": "size"}, "ordering"),
        ({"name": "x", "columns": ["code", "nonsense"]}, "columns"),
        ({"name": ""}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": "x", "owner": 1}, "owner"),
    ],
)
def test_invalid_queries_are_refused_with_field_errors(archive, body, field):
    api = client_of(archive["seller"])
    assert_error(api.post(URL, body), 422, "validation_error", field)
    assert api.get(URL).json()["count"] == 0


def test_a_name_twice_is_a_conflict(archive):
    api = client_of(archive["seller"])
    create(api, name="同名")
    assert_error(api.post(URL, {"name": "同名"}), 409, "duplicate", "name")


def test_list_api_export_and_web_find_the_same_customers(archive):
    admin = client_of(archive["admin"])
    query = create(admin, name="第二类", params={"class_code": "02"}, ordering="-code")
    saved = f"saved={query['id']}"
    assert listed(admin, saved) == exported(admin, saved) == ["C1", "B1"]
    assert list_codes(browser(archive["admin"]), saved) == ["C1", "B1"]
    # explicit parameters override the saved ones
    assert listed(admin, f"{saved}&status=active") == ["B1"]
    assert exported(admin, f"{saved}&ordering=code") == ["B1", "C1"]
    assert listed(admin, f"{saved}&class_code=01") == ["A2", "0101"]


def test_the_data_scope_still_applies(archive):
    admin, seller = client_of(archive["admin"]), client_of(archive["seller"])
    query = create(admin, name="全部", shared=True)
    saved = f"saved={query['id']}"
    assert listed(seller, saved) == exported(seller, saved) == ["0101", "A2"]


@pytest.mark.parametrize("path", ["/api/v1/customers", "/api/v1/customers/export"])
def test_an_invisible_or_unknown_saved_query_is_refused(archive, path):
    private = create(client_of(archive["admin"]), name="私有")
    seller = client_of(archive["seller"])
    for value in (private["id"], 10**9):
        assert_error(seller.get(f"{path}?saved={value}"), 422, "validation_error", "saved")
    assert_error(seller.get(f"{path}?saved=abc"), 422, "validation_error", "saved")
