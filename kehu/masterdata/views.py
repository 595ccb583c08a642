"""Web pages of master data (SPEC §1): the class and region trees, the coding schemes and the
small lists.

The views only render and parse: every write goes through the services with a ``data`` dict,
and their ``ValidationError`` (per field) or ``ConflictError`` (the state forbids it) is shown
on the re-rendered page. One tree view set serves both trees and one list view set serves every
small list, parametrised by the model, as the API's router factory does.
"""

from dataclasses import dataclass, field

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from kehu.core.errors import ConflictError
from kehu.core.models import CodedItem
from kehu.core.permissions import DeclaredPermissionsMixin
from kehu.masterdata import coding, selectors, services
from kehu.masterdata.choices import TreeKind
from kehu.masterdata.models import (
    CodingScheme,
    CreditGrade,
    Currency,
    CustomerClass,
    Department,
    Industry,
    PaymentTerms,
    Region,
    Salesperson,
    ShippingMethod,
    TreeNode,
)


def perm_name(model, action: str) -> str:
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


def show_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's ``ValidationError`` on the form: next to its field when the form has
    one, above the form otherwise."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, errors in exc.error_dict.items():
        form.add_error(name if name in form.fields else NON_FIELD_ERRORS, errors)


def show_conflict(form: forms.Form, exc: ConflictError) -> None:
    """Put a service's refusal next to the field it names, or above the form."""
    name = exc.field if exc.field in form.fields else None
    form.add_error(name, ValidationError(str(exc), code=exc.code))


def submit(form: forms.Form, save):
    """Run ``save(cleaned_data)`` if the form parses; the saved row, or None with the service's
    errors and refusals put on the form."""
    if not form.is_valid():
        return None
    try:
        return save(form.cleaned_data)
    except ValidationError as exc:
        show_errors(form, exc)
    except ConflictError as exc:
        show_conflict(form, exc)
    return None


def _spec(registry: dict, key: str):
    spec = registry.get(key)
    if spec is None:
        raise Http404
    return spec


# Index -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TreeSpec:
    """One coded tree as the web pages show it."""

    slug: str
    model: type[TreeNode]
    title: Promise


TREES = {
    spec.slug: spec
    for spec in (
        TreeSpec("classes", CustomerClass, _("Customer classes")),
        TreeSpec("regions", Region, _("Regions")),
    )
}


class MasterDataIndexView(DeclaredPermissionsMixin, TemplateView):
    """The entry of the master-data menu: the pages this user may open."""

    template_name = "masterdata/index.html"

    @classmethod
    def declared_permissions(cls, method, kwargs, mode=None):
        return ()  # any signed-in user: the page lists only what they may view

    def get_context_data(self, **kwargs):
        user = self.request.user
        trees = [
            (spec.title, reverse("masterdata:tree", args=[spec.slug]))
            for spec in TREES.values()
            if user.has_perm(perm_name(spec.model, "view"))
        ]
        schemes = user.has_perm(perm_name(CodingScheme, "view"))
        lists = [
            (spec.title, reverse("masterdata:list", args=[spec.slug]))
            for spec in LISTS.values()
            if user.has_perm(perm_name(spec.model, "view"))
        ]
        if not (trees or schemes or lists):
            raise PermissionDenied
        return super().get_context_data(trees=trees, schemes=schemes, lists=lists, **kwargs)


# Trees -----------------------------------------------------------------------------------


class TreeNodeForm(forms.Form):
    code = forms.CharField(label=_("Code"), required=False, strip=False)
    name = forms.CharField(label=_("Name"), required=False, strip=False)


