"""Issue 4 acceptance: an XSS payload corpus saved into every text field renders escaped on every
page that shows it.

For each payload of the corpus a fresh archive is built, and the payload is saved into every text
field of the customer archive and of master data — found from the models, so a field added later
is covered without touching this file — through the services every input path calls, so that
validation applies as it does for a user. A field whose format refuses such text (a code, an
e-mail, a choice) must refuse it with a field error and keep its value. Then an administrator
opens every page: the crawl of tests/core/test_pages.py, the keyword search, the card (one page
holding its four tabs) in English and in Chinese. Every page must

* show each saved value HTML-escaped somewhere (so the test fails if escaping is lost, and does
  not pass vacuously when a page stops showing a value);
* never contain a saved value raw;
* hold no injected markup: no ``on*`` attribute, no inline script, no ``javascript:`` URL and
  none of the elements only the corpus brings.

The API returns the customer's text verbatim as JSON. Text a user sends that comes straight back
(the search box, a refused form, a confirmation message) is escaped too. test_xss_browser.py
runs the corpus in Chromium, for what only a browser does.

Every value gets a short tag (``x07``) so that each field can be told apart on the pages.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode, urlparse

import pytest
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import URLResolver, get_resolver, resolve
from django.utils.html import escape

from kehu.accounts.services import token_create, user_create
from kehu.core.models import CodedItem
from kehu.customers import fields as customer_fields
from kehu.customers.forms import TABS
from kehu.customers.models import (
    BankAccount,
    Contact,
    Customer,
    QualificationDocument,
    SavedQuery,
    Tag,
    UserField,
)
from kehu.customers.services import (
    customer_child_update,
    customer_create,
    customer_update,
    saved_query_create,
    saved_query_update,
    user_field_create,
    user_field_update,
)
from kehu.customers.services.children import CHILD_MODELS
from kehu.masterdata.choices import TreeKind
from kehu.masterdata.models import (
    CodingScheme,
    CreditGrade,
    Currency,
    CustomerClass,
    Department,
    PaymentTerms,
    Region,
    Salesperson,
    TreeNode,
)
from kehu.masterdata.services import (
    coded_item_create,
    coded_item_update,
    coding_scheme_update,
    tree_node_create,
    tree_node_update,
)
from tests.conftest import ApiClient
from tests.core.test_pages import crawl

CORPUS = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    "javascript:alert(1)",
    "{{7*7}}",
    "</textarea></title><script>alert(1)</script>",
    '" autofocus onfocus="alert(1)',
    '<a href="javascript:alert(1)">x</a>',
    "客户😀<b>加粗</b> &amp; Ünïcödé",
)
# Elements only the corpus brings: no template uses them, so one on a page was injected.
CORPUS_ELEMENTS = {"img", "svg", "b"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data"}

TEXT_APPS = ("customers", "masterdata")
# Text fields nobody types: the page picks them, or the service derives them.
NOT_TYPED = {
    (CodingScheme, "tree"): "the page names the tree; what one types is the segments",
    (PaymentTerms, "discounts"): "parsed from the terms text by the service",
}
# A quoted local part of an e-mail address and the path of a URL may hold markup.
EMAIL_SHAPE = '"<script>alert(1)</script>{tag}"@example.com'
URL_SHAPE = 'https://example.com/"><script>alert(1)</script>{tag}'
# Fields whose format refuses the corpus. Each payload must come back as an error on the field,
# the stored value unchanged. Where the format still admits markup, that shape is saved as well
# and must render escaped like any other text: validation is not what makes the pages safe.
VALIDATED = {
    (Customer, "code"): None,
    (Customer, "country"): None,
    (Customer, "credit_code"): None,
    (Customer, "kind"): None,
    (Customer, "email"): EMAIL_SHAPE,
    (Customer, "website"): URL_SHAPE,
    (Contact, "email"): EMAIL_SHAPE,
    (BankAccount, "account_number"): None,
    (QualificationDocument, "kind"): None,
    (UserField, "key"): None,
    (SavedQuery, "params"): None,
    (SavedQuery, "columns"): None,
    (SavedQuery, "ordering"): None,
    (UserField, "field_type"): None,
    (UserField, "group"): None,
    (CustomerClass, "code"): None,
    (Region, "code"): None,
    (Currency, "code"): None,
    (Salesperson, "email"): EMAIL_SHAPE,
    (PaymentTerms, "text"): None,
    (CodingScheme, "segments"): None,
}
# Pages that show no stored text: they are not part of the crawl's requirements.
NOT_PAGES = {
    "customers:deactivate": "POST only, redirects to the card",
    "customers:reactivate": "POST only, redirects to the card",
    "customers:mnemonic": "JSON, checked by test_reflected_input_is_escaped",
    "customers:saved_queries": "POST only (saves or deletes a query), redirects to the list",
}
ADMIN = "xss-admin"
PASSWORD = "Kehu-xss-2026"


def _tag(index: int) -> str:
    return f"x{index:02d}"


def _fit(payload: str, max_length: int | None) -> str:
    return payload[:max_length].rstrip() if max_length else payload


def _tagged(payload: str, index: int, max_length: int | None) -> str:
    """The payload cut to fit the field, with the field's tag after it (so a ``javascript:``
    payload still starts the value)."""
    tag = _tag(index)
    return _fit(payload, max_length and max_length - len(tag)) + tag


def _pick(payload: str | tuple[str, ...], index: int) -> str:
    """The payload of field ``index``: the one given, or one of several in turn."""
    return payload if isinstance(payload, str) else payload[index % len(payload)]


# The archive a round writes into ---------------------------------------------------------------


@dataclass
class Archive:
    """One row of every kind, built with harmless values through the services."""

    admin: object
    nodes: dict  # tree model -> its leaf node
    items: dict  # coded list model -> its row
    text_field: UserField
    choice_field: UserField
    customer: Customer | None = None
    children: dict = field(default_factory=dict)  # child model -> the customer's row

    def code(self, model) -> str:
        row = self.nodes[model] if issubclass(model, TreeNode) else self.items[model]
        return type(row).objects.get(pk=row.pk).code


ITEM_EXTRAS = {
    Currency: {"code": "GBP", "symbol": "£"},
    PaymentTerms: {"text": "2/10,n/30"},
    CreditGrade: {"rank": 900},
    Salesperson: {"user": ADMIN},
}


def archive_create(
    payload: str | tuple[str, ...], first_index: int
) -> tuple[Archive, dict[str, str]]:
    """The master data, the user-defined fields and a login whose name is the payload."""
    names = {
        f"User.{name}": _tagged(_pick(payload, first_index + n), first_index + n, 150)
        for n, name in enumerate(("first_name", "last_name"))
    }
    admin = user_create(
        username=ADMIN,
        password=PASSWORD,
        roles=["administrator"],
        is_superuser=True,
        first_name=names["User.first_name"],
        last_name=names["User.last_name"],
    )
    nodes = {}
    for model, codes in ((CustomerClass, ("01", "0101")), (Region, ("31", "3101"))):
        for code in codes:  # the last one, a leaf, is the one the customer uses
            data = {"code": code, "name": f"node {code}"}
            nodes[model] = tree_node_create(model, actor=admin, data=data)
    items = {
        model: coded_item_create(
            model,
            actor=admin,
            data={"code": "K1", "name": "plain", **ITEM_EXTRAS.get(model, {})},
        )
        for model in apps.get_app_config("masterdata").get_models()
        if issubclass(model, CodedItem)
    }
    text_field = user_field_create(
        actor=admin,
        data={"key": "note", "label_zh": "备注", "label_en": "Note", "field_type": "text"},
    )
    choice_field = user_field_create(
        actor=admin,
        data={
            "key": "level",
            "label_zh": "级别",
            "label_en": "Level",
            "field_type": "choice",
            "choices": ["plain"],
            "group": "basic",
        },
    )
    return Archive(admin, nodes, items, text_field, choice_field), names


def customer_add(archive: Archive) -> None:
    """A customer referring to every master-data row, with one row of each child list."""
    a = archive
    coded_item_update(
        Salesperson,
        actor=a.admin,
        item=a.items[Salesperson],
        data={"department": a.code(Department)},
    )
    references = {
        name: a.code(model)
        for name, (_field, model) in customer_fields.REFERENCE_FIELDS.items()
        if model != "customer"
    }
    a.customer = customer_create(
        actor=a.admin,
        data={
            "code": "C1",
            "name": "plain customer",
            **references,
            "contacts": [{"name": "张三"}],
            "addresses": [{"address": "人民路 1 号", "region_code": references["region_code"]}],
            "bank_accounts": [{"bank_name": "工商银行", "account_number": "6222 0001"}],
            "documents": [{"kind": "other"}],
            "tags": ["plain"],
        },
    )
    a.children = {model: getattr(a.customer, kind).get() for model, kind in CHILD_MODELS.items()}


# How each model's text is written (through its service, one save per row as a user saves a
# form) and read back --------------------------------------------------------------------------


def _write_tree(a, model, values):
    tree_node_update(model, actor=a.admin, node=a.nodes[model], data=values)


def _read_tree(a, model, name):
    return getattr(model.objects.get(pk=a.nodes[model].pk), name)


def _write_item(a, model, values):
    coded_item_update(model, actor=a.admin, item=a.items[model], data=values)


def _read_item(a, model, name):
    return getattr(model.objects.get(pk=a.items[model].pk), name)


def _write_scheme(a, model, values):
    coding_scheme_update(actor=a.admin, tree=TreeKind.CUSTOMER_CLASS, segments=values["segments"])


def _read_scheme(a, model, name):
    return getattr(CodingScheme.objects.get(tree=TreeKind.CUSTOMER_CLASS), name)


def _write_user_field(a, model, values):
    """The choices go to the choice field, the rest to the text field."""
    values = dict(values)
    if "choices" in values:
        data = {"choices": [values.pop("choices")]}
        user_field_update(actor=a.admin, definition=a.choice_field, data=data)
    if values:
        user_field_update(actor=a.admin, definition=a.text_field, data=values)


def _read_user_field(a, model, name):
    if name == "choices":
        return UserField.objects.get(pk=a.choice_field.pk).choices[0]
    return getattr(UserField.objects.get(pk=a.text_field.pk), name)


def _write_customer(a, model, values):
    data = dict(values)
    if "user_fields" in data:
        data["user_fields"] = {a.text_field.key: data["user_fields"]}
    customer_update(actor=a.admin, customer=a.customer, data=data)


def _read_customer(a, model, name):
    customer = Customer.objects.get(pk=a.customer.pk)
    if name == "user_fields":
        return customer.user_fields.get(a.text_field.key)
    return getattr(customer, name)


def _write_tag(a, model, values):
    customer_update(actor=a.admin, customer=a.customer, data={"tags": [values["name"]]})


def _read_tag(a, model, name):
    return ", ".join(a.customer.tags.values_list(name, flat=True))


def _write_child(a, model, values):
    kind = CHILD_MODELS[model]
    customer_child_update(kind, actor=a.admin, row=a.children[model], data=values)


def _read_child(a, model, name):
    return getattr(model.objects.get(pk=a.children[model].pk), name)


def _saved_query(a):
    """The administrator's saved query (shown in the list page's select of saved queries)."""
    query = SavedQuery.objects.filter(owner=a.admin).first()
    return query or saved_query_create(actor=a.admin, data={"name": "plain"})


def _write_saved_query(a, model, values):
    saved_query_update(actor=a.admin, query=_saved_query(a), data=values)


def _read_saved_query(a, model, name):
    return getattr(_saved_query(a), name)


ACCESS = {
    SavedQuery: (_write_saved_query, _read_saved_query),
    Customer: (_write_customer, _read_customer),
    Tag: (_write_tag, _read_tag),
    UserField: (_write_user_field, _read_user_field),
    CodingScheme: (_write_scheme, _read_scheme),
}


def access(model) -> tuple[Callable, Callable]:
    """How a user writes a model's text (``write(archive, model, {name: value})``) and how it
    reads back (``read(archive, model, name)``)."""
    if issubclass(model, TreeNode):
        return _write_tree, _read_tree
    if issubclass(model, CodedItem):
        return _write_item, _read_item
    if model in CHILD_MODELS:
        return _write_child, _read_child
    assert model in ACCESS, f"{model.__name__} has text fields: say in ACCESS how a user writes it"
    return ACCESS[model]


# The text fields ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    """A text field of a model."""

    model: type[models.Model]
    name: str
    max_length: int | None

    @property
    def label(self) -> str:
        return f"{self.model.__name__}.{self.name}"

    @property
    def before_customer(self) -> bool:
        """Master data and field definitions are written before a customer uses them: a code
        or a key can change only while nothing refers to it."""
        return self.model._meta.app_label == "masterdata" or self.model is UserField

    @property
    def error_key(self) -> str:
        return "tags" if self.model is Tag else self.name


TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField)


def text_slots() -> list[Slot]:
    """Every field a user types text into, of every model of the archive and master data."""
    slots = [
        Slot(model, f.name, getattr(f, "max_length", None))
        for app in TEXT_APPS
        for model in apps.get_app_config(app).get_models()
        for f in model._meta.concrete_fields
        if isinstance(f, TEXT_FIELDS) and f.editable and (model, f.name) not in NOT_TYPED
    ]
    assert len(slots) < 98, "the two-digit tags would repeat"
    return slots


def _refuse(a: Archive, slot: Slot, payload: str) -> None:
    """A field whose format refuses the payload reports it on the field and keeps its value."""
    write, read = access(slot.model)
    before = read(a, slot.model, slot.name)
    with pytest.raises(ValidationError) as refused:
        write(a, slot.model, {slot.name: _fit(payload, slot.max_length)})
    errors = getattr(refused.value, "error_dict", {})
    assert slot.error_key in errors, f"{slot.label}: refused without a field error: {errors}"
    assert read(a, slot.model, slot.name) == before, f"{slot.label} changed when refused"


def _save_all(a: Archive, slots: list[tuple[int, Slot]], payloads) -> dict[str, str]:
    """The payload into every field of ``slots``; the values stored, by field label."""
    rows: dict[type, dict[str, str]] = {}
    saved = {}
    for index, slot in slots:
        payload = _pick(payloads, index)
        key = (slot.model, slot.name)
        if key in VALIDATED:
            _refuse(a, slot, payload)
            if VALIDATED[key] is None:
                continue
            value = VALIDATED[key].format(tag=_tag(index))
        else:
            value = _tagged(payload, index, slot.max_length)
        rows.setdefault(slot.model, {})[slot.name] = value
        saved[slot.label] = value
    for model, values in rows.items():
        access(model)[0](a, model, values)
    return saved


def archive_with_payload(payload: str | tuple[str, ...]) -> tuple[Archive, dict[str, str]]:
    """The archive with ``payload`` in every text field (several payloads: one per field, in
    turn); the stored values by field label."""
    slots = text_slots()
    archive, saved = archive_create(payload, len(slots))
    numbered = list(enumerate(slots))
    saved |= _save_all(archive, [(i, s) for i, s in numbered if s.before_customer], payload)
    customer_add(archive)
    saved |= _save_all(archive, [(i, s) for i, s in numbered if not s.before_customer], payload)
    # Stored as typed, and nothing later changed what an earlier write stored.
    for slot in slots:
        if slot.label in saved:
            stored = access(slot.model)[1](archive, slot.model, slot.name)
            assert stored == saved[slot.label], f"{slot.label} stored {stored!r}"
    return archive, saved


# The pages ----------------------------------------------------------------------------------


class Browser:
    """The administrator's client, fetching each page once and keeping its HTML."""

    def __init__(self, client):
        self.client = client
        self.pages: dict[str, str] = {}
        self._responses = {}

    def get(self, url: str, follow: bool = True, language: str = "en"):
        key = url if language == "en" else f"{url} ({language})"
        if key not in self._responses:
            self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
            response = self.client.get(url, follow=follow)
            assert response.status_code == 200, f"{key} answered {response.status_code}"
            self._responses[key] = response
            # a download (the import template) is no page: nothing in it is rendered HTML
            html = response["Content-Type"].startswith("text/html")
            self.pages[key] = response.content.decode() if html else ""
        return self._responses[key]

    def open(self, url: str, language: str = "en") -> str:
        self.get(url, language=language)
        return self.pages[url if language == "en" else f"{url} ({language})"]

    def view_names(self) -> set[str]:
        return {resolve(urlparse(url.split(" ")[0]).path).view_name for url in self.pages}


