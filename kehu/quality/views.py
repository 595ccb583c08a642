"""The duplicate report and the merge page (SPEC §7)."""

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from kehu.core.errors import ConflictError, FieldPermissionError, StaleVersionError
from kehu.core.permissions import DeclaredPermissionsMixin
from kehu.customers.forms import GROUP_FIELDS, TABS
from kehu.customers.models import Customer
from kehu.customers.selectors import customers_visible_to
from kehu.customers.services.customers import may_change_credit
from kehu.quality.duplicates import DEFAULT_THRESHOLD, find_duplicates
from kehu.quality.merge import (
    MERGE_PERMISSIONS,
    OTHER,
    SURVIVOR,
    FieldChoice,
    customer_merge,
    customer_merge_preview,
)
from kehu.quality.merge.preview import FLAG_CHOICES

PAGE_SIZE = 50
CHOICE_PREFIX = "choice-"


def _min_score(value: str | None) -> int:
    """The ``min_score`` asked for, within 1–100; the default for anything else."""
    if value and value.strip().isdigit():
        return min(max(int(value), 1), 100)
    return DEFAULT_THRESHOLD


class DuplicateReportView(DeclaredPermissionsMixin, TemplateView):
    """Pairs of customers the user may see that are probably the same one, best first."""

    template_name = "quality/duplicate_report.html"

    @classmethod
    def declared_permissions(cls, method, kwargs, mode=None):
        return ("customers.view_customer",)

    def get_context_data(self, **kwargs):
        min_score = _min_score(self.request.GET.get("min_score"))
        pairs = find_duplicates(customers_visible_to(self.request.user), threshold=min_score)
        page = Paginator(pairs, PAGE_SIZE).get_page(self.request.GET.get("page"))
        user = self.request.user
        return {
            **super().get_context_data(**kwargs),
            "page_obj": page,
            "min_score": min_score,
            "can_merge": all(user.has_perm(perm) for perm in MERGE_PERMISSIONS),
        }


# The merge page ----------------------------------------------------------------------------

# The card's tab of each built-in field; the flags of contacts, addresses and banks go last.
_FIELD_TABS = {name: tab for tab, names in GROUP_FIELDS.items() for name in names}
_FIELD_TABS["deactivated_on"] = "other"
FLAGS_SECTION = "flags"


@dataclass
class ChoiceRow:
    """A field that differs, as the page shows it: both values and the side chosen."""

    choice: FieldChoice
    chosen: str
    other_allowed: bool  # False: a credit term the user may not take from the other

    @property
    def input_name(self) -> str:
        return f"{CHOICE_PREFIX}{self.choice.key}"

    @property
    def takes_survivor(self) -> bool:
        return self.chosen == SURVIVOR


def _sections(preview, chosen: dict, can_change_credit: bool) -> list[dict]:
    titles = {**dict(TABS), FLAGS_SECTION: _("Contacts, addresses and bank accounts")}
    rows: dict[str, list[ChoiceRow]] = {key: [] for key in titles}
    for choice in preview.differing:
        if choice.key in FLAG_CHOICES:
            section = FLAGS_SECTION
        else:
            section = choice.group or _FIELD_TABS.get(choice.key, "other")
        allowed = can_change_credit or not choice.needs_credit_permission
        side = chosen.get(choice.key, choice.default)
        rows[section].append(ChoiceRow(choice, side if allowed else SURVIVOR, allowed))
    return [{"key": k, "title": titles[k], "rows": rows[k]} for k in titles if rows[k]]


def _posted_choices(post) -> dict[str, str]:
    return {
        key.removeprefix(CHOICE_PREFIX): value
        for key, value in post.items()
        if key.startswith(CHOICE_PREFIX) and value in (SURVIVOR, OTHER)
    }


def _version(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _error_texts(exc: ValidationError, labels: dict[str, str]) -> list[str]:
    """Field errors of the merge as sentences naming the field."""
    if not hasattr(exc, "error_dict"):
        return exc.messages
    texts = []
    for key, errors in exc.error_dict.items():
        label = labels.get(key.removeprefix("choices."), key)
        for text in ValidationError(errors).messages:
            texts.append(_("%(field)s: %(error)s") % {"field": capfirst(label), "error": text})
    return texts


class MergeView(DeclaredPermissionsMixin, View):
    """Merge ``other`` into ``survivor``: the differing fields with a choice each, what moves,
    and the conflicts; the POST hands the choices to ``customer_merge``."""

    template_name = "quality/merge.html"

    @classmethod
    def declared_permissions(cls, method, kwargs, mode=None):
        return MERGE_PERMISSIONS

    def _pair(self, survivor: int, other: int) -> tuple[Customer, Customer]:
        visible = customers_visible_to(self.request.user)
        return get_object_or_404(visible, pk=survivor), get_object_or_404(visible, pk=other)

    def _render(self, survivor, other, *, chosen=None, errors=()):
        context = {"survivor": survivor, "other": other, "errors": list(errors)}
        if survivor.pk != other.pk:
            preview = customer_merge_preview(
                actor=self.request.user, survivor=survivor, other=other
            )
            can_change_credit = may_change_credit(self.request.user)
            context.update(
                preview=preview,
                sections=_sections(preview, chosen or {}, can_change_credit),
                same_count=len(preview.fields) - len(preview.differing),
                moves=[move for move in preview.moves if move.count],
                blocking=[c for c in preview.conflicts if c.blocking],
                notes=[c for c in preview.conflicts if not c.blocking],
            )
        else:
            context["errors"].append(_("Choose two different customers."))
        return render(self.request, self.template_name, context)

    def _labels(self, survivor: Customer, other: Customer) -> dict[str, str]:
        preview = customer_merge_preview(actor=self.request.user, survivor=survivor, other=other)
        return {choice.key: choice.label for choice in preview.fields}

    def get(self, request, survivor: int, other: int):
        return self._render(*self._pair(survivor, other))

    def post(self, request, survivor: int, other: int):
        survivor_row, other_row = self._pair(survivor, other)
        chosen = _posted_choices(request.POST)
        versions = {
            survivor_row.pk: _version(request.POST.get("survivor_version")),
            other_row.pk: _version(request.POST.get("other_version")),
        }
        if survivor_row.pk == other_row.pk:
            return self._render(survivor_row, other_row)
        if None in versions.values():
            errors = [_("The form is incomplete: review the merge again.")]
            return self._render(survivor_row, other_row, chosen=chosen, errors=errors)
        try:
            merged = customer_merge(
                actor=request.user,
                survivor=survivor_row,
                other=other_row,
                choices=chosen,
                expected_versions=versions,
            )
        except Customer.DoesNotExist as exc:
            raise Http404 from exc
        except StaleVersionError:
            errors = [
                _(
                    "One of the customers was changed meanwhile. Nothing was merged: review "
                    "the values again and merge."
                )
            ]
        except FieldPermissionError as exc:
            labels = self._labels(survivor_row, other_row)
            errors = _error_texts(ValidationError(exc.errors), labels)
        except ConflictError as exc:
            errors = [str(exc)]
        except ValidationError as exc:
            errors = _error_texts(exc, self._labels(survivor_row, other_row))
        else:
            messages.success(
                request,
                _("%(other)s was merged into %(survivor)s.")
                % {"other": f"{other_row.code} {other_row.name}", "survivor": merged.code},
            )
            return redirect("customers:edit", pk=merged.pk)
        survivor_row, other_row = self._pair(survivor, other)
        return self._render(survivor_row, other_row, chosen=chosen, errors=errors)
