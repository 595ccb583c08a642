import getpass
import sys

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from kehu.accounts.choices import ScopeKind
from kehu.accounts.roles import ROLES
from kehu.accounts.scopes import describe_scope, effective_scope
from kehu.accounts.services import user_create
from kehu.core.management.commands.init import _format


def _codes(text: str) -> list[str]:
    return [code.strip() for code in text.split(",") if code.strip()]


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
        create.add_argument(
            "--scope",
            choices=ScopeKind.values,
            help="The customers the user sees (default: by role: administrator, credit "
            "controller and auditor all, sales manager department, others own).",
        )
        create.add_argument(
            "--department",
            help="Department code for --scope department (default: the department of the "
            "user's salesperson record).",
        )
        create.add_argument(
            "--classes", default="", help="Comma-separated class codes for --scope classes."
        )
        create.add_argument(
            "--regions", default="", help="Comma-separated region codes for --scope regions."
        )
        actions.add_parser("list", help="List users with their roles and data scopes.")

    def handle(self, *args, **options):
        if options["action"] == "list":
            users = (
                get_user_model()
                .objects.select_related("data_scope__department", "salesperson__department")
                .prefetch_related("groups", "data_scope__classes", "data_scope__regions")
                .order_by("username")
            )
            for user in users:
                roles = ", ".join(g.name for g in user.groups.all())
                flags = " (superuser)" if user.is_superuser else ""
                flags += "" if user.is_active else " (inactive)"
                scope = describe_scope(effective_scope(user)) if user.is_active else "none"
                self.stdout.write(f"{user.username}\t{roles}{flags}\tscope: {scope}")
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
                scope=options["scope"],
                scope_department=options["department"],
                scope_classes=_codes(options["classes"]),
                scope_regions=_codes(options["regions"]),
            )
        except ValidationError as exc:
            raise CommandError(_format(exc)) from exc
        self.stdout.write(f"User '{user.username}' created.")
