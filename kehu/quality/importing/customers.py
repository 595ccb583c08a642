"""The customer sheet, imported in batches (SPEC §7, §8; the 100,000-row target of issue 6).

Each row is validated by the archive's own builders — ``customer_build`` (a new customer) and
``customer_build_changes`` (an update), the very functions ``customer_create`` and
``customer_update`` run — with the master data loaded once (``BuildContext``). A new customer's
row is first offered to ``CompiledCustomerBuilder`` (the same rules compiled per column, no
``full_clean``): it builds the rows it accepts, and ``customer_build`` decides every other one
(so a refused row's errors are the services' own). What those
leave to a caller in bulk is checked here against sets loaded once: the code is unique, the
name unique among active customers. Valid rows are then written ``BATCH`` at a time with
``bulk_create``/``bulk_update`` and their audit events inserted in bulk, as the signals would
have recorded them.

Inside a savepoint per batch the data scope is checked as the service checks it, after
writing: a row the actor could no longer see is refused and the batch written again without
it. Tags are written set-based too (``_write_tags``): the tag rows a batch names found or
created once, the through rows inserted (and removed) in one statement each, and the update
events ``customer.tags.set()`` would have recorded built for each customer. Rows the bulk path
does not cover go through the services one by one: an update that moves a customer to another
head office (the chain must be checked for loops), rows whose head office comes later in the
file, and any batch the database refuses.
"""

import contextlib
import datetime
import json
import operator
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone, translation

from kehu.audit.context import recording_is_suspended
from kehu.audit.models import AuditAction, AuditEvent
from kehu.audit.recording import (
    SENSITIVE_FIELDS,
    _display,
    _fields,
    _related_text,
    updated_changes,
)
from kehu.audit.services import _repr, event_build, events_record_bulk
from kehu.core.bulk import RowWriter, rows_insert, value_converter
from kehu.core.errors import ServiceError
from kehu.customers import fields
from kehu.customers.models import Customer, Tag
from kehu.customers.search import search_triggers_suspended
from kehu.customers.services.compiled import CompiledCustomerBuilder
from kehu.customers.services.customers import (
    BuildContext,
    customer_build,
    customer_build_changes,
    scope_lost_error,
)
from kehu.customers.services.references import ReferenceIndex, _resolve
from kehu.customers.services.user_fields import user_field_definitions
from kehu.masterdata.models import Salesperson
from kehu.quality.importing import cells
from kehu.quality.importing.importers import TAG_SEPARATOR, CustomerServiceImporter

BATCH = 1000
NAME_CONSTRAINT = "customer_name_unique_among_active"
RELATED = [model_field for model_field, _m in fields.REFERENCE_FIELDS.values()]
CUSTOMER_FIELDS = [f for f in Customer._meta.concrete_fields if not f.primary_key]
# New customers are inserted with their ids (``CustomerIds``): no read-back, and a head office
# created earlier in the same batch is referred to before it is written.
CUSTOMER_WRITER = RowWriter(Customer, [Customer._meta.pk, *CUSTOMER_FIELDS])
THROUGH = Customer.tags.through
THROUGH_COLUMNS = [
    THROUGH._meta.get_field(Customer.tags.field.m2m_field_name()).column,
    THROUGH._meta.get_field(Customer.tags.field.m2m_reverse_field_name()).column,
]


