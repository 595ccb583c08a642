"""An uploaded file as a path on disk, for ``import_file`` (which reads by path, streaming)."""

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

IMPORT_MAX_BYTES = 100 * 1024 * 1024  # settings.KEHU_IMPORT_MAX_BYTES overrides it


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
