import datetime
from decimal import Decimal

import pytest

from kehu.masterdata.models import Currency
from tests.factories import class_tree, customer

D = Decimal
DAY = datetime.date(2026, 1, 10)


@pytest.fixture
def classes(db):
    return class_tree("01", "0101")


@pytest.fixture
def make_customer(classes):
    """A customer trading in CNY (seeded by the master-data migration), 30 days' credit."""

    def make(**data):
        values = {"currency": "CNY", "credit_days": 30}
        values.update(data)
        return customer(**values)

    return make


@pytest.fixture
def usd(db):
    return Currency.objects.get(code="USD")


from tests.api.conftest import api_as  # noqa: E402, F401  (the API tests' client per role)
