"""Writes to the customer archive. The API, UI, importer and CLI all call these."""

from kehu.customers.services.children import (
    CHILD_KINDS,
    customer_child_create,
    customer_child_delete,
    customer_child_update,
)
from kehu.customers.services.customers import (
    customer_create,
    customer_deactivate,
    customer_delete,
    customer_reactivate,
    customer_transactions,
    customer_update,
)
from kehu.customers.services.saved_queries import (
    saved_query_create,
    saved_query_delete,
    saved_query_update,
)
from kehu.customers.services.user_fields import (
    user_field_create,
    user_field_delete,
    user_field_update,
)

__all__ = [
    "CHILD_KINDS",
    "customer_child_create",
    "customer_child_delete",
    "customer_child_update",
    "customer_create",
    "customer_deactivate",
    "customer_delete",
    "customer_reactivate",
    "customer_transactions",
    "customer_update",
    "saved_query_create",
    "saved_query_delete",
    "saved_query_update",
    "user_field_create",
    "user_field_delete",
    "user_field_update",
]
