"""Malformed, hostile and mistyped input: always a JSON 4xx naming the problem, never a 500."""

import pytest

from tests import factories
from tests.api.asserts import assert_error

CUSTOMERS = "/api/v1/customers"


def valid(**fields):
    return {"code": "E1", "name": "错误测试有限公司", "class_code": "0101", **fields}


def test_malformed_json_is_400(api, classes):
    response = api.post(CUSTOMERS, '{"code": "E1", "name": ')
    assert_error(response, 400, "bad_request", says="JSON")


def test_body_that_is_not_utf8_is_400(api, classes):
    response = api.post(CUSTOMERS, b"\xff\xfe\x00garbage")
    assert_error(response, 400, "bad_request")


def test_body_that_is_not_an_object_is_422(api, classes):
    response = api.post(CUSTOMERS, [1, 2, 3])
    assert_error(response, 422, "validation_error", field="__all__", says="object")


def test_missing_body_is_422(api, classes):
    response = api.post(CUSTOMERS, "")
    assert_error(response, 422, "validation_error", field="__all__", says="body is required")


def test_form_encoded_body_is_400(api, classes):
    response = api.client.post(CUSTOMERS, {"code": "E1"}, headers=api.headers)
    assert_error(response, 400, "bad_request")


def test_missing_required_fields_are_named(api, classes):
    body = assert_error(api.post(CUSTOMERS, {"short_name": "甲"}), 422, "validation_error")
    assert set(body["errors"]) == {"code", "name", "class_code"}
    assert body["errors"]["name"] == ["This field is required."]


def test_unknown_field_is_named(api, classes):
    response = api.post(CUSTOMERS, valid(colour="blue"))
    assert_error(response, 422, "validation_error", field="colour", says="Unknown field")


@pytest.mark.parametrize(
    "field", ["receivable_balance", "last_receipt_on", "version", "created_by", "id"]
)
def test_system_fields_are_refused(api, classes, field):
    response = api.post(CUSTOMERS, valid(**{field: 1}))
    assert_error(response, 422, "validation_error", field=field, says="Maintained by the system")


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("credit_limit", "lots", "Enter a number."),
        ("credit_limit", [1], "Enter a number."),
        ("employees", "many", "Enter a whole number."),
        ("employees", 1.5, "Enter a whole number."),
        ("is_supplier", "perhaps", "Enter true or false."),
        ("founded_on", "2020-13-45", "YYYY-MM-DD"),
        # A JSON body is typed: no guessing from other types.
        ("is_supplier", "true", "Enter true or false."),
        ("is_supplier", 1, "Enter true or false."),
        ("employees", "12", "Enter a whole number."),
        ("employees", True, "Enter a whole number."),
        ("founded_on", 0, "YYYY-MM-DD"),
        ("name", 12, "Enter a text."),
        ("tags", "vip", "Give a list."),
        ("contacts", {"name": "x"}, "Give a list."),
        ("kind", "alien", "Choose one of"),
        ("user_fields", [1], "Give an object."),
    ],
)
def test_wrong_types_are_422_on_the_field(api, classes, field, value, says):
    response = api.post(CUSTOMERS, valid(**{field: value}))
    assert_error(response, 422, "validation_error", field=field, says=says)


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ('{"code": "E1", "name": "x", "class_code": "0101", "credit_limit": NaN}', "finite"),
        ('{"code": "E1", "name": "x", "class_code": "0101", "credit_limit": Infinity}', "finite"),
        ('{"code": "E1", "name": "x", "class_code": "0101", "credit_limit": 1e999}', "finite"),
        ('{"code": "E1", "name": "x", "class_code": "0101", "credit_limit": "NaN"}', "finite"),
        ('{"code": "E1", "name": "x", "class_code": "0101", "credit_limit": "1.234"}', "2 decimal"),
        (
            '{"code": "E1", "name": "x", "class_code": "0101", "credit_limit": 1e20}',
            "digits",
        ),
    ],
)
def test_decimals_must_be_finite_and_fit(api, classes, body, says):
    response = api.post(CUSTOMERS, body)
    assert_error(response, 422, "validation_error", field="credit_limit", says=says)


def test_discount_rate_has_five_digits(api, classes):
    response = api.post(CUSTOMERS, valid(discount_rate="1000.5"))
    assert_error(response, 422, "validation_error", field="discount_rate", says="3 digits")


def test_money_is_exact_to_fifteen_digits(api, classes):
    response = api.post(CUSTOMERS, valid(credit_limit="9999999999999.99"))
    assert response.status_code == 201, response.json()
    assert response.json()["credit_limit"] == "9999999999999.99"
    listed = api.get(CUSTOMERS).json()["results"][0]
    assert listed["credit_limit"] == "9999999999999.99"


def test_money_beyond_what_every_database_keeps_exactly_is_refused(api, classes):
    """SQLite keeps 15 significant digits: more would be changed, or be unreadable."""
    response = api.post(CUSTOMERS, valid(credit_limit="9999999999999999.99"))
    assert_error(
        response, 422, "validation_error", field="credit_limit", says="15 significant digits"
    )
    assert api.get(CUSTOMERS).json()["count"] == 0


def test_huge_integers_are_refused(api, classes):
    response = api.post(CUSTOMERS, valid(employees=10**30, credit_days=2**70))
    body = assert_error(response, 422, "validation_error")
    assert {"employees", "credit_days"} <= set(body["errors"])


