"""Import jobs with the real engine: the page from upload to result, and a worker killed in the
middle of an import (SPEC §7: nothing half-imported is ever left behind)."""

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client

from kehu.accounts.services import user_create
from kehu.customers.models import Customer
from kehu.jobs.choices import JobKind
from kehu.jobs.models import Job
from tests.factories import class_tree

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("import_until_killed.py")
HEADER = "客户编码,客户名称,所属分类\r\n"


@pytest.fixture
def importer(db):
    class_tree("01", "0101")
    client = Client()
    client.force_login(
        user_create(username="importer", password="Kehu-user-2026", roles=["administrator"])
    )
    return client


def test_a_file_is_previewed_then_imported_from_the_page(importer):
    content = (HEADER + "J1,甲贸易有限公司,0101\r\nJ2,,0101\r\nJ3,丙商行,0101\r\n").encode()
    upload = SimpleUploadedFile("客户.csv", content, content_type="text/csv")

    response = importer.post("/quality/imports/new/", {"file": upload, "skip_errors": "on"})

    preview = Job.objects.get()
    page = importer.get(response["Location"]).content.decode()
    assert not Customer.objects.exists()  # a dry run writes nothing
    assert '<td>customers</td><td class="num">2</td>' in page  # two to create
    assert '<td class="num">1</td></tr>' in page  # one rejected
    assert "J1" in page and "J3" in page
    errors = b"".join(importer.get(f"/quality/imports/{preview.pk}/errors.csv").streaming_content)
    rows = list(csv.reader(io.StringIO(errors.decode("utf-8-sig"))))
    assert rows[1][:3] == ["customers", "3", "客户名称"]

    done = importer.post(f"/quality/imports/{preview.pk}/confirm/")

    job = Job.objects.get(kind=JobKind.IMPORT)
    assert done["Location"] == f"/quality/imports/{job.pk}/"
    assert sorted(Customer.objects.values_list("code", flat=True)) == ["J1", "J3"]
    assert "The import is done." in importer.get(done["Location"]).content.decode()


def test_the_template_downloads_from_the_page(importer):
    response = importer.get("/quality/imports/template.xlsx?lang=en")

    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response.content[:2] == b"PK"
    assert "import-template.xlsx" in response["Content-Disposition"]


def _script(env, *args, timeout=120) -> str:
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, str(SCRIPT), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_in_the_middle_of_an_import_leaves_the_database_as_before(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["KEHU_DATA_DIR"] = str(tmp_path)
    if connection.vendor == "postgresql":  # the test database, which this test leaves empty
        db = connection.settings_dict
        env["DATABASE_URL"] = (
            f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or 'localhost'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        )
    else:
        env.pop("DATABASE_URL", None)
    # more rows than one batch of the importer, so that progress is reported after a batch
    # has been written inside the import's transaction
    big = tmp_path / "big.csv"
    big.write_text(
        HEADER + "".join(f"K{n:05d},客户{n}有限公司,0101\r\n" for n in range(2500)),
        encoding="utf-8",
    )
    job_id = _script(env, "setup", str(big))
    before = json.loads(_script(env, "fingerprint"))
    ready = tmp_path / "ready"

    worker = subprocess.Popen(  # noqa: S603 - our own interpreter and script
        [sys.executable, str(SCRIPT), "run", job_id, str(ready)], env=env
    )
    try:
        deadline = time.monotonic() + 120
        while not ready.exists() and worker.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert ready.exists(), "the import never wrote a customer inside its transaction"
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)

    after = json.loads(_script(env, "fingerprint"))
    assert after["tables"] == before["tables"]
    assert after["job"] == ["running", ""]  # as the dead worker left it

    recovered = subprocess.run(
        [sys.executable, "-m", "kehu.cli", "worker", "--batch"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert "1 job(s) left running by a stopped worker: failed." in recovered.stdout
    final = json.loads(_script(env, "fingerprint"))
    assert final["job"] == ["failed", "interrupted"]
    assert final["tables"] == before["tables"]
