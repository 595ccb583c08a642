"""The bulk loader: the same rows as the services would write, fixed by the seed."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from kehu.audit.models import AuditEvent
from kehu.core.errors import ConflictError
from kehu.customers.models import (
    BankAccount,
    Contact,
    Customer,
    DeliveryAddress,
    QualificationDocument,
)
from kehu.customers.search import keyword_condition
from kehu.customers.selectors import customer_list
from kehu.demo import generator
from kehu.demo.bulk import bulk_load
from kehu.demo.loader import demo_load

REFERENCE_DATE = datetime.date(2026, 3, 15)
SKIPPED = {"id", "created_at", "updated_at"}
CHILDREN = (Contact, DeliveryAddress, BankAccount, QualificationDocument)


class _Undo(Exception):
    pass


def _row(instance, skipped=SKIPPED | {"customer"}) -> dict:
    """The instance's stored values; references by code (or username), not by key."""
    values = {}
    for field in instance._meta.concrete_fields:
        if field.name in skipped:
            continue
        if field.is_relation:
            target = getattr(instance, field.name)
            values[field.name] = getattr(target, "code", None) or getattr(target, "username", None)
        else:
            values[field.name] = getattr(instance, field.attname)
    return values


def _snapshot() -> dict:
    """Every customer (by code) with its children and tags, as stored."""
    customers = {}
    for customer in Customer.objects.select_related(
        "customer_class", "region", "parent", "created_by", "updated_by"
    ).order_by("code"):
        customers[customer.code] = {
            **_row(customer, SKIPPED),
            "tags": sorted(t.name for t in customer.tags.all()),
            **{
                model.__name__: [
                    _row(child) for child in model.objects.filter(customer=customer).order_by("id")
                ]
                for model in CHILDREN
            },
        }
    return customers


def test_bulk_load_writes_what_the_services_write(db):
    with pytest.raises(_Undo), transaction.atomic():
        # the customers alone: their documents are bulk_sales_load's (tests/demo/test_bulk_sales.py)
        demo_load(customers=40, seed=5, reference_date=REFERENCE_DATE, sales=False)
        through_services = _snapshot()
        raise _Undo

    bulk_load(customers=40, seed=5, reference_date=REFERENCE_DATE, parallel=False)

    assert _snapshot() == through_services
    assert len(through_services) == 40


def test_counts_and_values_are_fixed_by_the_seed(db):
    summary = bulk_load(customers=200, reference_date=REFERENCE_DATE)

    expected = list(generator.generate_customers(200, reference_date=REFERENCE_DATE))
    assert summary.customers == Customer.objects.count() == 200
    assert Contact.objects.count() == sum(len(c["contacts"]) for c in expected)
    assert DeliveryAddress.objects.count() == sum(len(c["addresses"]) for c in expected)
    assert summary.rows["customers_contact"] == Contact.objects.count()
    first = Customer.objects.get(code="C000001")
    assert (first.name, first.mnemonic) == (expected[0]["name"], expected[0]["mnemonic"])
    assert (first.name, first.mnemonic) == ("辽宁朗冠精密有限责任公司", "LGJM")
    branch = Customer.objects.filter(parent__isnull=False).select_related("parent").first()
    assert branch.name.startswith(branch.parent.name)
    assert AuditEvent.objects.filter(operation_id=summary.operation_id).count() == 1


def test_customers_created_later_get_new_keys_and_the_loaded_ones_are_listed(db, admin_user):
    bulk_load(customers=30, reference_date=REFERENCE_DATE)

    later = Customer.objects.create(
        code="X1", name="后来的客户", customer_class=Customer.objects.first().customer_class
    )

    assert later.pk > Customer.objects.exclude(pk=later.pk).order_by("-pk").first().pk
    assert customer_list(admin_user).filter(code__startswith="C").count() == 30


def test_a_second_process_generates_the_same_customers(db):
    bulk_load(customers=25, reference_date=REFERENCE_DATE, parallel=True)

    expected = [c["name"] for c in generator.generate_customers(25, reference_date=REFERENCE_DATE)]
    assert list(Customer.objects.order_by("code").values_list("name", flat=True)) == expected


def test_a_database_with_customers_is_refused(db):
    bulk_load(customers=3, reference_date=REFERENCE_DATE)

    with pytest.raises(ConflictError):
        bulk_load(customers=3, reference_date=REFERENCE_DATE)
    assert Customer.objects.count() == 3


def test_the_demo_command_loads_in_bulk(db):
    out = StringIO()
    call_command("demo", customers=12, bulk=True, stdout=out)

    assert Customer.objects.count() == 12
    assert "12 customers" in out.getvalue()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's search_contacts")
def test_bulk_load_writes_the_contacts_search_texts_the_triggers_would(db):
    bulk_load(customers=30, reference_date=REFERENCE_DATE, analyze=False)
    texts = "t.name || E'\\x1F' || t.phone || E'\\x1F' || t.mobile || E'\\x1F' || t.email"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.code, c.search_contacts, coalesce((SELECT string_agg("  # noqa: S608
            f"{texts}, E'\\x1F' ORDER BY t.id) FROM customers_contact AS t"
            " WHERE t.customer_id = c.id), '') FROM customers_customer AS c ORDER BY c.code"
        )
        rows = cursor.fetchall()
    assert len(rows) == 30
    assert [(code, stored) for code, stored, _expected in rows] == [
        (code, expected) for code, _stored, expected in rows
    ]
    assert sum(1 for _code, stored, _expected in rows if stored) >= 20  # most have contacts
    contact = Contact.objects.order_by("id").first()
    found = Customer.objects.filter(keyword_condition(contact.name))
    assert contact.customer_id in set(found.values_list("pk", flat=True))