class CustomerIds:
    """Ids for the customers a batch creates, taken before they are written.

    PostgreSQL: values of the table's own sequence, ``BATCH`` at a time (an unused value is
    a gap, as after any rolled-back insert). SQLite: the import's transaction holds the
    write lock from its start (``transaction_mode`` IMMEDIATE), so the next ids are those
    after the largest ever given (``AUTOINCREMENT`` never reuses one); they are read again
    after every write that did not use them (``forget``), since nothing else writes
    customers meanwhile but the import's own service calls."""

    def __init__(self):
        self.free: list[int] = []
        self.next: int | None = None

    def take(self) -> int:
        table = Customer._meta.db_table
        if connection.vendor == "postgresql":
            if not self.free:
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT nextval(pg_get_serial_sequence(%s, %s)) "
                        "FROM generate_series(1, %s)",
                        [table, Customer._meta.pk.column, BATCH],
                    )
                    self.free = [row[0] for row in cursor.fetchall()][::-1]
            return self.free.pop()
        if self.next is None:
            with connection.cursor() as cursor:
                pk = Customer._meta.pk.column
                sql = (
                    "SELECT max(coalesce((SELECT max(seq) FROM sqlite_sequence WHERE name = %s),"  # noqa: S608 - names from the model
                    f" 0), coalesce((SELECT max({pk}) FROM {table}), 0))"
                )
                cursor.execute(sql, [table])
                self.next = cursor.fetchone()[0] + 1
        taken, self.next = self.next, self.next + 1
        return taken

    def forget(self) -> None:
        self.next = None


# How ``CreatedChanges`` shows a field's value (see there).
_TEXT, _NUMBER, _DECIMAL, _DATE, _RELATED, _OTHER = range(6)


def _field_kind(field) -> tuple[int, object]:
    """The kind of ``field`` for ``CreatedChanges``, and for a decimal its quantum."""
    if field.name in SENSITIVE_FIELDS or (field.is_relation and field.related_model is Customer):
        return _OTHER, None
    if field.is_relation:
        return _RELATED, None
    if isinstance(field, models.CharField | models.TextField):
        return _TEXT, None
    if isinstance(field, models.IntegerField | models.BooleanField):
        return _NUMBER, None
    if type(field) is models.DecimalField:
        return _DECIMAL, Decimal(1).scaleb(-field.decimal_places)
    if type(field) is models.DateField:
        return _DATE, None
    return _OTHER, None


class CreatedChanges:
    """``created_changes`` of the audit trail for many customers: the same snapshot (every
    non-empty field as ``[None, shown]``), with the fields read once and the texts of the
    master-data rows referred to (their ``str()``, in the site's language) kept for the
    import: they do not change while the customer sheet is read. A head office's text is
    taken from the row each time (an earlier row of the file may have renamed it).

    The common values take a short path decided once per field — a text or whole number as
    it is, a decimal quantized to the field's places, a date in ISO form: what ``_json_safe``
    makes of them — and anything else (another type, a head office, a secret) the trail's
    own path."""

    def __init__(self):
        self.plan = [(f.name, f, *_field_kind(f)) for f in _fields(Customer)]
        self.read = operator.itemgetter(*(f.attname for f in _fields(Customer)))
        self.attnames = [f.attname for f in _fields(Customer)]
        self.texts: dict[tuple, str] = {}

    def __call__(self, customer: Customer) -> dict:
        """Call inside ``translation.override(settings.LANGUAGE_CODE)``, as the trail does."""
        changes = {}
        try:
            values = self.read(customer.__dict__)  # all loaded, but when deferred
        except KeyError:
            values = [getattr(customer, attname) for attname in self.attnames]
        for (name, field, kind, quantum), value in zip(self.plan, values, strict=True):
            if value is None:
                continue
            kind_of_value = type(value)
            if kind == _TEXT and kind_of_value is str:
                if value:
                    changes[name] = [None, value]
                continue
            if kind == _NUMBER and (kind_of_value is int or kind_of_value is bool):
                changes[name] = [None, value]
                continue
            if kind == _DECIMAL and kind_of_value is Decimal and value.is_finite():
                with contextlib.suppress(InvalidOperation):
                    changes[name] = [None, str(value.quantize(quantum))]
                    continue
            if kind == _DATE and kind_of_value is datetime.date:
                changes[name] = [None, value.isoformat()]
                continue
            if value == "" or value == {} or value == []:
                continue
            if kind == _RELATED:
                shown = self.texts.get((name, value))
                if shown is None:
                    shown = _related_text(field, value, "default", customer)
                    self.texts[(name, value)] = shown
            else:
                shown = _display(field, value, "default", customer)
            changes[name] = [None, shown]
        return changes


