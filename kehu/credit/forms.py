"""Forms of the credit pages: they parse input; the rules are the services'."""

from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from kehu.credit.choices import CreditMode, PolicyScope
from kehu.masterdata.models import CreditGrade, CustomerClass


class PolicyForm(forms.Form):
    scope = forms.ChoiceField(label=_("Applies to"), choices=PolicyScope.choices)
    credit_grade = forms.ModelChoiceField(
        label=_("Credit grade"), queryset=CreditGrade.objects.all(), required=False
    )
    customer_class = forms.ModelChoiceField(
        label=_("Customer class"),
        queryset=CustomerClass.objects.all(),
        required=False,
        help_text=_("The policy applies to the class and every class under it."),
    )
    mode = forms.ChoiceField(label=_("Policy"), choices=CreditMode.choices)
    overdue_tolerance_days = forms.IntegerField(
        label=_("Overdue tolerance (days)"), min_value=0, max_value=3650, initial=0
    )
    cash_only = forms.BooleanField(
        label=_("Cash only (the lowest credit grade only)"), required=False
    )


class ApproverForm(forms.Form):
    username = forms.CharField(label=_("User"), max_length=150)
    approval_amount = forms.DecimalField(
        label=_("Approval amount"),
        max_digits=18,
        decimal_places=2,
        min_value=Decimal("0"),
        required=False,
        help_text=_("The largest excess over the limit the user may release; empty: no ceiling."),
    )

    def clean_username(self):
        name = self.cleaned_data["username"].strip()
        user = get_user_model().objects.filter(username=name, is_active=True).first()
        if user is None:
            raise forms.ValidationError(
                _("There is no active user %(name)s."), params={"name": name}
            )
        if not user.has_perm("credit.approve_creditapproval"):
            raise forms.ValidationError(
                _("%(name)s may not approve credit: give them the credit controller's role."),
                params={"name": name},
            )
        return user


class DecisionForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=500, required=False)
