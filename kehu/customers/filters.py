"""The one query definition of the customer list (SPEC §3): the API, the web list, the exports
and the statistics parse their parameters into a ``CustomerFilter`` (``filter_with_saved``) and
apply it to a visible queryset.

Conditions combine with AND. Within one condition:

- codes of master data (``class_code`` and ``region_code`` with their subtrees, ``industry``,
  ``department``, ``salesperson``, ``credit_grade``) may be given several times or
  comma-separated: a customer with any of them matches (a customer has one of each);
- ``tag`` may be given several times: a customer must carry every tag named;
- ranges include both ends: ``<name>_from`` / ``<name>_to`` for dates, ``<name>_min`` /
  ``<name>_max`` for numbers (``RANGES``); a customer without a value is outside any range;
- the evaluation's grade, ABC class, RFM segment (several values: any of them) and total
  score range read the results of the latest succeeded evaluation run
  (``kehu.evaluation.conditions``): a customer that run did not score meets none of them;
- user-defined fields (``uf_<key>``): an exact value for text, choice, yes/no, number and
  date fields (several values of a text or choice field: any of them), and ranges
  ``uf_<key>_min`` / ``_max`` for numbers, ``uf_<key>_from`` / ``_to`` for dates.

A value that does not parse, or a range whose end is before its start, is an error on that
parameter (``ConditionError``, a Django ``ValidationError`` keyed by parameter).
"""

import datetime
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.db.models import Exists, F, OuterRef, Q, QuerySet, TextField
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.db.models.functions import Cast
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from pydantic import (
    BaseModel,
    BeforeValidator,
    Field,
    PlainSerializer,
    PrivateAttr,
    StringConstraints,
    ValidationInfo,
    field_validator,
)
from pydantic import ValidationError as PydanticValidationError
from pydantic_core import PydanticCustomError

from kehu.core.api.errors import validation_errors
from kehu.core.api.schemas import Money, SafeStr
from kehu.customers.choices import UserFieldType
from kehu.customers.columns import SORT_PATHS
from kehu.customers.models import Customer, UserField
from kehu.customers.search import FACET_PREFIXES, keyword_filter
from kehu.evaluation.choices import AbcClass, RfmSegment

# Sorting: any column of the catalogue that is a real database column (columns.SORT_PATHS).
# References sort by their code (a credit grade by its rank, best first); "status" puts active
# customers first, then the deactivated ones by date.
ORDERING_FIELDS = tuple(SORT_PATHS)
CustomerOrdering = Literal[tuple(v for key in ORDERING_FIELDS for v in (key, f"-{key}"))]
CustomerStatus = Literal["active", "deactivated", "all"]

MAX_VALUES = 20  # values of one condition
MAX_USER_CONDITIONS = 30
USER_FIELD_PREFIX = "uf_"

# query parameter -> lookup on Customer (codes of master data; tree codes take the subtree)
_EXACT_CODES = {
    "industry": "industry__code",
    "department": "department__code",
    "salesperson": "salesperson__code",
    "credit_grade": "credit_grade__code",
}
_SUBTREE_CODES = {
    "class_code": "customer_class__code__startswith",
    "region_code": "region__code__startswith",
}
# conditions on the customer's result in the latest succeeded evaluation run (several values)
_EVALUATION_CODES = {
    "evaluation_grade": "grade",
    "abc_class": "abc_class",
    "rfm_segment": "rfm_segment",
}
# the conditions that take several values
LIST_CONDITIONS = frozenset({*_EXACT_CODES, *_SUBTREE_CODES, *_EVALUATION_CODES, "tag"})
# What every evaluation condition's help says (kehu.evaluation.conditions).
WHICH_RUN = (
    "Read from the latest succeeded evaluation run (the latest as-of date; of runs as of the "
    "same date, the one started last): customers that run did not score do not match."
)


def _ids(relation: str, condition: Q) -> list[int]:
    """The ids of the master data rows that ``relation`` (a foreign key of Customer) refers
    to and that meet ``condition``."""
    model = Customer._meta.get_field(relation).related_model
    return list(model._default_manager.filter(condition).values_list("pk", flat=True))


def _code_list(value):
    """Codes from repeated parameters and/or comma-separated text (codes hold no comma)."""
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple):
        return value  # pydantic names the wrong type
    codes = []
    for item in value:
        if isinstance(item, str):
            codes += [part.strip() for part in item.split(",") if part.strip()]
        else:
            codes.append(item)
    return codes


