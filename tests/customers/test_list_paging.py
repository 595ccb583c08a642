"""Paging the main screen's list (SPEC §3): numbered pages near the start, previous / next /
last links by cursor that go as deep as the list goes."""

import html
import re

import pytest

from kehu.customers.views import list as list_view
from tests import factories

LIST = "/customers/"


@pytest.fixture
def small_pages(monkeypatch):
    """Pages of 3 rows, numbered links to page 2 only: a deep list with few customers."""
    monkeypatch.setattr(list_view, "PAGE_SIZE", 3)
    monkeypatch.setattr(list_view, "NUMBERED_PAGES", 2)


@pytest.fixture
def archive(db, small_pages):
    factories.class_tree("01", "0101")
    for n in range(1, 12):
        factories.customer("0101", code=f"P{n:02d}", name=f"分页客户{n}")


@pytest.fixture
def logged_in(client, admin_user):
    client.force_login(admin_user)
    return client


def row_codes(response) -> list[str]:
    return re.findall(r'<td class="code">([^<]+)</td>', response.content.decode())


def link(response, css_class: str) -> str | None:
    match = re.search(rf'<a class="{css_class}"[^>]*href="([^"]+)"', response.content.decode())
    return LIST + html.unescape(match.group(1)) if match else None


def numbered(response) -> list[str]:
    nav = re.search(r'<nav class="pages".*?</nav>', response.content.decode(), re.S).group(0)
    return re.findall(r">(\d+|…)</(?:a|span)>", nav)


def test_next_and_previous_walk_the_whole_list(logged_in, archive):
    page = logged_in.get(LIST)
    seen = row_codes(page)
    assert link(page, "previous") is None
    while link(page, "next"):
        page = logged_in.get(link(page, "next"))
        assert "11 customers" in page.content.decode()
        seen += row_codes(page)
    assert seen == [f"P{n:02d}" for n in range(1, 12)]

    back = row_codes(page)
    while link(page, "previous"):
        page = logged_in.get(link(page, "previous"))
        back = row_codes(page) + back
    assert back == seen


def test_last_goes_to_the_last_page_as_page_numbers_cut_it(logged_in, archive):
    first = logged_in.get(LIST)
    assert numbered(first) == ["1", "2", "…"]  # pages 3 and 4 go by cursor only

    last = logged_in.get(link(first, "last"))
    assert row_codes(last) == ["P10", "P11"]
    assert link(last, "next") is None and link(last, "last") is None
    assert row_codes(logged_in.get(link(last, "previous"))) == ["P07", "P08", "P09"]


def test_cursor_links_keep_the_conditions_and_the_order(logged_in, archive):
    page = logged_in.get(LIST, {"ordering": "-code", "q": "分页"})
    page = logged_in.get(link(page, "next"))
    assert row_codes(page) == ["P08", "P07", "P06"]
    assert "ordering=-code" in link(page, "next") and "q=" in link(page, "next")


def test_a_page_number_still_works(logged_in, archive):
    second = logged_in.get(LIST, {"page": 2})
    assert row_codes(second) == ["P04", "P05", "P06"]
    assert row_codes(logged_in.get(link(second, "next"))) == ["P07", "P08", "P09"]
    assert 'href="?page=1"' in second.content.decode()


@pytest.mark.parametrize("cursor", ["nonsense", "eyJvIjpbXX0"])
def test_a_bad_cursor_shows_the_first_page_with_a_message(logged_in, archive, cursor):
    response = logged_in.get(LIST, {"cursor": cursor})
    assert response.status_code == 200
    assert row_codes(response) == ["P01", "P02", "P03"]
    assert "The page link does not fit these conditions" in response.content.decode()


def test_a_cursor_from_another_ordering_shows_the_first_page(logged_in, archive):
    by_name = logged_in.get(LIST, {"ordering": "name"})
    cursor = re.search(r"cursor=([^&\"]+)", link(by_name, "next")).group(1)
    response = logged_in.get(LIST, {"ordering": "code", "cursor": cursor})
    assert row_codes(response) == ["P01", "P02", "P03"]


def test_a_long_list_is_counted_only_so_far_and_still_walks_to_its_end(
    logged_in, archive, monkeypatch
):
    """Beyond COUNT_LIMIT rows the list says "more than" instead of counting a million
    customers on every page; next / last still reach every row."""
    monkeypatch.setattr(list_view, "COUNT_LIMIT", 5)
    page = logged_in.get(LIST)
    text = page.content.decode()
    assert "More than 5 customers" in text and "11 customers" not in text
    seen = row_codes(page)
    while link(page, "next"):
        page = logged_in.get(link(page, "next"))
        seen += row_codes(page)
    assert seen == [f"P{n:02d}" for n in range(1, 12)]
    last = logged_in.get(link(logged_in.get(LIST), "last"))
    assert row_codes(last) == ["P09", "P10", "P11"]


def test_a_list_within_the_limit_is_counted_exactly(logged_in, archive, monkeypatch):
    monkeypatch.setattr(list_view, "COUNT_LIMIT", 11)
    text = logged_in.get(LIST).content.decode()
    assert "11 customers" in text and "More than" not in text
