"""Loading many generated customers fast: set-based writes for benchmarks and large demos.

``demo_load`` writes every customer through ``customer_create``, a few milliseconds each: right
for a demo of hundreds, hours for a million. ``bulk_load`` writes the same data set-based:

- the demo's users, trees and small lists first, through the services (``demo_setup``);
- then the customers of ``generator.generate_customers`` in batches, each table of a batch in
  one statement: ``executemany`` on SQLite, ``COPY ... FROM STDIN`` on PostgreSQL;
- customers get their primary keys from here (the database holds none yet), so their
  contacts, addresses, bank accounts, documents and tag links need no read back; the
  PostgreSQL sequence is moved past them at the end;
- one transaction: a failure leaves nothing behind, as with ``demo_load``.

The generator's data is valid by construction (its tests check that ``customer_create``
accepts it, and a test checks that both loaders write the same rows), so nothing is validated
here row by row. Bulk writes bypass the per-row audit signals; the load is recorded as one
audit event (its counts), under one operation id. SQLite's search-index triggers are off
while a batch is written and its customers are indexed set-based
(``kehu.customers.search.search_triggers_suspended``).
"""

import contextlib
import datetime
import json
import multiprocessing
import queue as queue_module
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kehu.audit.context import audit_context
from kehu.audit.models import AuditAction
from kehu.audit.services import event_record
from kehu.core.bulk import rows_insert
from kehu.core.errors import ConflictError
from kehu.customers import fields
from kehu.customers.models import (
    BankAccount,
    Contact,
    Customer,
    DeliveryAddress,
    QualificationDocument,
    Tag,
)
from kehu.customers.search import CONTACT_TEXTS, SEPARATOR, search_triggers_suspended
from kehu.demo import generator
from kehu.demo.loader import DemoSummary, demo_setup
from kehu.demo.producer import produce_batches
from kehu.masterdata.models import Region

BATCH_SIZE = 5000
# Below this many customers a second process costs more than it saves.
PARALLEL_FROM = 20_000
QUEUED_BATCHES = 4  # batches generated ahead of the writer (bounds the memory)
SQLITE_CACHE_KIB = 256 * 1024  # page cache while loading: the customer table has many indexes
CODE_PREFIX = "C"  # generate_customers' codes: C000001, C000002...

# list in the generator's records -> model of its rows
CHILD_MODELS = {
    "contacts": Contact,
    "addresses": DeliveryAddress,
    "bank_accounts": BankAccount,
    "documents": QualificationDocument,
}


@dataclass
class BulkSummary:
    """What a bulk load wrote, and how long its parts took (seconds)."""

    customers: int = 0
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows written
    users_created: list[str] = field(default_factory=list)
    seconds: float = 0.0
    setup_seconds: float = 0.0
    write_seconds: float = 0.0  # building rows and writing them; the rest is mostly generating
    analyze_seconds: float = 0.0
    operation_id: str = ""

    @property
    def customers_per_second(self) -> float:
        return self.customers / self.seconds if self.seconds else 0.0


def bulk_load(
    *,
    customers: int,
    seed: int = generator.DEFAULT_SEED,
    reference_date: datetime.date | None = None,
    batch_size: int = BATCH_SIZE,
    analyze: bool = True,
    parallel: bool | None = None,
    progress: Callable[[int], None] | None = None,
) -> BulkSummary:
    """Load the demo's master data and ``customers`` generated customers with their children.

    The same seed and reference date give the same rows as ``demo_load`` would write (up to
    primary keys and timestamps). Refused, like ``demo_load``, if the database holds customers.
    ``progress(n)`` is called after each batch of ``n`` customers. With ``analyze``, the
    planner's statistics are refreshed at the end, as PostgreSQL's autovacuum would soon do.
    With ``parallel`` (by default from ``PARALLEL_FROM`` customers on) a second process
    generates the records while this one writes them.
    """
    started = time.perf_counter()
    today = reference_date or timezone.localdate()
    summary = BulkSummary(operation_id=f"bulk-load-{uuid.uuid4().hex[:12]}")
    with transaction.atomic():
        existing = Customer.objects.count()
        if existing:
            raise ConflictError(
                _(
                    "The database already holds %(count)d customers: demo data is loaded only "
                    "into a database without customers."
                ),
                code="not_empty",
                params={"count": existing},
            )
        demo = DemoSummary()
        admin = demo_setup(demo)["admin"]
        summary.users_created = demo.users_created
        summary.setup_seconds = time.perf_counter() - started
        writer = _Writer(admin_id=admin.pk)
        parallel = customers >= PARALLEL_FROM if parallel is None else parallel
        batches = _generated(customers, seed, today, batch_size, parallel=parallel)
        with _large_cache():
            for batch in batches:
                writing = time.perf_counter()
                # SQLite's search triggers off for the batch, its customers indexed set-based
                with search_triggers_suspended() as indexed:
                    writer.write(batch)
                    indexed.update(writer.batch_ids)
                summary.write_seconds += time.perf_counter() - writing
                if progress is not None:
                    progress(len(batch))
        writer.finish()
        summary.customers = writer.customers
        summary.rows = dict(writer.rows)
        with audit_context(actor=admin, operation_id=summary.operation_id):
            event_record(
                action=AuditAction.CREATE,
                changes={table: [None, count] for table, count in writer.rows.items()},
            )
    if analyze:
        analyzed = time.perf_counter()
        database_analyze()
        summary.analyze_seconds = time.perf_counter() - analyzed
    summary.seconds = time.perf_counter() - started
    return summary