class CreateEvents:
    """The create events of a batch's customers (or other events of one action about them)
    as rows for one insert: what ``event_build`` makes of the first one (who, when, which kind
    of record), with each customer's own id, text, time and changes put in (no model instance
    per event)."""

    def __init__(self):
        self.writer = RowWriter(AuditEvent)
        names = [f.name for f in self.writer.fields]
        self.at, self.object_id, self.repr, self.customer, self.changes = (
            names.index(n) for n in ("at", "object_id", "object_repr", "customer_id", "changes")
        )
        self.at_field = AuditEvent._meta.get_field("at")
        self.changes_field = AuditEvent._meta.get_field("changes")

    def insert(self, items: list[tuple[Customer, dict]], action=AuditAction.CREATE) -> None:
        if recording_is_suspended() or not items:
            return
        first, _changes = items[0]
        template = self.writer.row(event_build(action=action, instance=first, customer_id=first.pk))
        at = value_converter(self.at_field, connection) or (lambda value: value)
        changes = value_converter(self.changes_field, connection)
        if self.changes_field.encoder is None:
            # the text the field's own adaptation writes (SQLite), and the jsonb it stands
            # for (PostgreSQL), without an adapter object per event
            changes = json.dumps
        rows = []
        for customer, changed in items:
            row = list(template)
            row[self.at] = at(timezone.now())
            row[self.object_id] = str(customer.pk)[:64]
            row[self.repr] = _repr(customer)
            row[self.customer] = customer.pk
            row[self.changes] = changes(changed or {})
            rows.append(tuple(row))
        rows_insert(AuditEvent, self.writer.columns, rows)


class VisibleCustomers:
    """Head offices by code or name among the customers the actor may see, looked up once
    per distinct value (a whole archive would not fit in memory as instances)."""

    def __init__(self, queryset):
        self.queryset = queryset.only("pk", "code", "name", "deactivated_on", "parent_id")
        self.codes: dict[str, Customer] = {}
        self.names: dict[str, list] = {}
        # New customers of the batch being built, not yet written: a row may name one as its
        # head office (their scope is checked when the batch is written).
        self.pending: dict[str, Customer] = {}

    def load(self, codes) -> None:
        """Remember the customers of ``codes`` in one query (a batch's head offices)."""
        wanted = [c for c in set(codes) if c and c not in self.codes and c not in self.pending]
        for start in range(0, len(wanted), BATCH):
            for found in self.queryset.filter(code__in=wanted[start : start + BATCH]):
                self.codes[found.code] = found

    def _by_code(self, text):
        if text in self.pending:
            return self.pending[text]
        if text not in self.codes:
            found = self.queryset.filter(code=text).first()
            if found is None:
                return None  # not remembered: the import may create it
            self.codes[text] = found
        return self.codes[text]

    def _by_alias(self, alias, text):
        if text not in self.names:
            self.names[text] = list(self.queryset.filter(name=text)[:2])
        return self.names[text]

    def resolve(self, value, *, current=None):
        return _resolve(Customer, value, current, self._by_code, self._by_alias)

    def forget(self) -> None:
        """Names may now name new customers too."""
        self.names.clear()


class KnownReferences(ReferenceIndex):
    """A ``ReferenceIndex`` that remembers what each value named: the master data does not
    change while the customer sheet is read, and 100,000 rows name the same few rows."""

    stable = True  # (``CompiledCustomerBuilder`` keeps its answers by text too)

    def __init__(self, model, rows):
        super().__init__(model, rows)
        self.resolved: dict = {}

    def resolve(self, value, *, current=None):
        if current is not None or type(value) is not str:
            return super().resolve(value, current=current)
        found = self.resolved.get(value)
        if found is None:
            found = super().resolve(value)  # a refusal is raised again each time
            if found is not None:
                self.resolved[value] = found
        return found


