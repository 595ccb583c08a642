"""The customer card (SPEC §2): create and edit in four tabs, with the inline child tables.

The views parse the posted form, hand the data to the services and show the services' errors
next to their fields; they check no business rule themselves.
"""

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.views import View

from kehu.accounts.names import display_name
from kehu.audit.selectors import events_for_customer
from kehu.core.errors import ConflictError, FieldPermissionError, StaleVersionError
from kehu.core.permissions import AnyOf, DeclaredPermissionsMixin, requires_permissions
from kehu.customers import selectors
from kehu.customers.choices import DocumentKind
from kehu.customers.forms import (
    CHILD_COLUMNS,
    CHILD_DEFAULTS,
    CHILD_TABLES,
    CREDIT_READ_ONLY_NOTE,
    SYSTEM_GROUPS,
    TABS,
    ChildRow,
    CustomerForm,
    child_model_label,
    child_rows_from_instances,
    child_rows_from_post,
)
from kehu.customers.mnemonic import mnemonic_for
from kehu.customers.models import Customer
from kehu.customers.services import (
    CHILD_KINDS,
    customer_child_create,
    customer_child_delete,
    customer_child_update,
    customer_create,
    customer_deactivate,
    customer_reactivate,
    customer_update,
)
from kehu.customers.services.customers import may_change_credit
from kehu.quality.duplicates import ProbableDuplicateError, refuse_probable_duplicates

TEMPLATE = "customers/customer_card.html"
ROW = "row"  # errors about a whole child row


@dataclass
class ChildTable:
    """An inline table as the template draws it."""

    kind: str
    tab: str
    title: str
    headings: list
    rows: list
    template_row: list  # the cells of the row "add row" clones
    next_index: int
    errors: list


class _Rollback(Exception):
    """Undo everything the edit wrote once any part of it was refused."""


def _messages(errors) -> list[str]:
    return ValidationError(errors).messages


def _error_dict(exc: ValidationError) -> dict:
    if hasattr(exc, "error_dict"):
        return exc.error_dict
    return {ROW: exc.error_list}


def _empty_tables() -> dict[str, list[ChildRow]]:
    return {kind: [] for kind, _tab in CHILD_TABLES}


def _tables(form: CustomerForm, rows_by_kind: dict, table_errors: dict) -> list[ChildTable]:
    choices = {
        "region_code": form.fields["region_code"].choices,
        "kind": [("", "—"), *DocumentKind.choices],
    }
    tables = []
    for kind, tab in CHILD_TABLES:
        rows = rows_by_kind[kind]
        blank = ChildRow(kind, "__prefix__", None, False, CHILD_DEFAULTS.get(kind, {}))
        tables.append(
            ChildTable(
                kind=kind,
                tab=tab,
                title=capfirst(CHILD_KINDS[kind][0]._meta.verbose_name_plural),
                headings=[child_model_label(kind, name) for name, _t in CHILD_COLUMNS[kind]],
                rows=[(row, row.cells(kind, choices)) for row in rows],
                template_row=blank.cells(kind, choices),
                next_index=max((int(row.index) for row in rows), default=-1) + 1,
                errors=table_errors.get(kind, []),
            )
        )
    return tables


HISTORY_TAB = "history"
HISTORY_LIMIT = 200


def _active_tab(
    form: CustomerForm, tables: list[ChildTable], requested: str | None, *, history: bool
) -> str:
    """The tab holding the first error; otherwise the one asked for, or the first."""
    for tab, _label in TABS:
        if any(field.errors for field in form.groups()[tab]):
            return tab
        for table in tables:
            if table.tab == tab and (table.errors or any(row.errors for row, _c in table.rows)):
                return tab
    if history and requested == HISTORY_TAB:
        return HISTORY_TAB
    return requested if requested in dict(TABS) else "basic"


def _system_values(customer: Customer | None) -> dict[str, list]:
    if customer is None:
        return {}
    return {
        tab: [
            (capfirst(Customer._meta.get_field(name).verbose_name), getattr(customer, name))
            for name in names
        ]
        for tab, names in SYSTEM_GROUPS.items()
    }