def database_analyze() -> None:
    """Refresh the query planner's statistics of the whole database. On PostgreSQL, outside
    a transaction, VACUUM too: it sets the visibility map of the freshly written pages, as
    autovacuum does soon after a load, so that counts can read indexes only."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            cursor.execute("VACUUM (ANALYZE)")
        else:
            cursor.execute("ANALYZE")


def _batches(items: Iterable, size: int) -> Iterator[list]:
    items = iter(items)
    while batch := list(islice(items, size)):
        yield batch


def _generated(
    count: int, seed: int, today: datetime.date, size: int, *, parallel: bool
) -> Iterator[list[dict]]:
    """The generated customers in batches of ``size``, from a second process if ``parallel``:
    generating costs as much as writing, so on two cores both go on at once."""
    if not parallel:
        yield from _batches(
            generator.generate_customers(count, seed=seed, reference_date=today), size
        )
        return
    # spawn, not fork: the child needs no copy of this process's database connection.
    context = multiprocessing.get_context("spawn")
    queue = context.Queue(maxsize=QUEUED_BATCHES)
    child = context.Process(
        target=produce_batches,
        args=(queue, count, seed, today, size),
        name="kehu-generate",
        daemon=True,
    )
    child.start()
    try:
        while True:
            try:
                batch = queue.get(timeout=1)
            except queue_module.Empty:
                if child.is_alive():
                    continue
                raise RuntimeError(f"the generating process ended ({child.exitcode})") from None
            if batch is None:
                return
            if isinstance(batch, BaseException):
                raise batch
            yield batch
    finally:
        if child.is_alive():
            child.terminate()
        child.join()


@contextlib.contextmanager
def _large_cache():
    """A large SQLite page cache for this connection while loading (restored after): index
    pages stay in memory instead of being re-read for every batch."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")


