"""The main screen: the class tree and the customer list."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import QueryDict
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from kehu.core import keyset
from kehu.core.api.pagination import COUNT_LIMIT
from kehu.core.permissions import DeclaredPermissionsMixin
from kehu.customers import selectors
from kehu.customers.choices import UserFieldType
from kehu.customers.columns import (
    LIST_DEFAULT_COLUMNS,
    ExportColumn,
    available_columns,
    parse_columns,
    split_columns,
)
from kehu.customers.filters import (
    RANGES,
    SAVED_PARAM,
    USER_FIELD_PREFIX,
    ConditionError,
    CustomerFilter,
    filter_with_saved,
    query_values,
    saved_query_of,
)
from kehu.customers.models import Customer, Tag, UserField
from kehu.evaluation.choices import AbcClass, RfmSegment
from kehu.masterdata.models import CreditGrade, CustomerClass, Department, Industry, Salesperson
from kehu.masterdata.selectors import tree_nodes

PAGE_SIZE = 50
COLUMNS_PARAM = "columns"
# The parameters of the list page besides the conditions: a saved query, the page, the columns.
PAGE_PARAMS = (SAVED_PARAM, "page", COLUMNS_PARAM)
# Pages linked by number (an OFFSET the database counts through); deeper ones go by cursor.
NUMBERED_PAGES = 20
# the class tree counts its customers only up to this many visible customers
TREE_COUNT_LIMIT = 100_000


def _label(field: str) -> Promise:
    return capfirst(Customer._meta.get_field(field).verbose_name)


FILTER_LABELS = {
    "q": _("Keyword"),
    "code": _label("code"),
    "class_code": _label("customer_class"),
    "region_code": _label("region"),
    "industry": _label("industry"),
    "department": _label("department"),
    "salesperson": _label("salesperson"),
    "credit_grade": _label("credit_grade"),
    "tag": _label("tags"),
    "status": _("Status"),
    "overdue_days": _("Overdue by at least (days)"),
    "evaluation_grade": _("Evaluation grade"),
    "abc_class": _("ABC class"),
    "rfm_segment": _("RFM segment"),
    "ordering": _("Sort order"),
    COLUMNS_PARAM: _("Columns"),
}
_BOUND_LABELS = {
    "from": _("%(label)s from"),
    "to": _("%(label)s to"),
    "min": _("%(label)s at least"),
    "max": _("%(label)s at most"),
}
_RANGE_OF_PARAM = {
    param: condition for condition in RANGES for param in (condition.low, condition.high)
}
# conditions whose several values are one comma-separated text
CODE_LISTS = (
    "class_code",
    "region_code",
    "industry",
    "department",
    "salesperson",
    "credit_grade",
    "evaluation_grade",
    "abc_class",
    "rfm_segment",
)
STATUS_CHOICES = (("all", _("All")), ("active", _("Active")), ("deactivated", _("Deactivated")))
YES_NO = {"true": _("Yes"), "false": _("No")}


def condition_label(key: str, user_fields: dict[str, UserField] | None = None) -> str:
    """The name of a parameter as the page shows it (a user-defined field by its label)."""
    if key in FILTER_LABELS:
        return str(FILTER_LABELS[key])
    if key in _RANGE_OF_PARAM:
        # formatted now, in the language of the request
        bound = key.rsplit("_", 1)[1]
        return str(_BOUND_LABELS[bound] % {"label": _RANGE_OF_PARAM[key].label})
    if key.startswith(USER_FIELD_PREFIX) and user_fields:
        name = key.removeprefix(USER_FIELD_PREFIX)
        if name in user_fields:
            return _user_field_label(user_fields[name])
        stem, _sep, bound = name.rpartition("_")
        if stem in user_fields and bound in _BOUND_LABELS:
            return str(_BOUND_LABELS[bound] % {"label": _user_field_label(user_fields[stem])})
    return key


def _user_field_label(definition: UserField) -> str:
    zh = (get_language() or "").lower().startswith("zh")
    return definition.label_zh if zh else definition.label_en


@dataclass
class ClassNode:
    """A customer class as the tree shows it: with the customers of its whole subtree."""

    code: str
    name: str
    level: int
    count: int | None  # None: the archive is too large to count on every page
    url: str
    selected: bool


@dataclass
class Heading:
    """A column heading: a link that sorts by it (None when the column cannot be sorted)."""

    key: str
    label: Promise | str
    url: str | None
    sorted: str  # "asc", "desc" or ""
    numeric: bool


@dataclass
class Chip:
    """One condition in effect, with the link that removes it."""

    label: str
    value: str
    remove_url: str


@dataclass
class Cell:
    key: str
    kind: str
    value: object
    css: str = ""


@dataclass
class Row:
    customer: Customer
    cells: list[Cell] = field(default_factory=list)


def _query(params: dict, **changes) -> str:
    """``?a=1&b=2`` for ``params`` with ``changes`` applied; empty values are left out, a list
    is the parameter repeated."""
    merged = {**params, **changes}
    query = QueryDict(mutable=True)
    for key, value in merged.items():
        if isinstance(value, list | tuple):
            values = [str(item) for item in value if item not in (None, "")]
            if values:
                query.setlist(key, values)
        elif value not in (None, ""):
            query[key] = value
    return f"?{query.urlencode()}" if query else "?"


def parse_filter(query, user) -> tuple[CustomerFilter, list[str], object | None, set[str]]:
    """The filter of the request's ``query`` over the saved query it names (``saved``), the
    messages about what was ignored, the saved query used and the parameters ignored: a
    condition that does not parse (given or stored in the saved query), or a saved query the
    user may not use, is dropped and reported."""
    saved, errors = None, []
    if query.get(SAVED_PARAM):
        try:
            saved = saved_query_of(user, query[SAVED_PARAM])
        except DjangoValidationError:
            errors.append(_("The saved query does not exist or is not shared with you."))
    try:
        return filter_with_saved(query, user, saved), errors, saved, set()
    except ConditionError as error:
        bad, messages = error.params, error.message_dict
    definitions = _user_fields_of(bad)
    for key, texts in sorted(messages.items()):
        for text in texts:
            if key == SAVED_PARAM:
                errors.append(text)
            else:
                errors.append(
                    _("%(field)s: this value is not valid and was ignored (%(reason)s).")
                    % {"field": condition_label(key, definitions), "reason": text}
                )
    try:
        return filter_with_saved(query, user, saved, ignore=bad), errors, saved, bad
    except ConditionError:  # pragma: no cover - what remains parsed before
        return CustomerFilter(), errors, None, bad


def _user_fields_of(keys) -> dict[str, UserField]:
    if not any(key.startswith(USER_FIELD_PREFIX) for key in keys):
        return {}
    return {definition.key: definition for definition in UserField.objects.all()}


def read_conditions(query, user, *, page_params=PAGE_PARAMS):
    """The list's conditions in the request's ``query``: the filter (over a saved query it
    names), messages about what was ignored, the saved query used, and the parameters
    understood (the conditions given, the saved query and ``page_params``), which the page's
    links carry on."""
    filters, errors, saved, bad = parse_filter(query, user)
    params = {key: value for key, value in query_values(query).items() if key not in bad}
    for key in page_params:
        if key == SAVED_PARAM:
            if saved is not None:
                params[key] = str(saved.pk)
        elif key == COLUMNS_PARAM:
            if names := split_columns(query.getlist(key)):
                params[key] = ",".join(names)
        elif query.get(key):
            params[key] = query[key]
    return filters, errors, saved, params


def class_tree(user, selected: str | None, params: dict) -> list[ClassNode]:
    """Every class in code order with its subtree's customer count: one grouped COUNT by
    class, summed up the (small) tree in Python. Past ``TREE_COUNT_LIMIT`` visible customers
    the tree shows no counts: grouping a million customers on every page view would cost more
    than the page (the statistics count any result exactly)."""
    visible = selectors.customers_visible_to(user)
    if keyset.count_up_to(visible, TREE_COUNT_LIMIT)[1]:
        direct = dict(
            visible.values_list("customer_class__code").annotate(n=Count("pk")).order_by()
        )
    else:
        direct = None
    nodes = list(tree_nodes(CustomerClass))
    by_id = {node.pk: node for node in nodes}
    totals = dict.fromkeys(by_id, 0)
    for node in nodes:
        count = direct.get(node.code, 0) if direct else 0
        current = node
        while current is not None and count:
            totals[current.pk] += count
            current = by_id.get(current.parent_id)
    return [
        ClassNode(
            code=node.code,
            name=node.name,
            level=node.level,
            count=None if direct is None else totals[node.pk],
            url=_query(params, class_code=node.code, page=None),
            selected=node.code == selected,
        )
        for node in nodes
    ]


def list_columns(query, saved) -> tuple[list[ExportColumn], str | None]:
    """The columns to show: the ``columns`` parameter, else the saved query's, else the
    list's defaults; with a message when the parameter names unknown columns."""
    names = split_columns(query.getlist(COLUMNS_PARAM) if hasattr(query, "getlist") else None)
    if not names and saved is not None:
        names = list(saved.columns)
    try:
        return parse_columns(names, default=LIST_DEFAULT_COLUMNS), None
    except ValueError as error:
        message = _("%(field)s: this value is not valid and was ignored (%(reason)s).") % {
            "field": FILTER_LABELS[COLUMNS_PARAM],
            "reason": str(error),
        }
        return parse_columns(None, default=LIST_DEFAULT_COLUMNS), message


