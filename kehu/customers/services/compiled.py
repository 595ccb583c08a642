"""A new customer's row validated without the model's machinery (an import's 100,000 rows).

``customer_build`` copies each value onto a ``Customer()`` through its descriptors and runs
``full_clean``: well over half of an import's CPU. ``CompiledCustomerBuilder`` does the same
for the rows that are valid, with one check per column compiled once from the rules' own
sources — the model field's ``to_python`` and the compiled check of
``kehu.core.models._compiled_checks`` (its length, choices, validators, bounds, text and
digit rules), the references' indexes of the ``BuildContext``, and the service's own
functions for the rest (``mnemonic_for``, ``validate_credit_code``, ``_clean_tags``,
``user_field_values_clean``, ``_default_salesperson``). No rule is written here a second time.

It only ever *accepts*: ``build(data)`` answers None for any row it is not sure of — a value
some check refuses, a field left empty that is required, credit terms from an actor without
the credit permission — and the caller then runs ``customer_build``, which gives the errors
with their messages and codes (or builds the customer, if this builder was only cautious).
So a refused row's report is the services' by construction, and an accepted row is what
``customer_build`` would have built (``tests/quality/test_import_compiled.py`` checks both,
column by column).
"""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.base import ModelState
from django.utils import timezone

from kehu.core.models import _compiled_checks
from kehu.core.text import text_problem
from kehu.customers import fields
from kehu.customers.mnemonic import mnemonic_for
from kehu.customers.models import Customer
from kehu.customers.services.customers import (
    BuildContext,
    _clean_tags,
    _default_salesperson,
    may_change_credit,
)
from kehu.customers.services.user_fields import user_field_values_clean
from kehu.customers.validators import validate_credit_code

_META = Customer._meta


class _Unsure(Exception):
    """A value the compiled checks do not accept: the full path decides."""


# The value types each kind of field's ``to_python`` gives back unchanged (an equal value of
# the same type): such a value goes straight to the compiled check.
_AS_IS = (
    ((models.CharField, models.TextField), str),
    ((models.DecimalField,), Decimal),
    ((models.BooleanField,), bool),
    ((models.DateField,), datetime.date),
    ((models.IntegerField,), int),
)


def _as_is_type(field):
    if isinstance(field, models.DateTimeField):
        return None
    for kinds, kind in _AS_IS:
        if isinstance(field, kinds):
            return kind
    return None


def _column_check(field):
    """``check(value) -> value as stored``, or ``_Unsure``: what ``_apply`` does to the value
    (strip; None for a field that is not nullable), then what ``clean_fields`` would do (the
    field's ``to_python``, then its compiled check)."""
    accepts = dict(_compiled_checks(Customer)).get(field)
    if accepts is None:
        return None
    to_python = field.to_python
    as_is = _as_is_type(field)
    empty = None
    if not field.null:
        empty = "" if field.empty_strings_allowed else field.get_default()
    credit_code = field.name == "credit_code"
    # (whether an empty text is accepted does not depend on the row)
    empty_text_ok = as_is is str and accepts("")

    def check(value):
        kind = type(value)
        if kind is str:
            value = value.strip()
            if credit_code:
                value = value.replace(" ", "").upper()
            if empty_text_ok and value == "":
                return value
        elif value is None:
            value = empty
            kind = type(value)
        if kind is not as_is and value is not None and value != "":
            try:
                value = to_python(value)
            except (ValidationError, TypeError, ValueError):
                raise _Unsure from None
        if not accepts(value):
            raise _Unsure
        return value

    return check