class TreeView(DeclaredPermissionsMixin, TemplateView):
    """The tree as an indented list, with a form at the right: add a node (GET ``?parent=``
    prefills a child's code), edit one, or confirm its deletion."""

    template_name = "masterdata/tree.html"
    mode = "add"

    def dispatch(self, request, *args, **kwargs):
        spec = TREES.get(kwargs["tree"])
        if spec is None:
            raise Http404
        self.spec = spec
        self.node = None
        return super().dispatch(request, *args, **kwargs)

    @classmethod
    def declared_permissions(cls, method, kwargs, mode=None):
        model = _spec(TREES, kwargs["tree"]).model
        if mode == "add":
            return (perm_name(model, "add" if method == "POST" else "view"),)
        return (perm_name(model, {"edit": "change", "delete": "delete"}[mode]),)

    def load_node(self):
        self.node = get_object_or_404(selectors.tree_nodes(self.spec.model), pk=self.kwargs["pk"])

    def get(self, request, *args, **kwargs):
        if self.mode != "add":
            self.load_node()
        return self.render_to_response(self.get_context_data(form=self.initial_form()))

    def initial_form(self):
        if self.mode == "edit":
            return TreeNodeForm(initial={"code": self.node.code, "name": self.node.name})
        if self.mode == "delete":
            return TreeNodeForm()
        return TreeNodeForm(initial={"code": self.request.GET.get("parent", "")[:40]})

    def post(self, request, *args, **kwargs):
        if self.mode != "add":
            self.load_node()
        if self.mode == "delete":
            return self.delete_node()
        form = TreeNodeForm(request.POST)
        node = submit(form, self.save)
        if node is not None:
            messages.success(request, self.done_message(node))
            return redirect("masterdata:tree", self.spec.slug)
        return self.render_to_response(self.get_context_data(form=form))

    def delete_node(self):
        try:
            services.tree_node_delete(self.spec.model, actor=self.request.user, node=self.node)
        except ConflictError as exc:
            context = self.get_context_data(form=TreeNodeForm(), refusal=str(exc))
            return self.render_to_response(context)
        messages.success(self.request, self.done_message(self.node))
        return redirect("masterdata:tree", self.spec.slug)

    def save(self, data: dict):
        model, actor = self.spec.model, self.request.user
        if self.mode == "add":
            return services.tree_node_create(model, actor=actor, data=data)
        return services.tree_node_update(model, actor=actor, node=self.node, data=data)

    def done_message(self, node) -> str:
        text = {
            "add": _("%(code)s %(name)s was added."),
            "edit": _("%(code)s %(name)s was saved."),
            "delete": _("%(code)s %(name)s was deleted."),
        }[self.mode]
        return text % {"code": node.code, "name": node.name}

    def get_context_data(self, **kwargs):
        kwargs.setdefault("refusal", None)
        user, model = self.request.user, self.spec.model
        scheme = selectors.coding_scheme(model.tree_kind)
        nodes = list(selectors.tree_nodes(model))
        return super().get_context_data(
            spec=self.spec,
            nodes=nodes,
            node=self.node,
            mode=self.mode,
            scheme=scheme,
            code_lengths=" / ".join(str(n) for n in coding.code_lengths(scheme.segment_tuple)),
            can_add=user.has_perm(perm_name(model, "add")),
            can_change=user.has_perm(perm_name(model, "change")),
            can_delete=user.has_perm(perm_name(model, "delete")),
            **kwargs,
        )


# Coding schemes ----------------------------------------------------------------------------


class CodingSchemeForm(forms.Form):
    segments = forms.CharField(label=_("Segments"), required=False, strip=False)


class CodingSchemeView(DeclaredPermissionsMixin, TemplateView):
    """Both trees' coding schemes, each with its own form; POST ``tree`` names which."""

    template_name = "masterdata/schemes.html"

    @classmethod
    def declared_permissions(cls, method, kwargs, mode=None):
        return (perm_name(CodingScheme, "change" if method == "POST" else "view"),)

    def post(self, request, *args, **kwargs):
        tree = request.POST.get("tree")
        if tree not in TreeKind.values:
            messages.error(request, _("Say which tree's coding scheme to change."))
            return self.render_to_response(self.get_context_data(), status=400)
        form = CodingSchemeForm(request.POST, prefix=tree)
        scheme = submit(
            form,
            lambda data: services.coding_scheme_update(
                actor=request.user, tree=tree, segments=data["segments"]
            ),
        )
        if scheme is not None:
            messages.success(
                request,
                _("The coding scheme of %(tree)s is now %(segments)s.")
                % {"tree": scheme.get_tree_display(), "segments": scheme.segments},
            )
            return redirect("masterdata:schemes")
        return self.render_to_response(self.get_context_data(bound={tree: form}))

    def get_context_data(self, bound=None, **kwargs):
        bound = bound or {}
        rows = []
        for scheme in selectors.coding_schemes():
            form = bound.get(scheme.tree) or CodingSchemeForm(
                initial={"segments": scheme.segments}, prefix=scheme.tree
            )
            lengths = " / ".join(str(n) for n in coding.code_lengths(scheme.segment_tuple))
            rows.append((scheme, form, lengths))
        can_change = self.request.user.has_perm(perm_name(CodingScheme, "change"))
        return super().get_context_data(rows=rows, can_change=can_change, **kwargs)


