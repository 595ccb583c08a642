"""What an import did (or, in a dry run, would do): counts per sheet, every bad row, the changes.

The report is plain data that survives a round trip through JSON, so a background job can store
it and a page opened later (or after a reload) can show it.
"""

from dataclasses import asdict, dataclass, field


@dataclass
class RowError:
    """One reason a row is rejected: where (sheet, line, column) and why."""

    sheet: str  # the sheet's canonical key: "customers", "contacts", …
    line: int  # the line as a spreadsheet shows it (the header is line 1)
    column: str  # the header as written in the file ("" when the row as a whole is wrong)
    code: str  # machine-readable: "required", "invalid", "unknown_reference", "depends_on", …
    message: str  # in the request's language
    key: str = ""  # the row's customer code (or document number), when it has one
    text: str = ""  # the whole sentence: sheet, line, column and reason, in the request's language


@dataclass
class RowChange:
    """One row that would be (or was) written: created, updated (with the changed fields)."""

    sheet: str
    line: int
    key: str
    action: str  # "create" | "update" | "unchanged"
    fields: dict = field(default_factory=dict)  # name -> [old, new], for updates


@dataclass
class SheetCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0


@dataclass
class ImportReport:
    """The outcome of ``import_file``; ``written`` is False for a dry run or a refused import."""

    file_name: str
    dry_run: bool
    skip_errors: bool
    operation_id: str = ""
    written: bool = False
    rows: int = 0
    sheets: dict[str, SheetCounts] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    changes: list[RowChange] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "ImportReport":
        data = dict(data)
        data["sheets"] = {k: SheetCounts(**v) for k, v in data.get("sheets", {}).items()}
        data["errors"] = [RowError(**e) for e in data.get("errors", [])]
        data["changes"] = [RowChange(**c) for c in data.get("changes", [])]
        return cls(**data)


ERROR_COLUMNS = ("sheet", "line", "column", "code", "key", "reason")
ERROR_HEADERS_ZH = ("工作表", "行号", "列", "错误代码", "编码", "原因")


def error_rows(report: ImportReport, language: str = "en"):
    """The header, then one row per refused cell: the downloadable error report (CSV/XLSX
    rows for ``kehu.customers.exports.write_csv``; text is neutralised against formulas)."""
    from kehu.customers.exports import neutralise

    yield list(ERROR_HEADERS_ZH if language == "zh" else ERROR_COLUMNS)
    for error in report.errors:
        yield [
            neutralise(error.sheet),
            error.line,
            neutralise(error.column),
            error.code,
            neutralise(error.key),
            neutralise(error.message),
        ]
