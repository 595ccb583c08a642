"""Uploaded import files are kept only while a job may read them (SPEC §8): deleted once the
import is done, once its dry run is discarded or cannot be confirmed; `kehu cleanup-imports`
deletes what is left behind."""

import os
import time
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from kehu.accounts.services import user_create
from kehu.customers.models import Customer
from kehu.jobs.choices import JobKind, JobStatus
from kehu.jobs.models import Job
from tests.factories import class_tree

GOOD = "客户编码,客户名称,所属分类\r\nF1,甲贸易有限公司,0101\r\n".encode()
BAD = "客户编码,客户名称,所属分类\r\nF1,甲贸易有限公司,0101\r\nF2,,0101\r\n".encode()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def importer(db, media):
    class_tree("01", "0101")
    user = user_create(username="importer", password="Kehu-user-2026", roles=["administrator"])
    client = Client()
    client.force_login(user)
    return client


def _stored(media: Path) -> list[str]:
    """The files under the upload directory, progress files excepted."""
    jobs = media / "jobs"
    found = [p for p in jobs.rglob("*") if p.is_file()] if jobs.exists() else []
    return sorted(p.name for p in found if "progress" not in p.parts)


def _upload(client, content, **data):
    file = SimpleUploadedFile("客户.csv", content, content_type="text/csv")
    response = client.post("/quality/imports/new/", {"file": file, **data})
    assert response.status_code == 302, response.content
    return Job.objects.get(pk=response["Location"].rstrip("/").rsplit("/", 1)[1])


