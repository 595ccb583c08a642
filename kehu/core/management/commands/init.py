import getpass
import sys

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from kehu.accounts.services import user_create


def database_is_new() -> bool:
    """True when no migration has ever been applied to the configured database."""
    recorder = MigrationRecorder(connection)
    return not recorder.has_table() or not recorder.migration_qs.exists()


class Command(BaseCommand):
    help = "Create or migrate the database; create the administrator if there is none."

    def add_arguments(self, parser):
        parser.add_argument("--admin-username", default="admin")
        parser.add_argument("--admin-email", default="")
        parser.add_argument(
            "--admin-password", help="Password of the administrator (asked for if omitted)."
        )
        parser.add_argument(
            "--no-input", action="store_true", help="Never prompt; skip what would need input."
        )
        parser.add_argument(
            "--demo",
            action="store_true",
            help="Load the demo data (with its users) if the database is new.",
        )

    def handle(self, *args, **options):
        new = database_is_new()
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write(
            f"Database {'created' if new else 'migrated'}: {connection.settings_dict['NAME']}"
        )
        from kehu.evaluation.services import scorecard_default_seed

        scorecard_default_seed()
        if options["demo"] and new:
            call_command("demo", stdout=self.stdout, stderr=self.stderr)
            return
        if get_user_model().objects.filter(is_superuser=True).exists():
            return
        password = options["admin_password"]
        if password is None:
            if options["no_input"] or not sys.stdin.isatty():
                self.stdout.write(
                    "No administrator yet: run 'kehu init --admin-password ...' or "
                    "'kehu user create USERNAME --role administrator --superuser'."
                )
                return
            password = getpass.getpass("Administrator password: ")
            if password != getpass.getpass("Again: "):
                raise CommandError("The passwords differ.")
        try:
            user_create(
                username=options["admin_username"],
                email=options["admin_email"],
                password=password,
                roles=["administrator"],
                is_superuser=True,
            )
        except ValidationError as exc:
            raise CommandError(_format(exc)) from exc
        self.stdout.write(f"Administrator '{options['admin_username']}' created.")


def _format(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items())
    return " ".join(exc.messages)
