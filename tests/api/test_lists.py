"""The small coded lists of SPEC §1 through the API: one CRUD contract, per-list extras."""

import pytest

from tests import factories
from tests.api.asserts import assert_error

# URL -> a valid new row
LISTS = {
    "/api/v1/industries": {"code": "IT", "name": "信息技术"},
    "/api/v1/departments": {"code": "D1", "name": "销售一部"},
    "/api/v1/salespeople": {"code": "S1", "name": "王五", "phone": "13800000000"},
    "/api/v1/currencies": {"code": "GBP", "name": "英镑", "symbol": "£", "decimals": 2},
    "/api/v1/payment-terms": {"code": "N30", "name": "月结", "text": "2/10,n/30"},
    "/api/v1/shipping-methods": {"code": "AIR", "name": "空运"},
    "/api/v1/credit-grades": {"code": "D", "name": "D 信用差", "rank": 9},
}


@pytest.fixture(params=list(LISTS))
def small_list(request, db):
    return request.param, dict(LISTS[request.param])


def test_crud(api, small_list):
    url, data = small_list

    created = api.post(url, data)
    assert created.status_code == 201, created.json()
    item = created.json()
    assert {key: item[key] for key in data} == data
    assert item["is_active"] is True

    assert api.get(f"{url}/{item['id']}").json() == item
    assert api.get(f"{url}/by-code/{data['code']}").json() == item

    changed = api.patch(f"{url}/{item['id']}", {"name": "改名", "is_active": False})
    assert changed.status_code == 200, changed.json()
    assert (changed.json()["name"], changed.json()["is_active"]) == ("改名", False)
    assert changed.json()["code"] == data["code"]

    assert api.delete(f"{url}/{item['id']}").status_code == 204
    assert_error(api.get(f"{url}/{item['id']}"), 404, "not_found")


def test_list_filters(api, small_list):
    url, data = small_list
    item = api.post(url, data).json()
    api.patch(f"{url}/{item['id']}", {"is_active": False})

    inactive = api.get(f"{url}?is_active=false").json()
    assert [row["code"] for row in inactive["results"]] == [data["code"]]
    active = api.get(f"{url}?is_active=true").json()["results"]
    assert data["code"] not in [row["code"] for row in active]
    assert [r["code"] for r in api.get(f"{url}?q={data['code']}").json()["results"]] == [
        data["code"]
    ]
    assert api.get(f"{url}?q=nothing-like-this").json()["count"] == 0


def test_duplicate_code_is_409(api, small_list):
    url, data = small_list
    api.post(url, data)
    again = dict(data, name="另一个")
    if "rank" in again:
        again["rank"] = 10
    assert_error(api.post(url, again), 409, "duplicate", field="code", says="already exists")


def test_code_and_name_are_required(api, small_list):
    url, _data = small_list
    body = assert_error(api.post(url, {}), 422, "validation_error")
    assert {"code", "name"} <= set(body["errors"])


def test_unknown_field_is_refused(api, small_list):
    url, data = small_list
    response = api.post(url, dict(data, colour="red"))
    assert_error(response, 422, "validation_error", field="colour", says="Unknown field")


def test_used_item_cannot_be_deleted_or_recoded(api, classes):
    industry = api.post("/api/v1/industries", {"code": "IT", "name": "信息技术"}).json()
    factories.customer(industry="IT")

    deleted = api.delete(f"/api/v1/industries/{industry['id']}")
    assert_error(deleted, 409, "in_use", says="deactivate it instead")

    recoded = api.patch(f"/api/v1/industries/{industry['id']}", {"code": "ICT"})
    assert_error(recoded, 409, "code_in_use", field="code", says="can no longer change")

    renamed = api.patch(f"/api/v1/industries/{industry['id']}", {"name": "信息通信"})
    assert renamed.status_code == 200


# Salespeople ------------------------------------------------------------------------------