def _render(
    request, *, form, rows_by_kind, customer=None, errors=(), table_errors=None, duplicates=()
):
    tables = _tables(form, rows_by_kind, table_errors or {})
    groups, system = form.groups(), _system_values(customer)
    panels = [
        {
            "key": key,
            "fields": groups[key],
            "tables": [table for table in tables if table.tab == key],
            "system": system.get(key, []),
            "note": CREDIT_READ_ONLY_NOTE if key == "credit" and not form.can_change_credit else "",
        }
        for key, _label in TABS
    ]
    hidden_errors = [error for field in form.hidden_fields() for error in field.errors]
    context = {
        "form": form,
        "customer": customer,
        "tabs": TABS,
        "panels": panels,
        "active_tab": _active_tab(
            form, tables, request.GET.get("tab"), history=customer is not None
        ),
        # The customer's history: whoever may see the customer may see what happened to it.
        "history": events_for_customer(customer.pk)[:HISTORY_LIMIT] if customer else None,
        "history_limit": HISTORY_LIMIT,
        "errors": list(errors) + list(form.non_field_errors()) + hidden_errors,
        "can_change": customer is None or request.user.has_perm("customers.change_customer"),
        "duplicates": duplicates,  # probable duplicates of a new customer (kehu.quality)
    }
    return render(request, TEMPLATE, context)


def _apply_errors(form, rows_by_kind, errors: dict, sent: dict) -> tuple[list, dict]:
    """Put service errors next to their fields; return the ones that belong to no field.

    ``sent`` maps each kind to the rows in the order the service saw them (``contacts.1``).
    """
    general, table_errors = [], {}
    for key, value in errors.items():
        texts = _messages(value)
        kind, _dot, rest = key.partition(".")
        if kind in rows_by_kind:
            index, _dot, name = rest.partition(".")
            rows = sent.get(kind, [])
            if index.isdigit() and int(index) < len(rows):
                rows[int(index)].errors.setdefault(name or ROW, []).extend(texts)
            else:
                table_errors.setdefault(kind, []).extend(texts)
            continue
        name = form.field_name_of(key)
        if name is not None:
            form.add_error(name, texts)
        else:
            general.extend(texts)
    return general, table_errors


def _to_card(request, customer: Customer):
    """Back to the card, on the tab the user was working in."""
    url = reverse("customers:edit", args=[customer.pk])
    tab = request.POST.get("_tab")
    return redirect(f"{url}?tab={tab}" if tab in dict(TABS) and tab != "basic" else url)


def _conflict(exc: ConflictError) -> dict:
    return {exc.field or "__all__": [str(exc)]}


def _refused(exc: FieldPermissionError) -> dict:
    return exc.errors or {"__all__": [str(exc)]}


def _shown(field: forms.Field, value) -> str:
    """A value as the card shows it, for the "now / yours" of a stale save."""
    if isinstance(field, forms.BooleanField):
        return str(_("yes") if value else _("no"))
    if value is None or value == "":
        return "—"
    if isinstance(field, forms.ChoiceField):
        return str(dict(field.choices).get(str(value), value))
    return str(value)


def _show_stale(form: CustomerForm, current: Customer) -> str:
    """Mark each field whose stored value now differs from the posted one; return the message.

    ``form`` is bound to what the user posted and built over the customer as stored now.
    """
    for name in form.changed_data:
        field = form.fields[name]
        if name == "version" or field.disabled:
            continue
        now = form.get_initial_for_field(field, name)
        yours = form.cleaned_data.get(name, form.data.get(name)) if form.is_bound else None
        form.add_error(
            name,
            _("Now: %(now)s — yours: %(yours)s")
            % {"now": _shown(field, now), "yours": _shown(field, yours)},
        )
    who = display_name(current.updated_by) if current.updated_by_id else _("someone else")
    when = formats.date_format(timezone.localtime(current.updated_at), "DATETIME_FORMAT")
    return str(
        _(
            "%(user)s changed this customer at %(time)s, after you opened it. Nothing of yours "
            "was saved. Each field that now differs from your input shows both values; save "
            "again to store yours."
        )
        % {"user": who, "time": when}
    )


