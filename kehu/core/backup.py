"""Backup and restore of the whole database in one portable file (``kehu backup`` / ``restore``).

The file is gzip'd JSON lines: a header (format, Kehu version, time, the migrations applied
per app, the number of rows per model), then one line per row in Django's serialization
layout (``{"model", "pk", "fields"}``), model after model. Primary keys are kept as they
are, so content types, permissions and every foreign key come back exactly; the same file
restores into SQLite and PostgreSQL alike.

Rows are streamed both ways (a server-side cursor out, a lazy deserializer in), so a large
database never sits in memory. Restore runs in one transaction: it empties the tables the way
``manage.py flush`` does (DELETE on SQLite, TRUNCATE on PostgreSQL, so the audit trail's
triggers, which forbid UPDATE and row DELETE, are never touched), inserts every row with a
raw save (no signal records anything anew) and resets the id sequences.
"""

import datetime
import decimal
import gzip
import json
import uuid
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.management.color import no_style
from django.core.serializers.python import Deserializer as PythonDeserializer
from django.core.serializers.python import Serializer as PythonSerializer
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, router, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.duration import duration_iso_string
from django.utils.translation import gettext as _

from kehu import __version__

FORMAT = "kehu-backup"
FORMAT_VERSION = 1

# Tables that ``migrate`` fills by itself: a database holding rows only in these is empty.
SEEDED_BY_MIGRATE = frozenset(
    {
        "contenttypes.contenttype",
        "auth.permission",
        "auth.group",
        "auth.group_permissions",
        "accounts.rolegrant",
        "masterdata.codingscheme",
        "masterdata.currency",
        "masterdata.creditgrade",
    }
)

# Called with the number of rows; returns a context manager giving ``advance(n)`` or None.
ProgressFactory = Callable[[int], AbstractContextManager]


class BackupError(Exception):
    """A backup cannot be written or restored; the message says why, for the user."""


@dataclass
class Header:
    kehu_version: str
    created_at: str
    vendor: str
    migrations: dict[str, list[str]]
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def backed_up_models(using: str = DEFAULT_DB_ALIAS) -> list[type]:
    """Every model with a table of its own in the database, many-to-many tables included."""
    existing = set(connections[using].introspection.table_names())
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed
        and not model._meta.proxy
        and model._meta.db_table in existing
        and router.allow_migrate_model(using, model)
    ]


def applied_migrations(using: str = DEFAULT_DB_ALIAS) -> dict[str, list[str]]:
    recorder = MigrationRecorder(connections[using])
    if not recorder.has_table():
        return {}
    applied: dict[str, list[str]] = {}
    for app_label, name in sorted(recorder.applied_migrations()):
        applied.setdefault(app_label, []).append(name)
    return applied


def _label(model) -> str:
    return model._meta.label_lower


# --- writing -------------------------------------------------------------------------------


def _encode(value):
    """JSON for the values Django's serializer leaves as Python objects, losslessly (Django's
    own encoder cuts datetimes to milliseconds)."""
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return duration_iso_string(value)
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


class _LineSerializer(PythonSerializer):
    """Django's serializer handing each row to ``emit`` instead of collecting a list.

    Many-to-many values are left out: their tables are backed up as models of their own.
    """

    def __init__(self, emit):
        super().__init__()
        self.emit = emit

    def end_object(self, obj):
        self.emit(self.get_dump_object(obj))
        self._current = None

    def handle_m2m_field(self, obj, field):
        pass

    def getvalue(self):
        return None


def backup_write(
    path: Path,
    *,
    using: str = DEFAULT_DB_ALIAS,
    progress_factory: ProgressFactory | None = None,
) -> Header:
    """Write the whole database to ``path``; return the header written."""
    connection = connections[using]
    models = backed_up_models(using)
    tmp = path.with_name(path.name + ".part")
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql":
            # One snapshot for every table, however long the backup takes.
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        header = Header(
            kehu_version=__version__,
            created_at=timezone.now().isoformat(),
            vendor=connection.vendor,
            migrations=applied_migrations(using),
            counts={_label(m): m._base_manager.using(using).count() for m in models},
        )
        progress = progress_factory(header.total) if progress_factory else nullcontext(None)
        with progress as advance, gzip.open(tmp, "wt", encoding="utf-8") as out:
            out.write(
                json.dumps(
                    {"format": FORMAT, "format_version": FORMAT_VERSION, **header.__dict__},
                    ensure_ascii=False,
                )
                + "\n"
            )

            def emit(row):
                out.write(json.dumps(row, default=_encode, ensure_ascii=False) + "\n")
                if advance:
                    advance(1)

            serializer = _LineSerializer(emit)
            for model in models:
                rows = model._base_manager.using(using).order_by("pk").iterator(chunk_size=2000)
                serializer.serialize(rows)
    tmp.replace(path)
    return header


# --- reading -------------------------------------------------------------------------------


