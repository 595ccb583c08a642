"""Customer evaluation endpoints (SPEC §6): scorecards, runs and their results, ratings, and
the application of the suggested credit terms.

Results and ratings are customer data: a customer outside the caller's data scope is absent
(404 for one result, left out of lists). Writes go through ``kehu.evaluation.services``.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from kehu.core.api.auth import requires
from kehu.core.api.errors import mark_read_only, with_errors
from kehu.core.api.lookup import get_or_404
from kehu.core.api.pagination import PageParams, page_schema, paginate
from kehu.core.api.schemas import ObjectId
from kehu.customers.selectors import customers_visible_to, saved_queries_visible_to
from kehu.evaluation import comparison, selectors, services
from kehu.evaluation.choices import RunStatus
from kehu.evaluation.schemas import (
    CompareFilter,
    CompareRowOut,
    RatingFilter,
    RatingIn,
    RatingOut,
    ResultDetailOut,
    ResultFilter,
    ResultOut,
    RunIn,
    RunOut,
    ScorecardDetailOut,
    ScorecardOut,
    ScorecardVersionIn,
    StrategyApplyOut,
    StrategyCustomersIn,
    SuggestionOut,
)
from kehu.evaluation.services.runs import RESULT_FIGURES
from kehu.evaluation.services.scorecards import version_as_data

mark_read_only("customer_count", "finished_at", "customer_name", "rated_by")

router = Router()
scorecards = Router(tags=["evaluation"])
runs = Router(tags=["evaluation"])
ratings = Router(tags=["evaluation"])

CENT = Decimal("0.01")
VIEW_RUNS = ("evaluation.view_evaluationrun", "evaluation.view_customerevaluation")


# Scorecards ---------------------------------------------------------------------------------


def _scorecard_out(card, version) -> dict:
    return {
        "id": card.pk,
        "code": card.code,
        "name": card.name,
        "is_default": card.is_default,
        "version": version.number if version else 0,
    }


@scorecards.get(
    "",
    response=with_errors({200: list[ScorecardOut]}),
    auth=requires("evaluation.view_scorecard"),
    summary="List the scorecards with their current version",
)
def scorecard_list(request):
    return [_scorecard_out(card, services.version_current(card)) for card in selectors.scorecards()]


def _scorecard_detail(card) -> dict:
    version = services.version_current(card)
    return {**_scorecard_out(card, version), **version_as_data(version)}


@scorecards.get(
    "/{id}",
    response=with_errors({200: ScorecardDetailOut}),
    auth=requires("evaluation.view_scorecard"),
    summary="Get a scorecard's current version",
)
def scorecard_get(request, id: ObjectId):
    return _scorecard_detail(get_or_404(selectors.scorecards(), pk=id))


@scorecards.post(
    "/{id}/versions",
    response=with_errors({201: ScorecardDetailOut}),
    auth=requires("evaluation.view_scorecard", "evaluation.change_scorecard"),
    summary="Edit a scorecard: write its next version (weights must add up to 100)",
)
def scorecard_version_create(request, id: ObjectId, payload: ScorecardVersionIn):
    card = get_or_404(selectors.scorecards(), pk=id)
    services.scorecard_version_create(
        actor=request.user, scorecard=card, data=payload.model_dump(mode="python")
    )
    return Status(201, _scorecard_detail(card))


# Runs ---------------------------------------------------------------------------------------


def _run_out(run) -> dict:
    return {
        "id": run.pk,
        "as_of": run.as_of,
        "scorecard": run.version.scorecard.code,
        "version": run.version.number,
        "query_name": run.query_name,
        "started_by": run.started_by.username if run.started_by else None,
        "status": run.status,
        "customer_count": run.customer_count,
        "created_at": run.created_at,
        "finished_at": run.finished_at,
    }


def _run(run_id: int):
    return get_or_404(selectors.runs(), pk=run_id)


@runs.get(
    "",
    response=with_errors({200: page_schema(RunOut)}),
    auth=requires("evaluation.view_evaluationrun"),
    summary="List evaluation runs, latest first",
)
def run_list(request, page: Query[PageParams]):
    return paginate(selectors.runs(), page, _run_out)


@runs.post(
    "",
    response=with_errors({201: RunOut}),
    auth=requires("evaluation.view_evaluationrun", "evaluation.add_evaluationrun"),
    summary="Run an evaluation of the customers you see (or a saved query's) as of a date",
)
def run_create(request, payload: RunIn):
    query = None
    if payload.query is not None:
        query = saved_queries_visible_to(request.user).filter(pk=payload.query).first()
        if query is None:
            raise ValidationError({"query": [_("There is no such saved query.")]})
    run = services.evaluation_run(actor=request.user, as_of=payload.as_of, query=query)
    return Status(201, _run_out(_run(run.pk)))


@runs.get(
    "/{id}",
    response=with_errors({200: RunOut}),
    auth=requires("evaluation.view_evaluationrun"),
    summary="Get an evaluation run",
)
def run_get(request, id: ObjectId):
    return _run_out(_run(id))


def _result_out(result) -> dict:
    return {
        "customer_code": result.customer.code,
        "customer_name": result.customer.name,
        **{name: getattr(result, name) for name in RESULT_FIGURES},
    }


@runs.get(
    "/{id}/results",
    response=with_errors({200: page_schema(ResultOut)}),
    auth=requires(*VIEW_RUNS),
    summary="The run's results of the customers you see",
)
def result_list(request, id: ObjectId, filters: Query[ResultFilter], page: Query[PageParams]):
    results = selectors.results_visible_to(request.user, _run(id))
    for name in ("grade", "abc_class", "rfm_segment"):
        value = getattr(filters, name)
        if value:
            results = results.filter(**{name: value})
    return paginate(results, page, _result_out)


@runs.get(
    "/{id}/results/{code}",
    response=with_errors({200: ResultDetailOut}),
    auth=requires(*VIEW_RUNS),
    summary="One customer's result with every indicator's raw value, score and explanation",
)
def result_get(request, id: ObjectId, code: str):
    result = get_or_404(selectors.results_visible_to(request.user, _run(id)), customer__code=code)
    indicators = [
        {
            "dimension": row.indicator.dimension.key,
            "key": row.indicator.key,
            "name": row.indicator.name,
            "raw_value": row.raw_value,
            "score": row.score,
            "weight": row.weight,
            "explanation": row.explanation,
        }
        for row in selectors.indicator_results(result)
    ]
    return {**_result_out(result), "indicators": indicators}


def _compare_out(row) -> dict:
    return {
        "customer_code": row.customer.code,
        "customer_name": row.customer.name,
        "before_total": row.before_total,
        "before_grade": row.before_grade,
        "total": row.total,
        "grade": row.grade,
        # SQLite hands the difference back as a float: to cents, as the totals are.
        "delta": None if row.delta is None else row.delta.quantize(CENT),
        "movement": row.movement,
        "grade_movement": row.grade_movement,
    }


@runs.get(
    "/{id}/compare",
    response=with_errors({200: page_schema(CompareRowOut)}),
    auth=requires(*VIEW_RUNS),
    summary="Compare with another run: who of your customers moved up or down, biggest first",
)
def run_compare(request, id: ObjectId, filters: Query[CompareFilter], page: Query[PageParams]):
    run = _run(id)
    if filters.with_ is None:
        earlier = comparison.run_previous(run)
    else:
        earlier = selectors.runs().filter(pk=filters.with_, status=RunStatus.SUCCEEDED).first()
    if earlier is None or earlier.pk == run.pk:
        raise ValidationError({"with": [_("Choose another succeeded run to compare with.")]})
    rows = comparison.comparison(request.user, run, earlier)
    if filters.movement:
        rows = rows.filter(movement=filters.movement)
    return paginate(rows, page, _compare_out)


def _suggestion_out(item) -> dict:
    return {
        "customer_code": item.code,
        "customer_name": item.name,
        "grade": item.grade,
        "total": item.total,
        "current": item.current,
        "suggested": item.suggested,
        "changes": sorted(item.changes),
    }


@runs.post(
    "/{id}/strategy-preview",
    response=with_errors({200: list[SuggestionOut]}),
    auth=requires(*VIEW_RUNS),
    summary="Preview the credit terms the grades' strategies suggest (changes nothing)",
)
def strategy_preview(request, id: ObjectId, payload: StrategyCustomersIn):
    found = services.strategy_preview(actor=request.user, run=_run(id), codes=payload.customers)
    return [_suggestion_out(item) for item in found]


@runs.post(
    "/{id}/strategy-apply",
    response=with_errors({200: StrategyApplyOut}),
    auth=requires(*VIEW_RUNS, "customers.change_customer", "customers.change_customer_credit"),
    summary="Apply the suggested credit terms to the customers (audited as one operation)",
)
def strategy_apply(request, id: ObjectId, payload: StrategyCustomersIn):
    return services.strategy_apply(actor=request.user, run=_run(id), codes=payload.customers)


# Ratings ------------------------------------------------------------------------------------


def _rating_out(item) -> dict:
    return {
        "id": item.pk,
        "customer_code": item.customer.code,
        "indicator": item.indicator_key,
        "rating": item.rating,
        "rated_on": item.rated_on,
        "rated_by": item.rated_by.username if item.rated_by else None,
        "comment": item.comment,
    }


@ratings.get(
    "",
    response=with_errors({200: page_schema(RatingOut)}),
    auth=requires("evaluation.view_manualrating"),
    summary="List manual ratings of the customers you see, latest first",
)
def rating_list(request, filters: Query[RatingFilter], page: Query[PageParams]):
    found = selectors.ratings_visible_to(request.user)
    if filters.customer:
        found = found.filter(customer__code=filters.customer)
    if filters.indicator:
        found = found.filter(indicator_key=filters.indicator)
    return paginate(found, page, _rating_out)


@ratings.post(
    "",
    response=with_errors({201: RatingOut}),
    auth=requires("evaluation.view_manualrating", "evaluation.add_manualrating"),
    summary="Rate a customer on a manual indicator (1–5, with a comment)",
)
def rating_create(request, payload: RatingIn):
    customer = customers_visible_to(request.user).filter(code=payload.customer_code).first()
    if customer is None:
        raise ValidationError({"customer_code": [_("There is no such customer.")]})
    item = services.rating_record(
        actor=request.user,
        customer=customer,
        indicator_key=payload.indicator,
        rating=payload.rating,
        comment=payload.comment,
        rated_on=payload.rated_on,
    )
    return Status(201, _rating_out(selectors.ratings_visible_to(request.user).get(pk=item.pk)))


router.add_router("/scorecards", scorecards)
router.add_router("/evaluation-runs", runs)
router.add_router("/evaluation-ratings", ratings)