def build_context(actor, visible) -> BuildContext:
    references = {}
    for key, (_field, model) in fields.REFERENCE_FIELDS.items():
        if model == "customer":
            references[key] = VisibleCustomers(visible)
        else:
            references[key] = KnownReferences(model, model._default_manager.all())
    own = None
    if actor is not None and getattr(actor, "pk", None):
        own = Salesperson.objects.filter(user=actor, is_active=True).first()
    return BuildContext(
        references=references, user_fields=user_field_definitions(), own_salesperson=own
    )


class _ScopeLost(Exception):
    """Rows of a batch the actor could no longer see once written: the batch is rolled back."""

    def __init__(self, lost: list):
        super().__init__()
        self.lost = lost


def _as_new(creates: list) -> None:
    """After a rollback, the customers a batch created are new again (written again through
    the services, which give them ids)."""
    for pending in creates:
        pending.customer.pk = None
        pending.customer._state.adding = True


def _tag_events(pending: "Pending") -> list:
    """The events ``customer.tags.set(names)`` records (``kehu.audit.recording``): one for
    the names it removes, then one for those it adds, each ``[names before, names after]``."""
    if pending.tags is None:
        return []
    old = sorted(name for _row, name in pending.old_tags or [])
    new = sorted(pending.tags)
    kept = [name for name in old if name in pending.tags]
    customer = pending.customer
    return [
        event_build(
            action=AuditAction.UPDATE,
            instance=customer,
            changes={"tags": [before, after]},
            customer_id=customer.pk,
        )
        for before, after in ((old, kept), (kept, new))
        if before != after
    ]


class Pending:
    """A valid row waiting for its batch to be written."""

    __slots__ = ("before", "changed", "code", "customer", "line", "old_tags", "tags", "values")

    def __init__(self, line, code, values, customer, before=None, changed=None, tags=None):
        self.line, self.code, self.values = line, code, values
        self.customer, self.before, self.changed = customer, before, changed
        # ``tags``: the names to set (None: unchanged); ``old_tags``: the stored ones (updates)
        self.tags, self.old_tags = tags, None


