"""Writes to master data. Every path (API, UI, import, CLI) calls these functions."""

from kehu.masterdata.services.lists import (
    coded_item_create,
    coded_item_delete,
    coded_item_update,
)
from kehu.masterdata.services.payment_terms import parse_payment_terms
from kehu.masterdata.services.trees import (
    coding_scheme_update,
    customer_class_create,
    customer_class_delete,
    customer_class_update,
    region_create,
    region_delete,
    region_update,
    tree_node_create,
    tree_node_delete,
    tree_node_update,
)

__all__ = [
    "coded_item_create",
    "coded_item_delete",
    "coded_item_update",
    "coding_scheme_update",
    "customer_class_create",
    "customer_class_delete",
    "customer_class_update",
    "parse_payment_terms",
    "region_create",
    "region_delete",
    "region_update",
    "tree_node_create",
    "tree_node_delete",
    "tree_node_update",
]