def test_salesperson_refers_to_department_and_login_by_code_and_username(api, admin_user):
    api.post("/api/v1/departments", {"code": "D1", "name": "销售一部"})
    response = api.post(
        "/api/v1/salespeople",
        {"code": "S1", "name": "王五", "department": "D1", "user": "admin"},
    )
    assert response.status_code == 201, response.json()
    assert (response.json()["department"], response.json()["user"]) == ("D1", "admin")

    cleared = api.patch(f"/api/v1/salespeople/{response.json()['id']}", {"department": None})
    assert cleared.json()["department"] is None


def test_salesperson_with_unknown_department_or_login_is_refused(api, db):
    response = api.post(
        "/api/v1/salespeople", {"code": "S1", "name": "王五", "department": "NOPE", "user": "ghost"}
    )
    body = assert_error(
        response, 422, "validation_error", field="department", says="“NOPE” does not exist"
    )
    assert "ghost" in body["errors"]["user"][0]


def test_one_login_is_one_salesperson(api, admin_user):
    api.post("/api/v1/salespeople", {"code": "S1", "name": "王五", "user": "admin"})
    response = api.post("/api/v1/salespeople", {"code": "S2", "name": "赵六", "user": "admin"})
    assert_error(response, 409, "duplicate", field="user")


def test_salesperson_email_is_checked(api, db):
    response = api.post("/api/v1/salespeople", {"code": "S1", "name": "王五", "email": "nope"})
    assert_error(response, 422, "validation_error", field="email", says="valid email")


# Currencies and credit grades -------------------------------------------------------------


def test_currency_code_is_iso_4217(api, db):
    response = api.post("/api/v1/currencies", {"code": "usd", "name": "美元"})
    assert_error(response, 422, "validation_error", field="code", says="ISO 4217")


def test_currency_has_at_most_four_decimals(api, db):
    response = api.post("/api/v1/currencies", {"code": "XBT", "name": "比特币", "decimals": 8})
    assert_error(response, 422, "validation_error", field="decimals", says="less than or equal")


def test_seeded_currencies_and_grades_are_listed(api, db):
    currencies = [c["code"] for c in api.get("/api/v1/currencies").json()["results"]]
    assert {"CNY", "USD", "EUR"} <= set(currencies)
    grades = [g["code"] for g in api.get("/api/v1/credit-grades").json()["results"]]
    assert grades[:5] == ["AAA", "AA", "A", "B", "C"]


def test_credit_grade_rank_is_unique_and_positive(api, db):
    taken = api.post("/api/v1/credit-grades", {"code": "X", "name": "X", "rank": 1})
    assert_error(taken, 409, "duplicate", field="rank")
    zero = api.post("/api/v1/credit-grades", {"code": "Y", "name": "Y", "rank": 0})
    assert_error(zero, 422, "validation_error", field="rank", says="greater than or equal to 1")


# Payment terms ----------------------------------------------------------------------------


def test_payment_terms_are_parsed(api, db):
    response = api.post(
        "/api/v1/payment-terms", {"code": "T1", "name": "现金折扣", "text": "2/10, 1/20，n/30"}
    )
    assert response.status_code == 201, response.json()
    terms = response.json()
    assert terms["net_days"] == 30
    assert terms["discounts"] == [{"percent": "2", "days": 10}, {"percent": "1", "days": 20}]

    changed = api.patch(f"/api/v1/payment-terms/{terms['id']}", {"text": "n/60"}).json()
    assert (changed["net_days"], changed["discounts"]) == (60, [])


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("2/10", "end with the net days"),
        ("", "Write the terms"),
        ("x/10,n/30", "is not a discount"),
        ("1/10,2/20,n/30", "smaller percentage"),
        ("2/40,n/30", "before the net days"),
        ("0/10,n/30", "more than 0"),
    ],
)
def test_bad_payment_terms_are_refused(api, db, text, says):
    response = api.post("/api/v1/payment-terms", {"code": "T1", "name": "坏", "text": text})
    assert_error(response, 422, "validation_error", field="text", says=says)


@pytest.mark.parametrize("field", ["net_days", "discounts"])
def test_derived_payment_term_fields_are_read_only(api, db, field):
    response = api.post(
        "/api/v1/payment-terms", {"code": "T1", "name": "x", "text": "n/30", field: 30}
    )
    assert_error(response, 422, "validation_error", field=field, says="Maintained by the system")
