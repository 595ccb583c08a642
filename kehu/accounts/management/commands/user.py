import getpass
import sys

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from kehu.accounts.roles import ROLES
from kehu.accounts.services import user_create
from kehu.core.management.commands.init import _format


class Command(BaseCommand):
    help = "Create and list users."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="Create a user.")
        create.add_argument("username")
        create.add_argument("--password", help="Asked for if omitted.")
        create.add_argument("--email", default="")
        create.add_argument("--first-name", default="")
        create.add_argument("--last-name", default="")
        create.add_argument(
            "--role",
            action="append",
            default=[],
            choices=list(ROLES),
            help="A role; repeat for several.",
        )
        create.add_argument("--superuser", action="store_true")
        actions.add_parser("list", help="List users with their roles.")

    def handle(self, *args, **options):
        if options["action"] == "list":
            users = get_user_model().objects.prefetch_related("groups").order_by("username")
            for user in users:
                roles = ", ".join(g.name for g in user.groups.all())
                flags = " (superuser)" if user.is_superuser else ""
                flags += "" if user.is_active else " (inactive)"
                self.stdout.write(f"{user.username}\t{roles}{flags}")
            return
        password = options["password"]
        if password is None:
            if not sys.stdin.isatty():
                raise CommandError("Give --password (no terminal to ask on).")
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Again: "):
                raise CommandError("The passwords differ.")
        try:
            user = user_create(
                username=options["username"],
                password=password,
                email=options["email"],
                first_name=options["first_name"],
                last_name=options["last_name"],
                roles=options["role"],
                is_superuser=options["superuser"],
            )
        except ValidationError as exc:
            raise CommandError(_format(exc)) from exc
        self.stdout.write(f"User '{user.username}' created.")
