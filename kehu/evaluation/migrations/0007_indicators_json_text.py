from django.db import migrations

import kehu.evaluation.results

TABLE = "evaluation_customerevaluation"


def _column_type(new_type: str):
    def change(apps, schema_editor):
        # SQLite keeps the same checked text column: nothing to rebuild there
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                f'ALTER TABLE "{TABLE}" ALTER COLUMN "indicators" TYPE {new_type} '
                f'USING "indicators"::{new_type}'
            )

    return change


class Migration(migrations.Migration):
    """A customer's indicator results are kept as the JSON text the run wrote: ``json`` rather
    than ``jsonb`` on PostgreSQL (decision 0011). The same values; reversible."""

    dependencies = [
        ("evaluation", "0006_drop_indicatorresult"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="customerevaluation",
                    name="indicators",
                    field=kehu.evaluation.results.ResultsJSONField(
                        decoder=kehu.evaluation.results.ExactDecoder,
                        default=list,
                        editable=False,
                        verbose_name="indicator results",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunPython(_column_type("json"), _column_type("jsonb")),
            ],
        ),
    ]
