"""Small builders of test data, all through the services (so tests see real rules)."""

import itertools

from kehu.customers.services import customer_create
from kehu.masterdata import models as md
from kehu.masterdata.models import CustomerClass, Region
from kehu.masterdata.services import coded_item_create, customer_class_create, region_create

_seq = itertools.count(1)


def class_tree(*codes: str) -> dict[str, CustomerClass]:
    """Create classes by code, parents first: ``class_tree("01", "0101")``."""
    return {
        code: customer_class_create(actor=None, data={"code": code, "name": f"分类{code}"})
        for code in codes
    }


def region_tree(*codes: str) -> dict[str, Region]:
    return {
        code: region_create(actor=None, data={"code": code, "name": f"地区{code}"})
        for code in codes
    }


def reference_lists() -> None:
    """One row of each list a customer's columns refer to by code (besides classes and
    regions): industry IT, department D1, shipping method SEA, salesperson S1 (of D1),
    payment terms N30."""
    for model, code, name in (
        (md.Industry, "IT", "信息技术"),
        (md.Department, "D1", "华东部"),
        (md.ShippingMethod, "SEA", "海运"),
    ):
        coded_item_create(model, actor=None, data={"code": code, "name": name})
    coded_item_create(
        md.Salesperson, actor=None, data={"code": "S1", "name": "王五", "department": "D1"}
    )
    coded_item_create(
        md.PaymentTerms, actor=None, data={"code": "N30", "name": "月结30天", "text": "n/30"}
    )


def customer(class_code: str = "0101", **data):
    """A valid customer on an existing leaf class; keyword arguments override fields."""
    n = next(_seq)
    values = {"code": f"T{n:05d}", "name": f"测试客户{n}有限公司", "class_code": class_code}
    values.update(data)
    return customer_create(actor=None, data=values)
