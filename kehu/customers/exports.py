"""Export of a customer query's whole result to CSV and XLSX (SPEC §3, §8).

The web list, the API and the CLI parse their conditions into the one ``CustomerFilter`` and
pass its queryset here; this module only turns rows into cells and cells into a file.

- Columns come from the one catalogue of ``columns.py``: by default every column the importer
  reads — SPEC §8's customer columns (with its Chinese and English headers), the rest of the
  writable fields (country, kind, flags, tags...) and the active user-defined fields — so that
  a file exported here can be read back by the importer unchanged; on request any other
  column, the values the system maintains included.
- Values in §8's formats: references as codes, dates as YYYY-MM-DD (date cells in XLSX),
  amounts as plain decimals (number cells in XLSX), booleans as 是/否 or Y/N by header language.
- Rows are read set-based, ``chunk_size`` at a time, with the tags of a chunk in one query:
  the number of queries does not grow with the result, and memory stays flat.
- Formula neutralisation (OWASP "CSV injection"): a *text* cell that starts with ``=``, ``+``,
  ``-``, ``@``, a tab or a carriage return gets a leading ``'``, in CSV and in XLSX alike.
  Numbers stored as numbers (a negative credit amount) are numbers and stay untouched; a phone
  number such as ``+86 21 5555 0000`` is text, so it is exported as ``'+86 21 5555 0000``.
  An importer reading these files drops a ``'`` that precedes one of those characters.
"""

import codecs
import csv
import datetime
import io
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from itertools import islice
from typing import Literal

from django.db.models import QuerySet
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils import timezone, translation
from pydantic import BaseModel, Field, field_validator

from kehu.core.api.schemas import SafeStr
from kehu.customers.columns import (  # noqa: F401 - the catalogue, re-exported
    BUILTIN_COLUMNS,
    DEFAULT_COLUMNS,
    ExportColumn,
    available_columns,
    parse_columns,
)
from kehu.customers.models import Customer

CHUNK_SIZE = 2000
ENCODINGS = {"utf-8": "utf-8-sig", "gb18030": "gb18030"}  # name in the API -> Python codec
TAG_SEPARATOR = "; "


def header_language(language: str | None = None) -> str:
    """``zh`` or ``en``: the language of the headers (default: the active language)."""
    language = (language or translation.get_language() or "en").lower()
    return "zh" if language.startswith("zh") else "en"


# Cells ------------------------------------------------------------------------------------

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_TRIGGER_CHARACTERS = frozenset("".join(FORMULA_TRIGGERS))


def neutralise(text: str) -> str:
    """``text`` with a leading ``'`` when a spreadsheet would run it as a formula."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def _text(value) -> str | None:
    if value is None or value == "":
        return None
    return neutralise(str(value))


def _user_value(value, field_type: str, yes_no: tuple[str, str]):
    """A user-defined field's stored JSON value as a cell."""
    if value is None or value == "":
        return None
    if field_type == "number" and isinstance(value, int | float) and not isinstance(value, bool):
        return value
    if field_type == "date" and isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            return neutralise(value)
    if field_type == "boolean" and isinstance(value, bool):
        return yes_no[0] if value else yes_no[1]
    return neutralise(str(value))


