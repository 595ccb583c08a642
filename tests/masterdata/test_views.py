"""The master-data pages (SPEC §1): trees, coding schemes and the small lists, through the
same services as the API."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kehu.accounts.services import user_create
from kehu.masterdata.models import (
    CodingScheme,
    CustomerClass,
    Department,
    Industry,
    PaymentTerms,
    Region,
    Salesperson,
)
from kehu.masterdata.services import coded_item_create
from tests import factories

INDEX = "/masterdata/"
CLASSES = "/masterdata/trees/classes/"
REGIONS = "/masterdata/trees/regions/"
SCHEMES = "/masterdata/schemes/"


@pytest.fixture
def logged_in(client, admin_user):
    client.force_login(admin_user)
    return client


def html_of(response) -> str:
    return response.content.decode()


def field_errors(response, name: str) -> list[str]:
    """The messages shown under the field ``name`` of the page's form."""
    return re.findall(
        rf'<p class="field-error" id="id_{name}_error">([^<]*)</p>', html_of(response)
    )


def alerts(response) -> str:
    match = re.search(r'role="alert">(.*?)</div>', html_of(response), flags=re.S)
    return re.sub(r"<[^>]+>", "", match.group(1)).strip() if match else ""


def tree_codes(response) -> list[tuple[str, int]]:
    """(code, level) of every node of the tree, in the order shown."""
    pattern = r'<li class="md-node level-(\d+)[^"]*" data-code="([^"]+)"'
    return [(code, int(level)) for level, code in re.findall(pattern, html_of(response))]


# Index and menu ----------------------------------------------------------------------------


def test_the_menu_leads_to_the_index_of_every_master_data_page(logged_in):
    home = html_of(logged_in.get("/customers/"))
    assert 'href="/masterdata/"' in home

    html = html_of(logged_in.get(INDEX))

    for url in (CLASSES, REGIONS, SCHEMES, "/masterdata/lists/payment-terms/"):
        assert f'href="{url}"' in html
    for link in re.findall(r'href="(/masterdata/[^"]*)"', html):
        assert logged_in.get(link).status_code == 200, link


def test_a_user_without_master_data_permissions_sees_no_menu_entry_and_gets_403(client, db):
    user = user_create(username="nobody", password="Kehu-user-2026")
    client.force_login(user)

    assert "/masterdata/" not in html_of(client.get("/customers/"))
    for url in (INDEX, CLASSES, SCHEMES, "/masterdata/lists/industries/"):
        assert client.get(url).status_code == 403, url


def test_an_anonymous_visitor_is_sent_to_the_login_page(client, db):
    response = client.get(CLASSES)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_viewer_may_look_but_not_change(client, db):
    factories.class_tree("01")
    user = user_create(username="li", password="Kehu-user-2026", roles=["salesperson"])
    client.force_login(user)
    node = CustomerClass.objects.get(code="01")

    response = client.get(CLASSES)
    assert response.status_code == 200
    assert tree_codes(response) == [("01", 1)]
    assert "Add child" not in html_of(response)
    assert client.post(CLASSES, {"code": "02", "name": "x"}).status_code == 403
    assert client.post(f"{CLASSES}{node.pk}/", {"code": "01", "name": "y"}).status_code == 403
    assert client.post(f"{CLASSES}{node.pk}/delete/").status_code == 403
    assert client.post(SCHEMES, {"tree": "region", "region-segments": "2"}).status_code == 403
    assert CustomerClass.objects.get(code="01").name == "分类01"


# Trees -------------------------------------------------------------------------------------


def test_the_tree_is_shown_indented_in_code_order(logged_in):
    factories.class_tree("02", "01", "0101", "0102", "0101001")

    response = logged_in.get(CLASSES)

    assert response.status_code == 200
    assert tree_codes(response) == [
        ("01", 1),
        ("0101", 2),
        ("0101001", 3),
        ("0102", 2),
        ("02", 1),
    ]
    assert "2-2-3" in html_of(response)


def test_add_child_prefills_the_parents_code_and_adds_the_child(logged_in):
    factories.class_tree("01")

    form = logged_in.get(CLASSES, {"parent": "01"})
    assert re.search(r'name="code" value="01"', html_of(form))

    response = logged_in.post(CLASSES, {"code": "0101", "name": "华东批发"}, follow=True)

    child = CustomerClass.objects.get(code="0101")
    assert child.parent.code == "01" and child.level == 2
    assert not CustomerClass.objects.get(code="01").is_leaf
    assert ("0101", 2) in tree_codes(response)
    assert "0101 华东批发 was added." in html_of(response)


def test_a_code_that_does_not_fit_is_shown_on_the_field_with_the_input_kept(logged_in):
    response = logged_in.post(CLASSES, {"code": "011", "name": "错误"})

    assert response.status_code == 200
    assert field_errors(response, "code") == [
        "A code must be 2 / 4 / 7 characters long (coding scheme 2-2-3)."
    ]
    assert 'value="错误"' in html_of(response)
    assert not CustomerClass.objects.exists()


