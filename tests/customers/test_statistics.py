"""Statistics of the customer list's result (SPEC §3): the web page and the grouping itself."""

import re
from collections import defaultdict
from decimal import Decimal

import pytest
from django.test import Client

from kehu.accounts.services import user_create
from kehu.customers.models import Customer
from kehu.customers.selectors import customers_visible_to
from kehu.customers.statistics import customer_statistics
from kehu.masterdata.models import Department, Industry, Salesperson
from kehu.masterdata.services import coded_item_create
from tests import factories

PASSWORD = "Kehu-stats-2026"
GROUP_CODE = {
    "class": lambda c: c.customer_class.code,
    "region": lambda c: c.region.code if c.region else None,
    "credit_grade": lambda c: c.credit_grade.code if c.credit_grade else None,
    "salesperson": lambda c: c.salesperson.code if c.salesperson else None,
    "department": lambda c: c.department.code if c.department else None,
    "industry": lambda c: c.industry.code if c.industry else None,
    "status": lambda c: "active" if c.is_active else "deactivated",
}


def build_world() -> dict:
    """Six customers over classes 01 (0101, 0102) and 02, regions 31 (3101, 3102) and none,
    two salespeople (S1 with the login ``sales1``), with credit limits and balances.

    ==== ===== ====== ===== ===== ======= ======= ===========
    code class region sales grade limit   balance status
    ==== ===== ====== ===== ===== ======= ======= ===========
    A1   0101  3101   S1    AA    1000.50 200.00  active
    A2   0101  3102   S1    -     -       0       active
    B1   0102  3101   S2    A     300.00  50.25   active
    C1   02    -      S2    AA    700.00  0       deactivated
    C2   02    -      -     -     -       10.00   active
    D1   0102  3102   S1    A     5.00    1.00    active
    ==== ===== ====== ===== ===== ======= ======= ===========
    """
    factories.class_tree("01", "0101", "0102", "02")
    factories.region_tree("31", "3101", "3102")
    Industry.objects.create(code="IT", name="信息技术")
    for code in ("D1", "D2"):
        coded_item_create(Department, actor=None, data={"code": code, "name": f"部门{code}"})
    seller = user_create(username="sales1", password=PASSWORD, roles=["salesperson"], scope="own")
    admin = user_create(username="boss", password=PASSWORD, roles=["administrator"])
    coded_item_create(
        Salesperson,
        actor=None,
        data={"code": "S1", "name": "王五", "department": "D1", "user": "sales1"},
    )
    coded_item_create(
        Salesperson, actor=None, data={"code": "S2", "name": "赵六", "department": "D2"}
    )
    rows = {
        "A1": ("0101", "3101", "S1", "AA", "1000.50", "200.00", {"industry": "IT"}),
        "A2": ("0101", "3102", "S1", None, None, "0", {"name": "西湖茶业有限公司"}),
        "B1": ("0102", "3101", "S2", "A", "300.00", "50.25", {"name": "西湖建材公司"}),
        "C1": ("02", None, "S2", "AA", "700.00", "0", {"deactivated_on": "2024-01-01"}),
        "C2": ("02", None, None, None, None, "10.00", {}),
        "D1": ("0102", "3102", "S1", "A", "5.00", "1.00", {"department": "D2"}),
    }
    for code, (klass, region, sales, grade, limit, balance, extra) in rows.items():
        data = {"code": code, **extra}
        for key, value in (
            ("region_code", region),
            ("salesperson", sales),
            ("credit_grade", grade),
            ("credit_limit", limit),
        ):
            if value is not None:
                data[key] = value
        factories.customer(klass, **data)
        # The balance is kept by the sales documents; set it directly for the test.
        Customer.objects.filter(code=code).update(receivable_balance=Decimal(balance))
    return {"admin": admin, "seller": seller}


@pytest.fixture
def world(db):
    return build_world()


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def expected_groups(codes, group_by: str) -> dict:
    """{group code: (count, credit limit sum, balance sum)} computed row by row in Python."""
    groups = defaultdict(lambda: [0, Decimal("0"), Decimal("0")])
    for customer in Customer.objects.filter(code__in=codes):
        group = groups[GROUP_CODE[group_by](customer)]
        group[0] += 1
        group[1] += customer.credit_limit or Decimal("0")
        group[2] += customer.receivable_balance
    return {key: tuple(value) for key, value in groups.items()}


