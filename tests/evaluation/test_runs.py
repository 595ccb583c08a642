"""Evaluation runs: set-based, as of a date, within the data scope or a saved query."""

import datetime
import io
import json
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from kehu.accounts.services import user_create
from kehu.customers.services import saved_query_create
from kehu.evaluation.choices import ComputedKey, IndicatorSource
from kehu.evaluation.models import CustomerEvaluation, EvaluationRun
from kehu.evaluation.selectors import indicator_results
from kehu.evaluation.services import (
    evaluation_run,
    scorecard_default,
    scorecard_version_create,
    version_current,
)
from kehu.evaluation.services.scorecards import version_as_data
from kehu.masterdata import models as md
from kehu.masterdata.services import coded_item_create
from kehu.sales import services as sales
from tests.evaluation.example import AS_OF, example_build
from tests.factories import customer

pytestmark = pytest.mark.django_db

# The default scorecard's indicators, dimension by dimension.
ORDER = [
    *("recency_days", "invoices_12m", "sales_growth", "cooperation"),
    *("sales_percentile", "capital", "years_in_business", "market_position"),
    *("paid_on_time", "days_overdue", "overdue_share", "credit_use", "doubtful_share"),
    *("industry_influence", "relationship", "public_reputation", "referrals"),
]


def _totals(run):
    return dict(CustomerEvaluation.objects.filter(run=run).values_list("customer__code", "total"))


def _indicator(run, code: str, key: str):
    result = CustomerEvaluation.objects.get(run=run, customer__code=code)
    return next(row for row in indicator_results(result) if row.indicator.key == key)


def _reads(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if not q["sql"].startswith("INSERT")]


def _more_customers(count: int, start: int):
    for n in range(start, start + count):
        target = customer(code=f"X{n}")
        sales.invoice_post(
            actor=None,
            customer=target,
            number=f"XI{n}",
            date=datetime.date(2026, 3, 1),
            amount=Decimal("1000"),
            due_date=datetime.date(2026, 3, 31),
        )
        sales.receipt_post(
            actor=None,
            customer=target,
            number=f"XR{n}",
            date=datetime.date(2026, 4, 15),
            amount=Decimal("600"),
        )


def test_the_number_of_queries_does_not_grow_with_the_customers():
    example_build()
    _more_customers(3, 1)
    # both runs read the content types (the audit trail's) afresh, whatever ran before
    ContentType.objects.clear_cache()
    with CaptureQueriesContext(connection) as few:
        evaluation_run(actor=None, as_of=AS_OF)
    _more_customers(12, 10)
    ContentType.objects.clear_cache()
    with CaptureQueriesContext(connection) as many:
        run = evaluation_run(actor=None, as_of=AS_OF)
    assert run.customer_count == 19
    # The reads are the same few grouped queries; the results are inserted in bulk (the
    # number of INSERT statements follows the database's limit of parameters, not the rows).
    assert len(_reads(many)) == len(_reads(few)) < 20
    inserts = len(many) - len(_reads(many))
    assert inserts <= 6
    # every customer's 17 indicators, in the scorecard's order
    for result in CustomerEvaluation.objects.filter(run=run):
        assert [row.indicator.key for row in indicator_results(result)] == ORDER


def test_documents_after_the_date_do_not_count():
    example_build()
    early = evaluation_run(actor=None, as_of=datetime.date(2025, 6, 30))
    results = {r.customer.code: r for r in CustomerEvaluation.objects.filter(run=early)}
    # On 2025-06-30 E1 had one invoice (2025-03-15), paid on time; E2 had none.
    assert results["E1"].sales_12m == Decimal("20000.00")
    assert results["E2"].sales_12m == Decimal("0.00")
    recency = _indicator(early, "E1", "recency_days")
    assert recency.raw_value == Decimal("107")  # 2025-03-15 → 2025-06-30


