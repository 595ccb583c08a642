"""Paging the customer list by cursors (SPEC §3, "page through results of any size"): every
ordering walks the whole list forward and back without repeating or skipping a customer,
with ties and empty values, and a cursor that does not fit is a 422 on `cursor`."""

import base64
import json
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kehu.customers.filters import ORDERING_FIELDS
from tests import factories
from tests.api.asserts import assert_error

CUSTOMERS = "/api/v1/customers"


def get(api, **params):
    response = api.get(f"{CUSTOMERS}?{urlencode(params)}")
    assert response.status_code == 200, response.json()
    return response.json()


def codes(page):
    return [row["code"] for row in page["results"]]


def follow(api, link):
    response = api.get(link.removeprefix("http://testserver"))
    assert response.status_code == 200, response.json()
    return response.json()


@pytest.fixture
def archive(classes):
    """Eleven customers with equal and empty values in the sorted columns."""
    factories.region_tree("31", "32")
    rows = [
        ("K01", "0101", "31", "100", None),
        ("K02", "0101", None, "100", None),
        ("K03", "0102", "32", None, "2024-01-01"),
        ("K04", "02", "31", "50", None),
        ("K05", "02", None, None, "2024-02-01"),
        ("K06", "0101", "32", "100", "2024-01-01"),
        ("K07", "0102", None, "0", None),
        ("K08", "02", "31", None, None),
        ("K09", "0101", "32", "50", "2024-03-01"),
        ("K10", "0102", None, "100", None),
        ("K11", "02", "31", "300", None),
    ]
    for code, class_code, region, limit, deactivated in rows:
        factories.customer(
            class_code,
            code=code,
            name=f"游标客户{code}",
            short_name="同名" if code in ("K02", "K05", "K09") else "",
            region_code=region,
            credit_limit=limit,
            deactivated_on=deactivated,
            credit_grade="AA" if code in ("K01", "K04") else None,
        )


@pytest.mark.parametrize("ordering", [*ORDERING_FIELDS, *(f"-{f}" for f in ORDERING_FIELDS)])
def test_cursors_walk_every_ordering_forward_and_back(api, archive, ordering):
    expected = codes(get(api, ordering=ordering, page_size=500))
    assert len(expected) == 11

    page = get(api, ordering=ordering, page_size=3, q="游标")
    walked = codes(page)
    assert page["previous"] is None
    while page["next"]:
        page = follow(api, page["next"])
        assert page["page"] is None and page["count"] == 11
        walked += codes(page)
    assert walked == expected

    back = codes(page)
    while page["previous"]:
        page = follow(api, page["previous"])
        back = codes(page) + back
    assert back == expected


def test_page_numbers_still_work_and_lead_on_to_cursors(api, archive):
    second = get(api, page=2, page_size=4)
    assert (second["page"], codes(second)) == (2, ["K05", "K06", "K07", "K08"])

    third = follow(api, second["next"])
    assert codes(third) == ["K09", "K10", "K11"] and third["next"] is None
    first = follow(api, second["previous"])
    assert codes(first) == ["K01", "K02", "K03", "K04"] and first["previous"] is None
    assert "page=" not in second["next"] and "page_size=4" in second["next"]


def test_a_cursor_goes_on_with_the_filters_it_was_made_with(api, archive):
    page = get(api, status="active", page_size=2)
    assert codes(page) == ["K01", "K02"]
    assert codes(follow(api, page["next"])) == ["K04", "K07"]
    # the same cursor with the next_cursor value, as a client keeping only the token would
    again = get(api, status="active", page_size=2, cursor=page["next_cursor"])
    assert codes(again) == ["K04", "K07"]


def test_a_cursor_page_costs_the_same_queries_as_a_numbered_page(api, archive):
    first = get(api, page_size=2)
    with CaptureQueriesContext(connection) as numbered:
        get(api, page_size=2, page=2)
    with CaptureQueriesContext(connection) as by_cursor:
        get(api, page_size=2, cursor=first["next_cursor"])
    assert len(by_cursor) == len(numbered)


def _token(data) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage!",
        "x",
        _token("just a string"),
        _token({"o": ["code", "pk"], "d": "next"}),
        _token({"o": ["name", "pk"], "d": "next", "v": ["a", 1]}),  # another ordering
        _token({"o": ["code", "pk"], "d": "sideways", "v": ["K01", 1]}),
        _token({"o": ["code", "pk"], "d": "next", "v": ["K01"]}),
        _token({"o": ["code", "pk"], "d": "next", "v": ["K01", None]}),
        _token({"o": ["code", "pk"], "d": "next", "v": None}),
        _token({"o": ["code", "pk"], "d": "next", "v": ["K01", "x"]}),
        _token({"o": ["code", "pk"], "d": "next", "v": ["K01", 2**70]}),
        _token({"o": ["code", "pk"], "d": "next", "v": ["K01", True]}),
        _token({"o": ["code", "pk"], "d": "next", "v": [["K01"], 1]}),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    ],
)
def test_a_cursor_that_does_not_fit_is_422_on_cursor(api, archive, cursor):
    assert_error(
        api.get(f"{CUSTOMERS}?{urlencode({'cursor': cursor})}"),
        422,
        "validation_error",
        field="cursor",
    )


@pytest.mark.parametrize(
    ("ordering", "value"),
    [
        ("credit_limit", "abc"),
        ("credit_limit", "NaN"),
        ("credit_limit", "1e999999"),
        ("created_at", "yesterday"),
        ("status", "2024-13-45"),
        ("credit_grade", -1),
    ],
)
def test_a_cursor_with_a_value_its_column_cannot_hold_is_422(api, archive, ordering, value):
    cursor = _token({"o": [_column(ordering), "pk"], "d": "next", "v": [value, 1]})
    query = urlencode({"ordering": ordering, "cursor": cursor})
    assert_error(api.get(f"{CUSTOMERS}?{query}"), 422, "validation_error", field="cursor")


def _column(ordering: str) -> str:
    from kehu.customers.filters import _ORDER_COLUMNS

    return _ORDER_COLUMNS[ordering]


def test_a_cursor_from_another_ordering_is_refused(api, archive):
    by_name = get(api, ordering="name", page_size=2)
    assert_error(
        api.get(f"{CUSTOMERS}?{urlencode({'ordering': 'code', 'cursor': by_name['next_cursor']})}"),
        422,
        "validation_error",
        field="cursor",
    )


def test_a_cursor_holds_the_longest_name(api, classes):
    for n in range(3):
        factories.customer(code=f"L{n}", name="长" * 199 + str(n))
    first = get(api, ordering="-name", page_size=1)
    assert codes(first) == ["L2"]
    assert codes(follow(api, first["next"])) == ["L1"]