class CustomerCreateView(DeclaredPermissionsMixin, View):
    """A new customer: its fields and its children go to ``customer_create`` in one call."""

    @classmethod
    def declared_permissions(cls, method, kwargs, mode=None):
        return ("customers.add_customer",)

    def get(self, request):
        form = CustomerForm(can_change_credit=may_change_credit(request.user))
        return _render(request, form=form, rows_by_kind=_empty_tables())

    def post(self, request):
        form = CustomerForm(request.POST, can_change_credit=may_change_credit(request.user))
        rows_by_kind = {kind: child_rows_from_post(kind, request.POST) for kind, _t in CHILD_TABLES}
        general, table_errors, duplicates = [], {}, []
        if form.is_valid():
            sent = {
                kind: [row for row in rows if not row.delete] for kind, rows in rows_by_kind.items()
            }
            data = form.service_data()
            for kind, rows in sent.items():
                if rows:
                    data[kind] = [row.service_data(kind) for row in rows]
            try:
                with transaction.atomic():
                    customer = customer_create(actor=request.user, data=data)
                    # Duplicate detection (kehu.quality): warn unless the user confirmed.
                    if not request.POST.get("confirm_duplicates"):
                        refuse_probable_duplicates(customer, user=request.user)
            except ProbableDuplicateError as exc:
                duplicates = exc.candidates
            except ValidationError as exc:
                general, table_errors = _apply_errors(form, rows_by_kind, _error_dict(exc), sent)
            except ConflictError as exc:
                general, table_errors = _apply_errors(form, rows_by_kind, _conflict(exc), sent)
            except FieldPermissionError as exc:
                general, table_errors = _apply_errors(form, rows_by_kind, _refused(exc), sent)
            else:
                messages.success(
                    request,
                    _("Customer %(code)s was created.") % {"code": customer.code},
                )
                return _to_card(request, customer)
        return _render(
            request,
            form=form,
            rows_by_kind=rows_by_kind,
            errors=general,
            table_errors=table_errors,
            duplicates=duplicates,
        )


class CustomerEditView(DeclaredPermissionsMixin, View):
    """The card of an existing customer; changes to it and its rows are one transaction."""

    @classmethod
    def declared_permissions(cls, method, kwargs, mode=None):
        if method == "POST":
            return ("customers.view_customer", "customers.change_customer")
        return ("customers.view_customer",)

    def get_customer(self, pk: int) -> Customer:
        return get_object_or_404(selectors.customer_detail(self.request.user), pk=pk)

    def get(self, request, pk: int):
        customer = self.get_customer(pk)
        rows_by_kind = {
            kind: child_rows_from_instances(kind, getattr(customer, kind).all())
            for kind, _t in CHILD_TABLES
        }
        form = CustomerForm(customer=customer, can_change_credit=may_change_credit(request.user))
        return _render(request, form=form, rows_by_kind=rows_by_kind, customer=customer)

    def post(self, request, pk: int):
        customer = self.get_customer(pk)
        can_change_credit = may_change_credit(request.user)
        form = CustomerForm(request.POST, customer=customer, can_change_credit=can_change_credit)
        rows_by_kind = {kind: child_rows_from_post(kind, request.POST) for kind, _t in CHILD_TABLES}
        general, table_errors = [], {}
        if form.is_valid():
            try:
                with transaction.atomic():
                    general, table_errors = self._save(form, customer, rows_by_kind)
                    if general or table_errors or form.errors or self._row_errors(rows_by_kind):
                        raise _Rollback
            except _Rollback:
                pass
            except StaleVersionError:
                return self._stale(request, pk, rows_by_kind, can_change_credit)
            else:
                messages.success(request, _("The changes were saved."))
                return _to_card(request, customer)
        return _render(
            request,
            form=form,
            rows_by_kind=rows_by_kind,
            customer=customer,
            errors=general,
            table_errors=table_errors,
        )

    def _stale(self, request, pk: int, rows_by_kind, can_change_credit: bool):
        """The card as stored now, with the user's inputs kept and the differences shown.

        The hidden version becomes the current one: having seen the differences, the user may
        save their values over them.
        """
        current = self.get_customer(pk)
        posted = request.POST.copy()
        posted["version"] = str(current.version)
        form = CustomerForm(posted, customer=current, can_change_credit=can_change_credit)
        form.is_valid()
        message = _show_stale(form, current)
        return _render(
            request,
            form=form,
            rows_by_kind=rows_by_kind,
            customer=current,
            errors=[message],
        )

    @staticmethod
    def _row_errors(rows_by_kind) -> bool:
        return any(row.errors for rows in rows_by_kind.values() for row in rows)

    def _save(self, form, customer, rows_by_kind) -> tuple[list, dict]:
        """Write the customer's changes, then each changed row; collect every error.

        The customer is written first whenever anything on the card changes: that checks the
        version the card was opened at (under the row lock, before any row is written) and
        makes a change of a row a change of the customer, which the next stale save sees.
        ``StaleVersionError`` is not caught here: the whole save is refused.
        """
        actor = self.request.user
        errors: dict = {}
        data = form.service_data()
        plan = {kind: self._plan(kind, customer, rows) for kind, rows in rows_by_kind.items()}
        if data or any(action for steps in plan.values() for action, _r, _o in steps):
            try:
                customer_update(
                    actor=actor,
                    customer=customer,
                    data=data,
                    expected_version=form.cleaned_data["version"],
                )
            except StaleVersionError:
                raise
            except ValidationError as exc:
                errors.update(_error_dict(exc))
            except ConflictError as exc:
                errors.update(_conflict(exc))
            except FieldPermissionError as exc:
                errors.update(_refused(exc))
        general, table_errors = _apply_errors(form, rows_by_kind, errors, {})
        for kind, steps in plan.items():
            for action, row, original in steps:
                try:
                    if action == "create":
                        customer_child_create(
                            kind, actor=actor, customer=customer, data=row.service_data(kind)
                        )
                    elif action == "delete":
                        customer_child_delete(kind, actor=actor, row=original)
                    elif action == "update":
                        customer_child_update(
                            kind, actor=actor, row=original, data=row.service_data(kind)
                        )
                except ValidationError as exc:
                    for key, value in _error_dict(exc).items():
                        row.errors.setdefault(key, []).extend(_messages(value))
                except ConflictError as exc:
                    row.errors.setdefault(exc.field or ROW, []).append(str(exc))
        return general, table_errors

    @staticmethod
    def _plan(kind: str, customer: Customer, rows) -> list[tuple[str | None, ChildRow, object]]:
        """What to do with each posted row: create, update, delete or nothing (None).

        A row that no longer exists gets its error here and no action.
        """
        existing = {row.pk: row for row in getattr(customer, kind).all()}
        originals = {
            row.pk: row.values for row in child_rows_from_instances(kind, existing.values())
        }
        steps = []
        for row in rows:
            if row.pk is not None and row.pk not in existing:
                row.errors[ROW] = [_("This row no longer exists; reload the card.")]
                steps.append((None, row, None))
            elif row.pk is None:
                steps.append((None if row.delete else "create", row, None))
            elif row.delete:
                steps.append(("delete", row, existing[row.pk]))
            elif _changed(row.values, originals[row.pk]):
                steps.append(("update", row, existing[row.pk]))
            else:
                steps.append((None, row, existing[row.pk]))
        return steps