def _damaged(path: Path, reason) -> BackupError:
    return BackupError(
        _("%(path)s is not a readable Kehu backup (%(reason)s).") % {"path": path, "reason": reason}
    )


def _lines(path: Path) -> Iterator[dict]:
    try:
        with gzip.open(path, "rt", encoding="utf-8") as stream:
            for number, line in enumerate(stream, start=1):
                try:
                    yield json.loads(line)
                except ValueError as exc:
                    raise _damaged(
                        path, _("line %(number)d: %(error)s") % {"number": number, "error": exc}
                    ) from exc
    except FileNotFoundError as exc:
        raise BackupError(_("There is no file %(path)s.") % {"path": path}) from exc
    except (OSError, EOFError, zlib.error, UnicodeDecodeError) as exc:
        raise _damaged(path, exc) from exc


def backup_header(path: Path) -> Header:
    """Read and check the header of the backup at ``path``."""
    first = next(_lines(path), None)
    if not isinstance(first, dict) or first.get("format") != FORMAT:
        raise _damaged(path, _("no Kehu backup header"))
    if first.get("format_version") != FORMAT_VERSION:
        raise _damaged(
            path,
            _("format version %(version)s is not supported")
            % {"version": first.get("format_version")},
        )
    try:
        return Header(**{key: first[key] for key in Header.__dataclass_fields__})
    except KeyError as exc:
        raise _damaged(path, _("the header lacks %(key)s") % {"key": exc}) from exc


def _migration_difference(header: Header, using: str) -> str | None:
    here = {(app, name) for app, names in applied_migrations(using).items() for name in names}
    there = {(app, name) for app, names in header.migrations.items() for name in names}
    if here == there:
        return None

    def listed(pairs):
        return ", ".join(f"{app}.{name}" for app, name in sorted(pairs)) or "-"

    return _(
        "The backup was made with another database schema than this database has "
        "(Kehu %(version)s). Only in the backup: %(backup)s. Only in this database: "
        "%(database)s. Restore into a database migrated by the same Kehu version."
    ) % {
        "version": header.kehu_version,
        "backup": listed(there - here),
        "database": listed(here - there),
    }


def database_is_empty(using: str = DEFAULT_DB_ALIAS) -> bool:
    """True when no table holds rows beyond what ``migrate`` seeds by itself."""
    return not any(
        model._base_manager.using(using).exists()
        for model in backed_up_models(using)
        if _label(model) not in SEEDED_BY_MIGRATE
    )


def backup_restore(
    path: Path,
    *,
    force: bool = False,
    using: str = DEFAULT_DB_ALIAS,
    progress_factory: ProgressFactory | None = None,
) -> Header:
    """Replace the database's content by the backup at ``path``, all or nothing."""
    header = backup_header(path)
    if not applied_migrations(using):
        raise BackupError(
            _("The database has no tables yet: run 'kehu manage migrate' first, then restore.")
        )
    difference = _migration_difference(header, using)
    if difference:
        raise BackupError(difference)
    if not force and not database_is_empty(using):
        raise BackupError(
            _("The database already holds data. Restore with --force to replace all of it.")
        )
    connection = connections[using]
    progress = progress_factory(header.total) if progress_factory else nullcontext(None)
    with progress as advance, transaction.atomic(using=using):
        _flush(connection)
        models = _load(path, header, using, advance)
        sequences = connection.ops.sequence_reset_sql(no_style(), models)
        if sequences:
            with connection.cursor() as cursor:
                for sql in sequences:
                    cursor.execute(sql)
    ContentType.objects.clear_cache()
    return header


def _flush(connection):
    """Empty every table like ``manage.py flush``, without its post-migrate seeding."""
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    connection.ops.execute_sql_flush(
        connection.ops.sql_flush(no_style(), tables, reset_sequences=True, allow_cascade=False)
    )


def _load(path: Path, header: Header, using: str, advance) -> list[type]:
    rows = _lines(path)
    next(rows)  # the header, read already
    loaded: Counter = Counter()
    models: dict[str, type] = {}
    connection = connections[using]
    try:
        with connection.constraint_checks_disabled():
            for item in PythonDeserializer(rows, using=using):
                item.save(using=using)  # a raw save: no signal handler records anything
                model = type(item.object)
                models.setdefault(_label(model), model)
                loaded[_label(model)] += 1
                if advance:
                    advance(1)
        connection.check_constraints(table_names=[m._meta.db_table for m in models.values()])
    except (serializers.base.DeserializationError, DatabaseError, KeyError, TypeError) as exc:
        raise _damaged(path, exc) from exc
    expected = {label: count for label, count in header.counts.items() if count}
    if dict(loaded) != expected:
        missing = sorted(
            label
            for label in expected.keys() | loaded.keys()
            if loaded[label] != expected.get(label, 0)
        )
        raise _damaged(
            path, _("rows missing or extra for %(models)s") % {"models": ", ".join(missing)}
        )
    return list(models.values())
