"""The customer's 360° page (SPEC §3): everything about one customer on one page, in sections.

A section is a title, a template and a function reading its data for one customer as one user
sees it. The archive registers its own sections below; a later app (receivables with aging,
recent sales documents, the evaluation history) adds one by calling ``overview_section_add``
from its ``AppConfig.ready()`` with an ``order`` placing it among these:

    10-40 the four archive groups, 50-80 bank accounts, contacts, addresses, documents,
    90 head office and subsidiaries, 1000 the change history (last).

The data function gets an ``OverviewContext`` (the customer, read by
``selectors.customer_detail`` with its children prefetched, the user, today) and returns the
section template's context, or None to leave the section out (e.g. for a user without the
section's permission). It must read through selectors, in a number of queries that does not
grow with the customer's rows.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Model
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from kehu.accounts.names import display_name
from kehu.audit.selectors import events_for_customer
from kehu.customers import fields, selectors
from kehu.customers.choices import ArchiveGroup, ExpiryStatus
from kehu.customers.forms import (
    CHILD_COLUMNS,
    GROUP_FIELDS,
    SYSTEM_GROUPS,
    TABS,
    child_model_label,
    model_label,
)
from kehu.customers.models import Customer, QualificationDocument
from kehu.customers.services import CHILD_KINDS

EMPTY = "—"
HISTORY_LIMIT = 20
BRANCH_LIMIT = 100


@dataclass(frozen=True)
class OverviewContext:
    customer: Customer
    user: object
    today: datetime.date
    reads: dict = field(default_factory=dict)  # reads shared by several sections

    def once(self, key: str, read: Callable[[], object]):
        """``read()``, done once per page whichever section asks first."""
        if key not in self.reads:
            self.reads[key] = read()
        return self.reads[key]


@dataclass(frozen=True)
class OverviewSection:
    """One section of the 360° page."""

    key: str  # the section's HTML id
    title: Promise
    template: str
    data: Callable[[OverviewContext], dict | None]
    order: int = 500
    wide: bool = False  # across the whole page rather than one of its two columns
    stylesheet: str = ""  # a static file the section's template needs (no inline CSS)


@dataclass
class ShownSection:
    section: OverviewSection
    context: dict = field(default_factory=dict)


_SECTIONS: dict[str, OverviewSection] = {}


def overview_section_add(section: OverviewSection) -> None:
    """Add (or replace, by key) a section of the 360° page."""
    _SECTIONS[section.key] = section


def overview_sections(customer: Customer, user, today: datetime.date | None = None):
    """The sections shown to ``user`` for ``customer``, in order, with their data."""
    context = OverviewContext(customer, user, today or timezone.localdate())
    shown = []
    for section in sorted(_SECTIONS.values(), key=lambda s: (s.order, s.key)):
        data = section.data(context)
        if data is not None:
            shown.append(ShownSection(section, data))
    return shown


# Values as the page shows them -------------------------------------------------------------


def shown_value(value) -> str:
    """A stored value as text: yes/no, grouped decimals, ISO dates, "—" for nothing."""
    if value is None or value == "" or value == []:
        return EMPTY
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    if isinstance(value, Decimal):
        return formats.number_format(value, decimal_pos=2, use_l10n=True, force_grouping=True)
    if isinstance(value, datetime.datetime):
        return formats.date_format(timezone.localtime(value), "Y-m-d H:i")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Model) and hasattr(value, "get_username"):
        return display_name(value)
    return str(value)


def _coded(row) -> str:
    """A master-data row as "code name" (just the name when it starts with the code)."""
    if row is None:
        return EMPTY
    return row.name if row.name.startswith(row.code) else f"{row.code} {row.name}"


def _own_field(customer: Customer, name: str) -> tuple[str, str]:
    """(label, text) of one of the card's fields (an input name of ``GROUP_FIELDS``)."""
    if name == "tags":
        return capfirst(_("tags")), shown_value([t.name for t in customer.tags.all()])
    if name in fields.REFERENCE_FIELDS:
        model_field = fields.REFERENCE_FIELDS[name][0]
        related = getattr(customer, model_field) if getattr(customer, f"{model_field}_id") else None
        # The head office may be outside the user's scope: its code only, as on the card.
        text = related.code if model_field == "parent" and related else _coded(related)
        return model_label(name), text
    model_field = Customer._meta.get_field(name)
    value = getattr(customer, name)
    if model_field.choices:
        value = getattr(customer, f"get_{name}_display")()
    return model_label(name), shown_value(value)


def _user_field_label(definition) -> str:
    zh = (translation.get_language() or "").startswith("zh")
    return definition.label_zh if zh else definition.label_en


def _archive_groups(context: OverviewContext) -> dict[str, list[tuple[str, str]]]:
    """The (label, text) rows of each group: the card's fields, the user-defined fields of
    the group, then the values the system maintains."""
    customer = context.customer
    groups = {
        key: [_own_field(customer, name) for name in names] for key, names in GROUP_FIELDS.items()
    }
    values = customer.user_fields or {}
    for definition in selectors.user_fields().filter(is_active=True):
        group = definition.group if definition.group in groups else ArchiveGroup.OTHER
        value = shown_value(values.get(definition.key))
        groups[group].append((_user_field_label(definition), value))
    for key, names in SYSTEM_GROUPS.items():
        for name in names:
            label = capfirst(Customer._meta.get_field(name).verbose_name)
            groups[key].append((label, shown_value(getattr(customer, name))))
    return groups


