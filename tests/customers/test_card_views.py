"""The customer card (SPEC §2): create and edit in four tabs, the children inline, errors from
the services next to their fields, deactivate / reactivate, the mnemonic helper."""

import re
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kehu.accounts.services import user_create
from kehu.customers.models import Contact, Customer
from kehu.customers.services import user_field_create
from kehu.masterdata.models import Salesperson
from kehu.masterdata.services import coded_item_create
from tests import factories

NEW = "/customers/new/"
VALID_CREDIT_CODE = "91350100M000100Y43"


def edit_url(customer) -> str:
    return f"/customers/{customer.pk}/edit/"


@pytest.fixture
def setup(db):
    factories.class_tree("01", "0101", "02")
    factories.region_tree("31", "3101")
    coded_item_create(Salesperson, actor=None, data={"code": "S1", "name": "王五"})


@pytest.fixture
def logged_in(client, admin_user):
    client.force_login(admin_user)
    return client


def card_data(**changes) -> dict:
    """A filled-in card as the browser posts it: the customer's fields and two contacts."""
    data = {
        "code": "K001",
        "name": "上海泰锐家居有限公司",
        "short_name": "泰锐家居",
        "mnemonic": "",
        "class_code": "0101",
        "region_code": "3101",
        "kind": "enterprise",
        "country": "CN",
        "credit_code": VALID_CREDIT_CODE,
        "salesperson": "S1",
        "credit_grade": "AA",
        "credit_limit": "300000",
        "credit_days": "30",
        "control_credit_limit": "on",
        "contacts-0-name": "张三",
        "contacts-0-email": "zhang@example.com",
        "contacts-0-is_primary": "on",
        "contacts-0-id": "",
        "contacts-3-name": "李四",
        "contacts-3-mobile": "13800000000",
        "contacts-3-id": "",
    }
    data.update(changes)
    return data


def error_next_to(html: str, field: str) -> str:
    """The text of the error shown under ``field``'s input."""
    match = re.search(rf'<p class="field-error" id="error-{field}">([^<]*)</p>', html)
    return match.group(1) if match else ""


def test_creating_a_customer_with_two_contacts(logged_in, setup):
    response = logged_in.post(NEW, card_data())

    customer = Customer.objects.get(code="K001")
    assert response.status_code == 302
    assert response["Location"] == edit_url(customer)
    assert customer.mnemonic == "TRJJ"
    assert customer.region.code == "3101" and customer.salesperson.code == "S1"
    assert str(customer.credit_limit) == "300000.00" and customer.credit_days == 30
    contacts = list(customer.contacts.order_by("id").values_list("name", "is_primary", "mobile"))
    assert contacts == [("张三", True, ""), ("李四", False, "13800000000")]
    page = logged_in.get(response["Location"]).content.decode()
    assert "Customer K001 was created." in page
    assert 'value="zhang@example.com"' in page


def test_a_bad_credit_code_is_shown_next_to_its_field_and_nothing_is_written(logged_in, setup):
    response = logged_in.post(NEW, card_data(credit_code="91350100M000100Y44"))
    html = response.content.decode()

    assert response.status_code == 200
    assert "check character" in error_next_to(html, "credit_code")
    assert not Customer.objects.exists() and not Contact.objects.exists()
    # The user's input is kept, the contacts included, and the tab of the error is open.
    assert 'value="上海泰锐家居有限公司"' in html and 'value="李四"' in html
    assert re.search(r'id="basic" role="tabpanel" aria-labelledby="tab-basic">', html)
    assert re.search(r'id="contact" role="tabpanel" aria-labelledby="tab-contact" hidden>', html)


def test_a_type_error_and_a_nested_error_are_shown_next_to_their_fields(logged_in, setup):
    response = logged_in.post(NEW, card_data(credit_limit="lots"))
    html = response.content.decode()

    assert error_next_to(html, "credit_limit") == "Enter a number."
    assert re.search(r'id="credit" role="tabpanel" aria-labelledby="tab-credit">', html)

    response = logged_in.post(NEW, card_data(**{"contacts-3-email": "not-an-email"}))
    html = response.content.decode()
    cell = re.search(
        r'name="contacts-3-email" value="not-an-email"[^>]*>\s*<p class="field-error">([^<]*)', html
    )
    assert cell and "valid email" in cell.group(1)
    assert not Customer.objects.exists()


def test_the_required_class_is_the_services_rule(logged_in, setup):
    html = logged_in.post(NEW, card_data(class_code="")).content.decode()

    assert error_next_to(html, "class_code") == "This field is required."