def test_the_file_is_kept_for_the_confirmation_then_deleted_with_the_import(
    importer, media, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        preview = _upload(importer, GOOD)
    assert _stored(media) == ["客户.csv"] and preview.file

    with django_capture_on_commit_callbacks(execute=True):
        importer.post(f"/quality/imports/{preview.pk}/confirm/")

    assert Customer.objects.get().code == "F1"
    assert _stored(media) == []
    assert not Job.objects.exclude(file="").exists()  # neither job points at a deleted file
    page = importer.get(f"/quality/imports/{preview.pk}/").content.decode()
    assert "Confirm import" not in page
    assert "See the import confirmed from this dry run" in page


def test_a_dry_run_that_cannot_be_confirmed_deletes_its_file_at_once(
    importer, media, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        preview = _upload(importer, BAD)  # all or nothing, with an error

    preview.refresh_from_db()
    assert preview.status == JobStatus.SUCCEEDED and not preview.file
    assert _stored(media) == []
    page = importer.get(f"/quality/imports/{preview.pk}/").content.decode()
    assert "The file has errors and the import is all or nothing" in page
    assert "is not kept any more" not in page  # nothing the user could still have done


def test_a_discarded_dry_run_loses_its_file_and_cannot_be_confirmed(
    importer, media, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        preview = _upload(importer, BAD, skip_errors="on")
    assert _stored(media) == ["客户.csv"]
    page = importer.get(f"/quality/imports/{preview.pk}/").content.decode()
    assert f'action="/quality/imports/{preview.pk}/discard/"' in page

    with django_capture_on_commit_callbacks(execute=True):
        response = importer.post(f"/quality/imports/{preview.pk}/discard/", follow=True)

    assert response.redirect_chain[-1][0] == "/quality/imports/"
    assert (
        "The dry run of 客户.csv was discarded and the file deleted." in response.content.decode()
    )
    assert _stored(media) == []
    page = importer.get(f"/quality/imports/{preview.pk}/").content.decode()
    assert "This dry run was discarded" in page and "Confirm import" not in page
    refused = importer.post(f"/quality/imports/{preview.pk}/confirm/", follow=True)
    assert "The uploaded file is not kept any more" in refused.content.decode()
    assert not Job.objects.filter(kind=JobKind.IMPORT).exists()
    assert not Customer.objects.exists()


def _api_upload(api, content):
    file = SimpleUploadedFile("客户.csv", content, content_type="text/csv")
    return api.client.post("/api/v1/import-jobs", {"file": file}, headers=api.headers).json()


def test_the_api_discards_a_finished_dry_run_only(
    api_as, media, django_capture_on_commit_callbacks
):
    class_tree("01", "0101")
    api = api_as("administrator")
    with django_capture_on_commit_callbacks(execute=True):
        preview = _api_upload(api, GOOD)
    assert preview["file_kept"] is True

    with django_capture_on_commit_callbacks(execute=True):
        discarded = api.post(f"/api/v1/import-jobs/{preview['id']}/discard")

    assert discarded.status_code == 200 and discarded.json()["file_kept"] is False
    assert _stored(media) == []
    refused = api.post(preview["confirm_url"])
    assert refused.status_code == 409 and refused.json()["code"] == "file_gone"

    with django_capture_on_commit_callbacks(execute=True):
        confirmed = api.post(_api_upload(api, GOOD)["confirm_url"]).json()
    assert confirmed["file_kept"] is False  # the import is done: its file is gone
    late = api.post(f"/api/v1/import-jobs/{confirmed['source_id']}/discard")
    assert late.status_code == 409 and late.json()["code"] == "already_confirmed"
    not_a_preview = api.post(f"/api/v1/import-jobs/{confirmed['id']}/discard")
    assert not_a_preview.status_code == 409 and not_a_preview.json()["code"] == "not_a_preview"
    actor = Job.objects.get(pk=confirmed["id"]).actor
    running = Job.objects.create(kind=JobKind.IMPORT_PREVIEW, actor=actor, status=JobStatus.RUNNING)
    busy = api.post(f"/api/v1/import-jobs/{running.pk}/discard")
    assert busy.status_code == 409 and busy.json()["code"] == "preview_not_done"


def _age(path: Path, days: int) -> None:
    past = time.time() - days * 86400
    os.utime(path, (past, past))


def test_cleanup_deletes_old_unconfirmed_dry_runs_and_stray_files_and_keeps_the_rest(
    importer, media, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        old = _upload(importer, GOOD)
        recent = _upload(importer, GOOD)
    Job.objects.filter(pk=old.pk).update(finished_at=timezone.now() - timedelta(days=10))
    # a job a worker has not run yet, even an old one, keeps its file
    queued = Job.objects.create(
        kind=JobKind.IMPORT, actor=old.actor, file_name="等待.csv", status=JobStatus.QUEUED
    )
    queued.file.save("等待.csv", SimpleUploadedFile("等待.csv", GOOD), save=True)
    Job.objects.filter(pk=queued.pk).update(created_at=timezone.now() - timedelta(days=30))
    # files no job refers to: a process died between storing a file and recording its job
    stray_dir = media / "jobs" / "2020" / "01"
    stray_dir.mkdir(parents=True)
    (stray_dir / "old-stray.csv").write_bytes(b"x" * 2048)
    _age(stray_dir / "old-stray.csv", 30)
    (stray_dir / "new-stray.csv").write_bytes(b"x")
    before = _stored(media)
    assert len(before) == 5

    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("cleanup-imports", "--older-than", "7", stdout=out)

    assert "2 file(s) deleted" in out.getvalue()
    assert "1 of them of dry runs never confirmed" in out.getvalue()
    assert "old-stray.csv" not in _stored(media) and "new-stray.csv" in _stored(media)
    assert not Job.objects.get(pk=old.pk).file
    assert Job.objects.get(pk=recent.pk).file and Job.objects.get(pk=queued.pk).file
    page = importer.get(f"/quality/imports/{old.pk}/").content.decode()
    assert "the dry run is too old" in page and "Confirm import" not in page

    with django_capture_on_commit_callbacks(execute=True):
        call_command("cleanup-imports", "--older-than", "0", stdout=StringIO())
    assert sorted(_stored(media)) == ["等待.csv"]  # only the queued job's file is left


def test_cleanup_refuses_a_negative_age(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--older-than"):
        call_command("cleanup-imports", "--older-than", "-1")