def _group_section(key: str, title: Promise, order: int) -> OverviewSection:
    def data(context: OverviewContext) -> dict:
        # The four groups share one read of the user-defined fields per page.
        return {"rows": context.once("groups", lambda: _archive_groups(context))[key]}

    return OverviewSection(key, title, "customers/overview/_fields.html", data, order)


# Rows of the customer: bank accounts, contacts, addresses, documents ------------------------


def _cell(kind: str, row, name: str) -> str:
    if name == "region_code":
        return _coded(row.region) if row.region_id else EMPTY
    if name == "kind":
        return row.get_kind_display()
    value = getattr(row, name)
    if isinstance(value, bool):
        return "✓" if value else ""
    return shown_value(value)


def _table(kind: str, rows, extra_headings=()) -> dict:
    columns = [name for name, _type in CHILD_COLUMNS[kind]]
    return {
        "headings": [child_model_label(kind, name) for name in columns] + list(extra_headings),
        "rows": [{"cells": [_cell(kind, row, name) for name in columns]} for row in rows],
    }


def _child_section(kind: str, order: int, wide: bool = True) -> OverviewSection:
    def data(context: OverviewContext) -> dict:
        return _table(kind, getattr(context.customer, kind).all())

    title = capfirst(CHILD_KINDS[kind][0]._meta.verbose_name_plural)
    return OverviewSection(kind, title, "customers/overview/_table.html", data, order, wide)


def expiry_text(document: QualificationDocument, today: datetime.date) -> str:
    """How a document stands, in words: "Expired 3 days ago", "Expires in 12 days"..."""
    status = document.expiry_status
    if status == ExpiryStatus.NO_EXPIRY:
        return str(ExpiryStatus.NO_EXPIRY.label)
    days = (document.valid_to - today).days
    if days < 0:
        return ngettext("Expired %(days)s day ago", "Expired %(days)s days ago", -days) % {
            "days": -days
        }
    if days == 0:
        return str(_("Expires today"))
    if status == ExpiryStatus.EXPIRING:
        return ngettext("Expires in %(days)s day", "Expires in %(days)s days", days) % {
            "days": days
        }
    return str(ExpiryStatus.VALID.label)


def _documents(context: OverviewContext) -> dict:
    documents = list(context.customer.documents.all())
    table = _table("documents", documents, extra_headings=[_("Status")])
    for row, document in zip(table["rows"], documents, strict=True):
        row["status"] = document.expiry_status
        row["cells"].append(expiry_text(document, context.today))
    due = [d for d in documents if d.expiry_status in (ExpiryStatus.EXPIRED, ExpiryStatus.EXPIRING)]
    table["due"] = len(due)
    return table


# Head office and subsidiaries, history ------------------------------------------------------


def _group_of_companies(context: OverviewContext) -> dict:
    customer, user = context.customer, context.user
    head = None
    if customer.parent_id:
        visible = selectors.customers_visible_to(user).filter(pk=customer.parent_id).first()
        head = {
            "code": customer.parent.code,
            "name": visible.name if visible else "",
            "url": reverse("customers:detail", args=[visible.pk]) if visible else "",
        }
    branches = list(selectors.customer_branches(user, customer)[: BRANCH_LIMIT + 1])
    return {
        "head": head,
        "branches": [
            {
                "code": branch.code,
                "name": branch.name,
                "url": reverse("customers:detail", args=[branch.pk]),
                "active": branch.is_active,
            }
            for branch in branches[:BRANCH_LIMIT]
        ],
        "more_branches": len(branches) > BRANCH_LIMIT,
    }


def _history(context: OverviewContext) -> dict:
    # As on the card: whoever may see the customer may see what happened to it.
    events = list(events_for_customer(context.customer.pk)[: HISTORY_LIMIT + 1])
    return {
        "events": events[:HISTORY_LIMIT],
        "more": len(events) > HISTORY_LIMIT,
        "limit": HISTORY_LIMIT,
        "full_url": reverse("customers:edit", args=[context.customer.pk]) + "?tab=history",
    }


for _order, (_key, _title) in enumerate(TABS, start=1):
    overview_section_add(_group_section(_key, _title, _order * 10))
overview_section_add(_child_section("bank_accounts", 50))
overview_section_add(_child_section("contacts", 60))
overview_section_add(_child_section("addresses", 70))
overview_section_add(
    OverviewSection(
        "documents",
        capfirst(QualificationDocument._meta.verbose_name_plural),
        "customers/overview/_documents.html",
        _documents,
        80,
        wide=True,
    )
)
overview_section_add(
    OverviewSection(
        "companies",
        pgettext_lazy("customer 360", "Head office and subsidiaries"),
        "customers/overview/_companies.html",
        _group_of_companies,
        90,
        wide=True,
    )
)
overview_section_add(
    OverviewSection(
        "history", _("History"), "customers/overview/_history.html", _history, 1000, wide=True
    )
)
