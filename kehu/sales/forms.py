"""Forms of the sales document pages: they parse input; the rules are the services'."""

import datetime
from decimal import Decimal

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kehu.sales.models import NUMBER_MAX

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONEY = {"max_digits": 18, "decimal_places": 2, "min_value": Decimal("0.01")}


def _number(label=_("Number")):
    return forms.CharField(label=label, max_length=NUMBER_MAX)


class OrderForm(forms.Form):
    customer_code = forms.CharField(label=_("Customer code"), max_length=30)
    number = _number()
    date = forms.DateField(label=_("Date"), widget=DATE)
    amount = forms.DecimalField(label=_("Amount"), **MONEY)


class OrderChangeForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DATE)
    amount = forms.DecimalField(label=_("Amount"), **MONEY)


class InvoiceForm(forms.Form):
    order_number = forms.CharField(
        label=_("Sales order"),
        max_length=NUMBER_MAX,
        required=False,
        help_text=_("Invoice an open order (by default what it has left), or name a customer."),
    )
    customer_code = forms.CharField(label=_("Customer code"), max_length=30, required=False)
    number = _number()
    date = forms.DateField(label=_("Date"), widget=DATE)
    amount = forms.DecimalField(label=_("Amount"), required=False, **MONEY)
    due_date = forms.DateField(
        label=_("Due date"),
        required=False,
        widget=DATE,
        help_text=_("Empty: by the customer's credit period or payment terms."),
    )

    def clean(self):
        data = super().clean()
        if not data.get("order_number") and not data.get("customer_code"):
            raise ValidationError(_("Name the customer or the order."), code="required")
        if not data.get("order_number") and data.get("amount") is None and not self.errors:
            self.add_error("amount", _("Enter the amount of an invoice without an order."))
        return data


class SettleMode:
    OLDEST = "oldest"
    LISTED = "listed"
    NONE = "none"


class ReceiptForm(forms.Form):
    customer_code = forms.CharField(label=_("Customer code"), max_length=30)
    number = _number()
    date = forms.DateField(label=_("Date"), widget=DATE)
    amount = forms.DecimalField(label=_("Amount"), **MONEY)
    settle = forms.ChoiceField(
        label=_("Settle"),
        choices=[
            (SettleMode.OLDEST, _("the open invoices, the earliest due first")),
            (SettleMode.LISTED, _("the invoices listed below")),
            (SettleMode.NONE, _("nothing now (leave it unapplied)")),
        ],
        initial=SettleMode.OLDEST,
        widget=forms.RadioSelect,
    )
    allocations = forms.CharField(
        label=_("Invoices to settle"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            'One invoice a line: its number and, optionally, the amount ("IN001 300.00"); '
            "without an amount, as much as both have open."
        ),
    )

    def clean_allocations(self):
        lines = []
        for row, line in enumerate(self.cleaned_data.get("allocations", "").splitlines(), 1):
            parts = line.split()
            if not parts:
                continue
            amount = None
            if len(parts) > 2:
                raise ValidationError(
                    _("Line %(row)s: a number and at most one amount."), params={"row": row}
                )
            if len(parts) == 2:
                try:
                    amount = Decimal(parts[1])
                except ArithmeticError:
                    amount = None
                if amount is None or not amount.is_finite() or amount <= 0:
                    raise ValidationError(
                        _("Line %(row)s: %(amount)s is not an amount."),
                        params={"row": row, "amount": parts[1]},
                    )
            lines.append({"invoice": parts[0], "amount": amount})
        return lines

    def clean(self):
        data = super().clean()
        listed = data.get("settle") == SettleMode.LISTED
        if listed and not data.get("allocations") and "allocations" not in self.errors:
            self.add_error("allocations", _("List the invoices to settle."))
        return data


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


def show_errors(form: forms.Form, exc: ValidationError, aliases: dict | None = None) -> None:
    """A service's ``ValidationError`` on the form: next to its field when the form has one
    (``aliases`` maps the service's names to the form's), above the form otherwise."""
    aliases = aliases or {}
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, errors in exc.error_dict.items():
        name = aliases.get(name, name)
        if name.startswith("allocations.") and "allocations" in form.fields:
            name = "allocations"
        form.add_error(name if name in form.fields else NON_FIELD_ERRORS, errors)


def suggested_number(model, prefix: str) -> str:
    """A free number for a new document: ``SO20260110-001``, the next one of the day."""
    stem = f"{prefix}{timezone.localdate():%Y%m%d}-"
    taken = set(model.objects.filter(number__startswith=stem).values_list("number", flat=True))
    n = len(taken) + 1
    while f"{stem}{n:03d}" in taken:
        n += 1
    return f"{stem}{n:03d}"


def today() -> datetime.date:
    return timezone.localdate()
