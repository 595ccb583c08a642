"""An uploaded file as a path on disk, for ``import_file`` (which reads by path, streaming);
and the limits of an import done within its request (``POST /api/v1/imports``)."""

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from kehu.core.errors import ServiceError

IMPORT_MAX_BYTES = 100 * 1024 * 1024  # settings.KEHU_IMPORT_MAX_BYTES overrides it
# An import within a request holds that request (and a web worker) until it is done: larger
# files go to the background jobs (POST /api/v1/import-jobs). The settings
# KEHU_IMPORT_SYNC_MAX_BYTES and KEHU_IMPORT_SYNC_MAX_ROWS override these.
SYNC_MAX_BYTES = 10 * 1024 * 1024
SYNC_MAX_ROWS = 10_000


class SyncImportTooLarge(ServiceError):
    """A file too large to import within one request (HTTP 413): import it as a job."""

    status = 413
    code = "too_large_for_sync_import"


def sync_limits() -> tuple[int, int]:
    """The (bytes, rows) an import within a request may have."""
    return (
        getattr(settings, "KEHU_IMPORT_SYNC_MAX_BYTES", SYNC_MAX_BYTES),
        getattr(settings, "KEHU_IMPORT_SYNC_MAX_ROWS", SYNC_MAX_ROWS),
    )


def sync_size_check(size: int | None) -> None:
    """Refuse (413) a file larger than an import within a request may read."""
    max_bytes, _rows = sync_limits()
    if size and size > max_bytes:
        raise SyncImportTooLarge(
            _(
                "The file is larger than %(mb)d MB, too large to import within one request: "
                "import it as a background job with POST /api/v1/import-jobs."
            ),
            params={"mb": max_bytes // (1 << 20)},
            field="file",
        )


class SyncRowLimit:
    """The ``progress`` callback of an import within a request: it stops the import (whose
    transaction then rolls back, writing nothing) as soon as the file is known to hold more
    rows than allowed."""

    def __init__(self):
        _bytes, self.max_rows = sync_limits()

    def __call__(self, done: int, total: int, stage: str = "") -> None:
        if total > self.max_rows:
            raise SyncImportTooLarge(
                _(
                    "The file has %(rows)d rows, more than the %(max)d an import within one "
                    "request may have: import it as a background job with POST "
                    "/api/v1/import-jobs."
                ),
                params={"rows": total, "max": self.max_rows},
                field="file",
            )


@contextlib.contextmanager
def uploaded_path(upload):
    """Yield a path holding ``upload``'s bytes: Django's own temporary file when the upload
    was spooled to disk, else a temporary copy removed afterwards."""
    if hasattr(upload, "temporary_file_path"):
        yield Path(upload.temporary_file_path())
        return
    suffix = Path(upload.name or "").suffix[:10]
    handle, name = tempfile.mkstemp(prefix="kehu-import-", suffix=suffix)
    try:
        with os.fdopen(handle, "wb") as file:
            upload.seek(0)
            shutil.copyfileobj(upload, file)
        yield Path(name)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(name)