# Small lists -------------------------------------------------------------------------------


def _label(model, name: str) -> Promise:
    return capfirst(model._meta.get_field(name).verbose_name)


@dataclass(frozen=True)
class Column:
    """A column of a small list: its heading and how a row shows it."""

    label: Promise
    value: object  # callable(row) -> display value


@dataclass(frozen=True)
class ListSpec:
    """One small coded list as the web pages show it."""

    slug: str
    model: type[CodedItem]
    title: Promise
    # the extra input fields (besides code, name, is_active) as Django form fields
    extra_fields: dict[str, forms.Field] = field(default_factory=dict)
    # the extra columns of the list (besides code, name, status)
    extra_columns: tuple[Column, ...] = ()
    initial: dict = field(default_factory=dict)


def _text(model, name, help_text=""):
    return forms.CharField(
        label=_label(model, name), required=False, strip=False, help_text=help_text
    )


def _number(model, name, help_text=""):
    return forms.IntegerField(label=_label(model, name), required=False, help_text=help_text)


def _discounts(row: PaymentTerms) -> str:
    return ", ".join(
        _("%(percent)s%% within %(days)s days") % {"percent": d["percent"], "days": d["days"]}
        for d in row.discounts
    )


LISTS = {
    spec.slug: spec
    for spec in (
        ListSpec("industries", Industry, _("Industries")),
        ListSpec("departments", Department, _("Departments")),
        ListSpec(
            "salespeople",
            Salesperson,
            _("Salespeople"),
            extra_fields={
                "department": _text(Salesperson, "department", _("The department's code.")),
                "user": _text(Salesperson, "user", _("The username of the login.")),
                "phone": _text(Salesperson, "phone"),
                "email": _text(Salesperson, "email"),
            },
            extra_columns=(
                Column(
                    _label(Salesperson, "department"),
                    lambda row: row.department.name if row.department_id else "",
                ),
                Column(
                    _label(Salesperson, "user"),
                    lambda row: row.user.get_username() if row.user_id else "",
                ),
                Column(_label(Salesperson, "phone"), lambda row: row.phone),
            ),
        ),
        ListSpec(
            "currencies",
            Currency,
            _("Currencies"),
            extra_fields={
                "symbol": _text(Currency, "symbol"),
                "decimals": _number(Currency, "decimals"),
            },
            extra_columns=(
                Column(_label(Currency, "symbol"), lambda row: row.symbol),
                Column(_label(Currency, "decimals"), lambda row: row.decimals),
            ),
            initial={"decimals": 2},
        ),
        ListSpec(
            "payment-terms",
            PaymentTerms,
            _("Payment terms"),
            extra_fields={
                "text": _text(PaymentTerms, "text", _("For example 2/10, 1/20, n/30.")),
            },
            extra_columns=(
                Column(_label(PaymentTerms, "text"), lambda row: row.text),
                Column(_label(PaymentTerms, "net_days"), lambda row: row.net_days),
                Column(_label(PaymentTerms, "discounts"), _discounts),
            ),
        ),
        ListSpec("shipping-methods", ShippingMethod, _("Shipping methods")),
        ListSpec(
            "credit-grades",
            CreditGrade,
            _("Credit grades"),
            extra_fields={"rank": _number(CreditGrade, "rank", _("1 is the best grade."))},
            extra_columns=(Column(_label(CreditGrade, "rank"), lambda row: row.rank),),
        ),
    )
}


def coded_item_form_class(spec: ListSpec) -> type[forms.Form]:
    """A form of the list's fields: for rendering and type parsing only, the rules are the
    service's."""
    model = spec.model
    fields = {
        "code": _text(model, "code"),
        "name": _text(model, "name"),
        **spec.extra_fields,
        "is_active": forms.BooleanField(
            label=_label(model, "is_active"),
            required=False,
            help_text=_("Clear to deactivate: kept for old records, not offered for new ones."),
        ),
    }
    return type(f"{model.__name__}Form", (forms.Form,), fields)


