"""The customer's 360° page (SPEC §3): the four archive groups, user-defined fields, tags, the
customer's rows, qualification documents with their expiry, head office and subsidiaries and
the history on one read-only page, within the user's data scope."""

import datetime
import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kehu.accounts.services import user_create
from kehu.audit.context import audit_context
from kehu.customers.services import customer_update, user_field_create
from kehu.masterdata.models import Salesperson
from kehu.masterdata.services import coded_item_create
from tests import factories


def overview_url(customer) -> str:
    return f"/customers/{customer.pk}/"


def days(n: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=n)).isoformat()


def section(html: str, key: str) -> str:
    """The text of one section of the page, tags stripped."""
    start = rf'<section class="overview-section[^"]*" id="{key}"'
    pattern = start + r'.*?(?=<section class="overview-|</article>)'
    match = re.search(pattern, html, re.S)
    assert match, f"no section {key}"
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(0))))


@pytest.fixture
def archive(db):
    factories.class_tree("01", "0101", "02")
    factories.region_tree("31", "3101")
    for code, name in (("S1", "王五"), ("S2", "赵六")):
        coded_item_create(Salesperson, actor=None, data={"code": code, "name": name})
    user_field_create(
        actor=None,
        data={
            "key": "stores",
            "label_zh": "门店数",
            "label_en": "Stores",
            "field_type": "number",
            "group": "contact",
        },
    )
    head = factories.customer("0101", code="H1", name="泰锐集团有限公司", salesperson="S1")
    customer = factories.customer(
        "0101",
        code="C1",
        name="上海泰锐家居有限公司",
        short_name="泰锐家居",
        region_code="3101",
        parent_code="H1",
        salesperson="S1",
        credit_grade="AA",
        credit_limit="500000",
        credit_days=45,
        remarks="老客户",
        tags=["重点", "华东"],
        user_fields={"stores": 12},
        contacts=[{"name": "张三", "title": "采购经理", "mobile": "13800000001"}],
        addresses=[{"recipient": "李四", "address": "上海市浦东新区世纪大道1号"}],
        bank_accounts=[{"bank_name": "招商银行", "account_number": "6214830000000001"}],
        documents=[
            {"kind": "business_licence", "number": "BL-OLD", "valid_to": days(-3)},
            {"kind": "operating_permit", "number": "OP-SOON", "valid_to": days(10)},
            {"kind": "tax_registration", "number": "TX-LATER", "valid_to": days(400)},
            {"kind": "other", "number": "NO-END"},
        ],
    )
    factories.customer("0101", code="B1", name="泰锐家居杭州分公司", parent_code="C1")
    factories.customer(
        "0101", code="B2", name="泰锐家居广州分公司", parent_code="C1", salesperson="S2"
    )
    return {"head": head, "customer": customer}


@pytest.fixture
def logged_in(client, admin_user):
    client.force_login(admin_user)
    return client


def test_the_page_shows_the_four_groups_and_every_part_of_the_customer(logged_in, archive):
    html = logged_in.get(overview_url(archive["customer"])).content.decode()

    basic = section(html, "basic")
    assert "Code C1" in basic and "Customer class 0101 分类0101" in basic
    assert "Head office H1" in basic
    contact = section(html, "contact")
    assert "Salesperson S1 王五" in contact
    assert "Stores 12" in contact  # a user-defined field, in its group
    credit = section(html, "credit")
    assert "Credit limit 500,000.00" in credit and "Credit period (days) 45" in credit
    assert "Receivable balance 0.00" in credit  # maintained by the system
    other = section(html, "other")
    assert "Remarks 老客户" in other and "Tags 华东, 重点" in other
    assert "采购经理" in section(html, "contacts")
    assert "上海市浦东新区世纪大道1号" in section(html, "addresses")
    assert "6214830000000001" in section(html, "bank_accounts")
    companies = section(html, "companies")
    assert "H1 泰锐集团有限公司" in companies
    assert "B1 泰锐家居杭州分公司" in companies and "B2 泰锐家居广州分公司" in companies
    assert '<span class="badge tag">重点</span>' in html
    # Read-only: no input of the customer's fields, the card one click away.
    assert 'name="credit_limit"' not in html
    assert f'href="/customers/{archive["customer"].pk}/edit/"' in html


