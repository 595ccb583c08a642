"""Reading an import file: the sheets of a workbook, or a CSV file as the customer sheet.

Workbooks (.xlsx, and the other formats calamine reads: .xlsm, .xls, .ods) are read with
python-calamine, row by row; the worksheets of an .xlsx or .xlsm file a slice of rows at a
time (``worksheets``), so that a large sheet is never held whole in memory. A CSV file is
decoded as SPEC §8 allows: UTF-8 with a byte-order mark, else strict UTF-8, else GB18030 (what
Excel in China writes).
"""

import codecs
import csv
import itertools
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext_lazy as _
from python_calamine import CalamineError, CalamineWorkbook

from kehu.quality.importing import worksheets

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")
CSV_SUFFIXES = (".csv", ".txt")


class UnreadableFile(Exception):
    """The file is not a workbook or CSV file that can be read; the message says why."""


@dataclass
class SheetData:
    """One sheet: its name as written, its header, and its data rows with their line numbers
    (as a spreadsheet shows them: the header is on ``header_line``, usually 1)."""

    name: str
    header: list[str]
    header_line: int
    rows: Iterator[tuple[int, list]]
    total: int  # data rows (empty ones included), for progress


def read_sheets(path: str | Path, file_name: str | None = None) -> tuple[str, list[SheetData]]:
    """``("xlsx" | "csv", sheets)``; raises ``UnreadableFile``."""
    path = Path(path)
    suffix = Path(file_name or path.name).suffix.lower()
    with path.open("rb") as file:
        head = file.read(8)
    if suffix in WORKBOOK_SUFFIXES or head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        return "xlsx", _workbook_sheets(path)
    return "csv", [_csv_sheet(path)]


def _header(cells) -> list[str]:
    from kehu.quality.importing.cells import text

    header = [text(cell) for cell in cells]
    while header and header[-1] == "":
        header.pop()
    return header


def _workbook_sheets(path: Path) -> list[SheetData]:
    package = None
    if zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as archive:
                package = worksheets.package_read(archive)
        except (zipfile.BadZipFile, OSError):
            package = None  # calamine says what is wrong with it
    workbook = None if package is not None else _workbook(path)
    sheets = []
    for name in package.names if package is not None else workbook.sheet_names:
        part = package.sheets.get(name) if package is not None else None
        sheet = _streamed_sheet(path, package, name, part) if part else None
        if sheet is None:
            workbook = workbook or _workbook(path)
            sheet = _whole_sheet(workbook, name)
        sheets.append(sheet)
    return sheets


def _workbook(path: Path) -> CalamineWorkbook:
    try:
        return CalamineWorkbook.from_path(str(path))
    except (CalamineError, OSError, ValueError) as exc:
        raise UnreadableFile(_("The file is not a workbook that can be read.")) from exc


def _sheet_unreadable(name: str) -> UnreadableFile:
    return UnreadableFile(_("The sheet “%(sheet)s” cannot be read.") % {"sheet": name})


# What reading a worksheet in slices may meet in a damaged file: calamine's refusal of a
# slice, or the zip file's (a bad checksum, a broken compressed stream).
_SLICE_ERRORS = (CalamineError, ValueError, zipfile.BadZipFile, zlib.error, EOFError, OSError)


def _streamed_sheet(path: Path, package, name: str, part: str) -> SheetData | None:
    """The sheet read a slice of rows at a time (``worksheets``); None if it must be read
    whole."""
    rows = worksheets.worksheet_rows(str(path), package, part)
    try:
        first = next(rows, None)
    except worksheets.NotSliceable:
        return None
    except _SLICE_ERRORS as exc:
        raise _sheet_unreadable(name) from exc
    if first is None:
        return SheetData(name, [], 1, iter(()), 0)
    header_line, header = first
    try:  # the whole part inflated: a damaged zip file is refused before anything is done
        with zipfile.ZipFile(path) as archive:
            total = worksheets.row_count(archive, part)
    except _SLICE_ERRORS as exc:
        raise _sheet_unreadable(name) from exc
    return SheetData(name, _header(header), header_line, _checked(rows, name), max(total - 1, 0))


def _checked(rows: Iterator[tuple[int, list]], name: str) -> Iterator[tuple[int, list]]:
    """A slice calamine cannot read makes the file unreadable, as the whole sheet would."""
    try:
        yield from rows
    except _SLICE_ERRORS as exc:
        raise _sheet_unreadable(name) from exc


def _whole_sheet(workbook: CalamineWorkbook, name: str) -> SheetData:
    """The sheet as calamine reads it: whole, in memory (.xls, .xlsb, .ods, and a worksheet
    that cannot be cut in slices)."""
    try:
        sheet = workbook.get_sheet_by_name(name)
    except (CalamineError, ValueError) as exc:
        raise _sheet_unreadable(name) from exc
    if sheet.height == 0:
        return SheetData(name, [], 1, iter(()), 0)
    first_line = (sheet.start or (0, 0))[0] + 1
    # python-calamine's iter_rows first gives an empty row for each one above the first
    rows = itertools.islice(sheet.iter_rows(), first_line - 1, None)
    header = _header(next(rows, []))
    numbered = ((first_line + offset, row) for offset, row in enumerate(rows, start=1))
    return SheetData(name, header, first_line, numbered, max(sheet.height - 1, 0))


def detect_encoding(sample: bytes, path: Path) -> str:
    """``utf-8-sig`` with a BOM; ``utf-8`` if the whole file decodes as UTF-8; else GB18030."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
    try:
        with path.open("rb") as file:
            while chunk := file.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


def _csv_sheet(path: Path) -> SheetData:
    with path.open("rb") as file:
        sample = file.read(4)
    encoding = detect_encoding(sample, path)
    with path.open("rb") as file:
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: file.read(1 << 20), b""))

    def rows() -> Iterator[list]:
        # errors="replace": a stray byte that is not even GB18030 shows as � in the value,
        # which the row's checks then report, rather than failing the whole file.
        with path.open(encoding=encoding, errors="replace", newline="") as file:
            yield from csv.reader(file)

    reader = rows()
    try:
        header = _header(next(reader, []))
    except csv.Error as exc:
        raise UnreadableFile(_("The file is not a CSV file that can be read.")) from exc
    numbered = ((line, row) for line, row in enumerate(_safe(reader), start=2))
    return SheetData("", header, 1, numbered, max(lines - 1, 0))


def _safe(reader: Iterator[list]) -> Iterator[list]:
    try:
        yield from reader
    except csv.Error as exc:
        raise UnreadableFile(
            _("The CSV file is malformed: %(reason)s") % {"reason": str(exc)}
        ) from exc