def column_choices(columns: list[ExportColumn]) -> list[tuple[str, object, bool]]:
    """(key, heading, shown) for the column checkboxes: the columns shown first, in their
    order, then the others in the catalogue's."""
    shown = [column.key for column in columns]
    others = [column for key, column in available_columns().items() if key not in shown]
    return [(column.key, column.label, True) for column in columns] + [
        (column.key, column.label, False) for column in others
    ]


def _attribute(customer: Customer, path: str):
    value = customer
    for name in path.split("__"):
        value = getattr(value, name, None)
        if value is None:
            return None
    return value


def cell(customer: Customer, column: ExportColumn) -> Cell:
    """What the list shows of ``customer`` in ``column``: a reference by its name, a date as
    YYYY-MM-DD, a yes/no, the tags joined."""
    kind = column.kind
    if kind == "tags":
        value = "、".join(tag.name for tag in customer.tags.all())
    elif kind == "user":
        value = (customer.user_fields or {}).get(column.key)
        if column.lookup == UserFieldType.BOOLEAN and isinstance(value, bool):
            value = YES_NO["true" if value else "false"]
        elif column.lookup == UserFieldType.NUMBER and value is not None:
            kind = "number"
    elif kind == "status":
        value = customer.is_active
    elif kind == "datetime":
        raw = _attribute(customer, column.key)
        value = None if raw is None else timezone.localtime(raw).strftime("%Y-%m-%d %H:%M")
    else:
        value = _attribute(customer, column.display or column.key)
        if kind == "bool":
            value = YES_NO["true" if value else "false"]
        elif isinstance(value, datetime.date):
            value = value.isoformat()
    css = "code" if column.key == "code" else "num" if kind == "number" else ""
    if kind == "number" and isinstance(value, Decimal):
        value = f"{value:,.2f}"
    return Cell(column.key, kind, "" if value is None else value, css)


