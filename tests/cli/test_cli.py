"""The ``kehu`` command line as a user runs it."""

import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from contextlib import closing
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from kehu.accounts.services import token_authenticate
from kehu.cli import main

KEHU = str(Path(sys.executable).with_name("kehu"))
ROOT = Path(__file__).resolve().parents[2]


def run_kehu(*args, data_dir, stdin=None):
    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env["KEHU_DATA_DIR"] = str(data_dir)
    return subprocess.run(  # noqa: S603 - our own console script
        [KEHU, *args],
        env=env,
        capture_output=True,
        text=True,
        input=stdin,
        timeout=120,
        check=False,
    )


def test_help_lists_the_commands(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in ("init", "serve", "demo", "user", "token"):
        assert f"  {command}" in out


def test_an_unknown_command_fails_with_a_message(capsys):
    assert main(["frobnicate"]) == 2
    assert "unknown command 'frobnicate'" in capsys.readouterr().err


def test_init_creates_the_database_and_the_administrator(tmp_path):
    result = run_kehu("init", "--admin-password", "A-good-pass-2026", data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Database created" in result.stdout
    assert "Administrator 'admin' created." in result.stdout
    assert (tmp_path / "kehu.sqlite3").exists()

    again = run_kehu("init", data_dir=tmp_path)
    assert again.returncode == 0 and "Database migrated" in again.stdout

    token = run_kehu("token", "create", "admin", data_dir=tmp_path)
    assert token.returncode == 0 and token.stdout.startswith("kehu_")


def test_init_refuses_a_weak_password_with_the_reason(tmp_path):
    result = run_kehu("init", "--admin-password", "123", data_dir=tmp_path)
    assert result.returncode != 0
    assert "password" in result.stderr


@pytest.mark.django_db
def test_user_create_with_a_role_and_a_token_that_works(capsys):
    call_command(
        "user", "create", "li.lei", "--password", "Sales-pass-2026", "--role", "salesperson"
    )
    user = get_user_model().objects.get(username="li.lei")
    assert list(user.groups.values_list("name", flat=True)) == ["salesperson"]
    assert user.has_perm("customers.add_customer")
    assert not user.has_perm("customers.delete_customer")

    call_command("token", "create", "li.lei", "--name", "ERP sync")
    raw = capsys.readouterr().out.strip().splitlines()[-1]
    assert token_authenticate(raw) == user

    call_command("token", "revoke", raw[:11])
    assert token_authenticate(raw) is None


@pytest.mark.django_db
def test_user_create_reports_every_problem():
    with pytest.raises(CommandError) as info:
        call_command("user", "create", "bad name!", "--password", "123")
    assert "username" in str(info.value) and "password" in str(info.value)


@pytest.mark.django_db
def test_a_token_for_an_unknown_user_is_refused():
    with pytest.raises(CommandError, match="No user 'ghost'"):
        call_command("token", "create", "ghost")


ENQUEUE = """
import django
django.setup()
from django.contrib.auth import get_user_model
from kehu.jobs.choices import JobKind
from kehu.jobs.services import job_create, job_enqueue
from tests.jobs.tasks import count_task
user = get_user_model().objects.create_user("jobs-test")
job = job_create(actor=user, kind=JobKind.IMPORT, options={"count": 3})
print(job_enqueue(job, count_task).pk)
"""


def _job_row(database: Path, job_id: int):
    with closing(sqlite3.connect(database)) as db:
        return db.execute(
            "SELECT status, result, worker FROM jobs_job WHERE id = ?", (job_id,)
        ).fetchone()


def test_serve_answers_with_gunicorn_and_runs_queued_jobs_with_its_worker(tmp_path):
    assert run_kehu("init", "--no-input", data_dir=tmp_path).returncode == 0
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env["KEHU_DATA_DIR"] = str(tmp_path)
    # The worker imports the tests' own task (tests.jobs.tasks) from the source tree.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    server = subprocess.Popen(  # noqa: S603 - our own console script
        [KEHU, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        body = None
        for _attempt in range(240):  # a loaded machine may take a while
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/accounts/login/", timeout=10
                ) as response:
                    body = response.read().decode()
                break
            except OSError:
                time.sleep(0.25)
        if body is None:
            server.terminate()
            pytest.fail(f"the server did not answer: {server.communicate(timeout=40)[0]}")
        assert "· Kehu</title>" in body

        queued = subprocess.run(  # noqa: S603 - our own interpreter
            [sys.executable, "-c", ENQUEUE],
            env={**env, "DJANGO_SETTINGS_MODULE": "kehu.settings"},
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        job_id = int(queued.stdout.strip().splitlines()[-1])
        row = _job_row(tmp_path / "kehu.sqlite3", job_id)
        for _attempt in range(120):
            if row[0] in ("succeeded", "failed"):
                break
            time.sleep(0.25)
            row = _job_row(tmp_path / "kehu.sqlite3", job_id)
        assert row[:2] == ("succeeded", '{"counted": 3}')
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=40)
    assert "gunicorn" in output.lower()
    assert server.returncode == 0, output
    worker_pid = int(row[2].split(":")[1])
    with pytest.raises(ProcessLookupError):
        os.kill(worker_pid, 0)  # the worker stopped with the server


def test_serve_refuses_a_database_that_is_not_migrated(tmp_path):
    result = run_kehu("serve", "--port", "1", data_dir=tmp_path)
    assert result.returncode == 1
    assert "kehu init" in result.stderr


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("first", "last", "shown"),
    [("建国", "周", "周建国"), ("Jane", "Doe", "Jane Doe"), ("", "", "li.lei")],
)
def test_names_are_shown_in_their_own_order(first, last, shown):
    from kehu.accounts.names import display_name

    user = get_user_model()(username="li.lei", first_name=first, last_name=last)
    assert display_name(user) == shown
