import io
import shutil

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from rich.console import Console
from rich.table import Table

from kehu.sales.balances import balances_differences, balances_fix


class Command(BaseCommand):
    help = (
        "Recompute every customer's receivable balance, open order amount, last transaction "
        "and last receipt (and the open, unapplied and invoiced amounts of the documents) "
        "from the sales documents, and list every stored value that differs. Exit status 1 "
        "when any differs, unless --fix corrected them."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--fix",
            action="store_true",
            help="Store the recomputed values (each correction is recorded in the audit trail).",
        )

    def handle(self, *args, **options):
        differences = balances_differences()
        if not differences:
            self.stdout.write(_("No differences: the figures agree with the documents."))
            return
        table = Table(title=_("Differences from the documents"))
        for title in (_("Record"), _("Field"), _("Stored"), _("Recomputed")):
            table.add_column(title)
        for item in differences:
            table.add_row(
                f"{item.kind} {item.key}", item.field, _text(item.stored), _text(item.recomputed)
            )
        buffer = io.StringIO()
        width = max(shutil.get_terminal_size().columns, 120)
        Console(file=buffer, width=width, force_terminal=False).print(table)
        self.stdout.write(buffer.getvalue())
        if options["fix"]:
            balances_fix(differences)
            self.stdout.write(_("Corrected %(count)d values.") % {"count": len(differences)})
            return
        raise CommandError(
            _("%(count)d values differ from the documents.") % {"count": len(differences)},
            returncode=1,
        )


def _text(value) -> str:
    return "—" if value is None else str(value)