def export_rows(
    queryset: QuerySet,
    columns: list[ExportColumn],
    *,
    language: str | None = None,
    chunk_size: int = CHUNK_SIZE,
    progress: Callable[[int], None] | None = None,
) -> Iterator[list]:
    """The header row, then one row per customer of ``queryset`` in its order.

    Cells are ``str`` (text, already neutralised), ``int``/``float``/``Decimal`` (numbers),
    ``datetime.date`` or ``None`` (empty). ``queryset`` is a scoped, filtered customer
    queryset (``CustomerFilter.apply(customers_visible_to(user))``); it is read with one
    ``values_list`` query streamed ``chunk_size`` rows at a time, plus, when the tags are
    wanted, one query per chunk.
    """
    language = header_language(language)
    yield [column.header(language) for column in columns]
    yes_no = ("是", "否") if language == "zh" else ("Y", "N")
    statuses = ("正常", "停用") if language == "zh" else ("active", "deactivated")
    lookups, readers = ["pk"], []
    wants_tags = False
    for column in columns:
        if column.kind == "tags":
            wants_tags = True
            readers.append((column.kind, None))
            continue
        path = "user_fields" if column.kind == "user" else column.lookup or column.key
        if path not in lookups:
            lookups.append(path)
        readers.append((column.kind, lookups.index(path)))
    cells = [
        _cell_reader(kind, index, column, yes_no, statuses)
        for (kind, index), column in zip(readers, columns, strict=True)
    ]
    rows = queryset.prefetch_related(None).values_list(*lookups).iterator(chunk_size=chunk_size)
    while chunk := list(islice(rows, chunk_size)):
        if wants_tags:
            tags = _tags_of([row[0] for row in chunk])
            chunk = [(*row, tags.get(row[0])) for row in chunk]
        for row in chunk:
            yield [cell(row) for cell in cells]
        if progress is not None:
            progress(len(chunk))


def _cell_reader(kind: str, index: int | None, column: ExportColumn, yes_no, statuses):
    """The function that turns a row of ``values_list`` (with the tags last) into the cell of
    ``column``: one per column, chosen once, so a row costs one call per cell."""
    if kind == "tags":

        def cell(row):
            names = row[-1]
            return _text(TAG_SEPARATOR.join(names)) if names else None

    elif kind == "text":

        def cell(row):
            value = row[index]
            if value is None or value == "":
                return None
            value = value if type(value) is str else str(value)
            return "'" + value if value[0] in _TRIGGER_CHARACTERS else value

    elif kind == "bool":

        def cell(row):
            return yes_no[0] if row[index] else yes_no[1]

    elif kind == "status":

        def cell(row):
            return statuses[0] if row[index] is None else statuses[1]

    elif kind == "datetime":

        def cell(row):
            return _local_time(row[index])

    elif kind == "user":
        key, field_type = column.key, column.lookup

        def cell(row):
            return _user_value((row[index] or {}).get(key), field_type, yes_no)

    else:  # numbers and dates keep their type

        def cell(row):
            return row[index]

    return cell


def _local_time(value: datetime.datetime | None) -> str | None:
    return None if value is None else timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")


def _tags_of(ids: list[int]) -> dict[int, list[str]]:
    """Tag names of the customers ``ids``, in name order: one query."""
    through = Customer.tags.through
    tags: dict[int, list[str]] = {}
    pairs = (
        through.objects.filter(customer_id__in=ids)
        .order_by("tag__name")
        .values_list("customer_id", "tag__name")
    )
    for customer_id, name in pairs:
        tags.setdefault(customer_id, []).append(name)
    return tags


# CSV --------------------------------------------------------------------------------------


def _csv_cell(value):
    if isinstance(value, Decimal):
        return format(value, "f")  # plain digits, never 1E+3
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def csv_chunks(rows: Iterable[list], encoding: str = "utf-8-sig", rows_per_chunk: int = 500):
    """``rows`` as encoded CSV, a few hundred rows per ``bytes`` chunk (for streaming).

    ``utf-8-sig`` starts with the byte-order mark that Excel needs to see UTF-8;
    ``gb18030`` encodes every Unicode character, as Excel in China saves CSV.
    """
    encoder = codecs.getincrementalencoder(encoding)(errors="replace")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for count, row in enumerate(rows, start=1):
        writer.writerow([_csv_cell(value) for value in row])
        if count % rows_per_chunk == 0:
            yield encoder.encode(buffer.getvalue())
            buffer.seek(0)
            buffer.truncate()
    yield encoder.encode(buffer.getvalue(), final=True)


def write_csv(rows: Iterable[list], file, encoding: str = "utf-8-sig") -> None:
    """Write ``rows`` to the binary ``file`` as CSV in ``encoding``."""
    for chunk in csv_chunks(rows, encoding):
        file.write(chunk)