def condition_chips(filters: CustomerFilter, carry: dict) -> list[Chip]:
    """One chip per condition in effect (per value of a condition with several), each with
    the link to the same list without it. The links name the conditions themselves, not the
    saved query they may come from: without one of them, it is no longer that query."""
    conditions = filters.params()
    definitions = _user_fields_of(conditions)
    chips = []
    for key, value in conditions.items():
        label = condition_label(key, definitions)
        if key in CODE_LISTS:
            values = [item for item in value.split(",") if item]
            separator = ","
        else:
            values = value if isinstance(value, list) else [value]
            separator = None
        for item in values:
            rest = [other for other in values if other != item]
            kept = separator.join(rest) if separator else rest
            shown = dict(STATUS_CHOICES).get(item, item) if key == "status" else item
            if key.startswith(USER_FIELD_PREFIX) and item in YES_NO:
                shown = YES_NO[item]
            elif key == "rfm_segment" and item in RfmSegment.values:
                shown = RfmSegment(item).label
            chips.append(
                Chip(label, str(shown), _query({**conditions, **carry}, **{key: kept or None}))
            )
    return chips


@dataclass
class CodeChoice:
    """A select of master-data codes in the advanced panel (several may be chosen)."""

    name: str
    label: Promise | str
    options: list[tuple[str, str, bool]]  # (code, text, selected)
    help: Promise | str = ""


@dataclass
class UserFieldInput:
    """The inputs of one user-defined field in the advanced panel."""

    definition: UserField
    label: str
    names: tuple[str, ...]  # the parameters: one (exact), or two (range)
    values: tuple[str, ...]
    choices: list[tuple[str, str, bool]] = field(default_factory=list)  # (value, text, chosen)

    @property
    def several(self) -> bool:
        """A choice field takes several values (any of them)."""
        return self.definition.field_type == UserFieldType.CHOICE


