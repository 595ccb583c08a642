"""Merging two customers that are the same one (SPEC §7).

The survivor keeps its code and, field by field, its own value or the other's; the other's
contacts, delivery addresses, bank accounts, qualification documents, branches (customers whose
head office it is) and every record of another app that refers to it (found through the model
metadata, so sales documents and evaluations added later move too) go to the survivor; then
the other is deleted and its code is free again. It is one transaction under row locks: either
all of it happens or nothing does. Every change is audited under one operation id, and the
survivor's history gets a ``merge`` event naming the customer merged into it.

Rows that carry a "one per customer" flag (the primary contact, the default delivery address
and bank account) keep the survivor's flag unless the caller chooses the other's; a bank account
number both customers have stays once (the survivor's row). Both rules are explained by the
preview, which writes nothing.
"""

from kehu.quality.merge.preview import (
    OTHER,
    SURVIVOR,
    Conflict,
    FieldChoice,
    MergePreview,
    Move,
    customer_merge_preview,
    merge_choice_keys,
)
from kehu.quality.merge.service import MERGE_PERMISSIONS, customer_merge

__all__ = [
    "MERGE_PERMISSIONS",
    "OTHER",
    "SURVIVOR",
    "Conflict",
    "FieldChoice",
    "MergePreview",
    "Move",
    "customer_merge",
    "customer_merge_preview",
    "merge_choice_keys",
]
