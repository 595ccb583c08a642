"""The one query definition of the customer list (SPEC §3): the API, the web list and exports
parse their parameters into a ``CustomerFilter`` and apply it to a visible queryset."""

from collections.abc import Mapping
from typing import Literal

from django.core.exceptions import ValidationError
from django.db.models import F, QuerySet
from django.utils.translation import gettext_lazy as _
from pydantic import BaseModel, Field

from kehu.core.api.schemas import SafeStr
from kehu.customers.search import keyword_condition

# ordering value -> column. References sort by their code (a credit grade by its rank, best
# first); "status" puts active customers first, then the deactivated ones by date.
_ORDER_COLUMNS = {
    "code": "code",
    "name": "name",
    "short_name": "short_name",
    "created_at": "created_at",
    "updated_at": "updated_at",
    "credit_limit": "credit_limit",
    "class_code": "customer_class__code",
    "region_code": "region__code",
    "salesperson": "salesperson__code",
    "credit_grade": "credit_grade__rank",
    "status": "deactivated_on",
}
ORDERING_FIELDS = tuple(_ORDER_COLUMNS)
CustomerOrdering = Literal[
    "code",
    "-code",
    "name",
    "-name",
    "short_name",
    "-short_name",
    "created_at",
    "-created_at",
    "updated_at",
    "-updated_at",
    "credit_limit",
    "-credit_limit",
    "class_code",
    "-class_code",
    "region_code",
    "-region_code",
    "salesperson",
    "-salesperson",
    "credit_grade",
    "-credit_grade",
    "status",
    "-status",
]
CustomerStatus = Literal["active", "deactivated", "all"]

# query parameter -> lookup on Customer (codes of master data; tree codes take the subtree)
_EXACT_CODES = {
    "code": "code",
    "industry": "industry__code",
    "department": "department__code",
    "salesperson": "salesperson__code",
    "credit_grade": "credit_grade__code",
    "tag": "tags__name",
}
_SUBTREE_CODES = {
    "class_code": "customer_class__code__startswith",
    "region_code": "region__code__startswith",
}


class CustomerFilter(BaseModel):
    """Conditions on customers; all optional, combined with AND."""

    q: SafeStr | None = Field(
        None,
        max_length=100,
        description="Part of the code, name, short name, mnemonic, phone, mobile or email of "
        "the customer or of one of its contacts (Latin letters in any case).",
    )
    code: SafeStr | None = Field(None, max_length=30, description="Exact customer code.")
    class_code: SafeStr | None = Field(
        None, max_length=40, description="A class and its whole subtree."
    )
    region_code: SafeStr | None = Field(
        None, max_length=40, description="A region and its whole subtree."
    )
    industry: SafeStr | None = Field(None, max_length=20, description="Industry code.")
    department: SafeStr | None = Field(None, max_length=20, description="Department code.")
    salesperson: SafeStr | None = Field(None, max_length=20, description="Salesperson code.")
    credit_grade: SafeStr | None = Field(None, max_length=20, description="Credit grade code.")
    tag: SafeStr | None = Field(None, max_length=50, description="Tag name.")
    status: CustomerStatus = Field("all", description="Active, deactivated or all customers.")
    ordering: CustomerOrdering = Field(
        "code", description="A column, with a leading - for descending order."
    )

    def apply(self, queryset: QuerySet) -> QuerySet:
        """``queryset`` narrowed to the conditions and sorted."""
        if self.q:
            queryset = queryset.filter(keyword_condition(self.q))
        for param, lookup in (_EXACT_CODES | _SUBTREE_CODES).items():
            value = getattr(self, param)
            if value:
                queryset = queryset.filter(**{lookup: value})
        if self.status == "active":
            queryset = queryset.filter(deactivated_on__isnull=True)
        elif self.status == "deactivated":
            queryset = queryset.filter(deactivated_on__isnull=False)
        # Empty values sort last on every database; the primary key breaks ties, so that
        # pages never repeat or skip a row.
        field = self.ordering.removeprefix("-")
        column = F(_ORDER_COLUMNS[field])
        if self.ordering.startswith("-"):
            order = column.desc(nulls_last=True)
        else:
            # An empty deactivation date means active, and active customers come first.
            order = (
                column.asc(nulls_first=True) if field == "status" else column.asc(nulls_last=True)
            )
        return queryset.order_by(order, "pk")


SAVED_PARAM = "saved"


def saved_query_of(user, saved):
    """The saved query ``saved`` (an id) that ``user`` may use; a field error on ``saved``
    when it names none."""
    from kehu.customers.selectors import saved_queries_visible_to

    text = str(saved).strip()
    query = None
    if text.isdigit() and len(text) < 12:
        query = saved_queries_visible_to(user).filter(pk=int(text)).first()
    if query is None:
        raise ValidationError(
            {SAVED_PARAM: _("There is no saved query %(id)s that you may use.") % {"id": text}}
        )
    return query


def filter_with_saved(params: Mapping, user, saved=None) -> CustomerFilter:
    """The one way the list, the API and the exports read a query: the saved query ``saved``
    (an id, if given) as the base, the explicit ``params`` (a query dict: empty values are
    absent) over it.

    Raises Django's ``ValidationError`` on ``saved`` for an id the user may not use, and
    pydantic's ``ValidationError`` for a parameter that does not parse.
    """
    data = {}
    if saved not in (None, ""):
        # an id to look up for the user, or a saved query already found (the operator's CLI)
        query = saved if hasattr(saved, "params") else saved_query_of(user, saved)
        data.update(query.params)
        if query.ordering:
            data["ordering"] = query.ordering
    for key in CustomerFilter.model_fields:
        value = params.get(key)
        if value not in (None, ""):
            data[key] = value
    return CustomerFilter(**data)
