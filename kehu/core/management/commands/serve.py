import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from kehu.jobs.management.commands.worker import DB_BACKEND

# How long the other process may take to stop once one has stopped.
STOP_TIMEOUT = 30


class Command(BaseCommand):
    help = (
        "Serve Kehu with gunicorn, a production-grade WSGI server, and run the background-job "
        "worker beside it (--no-worker: run `kehu worker` elsewhere)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("KEHU_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("KEHU_PORT", "8000")))
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("KEHU_WORKERS", "2")),
            help="Number of worker processes (default 2).",
        )
        parser.add_argument("--timeout", type=int, default=120)
        parser.add_argument(
            "--no-worker",
            action="store_true",
            default=os.environ.get("KEHU_SERVE_WORKER", "1").strip().lower()
            in {"0", "false", "no", "off"},
            help="Do not start the background-job worker (env KEHU_SERVE_WORKER=0).",
        )

    def handle(self, *args, **options):
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            self.stderr.write("The database is not up to date: run 'kehu init' first.")
            sys.exit(1)
        connection.close()
        bind = f"{options['host']}:{options['port']}"
        self.stdout.write(f"Kehu serving on http://{bind}/ (data in {settings.DATA_DIR})")
        self.stdout.flush()
        gunicorn = [
            sys.executable,
            "-m",
            "gunicorn",
            "kehu.wsgi:application",
            "--bind",
            bind,
            "--workers",
            str(options["workers"]),
            "--timeout",
            str(options["timeout"]),
            "--access-logfile",
            "-",
            "--forwarded-allow-ips",
            "127.0.0.1",
        ]
        commands = {"gunicorn": gunicorn}
        if not options["no_worker"] and settings.TASKS["default"]["BACKEND"] == DB_BACKEND:
            commands["worker"] = [sys.executable, "-m", "kehu.cli", "worker"]
        sys.exit(supervise(commands, self.stdout))


def supervise(commands: dict[str, list[str]], out) -> int:
    """Run each command as a child process until one stops, then stop the others.

    SIGTERM, SIGINT and SIGHUP sent to this process are passed on (SIGHUP to gunicorn only: it
    reloads its workers). Answers the exit status of the first child that stopped, or 0 when
    asked to stop.
    """
    children = {
        name: subprocess.Popen(command)  # noqa: S603 - our own interpreter and modules
        for name, command in commands.items()
    }
    stopping = False

    def stop(signum, frame):
        nonlocal stopping
        stopping = True
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)

    def reload(signum, frame):
        if children["gunicorn"].poll() is None:
            children["gunicorn"].send_signal(signal.SIGHUP)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGHUP, reload)
    first = None
    while first is None:
        for name, child in children.items():
            if child.poll() is not None:
                first = name
                break
        else:
            time.sleep(0.2)
    if not stopping:
        out.write(f"kehu serve: {first} stopped (status {children[first].returncode}); stopping.")
        out.flush()
        stop(signal.SIGTERM, None)
    deadline = time.monotonic() + STOP_TIMEOUT
    for child in children.values():
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
    return 0 if stopping else (children[first].returncode or 1)