def test_a_node_is_renamed_and_moved_by_its_code(logged_in):
    factories.class_tree("01", "02", "0101")
    node = CustomerClass.objects.get(code="0101")

    logged_in.post(f"{CLASSES}{node.pk}/", {"code": "0201", "name": "改名"})

    node.refresh_from_db()
    assert (node.code, node.name, node.parent.code) == ("0201", "改名", "02")
    assert CustomerClass.objects.get(code="01").is_leaf


def test_recoding_a_class_used_by_customers_is_refused_next_to_the_code(logged_in):
    factories.class_tree("01", "0101")
    factories.customer("0101")
    node = CustomerClass.objects.get(code="0101")

    response = logged_in.post(f"{CLASSES}{node.pk}/", {"code": "0102", "name": "新名"})

    assert field_errors(response, "code") == [
        "0101 is used by customers (1): its code can no longer change."
    ]
    assert 'value="0102"' in html_of(response)
    node.refresh_from_db()
    assert (node.code, node.name) == ("0101", "分类0101")  # nothing half-written


def test_deleting_a_class_that_holds_customers_is_refused_with_the_reason(logged_in):
    factories.class_tree("01", "0101")
    for _ in range(3):
        factories.customer("0101")
    node = CustomerClass.objects.get(code="0101")

    confirm = logged_in.get(f"{CLASSES}{node.pk}/delete/")
    assert "Delete 0101 分类0101?" in html_of(confirm)
    response = logged_in.post(f"{CLASSES}{node.pk}/delete/")

    assert alerts(response) == "0101 is used by customers (3) and cannot be deleted."
    assert CustomerClass.objects.filter(code="0101").exists()


def test_deleting_a_class_with_children_is_refused_and_a_free_leaf_is_deleted(logged_in):
    factories.class_tree("01", "0101")
    parent = CustomerClass.objects.get(code="01")
    leaf = CustomerClass.objects.get(code="0101")

    refused = logged_in.post(f"{CLASSES}{parent.pk}/delete/")
    assert alerts(refused) == "01 has children: delete them first."

    response = logged_in.post(f"{CLASSES}{leaf.pk}/delete/", follow=True)
    assert tree_codes(response) == [("01", 1)]
    assert "0101 分类0101 was deleted." in html_of(response)


def test_the_region_tree_uses_the_same_screen_with_its_own_scheme(logged_in):
    factories.region_tree("31")

    response = logged_in.post(REGIONS, {"code": "3101", "name": "上海"}, follow=True)

    assert tree_codes(response) == [("31", 1), ("3101", 2)]
    assert "2-2-2" in html_of(response)
    assert Region.objects.get(code="3101").parent.code == "31"
    assert logged_in.get("/masterdata/trees/planets/").status_code == 404


def test_the_tree_page_query_count_does_not_grow_with_the_nodes(logged_in):
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert logged_in.get(CLASSES).status_code == 200
        return len(queries)

    factories.class_tree("01", "0101", "0102", "02", "0201")
    few = count_queries()
    for top in range(3, 9):
        factories.class_tree(f"{top:02d}", f"{top:02d}01", f"{top:02d}02", f"{top:02d}03")
    factories.class_tree("0202")
    assert CustomerClass.objects.count() == 30

    assert count_queries() == few


# Coding schemes ------------------------------------------------------------------------------


def test_both_schemes_are_shown_and_one_is_lengthened(logged_in):
    html = html_of(logged_in.get(SCHEMES))
    assert 'value="2-2-3"' in html and 'value="2-2-2"' in html

    response = logged_in.post(
        SCHEMES, {"tree": "region", "region-segments": "2-2-2-3"}, follow=True
    )

    assert CodingScheme.objects.get(tree="region").segments == "2-2-2-3"
    assert "2 / 4 / 6 / 9" in html_of(response)


def test_shortening_a_scheme_in_use_is_refused_next_to_its_field(logged_in):
    factories.class_tree("01", "0101")

    response = logged_in.post(SCHEMES, {"tree": "customer_class", "customer_class-segments": "2"})

    assert field_errors(response, "customer_class-segments") == [
        "Codes exist: the scheme may only be lengthened, not shortened."
    ]
    assert 'value="2"' in html_of(response)
    assert CodingScheme.objects.get(tree="customer_class").segments == "2-2-3"


# Small lists -------------------------------------------------------------------------------


