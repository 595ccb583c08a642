"""The indicator rows of every evaluation into its JSON column, in the scorecard's order, and
back (decision 0010). One read of the rows in order and one ``executemany`` of updates per
batch of evaluations: enough for a demo database."""

import json
from decimal import Decimal

from django.db import migrations

BATCH = 2000
CENT = Decimal("0.01")


def _number(value) -> str:
    return "null" if value is None else f"{value:f}"


def _flush(connection, table: str, updates: list) -> None:
    if updates:
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {table} SET indicators = %s WHERE id = %s",  # noqa: S608 - model's table
                updates,
            )
        updates.clear()


def rows_into_column(apps, schema_editor):
    IndicatorResult = apps.get_model("evaluation", "IndicatorResult")
    CustomerEvaluation = apps.get_model("evaluation", "CustomerEvaluation")
    connection = schema_editor.connection
    table = connection.ops.quote_name(CustomerEvaluation._meta.db_table)
    rows = IndicatorResult.objects.order_by(
        "evaluation_id", "indicator__dimension__position", "indicator__position", "indicator_id"
    ).values_list("evaluation_id", "indicator_id", "raw_value", "score", "weight", "explanation")
    updates, current, entries = [], None, []
    for evaluation_id, indicator_id, raw, score, weight, explanation in rows.iterator(5000):
        if evaluation_id != current:
            if current is not None:
                updates.append(("[" + ",".join(entries) + "]", current))
                if len(updates) >= BATCH:
                    _flush(connection, table, updates)
            current, entries = evaluation_id, []
        # the raw values were rounded to the cent when the run wrote them
        raw = None if raw is None else raw.quantize(CENT)
        entries.append(
            f"[{indicator_id},{_number(raw)},{_number(score)},{_number(weight)},"
            f"{json.dumps(explanation, ensure_ascii=False)}]"
        )
    if current is not None:
        updates.append(("[" + ",".join(entries) + "]", current))
    _flush(connection, table, updates)


def column_into_rows(apps, schema_editor):
    IndicatorResult = apps.get_model("evaluation", "IndicatorResult")
    CustomerEvaluation = apps.get_model("evaluation", "CustomerEvaluation")
    batch = []
    evaluations = CustomerEvaluation.objects.exclude(indicators=[]).values_list("pk", "indicators")
    for evaluation_id, entries in evaluations.iterator(2000):
        # entries since decision 0014 store an explanation only when the numbers do not say it
        for indicator_id, raw, score, weight, *explanation in entries:
            explanation = explanation[0] if explanation else ""
            batch.append(
                IndicatorResult(
                    evaluation_id=evaluation_id,
                    indicator_id=indicator_id,
                    raw_value=raw,
                    score=score,
                    weight=weight,
                    explanation=explanation[:300],
                )
            )
        if len(batch) >= 10_000:
            IndicatorResult.objects.bulk_create(batch)
            batch = []
    IndicatorResult.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [
        ("evaluation", "0004_indicators_column"),
    ]

    operations = [migrations.RunPython(rows_into_column, column_into_rows)]