def test_documents_show_whether_they_expired_or_expire_soon(logged_in, archive):
    html = logged_in.get(overview_url(archive["customer"])).content.decode()

    documents = section(html, "documents")
    assert re.search(r"BL-OLD .* Expired 3 days ago", documents)
    assert re.search(r"OP-SOON .* Expires in 10 days", documents)
    assert re.search(r"TX-LATER .* Valid", documents)
    assert re.search(r"NO-END .* No expiry date", documents)
    assert html.count('class="expiry-expired"') == 1
    assert html.count('class="expiry-expiring"') == 1
    assert "2 documents have expired or expire soon." in html


def test_the_history_shows_who_changed_what(logged_in, archive, admin_user):
    customer = archive["customer"]
    with audit_context(actor=admin_user):
        customer_update(actor=admin_user, customer=customer, data={"credit_limit": "600000"})

    history = section(logged_in.get(overview_url(customer)).content.decode(), "history")

    change = r"admin changed customer C1 \S+ credit limit : 500000\.00 → 600000\.00"
    assert re.search(change, history)
    assert "The whole history on the card" in history


def test_a_customer_outside_the_scope_is_a_404_like_a_missing_one(client, archive):
    user = user_create(username="li", password="Kehu-user-2026", roles=["salesperson"])
    Salesperson.objects.filter(code="S2").update(user=user)
    client.force_login(user)
    branch = archive["customer"].branches.get(code="B2")

    hidden = client.get(overview_url(archive["customer"]))
    missing = client.get("/customers/999999/")
    mine = client.get(overview_url(branch))

    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content
    assert mine.status_code == 200
    # Its head office is outside the scope: its code only, as on the card, not its name.
    html = mine.content.decode()
    assert "Head office C1" in section(html, "basic")
    assert "Head office C1 Subsidiaries" in section(html, "companies")
    assert "上海泰锐家居有限公司" not in section(html, "basic") + section(html, "companies")
    assert f'href="/customers/{archive["customer"].pk}/"' not in html


def test_subsidiaries_outside_the_scope_are_not_listed(client, archive):
    user = user_create(username="wang", password="Kehu-user-2026", roles=["salesperson"])
    Salesperson.objects.filter(code="S1").update(user=user)
    client.force_login(user)

    html = client.get(overview_url(archive["customer"])).content.decode()

    assert "泰锐家居广州分公司" not in html
    assert "H1 泰锐集团有限公司" in section(html, "companies")


def test_every_user_who_sees_the_customer_sees_its_credit_terms(client, archive):
    user = user_create(username="aud", password="Kehu-user-2026", roles=["auditor"])
    client.force_login(user)

    html = client.get(overview_url(archive["customer"])).content.decode()

    assert "Credit limit 500,000.00" in section(html, "credit")
    assert "Open the card" in html  # an auditor changes nothing


def test_the_list_links_names_to_the_overview(logged_in, archive):
    html = logged_in.get("/customers/").content.decode()

    assert f'href="{overview_url(archive["customer"])}">上海泰锐家居有限公司</a>' in html


def test_the_query_count_does_not_grow_with_the_customers_rows(logged_in, archive, admin_user):
    def queries(customer) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = logged_in.get(overview_url(customer))
        assert response.status_code == 200
        return len(captured)

    def build(code: str, n: int):
        customer = factories.customer(
            "0101",
            code=code,
            name=f"规模{code}公司",
            parent_code="H1",
            tags=[f"标签{i}" for i in range(n)],
            contacts=[{"name": f"联系人{i}"} for i in range(n)],
            addresses=[{"address": f"某路{i}号", "region_code": "3101"} for i in range(n)],
            bank_accounts=[{"bank_name": "银行", "account_number": f"62{i:08d}"} for i in range(n)],
            documents=[{"kind": "other", "number": f"D{i}", "valid_to": days(i)} for i in range(n)],
        )
        for i in range(n):
            factories.customer(
                "0101", code=f"{code}-{i}", name=f"{code}分公司{i}", parent_code=code
            )
            customer_update(actor=admin_user, customer=customer, data={"remarks": f"第{i}次"})
        return customer

    few, many = build("F", 1), build("M", 8)

    assert queries(many) == queries(few)
