"""A short keyword together with conditions on the class, the region or the credit grade
(kehu/customers/search.py, migration customers/0010): the index of one- and two-character
keywords also holds a word for each of them, so that it answers their intersection at once.
The customers found are exactly those a plain scan finds, on both databases, and the words
follow every change of a customer's class, region or grade, whatever writes it."""

import itertools
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kehu.core import keyset
from kehu.customers import search
from kehu.customers.filters import CustomerFilter
from kehu.customers.models import Customer
from kehu.customers.search import keyword_condition
from kehu.customers.services import customer_update
from kehu.masterdata.models import CreditGrade, CustomerClass, Region
from tests import factories

# code, class, region, credit grade, name
ROWS = [
    ("P1", "0101", "3101", "AA", "上海泰锐家居有限公司"),
    ("P2", "0102", "3101", "B", "杭州泰山茶业有限公司"),
    ("P3", "02", "32", "AA", "南京泰和建材公司"),
    ("P4", "0101", "32", None, "苏州锐达机械公司"),
    ("P5", "0101", None, "AA", "泰州锐利贸易公司"),
    ("P6", "02", "3101", "B", "Clsgrd Trading Ltd"),
]
# One and two characters (the facet path), letters that the facet words are made of, and
# three characters (the trigram path, which takes no facet words).
KEYWORDS = ["泰", "锐", "公司", "tr", "c", "cl", "ls", "gr", "rd", "1", "泰锐家"]
CLASSES = [[], ["01"], ["0101"], ["0102", "02"]]
REGIONS = [[], ["31"], ["32"]]
GRADES = [[], ["AA"], ["AA", "B"]]


@pytest.fixture
def archive(db):
    factories.class_tree("01", "0101", "0102", "02")
    factories.region_tree("31", "3101", "32")
    for code, class_code, region, grade, name in ROWS:
        data = {"code": code, "name": name}
        if region:
            data["region_code"] = region
        if grade:
            data["credit_grade"] = grade
        factories.customer(class_code, **data)


def _found(**conditions) -> list[str]:
    queryset = CustomerFilter(**conditions).apply(Customer.objects.all())
    return sorted(queryset.values_list("code", flat=True))


def _scanned(keyword, class_code=(), region_code=(), credit_grade=()) -> list[str]:
    """What a plain LIKE scan finds, with the conditions as joins: the reference."""
    queryset = Customer.objects.filter(search._scan(keyword))
    if class_code:
        queryset = queryset.filter(customer_class__code__regex="^(" + "|".join(class_code) + ")")
    if region_code:
        queryset = queryset.filter(region__code__regex="^(" + "|".join(region_code) + ")")
    if credit_grade:
        queryset = queryset.filter(credit_grade__code__in=credit_grade)
    return sorted(queryset.values_list("code", flat=True))


def test_a_short_keyword_with_conditions_finds_what_a_scan_finds(archive):
    checked = 0
    for keyword, classes, regions, grades in itertools.product(KEYWORDS, CLASSES, REGIONS, GRADES):
        expected = _scanned(keyword, classes, regions, grades)
        assert _found(q=keyword, class_code=classes, region_code=regions, credit_grade=grades) == (
            expected
        ), (keyword, classes, regions, grades)
        checked += bool(expected)
    # the combinations are not all empty: the test compares real answers
    assert checked > 50


def test_the_facet_words_are_never_found_as_keywords(archive):
    """The words are three characters or more; keywords that are parts of them find only the
    customers whose own texts hold them."""
    assert _found(q="cl") == ["P6"]
    assert _found(q="gr") == ["P6"]
    assert _found(q="ls", credit_grade=["B"]) == ["P6"]
    assert _found(q="rd", credit_grade=["AA"]) == []


def test_a_condition_with_many_ids_is_left_to_its_own_index(archive, monkeypatch):
    monkeypatch.setattr(search, "MAX_FACET_IDS", 1)
    assert _found(q="泰", class_code=["01"], credit_grade=["AA"]) == ["P1", "P5"]
    assert _found(q="锐", class_code=["0101"]) == ["P1", "P4", "P5"]


def test_an_unknown_code_finds_nothing(archive):
    assert _found(q="泰", class_code=["09"]) == []
    assert _found(q="泰", credit_grade=["AA"], region_code=["99"]) == []


