import io
import shutil

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from rich.console import Console
from rich.table import Table

from kehu.customers.models import Customer
from kehu.customers.selectors import customers_visible_to
from kehu.quality.duplicates import DEFAULT_THRESHOLD, find_duplicates


class Command(BaseCommand):
    help = "List probable duplicate customers with their score and reasons, best first."

    def add_arguments(self, parser):
        parser.add_argument(
            "--min-score",
            type=int,
            default=DEFAULT_THRESHOLD,
            help=f"Only pairs scoring at least this (1–100, default {DEFAULT_THRESHOLD}).",
        )
        parser.add_argument(
            "--user",
            help="Only customers this user may see (default: every customer, as the server's "
            "operator sees them).",
        )

    def handle(self, *args, **options):
        min_score = options["min_score"]
        if not 1 <= min_score <= 100:
            raise CommandError(_("--min-score must be between 1 and 100."))
        customers = Customer.objects.all()  # the operator of the server sees everything
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None or not user.is_active:
                raise CommandError(_("No active user %(name)s.") % {"name": options["user"]})
            customers = customers_visible_to(user)
        pairs = find_duplicates(customers, threshold=min_score)
        table = Table(title=_("Probable duplicates"))
        for heading in (_("Score"), _("Customer"), _("Probably the same as"), _("Reasons")):
            table.add_column(heading)
        for pair in pairs:
            table.add_row(
                str(pair.score),
                f"{pair.left.code} {pair.left.name}",
                f"{pair.right.code} {pair.right.name}",
                "; ".join(reason.text for reason in pair.reasons),
            )
        width = max(shutil.get_terminal_size((120, 24)).columns, 100)
        console = Console(file=io.StringIO(), width=width, color_system=None)
        console.print(table)
        self.stdout.write(console.file.getvalue(), ending="")
        self.stdout.write(_("%(count)d pairs.") % {"count": len(pairs)})