def test_every_small_list_renders(logged_in):
    for slug in (
        "industries",
        "departments",
        "salespeople",
        "currencies",
        "payment-terms",
        "shipping-methods",
        "credit-grades",
    ):
        assert logged_in.get(f"/masterdata/lists/{slug}/").status_code == 200
        assert logged_in.get(f"/masterdata/lists/{slug}/new/").status_code == 200
    html = html_of(logged_in.get("/masterdata/lists/currencies/"))
    assert "CNY" in html  # seeded by the migrations
    assert logged_in.get("/masterdata/lists/planets/").status_code == 404


def test_an_industry_is_created_edited_deactivated_and_deleted(logged_in):
    url = "/masterdata/lists/industries/"
    created = logged_in.post(
        f"{url}new/", {"code": "C13", "name": "农副食品", "is_active": "on"}, follow=True
    )
    assert "C13 农副食品 was added." in html_of(created)
    item = Industry.objects.get(code="C13")
    assert item.is_active

    logged_in.post(f"{url}{item.pk}/", {"code": "C13", "name": "农副食品加工业"})
    item.refresh_from_db()
    assert (item.name, item.is_active) == ("农副食品加工业", False)  # the box was cleared
    assert 'class="inactive"' in html_of(logged_in.get(url))

    deleted = logged_in.post(f"{url}{item.pk}/delete/", follow=True)
    assert not Industry.objects.filter(code="C13").exists()
    assert "C13 农副食品加工业 was deleted." in html_of(deleted)


def test_a_duplicate_code_is_shown_on_the_field(logged_in):
    coded_item_create(Industry, actor=None, data={"code": "C13", "name": "甲"})

    response = logged_in.post("/masterdata/lists/industries/new/", {"code": "C13", "name": "乙"})

    assert field_errors(response, "code") == ["Industry with this Code already exists."]
    assert Industry.objects.count() == 1


def test_a_used_industry_cannot_be_deleted_and_says_why(logged_in):
    factories.class_tree("01")
    coded_item_create(Industry, actor=None, data={"code": "C13", "name": "农副食品"})
    factories.customer("01", industry="C13")
    item = Industry.objects.get(code="C13")

    response = logged_in.post(f"/masterdata/lists/industries/{item.pk}/delete/")

    assert alerts(response) == (
        "C13 is used by customers (1) and cannot be deleted; deactivate it instead."
    )
    assert Industry.objects.filter(code="C13").exists()


def test_payment_terms_show_the_parsed_days_and_a_bad_text_on_its_field(logged_in):
    url = "/masterdata/lists/payment-terms/"
    bad = logged_in.post(f"{url}new/", {"code": "T1", "name": "现金折扣", "text": "2/10"})
    assert field_errors(bad, "text") == ["The terms end with the net days, for example n/30."]
    assert 'value="2/10"' in html_of(bad)
    assert not PaymentTerms.objects.filter(code="T1").exists()

    good = logged_in.post(
        f"{url}new/",
        {"code": "T1", "name": "现金折扣", "text": "2/10, 1/20, n/30", "is_active": "on"},
        follow=True,
    )

    html = html_of(good)
    assert "2% within 10 days, 1% within 20 days" in html
    assert re.search(r"<td>30</td>", html)
    terms = PaymentTerms.objects.get(code="T1")
    edit = html_of(logged_in.get(f"{url}{terms.pk}/"))
    assert "Net due in 30 days." in edit


def test_a_salesperson_refers_to_a_department_by_code_and_a_login_by_username(logged_in):
    coded_item_create(Department, actor=None, data={"code": "D1", "name": "销售一部"})
    user_create(username="wangfang", password="Kehu-user-2026")
    url = "/masterdata/lists/salespeople/"

    missing = logged_in.post(
        f"{url}new/", {"code": "S1", "name": "王芳", "department": "D9", "user": "wangfang"}
    )
    assert field_errors(missing, "department") == ["department “D9” does not exist."]

    logged_in.post(
        f"{url}new/",
        {"code": "S1", "name": "王芳", "department": "D1", "user": "wangfang", "is_active": "on"},
    )

    person = Salesperson.objects.get(code="S1")
    assert (person.department.code, person.user.username) == ("D1", "wangfang")
    edit = html_of(logged_in.get(f"{url}{person.pk}/"))
    assert 'value="D1"' in edit and 'value="wangfang"' in edit
    assert "销售一部" in html_of(logged_in.get(url))


def test_the_salespeople_list_query_count_does_not_grow_with_the_rows(logged_in):
    url = "/masterdata/lists/salespeople/"
    coded_item_create(Department, actor=None, data={"code": "D1", "name": "销售一部"})

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert logged_in.get(url).status_code == 200
        return len(queries)

    def add(n: int):
        user = user_create(username=f"user{n}", password="Kehu-user-2026")
        coded_item_create(
            Salesperson,
            actor=None,
            data={"code": f"S{n}", "name": f"业务员{n}", "department": "D1", "user": user},
        )

    add(0)
    few = count_queries()
    for n in range(1, 20):
        add(n)

    assert count_queries() == few
