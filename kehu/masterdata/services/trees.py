"""The class and region trees and their coding schemes (SPEC §1)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from kehu.core.errors import ConflictError
from kehu.core.usage import describe_usage, usage_counts
from kehu.masterdata import coding
from kehu.masterdata.choices import TreeKind
from kehu.masterdata.models import CodingScheme, CustomerClass, Region, TreeNode

TREE_MODELS: dict[str, type[TreeNode]] = {
    TreeKind.CUSTOMER_CLASS: CustomerClass,
    TreeKind.REGION: Region,
}
DEFAULT_SEGMENTS = {TreeKind.CUSTOMER_CLASS: "2-2-3", TreeKind.REGION: "2-2-2"}


def coding_scheme_get(tree: str) -> CodingScheme:
    scheme, _created = CodingScheme.objects.get_or_create(
        tree=tree, defaults={"segments": DEFAULT_SEGMENTS[tree]}
    )
    return scheme


def _segments(model: type[TreeNode]) -> tuple[int, ...]:
    return coding_scheme_get(model.tree_kind).segment_tuple


def _usage(node: TreeNode):
    return usage_counts(node, ignore=("children",))


def _placement(model: type[TreeNode], code: str) -> tuple[int, TreeNode | None]:
    """Level and parent for ``code``; field errors when the code does not fit the tree."""
    segments = _segments(model)
    try:
        level = coding.level_of(code, segments)
    except ValidationError as exc:
        raise ValidationError({"code": exc.error_list}) from exc
    if level == 1:
        return level, None
    parent_code = coding.parent_code(code, segments)
    parent = model.objects.select_for_update().filter(code=parent_code).first()
    if parent is None:
        raise ValidationError(
            {
                "code": ValidationError(
                    _("The parent %(parent)s does not exist: create it first."),
                    code="parent_missing",
                    params={"parent": parent_code},
                )
            }
        )
    used = _usage(parent)
    if parent.is_leaf and used:
        raise ConflictError(
            _(
                "%(parent)s is used by %(usage)s: only a leaf may hold them, so it cannot get "
                "children. Move them to another leaf first."
            ),
            code="parent_in_use",
            field="code",
            params={"parent": parent.code, "usage": describe_usage(used)},
        )
    return level, parent


def _refresh_leaf(node: TreeNode | None):
    if node is None:
        return
    is_leaf = not node.children.exists()
    if node.is_leaf != is_leaf:
        node.is_leaf = is_leaf
        node.save(update_fields=["is_leaf", "updated_at"])


@transaction.atomic
def tree_node_create(model: type[TreeNode], *, actor, data: dict) -> TreeNode:
    """Create a node; its level and parent follow from its code under the tree's scheme."""
    code = (data.get("code") or "").strip()
    node = model(code=code, name=(data.get("name") or "").strip())
    errors = {}
    try:
        node.full_clean(exclude=["parent"])
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)
    if "code" not in errors:
        try:
            node.level, node.parent = _placement(model, code)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)
    node.save()
    if node.parent is not None and node.parent.is_leaf:
        node.parent.is_leaf = False
        node.parent.save(update_fields=["is_leaf", "updated_at"])
    return node


@transaction.atomic
def tree_node_update(model: type[TreeNode], *, actor, node: TreeNode, data: dict) -> TreeNode:
    """Rename a node, or recode it while nothing uses it and it has no children."""
    node = model.objects.select_for_update().get(pk=node.pk)
    if "name" in data:
        node.name = (data["name"] or "").strip()
    new_code = data.get("code")
    old_parent = node.parent
    if new_code is not None and new_code.strip() != node.code:
        new_code = new_code.strip()
        used = _usage(node)
        if used:
            raise ConflictError(
                _("%(code)s is used by %(usage)s: its code can no longer change."),
                code="code_in_use",
                field="code",
                params={"code": node.code, "usage": describe_usage(used)},
            )
        if node.children.exists():
            raise ConflictError(
                _("%(code)s has children: change their codes first."),
                code="has_children",
                field="code",
                params={"code": node.code},
            )
        node.code = new_code
        node.clean_fields(exclude=[f.name for f in model._meta.fields if f.name != "code"])
        node.level, node.parent = _placement(model, new_code)
    node.full_clean()
    node.save()
    if node.parent_id != (old_parent.pk if old_parent else None):
        _refresh_leaf(old_parent)
        _refresh_leaf(node.parent)
    return node


@transaction.atomic
def tree_node_delete(model: type[TreeNode], *, actor, node: TreeNode) -> None:
    """Delete a node that has no children and that nothing uses."""
    node = model.objects.select_for_update().get(pk=node.pk)
    if node.children.exists():
        raise ConflictError(
            _("%(code)s has children: delete them first."),
            code="has_children",
            params={"code": node.code},
        )
    used = _usage(node)
    if used:
        raise ConflictError(
            _("%(code)s is used by %(usage)s and cannot be deleted."),
            code="in_use",
            params={"code": node.code, "usage": describe_usage(used)},
        )
    parent = node.parent
    node.delete()
    _refresh_leaf(parent)


@transaction.atomic
def coding_scheme_update(*, actor, tree: str, segments: str) -> CodingScheme:
    """Change a tree's scheme; once codes exist it may only be lengthened."""
    scheme = CodingScheme.objects.select_for_update().get(pk=coding_scheme_get(tree).pk)
    try:
        new = coding.parse_segments(segments)
        model = TREE_MODELS[tree]
        deepest = max(model.objects.values_list("level", flat=True), default=0)
        coding.check_scheme_change(scheme.segment_tuple, new, deepest)
    except ValidationError as exc:
        raise ValidationError({"segments": exc.error_list}) from exc
    scheme.segments = coding.format_segments(new)
    scheme.full_clean()
    scheme.save()
    return scheme


def customer_class_create(*, actor, data: dict) -> CustomerClass:
    return tree_node_create(CustomerClass, actor=actor, data=data)


def customer_class_update(*, actor, node: CustomerClass, data: dict) -> CustomerClass:
    return tree_node_update(CustomerClass, actor=actor, node=node, data=data)


def customer_class_delete(*, actor, node: CustomerClass) -> None:
    tree_node_delete(CustomerClass, actor=actor, node=node)


def region_create(*, actor, data: dict) -> Region:
    return tree_node_create(Region, actor=actor, data=data)


def region_update(*, actor, node: Region, data: dict) -> Region:
    return tree_node_update(Region, actor=actor, node=node, data=data)


def region_delete(*, actor, node: Region) -> None:
    tree_node_delete(Region, actor=actor, node=node)
