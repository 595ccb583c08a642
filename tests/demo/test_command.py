"""``manage.py demo``: the demo data goes into an empty database, through the services."""

import datetime
from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db.models import Q
from django.utils import timezone

from kehu.accounts.services import user_create
from kehu.customers.models import Contact, Customer, QualificationDocument
from kehu.customers.selectors import customers_visible_to
from kehu.demo import generator
from kehu.demo.loader import DEMO_PASSWORD
from kehu.demo.management.commands.demo import Command as DemoCommand
from kehu.masterdata.models import CustomerClass, Region, Salesperson


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def run_demo(**options) -> str:
    out = StringIO()
    call_command("demo", stdout=out, **options)
    return out.getvalue()


def test_demo_loads_customers_users_and_master_data(db):
    output = run_demo(customers=30, seed=11)

    expected = list(generator.generate_customers(30, seed=11, reference_date=timezone.localdate()))
    assert Customer.objects.count() == 30
    assert Contact.objects.count() == sum(len(c["contacts"]) for c in expected)
    assert CustomerClass.objects.filter(is_leaf=True).count() >= 12
    assert Region.objects.filter(level=1).count() >= 7
    roles = {group.name: group.user_set.count() for group in Group.objects.all()}
    assert roles == {
        "administrator": 1,
        "sales manager": 1,
        "salesperson": 2,
        "credit controller": 1,
        "auditor": 1,
    }
    assert Salesperson.objects.get(user__username="sales1").customers.exists()
    assert authenticate(username="sales1", password=DEMO_PASSWORD) is not None
    assert Customer.objects.filter(branches__isnull=False).exists()
    soon = timezone.localdate() + datetime.timedelta(days=30)
    assert QualificationDocument.objects.filter(valid_to__lte=soon).exists()
    assert "30 customers" in output
    assert DEMO_PASSWORD in output


def test_a_second_run_is_refused_and_changes_nothing(db):
    run_demo(customers=5)

    with pytest.raises(CommandError, match="already holds 5 customers"):
        run_demo(customers=5)
    assert Customer.objects.count() == 5


def test_an_existing_administrator_keeps_its_password(db):
    user_create(username="admin", password="Own-admin-pass-1", roles=["administrator"])

    output = run_demo(customers=3, verbosity=0)

    assert authenticate(username="admin", password="Own-admin-pass-1") is not None
    assert "keep their password: admin" in output
    assert Customer.objects.filter(created_by__username="admin").count() == 3


def test_the_number_of_customers_must_be_positive(db):
    with pytest.raises(CommandError, match="--customers"):
        run_demo(customers=0)


def test_help_describes_the_options():
    parser = DemoCommand().create_parser("manage.py", "demo")

    text = parser.format_help()

    assert "--customers" in text
    assert "--seed" in text


def test_demo_salespeople_see_their_own_customers_and_the_manager_a_department(db):
    run_demo(customers=40, seed=11)
    users = {u.username: u for u in get_user_model().objects.all()}

    def visible(username):
        return customers_visible_to(users[username])

    own = Customer.objects.filter(salesperson__user__username="sales1")
    assert own.exists()
    assert set(visible("sales1")) == set(own)
    assert set(visible("sales2")) == set(Customer.objects.filter(salesperson__code="S03"))
    department = visible("manager")
    assert department.exists() and department.count() < Customer.objects.count()
    assert not department.exclude(Q(department__code="01") | Q(salesperson__department__code="01"))
    for username in ("admin", "credit", "auditor"):
        assert visible(username).count() == 40