class _Writer:
    """Turns generated records into table rows and writes them a batch at a time."""

    def __init__(self, *, admin_id: int):
        # as the ORM would send it: naive UTC text on SQLite, an aware datetime on PostgreSQL
        self.now = connection.ops.adapt_datetimefield_value(timezone.now())
        self.admin_id = admin_id
        self.first_id = 1 + (Customer.objects.aggregate(top=models.Max("pk"))["top"] or 0)
        self.first_number: int | None = None
        self.customers = 0
        self.batch_ids: list[int] = []
        self.rows: dict[str, int] = {}
        # input name -> {code: primary key} of every master-data list a record refers to
        self.references = {
            name: dict(model.objects.values_list("code", "pk"))
            for name, (_field, model) in fields.REFERENCE_FIELDS.items()
            if model != "customer"
        }
        self.regions = dict(Region.objects.values_list("code", "pk"))
        self.tags = dict(Tag.objects.values_list("name", "pk"))
        self.customer_columns = list(Customer._meta.concrete_fields)
        self.child_columns = {
            kind: [f for f in model._meta.concrete_fields if not f.primary_key]
            for kind, model in CHILD_MODELS.items()
        }
        # PostgreSQL: each customer row carries its contacts' texts for the keyword search
        # (``search_contacts``, migration customers/0007). The contact triggers would write
        # them by updating every customer of the batch again (its row and every index entry,
        # the search indexes included: more than half of the load's time); instead they are
        # in the customer row as it is first written, and the contacts are written before
        # their customers (their foreign key is checked at commit), when the triggers'
        # update finds no customer to change.
        self.search_contacts = connection.vendor == "postgresql"
        names = [f.name for f in self.child_columns["contacts"]]
        self.contact_texts = [names.index(name) for name in CONTACT_TEXTS]

    def customer_id(self, code: str) -> int:
        """The primary key of a customer of this stream, by its code (a head office is always
        an earlier customer of the stream)."""
        return self.first_id + int(code.removeprefix(CODE_PREFIX)) - self.first_number

    def write(self, batch: list[dict]) -> None:
        if self.first_number is None:
            self.first_number = int(batch[0]["code"].removeprefix(CODE_PREFIX))
        customers = []
        self.batch_ids = [self.customer_id(record["code"]) for record in batch]
        children: dict[str, list] = {kind: [] for kind in CHILD_MODELS}
        links = []
        for record in batch:
            pk = self.customer_id(record["code"])
            customer = self.customer_row(pk, record)
            for kind, rows in children.items():
                columns = self.child_columns[kind]
                written = [self.child_row(pk, item, columns) for item in record.get(kind) or ()]
                rows.extend(written)
                if kind == "contacts" and self.search_contacts:
                    customer += (self._contact_texts(written),)
            customers.append(customer)
            for name in record.get("tags") or ():
                links.append((pk, self.tag_id(name)))
        customer_columns = [f.column for f in self.customer_columns]
        kinds = list(children)
        if self.search_contacts:
            contacts = children["contacts"]
            _insert(Contact, [f.column for f in self.child_columns["contacts"]], contacts)
            kinds.remove("contacts")
            customer_columns.append("search_contacts")
        _insert(Customer, customer_columns, customers)
        for kind in kinds:
            columns = [f.column for f in self.child_columns[kind]]
            _insert(CHILD_MODELS[kind], columns, children[kind])
        _insert(Customer.tags.through, ["customer_id", "tag_id"], links)
        self.customers += len(batch)
        for model, count in (
            (Customer, len(customers)),
            *((CHILD_MODELS[kind], len(rows)) for kind, rows in children.items()),
            (Customer.tags.through, len(links)),
        ):
            table = model._meta.db_table
            self.rows[table] = self.rows.get(table, 0) + count

    def _contact_texts(self, contacts: list[tuple]) -> str:
        """What the contact triggers write into ``search_contacts``: each contact's texts
        joined by the separator, the contacts in the order of their ids (the order written)."""
        return SEPARATOR.join(
            SEPARATOR.join(row[index] for index in self.contact_texts) for row in contacts
        )

    def finish(self) -> None:
        """Move PostgreSQL's id sequence past the customers written with explicit ids."""
        from django.core.management.color import no_style

        statements = connection.ops.sequence_reset_sql(no_style(), [Customer])
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)

    def tag_id(self, name: str) -> int:
        if name not in self.tags:
            self.tags[name] = Tag.objects.get_or_create(name=name)[0].pk
        return self.tags[name]

    def customer_row(self, pk: int, record: dict) -> tuple:
        values = []
        for f in self.customer_columns:
            name = f.name
            if f.primary_key:
                value = pk
            elif name in ("created_at", "updated_at"):
                value = self.now
            elif name in ("created_by", "updated_by"):
                value = self.admin_id
            elif name == "parent":
                code = record.get("parent_code")
                value = self.customer_id(code) if code else None
            elif name in fields.MODEL_TO_INPUT:
                code = record.get(fields.MODEL_TO_INPUT[name])
                value = self.references[fields.MODEL_TO_INPUT[name]][code] if code else None
            elif name == "user_fields":
                value = json.dumps(record.get("user_fields") or {})
            elif name in record:
                value = record[name]
                if value is None and not f.null:
                    value = "" if f.empty_strings_allowed else f.get_default()
            else:
                value = f.get_default()
            values.append(value)
        return tuple(values)

    def child_row(self, customer_id: int, item: dict, columns: list) -> tuple:
        values = []
        for f in columns:
            name = f.name
            if name == "customer":
                value = customer_id
            elif name in ("created_at", "updated_at"):
                value = self.now
            elif name == "region":
                code = item.get("region_code")
                value = self.regions[code] if code else None
            elif name in item:
                value = item[name]
                if value is None and not f.null:
                    value = "" if f.empty_strings_allowed else f.get_default()
            else:
                value = f.get_default()
            values.append(value)
        return tuple(values)


def _insert(model, columns: list[str], rows: list[tuple]) -> None:
    """Insert ``rows`` into ``model``'s table in one statement (one COPY on PostgreSQL)."""
    rows_insert(model, columns, rows)
