"""The worksheets of an .xlsx workbook read a slice of rows at a time (issue 6: ≤ 400 MB).

python-calamine reads a whole worksheet into memory before it gives the first row: a
100,000-row customer sheet of 46 columns holds 250–400 MB that way. Here the worksheet's XML
is inflated from the zip file as a stream and cut between two rows every ``SLICE_BYTES`` or
so; each slice, with the workbook's styles (so that cells keep their types, and date cells
stay dates), is handed to calamine as a small workbook of its own, read, and let go before
the next one is cut. Rows keep their line numbers: a slice is only ever cut before a row that
carries its number (``<row r="…">``), and calamine places cells by their references.

The workbook's shared strings (the table of texts Excel refers to by number) are given to every
slice, which reads them again: only while the table is small (``SMALL_TABLE_BYTES``). A larger
table — a big sheet written by Excel, with many different texts — makes its worksheets be read
whole, as before, since parsing it for every slice would cost more than the sheet itself.

A worksheet that cannot be cut this way (a large table of shared strings, a part the package
does not name, XML that is not UTF-8, rows without numbers) is not streamed: ``worksheet_rows``
says so before the first row and the caller reads it whole, as calamine always did.
"""

import io
import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from xml.etree import ElementTree

from python_calamine import CalamineWorkbook

# Bytes of worksheet XML per slice (about 350 exported customers: smaller slices cost no more
# time); the first slice of a sheet is smaller, since every sheet's header is read before the
# import starts. What comes before the rows (column widths, views…) is at most PREAMBLE_BYTES.
SLICE_BYTES = 1 << 20
FIRST_SLICE_BYTES = 64 << 10
READ_BYTES = 256 << 10
PREAMBLE_BYTES = 4 << 20
# The largest table of shared strings that every slice may parse again (a quarter of a slice).
SMALL_TABLE_BYTES = 256 << 10

_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
_OFFICE_DOCUMENT = "/officeDocument"  # the end of the relationship types we look for
_WORKSHEET, _STYLES, _SHARED_STRINGS = "/worksheet", "/styles", "/sharedStrings"
_R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

_ROOT_TAG = re.compile(rb"<((?:[A-Za-z_][\w.-]*:)?)worksheet\b[^>]*>")
_ROW_NUMBER = re.compile(rb"""\sr\s*=\s*["']""")
_DIMENSION = re.compile(rb"""<(?:[\w.-]+:)?dimension\s+ref\s*=\s*["'][A-Z]+(\d+):[A-Z]+(\d+)["']""")

_CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    b'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    b'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
    b'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
    b'worksheet+xml"/></Types>'
)
_PACKAGE_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    f'<workbook xmlns="{_MAIN}" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<workbookPr date1904="{date1904}"/><sheets><sheet name="slice" sheetId="1" r:id="rId1"/>'
    "</sheets></workbook>"
)
_RELATION = '<Relationship Id="{id}" Type="{type}" Target="{target}"/>'
_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


class NotSliceable(Exception):
    """The worksheet cannot be read in slices: read it whole."""


@dataclass
class Package:
    """What a slice needs from the workbook, read once: where each worksheet is, the styles,
    the shared strings and the date system."""

    names: list[str]  # every sheet, in the workbook's order
    sheets: dict[str, str]  # worksheet name -> its part in the zip file, if it can be sliced
    styles: bytes | None
    table: bytes | None  # the shared strings, as stored
    date1904: bool

    def workbook(self, sheet_xml: bytes) -> CalamineWorkbook:
        """A small workbook of one worksheet, ``sheet_xml``, with this package's styles and
        shared strings."""
        relations = [(_TYPE + "/worksheet", "worksheets/sheet1.xml")]
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
            archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
            archive.writestr("_rels/.rels", _PACKAGE_RELS)
            date1904 = "1" if self.date1904 else "0"
            archive.writestr("xl/workbook.xml", _WORKBOOK.format(date1904=date1904))
            if self.styles is not None:
                archive.writestr("xl/styles.xml", self.styles)
                relations.append((_TYPE + "/styles", "styles.xml"))
            if self.table is not None:
                archive.writestr("xl/sharedStrings.xml", self.table)
                relations.append((_TYPE + "/sharedStrings", "sharedStrings.xml"))
            archive.writestr(
                "xl/_rels/workbook.xml.rels",
                f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                f'<Relationships xmlns="{_RELATIONSHIPS}">'
                + "".join(
                    _RELATION.format(id=f"rId{n}", type=kind, target=target)
                    for n, (kind, target) in enumerate(relations, start=1)
                )
                + "</Relationships>",
            )
            archive.writestr("xl/worksheets/sheet1.xml", sheet_xml)
        buffer.seek(0)
        return CalamineWorkbook.from_filelike(buffer)