def _text_list(value):
    if isinstance(value, str):
        return [value] if value.strip() else []
    return value


def _text(max_length: int, min_length: int = 0):
    # the length first, then SafeStr's check of what a database can store
    return Annotated[
        str, StringConstraints(min_length=min_length, max_length=max_length), *SafeStr.__metadata__
    ]


def _codes(max_length: int):
    """Several codes; stored and linked as one comma-separated text."""
    return Annotated[
        list[_text(max_length)],
        BeforeValidator(_code_list),
        PlainSerializer(",".join, return_type=str),
        Field(max_length=MAX_VALUES),
    ]


def _choices(values):
    """Several of the ``values`` (a ``TextChoices``); stored and linked as one comma-separated
    text, like codes."""
    return Annotated[
        list[Literal[tuple(values.values)]],
        BeforeValidator(_code_list),
        PlainSerializer(",".join, return_type=str),
        Field(max_length=MAX_VALUES),
    ]


def _one_or_list(values: list[str]):
    return values[0] if len(values) == 1 else values


TagList = Annotated[
    list[_text(50, min_length=1)],
    BeforeValidator(_text_list),
    PlainSerializer(_one_or_list, return_type=str | list[str]),
    Field(max_length=MAX_VALUES),
]

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value):
    # Only YYYY-MM-DD: pydantic would also take "1700000000" for a Unix time.
    if isinstance(value, str):
        value = value.strip()
        if not _ISO_DATE.fullmatch(value):
            raise PydanticCustomError("date_parsing", "Input should be a valid date")
    return value


QueryDate = Annotated[datetime.date, BeforeValidator(_iso_date)]
Count = Annotated[int, Field(ge=0, le=10**9)]
Score = Annotated[Decimal, Field(ge=0, le=100, decimal_places=2, allow_inf_nan=False)]


@dataclass(frozen=True)
class Range:
    """A range condition: ``<name>_from`` / ``_to`` on a date, ``<name>_min`` / ``_max`` on a
    number. ``path`` is what is compared; a value computed per customer (the overdue amount,
    the evaluation score of later issues) plugs in with ``annotate``, an expression that
    ``apply`` puts on the queryset under ``path``. Each range also needs its two fields in
    ``CustomerFilter``."""

    name: str
    path: str
    kind: Literal["date", "number"]
    field: str  # the Customer field whose verbose name labels the range
    annotate: Callable[[], Any] | None = None
    title: Promise | None = None  # the label of a computed value (no Customer field)
    # ``path`` is a field of the customer's result in the latest succeeded evaluation run
    evaluated: bool = False

    @property
    def low(self) -> str:
        return f"{self.name}_{'from' if self.kind == 'date' else 'min'}"

    @property
    def high(self) -> str:
        return f"{self.name}_{'to' if self.kind == 'date' else 'max'}"

    @property
    def label(self) -> Promise:
        if self.title is not None:
            return self.title
        return capfirst(Customer._meta.get_field(self.field).verbose_name)


def _overdue_amount():
    # The sales app builds on the customers app: imported when the condition is used.
    from kehu.sales.conditions import overdue_amount

    return overdue_amount()


RANGES = (
    Range("developed", "developed_on", "date", "developed_on"),
    Range("created", "created_at__date", "date", "created_at"),
    Range("last_transaction", "last_transaction_on", "date", "last_transaction_on"),
    Range("credit_limit", "credit_limit", "number", "credit_limit"),
    Range("receivable_balance", "receivable_balance", "number", "receivable_balance"),
    Range(
        "overdue_amount",
        "overdue_amount",
        "number",
        "receivable_balance",
        annotate=_overdue_amount,
        title=_("Overdue amount"),
    ),
    Range("registered_capital", "registered_capital", "number", "registered_capital"),
    Range("annual_revenue", "annual_revenue", "number", "annual_revenue"),
    Range("employees", "employees", "number", "employees"),
    Range(
        "evaluation_total",
        "total",
        "number",
        "",
        title=_("Evaluation total score"),
        evaluated=True,
    ),
)
_RANGE_OF_HIGH = {condition.high: condition for condition in RANGES}
_REVERSED = {
    "date": _("The end of the range is before its start."),
    "number": _("The maximum is less than the minimum."),
}


