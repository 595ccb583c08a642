import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from kehu.accounts.services import user_create
from kehu.credit.choices import CreditMode, PolicyScope
from kehu.credit.services import policy_save
from kehu.masterdata.models import CreditGrade, CustomerClass
from tests.factories import class_tree, customer

D = Decimal


def today() -> datetime.date:
    return timezone.localdate()


def days_ago(n: int) -> datetime.date:
    return today() - datetime.timedelta(days=n)


@pytest.fixture
def classes(db):
    return class_tree("01", "0101", "0102", "02", "0201")


@pytest.fixture
def grades(db):
    """The seeded grades AAA (best) … C (the lowest)."""
    return {grade.code: grade for grade in CreditGrade.objects.all()}


@pytest.fixture
def make_customer(classes):
    """A customer trading in CNY with 30 days' credit and a limit of 1000."""

    def make(**data):
        values = {"currency": "CNY", "credit_days": 30, "credit_limit": "1000"}
        values.update(data)
        return customer(**values)

    return make


@pytest.fixture
def policy(db):
    """Set a policy: ``policy("block")`` for every customer, or for a grade/class."""

    def make(mode, *, grade=None, class_code=None, tolerance=0, cash_only=False):
        if grade:
            scope, target = PolicyScope.GRADE, {"credit_grade": CreditGrade.objects.get(code=grade)}
        elif class_code:
            scope = PolicyScope.CLASS
            target = {"customer_class": CustomerClass.objects.get(code=class_code)}
        else:
            scope, target = PolicyScope.DEFAULT, {}
        return policy_save(
            actor=None,
            data={
                "scope": scope,
                "mode": CreditMode(mode),
                "overdue_tolerance_days": tolerance,
                "cash_only": cash_only,
                **target,
            },
        )

    return make


@pytest.fixture
def users(db):
    """A salesperson, two credit controllers (one with an approval amount of 100)."""
    from kehu.credit.services import approver_set

    made = {
        "seller": user_create(username="seller", password="Kehu-user-2026", roles=["salesperson"]),
        "controller": user_create(
            username="controller", password="Kehu-user-2026", roles=["credit controller"]
        ),
        "junior": user_create(
            username="junior", password="Kehu-user-2026", roles=["credit controller"]
        ),
        "admin": user_create(username="boss", password="Kehu-user-2026", roles=["administrator"]),
    }
    approver_set(actor=None, user=made["junior"], approval_amount=D("100"))
    return made


from tests.api.conftest import api_as  # noqa: E402, F401  (the API tests' client per role)