def _xml(data: bytes) -> ElementTree.Element:
    """A small part of the package parsed; one with a DTD is refused (no entity of any kind
    is expanded: without a DTD there is none)."""
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise ElementTree.ParseError("a DTD in a workbook part")
    return ElementTree.fromstring(data)  # noqa: S314 - no DTD, checked above


def _relations(archive: zipfile.ZipFile, part: str) -> list[tuple[str, str, str]]:
    """``(id, type, part)`` of the relationships of ``part`` (targets made zip paths)."""
    folder, name = posixpath.split(part)
    root = _xml(archive.read(posixpath.join(folder, "_rels", name + ".rels")))
    found = []
    for relation in root.iter(f"{{{_RELATIONSHIPS}}}Relationship"):
        if relation.get("TargetMode") == "External":
            continue
        target = relation.get("Target", "")
        target = target[1:] if target.startswith("/") else posixpath.join(folder, target)
        found.append((relation.get("Id", ""), relation.get("Type", ""), posixpath.normpath(target)))
    return found


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def package_read(archive: zipfile.ZipFile) -> Package | None:
    """The workbook's sheets, styles and shared strings; None if the package is not laid out
    as SpreadsheetML says (the caller then reads the workbook whole)."""
    try:
        main = next(
            target
            for _id, kind, target in _relations(archive, "")
            if kind.endswith(_OFFICE_DOCUMENT)
        )
        relations = _relations(archive, main)
        workbook = _xml(archive.read(main))
        if not workbook.tag.startswith(f"{{{_MAIN}}}"):
            return None  # Strict Open XML: left to calamine
        by_id = {rid: target for rid, kind, target in relations if kind.endswith(_WORKSHEET)}
        names, sheets, date1904 = [], {}, False
        for element in workbook.iter():
            name = _local(element.tag)
            if name == "workbookPr":
                date1904 = element.get("date1904", "").lower() in ("1", "true")
            elif name == "sheet":
                names.append(element.get("name", ""))
                rid = element.get(_R_ID)
                if rid in by_id:
                    sheets[names[-1]] = by_id[rid]
        styles = next((t for _i, k, t in relations if k.endswith(_STYLES)), None)
        strings = next((t for _i, k, t in relations if k.endswith(_SHARED_STRINGS)), None)
        table = None
        if strings:
            if archive.getinfo(strings).file_size > SMALL_TABLE_BYTES:
                sheets = {}  # every worksheet read whole
            else:
                table = archive.read(strings)
        return Package(
            names=names,
            sheets=sheets,
            styles=archive.read(styles) if styles else None,
            table=table,
            date1904=date1904,
        )
    except (KeyError, StopIteration, ElementTree.ParseError, zipfile.BadZipFile, OSError):
        return None


