"""The main screen (SPEC §10): the class tree with subtree counts and the customer list."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kehu.accounts.services import user_create
from kehu.customers.views import list as list_view
from kehu.masterdata.models import Salesperson
from kehu.masterdata.services import coded_item_create
from tests import factories

LIST = "/customers/"


@pytest.fixture
def archive(db):
    """Classes 01 → 0101, 0102 and 02; four customers, one of them deactivated."""
    factories.class_tree("01", "0101", "0102", "02")
    factories.region_tree("31", "3101")
    coded_item_create(Salesperson, actor=None, data={"code": "S1", "name": "王五"})
    factories.customer(
        "0101",
        code="A1",
        name="上海泰锐家居有限公司",
        short_name="泰锐家居",
        region_code="3101",
        salesperson="S1",
        credit_grade="AA",
        credit_limit="300000",
    )
    factories.customer("0102", code="A2", name="杭州西湖茶业有限公司", credit_limit="100")
    factories.customer("02", code="B1", name="南京钟山建材公司", credit_grade="B")
    factories.customer("02", code="B2", name="深圳停用公司", deactivated_on="2024-01-01")


@pytest.fixture
def logged_in(client, admin_user):
    client.force_login(admin_user)
    return client


def row_codes(response) -> list[str]:
    """The customer codes of the list, in the order shown."""
    return re.findall(r'<td class="code">([^<]+)</td>', response.content.decode())


def tree_counts(response) -> dict[str, int]:
    html = response.content.decode()
    pattern = r'data-code="([^"]+)".*?<span class="count">(\d+)</span>'
    return {code: int(n) for code, n in re.findall(pattern, html, flags=re.S)}


def test_an_anonymous_visitor_is_sent_to_the_login_page(client, db):
    response = client.get(LIST)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/customers/"


def test_the_root_opens_the_main_screen(logged_in):
    assert logged_in.get("/")["Location"] == "/customers/"


def test_a_user_without_the_view_permission_is_refused(client, db):
    user = user_create(username="nobody", password="Kehu-user-2026")
    client.force_login(user)

    response = client.get(LIST)

    assert response.status_code == 403
    assert "Access denied" in response.content.decode()


def test_a_salesperson_sees_the_list_of_their_own_customers(client, archive):
    user = user_create(username="li", password="Kehu-user-2026", roles=["salesperson"])
    Salesperson.objects.filter(code="S1").update(user=user)
    client.force_login(user)

    response = client.get(LIST)

    assert response.status_code == 200
    assert row_codes(response) == ["A1"]


def test_the_list_shows_the_customers_and_their_references(logged_in, archive):
    response = logged_in.get(LIST)
    html = response.content.decode()

    assert row_codes(response) == ["A1", "A2", "B1", "B2"]
    assert "上海泰锐家居有限公司" in html and "泰锐家居" in html
    assert "地区3101" in html and "王五" in html and "300,000.00" in html
    assert "4 customers" in html
    assert "admin" in html  # the user's name in the header


def test_the_keyword_finds_a_customer_by_its_pinyin_initials(logged_in, archive):
    response = logged_in.get(LIST, {"q": "trjj"})

    assert row_codes(response) == ["A1"]
    assert 'value="trjj"' in response.content.decode()


def test_the_keyword_finds_a_fragment_of_a_chinese_name(logged_in, archive):
    assert row_codes(logged_in.get(LIST, {"q": "西湖"})) == ["A2"]


def test_a_class_narrows_the_list_to_its_subtree_and_is_highlighted(logged_in, archive):
    response = logged_in.get(LIST, {"class_code": "01"})
    html = response.content.decode()

    assert row_codes(response) == ["A1", "A2"]
    assert re.search(r'class="tree-node level-2 selected" href="[^"]*" data-code="01"', html)
    assert row_codes(logged_in.get(LIST, {"class_code": "0102"})) == ["A2"]


def test_the_tree_counts_include_the_subtree(logged_in, archive):
    counts = tree_counts(logged_in.get(LIST))

    assert counts == {"01": 2, "0101": 1, "0102": 1, "02": 2}


def test_a_large_archive_shows_the_tree_without_counts(logged_in, archive, monkeypatch):
    """Grouping every visible customer on each page view is what a large archive cannot
    afford: past TREE_COUNT_LIMIT the tree links its classes without counts."""
    monkeypatch.setattr(list_view, "TREE_COUNT_LIMIT", 3)
    html = logged_in.get(LIST).content.decode()
    assert 'data-code="0101"' in html and '<span class="count">' not in html
    monkeypatch.setattr(list_view, "TREE_COUNT_LIMIT", 4)
    assert tree_counts(logged_in.get(LIST))["01"] == 2


def test_the_status_filter(logged_in, archive):
    assert row_codes(logged_in.get(LIST, {"status": "active"})) == ["A1", "A2", "B1"]
    assert row_codes(logged_in.get(LIST, {"status": "deactivated"})) == ["B2"]


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("-code", ["B2", "B1", "A2", "A1"]),
        ("name", ["A1", "B1", "A2", "B2"]),
        ("credit_limit", ["A2", "A1", "B1", "B2"]),
        ("-credit_limit", ["A1", "A2", "B1", "B2"]),
        ("credit_grade", ["A1", "B1", "A2", "B2"]),
        ("-status", ["B2", "A1", "A2", "B1"]),
        ("region_code", ["A1", "A2", "B1", "B2"]),
    ],
)
def test_sorting_by_a_column(logged_in, archive, ordering, expected):
    assert row_codes(logged_in.get(LIST, {"ordering": ordering})) == expected


def test_a_column_heading_sorts_and_a_second_click_reverses(logged_in, archive):
    html = logged_in.get(LIST, {"class_code": "01"}).content.decode()
    link = re.search(r'<a href="([^"]*ordering=name[^"]*)" class="sort"', html).group(1)
    assert "class_code=01" in link

    sorted_html = logged_in.get(LIST + link.replace("&amp;", "&")).content.decode()
    assert 'aria-sort="ascending"' in sorted_html
    assert "ordering=-name" in sorted_html


def test_paging_50_rows_a_page(logged_in, db):
    factories.class_tree("01", "0101")
    for n in range(1, 56):
        factories.customer("0101", code=f"P{n:03d}", name=f"分页客户{n}")

    first = logged_in.get(LIST)
    second = logged_in.get(LIST, {"page": 2})

    assert len(row_codes(first)) == 50 and row_codes(first)[0] == "P001"
    assert row_codes(second) == [f"P{n:03d}" for n in range(51, 56)]
    assert 'href="?page=2"' in first.content.decode()
    assert "55 customers" in second.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        {"ordering": "tags"},
        {"status": "gone"},
        {"q": "x" * 500},
        {"q": "bad\x00text"},
        {"page": "abc"},
        {"page": "99999"},
        {"class_code": "nope"},
    ],
)
def test_bad_parameters_never_fail_the_page(logged_in, archive, query):
    response = logged_in.get(LIST, query)

    assert response.status_code == 200
    if "page" not in query and "class_code" not in query:
        assert "not valid and was ignored" in response.content.decode()
        assert row_codes(response)  # the rest of the query still applies


def test_the_query_count_does_not_grow_with_the_rows(logged_in, db):
    factories.class_tree("01", "0101", "0102")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = logged_in.get(LIST)
        assert response.status_code == 200
        return len(captured)

    for _ in range(5):
        factories.customer("0101", credit_grade="A")
    few = queries()
    for _ in range(35):
        factories.customer("0102", region_code=None)
    assert len(row_codes(logged_in.get(LIST))) == 40
    assert queries() == few