def _from(what: str):
    return Field(None, description=f"{what} on or after this date (YYYY-MM-DD).")


def _to(what: str):
    return Field(None, description=f"{what} on or before this date (YYYY-MM-DD).")


def _min(what: str):
    return Field(None, description=f"{what} at least this much.")


def _max(what: str):
    return Field(None, description=f"{what} at most this much.")


@dataclass(frozen=True)
class UserFieldCondition:
    """A condition on a user-defined field: any of ``values`` (``in``), or one bound."""

    key: str
    field_type: str
    operator: Literal["in", "gte", "lte"]
    values: tuple


class CustomerFilter(BaseModel):
    """Conditions on customers; all optional, combined with AND (see the module's text).

    User-defined field conditions are not fields of the model (their names depend on the
    data): ``parse_conditions`` reads them and keeps them with the filter."""

    q: SafeStr | None = Field(
        None,
        max_length=100,
        description="Part of the code, name, short name, mnemonic, phone, mobile or email of "
        "the customer or of one of its contacts (Latin letters in any case).",
    )
    code: SafeStr | None = Field(None, max_length=30, description="Exact customer code.")
    class_code: _codes(40) = Field(
        default_factory=list,
        description="A class and its whole subtree; several codes (repeated or "
        "comma-separated): any of them.",
    )
    region_code: _codes(40) = Field(
        default_factory=list,
        description="A region and its whole subtree; several codes: any of them.",
    )
    industry: _codes(20) = Field(
        default_factory=list, description="Industry code; several codes: any of them."
    )
    department: _codes(20) = Field(
        default_factory=list, description="Department code; several codes: any of them."
    )
    salesperson: _codes(20) = Field(
        default_factory=list, description="Salesperson code; several codes: any of them."
    )
    credit_grade: _codes(20) = Field(
        default_factory=list, description="Credit grade code; several codes: any of them."
    )
    tag: TagList = Field(
        default_factory=list,
        description="Tag name; repeated (`tag=a&tag=b`): customers with every one of them.",
    )
    status: CustomerStatus = Field("all", description="Active, deactivated or all customers.")
    developed_from: QueryDate | None = _from("Developed")
    developed_to: QueryDate | None = _to("Developed")
    created_from: QueryDate | None = _from("Created (in the installation's time zone)")
    created_to: QueryDate | None = _to("Created")
    last_transaction_from: QueryDate | None = _from("Last transaction")
    last_transaction_to: QueryDate | None = _to("Last transaction")
    credit_limit_min: Money | None = _min("Credit limit")
    credit_limit_max: Money | None = _max("Credit limit")
    receivable_balance_min: Money | None = _min("Receivable balance")
    receivable_balance_max: Money | None = _max("Receivable balance")
    overdue_amount_min: Money | None = _min(
        "Overdue amount (open amounts of invoices past their due date, as of today)"
    )
    overdue_amount_max: Money | None = _max("Overdue amount")
    overdue_days: Annotated[int, Field(ge=1, le=36500)] | None = Field(
        None,
        description="Customers with an open invoice at least this many days past its due "
        "date (as of today).",
    )
    registered_capital_min: Money | None = _min("Registered capital")
    registered_capital_max: Money | None = _max("Registered capital")
    annual_revenue_min: Money | None = _min("Annual revenue")
    annual_revenue_max: Money | None = _max("Annual revenue")
    employees_min: Count | None = _min("Number of employees")
    employees_max: Count | None = _max("Number of employees")
    evaluation_grade: _codes(10) = Field(
        default_factory=list,
        description="Evaluation grade (a grade band of the scorecard, e.g. A, B, C, D); "
        f"several: any of them. {WHICH_RUN}",
    )
    abc_class: _choices(AbcClass) = Field(
        default_factory=list,
        description="ABC class (by Pareto share of the 12-month sales); several: any of them. "
        f"{WHICH_RUN}",
    )
    rfm_segment: _choices(RfmSegment) = Field(
        default_factory=list,
        description=f"RFM segment; several: any of them. {WHICH_RUN}",
    )
    evaluation_total_min: Score | None = Field(
        None, description=f"Evaluation total score (0–100) at least this much. {WHICH_RUN}"
    )
    evaluation_total_max: Score | None = Field(
        None, description=f"Evaluation total score at most this much. {WHICH_RUN}"
    )
    ordering: CustomerOrdering = Field(
        "code",
        description="A column, with a leading - for descending order: any column of the "
        "export's catalogue that is a database column (not `tags`, not a user-defined field).",
    )

    _user_conditions: tuple[UserFieldCondition, ...] = PrivateAttr(default=())
    _user_params: dict[str, Any] = PrivateAttr(default_factory=dict)

    @field_validator(*_RANGE_OF_HIGH, mode="after")
    @classmethod
    def _range_in_order(cls, value, info: ValidationInfo):
        condition = _RANGE_OF_HIGH[info.field_name]
        low = info.data.get(condition.low)
        if value is not None and low is not None and value < low:
            raise PydanticCustomError("range_reversed", str(_REVERSED[condition.kind]))
        return value

    def apply(self, queryset: QuerySet) -> QuerySet:
        """``queryset`` narrowed to the conditions and sorted."""
        references = self._reference_ids()
        if self.q:
            facets = {r: ids for r, ids in references.items() if r in FACET_PREFIXES}
            # the ordering: SQLite may walk its index for a page of many matches
            ordering = self.ordering.removeprefix("-")
            keyword, covered = keyword_filter(self.q, facets, ordering=ordering)
            queryset = queryset.filter(keyword)
            references = {r: ids for r, ids in references.items() if r not in covered}
        queryset = self._apply_codes(queryset, references)
        if self.status == "active":
            queryset = queryset.filter(deactivated_on__isnull=True)
        elif self.status == "deactivated":
            queryset = queryset.filter(deactivated_on__isnull=False)
        queryset = self._apply_ranges(queryset)
        if self.overdue_days is not None:
            from kehu.sales.conditions import has_overdue_invoices

            queryset = queryset.filter(has_overdue_invoices(self.overdue_days))
        queryset = self._apply_evaluation(queryset)
        queryset = self._apply_user_fields(queryset)
        # Empty values sort last on every database; the primary key breaks ties, so that
        # pages never repeat or skip a row.
        field = self.ordering.removeprefix("-")
        column = F(SORT_PATHS[field])
        if self.ordering.startswith("-"):
            order = column.desc(nulls_last=True)
        else:
            # An empty deactivation date means active, and active customers come first.
            order = (
                column.asc(nulls_first=True) if field == "status" else column.asc(nulls_last=True)
            )
        return queryset.order_by(order, "pk")

    def _reference_ids(self) -> dict[str, list[int]]:
        """Relation -> the ids of the master data rows that the code conditions name.

        Master data codes are read into ids first (small tables, one query each): a plain
        ``customer_class_id IN (…)`` lets PostgreSQL combine the conditions' indexes (a
        BitmapAnd with the keyword's), where a join to the class table could not; and the
        keyword's index takes the class, region and grade ids as words (search.py)."""
        references = {}
        for param, lookup in _EXACT_CODES.items():
            if values := getattr(self, param):
                relation = lookup.removesuffix("__code")
                references[relation] = _ids(relation, Q(code__in=values))
        for param, lookup in _SUBTREE_CODES.items():
            if values := getattr(self, param):
                condition = Q()
                for value in values:
                    condition |= Q(code__startswith=value)
                relation = lookup.removesuffix("__code__startswith")
                references[relation] = _ids(relation, condition)
        return references

    def _apply_codes(self, queryset: QuerySet, references: dict[str, list[int]]) -> QuerySet:
        if self.code:
            queryset = queryset.filter(code=self.code)
        for relation, ids in references.items():
            queryset = queryset.filter(**{f"{relation}__in": ids})
        # Every tag named: one EXISTS each (a join per tag would repeat rows).
        through = Customer.tags.through
        for name in self.tag:
            queryset = queryset.filter(
                Exists(through.objects.filter(customer_id=OuterRef("pk"), tag__name=name))
            )
        return queryset

    def _apply_ranges(self, queryset: QuerySet) -> QuerySet:
        for condition in RANGES:
            low, high = getattr(self, condition.low), getattr(self, condition.high)
            if (low is None and high is None) or condition.evaluated:
                continue
            if condition.annotate is not None:
                queryset = queryset.alias(**{condition.path: condition.annotate()})
            if low is not None:
                queryset = queryset.filter(**{f"{condition.path}__gte": low})
            if high is not None:
                queryset = queryset.filter(**{f"{condition.path}__lte": high})
        return queryset

    def _apply_evaluation(self, queryset: QuerySet) -> QuerySet:
        """All the conditions on the evaluation as one subquery on the latest succeeded run's
        results (one result row meets them all)."""
        condition = Q()
        for param, field in _EVALUATION_CODES.items():
            if values := getattr(self, param):
                condition &= Q(**{f"{field}__in": values})
        for bounds in RANGES:
            if not bounds.evaluated:
                continue
            if (low := getattr(self, bounds.low)) is not None:
                condition &= Q(**{f"{bounds.path}__gte": low})
            if (high := getattr(self, bounds.high)) is not None:
                condition &= Q(**{f"{bounds.path}__lte": high})
        if not condition:
            return queryset
        # The evaluation app builds on the customers app: imported when a condition is used.
        from kehu.evaluation.conditions import evaluated_customers

        return queryset.filter(pk__in=evaluated_customers(condition))

    def _apply_user_fields(self, queryset: QuerySet) -> QuerySet:
        for index, condition in enumerate(self._user_conditions):
            alias = f"_user_field_{index}"
            # Numbers and yes/no compare as JSON values; text, choices and ISO dates as text.
            if condition.field_type in (UserFieldType.NUMBER, UserFieldType.BOOLEAN):
                value = KeyTransform(condition.key, "user_fields")
            else:
                # the cast leaves KeyTransform's JSON lookups for plain text ones
                value = Cast(KeyTextTransform(condition.key, "user_fields"), TextField())
            queryset = queryset.alias(**{alias: value})
            if condition.operator == "in":
                matches = Q()
                for item in condition.values:
                    matches |= Q(**{alias: item})
                queryset = queryset.filter(matches)
            else:
                lookup = f"{alias}__{condition.operator}"
                queryset = queryset.filter(**{lookup: condition.values[0]})
        return queryset

    @property
    def user_conditions(self) -> tuple[UserFieldCondition, ...]:
        return self._user_conditions

    def params(self) -> dict[str, Any]:
        """The conditions as query parameters (non-default ones; the ordering left out): what
        a saved query stores and what links carry. Several values are a list (codes: one
        comma-separated text)."""
        data = self.model_dump(mode="json", exclude_defaults=True, exclude={"ordering"})
        data.update(self._user_params)
        return data


