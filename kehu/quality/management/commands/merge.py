import io
import shutil

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from rich.console import Console
from rich.table import Table

from kehu.core.errors import ServiceError
from kehu.customers.models import Customer
from kehu.customers.selectors import customers_visible_to
from kehu.quality.merge import OTHER, SURVIVOR, customer_merge, customer_merge_preview


def _keys(value: str | None) -> list[str]:
    return [key.strip() for key in (value or "").split(",") if key.strip()]


class Command(BaseCommand):
    help = (
        "Merge the customer OTHER_CODE into SURVIVOR_CODE (SPEC §7): the survivor keeps its "
        "code and, per field, its own value (the other's where its own is empty) unless "
        "--take names the field; contacts, addresses, bank accounts, documents, branches and "
        "documents of other apps move to it; OTHER_CODE is deleted. Shows what it does first."
    )

    def add_arguments(self, parser):
        parser.add_argument("survivor", metavar="SURVIVOR_CODE")
        parser.add_argument("other", metavar="OTHER_CODE")
        parser.add_argument(
            "--take",
            metavar="FIELD,...",
            help="Fields whose value is taken from OTHER_CODE, e.g. name,phone,"
            "user_fields.grade,contacts.primary.",
        )
        parser.add_argument(
            "--keep",
            metavar="FIELD,...",
            help="Fields whose value stays the survivor's even where it is empty.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Only show what the merge would do."
        )
        parser.add_argument(
            "--user",
            help="Merge as this user, with their permissions and data scope (default: the "
            "server's operator, who may do everything).",
        )

    def _customer(self, actor, code: str) -> Customer:
        customers = Customer.objects.all() if actor is None else customers_visible_to(actor)
        found = customers.filter(code=code).first()
        if found is None:
            raise CommandError(_("No customer %(code)s.") % {"code": code})
        return found

    def handle(self, *args, **options):
        actor = None
        if options["user"]:
            actor = get_user_model().objects.filter(username=options["user"]).first()
            if actor is None or not actor.is_active:
                raise CommandError(_("No active user %(name)s.") % {"name": options["user"]})
        survivor = self._customer(actor, options["survivor"])
        other = self._customer(actor, options["other"])
        choices = dict.fromkeys(_keys(options["take"]), OTHER)
        choices.update(dict.fromkeys(_keys(options["keep"]), SURVIVOR))
        try:
            preview = customer_merge_preview(actor=actor, survivor=survivor, other=other)
            self._show(preview, choices)
            if options["dry_run"]:
                return
            merged = customer_merge(
                actor=actor,
                survivor=survivor,
                other=other,
                choices=choices,
                expected_versions={survivor.pk: survivor.version, other.pk: other.version},
            )
        except ValidationError as exc:
            raise CommandError("; ".join(_messages(exc))) from exc
        except (ServiceError, PermissionDenied, Customer.DoesNotExist) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            _("%(other)s was merged into %(survivor)s.")
            % {"other": f"{other.code} {other.name}", "survivor": merged.code}
        )

    def _show(self, preview, choices: dict) -> None:
        table = Table(title=_("Values that differ"))
        for heading in (_("Field"), preview.survivor.code, preview.other.code, _("Kept")):
            table.add_column(heading)
        for choice in preview.differing:
            side = choices.get(choice.key, choice.default)
            kept = preview.survivor.code if side == SURVIVOR else preview.other.code
            table.add_row(choice.key, choice.survivor_text, choice.other_text, kept)
        width = max(shutil.get_terminal_size((120, 24)).columns, 100)
        console = Console(file=io.StringIO(), width=width, color_system=None)
        console.print(table)
        for move in preview.moves:
            if move.count:
                console.print(f"{move.label}: {move.count}")
        for conflict in preview.conflicts:
            console.print(f"! {conflict.message}")
        self.stdout.write(console.file.getvalue(), ending="")


def _messages(exc: ValidationError) -> list[str]:
    if not hasattr(exc, "error_dict"):
        return exc.messages
    return [
        f"{key}: {text}"
        for key, errors in exc.error_dict.items()
        for text in ValidationError(errors).messages
    ]