def test_the_words_follow_a_change_of_class_region_and_grade(archive):
    p4 = Customer.objects.get(code="P4")
    assert _found(q="锐", class_code=["02"]) == []
    customer_update(
        actor=None,
        customer=p4,
        data={"class_code": "02", "region_code": "3101", "credit_grade": "B"},
    )
    assert _found(q="锐", class_code=["02"]) == ["P4"]
    assert _found(q="锐", class_code=["0101"]) == ["P1", "P5"]
    assert _found(q="锐", region_code=["3101"], credit_grade=["B"]) == ["P4"]
    assert _found(q="锐", credit_grade=["AA"]) == ["P1", "P5"]

    # a write that no service makes: the database keeps the words all the same
    Customer.objects.filter(code="P4").update(
        customer_class=CustomerClass.objects.get(code="0102"),
        region=Region.objects.get(code="32"),
        credit_grade=CreditGrade.objects.get(code="AA"),
    )
    assert _found(q="锐", class_code=["0102"], region_code=["32"], credit_grade=["AA"]) == ["P4"]
    assert _found(q="锐", class_code=["02"]) == []
    Customer.objects.filter(code="P4").update(region=None, credit_grade=None)
    assert _found(q="锐", region_code=["32"]) == []
    assert _found(q="锐", credit_grade=["AA"]) == ["P1", "P5"]
    assert _found(q="锐", class_code=["0102"]) == ["P4"]


def test_renaming_a_class_changes_nothing_in_the_answers(archive):
    """The words hold ids: a class whose code changes needs no reindexing."""
    CustomerClass.objects.filter(code="02").update(name="改名分类")
    assert _found(q="泰", class_code=["02"]) == ["P3"]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's grams table")
def test_sqlite_asks_the_grams_table_for_one_word_per_condition(archive):
    """On SQLite a subtree is the word of its top (its ancestors' words are in every
    document), and a subtree with a grade is the word of the pair."""
    grade = CreditGrade.objects.get(code="AA").pk
    top, leaf, other = (CustomerClass.objects.get(code=c).pk for c in ("01", "0101", "02"))
    region = Region.objects.get(code="31").pk

    def match(**conditions):
        queryset = CustomerFilter(**conditions).apply(Customer.objects.all())
        sql, params = queryset.query.sql_with_params()
        assert "customers_grams" in sql
        return params[0]

    assert match(q="泰", class_code=["01"], credit_grade=["AA"]) == f'"泰" AND ("c{top}g{grade}")'
    # "0" is the prefix of two level-1 classes: their words, not their children's
    assert match(q="泰", class_code=["0"]) == f'"泰" AND ("cls{top}" OR "cls{other}")'
    assert match(q="泰", class_code=["0101"], region_code=["31"]) == (
        f'"泰" AND ("cls{leaf}") AND ("reg{region}")'
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT document FROM customers_grams WHERE rowid ="
            " (SELECT id FROM customers_customer WHERE code = 'P1')"
        )
        words = set(cursor.fetchone()[0].split())
    assert {f"cls{top}", f"cls{leaf}", f"c{top}g{grade}", f"c{leaf}g{grade}"} <= words


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's GIN index")
def test_postgresql_asks_the_grams_column_for_the_keyword_and_the_words(archive):
    """One expression on the GIN-indexed column holds the keyword and the words (whether
    the planner reads the index for it is a matter of the table's size: the benchmark)."""
    grade = CreditGrade.objects.get(code="AA").pk
    classes = sorted(
        CustomerClass.objects.filter(code__startswith="01").values_list("pk", flat=True)
    )
    queryset = CustomerFilter(q="泰", class_code=["01"], credit_grade=["AA"]).apply(
        Customer.objects.all()
    )
    sql, params = queryset.query.sql_with_params()
    assert "search_grams @> ARRAY[lower(%s), %s]::text[]" in sql
    assert "search_grams && ARRAY[%s, %s, %s]::text[]" in sql
    assert params[:5] == ("泰", f"grd{grade}", *(f"cls{pk}" for pk in classes))


# -- the list as the API pages and counts it (issue 5) ------------------------------------------
#
# On SQLite the keyword's index answers more than the matches: the conditions its words hold
# exactly are not repeated, the count comes from the index alone, and a page sorted by code
# with many matches walks the code index. Each must give what a plain scan gives.

CUSTOMERS = "/api/v1/customers"


def _api_list(api, **params) -> tuple[int, bool, list[str]]:
    """The first page's count and whether it is exact, and the codes of every page (two
    rows a page, following the next cursor)."""
    query = {**params, "page_size": 2}
    codes, first = [], None
    while True:
        response = api.get(f"{CUSTOMERS}?{urlencode(query, doseq=True)}")
        assert response.status_code == 200, response.json()
        data = response.json()
        first = first or data
        codes += [row["code"] for row in data["results"]]
        if not data["next_cursor"]:
            return first["count"], first["count_exact"], codes
        query["cursor"] = data["next_cursor"]