def page_names() -> set[str]:
    """The named pages of the archive and of master data."""
    names = set()
    for pattern in get_resolver().url_patterns:
        if isinstance(pattern, URLResolver) and pattern.namespace in ("customers", "masterdata"):
            names |= {f"{pattern.namespace}:{p.name}" for p in pattern.url_patterns}
    return names - set(NOT_PAGES)


def visit_every_page(browser: Browser, a: Archive, saved: dict[str, str]) -> None:
    card = f"/customers/{a.customer.pk}/edit/"
    overview = f"/customers/{a.customer.pk}/"
    for label in ("Customer.name", "Customer.short_name", "Customer.mnemonic"):
        html = browser.open("/customers/?" + urlencode({"q": saved[label]}))
        assert f'href="{overview}"' in html, f"the keyword search for {label} misses the customer"
    browser.open(overview)
    browser.open(overview, language="zh-hans")
    browser.open("/customers/?" + urlencode({"class_code": a.code(CustomerClass)}))
    # The card is one page holding its four tabs; in Chinese it shows the Chinese labels.
    html = browser.open(card)
    assert all(f'id="{tab}" role="tabpanel"' in html for tab, _label in TABS)
    browser.open(card, language="zh-hans")
    crawl(browser, "/")
    missing = page_names() - browser.view_names()
    assert not missing, f"pages not visited: {missing}"