class CompiledCustomerBuilder:
    """``build(data)``: ``(customer, tags)`` for a valid new customer, else None (see the
    module's docstring)."""

    def __init__(self, *, actor, context: BuildContext):
        self.actor, self.context = actor, context
        self.enabled = context.in_bulk
        # (an unknown key, or children: the full path)
        self.allowed = fields.INPUT_FIELDS - set(fields.CHILD_LISTS)
        self.may_change_credit = may_change_credit(actor)
        self.checks = {}
        for key in fields.PLAIN_FIELDS:
            check = _column_check(_META.get_field(key))
            if check is None:
                self.enabled = False  # a field without a compiled check: the full path
            self.checks[key] = (_META.get_field(key).attname, check)
        self.references = []
        for key, (name, _model) in fields.REFERENCE_FIELDS.items():
            index = context.references.get(key)
            if index is None:
                self.enabled = False
            field = _META.get_field(name)
            # An index whose rows do not change while it is used (``stable``) answers a text
            # the same way every time: its answer (the row and its id) is kept by text.
            memo = {} if getattr(index, "stable", False) else None
            self.references.append((key, field, index, field.attname, field.cache_name, memo))
        blank = Customer()
        self.template = {k: v for k, v in blank.__dict__.items() if k != "_state"}
        # A plain field a row leaves out keeps its default: is that accepted? (``code`` and
        # ``name`` are not: a row without them takes the full path, which says why.)
        self.missing_ok = {}
        for key in fields.PLAIN_FIELDS:
            attname, check = self.checks[key]
            try:
                self.missing_ok[key] = (
                    check is not None and check(self.template[attname]) == (self.template[attname])
                )
            except _Unsure:
                self.missing_ok[key] = False
        # The other fields (system-maintained ones) keep their defaults: checked once.
        checked = {_META.get_field(k) for k in fields.PLAIN_FIELDS}
        references = {r[1] for r in self.references}
        for field, accepts in _compiled_checks(Customer):
            if field not in checked and field not in references:
                value = self.template[field.attname]
                if not accepts(value):
                    self.enabled = False
        self.user_fields_field = _META.get_field("user_fields")
        self.class_attname = _META.get_field("customer_class").attname
        # The day the import started: a later "today" only makes a founding date that the
        # check below refuses acceptable, and the full path decides every refused row anew.
        self.today = None

    def build(self, data: dict):
        if not self.enabled:
            return None
        try:
            return self._build(data)
        except (_Unsure, ValidationError):
            return None

    def _build(self, data: dict):
        if not data.keys() <= self.allowed:
            raise _Unsure
        if not self.may_change_credit and any(k in data for k in fields.CREDIT_FIELDS):
            raise _Unsure  # the field scope is the full path's to judge
        values = {}
        for key, (attname, check) in self.checks.items():
            if key in data:
                values[attname] = check(data[key])
            elif not self.missing_ok[key]:
                raise _Unsure
        customer = Customer.__new__(Customer)
        state = customer.__dict__
        state.update(self.template)
        state.update(values)
        state["_state"] = model_state = ModelState()
        related = model_state.fields_cache = {}
        for key, _field, index, attname, cache_name, memo in self.references:
            if key in data:
                value = data[key]
                text = memo is not None and type(value) is str
                found = memo.get(value) if text else None
                if found is None:
                    obj = index.resolve(value)  # a refusal: ValidationError
                    found = (None if obj is None else obj.pk, obj)
                    if text:
                        memo[value] = found
                state[attname] = found[0]
                if found[1] is not None:
                    related[cache_name] = found[1]
        if state[self.class_attname] is None:
            raise _Unsure  # required: the full path says so
        _default_salesperson(self.actor, customer, data, self.context)
        if not data.get("mnemonic"):
            mnemonic = mnemonic_for(customer.short_name or customer.name)
            attname, check = self.checks["mnemonic"]
            state[attname] = check(mnemonic)
        user_fields = user_field_values_clean(
            {}, data.get("user_fields"), definitions=self.context.user_fields
        )
        if user_fields:
            user_fields = self.user_fields_field.clean(user_fields, customer)
            if text_problem(user_fields):
                raise _Unsure
        state["user_fields"] = user_fields
        tags = _clean_tags(data.get("tags"))
        if customer.credit_code and customer.country == "CN":
            state["credit_code"] = validate_credit_code(customer.credit_code)
        founded = customer.founded_on
        if isinstance(founded, datetime.date):
            if self.today is None:
                self.today = timezone.localdate()
            if founded > self.today:
                raise _Unsure
        return customer, tags
