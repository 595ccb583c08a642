"""The class and region trees and their coding schemes (SPEC §1) through the API."""

import pytest

from tests import factories
from tests.api.asserts import assert_error

TREES = ["/api/v1/classes", "/api/v1/regions"]


@pytest.fixture(params=TREES)
def tree(request, db):
    return request.param


def create(api, tree, code, name=None):
    response = api.post(tree, {"code": code, "name": name or f"节点{code}"})
    assert response.status_code == 201, response.json()
    return response.json()


def test_create_derives_parent_and_level_from_the_code(api, tree):
    top = create(api, tree, "01", "华东")
    assert (top["level"], top["parent_code"], top["is_leaf"]) == (1, None, True)

    child = create(api, tree, "0101", "上海")

    assert (child["level"], child["parent_code"], child["is_leaf"]) == (2, "01", True)
    assert api.get(f"{tree}/{top['id']}").json()["is_leaf"] is False
    assert set(child) == {
        "id",
        "code",
        "name",
        "parent_code",
        "level",
        "is_leaf",
        "created_at",
        "updated_at",
    }


def test_get_by_id_and_by_code(api, tree):
    node = create(api, tree, "01")
    assert api.get(f"{tree}/{node['id']}").json() == node
    assert api.get(f"{tree}/by-code/01").json() == node
    assert_error(api.get(f"{tree}/by-code/02"), 404, "not_found", says="02")


def test_code_of_a_wrong_length_is_refused(api, tree):
    response = api.post(tree, {"code": "012", "name": "三位"})
    assert_error(response, 422, "validation_error", field="code", says="characters long")


def test_code_with_other_characters_is_refused(api, tree):
    response = api.post(tree, {"code": "0-", "name": "符号"})
    assert_error(response, 422, "validation_error", field="code", says="digits and Latin letters")


def test_missing_parent_is_refused(api, tree):
    response = api.post(tree, {"code": "0901", "name": "孤儿"})
    assert_error(response, 422, "validation_error", field="code", says="parent 09 does not exist")


def test_duplicate_code_is_409(api, tree):
    create(api, tree, "01")
    response = api.post(tree, {"code": "01", "name": "重复"})
    assert_error(response, 409, "duplicate", field="code", says="already exists")


def test_name_is_required(api, tree):
    response = api.post(tree, {"code": "01", "name": ""})
    assert_error(response, 422, "validation_error", field="name", says="blank")


def test_list_is_ordered_by_code_and_filtered(api, tree):
    for code in ["02", "01", "0102", "0101"]:
        create(api, tree, code)
    codes = [n["code"] for n in api.get(tree).json()["results"]]
    assert codes == ["01", "0101", "0102", "02"]

    def listed(query):
        return [n["code"] for n in api.get(f"{tree}?{query}").json()["results"]]

    assert listed("parent_code=01") == ["0101", "0102"]
    assert listed("level=1") == ["01", "02"]
    assert listed("is_leaf=false") == ["01"]
    assert listed("q=0102") == ["0102"]
    assert listed("q=节点02") == ["02"]
    assert api.get(f"{tree}?level=99").status_code == 422


def test_rename(api, tree):
    node = create(api, tree, "01")
    response = api.patch(f"{tree}/{node['id']}", {"name": "新名字"})
    assert response.status_code == 200, response.json()
    assert response.json()["name"] == "新名字"
    assert response.json()["code"] == "01"


def test_recode_an_unused_node_moves_it(api, tree):
    create(api, tree, "01")
    create(api, tree, "02")
    node = create(api, tree, "0101")

    moved = api.patch(f"{tree}/{node['id']}", {"code": "0201"}).json()

    assert (moved["code"], moved["parent_code"]) == ("0201", "02")
    assert api.get(f"{tree}/by-code/01").json()["is_leaf"] is True
    assert api.get(f"{tree}/by-code/02").json()["is_leaf"] is False


def test_recode_a_node_with_children_is_409(api, tree):
    node = create(api, tree, "01")
    create(api, tree, "0101")
    response = api.patch(f"{tree}/{node['id']}", {"code": "03"})
    assert_error(response, 409, "has_children", field="code", says="has children")


