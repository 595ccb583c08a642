"""Settings of the test suite: Kehu's own, plus a stand-in document model (tests/documents)
that refers to customers the way the sales app of a later issue will."""

import tempfile
from pathlib import Path

from kehu.settings import *  # noqa: F403
from kehu.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.documents"]

# Jobs run at once, in the request that queues them; tests of the worker choose the database
# backend themselves.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# Uploaded files (import jobs) go to a directory of the test run, never the data directory.
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="kehu-test-media-"))