@pytest.fixture(params=["walk", "read by id"])
def page_path(request, monkeypatch):
    """SQLite's two ways to a page sorted by code: forced, whatever the number of matches."""
    monkeypatch.setattr(search, "WALK_RATIO", 0 if request.param == "walk" else 10**9)
    return request.param


@pytest.mark.parametrize("ordering", ["code", "-code", "name"])
def test_the_api_pages_and_counts_what_a_scan_finds(api, archive, page_path, ordering):
    checked = 0
    for keyword, classes, grades in itertools.product(
        ["泰", "锐", "公司", "1", "泰锐家"], CLASSES, GRADES
    ):
        expected = Customer.objects.filter(
            code__in=_scanned(keyword, classes, credit_grade=grades)
        ).order_by(ordering, "pk")
        expected = list(expected.values_list("code", flat=True))
        conditions = {"q": keyword, "class_code": classes, "credit_grade": grades}
        assert _api_list(api, **conditions, ordering=ordering) == (
            len(expected),
            True,
            expected,
        ), conditions
        checked += len(expected) > 2  # more than one page
    assert checked > 10


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's ways to a page")
@pytest.mark.parametrize(("ratio", "walks"), [(0, True), (10**9, False)])
def test_sqlite_walks_the_code_index_only_for_many_matches(archive, monkeypatch, ratio, walks):
    """The test above goes both ways: a page sorted by code walks the index when the
    keyword has at least WALK_RATIO matches per row of the page and no other condition than
    the page's position could discard them; nothing else does."""
    monkeypatch.setattr(search, "WALK_RATIO", ratio)
    queryset = CustomerFilter(q="泰", class_code=["01"]).apply(Customer.objects.all())

    def page(queryset, codes):
        with CaptureQueriesContext(connection) as queries:
            assert list(queryset.values_list("code", flat=True)[:2]) == codes
        return any('+"customers_customer"."id" IN' in q["sql"] for q in queries)

    assert page(queryset, ["P1", "P2"]) == walks
    assert page(queryset.filter(code__gt="P1"), ["P2", "P5"]) == walks  # a next page
    assert page(queryset.reverse(), ["P5", "P2"]) == walks
    assert not page(queryset.order_by("name", "pk"), ["P1", "P2"])
    assert not page(queryset.filter(region__code="3101"), ["P1", "P2"])  # a scope, say
    with CaptureQueriesContext(connection) as queries:
        assert queryset.count() == 3
    assert not any("+" in q["sql"] for q in queries)


def test_the_count_from_the_index_follows_deleted_customers_and_caps(api, archive):
    assert _api_list(api, q="公司")[:2] == (5, True)
    Customer.objects.filter(code__in=["P2", "P3"]).delete()  # no service: the database's own
    assert _api_list(api, q="公司") == (3, True, ["P1", "P4", "P5"])
    assert keyset.count_up_to(Customer.objects.filter(keyword_condition("公司")), 2) == (2, False)
    assert keyset.count_up_to(Customer.objects.filter(keyword_condition("公司")), 3) == (3, True)
    # with another condition (a user's scope, say) the rows themselves are counted
    scoped = Customer.objects.filter(code__in=["P1", "P2", "P5"])
    assert keyset.count_up_to(scoped.filter(keyword_condition("公司")), 10) == (2, True)


def test_a_class_condition_that_is_not_whole_subtrees_is_kept(archive):
    """The word of a class names its whole subtree: "class 01 itself" (which holds no
    customer, its children do) is not "01 and its children", so that condition stays."""
    top, leaf, other = (CustomerClass.objects.get(code=c).pk for c in ("01", "0101", "0102"))

    def filtered(classes):
        keyword, covered = search.keyword_filter("锐", {"customer_class": classes})
        queryset = Customer.objects.filter(keyword)
        if "customer_class" not in covered:
            queryset = queryset.filter(customer_class__in=classes)
        return sorted(queryset.values_list("code", flat=True)), "customer_class" in covered

    assert filtered([top]) == ([], connection.vendor == "postgresql")
    assert filtered([top, leaf]) == (["P1", "P4", "P5"], connection.vendor == "postgresql")
    assert filtered([top, leaf, other]) == (["P1", "P4", "P5"], True)
    assert filtered([leaf]) == (["P1", "P4", "P5"], True)