# XLSX -------------------------------------------------------------------------------------
# A minimal SpreadsheetML writer: one sheet streamed row by row into the zip entry, strings
# inline, so memory stays flat. (openpyxl's write-only mode and XlsxWriter's constant-memory
# mode work too, but take 2-4 times as long per cell, which the 100,000-row target cannot
# afford.)

_EXCEL_EPOCH = datetime.date(1899, 12, 30)
_XML_SPECIAL = re.compile(r"[&<>\x00-\x08\x0b\x0c\x0d\x0e-\x1f\ufffe\uffff]|_x[0-9A-Fa-f]{4}_")
_XML_TABLE = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        "\r": "&#13;",
        **{chr(c): f"_x{c:04X}_" for c in range(32) if chr(c) not in "\t\n\r"},
        "\ufffe": "",
        "\uffff": "",
    }
)
_ESCAPED_MARK = re.compile(r"_(x[0-9A-Fa-f]{4}_)")

# Styles: 0 general, 1 date, 2 bold header, 3 text (@: Excel keeps "0101" as typed text).
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="49" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
    'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/styles" Target="styles.xml"/>'
    "</Relationships>"
)


def _workbook(sheet_name: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f'<sheets><sheet name="{_xml(sheet_name)}" sheetId="1" r:id="rId1"/></sheets>'
        "</workbook>"
    )


def _xml(text: str) -> str:
    if _XML_SPECIAL.search(text) is None:
        return text
    # A literal "_x0041_" would be read back as "A": its underscore is escaped first.
    return _ESCAPED_MARK.sub(r"_x005F_\1", text).translate(_XML_TABLE)


def _column_letters(n: int) -> list[str]:
    letters = []
    for index in range(n):
        name, index = "", index + 1
        while index:
            index, remainder = divmod(index - 1, 26)
            name = chr(65 + remainder) + name
        letters.append(name)
    return letters


def _row_xml(number: int, values: list, letters: list[str], text_style: int) -> str:
    # One search over the row's texts (joined by a character that is never special) rather
    # than one per cell: most rows have nothing to escape.
    texts = [value for value in values if type(value) is str]
    escape = bool(texts) and _XML_SPECIAL.search("\n".join(texts)) is not None
    r = str(number)
    parts = [f'<row r="{r}">']
    append = parts.append
    for letter, value in zip(letters, values, strict=False):
        if value is None:
            continue
        kind = type(value)
        if kind is str:
            if value:
                append(
                    f'<c r="{letter}{r}" s="{text_style}" t="inlineStr"><is>'
                    f'<t xml:space="preserve">{_xml(value) if escape else value}</t></is></c>'
                )
        elif kind is datetime.date:
            append(f'<c r="{letter}{r}" s="1"><v>{(value - _EXCEL_EPOCH).days}</v></c>')
        elif kind is Decimal:
            append(f'<c r="{letter}{r}"><v>{format(value, "f")}</v></c>')
        elif kind is int or kind is float:
            append(f'<c r="{letter}{r}"><v>{value!r}</v></c>')
        else:  # anything else is shown as text
            append(
                f'<c r="{letter}{r}" s="{text_style}" t="inlineStr"><is>'
                f'<t xml:space="preserve">{_xml(str(value))}</t></is></c>'
            )
    append("</row>")
    return "".join(parts)


