"""Writes within the data scope: a salesperson's new customer is theirs by default, and a head
office outside their scope is named like a code that does not exist."""

import pytest
from django.core.exceptions import ValidationError

from kehu.accounts.services import user_create
from kehu.customers.services import customer_create, customer_update
from kehu.masterdata.models import Department, Salesperson
from kehu.masterdata.services import coded_item_create
from tests import factories


@pytest.fixture
def salesperson(db):
    factories.class_tree("01", "0101")
    coded_item_create(Department, actor=None, data={"code": "D1", "name": "一部"})
    user = user_create(username="xiao", password="Kehu-x-2026", roles=["salesperson"])
    coded_item_create(
        Salesperson,
        actor=None,
        data={"code": "S1", "name": "小王", "department": "D1", "user": "xiao"},
    )
    coded_item_create(Salesperson, actor=None, data={"code": "S2", "name": "老李"})
    return user


def test_a_salespersons_new_customer_is_theirs_and_their_departments(salesperson):
    created = customer_create(
        actor=salesperson, data={"code": "N1", "name": "新客户", "class_code": "0101"}
    )

    assert created.salesperson.code == "S1"
    assert created.department.code == "D1"


def test_a_head_office_outside_the_scope_is_an_unknown_code(salesperson):
    hidden = factories.customer(name="别人的总部", salesperson="S2")
    own = factories.customer(name="我的总部", salesperson="S1")

    with pytest.raises(ValidationError) as refused:
        customer_create(
            actor=salesperson,
            data={"code": "N2", "name": "分公司", "class_code": "0101", "parent_code": hidden.code},
        )
    message = refused.value.message_dict["parent_code"][0]
    assert "does not exist" in message and hidden.code in message
    branch = customer_create(
        actor=salesperson,
        data={"code": "N3", "name": "分公司三", "class_code": "0101", "parent_code": own.code},
    )
    assert branch.parent == own


def test_a_head_office_already_set_stays_though_the_actor_cannot_see_it(salesperson):
    hidden = factories.customer(name="别人的总部", salesperson="S2")
    branch = factories.customer(name="我的分公司", salesperson="S1", parent_code=hidden.code)

    changed = customer_update(
        actor=salesperson,
        customer=branch,
        data={"parent_code": hidden.code, "phone": "021-5"},
    )

    assert changed.parent == hidden and changed.phone == "021-5"