def test_a_reversed_settlement_counts_until_its_reversal():
    example_build()
    settlement = sales.Settlement.objects.get(receipt__number="R2-2")
    sales.settlement_reverse(actor=None, settlement=settlement, on=datetime.date(2026, 6, 1))
    before = evaluation_run(actor=None, as_of=datetime.date(2026, 5, 31))
    after = evaluation_run(actor=None, as_of=AS_OF)

    def overdue(run):
        return _indicator(run, "E2", "overdue_share").raw_value

    # On 31 May the 10,000 of R2-2 still settled half of E2-2; on 30 June it no longer does.
    assert overdue(before) == Decimal("100")  # 10,000 overdue of a 10,000 balance
    assert overdue(after) == Decimal("100")  # 20,000 overdue of a 20,000 open balance
    days = _indicator(after, "E2", "days_overdue").raw_value
    # (40,000 × 60 + 20,000 × 146) / 60,000
    assert days == Decimal("88.67")


def test_neutral_setting_counts_missing_data_as_50():
    example_build()
    card = scorecard_default()
    data = version_as_data(version_current(card))
    data["insufficient_data"] = "neutral"
    scorecard_version_create(actor=None, scorecard=card, data=data)
    run = evaluation_run(actor=None, as_of=AS_OF)
    assert run.version.number == 2
    e3 = CustomerEvaluation.objects.get(run=run, customer__code="E3")
    # Relations: four ratings missing, all neutral.
    assert e3.relations == Decimal("50.00")
    # Activity: recency, growth, cooperation neutral (30 + 20 + 20), frequency 0 (weight 30).
    assert e3.activity == Decimal("35.00")


def test_a_run_records_its_version_and_old_runs_keep_theirs():
    example_build()
    first = evaluation_run(actor=None, as_of=AS_OF)
    card = scorecard_default()
    data = version_as_data(version_current(card))
    data["grades"][0]["min_total"] = 90
    scorecard_version_create(actor=None, scorecard=card, data=data)
    second = evaluation_run(actor=None, as_of=AS_OF)
    assert (first.version.number, second.version.number) == (1, 2)
    assert _totals(first) == _totals(second)
    grades = lambda run: dict(  # noqa: E731
        CustomerEvaluation.objects.filter(run=run).values_list("customer__code", "grade")
    )
    assert grades(first)["E1"] == "A"
    assert grades(second)["E1"] == "B"  # 86.58 is no longer an A


def test_a_salesperson_runs_over_their_own_customers_only():
    example_build()
    coded_item_create(md.Department, actor=None, data={"code": "D1", "name": "一部"})
    user = user_create(username="xiaowang", password="Kehu-test-2026", roles=["salesperson"])
    coded_item_create(
        md.Salesperson,
        actor=None,
        data={"code": "S1", "name": "小王", "department": "D1", "user": "xiaowang"},
    )
    customer(code="MINE", salesperson="S1")
    run = evaluation_run(actor=user, as_of=AS_OF)
    assert list(_totals(run)) == ["MINE"]
    assert run.started_by == user


def test_a_saved_query_limits_the_run():
    example_build()
    admin = user_create(
        username="boss", password="Kehu-test-2026", roles=["administrator"], is_superuser=True
    )
    query = saved_query_create(actor=admin, data={"name": "甲乙", "params": {"q": "付款"}})
    run = evaluation_run(actor=admin, as_of=AS_OF, query=query)
    assert sorted(_totals(run)) == ["E1", "E2"]
    assert run.query_name == "甲乙"


def test_a_future_date_is_refused():
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        evaluation_run(actor=None, as_of=tomorrow)
    assert "as_of" in error.value.message_dict
    assert not EvaluationRun.objects.exists()


def test_kehu_evaluate_reports_the_grades():
    example_build()
    out = io.StringIO()
    call_command("evaluate", "--as-of", "2026-06-30", stdout=out)
    run = EvaluationRun.objects.get()
    assert out.getvalue().strip() == (
        f"Run {run.pk} as of 2026-06-30: 4 customers evaluated (A: 1, D: 3)."
    )


