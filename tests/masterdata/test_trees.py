"""The rules of §1 for the class and region trees, at service level."""

import pytest
from django.core.exceptions import ValidationError

from kehu.core.errors import ConflictError
from kehu.masterdata.models import CustomerClass
from kehu.masterdata.services import (
    coding_scheme_update,
    customer_class_create,
    customer_class_delete,
    customer_class_update,
    region_create,
    region_delete,
)
from tests.factories import class_tree, customer, region_tree

pytestmark = pytest.mark.django_db


def test_level_and_parent_follow_from_the_code():
    nodes = class_tree("01", "0101", "0101001")

    leaf = nodes["0101001"]
    assert (leaf.level, leaf.parent.code, leaf.is_leaf) == (3, "0101", True)
    nodes["01"].refresh_from_db()
    assert nodes["01"].is_leaf is False


def test_a_code_that_does_not_fit_the_scheme_is_refused():
    with pytest.raises(ValidationError) as info:
        customer_class_create(actor=None, data={"code": "011", "name": "x"})
    assert "2 / 4 / 7" in info.value.message_dict["code"][0]


def test_a_child_needs_its_parent():
    with pytest.raises(ValidationError) as info:
        customer_class_create(actor=None, data={"code": "0201", "name": "x"})
    assert "02" in info.value.message_dict["code"][0]


def test_codes_are_unique_and_names_required():
    class_tree("01")
    with pytest.raises(ValidationError) as info:
        customer_class_create(actor=None, data={"code": "01", "name": ""})
    assert set(info.value.message_dict) == {"code", "name"}


def test_a_class_that_holds_customers_cannot_get_children():
    class_tree("01", "0101")
    customer("0101")
    with pytest.raises(ConflictError) as info:
        customer_class_create(actor=None, data={"code": "0101001", "name": "x"})
    assert info.value.code == "parent_in_use"


def test_delete_is_refused_with_children_or_customers_and_allowed_otherwise():
    nodes = class_tree("01", "0101", "0102")
    customer("0101")

    with pytest.raises(ConflictError) as info:
        customer_class_delete(actor=None, node=nodes["01"])
    assert info.value.code == "has_children"
    with pytest.raises(ConflictError) as info:
        customer_class_delete(actor=None, node=nodes["0101"])
    assert info.value.code == "in_use"
    assert "1" in str(info.value)

    customer_class_delete(actor=None, node=nodes["0102"])
    assert not CustomerClass.objects.filter(code="0102").exists()


def test_deleting_the_last_child_makes_the_parent_a_leaf_again():
    nodes = class_tree("01", "0101")
    customer_class_delete(actor=None, node=nodes["0101"])
    nodes["01"].refresh_from_db()
    assert nodes["01"].is_leaf is True


def test_the_code_may_change_until_customers_use_it():
    nodes = class_tree("01", "02", "0101")
    moved = customer_class_update(actor=None, node=nodes["0101"], data={"code": "0201"})
    assert moved.parent.code == "02"
    nodes["01"].refresh_from_db()
    assert nodes["01"].is_leaf is True

    customer("0201")
    with pytest.raises(ConflictError) as info:
        customer_class_update(actor=None, node=moved, data={"code": "0101"})
    assert info.value.code == "code_in_use"
    renamed = customer_class_update(actor=None, node=moved, data={"name": "新名称"})
    assert renamed.name == "新名称"


def test_the_scheme_may_only_be_lengthened_once_codes_exist():
    class_tree("01", "0101")
    with pytest.raises(ValidationError):
        coding_scheme_update(actor=None, tree="customer_class", segments="2-3-3")
    with pytest.raises(ValidationError):
        coding_scheme_update(actor=None, tree="customer_class", segments="2")
    scheme = coding_scheme_update(actor=None, tree="customer_class", segments="2-2-4-2")
    assert scheme.segments == "2-2-4-2"
    customer_class_create(actor=None, data={"code": "01010001", "name": "四位"})


def test_regions_follow_the_same_rules():
    nodes = region_tree("02", "0201")
    customer(region_code="0201", class_code=class_tree("01", "0101")["0101"].code)
    with pytest.raises(ConflictError):
        region_delete(actor=None, node=nodes["0201"])
    with pytest.raises(ConflictError):
        region_create(actor=None, data={"code": "020101", "name": "x"})


def test_a_region_used_by_a_delivery_address_cannot_be_deleted():
    class_tree("01", "0101")
    nodes = region_tree("02", "0201")
    customer(addresses=[{"address": "人民路 1 号", "region_code": "0201"}])
    with pytest.raises(ConflictError) as info:
        region_delete(actor=None, node=nodes["0201"])
    assert info.value.code == "in_use"
