"""Import of the canonical workbook and CSV files (SPEC §7, §8).

``import_file`` is the one entry point: the CLI, the API and the background job of the web page
all call it. It reads, validates every row with the archive's own services, and either writes
everything (or, with ``skip_errors``, every valid row) in one transaction, or — in a dry run —
nothing, returning the same report either way.
"""

from kehu.quality.importing.engine import import_file
from kehu.quality.importing.report import ImportReport, RowChange, RowError, SheetCounts

__all__ = ["ImportReport", "RowChange", "RowError", "SheetCounts", "import_file"]