def test_kehu_evaluate_refuses_a_bad_date_and_an_unknown_query():
    with pytest.raises(CommandError, match="--as-of: enter a date as YYYY-MM-DD"):
        call_command("evaluate", "--as-of", "30/06/2026")
    with pytest.raises(CommandError, match="There is no saved query 无此查询"):
        call_command("evaluate", "--query", "无此查询")


def test_a_date_before_1900_is_refused():
    with pytest.raises(ValidationError) as error:
        evaluation_run(actor=None, as_of=datetime.date(1, 1, 1))
    assert error.value.message_dict == {
        "as_of": ["An evaluation cannot be as of a date before 1900-01-01."]
    }


def test_each_result_s_indicators_column_is_the_json_the_run_meant():
    # The database does not check this column on SQLite (decision 0013): the run's own JSON
    # text must parse, entry by entry, to the values the readers show.
    example_build()
    run = evaluation_run(actor=None, as_of=AS_OF)
    sql = {
        "postgresql": "SELECT id, indicators::text FROM evaluation_customerevaluation "
        "WHERE run_id = %s",
        "sqlite": "SELECT id, indicators FROM evaluation_customerevaluation WHERE run_id = %s",
    }[connection.vendor]
    with connection.cursor() as cursor:
        cursor.execute(sql, [run.pk])
        texts = dict(cursor.fetchall())
    assert len(texts) == run.customer_count
    for result in CustomerEvaluation.objects.filter(run=run):
        entries = json.loads(texts[result.pk], parse_float=Decimal)
        shown = indicator_results(result)
        assert [entry[0] for entry in entries] == [row.indicator.pk for row in shown]
        for entry, row in zip(entries, shown, strict=True):
            if row.indicator.source == IndicatorSource.MANUAL and entry[1] is not None:
                # a rating's explanation names its day: stored as written
                assert len(entry) == 5
                assert entry[4] == row.explanation
            else:
                # the others follow from the numbers (decision 0014)
                assert len(entry) == 4


def test_an_explanation_follows_from_the_numbers_in_the_reader_s_language():
    # Decision 0014: "title: raw value → score" is not stored; it is written out when read.
    example_build()
    with translation.override("zh-hans"):
        run = evaluation_run(actor=None, as_of=AS_OF)
    result = CustomerEvaluation.objects.get(run=run, customer__code="E2")
    shown = {}
    for language in ("en", "zh-hans"):
        with translation.override(language):
            row = next(r for r in indicator_results(result) if r.indicator.key == "days_overdue")
            title = str(ComputedKey.DAYS_OVERDUE.label)
            shown[language] = row.explanation
            assert row.explanation == f"{title}: 74.33 → 13.06"
    assert shown["en"] == "average days overdue, amount-weighted: 74.33 → 13.06"
    assert shown["zh-hans"] != shown["en"]


def test_an_explanation_stored_in_the_entry_is_shown_as_stored():
    # Runs written before decision 0014 stored every explanation; a rating's is still stored.
    example_build()
    run = evaluation_run(actor=None, as_of=AS_OF)
    result = CustomerEvaluation.objects.get(run=run, customer__code="E2")
    first = result.indicators[0]
    text = {"postgresql": "indicators::text", "sqlite": "indicators"}[connection.vendor]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {text} FROM evaluation_customerevaluation WHERE id = %s",  # noqa: S608
            [result.pk],
        )
        stored = cursor.fetchone()[0]
        end = stored.index("]")  # the end of the first entry
        cursor.execute(
            "UPDATE evaluation_customerevaluation SET indicators = %s WHERE id = %s",
            [stored[:end] + ',"as the run wrote it"' + stored[end:], result.pk],
        )
    result.refresh_from_db()
    rows = indicator_results(result)
    assert rows[0].explanation == "as the run wrote it"
    assert rows[0].raw_value == Decimal(first[1]).quantize(Decimal("0.000001"))
