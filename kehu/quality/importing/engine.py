"""The import engine: read, validate every row with the archive's services, write or roll back.

One transaction holds the whole import. Every row is checked by the same service code as the
forms, in the order of SPEC §8's table, so a row can rely on what an earlier sheet creates:
classes and regions through the services one call (one savepoint) each, customers in batches
(``customers.py``: the services' own builders, bulk writes, a savepoint per batch), and the
new contacts and addresses in batches too (``children.py``; changed ones through the
services). At the end the transaction is kept only if something may be written: not
in a dry run, and — unless ``skip_errors`` — only when no row was refused.
"""

import uuid
from collections.abc import Callable
from importlib import import_module
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from kehu.audit.context import audit_context
from kehu.core.collection import collections_relaxed
from kehu.credit.refusals import refusals_forget
from kehu.customers.exports import FORMULA_TRIGGERS, header_language
from kehu.quality.importing import cells
from kehu.quality.importing.children import BatchAddressImporter, BatchChildImporter
from kehu.quality.importing.customers import CustomerImporter
from kehu.quality.importing.importers import (
    RegionImporter,
    SheetImporter,
    TreeImporter,
)
from kehu.quality.importing.reading import SheetData, UnreadableFile, read_sheets
from kehu.quality.importing.report import ImportReport, RowChange, RowError, SheetCounts
from kehu.quality.importing.sheets import CUSTOMER_SHEET, SHEETS, map_header, sheet_for

# progress(done_rows, total_rows, stage) — stage is a short translated text ("Reading…").
Progress = Callable[[int, int, str], None]
PROGRESS_EVERY = 500
# The importer of each sheet (``SheetSpec.importer``): a class, or "module:class" for one that
# lives with its app (imported when used: the sales app imports this package's modules).
IMPORTERS = {
    "classes": TreeImporter,
    "regions": RegionImporter,
    "customers": CustomerImporter,
    "contacts": BatchChildImporter,
    "addresses": BatchAddressImporter,
    "orders": "kehu.sales.importing:OrderImporter",
    "invoices": "kehu.sales.importing:InvoiceImporter",
    "receipts": "kehu.sales.importing:ReceiptImporter",
}


def importer_class(name: str) -> type[SheetImporter]:
    """The importer registered as ``name``."""
    importer = IMPORTERS[name]
    if isinstance(importer, str):
        module, attribute = importer.split(":")
        importer = getattr(import_module(module), attribute)
    return importer