def _changed(posted: dict, original: dict) -> bool:
    return any(str(posted.get(k, "")) != str(v) for k, v in original.items())


class _CustomerAction(DeclaredPermissionsMixin, View):
    http_method_names = ["post"]
    done_message = None

    @classmethod
    def declared_permissions(cls, method, kwargs, mode=None):
        return ("customers.change_customer",)

    def act(self, customer: Customer, expected_version: int | None):
        raise NotImplementedError

    def post(self, request, pk: int):
        customer = get_object_or_404(selectors.customers_visible_to(request.user), pk=pk)
        version = request.POST.get("version", "")
        try:
            self.act(customer, int(version) if version.isdigit() else None)
        except ConflictError as exc:
            messages.error(request, str(exc))
        except ValidationError as exc:
            for text in exc.messages:
                messages.error(request, text)
        else:
            messages.success(request, self.done_message)
        return redirect("customers:edit", pk=customer.pk)


class CustomerDeactivateView(_CustomerAction):
    done_message = _("The customer was deactivated.")

    def act(self, customer, expected_version):
        customer_deactivate(
            actor=self.request.user, customer=customer, expected_version=expected_version
        )


class CustomerReactivateView(_CustomerAction):
    done_message = _("The customer was reactivated.")

    def act(self, customer, expected_version):
        customer_reactivate(
            actor=self.request.user, customer=customer, expected_version=expected_version
        )


MNEMONIC_TEXT_MAX = 200


@requires_permissions({"GET": AnyOf(("customers.add_customer", "customers.change_customer"))})
def mnemonic_view(request):
    """``{"mnemonic": "TRJJ"}`` for ``?text=泰锐家居``: the card fills its input as one types."""
    text = request.GET.get("text", "")[:MNEMONIC_TEXT_MAX]
    return JsonResponse({"mnemonic": mnemonic_for(text)})