def test_editing_changes_fields_and_rows_in_one_go(logged_in, setup):
    customer = factories.customer(
        "0101", name="杭州西湖茶业有限公司", contacts=[{"name": "甲"}, {"name": "乙"}]
    )
    first, second = customer.contacts.order_by("id")
    data = {
        **card_data(code=customer.code, name="杭州西湖茶业集团", short_name="", credit_code=""),
        "version": str(customer.version),
        "contacts-0-id": str(first.pk),
        "contacts-0-name": "甲",
        "contacts-0-email": "",
        "contacts-0-is_primary": "on",
        "contacts-3-id": str(second.pk),
        "contacts-3-name": "乙",
        "contacts-3-DELETE": "on",
        "contacts-7-name": "丙",
        "bank_accounts-0-bank_name": "中国银行",
        "bank_accounts-0-account_number": "6222 0000 1111",
    }

    response = logged_in.post(edit_url(customer), data)

    assert response.status_code == 302
    assert response["Location"] == edit_url(customer)
    customer.refresh_from_db()
    assert customer.name == "杭州西湖茶业集团" and customer.mnemonic == "HZXHCYJT"
    assert customer.credit_grade.code == "AA"
    assert list(customer.contacts.values_list("name", "is_primary")) == [
        ("甲", True),
        ("丙", False),
    ]
    assert customer.bank_accounts.get().account_number == "6222 0000 1111"


def test_a_failing_row_undoes_the_whole_edit(logged_in, setup):
    customer = factories.customer("0101", name="旧名称公司", contacts=[{"name": "甲"}])
    contact = customer.contacts.get()
    data = {
        **card_data(code=customer.code, name="新名称公司", credit_code=""),
        "version": str(customer.version),
        "contacts-0-id": str(contact.pk),
        "contacts-0-name": "",  # the contact's name is required
        "contacts-3-name": "新联系人",
    }

    response = logged_in.post(edit_url(customer), data)

    assert response.status_code == 200
    assert "This field cannot be blank." in response.content.decode()
    customer.refresh_from_db()
    assert customer.name == "旧名称公司"
    assert list(customer.contacts.values_list("name", flat=True)) == ["甲"]


def test_a_stale_or_invisible_customer_is_not_found(logged_in, setup):
    assert logged_in.get("/customers/99999/edit/").status_code == 404
    assert logged_in.post("/customers/99999/edit/", card_data()).status_code == 404
    assert logged_in.post("/customers/99999/deactivate/").status_code == 404


def test_permissions(client, setup):
    customer = factories.customer("0101")
    viewer = user_create(username="auditor", password="Kehu-user-2026", roles=["auditor"])
    client.force_login(viewer)

    assert client.get(NEW).status_code == 403
    assert client.post(NEW, card_data()).status_code == 403
    page = client.get(edit_url(customer))
    assert page.status_code == 200 and "disabled" in page.content.decode()
    assert client.post(edit_url(customer), card_data(code=customer.code)).status_code == 403
    assert client.post(f"/customers/{customer.pk}/deactivate/").status_code == 403
    assert client.get("/customers/mnemonic/", {"text": "泰锐"}).status_code == 403
    assert not Customer.objects.filter(deactivated_on__isnull=False).exists()


def test_deactivate_and_reactivate(logged_in, setup):
    customer = factories.customer("0101")

    response = logged_in.post(f"/customers/{customer.pk}/deactivate/")
    customer.refresh_from_db()
    assert response.status_code == 302 and customer.deactivated_on is not None
    page = logged_in.get(edit_url(customer)).content.decode()
    assert "The customer was deactivated." in page and "Reactivate" in page

    again = logged_in.post(f"/customers/{customer.pk}/deactivate/", follow=True)
    assert "The customer is already deactivated." in again.content.decode()

    logged_in.post(f"/customers/{customer.pk}/reactivate/")
    customer.refresh_from_db()
    assert customer.deactivated_on is None
    assert logged_in.get(f"/customers/{customer.pk}/reactivate/").status_code == 405


def test_the_four_tabs(logged_in, setup):
    html = logged_in.get(NEW).content.decode()

    labels = re.findall(r'role="tab" id="tab-(\w+)"[^>]*>([^<]+)</button>', html)
    assert labels == [
        ("basic", "Basic"),
        ("contact", "Contact"),
        ("credit", "Credit"),
        ("other", "Other"),
    ]
    assert '<template id="template-contacts">' in html and "kehu/card.js" in html


def test_the_mnemonic_helper(logged_in, db):
    response = logged_in.get("/customers/mnemonic/", {"text": "泰锐家居"})

    assert response.json() == {"mnemonic": "TRJJ"}


def test_the_list_leads_to_the_card_and_offers_a_new_customer(logged_in, setup):
    customer = factories.customer("0101", name="链接测试公司")
    html = logged_in.get("/customers/").content.decode()
    overview = logged_in.get(f"/customers/{customer.pk}/").content.decode()

    # A name opens the customer's 360° page, whose "Edit" opens the card.
    assert f'href="/customers/{customer.pk}/">链接测试公司</a>' in html
    assert f'id="open-card" href="{edit_url(customer)}"' in overview
    assert 'href="/customers/new/"' in html