@pytest.mark.parametrize(("field", "length"), [("name", 200), ("short_name", 100), ("code", 30)])
def test_over_long_strings_are_refused(api, classes, field, length):
    response = api.post(CUSTOMERS, valid(**{field: "长" * (length + 1)}))
    assert_error(
        response, 422, "validation_error", field=field, says=f"at most {length} characters"
    )


def test_nul_characters_in_the_body_are_refused(api, classes):
    response = api.post(CUSTOMERS, valid(name="甲\x00公司", contacts=[{"name": "张\x00三"}]))
    body = assert_error(response, 422, "validation_error", field="name", says="NUL")
    assert "contacts.0.name" in body["errors"]


def test_nul_characters_in_nested_values_are_refused(api, classes):
    response = api.post(CUSTOMERS, valid(tags=["ok", "b\x00d"], user_fields={"k\x00": "v"}))
    body = assert_error(response, 422, "validation_error", field="tags", says="NUL")
    assert "user_fields" in body["errors"]


def test_lone_surrogates_are_refused(api, classes):
    response = api.post(CUSTOMERS, '{"code": "E1", "name": "bad \\ud800", "class_code": "0101"}')
    assert_error(response, 422, "validation_error", field="name", says="invalid characters")


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/customers?q=%00",
        "/api/v1/customers?class_code=01%00",
        "/api/v1/classes?q=a%00b",
        "/api/v1/industries?q=%00",
        "/api/v1/tags?q=%00",
    ],
)
def test_nul_characters_in_the_query_are_refused(api, db, url):
    response = api.get(url)
    body = assert_error(response, 422, "validation_error")
    assert any("NUL" in m for messages in body["errors"].values() for m in messages)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/customers/by-code/A%00B",
        "/api/v1/classes/by-code/%00",
        "/api/v1/currencies/by-code/%00",
    ],
)
def test_nul_characters_in_the_path_are_refused(api, db, url):
    assert_error(api.get(url), 422, "validation_error", field="code", says="NUL")


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/customers/99999999999999999999",
        "/api/v1/customers/9223372036854775808",
        "/api/v1/classes/99999999999999999999",
        "/api/v1/customers/1/contacts/99999999999999999999",
    ],
)
def test_out_of_range_ids_are_422(api, db, url):
    body = assert_error(api.get(url), 422, "validation_error")
    assert set(body["errors"]) <= {"id", "child_id"}


@pytest.mark.parametrize("url", ["/api/v1/customers/0", "/api/v1/customers/-1"])
def test_ids_below_one_are_422(api, db, url):
    assert_error(api.get(url), 422, "validation_error", field="id", says="greater than")


def test_non_numeric_id_is_422(api, db):
    assert_error(api.get("/api/v1/customers/abc"), 422, "validation_error", field="id")


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/customers/9223372036854775807",
        "/api/v1/customers/424242",
        "/api/v1/classes/424242",
        "/api/v1/industries/424242",
        "/api/v1/user-fields/424242",
        "/api/v1/customers/by-code/NOPE",
        "/api/v1/regions/by-code/99",
    ],
)
def test_unknown_ids_and_codes_are_404(api, db, url):
    assert_error(api.get(url), 404, "not_found", says="does not exist")


@pytest.mark.parametrize("url", ["/api/v1/nothing-here", "/api/v1/customers/", "/api/v1/me/x"])
def test_unknown_paths_are_a_json_404(anonymous_api, db, url):
    assert_error(anonymous_api.get(url), 404, "not_found", says="no such path")


def test_404_names_what_was_missing(api, db):
    body = assert_error(api.get("/api/v1/customers/424242"), 404, "not_found")
    assert body["message"] == "Customer 424242 does not exist."


def test_write_to_unknown_id_is_404(api, classes):
    assert_error(api.patch("/api/v1/customers/424242", {"name": "x"}), 404, "not_found")
    assert_error(api.delete("/api/v1/customers/424242"), 404, "not_found")
    assert_error(api.post("/api/v1/customers/424242/contacts", {"name": "x"}), 404, "not_found")


def test_several_problems_are_reported_at_once(api, classes):
    factories.customer(code="DUP")
    response = api.post(
        CUSTOMERS,
        valid(code="DUP2", class_code="01", email="not-an-email", credit_code="123"),
    )
    body = assert_error(response, 422, "validation_error")
    assert {"class_code", "email", "credit_code"} <= set(body["errors"])


def test_query_parameters_are_parsed_from_text(api, classes):
    """Unlike a JSON body, a query string carries numbers and booleans as text."""
    response = api.get("/api/v1/classes?is_leaf=true&level=2&page=1&page_size=10")
    assert response.status_code == 200
    assert [n["code"] for n in response.json()["results"]] == ["0101", "0102"]


def test_a_method_the_path_does_not_accept_is_a_json_405(api):
    response = api.put("/api/v1/customers")
    assert response.status_code == 405
    body = response.json()
    assert body["code"] == "method_not_allowed"
    assert "PUT" in body["message"] and "GET" in response["Allow"]


def test_a_bank_account_given_twice_in_one_create_is_an_error_on_its_number(api, classes):
    account = {"bank_name": "中国银行", "account_number": "6222 1"}
    response = api.post(
        "/api/v1/customers",
        {"code": "B1", "name": "银行", "class_code": "0101", "bank_accounts": [account] * 2},
    )
    assert response.status_code == 422
    assert "twice" in response.json()["errors"]["bank_accounts.1.account_number"][0]


def test_chinese_text_is_sent_as_utf8_characters(api, classes):
    response = api.get("/api/v1/classes/by-code/0101")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "分类0101".encode() in response.content