def coded_item_initial(item: CodedItem, form_class) -> dict:
    """The form values of a row: a reference as its code, a login as its username."""
    initial = {}
    for name in form_class.base_fields:
        value = getattr(item, name)
        if isinstance(value, Department):
            value = value.code
        elif hasattr(value, "get_username"):
            value = value.get_username()
        initial[name] = "" if value is None else value
    return initial


class CodedListMixin(DeclaredPermissionsMixin):
    def dispatch(self, request, *args, **kwargs):
        spec = LISTS.get(kwargs["slug"])
        if spec is None:
            raise Http404
        self.spec = spec
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(spec=self.spec, **kwargs)


class CodedItemListView(CodedListMixin, TemplateView):
    """The rows of one small list."""

    template_name = "masterdata/coded_list.html"

    @classmethod
    def declared_permissions(cls, method, kwargs, mode=None):
        return (perm_name(_spec(LISTS, kwargs["slug"]).model, "view"),)

    def get_context_data(self, **kwargs):
        rows = [
            (row, [column.value(row) for column in self.spec.extra_columns])
            for row in selectors.coded_items(self.spec.model)
        ]
        user = self.request.user
        return super().get_context_data(
            rows=rows,
            can_add=user.has_perm(perm_name(self.spec.model, "add")),
            can_change=user.has_perm(perm_name(self.spec.model, "change")),
            **kwargs,
        )


class CodedItemEditView(CodedListMixin, TemplateView):
    """Create a row (no ``pk``), change one, or confirm its deletion (``mode="delete"``)."""

    template_name = "masterdata/coded_form.html"
    mode = "edit"

    @classmethod
    def declared_permissions(cls, method, kwargs, mode=None):
        model = _spec(LISTS, kwargs["slug"]).model
        if mode == "delete":
            return (perm_name(model, "delete"),)
        return (perm_name(model, "change" if "pk" in kwargs else "add"),)

    def setup_item(self):
        self.form_class = coded_item_form_class(self.spec)
        self.item = None
        if "pk" in self.kwargs:
            self.item = get_object_or_404(
                selectors.coded_items(self.spec.model), pk=self.kwargs["pk"]
            )

    def get(self, request, *args, **kwargs):
        self.setup_item()
        if self.item is None:
            form = self.form_class(initial={"is_active": True, **self.spec.initial})
        else:
            form = self.form_class(initial=coded_item_initial(self.item, self.form_class))
        return self.render_to_response(self.get_context_data(form=form))

    def post(self, request, *args, **kwargs):
        self.setup_item()
        if self.mode == "delete":
            return self.delete_item()
        form = self.form_class(request.POST)
        item = submit(form, self.save)
        if item is not None:
            messages.success(request, self.done_message(item))
            return redirect("masterdata:list", self.spec.slug)
        return self.render_to_response(self.get_context_data(form=form))

    def delete_item(self):
        try:
            services.coded_item_delete(self.spec.model, actor=self.request.user, item=self.item)
        except ConflictError as exc:
            form = self.form_class(initial=coded_item_initial(self.item, self.form_class))
            return self.render_to_response(self.get_context_data(form=form, refusal=str(exc)))
        messages.success(self.request, self.done_message(self.item))
        return redirect("masterdata:list", self.spec.slug)

    def save(self, data: dict):
        model, actor = self.spec.model, self.request.user
        if self.item is None:
            return services.coded_item_create(model, actor=actor, data=data)
        return services.coded_item_update(model, actor=actor, item=self.item, data=data)

    def done_message(self, item) -> str:
        if self.mode == "delete":
            text = _("%(code)s %(name)s was deleted.")
        elif "pk" in self.kwargs:
            text = _("%(code)s %(name)s was saved.")
        else:
            text = _("%(code)s %(name)s was added.")
        return text % {"code": item.code, "name": item.name}

    def get_context_data(self, **kwargs):
        kwargs.setdefault("refusal", None)
        return super().get_context_data(
            item=self.item,
            terms=self.item if isinstance(self.item, PaymentTerms) else None,
            mode=self.mode,
            can_delete=self.request.user.has_perm(perm_name(self.spec.model, "delete")),
            **kwargs,
        )