def write_xlsx(
    rows: Iterable[list], file, *, sheet_name: str = "customers", rows_per_chunk: int = 500
) -> None:
    """Write ``rows`` (the first one the header) to the binary ``file`` as an XLSX workbook.

    Text cells are strings formatted as text, dates date cells shown as YYYY-MM-DD, numbers
    number cells. The sheet is compressed as it is written, so memory does not grow.
    """
    rows = iter(rows)
    header = next(rows, [])
    letters = _column_letters(len(header))
    with zipfile.ZipFile(file, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as package:
        package.writestr("[Content_Types].xml", _CONTENT_TYPES)
        package.writestr("_rels/.rels", _ROOT_RELS)
        package.writestr("xl/workbook.xml", _workbook(sheet_name))
        package.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        package.writestr("xl/styles.xml", _STYLES)
        with package.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            widths = "".join(
                f'<col min="{i}" max="{i}" width="{max(10, min(40, len(str(h)) * 2 + 2))}"/>'
                for i, h in enumerate(header, start=1)
            )
            sheet.write(
                (
                    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
                    'main"><sheetViews><sheetView workbookViewId="0"><pane ySplit="1" '
                    'topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView>'
                    '</sheetViews><sheetFormatPr defaultRowHeight="15"/>'
                    + (f"<cols>{widths}</cols>" if widths else "")
                    + "<sheetData>"
                    + (_row_xml(1, header, letters, 2) if header else "")
                ).encode()
            )
            buffer, number = [], 1
            for values in rows:
                number += 1
                buffer.append(_row_xml(number, values, letters, 3))
                if len(buffer) >= rows_per_chunk:
                    sheet.write("".join(buffer).encode())
                    buffer.clear()
            sheet.write(("".join(buffer) + "</sheetData></worksheet>").encode())


# Files ------------------------------------------------------------------------------------

FORMATS = ("xlsx", "csv")
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
}


def sheet_title(language: str | None = None) -> str:
    """The customer sheet's name as §8 has it, in the header language."""
    return "客户" if header_language(language) == "zh" else "customers"


def export_filename(file_format: str, now: datetime.datetime) -> str:
    return f"customers-{now:%Y%m%d-%H%M}.{file_format}"


class ExportParams(BaseModel):
    """How to write an export; the customers are chosen by a ``CustomerFilter``."""

    format: Literal["xlsx", "csv"] = Field("xlsx", description="XLSX workbook or CSV text.")
    encoding: Literal["utf-8", "gb18030"] = Field(
        "utf-8",
        description="CSV only: UTF-8 with a byte-order mark, or GB18030 (Excel in China).",
    )
    columns: SafeStr | None = Field(
        None,
        max_length=2000,
        description="Comma-separated column names (SPEC §8's English headers, e.g. "
        "`code,name,class_code`, the read-only `status`, `receivable_balance`, "
        "`last_transaction_on`, `created_at`…, or a user-defined field's key), in the order "
        "wanted; default: the columns of the saved query named by `saved`, else every column "
        "the import reads back (§8's customer columns, the other writable fields such as "
        "`country`, `kind` and `tags`, and the active user-defined fields).",
    )
    language: Literal["zh-hans", "en"] | None = Field(
        None, description="Language of the headers (and of yes/no); default: the request's."
    )

    @field_validator("columns")
    @classmethod
    def _known_columns(cls, value):
        if value:
            parse_columns(value.split(","))
        return value

    def column_list(self) -> list[ExportColumn]:
        return parse_columns((self.columns or "").split(","))


def export_write(
    queryset: QuerySet,
    params: ExportParams,
    file,
    *,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Write the export of ``queryset`` described by ``params`` to the binary ``file``."""
    rows = export_rows(queryset, params.column_list(), language=params.language, progress=progress)
    if params.format == "csv":
        write_csv(rows, file, ENCODINGS[params.encoding])
    else:
        write_xlsx(rows, file, sheet_name=sheet_title(params.language))


def export_response(queryset: QuerySet, params: ExportParams) -> HttpResponse:
    """The export as a download: CSV streamed as it is written; XLSX written first to a
    temporary file (a workbook is a zip, complete only at its end), then sent from it."""
    columns = params.column_list()
    # Resolved now: the rows are produced after the view returns, outside its language.
    language = header_language(params.language)
    filename = export_filename(params.format, timezone.localtime())
    rows = export_rows(queryset, columns, language=language)
    if params.format == "csv":
        encoding = ENCODINGS[params.encoding]
        charset = "utf-8" if params.encoding == "utf-8" else "gb18030"
        response = StreamingHttpResponse(
            csv_chunks(rows, encoding), content_type=f"text/csv; charset={charset}"
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    file = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - FileResponse closes it
    write_xlsx(rows, file, sheet_name=sheet_title(language))
    file.seek(0)
    return FileResponse(
        file, as_attachment=True, filename=filename, content_type=CONTENT_TYPES["xlsx"]
    )
