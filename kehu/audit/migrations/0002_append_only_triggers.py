"""The database refuses to change audit events, whatever the code does.

- SQLite and PostgreSQL: a BEFORE UPDATE trigger aborts any UPDATE of ``audit_auditevent``.
- PostgreSQL only: a BEFORE DELETE trigger aborts any DELETE as well. ``manage.py flush`` and a
  restore empty the tables with TRUNCATE there, which row triggers do not see, so they still
  work.
- No DELETE trigger on SQLite: Django's ``flush`` (used by the restore and by the test suite)
  empties SQLite tables with DELETE, which the trigger would refuse. On SQLite the model and
  its manager refuse deletes (``AppendOnlyError``) and the admin offers none.
"""

from django.db import migrations

SQLITE_FORWARD = [
    """
    CREATE TRIGGER audit_auditevent_no_update BEFORE UPDATE ON audit_auditevent
    BEGIN
        SELECT RAISE(ABORT, 'audit events are append-only: UPDATE refused');
    END
    """,
]
SQLITE_BACKWARD = ["DROP TRIGGER IF EXISTS audit_auditevent_no_update"]

POSTGRESQL_FORWARD = [
    """
    CREATE OR REPLACE FUNCTION audit_auditevent_refuse() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'audit events are append-only: % refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END
    $$
    """,
    """
    CREATE TRIGGER audit_auditevent_no_update BEFORE UPDATE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_auditevent_refuse()
    """,
    """
    CREATE TRIGGER audit_auditevent_no_delete BEFORE DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_auditevent_refuse()
    """,
]
POSTGRESQL_BACKWARD = [
    "DROP TRIGGER IF EXISTS audit_auditevent_no_delete ON audit_auditevent",
    "DROP TRIGGER IF EXISTS audit_auditevent_no_update ON audit_auditevent",
    "DROP FUNCTION IF EXISTS audit_auditevent_refuse()",
]

STATEMENTS = {
    "sqlite": (SQLITE_FORWARD, SQLITE_BACKWARD),
    "postgresql": (POSTGRESQL_FORWARD, POSTGRESQL_BACKWARD),
}


def _run(schema_editor, index: int) -> None:
    # Other databases get the model-level guards only.
    for statement in STATEMENTS.get(schema_editor.connection.vendor, ([], []))[index]:
        schema_editor.execute(statement, params=None)  # no params: "%" is literal


def forward(apps, schema_editor):
    _run(schema_editor, 0)


def backward(apps, schema_editor):
    _run(schema_editor, 1)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