def advanced_panel(filters: CustomerFilter) -> dict:
    """What the "advanced conditions" panel offers, filled with the conditions in effect."""
    chosen = filters.params()

    def codes_of(model, name, text=lambda item: f"{item.code} {item.name}"):
        selected = set(getattr(filters, name))
        return CodeChoice(
            name,
            FILTER_LABELS[name],
            [(item.code, text(item), item.code in selected) for item in model.objects.all()],
        )

    tags = set(filters.tag)
    user_inputs = []
    for definition in UserField.objects.filter(is_active=True):
        label = _user_field_label(definition)
        key = f"{USER_FIELD_PREFIX}{definition.key}"
        if definition.field_type == UserFieldType.DATE:
            names = (f"{key}_from", f"{key}_to")
        elif definition.field_type == UserFieldType.NUMBER:
            names = (f"{key}_min", f"{key}_max")
        else:
            names = (key,)
        values = tuple(_text_of(chosen.get(name)) for name in names)
        selected = chosen.get(key) or []
        selected = set(selected if isinstance(selected, list) else [selected])
        choices = []
        if definition.field_type == UserFieldType.CHOICE:
            choices = [(choice, choice, choice in selected) for choice in definition.choices]
        elif definition.field_type == UserFieldType.BOOLEAN:
            choices = [(value, str(text), value in selected) for value, text in YES_NO.items()]
        user_inputs.append(UserFieldInput(definition, label, names, values, choices))
    return {
        "ranges": [
            {
                "label": condition.label,
                "kind": condition.kind,
                "low": (condition.low, chosen.get(condition.low, "")),
                "high": (condition.high, chosen.get(condition.high, "")),
            }
            for condition in RANGES
        ],
        "code_choices": [
            codes_of(Industry, "industry"),
            codes_of(Department, "department"),
            codes_of(Salesperson, "salesperson"),
            codes_of(CreditGrade, "credit_grade", text=lambda item: item.code),
            *evaluation_choices(filters),
        ],
        "region_text": ",".join(filters.region_code),
        "overdue_days": _text_of(chosen.get("overdue_days")),
        "tag_options": [(tag.name, tag.name in tags) for tag in Tag.objects.all()],
        "user_inputs": user_inputs,
        "open": any(key not in ("q", "class_code", "status") for key in chosen),
    }


def evaluation_choices(filters: CustomerFilter) -> list[CodeChoice]:
    """The selects of the conditions on the latest succeeded evaluation run, the first one
    saying which run that is."""
    from kehu.evaluation.conditions import grade_names, latest_runs

    run = latest_runs().values("pk", "as_of").first()
    if run is None:
        help_text = _("No evaluation run has succeeded yet: evaluation conditions match nobody.")
    else:
        help_text = _(
            "Evaluation grade, ABC class, RFM segment and total score: from the latest "
            "succeeded evaluation run (#%(id)s, as of %(date)s)."
        ) % {"id": run["pk"], "date": run["as_of"].isoformat()}

    def choice(name, options):
        chosen = list(getattr(filters, name))
        # a value chosen that is not offered (a grade of an older scorecard) stays chosen
        options = list(options) + [(v, v) for v in chosen if v not in {o for o, _t in options}]
        return CodeChoice(name, FILTER_LABELS[name], [(v, str(t), v in chosen) for v, t in options])

    grades = choice("evaluation_grade", [(grade, grade) for grade in grade_names()])
    grades.help = help_text
    return [
        grades,
        choice("abc_class", AbcClass.choices),
        choice("rfm_segment", RfmSegment.choices),
    ]


def _text_of(value) -> str:
    if isinstance(value, list):
        return value[0] if value else ""
    return "" if value is None else str(value)