class Injection(HTMLParser):
    """Markup on a page that no template writes: what an unescaped value would bring."""

    def __init__(self):
        super().__init__()
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag}> has the handler {name}={value!r}")
            url = (value or "").strip(" \t\r\n\x00\x0b\x0c").lower()
            if name in URL_ATTRIBUTES and url.startswith("javascript:"):
                self.problems.append(f"<{tag}> has {name}={value!r}")
        # The statistics page's own chart is an <svg class="stat-chart">; any other is injected.
        own_chart = tag == "svg" and dict(attrs).get("class") == "stat-chart"
        if tag in CORPUS_ELEMENTS and not own_chart:
            self.problems.append(f"a <{tag}> element")
        if tag == "script":
            self._in_script = True
            if not dict(attrs).get("src"):
                self.problems.append("a <script> without src")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.problems.append(f"an inline script: {data.strip()[:60]!r}")


def assert_no_injection(url: str, html: str, values) -> None:
    raw = [value for value in values if escape(value) != value and value in html]
    assert not raw, f"{url} shows unescaped text: {raw}"
    parser = Injection()
    parser.feed(html)
    parser.close()
    assert not parser.problems, f"{url}: {parser.problems}"


def assert_api_verbatim(client, archive: Archive, saved: dict[str, str]) -> None:
    """The API gives the customer's text back as typed, in JSON a browser will not sniff."""
    _token, raw = token_create(user=archive.admin, name="xss")
    response = ApiClient(client, raw).get(f"/api/v1/customers/{archive.customer.pk}")

    assert response.status_code == 200
    assert response["Content-Type"].split(";")[0] == "application/json"
    assert response["X-Content-Type-Options"] == "nosniff"
    body = json.loads(response.content)
    reference_of = {model: name for name, (_f, model) in customer_fields.REFERENCE_FIELDS.items()}
    expected, found = {}, {}
    for slot in text_slots():
        model, name = slot.model, slot.name
        if slot.label not in saved:
            continue
        if model is Customer:
            found[slot.label] = body["user_fields"]["note"] if name == "user_fields" else body[name]
        elif model is Tag:
            found[slot.label] = ", ".join(body["tags"])
        elif model in CHILD_MODELS:
            found[slot.label] = body[CHILD_MODELS[model]][0][name]
        elif name == "code" and model in reference_of:
            found[slot.label] = body[reference_of[model]]
        else:
            continue  # not part of a customer
        expected[slot.label] = saved[slot.label]
    assert len(expected) > 25
    assert found == expected


