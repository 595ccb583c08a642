from django.db import migrations, models

import kehu.evaluation.results

TABLE_FIELD = "indicators"


def _field(checked: bool):
    """The indicators column as it is (``ResultsJSONField``: no check on SQLite) or as it was
    (Django's ``JSONField``: ``CHECK (JSON_VALID(...))`` on SQLite)."""
    kind = models.JSONField if checked else kehu.evaluation.results.ResultsJSONField
    field = kind(
        decoder=kehu.evaluation.results.ExactDecoder,
        default=list,
        editable=False,
        verbose_name="indicator results",
    )
    field.set_attributes_from_name(TABLE_FIELD)
    return field


def _checked(checked: bool):
    def change(apps, schema_editor):
        # SQLite cannot drop or add a column's CHECK in place: the table is made again
        # (``alter_field`` does so, its rows copied). PostgreSQL's ``json`` has no such check.
        if schema_editor.connection.vendor != "sqlite":
            return
        model = apps.get_model("evaluation", "CustomerEvaluation")
        old, new = _field(not checked), _field(checked)
        old.model = new.model = model
        schema_editor.alter_field(model, old, new)

    return change


class Migration(migrations.Migration):
    """SQLite no longer checks each row's indicator results with ``JSON_VALID`` (decision
    0013): the run writes the text itself. Nothing changes on PostgreSQL; reversible."""

    dependencies = [
        ("evaluation", "0007_indicators_json_text"),
    ]

    operations = [
        migrations.RunPython(_checked(False), _checked(True)),
    ]
