"""Contacts and delivery addresses in batches (SPEC §8; the import's write side, issue 6).

``ChildImporter`` writes each row through ``customer_child_create``: a savepoint, the flag
taken from the customer's other rows, the constraint checked, the insert, its audit event,
and on PostgreSQL the contact triggers' update of the customer's search texts (its row and
every index entry written again) — about a hundred rows a second. ``BatchChildImporter``
decides each row exactly as it does (the same checks, the existing child found by the same
order, the services' own ``child_build``), and writes the new rows ``BATCH`` at a time in a
savepoint: the flags of the customers whose new row carries one cleared in one statement
(what the service does before each such row: the one-flag constraint then holds), the rows
in one ``INSERT`` (ids returned), their create events as the signals record them, and the
search texts of their customers written once per batch (SQLite: set-based, with the
triggers off for the insert, ``search_triggers_suspended``; PostgreSQL: the statement
trigger runs once for the insert).

Rows that change an existing child still go through the services, after the new rows
waiting (the writes keep the file's order). A row is decided against what the rows before it
wrote: when it names the same child as a waiting new row, or an existing child of a customer
whose waiting new row takes the flag, the waiting rows are written first. If the database
refuses a batch, its rows go through the services one by one, each refused on its own.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from kehu.audit.models import AuditAction
from kehu.audit.recording import created_changes
from kehu.audit.services import event_build, events_record_bulk
from kehu.core.errors import ServiceError
from kehu.customers.models import Customer
from kehu.customers.search import search_triggers_suspended
from kehu.customers.services import customer_child_create
from kehu.customers.services.children import child_build
from kehu.quality.importing import cells
from kehu.quality.importing.importers import AddressImporter, ChildImporter

BATCH = 1000


class _New:
    """A valid new row waiting for its batch."""

    __slots__ = ("code", "customer", "data", "line", "row")

    def __init__(self, line, code, customer, data, row):
        self.line, self.code, self.customer, self.data, self.row = line, code, customer, data, row


class BatchChildImporter(ChildImporter):
    """See the module's docstring."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.buffer: list[tuple[int, dict]] = []
        self.new: list[_New] = []
        self.new_keys: set[tuple[int, str]] = set()
        self.new_flagged: set[int] = set()  # customers whose waiting new row takes the flag
        # the existing children of the buffered rows' customers, by (customer id, match),
        # as read before the buffer; ``stale``: customers written since (read again)
        self.known: dict[tuple[int, str], object] = {}
        self.stale: set[int] = set()

    def row(self, line, values):
        self.buffer.append((line, values))
        if len(self.buffer) >= BATCH:
            self._process()

    def finish(self):
        self._process()
        self._flush()
        super().finish()

    def _process(self) -> None:
        rows, self.buffer = self.buffer, []
        if not rows:
            return
        codes = {cells.text(values.get("customer_code")) for _line, values in rows}
        wanted = [code for code in codes if code and code not in self.customers]
        for start in range(0, len(wanted), BATCH):
            chunk = wanted[start : start + BATCH]
            found = {c.code: c for c in self.visible.filter(code__in=chunk)}
            for code in chunk:
                self.customers[code] = found.get(code)
        self._load_known(rows)
        for line, values in rows:
            super().row(line, values)
        if len(self.new) >= BATCH:
            self._flush()

    def _load_known(self, rows) -> None:
        """The existing children the rows may name, in one query: for each customer and
        value of the matched field, the first in the order ``_existing`` reads them."""
        self.known, self.stale = {}, set()
        ids, matches = set(), set()
        for _line, values in rows:
            customer = self.customers.get(cells.text(values.get("customer_code")))
            match = cells.text(values.get(self.match))
            if customer is not None and match:
                ids.add(customer.pk)
                matches.add(match)
        if not ids:
            return
        found = self.model.objects.filter(
            customer_id__in=ids, **{f"{self.match}__in": matches}
        ).order_by("customer_id", f"-{self.flag}", "id")
        if any(f.name == "region" for f in self.model._meta.concrete_fields):
            found = found.select_related("region")  # compared by its code
        for child in found:
            self.known.setdefault((child.customer_id, getattr(child, self.match)), child)

    # the decisions of ``ChildImporter.row`` -------------------------------------------------

    def _existing(self, customer: Customer, match: str):
        if (customer.pk, match) in self.new_keys:
            self._flush()  # the row updates a child that a waiting row creates
        if customer.pk in self.stale:
            existing = super()._existing(customer, match)
        else:
            existing = self.known.get((customer.pk, match))
        if existing is not None and customer.pk in self.new_flagged:
            self._flush()  # a waiting row takes the flag from this one: compare after it
            existing = super()._existing(customer, match)
        return existing

    def _create(self, line: int, code: str, customer: Customer, data: dict) -> None:
        row = child_build(self.kind, instance=self.model(customer=customer), data=data)
        self.new.append(_New(line, code, customer, data, row))
        match = cells.text(data.get(self.match))
        if match:
            self.new_keys.add((customer.pk, match))
        if getattr(row, self.flag):
            self.new_flagged.add(customer.pk)

    def _update(self, line: int, code: str, existing, data: dict, changed: dict) -> None:
        self._flush()
        self.stale.add(existing.customer_id)  # its flag may move from the other rows
        super()._update(line, code, existing, data, changed)

    # writing ------------------------------------------------------------------------------

    def _flush(self) -> None:
        new, self.new = self.new, []
        self.new_keys.clear()
        self.new_flagged.clear()
        if not new:
            return
        self.stale.update(item.customer.pk for item in new)
        try:
            with transaction.atomic():  # a savepoint: the batch is written whole or not
                self._write(new)
        except IntegrityError:
            self._one_by_one(new)
            return
        for item in new:
            self.run.change(self, item.line, item.code, "create", {})

    def _write(self, new: list[_New]) -> None:
        rows = [item.row for item in new]
        flagged = {row.customer_id for row in rows if getattr(row, self.flag)}
        if flagged:
            self.model.objects.filter(customer_id__in=flagged, **{self.flag: True}).update(
                **{self.flag: False}
            )
        with search_triggers_suspended() as indexed:
            self.model.objects.bulk_create(rows, batch_size=BATCH)
            indexed.update(row.customer_id for row in rows)
        events_record_bulk(
            [
                event_build(
                    action=AuditAction.CREATE,
                    instance=row,
                    changes=created_changes(row),
                    customer_id=row.customer_id,
                )
                for row in rows
            ]
        )

    def _one_by_one(self, new: list[_New]) -> None:
        """The database refused the batch: the services write its rows one by one, so that
        only a row at fault is refused."""
        for item in new:
            try:
                customer_child_create(
                    self.kind, actor=self.actor, customer=item.customer, data=item.data
                )
            except (ValidationError, ServiceError) as exc:
                self.refuse(item.line, item.code, exc)
                continue
            self.run.change(self, item.line, item.code, "create", {})


class BatchAddressImporter(BatchChildImporter):
    kind = AddressImporter.kind
    model = AddressImporter.model
    match = AddressImporter.match
    flag = AddressImporter.flag
