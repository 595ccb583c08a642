from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from kehu.jobs.services import jobs_recover_interrupted

DB_BACKEND = "django_tasks_db.DatabaseBackend"


class Command(BaseCommand):
    help = (
        "Run background jobs (imports) from the database queue. Jobs left running by a worker "
        "that died are first marked failed ('interrupted')."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help="Seconds between looks at an empty queue (default 1).",
        )
        parser.add_argument("--batch", action="store_true", help="Run what is queued, then exit.")
        parser.add_argument(
            "--max-tasks", type=int, default=None, help="Exit after this many jobs."
        )

    def handle(self, *args, **options):
        backend = settings.TASKS.get("default", {}).get("BACKEND", "")
        if backend != DB_BACKEND:
            raise CommandError(
                f"The task backend is {backend}: run that backend's own workers "
                "(see docs/deployment.md)."
            )
        recovered = jobs_recover_interrupted()
        if recovered:
            self.stdout.write(f"{recovered} job(s) left running by a stopped worker: failed.")
        worker_options = {
            "interval": options["interval"],
            "batch": options["batch"],
            "reload": False,
            "startup_delay": False,
            "verbosity": options["verbosity"],
        }
        if options["max_tasks"]:
            worker_options["max_tasks"] = options["max_tasks"]
        call_command("db_worker", **worker_options)
