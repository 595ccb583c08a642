"""The main screen: the class tree and the customer list."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import QueryDict
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from pydantic import ValidationError

from kehu.core import keyset
from kehu.core.permissions import DeclaredPermissionsMixin
from kehu.customers import selectors
from kehu.customers.filters import SAVED_PARAM, CustomerFilter, filter_with_saved, saved_query_of
from kehu.customers.models import Customer
from kehu.masterdata.models import CustomerClass
from kehu.masterdata.selectors import tree_nodes

PAGE_SIZE = 50
# Pages linked by number (an OFFSET the database counts through); deeper ones go by cursor.
NUMBERED_PAGES = 20
# The query parameters of the list page: the filter's own, a saved query and the page number.
LIST_PARAMS = (*CustomerFilter.model_fields, SAVED_PARAM, "page")


def _heading(field: str) -> Promise:
    return capfirst(Customer._meta.get_field(field).verbose_name)


# (ordering key of CustomerFilter, column heading): the model's own field names
LIST_COLUMNS = (
    ("code", _heading("code")),
    ("name", _heading("name")),
    ("short_name", _heading("short_name")),
    ("class_code", _heading("customer_class")),
    ("region_code", _heading("region")),
    ("salesperson", _heading("salesperson")),
    ("credit_grade", _heading("credit_grade")),
    ("credit_limit", _heading("credit_limit")),
    ("status", _("Status")),
)
FILTER_LABELS = {
    "q": _("Keyword"),
    "class_code": _heading("customer_class"),
    "status": _("Status"),
    "ordering": _("Sort order"),
}
STATUS_CHOICES = (("all", _("All")), ("active", _("Active")), ("deactivated", _("Deactivated")))


@dataclass
class ClassNode:
    """A customer class as the tree shows it: with the customers of its whole subtree."""

    code: str
    name: str
    level: int
    count: int
    url: str
    selected: bool


@dataclass
class Column:
    label: Promise
    url: str
    sorted: str  # "asc", "desc" or ""


def _query(params: dict[str, str], **changes) -> str:
    """``?a=1&b=2`` for ``params`` with ``changes`` applied; empty values are left out."""
    merged = {**params, **changes}
    query = QueryDict(mutable=True)
    for key, value in merged.items():
        if value not in (None, ""):
            query[key] = value
    return f"?{query.urlencode()}" if query else "?"


def parse_filter(
    params: dict[str, str], user=None
) -> tuple[CustomerFilter, list[str], object | None]:
    """The filter of ``params`` over the saved query they name (``saved``), the messages
    about what was ignored and the saved query used: a parameter that does not parse, or a
    saved query the user may not use, is dropped and reported."""
    saved, errors = None, []
    if params.get(SAVED_PARAM):
        try:
            saved = saved_query_of(user, params[SAVED_PARAM])
        except DjangoValidationError:
            errors.append(_("The saved query does not exist or is not shared with you."))
    data = {key: value for key, value in params.items() if key in CustomerFilter.model_fields}
    try:
        return filter_with_saved(data, user, saved), errors, saved
    except ValidationError as error:
        bad = {str(e["loc"][0]) for e in error.errors() if e["loc"]}
    errors += [
        _("%(field)s: this value is not valid and was ignored.")
        % {"field": FILTER_LABELS.get(key, key)}
        for key in sorted(bad)
    ]
    good = {key: value for key, value in data.items() if key not in bad}
    try:
        return filter_with_saved(good, user, saved), errors, saved
    except ValidationError:
        return CustomerFilter(), errors, None


def read_conditions(query, user, keys=LIST_PARAMS):
    """The list's conditions in the request's ``query``: the filter (over a saved query it
    names), messages about what was ignored, the saved query used, and the parameters
    understood, which the page's links carry on."""
    params = {key: value for key, value in query.items() if key in keys and value}
    filters, errors, saved = parse_filter(params, user)
    if errors:
        params = {
            key: value
            for key, value in params.items()
            if key == "page"
            or (key == SAVED_PARAM and saved is not None)
            or getattr(filters, key, None) == value
        }
    return filters, errors, saved, params


def class_tree(user, selected: str | None, params: dict[str, str]) -> list[ClassNode]:
    """Every class in code order with its subtree's customer count: one grouped COUNT by
    class, summed up the (small) tree in Python."""
    direct = dict(
        selectors.customers_visible_to(user)
        .values_list("customer_class__code")
        .annotate(n=Count("pk"))
        .order_by()
    )
    nodes = list(tree_nodes(CustomerClass))
    by_id = {node.pk: node for node in nodes}
    totals = dict.fromkeys(by_id, 0)
    for node in nodes:
        count = direct.get(node.code, 0)
        current = node
        while current is not None and count:
            totals[current.pk] += count
            current = by_id.get(current.parent_id)
    return [
        ClassNode(
            code=node.code,
            name=node.name,
            level=node.level,
            count=totals[node.pk],
            url=_query(params, class_code=node.code, page=None),
            selected=node.code == selected,
        )
        for node in nodes
    ]


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
        queryset = filters.apply(selectors.customer_list(user))
        paginator = Paginator(queryset, PAGE_SIZE)
        keys = keyset.sort_keys(queryset)
        window, number = self._window(queryset, keys, paginator, params, errors)
        tree = class_tree(user, filters.class_code, params)
        context.update(
            filters=filters,
            errors=errors,
            count=paginator.count,
            customers=window.rows,
            tree=tree,
            total=sum(node.count for node in tree if node.level == 1),
            all_url=_query(params, class_code=None, page=None),
            columns=self._columns(filters.ordering, params),
            page_links=self._page_links(paginator, number, params),
            **self._cursor_links(window, keys, number, paginator, params),
            status_choices=STATUS_CHOICES,
            saved_query=saved,
            saved_queries=selectors.saved_queries_visible_to(user),
            # what "Save this query" saves: the conditions in effect, saved ones included
            query_string=_query(filters.model_dump(exclude_defaults=True))[1:],
        )
        return context

    @staticmethod
    def _columns(ordering: str, params: dict[str, str]) -> list[Column]:
        current = ordering.removeprefix("-")
        descending = ordering.startswith("-")
        columns = []
        for key, label in LIST_COLUMNS:
            # A click on the sorted column reverses it; on another column sorts ascending.
            target = f"-{key}" if key == current and not descending else key
            state = ("desc" if descending else "asc") if key == current else ""
            columns.append(Column(label, _query(params, ordering=target, page=None), state))
        return columns

    def _window(self, queryset, keys, paginator, params, errors):
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
                if cursor.values is None:  # the last page, as long as by page numbers
                    size = paginator.count - (paginator.num_pages - 1) * PAGE_SIZE or PAGE_SIZE
                return keyset.window_at_cursor(queryset, keys, cursor, size), None
        number = paginator.get_page(params.get("page")).number
        offset = (number - 1) * PAGE_SIZE
        window = keyset.window_at_offset(queryset, keys, offset, PAGE_SIZE, paginator.count)
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

        at_end = window.next is None if number is None else number >= paginator.num_pages
        return {
            "previous_url": link(window.previous),
            "next_url": link(window.next),
            "last_url": None if at_end else link(keyset.last_page_cursor(keys)),
        }
