"""The rating grid (SPEC §6): manual ratings of many customers at once.

The page lists the customers of the customer list's own conditions (a saved query, a search,
any condition of the list, read by ``read_conditions``) within the user's data scope, a page
at a time, with one input per manual indicator of the default scorecard and a comment per
customer. Saving records every rating through the manual-rating service, all or nothing;
errors show next to their input.
"""

import datetime
import re
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View

from kehu.core.permissions import DeclaredPermissionsMixin
from kehu.customers.filters import SAVED_PARAM
from kehu.customers.selectors import customers_visible_to, saved_queries_visible_to
from kehu.customers.views.list import query_pairs, read_conditions
from kehu.evaluation import selectors, services
from kehu.evaluation.choices import IndicatorSource
from kehu.evaluation.services.rating_grid import GridRow, ratings_record_grid

GRID_PAGE = 50
VIEW = ("customers.view_customer", "evaluation.view_manualrating")
RATE = (*VIEW, "evaluation.add_manualrating")
WHOLE_NUMBER = re.compile(r"[+-]?\d{1,6}")


def manual_indicators() -> list:
    """The manual indicators of the default scorecard's current version, in its order."""
    version = services.version_current(services.scorecard_default())
    return list(
        version.indicators.filter(source=IndicatorSource.MANUAL).select_related("dimension")
    )


def _rating_value(text: str):
    """The typed value of an input: a whole number, else the text (the service refuses it)."""
    text = text.strip()
    return int(text) if WHOLE_NUMBER.fullmatch(text) else text


class RatingGridView(DeclaredPermissionsMixin, View):
    """Rate the customers of a query: one line per customer, one input per manual indicator."""

    @classmethod
    def declared_permissions(cls, method, kwargs, mode=None):
        return RATE if method == "POST" else VIEW

    def _page(self, request, params):
        filters, notes, saved, carry = read_conditions(
            params, request.user, page_params=(SAVED_PARAM,)
        )
        customers = filters.apply(customers_visible_to(request.user)).order_by("code", "pk")
        page = Paginator(customers, GRID_PAGE).get_page(params.get("page"))
        return page, notes, saved, carry

    def get(self, request, errors=None, posted=None, status=200):
        page, notes, saved, carry = self._page(request, request.GET)
        indicators = manual_indicators()
        customers = list(page.object_list)
        latest = {}
        ratings = selectors.ratings_visible_to(request.user).filter(
            customer__in=[c.pk for c in customers],
            indicator_key__in=[i.key for i in indicators],
        )
        for rating in ratings.order_by("customer", "indicator_key", "-rated_on", "-pk"):
            latest.setdefault((rating.customer_id, rating.indicator_key), rating)
        errors = errors or {}
        posted = posted or {}
        lines = [
            {
                "customer": customer,
                "cells": [
                    {
                        "name": f"r-{customer.pk}-{indicator.key}",
                        "value": posted.get(f"r-{customer.pk}-{indicator.key}", ""),
                        "latest": latest.get((customer.pk, indicator.key)),
                        "errors": errors.get(f"{customer.pk}.{indicator.key}", []),
                        "label": f"{customer.code} {indicator.name}",
                    }
                    for indicator in indicators
                ],
                "comment": posted.get(f"c-{customer.pk}", ""),
                "comment_errors": errors.get(f"{customer.pk}.comment", [])
                + errors.get(f"{customer.pk}.customer", []),
            }
            for customer in customers
        ]
        shown = {str(customer.pk) for customer in customers}
        context = {
            "indicators": indicators,
            "lines": lines,
            "page_obj": page,
            "notes": notes,
            "saved": saved,
            "queries": saved_queries_visible_to(request.user).order_by("name"),
            "search": request.GET.get("q", ""),
            "carry": query_pairs(carry),
            "page_query": urlencode(query_pairs(carry)),
            "action": request.get_full_path(),
            "rated_on": posted.get("rated_on", timezone.localdate().isoformat()),
            "rated_on_errors": errors.get("rated_on", []),
            # errors of no input on the page (the grid's own, or a line not shown)
            "general_errors": [
                message
                for key, messages_ in errors.items()
                if key != "rated_on" and key.partition(".")[0] not in shown
                for message in messages_
            ],
            "has_errors": bool(errors),
            "may_rate": all(request.user.has_perm(perm) for perm in RATE),
        }
        return render(request, "evaluation/rating_grid.html", context, status=status)

    def post(self, request):
        page, _notes, _saved, _carry = self._page(request, request.GET)
        visible = {c.pk: c for c in page.object_list}
        posted = {key: value for key, value in request.POST.items() if key != "csrfmiddlewaretoken"}
        indicator_keys = {i.key for i in manual_indicators()}
        rows: dict[str, GridRow] = {}
        for name, value in posted.items():
            match = re.fullmatch(r"r-(\d{1,12})-(\w{1,40})", name)
            if match is None or match[2] not in indicator_keys:
                continue
            pk = int(match[1])
            row = rows.setdefault(match[1], GridRow(customer=visible.get(pk), key=match[1]))
            row.ratings[match[2]] = _rating_value(value)
        for name, value in posted.items():
            match = re.fullmatch(r"c-(\d{1,12})", name)
            if match is not None and value.strip():
                rows.setdefault(
                    match[1], GridRow(customer=visible.get(int(match[1])), key=match[1])
                )
        for key, row in rows.items():
            row.comment = posted.get(f"c-{key}", "")
        errors = {}
        rated_on = None
        text = posted.get("rated_on", "").strip()
        if text:
            try:
                rated_on = datetime.date.fromisoformat(text)
            except ValueError:
                errors["rated_on"] = [_("Enter a date as YYYY-MM-DD.")]
        if not errors:
            try:
                recorded = ratings_record_grid(
                    actor=request.user, rows=list(rows.values()), rated_on=rated_on
                )
            except ValidationError as error:
                errors = error.message_dict
        if errors:
            return self.get(request, errors, posted, status=422)
        messages.success(
            request,
            ngettext("%(count)d rating recorded.", "%(count)d ratings recorded.", len(recorded))
            % {"count": len(recorded)},
        )
        return redirect(request.get_full_path() or reverse("evaluation:ratings"))