def test_the_cards_query_count_does_not_grow_with_its_contacts(logged_in, setup):
    def queries(customer) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = logged_in.get(edit_url(customer))
        assert response.status_code == 200
        return len(captured)

    few = factories.customer("0101", contacts=[{"name": f"联系人{n}"} for n in range(5)])
    many = factories.customer("0101", contacts=[{"name": f"联系人{n}"} for n in range(20)])

    assert queries(many) == queries(few)
    assert logged_in.get(edit_url(many)).content.decode().count('-DELETE"') == 20 + 4


def test_user_defined_fields_are_shown_in_their_tab_and_checked_by_the_service(logged_in, setup):
    user_field_create(
        actor=None,
        data={
            "key": "store_count",
            "label_zh": "门店数",
            "label_en": "Stores",
            "field_type": "number",
            "group": "credit",
        },
    )
    html = logged_in.get(NEW).content.decode()
    credit_tab = html[html.index('id="credit"') : html.index('id="other"')]
    assert "Stores" in credit_tab and 'name="uf_store_count"' in credit_tab

    bad = logged_in.post(NEW, card_data(uf_store_count="many")).content.decode()
    assert error_next_to(bad, "uf_store_count") == "Enter a number."
    assert re.search(r'id="credit" role="tabpanel" aria-labelledby="tab-credit">', bad)

    logged_in.post(NEW, card_data(uf_store_count="12"))
    assert Customer.objects.get(code="K001").user_fields == {"store_count": 12}


class CardInputs(HTMLParser):
    """What a browser would post from the card's form: its inputs, outside the row templates."""

    def __init__(self):
        super().__init__()
        self.data, self.in_template, self.select, self.textarea = {}, 0, None, None
        self.in_card = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.in_card = a.get("id") == "customer-card"
        if tag == "template":
            self.in_template += 1
        if not self.in_card or self.in_template or "name" not in a:
            if (
                tag == "option"
                and self.select
                and ("selected" in a or self.select not in self.data)
            ):
                self.data[self.select] = a.get("value", "")
            return
        if tag == "input" and a.get("type") == "checkbox":
            if "checked" in a:
                self.data[a["name"]] = "on"
        elif tag == "input" and a.get("type") != "submit":
            self.data[a["name"]] = a.get("value", "")
        elif tag == "select":
            self.select = a["name"]
        elif tag == "textarea":
            self.textarea = a["name"]
            self.data[a["name"]] = ""

    def handle_endtag(self, tag):
        if tag == "template":
            self.in_template -= 1
        if tag == "select":
            self.select = None
        if tag == "textarea":
            self.textarea = None
        if tag == "form":
            self.in_card = False

    def handle_data(self, data):
        if self.textarea:
            self.data[self.textarea] += data


def posted_back(html: str) -> dict:
    parser = CardInputs()
    parser.feed(html)
    return {k: v for k, v in parser.data.items() if k != "csrfmiddlewaretoken"}


def test_a_card_posted_back_unchanged_changes_nothing(logged_in, setup):
    customer = factories.customer(
        "0101",
        short_name="西湖茶业",
        mnemonic="XH",
        founded_on="2001-02-03",
        remarks="老客户\n第二行",
        tags=["重点", "华东"],
        contacts=[{"name": "甲", "is_primary": True, "birthday": "1980-01-02"}, {"name": "乙"}],
        addresses=[{"address": "上海市浦东新区1号", "region_code": "3101", "is_default": True}],
        bank_accounts=[{"bank_name": "中国银行", "account_number": "6222 1"}],
        documents=[{"kind": "business_licence", "number": "N1", "valid_to": "2030-01-01"}],
    )
    before = Customer.objects.get(pk=customer.pk)
    data = posted_back(logged_in.get(edit_url(customer)).content.decode())
    assert data["contacts-0-birthday"] == "1980-01-02" and data["documents-0-warn_days"] == "30"

    response = logged_in.post(edit_url(customer), {**data, "_tab": "contact"})

    assert response.status_code == 302, response.content.decode()
    assert response["Location"] == edit_url(customer) + "?tab=contact"
    reopened = logged_in.get(response["Location"]).content.decode()
    assert re.search(r'id="contact" role="tabpanel" aria-labelledby="tab-contact">', reopened)
    after = Customer.objects.get(pk=customer.pk)
    assert after.version == before.version and after.mnemonic == "XH"
    assert after.contacts.count() == 2 and after.documents.get().number == "N1"
    assert sorted(after.tags.values_list("name", flat=True)) == ["华东", "重点"]