class ConditionError(ValidationError):
    """Conditions that do not parse: messages per parameter (``saved`` for the conditions
    stored in a saved query); ``params`` names every parameter at fault."""

    def __init__(self, errors: dict[str, list], params: set[str]):
        super().__init__(errors)
        self.params = params


def is_condition(key: str) -> bool:
    """Whether ``key`` is a parameter of the customer query (the ordering included)."""
    return key in CustomerFilter.model_fields or key.startswith(USER_FIELD_PREFIX)


def query_values(params: Mapping) -> dict[str, Any]:
    """The conditions in ``params`` (a ``QueryDict`` or a plain mapping), empty values left
    out: a text each, or a list where a condition takes several values."""
    getlist = getattr(params, "getlist", None)
    data = {}
    for key in params:
        if not is_condition(key):
            continue
        several = key in LIST_CONDITIONS or key.startswith(USER_FIELD_PREFIX)
        if getlist is not None and several:
            values = [value for value in getlist(key) if value not in (None, "")]
            value = values[0] if len(values) == 1 else values
        else:
            value = params.get(key)
        if value not in (None, "", []):
            data[key] = value
    return data


def parse_conditions(data: Mapping[str, Any], *, stored: Collection[str] = ()) -> CustomerFilter:
    """The filter of ``data`` (parameter -> text, or list of texts).

    Raises ``ConditionError`` with a message per parameter at fault; those in ``stored`` came
    from a saved query and are reported on ``saved``, naming the stored parameter.
    """
    fields = {key: value for key, value in data.items() if key in CustomerFilter.model_fields}
    user = {key: value for key, value in data.items() if key.startswith(USER_FIELD_PREFIX)}
    errors: dict[str, list] = {}
    filters = None
    try:
        filters = CustomerFilter(**fields)
    except PydanticValidationError as error:
        for path, messages in validation_errors(error.errors()).items():
            errors.setdefault(path.split(".")[0], []).extend(messages)
    conditions, user_params, user_errors = _user_field_conditions(user)
    errors.update(user_errors)
    if errors:
        raise ConditionError(_with_stored(errors, stored), set(errors))
    filters._user_conditions = tuple(conditions)
    filters._user_params = user_params
    return filters