class CustomerListView(DeclaredPermissionsMixin, TemplateView):
    """The main screen: the class tree at the left, the customers at the right."""

    template_name = "customers/customer_list.html"

    @classmethod
    def declared_permissions(cls, method, kwargs, mode=None):
        return ("customers.view_customer",)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        filters, errors, saved, params = read_conditions(self.request.GET, user)
        columns, column_error = list_columns(self.request.GET, saved)
        column_keys = [column.key for column in columns]
        # the columns chosen (by the request or the saved query); None: the list's defaults
        chosen = None if column_keys == list(LIST_DEFAULT_COLUMNS) else ",".join(column_keys)
        if column_error:
            errors.append(column_error)
        params[COLUMNS_PARAM] = chosen
        queryset = filters.apply(selectors.customer_list(user))
        # counted no further than COUNT_LIMIT; the paginator pages over the counted positions
        count, count_exact = keyset.count_up_to(queryset, COUNT_LIMIT)
        paginator = Paginator(range(count), PAGE_SIZE)
        keys = keyset.sort_keys(queryset)
        window, number = self._window(queryset, keys, paginator, count_exact, params, errors)
        selected_class = filters.class_code[0] if len(filters.class_code) == 1 else None
        tree = class_tree(user, selected_class, params)
        # what the forms and the chips carry besides the conditions: the order and columns
        carry = {"ordering": filters.ordering, COLUMNS_PARAM: chosen}
        context.update(
            filters=filters,
            errors=errors,
            count=count,
            count_exact=count_exact,
            rows=[
                Row(customer, [cell(customer, column) for column in columns])
                for customer in window.rows
            ],
            tree=tree,
            selected_class=selected_class,
            class_text=",".join(filters.class_code),
            total=None
            if tree and tree[0].count is None
            else sum(node.count for node in tree if node.level == 1),
            all_url=_query(params, class_code=None, page=None),
            columns=self._headings(columns, filters.ordering, params),
            chips=condition_chips(filters, carry),
            clear_url=_query(carry),
            # the search form chooses the columns with its checkboxes
            form_carry=[("ordering", filters.ordering)],
            export_carry=[(key, value) for key, value in carry.items() if value],
            column_choices=column_choices(columns),
            page_links=self._page_links(paginator, number, params),
            **self._cursor_links(window, keys, number, paginator, params),
            status_choices=STATUS_CHOICES,
            saved_query=saved,
            saved_queries=selectors.saved_queries_visible_to(user),
            # what "Save this query" saves: the conditions in effect (saved ones included),
            # the order and the columns chosen
            query_string=_query({**filters.params(), **carry})[1:],
            # what the export and the statistics take: the same conditions and columns
            condition_params=query_pairs(filters.params()),
            export_query=_query({**filters.params(), **carry}),
            statistics_query=_query(filters.params(), group_by="class"),
            labels=FILTER_LABELS,
            advanced=advanced_panel(filters),
        )
        return context

    @staticmethod
    def _headings(columns: list[ExportColumn], ordering: str, params: dict) -> list[Heading]:
        current = ordering.removeprefix("-")
        descending = ordering.startswith("-")
        headings = []
        for column in columns:
            numeric = column.kind == "number"
            if not column.sort:
                headings.append(Heading(column.key, column.label, None, "", numeric))
                continue
            key = column.key
            # A click on the sorted column reverses it; on another column sorts ascending.
            target = f"-{key}" if key == current and not descending else key
            state = ("desc" if descending else "asc") if key == current else ""
            url = _query(params, ordering=target, page=None)
            headings.append(Heading(key, column.label, url, state, numeric))
        return headings

    def _window(self, queryset, keys, paginator, count_exact, params, errors):
        """The rows of the page and its number: after or before the ``cursor`` of a
        previous/next/last link (no number then), or by page number."""
        text = self.request.GET.get(keyset.CURSOR_PARAM)
        if text:
            try:
                cursor = keyset.decode_cursor(text, keys)
            except DjangoValidationError:
                errors.append(_("The page link does not fit these conditions: first page shown."))
            else:
                size = PAGE_SIZE
                if cursor.values is None and count_exact:
                    # the last page, as long as by page numbers
                    size = paginator.count - (paginator.num_pages - 1) * PAGE_SIZE or PAGE_SIZE
                return (
                    keyset.window_at_cursor(queryset, keys, cursor, size, counted=count_exact),
                    None,
                )
        number = paginator.get_page(params.get("page")).number
        offset = (number - 1) * PAGE_SIZE
        window = keyset.window_at_offset(queryset, keys, offset, PAGE_SIZE, counted=count_exact)
        return window, number

    @staticmethod
    def _page_links(paginator, number, params) -> list[tuple[str, str | None, bool]]:
        """(label, url, current) for the numbered pages around the current one (the first
        ``NUMBERED_PAGES`` only: deeper pages go by cursor); url None is a gap."""
        links = []
        for item in paginator.get_elided_page_range(number or 1, on_each_side=2):
            if isinstance(item, int) and (item <= NUMBERED_PAGES or item == number):
                links.append((str(item), _query(params, page=item), item == number))
            elif links and links[-1][1] is not None:  # one gap for any run of left-out pages
                links.append((str(Paginator.ELLIPSIS), None, False))
        return links

    @staticmethod
    def _cursor_links(window, keys, number, paginator, params) -> dict[str, str | None]:
        """Previous, next and last page links by cursor: as fast at any depth."""

        def link(cursor):
            return _query(params, page=None, cursor=cursor.encode()) if cursor else None

        at_end = window.next is None
        return {
            "previous_url": link(window.previous),
            "next_url": link(window.next),
            "last_url": None if at_end else link(keyset.last_page_cursor(keys)),
        }


def query_pairs(params: dict) -> list[tuple[str, str]]:
    """(name, value) per hidden input: a list is the parameter repeated."""
    pairs = []
    for key, value in params.items():
        for item in value if isinstance(value, list) else [value]:
            pairs.append((key, str(item)))
    return pairs