def page_rows(page: str) -> dict:
    """{group code or None: (count, limit, balance)} read from the statistics table."""
    body = page.split("<tbody>")[1].split("</tbody>")[0]
    rows = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        cells = [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        code = cells[0] or None
        money = [Decimal(cells[i].replace(",", "")) for i in (4, 5)]
        rows[code] = (int(cells[2]), *money)
    return rows


def list_codes(client, query: str) -> list[str]:
    page = client.get(f"/customers/?{query}").content.decode()
    return re.findall(r'<td class="code">([^<]+)</td>', page)


@pytest.mark.parametrize(
    ("query", "group_by"),
    [
        ("", "class"),
        ("", "region"),
        ("class_code=01", "credit_grade"),
        ("q=西湖", "salesperson"),
        ("status=active", "department"),
        ("status=active&class_code=01", "industry"),
        ("salesperson=S2", "status"),
        ("region_code=31&ordering=-name", "class"),
    ],
)
def test_the_page_counts_and_sums_exactly_the_customers_of_the_list(world, query, group_by):
    client = browser(world["admin"])
    codes = list_codes(client, query)
    assert codes  # every condition finds someone

    response = client.get(f"/customers/statistics/?{query}&group_by={group_by}")

    assert response.status_code == 200
    assert page_rows(response.content.decode()) == expected_groups(codes, group_by)


def test_groups_in_code_order_with_not_set_last_and_a_total(world):
    result = customer_statistics(customers_visible_to(world["admin"]), "region")

    assert [(g.code, g.name, g.count) for g in result.groups] == [
        ("3101", "地区3101", 2),
        ("3102", "地区3102", 2),
        (None, "Not set", 2),
    ]
    assert result.groups[0].credit_limit == Decimal("1300.50")
    assert result.groups[0].receivable_balance == Decimal("250.25")
    assert result.groups[0].share == Decimal("33.3")
    assert (result.total.count, result.total.credit_limit) == (6, Decimal("2005.50"))
    assert result.total.receivable_balance == Decimal("261.25")


def test_a_tree_rolls_up_to_the_chosen_level(world):
    queryset = customers_visible_to(world["admin"])

    top = customer_statistics(queryset, "class", level=1)
    regions = customer_statistics(queryset, "region", level=1)
    leaves = customer_statistics(queryset, "class", level=2)

    assert [(g.code, g.name, g.count) for g in top.groups] == [
        ("01", "分类01", 4),
        ("02", "分类02", 2),
    ]
    assert top.groups[0].credit_limit == Decimal("1305.50")
    assert [(g.code, g.count) for g in regions.groups] == [("31", 4), (None, 2)]
    # A customer on a level-1 leaf (02) stays in its own group at a deeper level.
    assert [(g.code, g.count) for g in leaves.groups] == [("0101", 2), ("0102", 2), ("02", 2)]


def test_the_page_rolls_up_by_level(world):
    page = browser(world["admin"]).get("/customers/statistics/?group_by=class&level=1")

    assert page.status_code == 200
    rows = page_rows(page.content.decode())
    assert rows == {
        "01": (4, Decimal("1305.50"), Decimal("251.25")),
        "02": (2, Decimal("700.00"), Decimal("10.00")),
    }


def test_a_salesperson_counts_only_their_customers(world):
    page = browser(world["seller"]).get("/customers/statistics/?group_by=class").content.decode()

    assert page_rows(page) == expected_groups(["A1", "A2", "D1"], "class")
    assert "分类02" not in page


def test_one_aggregate_query(world, django_assert_max_num_queries):
    queryset = customers_visible_to(world["admin"])
    for group_by in ("class", "region", "credit_grade", "salesperson", "status"):
        with django_assert_max_num_queries(1):
            customer_statistics(queryset, group_by)
    customer_statistics(queryset, "class", level=1)  # reads the coding scheme once
    with django_assert_max_num_queries(2):  # the scheme and the aggregate
        customer_statistics(queryset, "region", level=1)


def test_the_page_draws_one_bar_per_group(world):
    page = browser(world["admin"]).get("/customers/statistics/?group_by=region").content.decode()

    svg = re.search(r"<svg[^>]*>(.*?)</svg>", page, re.S)
    assert svg is not None
    bars = re.findall(r'<rect class="(stat-bar[^"]*)"[^>]*width="(\d+)"', svg.group(1))
    # 3101, 3102 and "not set" have two customers each: three bars of the same length.
    assert [css for css, _width in bars] == ["stat-bar", "stat-bar", "stat-bar stat-bar-none"]
    assert len({width for _css, width in bars}) == 1
    assert "style=" not in page and "<script>" not in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("group_by=colour", "Group by: this value is not valid."),
        ("group_by=salesperson&level=1", "A level applies to the class and region trees only."),
        ("group_by=class&level=7", "The tree has 3 levels: choose 1 to 3."),
        ("group_by=class&level=x", "Tree level: this value is not valid."),
    ],
)
def test_a_bad_grouping_shows_the_reason(world, query, message):
    response = browser(world["admin"]).get(f"/customers/statistics/?{query}")

    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert "<svg" not in page


def test_the_page_speaks_chinese(world, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    client = browser(world["admin"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"

    page = client.get("/customers/statistics/?group_by=status").content.decode()

    assert 'lang="zh-hans"' in page
    assert "<td>启用</td>" in page and "<td>已停用</td>" in page
    assert "返回列表" in page


def test_the_list_links_to_the_statistics_of_its_conditions(world):
    page = browser(world["admin"]).get("/customers/?class_code=01&q=%E8%A5%BF%E6%B9%96")
    link = re.search(r'<a class="statistics-link" href="([^"]+)"', page.content.decode())

    assert link is not None
    url = link.group(1).replace("&amp;", "&")
    assert url.startswith("/customers/statistics/?")
    response = browser(world["admin"]).get(url)
    assert page_rows(response.content.decode()) == expected_groups(["A2", "B1"], "class")