class ImportRun:
    """The state of one import: the report being filled, and which rows were refused or
    written (by sheet and key), so that dependent rows can be refused in turn."""

    def __init__(self, *, actor, report: ImportReport, total: int, progress: Progress | None):
        self.actor = actor
        self.report = report
        self.total = total
        self.done = 0
        self.progress = progress
        self.stage = ""
        self.step = max(1, min(PROGRESS_EVERY, total // 100 or 1))
        self.rejected: dict[str, dict[str, int]] = {spec.key: {} for spec in SHEETS}
        self.written: dict[str, set[str]] = {spec.key: set() for spec in SHEETS}
        self._lines_in_error: set[tuple[str, int]] = set()

    # progress ---------------------------------------------------------------------------

    def advance(self, rows: int = 1) -> None:
        """Count rows read (batches are written a little later: the stage says what runs)."""
        self.done += rows
        if self.progress is not None and (self.done % self.step == 0 or self.done >= self.total):
            self.progress(min(self.done, self.total), self.total, self.stage)

    # outcomes ---------------------------------------------------------------------------

    def counts(self, sheet: str) -> SheetCounts:
        return self.report.sheets.setdefault(sheet, SheetCounts())

    def error(self, importer, line: int, column: str, code: str, message: str, key="") -> None:
        sheet = importer.spec.key
        text = _("Sheet “%(sheet)s”, line %(line)d, column “%(column)s”: %(reason)s") % {
            "sheet": importer.sheet_name or importer.spec.title(header_language()),
            "line": line,
            "column": column,
            "reason": message,
        }
        if not column:
            text = _("Sheet “%(sheet)s”, line %(line)d: %(reason)s") % {
                "sheet": importer.sheet_name or importer.spec.title(header_language()),
                "line": line,
                "reason": message,
            }
        self.report.errors.append(
            RowError(sheet, line, column, code, str(message), key=key or "", text=text)
        )
        if (sheet, line) not in self._lines_in_error:
            self._lines_in_error.add((sheet, line))
            self.counts(sheet).rejected += 1

    def reject(self, sheet: str, key: str, line: int) -> None:
        if key and key not in self.rejected[sheet]:
            self.rejected[sheet][key] = line

    def rejected_line(self, sheet: str, key: str) -> int | None:
        return self.rejected[sheet].get(key) if key else None

    def rejected_prefix(self, sheet: str, code: str) -> tuple[str, str, int] | None:
        """A refused row of ``sheet`` whose code is a prefix of ``code`` (its tree parent)."""
        for parent, line in self.rejected[sheet].items():
            if parent and code != parent and code.startswith(parent):
                return sheet, parent, line
        return None

    def depends_on(self, importer, line, column_key, key, sheet, other_key, other_line) -> None:
        spec = next(s for s in SHEETS if s.key == sheet)
        message = _(
            "Depends on the refused row %(other_key)s (sheet “%(sheet)s”, line %(line)d)."
        ) % {"other_key": other_key, "sheet": spec.title(header_language()), "line": other_line}
        self.error(importer, line, importer.column(column_key), "depends_on", message, key)
        self.reject(importer.spec.key, key, line)

    def repeated(self, importer, line: int, key: str, seen: dict[str, int]) -> bool:
        """True (and an error) when ``key`` was already on an earlier row of the sheet."""
        if key in seen:
            message = _("“%(key)s” is repeated: it is already on line %(line)d.") % {
                "key": key,
                "line": seen[key],
            }
            self.error(importer, line, importer.column("code"), "repeated", message, key)
            return True
        seen[key] = line
        return False

    def change(self, importer, line: int, key: str, action: str, changed: dict) -> None:
        sheet = importer.spec.key
        counts = self.counts(sheet)
        if action == "create":
            counts.created += 1
        elif action == "update":
            counts.updated += 1
        else:
            counts.unchanged += 1
        self.report.changes.append(RowChange(sheet, line, key, action, changed))


_CONVERTERS = {"number": cells.number, "date": cells.date, "bool": cells.boolean}
_text = cells.text


def row_converter(header_map) -> Callable[[list], dict | None]:
    """``convert(row)``: the row's cells by input name, converted by kind (user-defined
    fields under ``user_fields``); None for an empty row. The columns' conversions are looked
    up once per sheet."""
    plan = []
    for index, column in header_map.positions.items():
        if column.kind == "ignored":
            continue
        if column.kind == "user":
            plan.append((index, True, column.key, cells.user_value))
        else:
            plan.append((index, False, column.name, _CONVERTERS.get(column.kind, cells.text)))

    def convert(row: list) -> dict | None:
        values, user_fields, empty, width = {}, {}, True, len(row)
        for index, user, name, to_value in plan:
            value = row[index] if index < width else None
            if value is not None and not (isinstance(value, str) and value == ""):
                empty = False
                if to_value is _text and type(value) is str:  # cells.text, inlined
                    value = value.strip()
                    if len(value) > 1 and value[0] == "'" and value[1] in FORMULA_TRIGGERS:
                        value = value[1:]
                else:
                    value = to_value(value)
            elif user:
                value = None
            else:
                value = to_value(None)
            if user:
                user_fields[name] = value
            else:
                values[name] = value
        if empty:
            return None
        if user_fields:
            values["user_fields"] = user_fields
        return values

    return convert


def _row_values(header_map, row: list) -> dict | None:
    """The row's cells by input name, converted by kind; None for an empty row."""
    return row_converter(header_map)(row)


def _plan(kind: str, sheets: list[SheetData], run: ImportRun) -> list[tuple]:
    """The sheets to import, in §8's order, with their header maps; file-level problems (an
    unknown column, a missing required column, a sheet the actor may not change) go to the
    report as errors on the header line."""
    report = run.report
    planned = []
    if kind == "csv":
        named = [(CUSTOMER_SHEET, sheets[0])]
    else:
        named = []
        for sheet in sheets:
            spec = sheet_for(sheet.name)
            if spec is None:
                if not sheet.name.startswith("_"):
                    report.warnings.append(
                        _("The sheet “%(sheet)s” is not one of the import's sheets: skipped.")
                        % {"sheet": sheet.name}
                    )
                continue
            if any(spec is other for other, _s in named):
                report.warnings.append(
                    _("The sheet “%(sheet)s” is given twice: only the first is read.")
                    % {"sheet": sheet.name}
                )
                continue
            named.append((spec, sheet))
    order = {spec.key: index for index, spec in enumerate(SHEETS)}
    for spec, sheet in sorted(named, key=lambda pair: order[pair[0].key]):
        if spec.importer is None:
            report.warnings.append(
                _(
                    "Sales documents are not imported yet: the sheet “%(sheet)s” "
                    "(%(rows)d rows) was not read."
                )
                % {"sheet": sheet.name or spec.name_zh, "rows": sheet.total}
            )
            continue
        header_map, problems = map_header(spec, sheet.header, sheet.name or spec.name_zh)
        holder = SheetImporter(run, spec, sheet.name, header_map)
        for _index, written, message in problems:
            run.error(holder, sheet.header_line, written, "unknown_column", message)
        actor = run.actor
        if actor is not None and not all(actor.has_perm(p) for p in spec.permissions):
            run.error(
                holder,
                sheet.header_line,
                "",
                "forbidden",
                _("You may not import the sheet “%(sheet)s”.")
                % {"sheet": sheet.name or spec.name_zh},
            )
            continue
        planned.append((spec, sheet, header_map))
    return planned


@collections_relaxed()
def import_file(
    path: str | Path,
    *,
    actor,
    dry_run: bool = False,
    skip_errors: bool = False,
    file_name: str | None = None,
    operation_id: str | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import a workbook (.xlsx) or CSV file as ``actor`` and report what was (or would be) done.

    All or nothing by default: if any row is bad, nothing is written. With ``skip_errors`` every
    valid row is written and every bad one (and each row depending on it) reported. One audited
    operation: every change carries ``operation_id`` (generated when not given). A problem
    with the file itself (unreadable, an unknown column, a sheet the actor may not import)
    refuses the whole import, whatever ``skip_errors`` says.
    """
    operation_id = (operation_id or f"import-{uuid.uuid4().hex}")[:64]
    report = ImportReport(
        file_name=file_name or Path(path).name,
        dry_run=dry_run,
        skip_errors=skip_errors,
        operation_id=operation_id,
    )
    run = ImportRun(actor=actor, report=report, total=0, progress=progress)
    if progress is not None:
        progress(0, 0, _("Reading…"))
    try:
        kind, sheets = read_sheets(path, file_name)
        planned = _plan(kind, sheets, run)
        if report.errors:
            return report
        run.total = sum(sheet.total for _spec, sheet, _map in planned)
        run.step = max(1, min(PROGRESS_EVERY, run.total // 100 or 1))
        with audit_context(actor=actor, operation_id=operation_id), transaction.atomic():
            try:
                _import_rows(planned, run)
            except UnreadableFile:
                # A workbook is read as it is imported: a sheet found unreadable midway
                # refuses the file as one found unreadable at the start (nothing was done).
                refusals_forget()
                report.changes.clear()
                report.errors.clear()
                report.sheets.clear()
                report.rows = 0
                raise
            report.written = not dry_run and (skip_errors or not report.errors)
            if not report.written:
                if dry_run:
                    refusals_forget()  # a trial: its credit refusals are the report's errors
                transaction.set_rollback(True)
    except UnreadableFile as exc:
        report.errors.append(RowError("", 0, "", "unreadable", str(exc), text=str(exc)))
        report.written = False
    report.errors.sort(key=lambda e: (_sheet_order(e.sheet), e.line))
    report.changes.sort(key=lambda c: (_sheet_order(c.sheet), c.line))
    if progress is not None:
        progress(run.total, run.total, _("Done"))
    return report


def _import_rows(planned: list[tuple], run: ImportRun) -> None:
    """Every row of the planned sheets, through their importers, in §8's order."""
    for spec, sheet, header_map in planned:
        run.stage = _("Importing “%(sheet)s”…") % {"sheet": sheet.name or spec.name_zh}
        importer = importer_class(spec.importer)(run, spec, sheet.name, header_map)
        convert = row_converter(header_map)
        for line, row in sheet.rows:
            run.advance()
            values = convert(row)
            if values is None:
                continue
            run.report.rows += 1
            importer.row(line, values)
        importer.finish()


def _sheet_order(key: str) -> int:
    for index, spec in enumerate(SHEETS):
        if spec.key == key:
            return index
    return -1
