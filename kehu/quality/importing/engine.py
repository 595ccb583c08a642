"""The import engine. (Interface only, until the engine lands: see the package docstring.)"""

from collections.abc import Callable
from pathlib import Path

from kehu.quality.importing.report import ImportReport

# progress(done_rows, total_rows, stage) — stage is a short translated text ("Reading…").
Progress = Callable[[int, int, str], None]


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
    operation: every change carries ``operation_id`` (generated when not given).
    """
    raise NotImplementedError("the import engine has not landed yet")