def _slices(stream) -> Iterator[bytes]:
    """The worksheet's XML as standalone worksheets of whole rows; raises ``NotSliceable``
    (before the first slice) when it cannot be cut safely."""
    buffer = bytearray()
    while (start := _sheet_data(buffer)) is None:
        piece = stream.read(READ_BYTES)
        if not piece or len(buffer) > PREAMBLE_BYTES:
            raise NotSliceable  # not UTF-8, or not a worksheet as the others are
        buffer += piece
    root = _ROOT_TAG.search(buffer)
    if root is None:
        raise NotSliceable
    prefix, opened, closed = start
    if closed:  # <sheetData/>: no rows
        return
    head = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        + bytes(root.group(0))
        + b"<"
        + prefix
        + b"sheetData>"
    )
    foot = b"</" + prefix + b"sheetData></" + prefix + b"worksheet>"
    end_tag, row_tag = b"</" + prefix + b"sheetData>", b"<" + prefix + b"row"
    del buffer[:opened]
    while (first_row := buffer.find(row_tag)) < 0 or buffer.find(b">", first_row) < 0:
        piece = stream.read(READ_BYTES)
        if not piece:
            break
        buffer += piece
    if first_row >= 0:
        close = buffer.find(b">", first_row)
        if close < 0 or not _ROW_NUMBER.search(buffer, first_row, close):
            raise NotSliceable  # rows numbered by their order only: a slice loses the count
    limit, searched = FIRST_SLICE_BYTES, 0
    while True:
        end = buffer.find(end_tag, max(0, searched - len(end_tag)))
        if end >= 0:
            del buffer[end:]
            if buffer.strip():
                yield b"".join((head, buffer, foot))
            return
        searched = len(buffer)
        if len(buffer) >= limit:
            cut = _cut(buffer, row_tag)
            if cut > 0:
                with memoryview(buffer) as view:
                    sliced = b"".join((head, view[:cut], foot))
                del buffer[:cut]
                searched = len(buffer)
                yield sliced
                del sliced
                limit = SLICE_BYTES
            else:
                limit = len(buffer) + SLICE_BYTES
        piece = stream.read(READ_BYTES)
        if not piece:  # no end of sheetData: calamine says what is wrong with the XML
            if buffer.strip():
                yield b"".join((head, buffer, foot))
            return
        buffer += piece


def _sheet_data(buffer: bytearray) -> tuple[bytes, int, bool] | None:
    """``(prefix, end of the sheetData start tag, whether it is empty)`` once it is read."""
    match = re.search(rb"<((?:[A-Za-z_][\w.-]*:)?)sheetData\b[^>]*?(/?)>", buffer)
    if match is None:
        return None
    return bytes(match.group(1)), match.end(), bool(match.group(2))


def _cut(buffer: bytearray, row_tag: bytes) -> int:
    """Where the last row of ``buffer`` that carries its number starts (0: nowhere)."""
    position = len(buffer)
    while (position := buffer.rfind(row_tag, 0, position)) > 0:
        after = position + len(row_tag)
        close = buffer.find(b">", after)
        if close < 0 or buffer[after : after + 1] not in (b" ", b"\t", b"\r", b"\n"):
            continue
        if _ROW_NUMBER.search(buffer, after, close):
            return position
    return 0


def row_count(archive: zipfile.ZipFile, part: str) -> int:
    """The worksheet's rows from the first to the last (its ``dimension`` when it has one,
    else its row elements counted, and any ``rowBreaks`` with them), for the progress bar."""
    with archive.open(part) as stream:
        piece = stream.read(FIRST_SLICE_BYTES)
        dimension = _DIMENSION.search(piece)
        if dimension and int(dimension.group(2)) > int(dimension.group(1)):
            return int(dimension.group(2)) - int(dimension.group(1)) + 1
        found = _sheet_data(piece)
        row_tag = b"<" + (found[0] if found else b"") + b"row"
        count, tail = 0, b""
        while piece:
            # a tag cut by the end of a piece is counted once: in the next, with the tail
            chunk = tail + piece
            count += chunk.count(row_tag)
            tail = chunk[1 - len(row_tag) :]
            piece = stream.read(READ_BYTES)
        return count


def worksheet_rows(path: str, package: Package, part: str) -> Iterator[tuple[int, list]]:
    """Every row of the worksheet with data, as ``(line, cells)``: cells as calamine gives
    them, the first at the column of the first row's first cell (the header's). Raises
    ``NotSliceable`` before the first row when the worksheet must be read whole."""
    with zipfile.ZipFile(path) as archive, archive.open(part) as stream:
        first_column = None
        for xml in _slices(stream):
            workbook = package.workbook(xml)
            del xml
            sheet = workbook.get_sheet_by_index(0)
            if sheet.height:
                first_line, column = sheet.start
                if first_column is None:
                    first_column = column
                shift = column - first_column
                padding = [""] * shift
                # to_python, not iter_rows: the latter first gives one empty row for each
                # row above the slice's first (python-calamine 0.9)
                rows = sheet.to_python()
                del sheet
                for offset, row in enumerate(rows, start=first_line + 1):
                    if shift > 0:
                        row = padding + row
                    elif shift < 0:  # cells left of the header's first: no column of ours
                        row = row[-shift:]
                    yield offset, row
                del rows
            workbook.close()
