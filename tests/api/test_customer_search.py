"""The keyword of the customer list (SPEC §3): what it finds, the same on SQLite and
PostgreSQL, and the search index kept up to date by the database whatever writes the rows."""

from urllib.parse import urlencode

import pytest
from django.db import connection

from kehu.customers.filters import CustomerFilter
from kehu.customers.models import Contact, Customer
from kehu.customers.selectors import customers_visible_to
from kehu.customers.services import customer_update
from kehu.customers.services.children import customer_child_delete, customer_child_update
from tests import factories

CUSTOMERS = "/api/v1/customers"


def found(api, keyword):
    response = api.get(f"{CUSTOMERS}?{urlencode({'q': keyword, 'page_size': 500})}")
    assert response.status_code == 200, response.json()
    return [row["code"] for row in response.json()["results"]]


@pytest.fixture
def archive(classes):
    factories.customer(
        code="TA",
        name="浙江泰安家具有限公司",
        phone="0571-88886666",
        email="Sales@TaiAn.example",
        contacts=[
            {"name": "王小明", "mobile": "13912345678", "email": "ming@taian.example"},
            {"name": "王大明", "phone": "0571-12345"},
        ],
    )
    factories.customer(
        code="XH",
        name="杭州西湖茶业有限公司",
        short_name="西湖茶业",
        contacts=[{"name": "Zhang Wei", "email": "zhang.wei@xihu.example"}],
    )
    factories.customer(code="WILD", name="百分之百 100%_Ltd 'Quote' \"Double\"")
    factories.customer(code="SY", name="泰山石业公司", mobile="13800001111")


@pytest.mark.parametrize(
    ("keyword", "codes"),
    [
        ("泰安", ["TA"]),  # two characters in the middle of a Chinese name
        ("泰安家具", ["TA"]),
        ("安家", ["TA"]),
        ("泰", ["SY", "TA"]),  # one character
        ("茶", ["XH"]),
        ("zjta", ["TA"]),  # pinyin initials of 浙江泰安…, any case
        ("XHCY", ["XH"]),
        ("cy", ["XH"]),
        ("2345", ["TA"]),  # a phone fragment of two contacts: the customer once
        ("1391234", ["TA"]),  # a contact's mobile
        ("0001111", ["SY"]),  # the customer's own mobile
        ("ming@taian", ["TA"]),  # a contact's email
        ("SALES@taian", ["TA"]),  # the customer's email, Latin letters in any case
        ("zhang wei", ["XH"]),  # a contact's name, with its space
        ("王大明", ["TA"]),
        ("明", ["TA"]),
        ("ta", ["TA"]),  # two Latin letters: code, mnemonic and email
        ("100%", ["WILD"]),  # LIKE's wildcards are plain characters
        ("%", ["WILD"]),
        ("%_", ["WILD"]),
        ("_L", ["WILD"]),
        ("0%", ["WILD"]),
        ("'Quote'", ["WILD"]),
        ('"Double"', ["WILD"]),
        ('"', ["WILD"]),
        ("''", []),
        ("\\", []),
        ("有限公司", ["TA", "XH"]),
        ("茶业有限", ["XH"]),
        ("泰安茶", []),  # never across two texts or two customers
        ("司王", []),  # never from the name into a contact's name
        ("公司王小", []),
        ("明王", []),  # nor from one contact into the next
        ("nothing", []),
    ],
)
def test_keyword_finds_customers_by_their_texts_and_their_contacts(api, archive, keyword, codes):
    assert found(api, keyword) == codes


def test_keyword_with_a_control_character_still_answers(api, archive):
    assert found(api, "泰安\x1f") == []
    assert found(api, "\x1f") == []


def test_the_filter_gives_exports_and_statistics_the_same_customers(admin_user, archive):
    visible = customers_visible_to(admin_user)
    filtered = CustomerFilter(q="王").apply(visible)
    assert [c.code for c in filtered] == ["TA"]
    assert filtered.count() == 1


def test_the_index_follows_changes_of_customers_and_contacts(api, archive, admin_user):
    customer = Customer.objects.get(code="XH")
    customer_update(actor=None, customer=customer, data={"name": "杭州龙井茶业有限公司"})
    assert found(api, "西湖茶业有") == []
    assert found(api, "龙井") == ["XH"]

    contact = Contact.objects.get(name="Zhang Wei")
    customer_child_update("contacts", actor=None, row=contact, data={"name": "Li Lei"})
    assert found(api, "zhang wei") == []
    assert found(api, "li lei") == ["XH"]

    customer_child_delete("contacts", actor=None, row=Contact.objects.get(name="Li Lei"))
    assert found(api, "li lei") == []
    assert found(api, "龙井") == ["XH"]


def test_the_index_follows_raw_sql_and_deletes(api, archive):
    ta = Customer.objects.get(code="TA")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE customers_contact SET mobile = %s WHERE customer_id = %s AND name = %s",
            ["18655556666", ta.pk, "王小明"],
        )
        cursor.execute(
            "UPDATE customers_customer SET short_name = %s WHERE id = %s", ["泰安家居", ta.pk]
        )
    assert found(api, "8655556") == ["TA"]
    assert found(api, "1391234") == []
    assert found(api, "安家居") == ["TA"]

    Contact.objects.filter(customer=ta).delete()
    assert found(api, "王小明") == []
    Customer.objects.filter(code="SY").delete()
    assert found(api, "泰") == ["TA"]


def test_keyword_keeps_to_the_data_scope(api_as, archive):
    in_class_02 = factories.customer("02", code="TA2", name="山东泰安机械厂")
    assert in_class_02.code == "TA2"
    sales = api_as("salesperson", scope={"scope": "classes", "scope_classes": ["02"]})
    response = sales.get(f"{CUSTOMERS}?{urlencode({'q': '泰安'})}")
    assert [row["code"] for row in response.json()["results"]] == ["TA2"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's indexes")
@pytest.mark.parametrize("keyword", ["泰安家具", "泰安", "泰"])
def test_postgresql_answers_from_the_indexes(admin_user, archive, keyword):
    queryset = CustomerFilter(q=keyword).apply(customers_visible_to(admin_user))
    with connection.cursor() as cursor:
        # a handful of rows: keep the planner from scans that only a tiny table makes cheap
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        plan = queryset.explain()
    # one index per customer, its contacts' texts included (migration 0007)
    assert "customers_search_customer_" in plan, plan
    assert "customers_contact" not in plan, plan


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's grams table")
def test_short_keywords_are_one_word_of_the_grams_table(archive):
    """A keyword of one or two letters or digits is looked up as one word of the grams
    document (migration 0008), not as the OR of every trigram that starts with it."""
    from kehu.customers.search import search_grams

    assert search_grams("泰安-A1\x1f\x1f王x") == "泰 安 泰安 a 1 a1 王 x 王x"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT document FROM customers_grams WHERE rowid ="
            " (SELECT id FROM customers_customer WHERE code = 'SY')"
        )
        words = cursor.fetchone()[0].split()
    assert {"泰", "泰山", "石业", "11", "sy"} <= set(words)
    assert "司王" not in words and "业公" in words
    queryset = CustomerFilter(q="泰山").apply(Customer.objects.all())
    sql, params = queryset.query.sql_with_params()
    assert "customers_grams" in sql and '"泰山"' in params
    assert list(queryset.values_list("code", flat=True)) == ["SY"]
