"""Reads of master data: the querysets the API, the UI and exports list."""

from django.db.models import QuerySet

from kehu.core.models import CodedItem
from kehu.masterdata.models import CodingScheme, Salesperson, TreeNode
from kehu.masterdata.services.trees import TREE_MODELS, coding_scheme_get


def coding_schemes() -> list[CodingScheme]:
    """The scheme of every tree, in tree order (created with the default when missing)."""
    return [coding_scheme_get(tree) for tree in TREE_MODELS]


def coding_scheme(tree: str) -> CodingScheme:
    return coding_scheme_get(tree)


def tree_nodes(model: type[TreeNode]) -> QuerySet:
    return model.objects.select_related("parent").order_by("code")


def coded_items(model: type[CodedItem]) -> QuerySet:
    queryset = model.objects.all()
    if model is Salesperson:
        queryset = queryset.select_related("department", "user")
    return queryset