class CustomerImporter(CustomerServiceImporter):
    """Customers in batches; see the module's docstring."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.context = build_context(self.actor, self.visible)
        self.compiled = CompiledCustomerBuilder(actor=self.actor, context=self.context)
        self.buffer: list[tuple[int, str, dict]] = []
        self.creates: list[Pending] = []
        self.updates: list[Pending] = []
        # Every code and active name, visible or not: both are unique over the whole archive.
        self.codes: dict[str, int | None] = dict(Customer.objects.values_list("code", "pk"))
        self.names: dict[str, int | str] = dict(
            Customer.objects.filter(deactivated_on__isnull=True).values_list("name", "pk")
        )
        self.pending_codes: set[str] = set()
        self.user = self.actor if getattr(self.actor, "pk", None) else None
        self.created_changes = CreatedChanges()
        self.create_events = CreateEvents()
        self.ids = CustomerIds()
        self.heads: VisibleCustomers = self.context.references["parent_code"]
        self.tag_ids: dict[str, int] = {}  # tag rows written (or found) by this import
        # The stored tags of a batch's existing customers: id -> [(through row id, name)]
        self.stored_tags: dict[int, list[tuple[int, str]]] = {}

    # rows ---------------------------------------------------------------------------------

    def row(self, line, values):
        self.buffer.append((line, cells.text(values.get("code")), values))
        if len(self.buffer) >= BATCH:
            self._process()

    def finish(self):
        self._process()
        self._flush()
        super().finish()  # rows put aside for their head office: through the services

    def _process(self) -> None:
        rows, self.buffer = self.buffer, []
        codes = [code for _line, code, _values in rows if code]
        self.heads.load(cells.text(values.get("parent_code")) for _l, _c, values in rows)
        existing = {
            c.code: c
            for c in self.visible.select_related(*RELATED)
            .select_for_update(of=("self",))
            .filter(code__in=codes)
        }
        self.stored_tags = {}
        if existing and any("tags" in values for _l, _c, values in rows):
            found = THROUGH.objects.filter(customer_id__in=[c.pk for c in existing.values()])
            for row_id, customer_id, name in found.values_list("pk", "customer_id", "tag__name"):
                self.stored_tags.setdefault(customer_id, []).append((row_id, name))
        for line, code, values in rows:
            if code and self.run.repeated(self, line, code, self.seen):
                continue
            if not self._check_dependencies(line, code, values):
                continue
            parent = cells.text(values.get("parent_code"))
            if (
                parent
                and parent != code
                and parent in self.pending_codes
                and parent not in self.heads.pending
            ):
                self._flush()  # the head office is updated in this batch: write it first
            if (
                parent
                and parent != code
                and parent not in self.run.written["customers"]
                and self.codes.get(parent, 0) == 0
            ):
                self.deferred.append((line, values))  # the head office may come later
                continue
            customer = existing.get(code)
            if (
                customer is not None
                and "parent_code" in values
                and parent != self._parent(customer)
            ):
                self._flush()
                self._write(line, code, values)  # through the services
            elif customer is None:
                self._create(line, code, values)
            else:
                self._update(line, code, values, customer)
        if len(self.creates) + len(self.updates) >= BATCH:
            self._flush()

    @staticmethod
    def _parent(customer) -> str:
        return customer.parent.code if customer.parent_id else ""

    def _create(self, line, code, values) -> None:
        data = self._data(values, creating=True)
        try:
            built = self.compiled.build(data)  # None: not sure, the services' path decides
            if built is None:
                customer, tags, _children = customer_build(
                    actor=self.actor, data=data, context=self.context
                )
            else:
                customer, tags = built
            self._check_unique(customer, None)
        except (ValidationError, ServiceError) as exc:
            self.refuse(line, code, exc)
            return
        customer.created_by = customer.updated_by = self.user
        customer.pk = self.ids.take()
        self._claim(customer, None, code)
        self.heads.pending[code] = customer
        self.creates.append(Pending(line, code, values, customer, tags=tags or None))

    def _update(self, line, code, values, customer) -> None:
        changed = self._changes(customer, values)
        if not changed:
            self.run.change(self, line, code, "unchanged", {})
            self.run.written["customers"].add(code)
            return
        data = self._data({k: values[k] for k in changed}, creating=False)
        if "user_fields" in changed:
            data["user_fields"] = {k: values["user_fields"][k] for k in changed["user_fields"]}
            changed.update({f"user_fields.{k}": v for k, v in changed.pop("user_fields").items()})
        before = {f.attname: getattr(customer, f.attname) for f in CUSTOMER_FIELDS}
        old_name = customer.name if customer.deactivated_on is None else None
        try:
            tags = customer_build_changes(
                actor=self.actor, customer=customer, data=data, context=self.context
            )
            self._check_unique(customer, customer.pk)
        except (ValidationError, ServiceError) as exc:
            self.refuse(line, code, exc)
            return
        if old_name is not None and self.names.get(old_name) == customer.pk:
            del self.names[old_name]
        self._claim(customer, customer.pk, code)
        customer.version += 1
        customer.updated_by = self.user
        pending = Pending(line, code, values, customer, before, changed, tags)
        if tags is not None:
            pending.old_tags = self.stored_tags.get(customer.pk, [])
        self.updates.append(pending)

    def _compare(self, customer: Customer, key: str, value):
        if key == "tags":  # the stored tags were read for the whole batch
            old = {name for _row, name in self.stored_tags.get(customer.pk, [])}
            new = {t.strip() for t in cells.text(value).split(TAG_SEPARATOR) if t.strip()}
            return sorted(old), old == new
        return super()._compare(customer, key, value)

    def _check_unique(self, customer: Customer, pk: int | None) -> None:
        """What ``full_clean`` checks with a query, against the codes and names loaded once
        (and those of the rows before this one)."""
        errors = {}
        if customer.code in self.codes and self.codes[customer.code] != pk:
            errors["code"] = [customer.unique_error_message(Customer, ("code",))]
        holder = self.names.get(customer.name, pk)
        if customer.deactivated_on is None and holder != pk:
            constraint = next(c for c in Customer._meta.constraints if c.name == NAME_CONSTRAINT)
            errors["name"] = [
                ValidationError(
                    constraint.get_violation_error_message(),
                    code=constraint.violation_error_code,
                )
            ]
        if errors:
            raise ValidationError(errors)

    def _claim(self, customer: Customer, pk, code: str) -> None:
        self.codes[code] = pk
        if customer.deactivated_on is None:
            self.names[customer.name] = pk if pk is not None else f"new:{code}"
        self.pending_codes.add(code)

    # writing ------------------------------------------------------------------------------

    def _flush(self) -> None:
        creates, updates = self.creates, self.updates
        self.creates, self.updates = [], []
        self.pending_codes.clear()
        self.heads.pending.clear()  # written below (or refused): looked up as stored rows
        while creates or updates:
            try:
                with transaction.atomic():  # a savepoint: the batch is written whole or not
                    self._write_batch(creates, updates)
                    lost = self._out_of_scope(creates + updates)
                    if lost:
                        raise _ScopeLost(lost)
                    self._record(creates, updates)
                return
            except IntegrityError:
                self.tag_ids.clear()  # tags the savepoint created are gone with it
                _as_new(creates)
                self._one_by_one(creates, updates)
                return
            except _ScopeLost as exc:
                self.tag_ids.clear()
                gone = self._refuse_lost(exc.lost, creates)
                creates = [p for p in creates if p not in gone]
                updates = [p for p in updates if p not in gone]

    def _refuse_lost(self, lost: list[Pending], creates: list[Pending]) -> list[Pending]:
        """Refuse the rows the actor could no longer see, and the new customers of the batch
        whose head office is one of them (as a row depending on a refused one)."""
        gone = list(lost)
        for pending in lost:
            self.refuse(pending.line, pending.code, scope_lost_error())
            self._release(pending)
        heads = {p.customer.pk: p for p in lost if p.before is None}
        while heads:
            found = {}
            for pending in creates:
                head = heads.get(pending.customer.parent_id)
                if head is None or pending in gone:
                    continue
                self.run.depends_on(
                    self, pending.line, "parent_code", pending.code, "customers", head.code,
                    head.line,
                )  # fmt: skip
                self._release(pending)
                gone.append(pending)
                found[pending.customer.pk] = pending
            heads = found
        return gone

    def _write_batch(self, creates: list[Pending], updates: list[Pending]) -> None:
        # The search index of the batch's customers is written set-based (SQLite's triggers
        # are off for these statements only, see kehu.customers.search).
        with search_triggers_suspended() as indexed:
            self._write_rows(creates, updates)
            indexed.update(p.customer.pk for p in creates + updates)

    def _write_rows(self, creates: list[Pending], updates: list[Pending]) -> None:
        if creates:
            # one executemany / COPY (kehu.core.bulk), with the ids taken when built
            customers = [p.customer for p in creates]
            CUSTOMER_WRITER.insert(customers)
            for customer in customers:
                customer._state.adding = False
        groups: dict[tuple, list[Customer]] = {}
        now = timezone.now()
        for pending in updates:
            customer = pending.customer
            customer.updated_at = now
            names = tuple(
                f.attname
                for f in CUSTOMER_FIELDS
                if pending.before[f.attname] != getattr(customer, f.attname)
            )
            groups.setdefault(names, []).append(customer)
        for names, rows in groups.items():
            Customer.objects.bulk_update(rows, names, batch_size=BATCH)
        self._write_tags([p for p in creates + updates if p.tags is not None])

    def _write_tags(self, tagged: list[Pending]) -> None:
        """What ``_set_tags`` does for each customer, for the whole batch: the missing tag
        rows created (``bulk_create``, as the service: no event), the through rows the new
        names lack inserted and those of names no longer given deleted, one statement each."""
        if not tagged:
            return
        wanted = {name for p in tagged for name in p.tags if name not in self.tag_ids}
        if wanted:
            found = dict(Tag.objects.filter(name__in=wanted).values_list("name", "pk"))
            missing = [Tag(name=name) for name in sorted(wanted) if name not in found]
            if missing:
                Tag.objects.bulk_create(missing, ignore_conflicts=True)
                found.update(
                    Tag.objects.filter(name__in=[t.name for t in missing]).values_list("name", "pk")
                )
            self.tag_ids.update(found)
        removed, added = [], []
        for pending in tagged:
            stored = {name: row for row, name in pending.old_tags or []}
            removed.extend(row for name, row in stored.items() if name not in pending.tags)
            customer_id = pending.customer.pk
            added.extend(
                (customer_id, self.tag_ids[name]) for name in pending.tags if name not in stored
            )
        for start in range(0, len(removed), BATCH):
            THROUGH.objects.filter(pk__in=removed[start : start + BATCH]).delete()
        rows_insert(THROUGH, THROUGH_COLUMNS, added)

    def _out_of_scope(self, written: list[Pending]) -> list[Pending]:
        if self.actor is None or not written:
            return []
        pks = [p.customer.pk for p in written]
        seen = set()
        for start in range(0, len(pks), BATCH):
            chunk = pks[start : start + BATCH]
            seen.update(self.visible.filter(pk__in=chunk).values_list("pk", flat=True))
        return [p for p in written if p.customer.pk not in seen]

    def _record(self, creates: list[Pending], updates: list[Pending]) -> None:
        events = []
        with translation.override(settings.LANGUAGE_CODE):
            snapshots = [self.created_changes(p.customer) for p in creates]
        self.create_events.insert(
            [(p.customer, c) for p, c in zip(creates, snapshots, strict=True)]
        )
        # A new customer's tags: the one event ``customer.tags.set(names)`` records
        # (``_tag_events``: no names before, none kept), in one insert after the creations.
        self.create_events.insert(
            [(p.customer, {"tags": [[], sorted(p.tags)]}) for p in creates if p.tags],
            action=AuditAction.UPDATE,
        )
        for pending in creates:
            self.codes[pending.code] = pending.customer.pk
            self.run.change(self, pending.line, pending.code, "create", {})
            self.run.written["customers"].add(pending.code)
        for pending in updates:
            customer = pending.customer
            changes = updated_changes(customer, pending.before)
            if changes:
                events.append(
                    event_build(
                        action=AuditAction.UPDATE,
                        instance=customer,
                        changes=changes,
                        customer_id=customer.pk,
                    )
                )
            events.extend(_tag_events(pending))
            self.run.change(self, pending.line, pending.code, "update", pending.changed)
            self.run.written["customers"].add(pending.code)
        events_record_bulk(events)
        if creates:
            self.context.references["parent_code"].forget()

    def _write(self, line: int, code: str, values: dict) -> None:
        self.ids.forget()  # the service gives the customer an id of its own
        super()._write(line, code, values)

    def _release(self, pending: Pending) -> None:
        """A refused row no longer holds its code and name."""
        customer = pending.customer
        if pending.before is None:
            self.codes.pop(pending.code, None)
            if self.names.get(customer.name) == f"new:{pending.code}":
                del self.names[customer.name]
        elif self.names.get(customer.name) == customer.pk:
            del self.names[customer.name]

    def _one_by_one(self, creates: list[Pending], updates: list[Pending]) -> None:
        """The database refused the batch: write its rows through the services instead,
        each in its own savepoint, so that only the rows at fault are refused."""
        for pending in creates + updates:
            self._release(pending)
        for pending in sorted(creates + updates, key=lambda p: p.line):
            self._write(pending.line, pending.code, pending.values)
