import os
import sys

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


class Command(BaseCommand):
    help = "Serve Kehu with gunicorn, a production-grade WSGI server."

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

    def handle(self, *args, **options):
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            self.stderr.write("The database is not up to date: run 'kehu init' first.")
            sys.exit(1)
        connection.close()
        bind = f"{options['host']}:{options['port']}"
        self.stdout.write(f"Kehu serving on http://{bind}/ (data in {settings.DATA_DIR})")
        self.stdout.flush()
        args = [
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
        os.execv(sys.executable, args)  # noqa: S606 - replaces this process with gunicorn
