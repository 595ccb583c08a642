"""The evaluation section of the customer's 360° page (SPEC §6): the latest succeeded run's
total, grade, radar chart of the four dimensions and explanation table, the suggested credit
terms (with the action applying them), and the customer's results across runs.

Registered from ``EvaluationConfig.ready()``; shown to users who may read runs and results,
within their data scope. A constant number of queries whatever the number of runs: the
history (one), the latest result's indicators (one), the suggestion (two).
"""

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kehu.customers.overview import OverviewContext, OverviewSection, overview_section_add
from kehu.evaluation import selectors, services
from kehu.evaluation.choices import DimensionKey
from kehu.evaluation.radar import radar_chart

VIEW_PERMISSIONS = ("evaluation.view_evaluationrun", "evaluation.view_customerevaluation")
APPLY_PERMISSIONS = ("customers.change_customer", "customers.change_customer_credit")
HISTORY_LIMIT = 20
TERMS = (
    ("credit_grade", _("Credit grade")),
    ("credit_limit", _("Credit limit")),
    ("credit_days", _("Credit period (days)")),
    ("discount_rate", _("Discount rate (%)")),
)


def _dimension_scores(result) -> list:
    return [getattr(result, key) for key in DimensionKey.values]


def _suggestion(context: OverviewContext, result) -> dict | None:
    found = services.strategy_preview(
        actor=context.user, run=result.run, codes=[context.customer.code]
    )
    if not found:
        return None  # no grade, so no strategy
    item = found[0]
    return {
        "grade": item.grade,
        "rows": [
            {
                "label": label,
                "current": item.current.get(key),
                "suggested": item.suggested.get(key),
                "changes": key in item.changes,
            }
            for key, label in TERMS
            if key in item.suggested
        ],
        "changes": bool(item.changes),
    }


def evaluation_section(context: OverviewContext) -> dict | None:
    user = context.user
    if not all(user.has_perm(perm) for perm in VIEW_PERMISSIONS):
        return None
    history = list(selectors.customer_history(user, context.customer)[: HISTORY_LIMIT + 1])
    rate_url = ""
    if user.has_perm("evaluation.add_manualrating"):
        rate_url = reverse("evaluation:ratings") + "?" + urlencode({"code": context.customer.code})
    if not history:
        return {"latest": None, "rate_url": rate_url}
    latest = history[0]
    earlier = next((row for row in history[1:] if row.run_id != latest.run_id), None)
    dimensions = list(zip(DimensionKey.labels, _dimension_scores(latest), strict=True))
    may_apply = all(user.has_perm(perm) for perm in APPLY_PERMISSIONS)
    return {
        "latest": latest,
        "run": latest.run,
        "radar": radar_chart(
            dimensions, _dimension_scores(earlier) if earlier is not None else None
        ),
        "earlier": earlier,
        "indicators": list(selectors.indicator_results(latest)),
        "history": history[:HISTORY_LIMIT],
        "more_history": len(history) > HISTORY_LIMIT,
        "suggestion": _suggestion(context, latest),
        "may_apply": may_apply,
        "apply_url": reverse("evaluation:strategy", args=[latest.run_id]),
        "next_url": reverse("customers:detail", args=[context.customer.pk]),
        "rate_url": rate_url,
    }


def register() -> None:
    overview_section_add(
        OverviewSection(
            "evaluation",
            _("Evaluation"),
            "evaluation/overview/_evaluation.html",
            evaluation_section,
            order=47,
            wide=True,
            stylesheet="evaluation/evaluation.css",
        )
    )