def _ids(payload: str) -> str:
    return payload.encode("ascii", "backslashreplace").decode()[:24]


# The tests ----------------------------------------------------------------------------------


def test_every_text_field_is_known_and_writable():
    """A new model with text must say how a user writes it, or this file cannot cover it."""
    slots = text_slots()
    labels = {slot.label for slot in slots}
    for slot in slots:
        access(slot.model)
    for model, name in VALIDATED:
        assert f"{model.__name__}.{name}" in labels, f"{model.__name__}.{name} is no text field"
    assert {"Customer.name", "Contact.notes", "Tag.name", "UserField.label_en"} <= labels
    assert {"Customer.user_fields", "UserField.choices", "Industry.name"} <= labels


@pytest.mark.django_db
@pytest.mark.parametrize("payload", CORPUS, ids=_ids)
def test_payload_in_every_text_field_is_escaped_on_every_page_and_verbatim_in_the_api(
    client, payload
):
    archive, saved = archive_with_payload(payload)
    client.force_login(archive.admin)
    browser = Browser(client)

    visit_every_page(browser, archive, saved)

    for url, html in browser.pages.items():
        assert_no_injection(url, html, saved.values())
    shown = "\n".join(browser.pages.values())
    unseen = [label for label, value in saved.items() if escape(value) not in shown]
    assert not unseen, f"saved but shown escaped on no page: {unseen}"
    assert_api_verbatim(client, archive, saved)