def _with_stored(errors: dict[str, list], stored: Collection[str]) -> dict[str, list]:
    result: dict[str, list] = {}
    for key, messages in errors.items():
        if key in stored:
            for message in messages:
                result.setdefault(SAVED_PARAM, []).append(
                    _("The saved query's condition “%(param)s” is no longer valid: %(message)s")
                    % {"param": key, "message": message}
                )
        else:
            result[key] = messages
    return result


_BOUNDS = {"min": "gte", "max": "lte", "from": "gte", "to": "lte"}
_BOUNDS_OF_TYPE = {UserFieldType.NUMBER: ("min", "max"), UserFieldType.DATE: ("from", "to")}


def _user_field_conditions(raw: dict[str, Any]):
    """(conditions, canonical parameters, errors) of the ``uf_*`` parameters: one query for
    the active definitions when there are any."""
    if not raw:
        return [], {}, {}
    from kehu.customers.services.user_fields import user_field_value

    if len(raw) > MAX_USER_CONDITIONS:
        message = _("At most %(count)d conditions on user-defined fields.")
        return [], {}, {key: [message % {"count": MAX_USER_CONDITIONS}] for key in raw}
    definitions = {d.key: d for d in UserField.objects.filter(is_active=True)}
    conditions, params, errors, bounds = [], {}, {}, {}
    for param, value in raw.items():
        name = param.removeprefix(USER_FIELD_PREFIX)
        definition, bound = definitions.get(name), None
        if definition is None:
            stem, _sep, suffix = name.rpartition("_")
            if suffix in _BOUNDS and stem in definitions:
                definition, bound = definitions[stem], suffix
        if definition is None:
            errors[param] = [_("No active user-defined field has this key.")]
            continue
        values = [value] if not isinstance(value, list | tuple) else list(value)
        values = [item for item in values if str(item).strip()]
        if not values:
            continue
        kind = definition.field_type
        if bound is not None and bound not in _BOUNDS_OF_TYPE.get(kind, ()):
            errors[param] = [
                _("Ranges are for number fields (_min, _max) and date fields (_from, _to).")
            ]
            continue
        several = kind in (UserFieldType.TEXT, UserFieldType.CHOICE) and bound is None
        if len(values) > (MAX_VALUES if several else 1):
            errors[param] = [_("Give one value.") if not several else _("Too many values.")]
            continue
        try:
            parsed = tuple(user_field_value(definition, item) for item in values)
        except ValidationError as error:
            errors[param] = error.messages
            continue
        if kind == UserFieldType.NUMBER and any(abs(item) >= 10**15 for item in parsed):
            # "1e400" has one digit, but no database compares a number that large
            errors[param] = [_("Enter a number of at most 15 digits.")]
            continue
        operator = _BOUNDS[bound] if bound else "in"
        if operator != "in":
            bounds.setdefault(definition.key, {})[operator] = (param, parsed[0], kind)
        conditions.append(UserFieldCondition(definition.key, kind, operator, parsed))
        texts = [str(item).lower() if isinstance(item, bool) else str(item) for item in parsed]
        params[param] = _one_or_list(texts)
    for pair in bounds.values():
        if "gte" in pair and "lte" in pair and pair["lte"][1] < pair["gte"][1]:
            param, _value, kind = pair["lte"]
            errors[param] = [_REVERSED["date" if kind == UserFieldType.DATE else "number"]]
    return conditions, params, errors


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


def filter_with_saved(
    params: Mapping, user, saved=None, *, ignore: Collection[str] = ()
) -> CustomerFilter:
    """The one way the list, the API, the exports and the statistics read a query: the saved
    query ``saved`` (an id, or a saved query already found) as the base, the explicit
    ``params`` (a query dict or a mapping: empty values are absent) over it; parameters in
    ``ignore`` left out of both.

    Raises Django's ``ValidationError`` on ``saved`` for an id the user may not use, and
    ``ConditionError`` for conditions that do not parse.
    """
    data = {}
    if saved not in (None, ""):
        query = saved if hasattr(saved, "params") else saved_query_of(user, saved)
        data.update(query.params)
        if query.ordering:
            data["ordering"] = query.ordering
    explicit = query_values(params)
    data.update(explicit)
    data = {key: value for key, value in data.items() if key not in ignore}
    return parse_conditions(data, stored=set(data) - set(explicit))
