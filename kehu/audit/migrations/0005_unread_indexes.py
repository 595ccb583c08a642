"""No index of its own on an event's user or kind of record (issue 6: every imported row
writes an event, and each index costs every insert).

Nothing reads events by the user's id (the list filters by the user name, the login lockout by
name and address), and every lookup by kind of record is served by ``audit_object``
(``content_type_id, object_id``), which starts with it. Neither reference has a database
constraint or a cascade (events outlive what they name), so no deletion reads by them either.
Only the indexes go (the model state learns db_index=False): on SQLite an AlterField would copy
the table and lose its append-only triggers.
"""

from django.conf import settings
from django.db import migrations, models

COLUMNS = ("actor_id", "content_type_id")


def forward(apps, schema_editor):
    model = apps.get_model("audit", "AuditEvent")
    for column in COLUMNS:
        for index in schema_editor._constraint_names(model, [column], index=True):
            schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(index)}")


def backward(apps, schema_editor):
    model = apps.get_model("audit", "AuditEvent")
    table = model._meta.db_table
    quote = schema_editor.quote_name
    for column in COLUMNS:
        name = schema_editor._create_index_name(table, [column])
        schema_editor.execute(f"CREATE INDEX {quote(name)} ON {quote(table)} ({quote(column)})")


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0004_add_merge_action"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="auditevent",
                    name="actor",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="user",
                    ),
                ),
                migrations.AlterField(
                    model_name="auditevent",
                    name="content_type",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=models.deletion.DO_NOTHING,
                        related_name="+",
                        to="contenttypes.contenttype",
                        verbose_name="kind of record",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(forward, backward)],
        )
    ]
