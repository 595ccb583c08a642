"""A worker process for the kill test (test_import_jobs_engine.py), run as a script.

    python import_until_killed.py setup FILE      -> creates the master data, a user and the
                                                     import job of FILE; prints the job's id
    python import_until_killed.py fingerprint     -> prints row counts and checksums (JSON)
    python import_until_killed.py run JOB READY   -> runs the job like a worker; once customers
                                                     are written inside the import's transaction,
                                                     creates the file READY and waits to be killed

The database is the one the environment names (KEHU_DATA_DIR or DATABASE_URL).
"""

import hashlib
import json
import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kehu.settings")

import django

django.setup()

from django.apps import apps  # noqa: E402
from django.core.files import File  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from kehu.accounts.services import user_create  # noqa: E402
from kehu.customers.models import Customer  # noqa: E402
from kehu.jobs.choices import JobKind  # noqa: E402
from kehu.jobs.models import Job  # noqa: E402
from kehu.jobs.services import job_create  # noqa: E402
from kehu.masterdata.services import customer_class_create  # noqa: E402
from kehu.quality import importing  # noqa: E402
from kehu.quality.import_jobs import import_job_task  # noqa: E402

FINGERPRINTED_APPS = ("customers", "masterdata", "audit", "accounts", "auth")


def setup(path: str) -> None:
    call_command("migrate", verbosity=0)
    for code in ("01", "0101"):
        customer_class_create(actor=None, data={"code": code, "name": f"分类{code}"})
    user = user_create(username="importer", password="Kehu-user-2026", roles=["administrator"])
    with open(path, "rb") as handle:
        job = job_create(
            actor=user, kind=JobKind.IMPORT, options={}, upload=File(handle, "big.csv")
        )
    print(job.pk)


def fingerprint() -> None:
    marks = {}
    for label in FINGERPRINTED_APPS:
        for model in apps.get_app_config(label).get_models():
            rows = model._base_manager.order_by("pk").values_list()
            digest = hashlib.sha256(repr(list(rows)).encode()).hexdigest()
            marks[model._meta.label] = [len(rows), digest]
    job = Job.objects.order_by("pk").last()
    print(json.dumps({"tables": marks, "job": [job.status, job.error_code] if job else None}))


def run(job_id: int, ready: str) -> None:
    real = importing.import_file

    def import_file(path, *, progress, **kwargs):
        def watch(done, total, stage):
            progress(done, total, stage)
            # Customers written, not committed: the moment to die.
            if connection.in_atomic_block and Customer.objects.exists():
                with open(ready, "w") as flag:
                    flag.write(str(done))
                time.sleep(600)

        return real(path, progress=watch, **kwargs)

    importing.import_file = import_file
    import_job_task.call(job_id=job_id)


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    if command == "setup":
        setup(*args)
    elif command == "fingerprint":
        fingerprint()
    else:
        run(int(args[0]), args[1])