def test_recode_to_a_bad_code_is_422(api, tree):
    node = create(api, tree, "01")
    response = api.patch(f"{tree}/{node['id']}", {"code": "0"})
    assert_error(response, 422, "validation_error", field="code", says="characters long")


def test_delete_a_leaf_makes_its_parent_a_leaf_again(api, tree):
    parent = create(api, tree, "01")
    child = create(api, tree, "0101")

    response = api.delete(f"{tree}/{child['id']}")

    assert response.status_code == 204
    assert response.content == b""
    assert_error(api.get(f"{tree}/{child['id']}"), 404, "not_found")
    assert api.get(f"{tree}/{parent['id']}").json()["is_leaf"] is True


def test_delete_with_children_is_409_with_the_reason(api, tree):
    parent = create(api, tree, "01")
    create(api, tree, "0101")
    response = api.delete(f"{tree}/{parent['id']}")
    body = assert_error(response, 409, "has_children", says="01 has children")
    assert body["errors"] == {}


# Rules that involve customers -------------------------------------------------------------


def test_class_holding_customers_cannot_be_deleted(api, classes):
    factories.customer("0101")
    response = api.delete(f"/api/v1/classes/{classes['0101'].pk}")
    assert_error(response, 409, "in_use", says="customers (1)")


def test_class_code_cannot_change_once_customers_use_it(api, classes):
    factories.customer("0101")
    response = api.patch(f"/api/v1/classes/{classes['0101'].pk}", {"code": "0109"})
    assert_error(response, 409, "code_in_use", field="code", says="can no longer change")


def test_leaf_holding_customers_cannot_get_children(api, classes):
    factories.customer("0101")
    response = api.post("/api/v1/classes", {"code": "0101001", "name": "子类"})
    assert_error(response, 409, "parent_in_use", field="code", says="only a leaf")


def test_region_holding_customers_cannot_be_deleted(api, classes):
    regions = factories.region_tree("31", "3101")
    factories.customer("0101", region_code="3101")
    response = api.delete(f"/api/v1/regions/{regions['3101'].pk}")
    assert_error(response, 409, "in_use", says="3101")


# Coding schemes ---------------------------------------------------------------------------


def test_coding_schemes_are_listed(api, db):
    response = api.get("/api/v1/coding-schemes")
    assert response.status_code == 200
    schemes = {s["tree"]: s for s in response.json()}
    assert schemes["customer_class"]["segments"] == "2-2-3"
    assert schemes["customer_class"]["code_lengths"] == [2, 4, 7]
    assert schemes["region"]["segments"] == "2-2-2"


def test_scheme_may_change_freely_while_no_codes_exist(api, db):
    response = api.put("/api/v1/coding-schemes/customer_class", {"segments": "3-3"})
    assert response.status_code == 200, response.json()
    assert response.json()["code_lengths"] == [3, 6]
    create(api, "/api/v1/classes", "001")


def test_scheme_may_only_be_lengthened_once_codes_exist(api, classes):
    url = "/api/v1/coding-schemes/customer_class"
    lengthened = api.put(url, {"segments": "2-2-3-2"})
    assert lengthened.status_code == 200, lengthened.json()
    assert api.get(url).json()["segments"] == "2-2-3-2"

    shortened = api.put(url, {"segments": "2-2"})
    assert_error(shortened, 422, "validation_error", field="segments", says="not shortened")

    changed = api.put(url, {"segments": "3-2-3-2"})
    assert_error(changed, 422, "validation_error", field="segments", says="must stay 2")


def test_malformed_scheme_is_refused(api, db):
    response = api.put("/api/v1/coding-schemes/region", {"segments": "two-two"})
    assert_error(response, 422, "validation_error", field="segments", says="2-2-3")


def test_unknown_tree_is_422(api, db):
    response = api.get("/api/v1/coding-schemes/products")
    assert_error(response, 422, "validation_error", field="tree", says="customer_class")