@pytest.mark.django_db
@pytest.mark.parametrize("payload", CORPUS, ids=_ids)
def test_reflected_input_is_escaped(client, payload):
    """What a user types comes back on the page (search box, refused form, message): escaped."""
    archive, _saved = archive_create("plain", 0)
    customer_add(archive)
    client.force_login(archive.admin)

    def keep(url, response, echoed=None):
        assert response.status_code == 200, f"{url} answered {response.status_code}"
        html = response.content.decode()
        assert_no_injection(url, html, [payload])
        if echoed is not None:
            assert escape(echoed) in html, f"{url} does not show what was sent"

    query = {"q": payload, "class_code": payload, "status": payload, "ordering": payload}
    keep("list", client.get("/customers/", {**query, "page": payload}), echoed=payload)
    # A lax client sends the query unencoded; the page repeats it (language switch's "next").
    keep("list, raw query", client.get("/customers/?q=" + payload))
    keep("tree", client.get("/masterdata/trees/classes/", {"parent": payload}), payload[:40])
    keep("card tab", client.get(f"/customers/{archive.customer.pk}/edit/", {"tab": payload}))
    response = client.get("/customers/mnemonic/", {"text": payload})
    assert response["Content-Type"] == "application/json"
    assert isinstance(json.loads(response.content)["mnemonic"], str)

    card = {
        "code": payload,
        "name": payload,
        "class_code": payload,
        "kind": "enterprise",
        "email": payload,
        "contacts-0-name": payload,
        "contacts-0-email": payload,
    }
    keep("refused card", client.post("/customers/new/", card), echoed=payload)
    terms = {"code": "P9", "name": payload, "text": payload + ",n/30", "is_active": "on"}
    keep("refused terms", client.post("/masterdata/lists/payment-terms/new/", terms), payload)
    keep(
        "refused salesperson",
        client.post("/masterdata/lists/salespeople/new/", {"code": "S9", "department": payload}),
        echoed=payload,
    )
    node = {"code": payload[:40], "name": payload}
    keep("refused node", client.post("/masterdata/trees/regions/", node), echoed=payload)
    industry = {"code": _tagged(payload, 0, 20), "name": payload, "is_active": "on"}
    added = client.post("/masterdata/lists/industries/new/", industry, follow=True)
    keep("added industry", added, echoed=f"{industry['code']} {payload} was added.")
