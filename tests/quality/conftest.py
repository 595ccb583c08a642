import pytest

from kehu.masterdata import models as md
from kehu.masterdata.services import coded_item_create
from tests.api.conftest import api_as, classes  # noqa: F401 - fixtures shared with the API tests


@pytest.fixture
def sales_team(db):
    """Departments D1, D2; salesperson S1 (login ``seller``) in D1 and S2 in D2."""
    from kehu.accounts.services import user_create

    for code in ("D1", "D2"):
        coded_item_create(md.Department, actor=None, data={"code": code, "name": f"部门{code}"})
    seller = user_create(
        username="seller", password="Kehu-user-2026", roles=["salesperson"], scope="own"
    )
    coded_item_create(
        md.Salesperson,
        actor=None,
        data={"code": "S1", "name": "业务员甲", "department": "D1", "user": "seller"},
    )
    coded_item_create(
        md.Salesperson, actor=None, data={"code": "S2", "name": "业务员乙", "department": "D2"}
    )
    return seller
