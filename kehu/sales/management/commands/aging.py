"""``kehu aging [--as-of DATE] [--group-by G] [query options] [--output FILE]``: the
receivables report (SPEC §4) over the customers of a query, as a table or a file."""

import datetime
import io
import shutil
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from rich.console import Console
from rich.table import Table

from kehu.customers.exports import write_csv, write_xlsx
from kehu.customers.filters import ConditionError, filter_with_saved
from kehu.customers.management.commands.export import Command as ExportCommand
from kehu.customers.management.commands.export import _condition_text, _conditions
from kehu.customers.models import Customer
from kehu.customers.selectors import customers_visible_to
from kehu.sales.receivables import GROUP_BY_CHOICES, receivables_report, report_rows


class Command(BaseCommand):
    help = (
        "Aging of receivables as of a date (default today): per customer or grouped by "
        "class, region, salesperson, department or credit grade, over the customers of a "
        "query (the options of kehu export). With --user, that user's data scope applies; "
        "without it, every customer. Printed as a table, or written to --output FILE "
        "(.xlsx or .csv)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--as-of", dest="as_of", help="The date, YYYY-MM-DD (default today).")
        parser.add_argument(
            "--group-by", dest="group_by", choices=GROUP_BY_CHOICES, default="customer"
        )
        parser.add_argument("--output", help="Write the report to this .xlsx or .csv file.")
        parser.add_argument("--language", choices=("zh-hans", "en"), help="Header language.")
        parser.add_argument("--user", help="Report as this user: their data scope applies.")
        exporter = ExportCommand()
        # The query options of kehu export (not its file options).
        full = exporter.create_parser("kehu", "export")
        for group in full._action_groups:
            if group.title and group.title.startswith("query options"):
                mine = parser.add_argument_group(group.title)
                for action in group._group_actions:
                    mine._add_action(action)

    def handle(self, *args, **options):
        as_of = self._date(options["as_of"])
        user = ExportCommand._user(options["user"])
        if user is not None and not user.has_perm("sales.view_salesinvoice"):
            raise CommandError(
                _("User %(name)s may not view sales invoices.") % {"name": options["user"]}
            )
        saved = ExportCommand._saved(options["saved"], user) if options["saved"] else None
        try:
            filters = filter_with_saved(_conditions(options), user, saved)
        except ConditionError as error:
            raise CommandError(_condition_text(error)) from error
        customers = Customer.objects.all() if user is None else customers_visible_to(user)
        report = receivables_report(filters.apply(customers), as_of, options["group_by"])
        rows = report_rows(report, options["language"])
        if options["output"]:
            self._write(Path(options["output"]), rows)
            self.stdout.write(
                _("%(count)d rows written to %(path)s.")
                % {"count": len(report.rows), "path": options["output"]}
            )
            return
        header = next(rows)
        table = Table(title=_("Aging as of %(date)s") % {"date": as_of.isoformat()})
        for index, title in enumerate(header):
            table.add_column(str(title), justify="right" if index >= 3 else "left")
        for row in rows:
            table.add_row(*["" if cell is None else str(cell) for cell in row])
        buffer = io.StringIO()
        width = max(shutil.get_terminal_size().columns, 200)
        Console(file=buffer, width=width, force_terminal=False).print(table)
        self.stdout.write(buffer.getvalue())

    @staticmethod
    def _date(text: str | None) -> datetime.date:
        if not text:
            return timezone.localdate()
        try:
            return datetime.date.fromisoformat(text.strip())
        except ValueError:
            raise CommandError(
                _("--as-of: %(value)s is not a date (YYYY-MM-DD).") % {"value": text}
            ) from None

    @staticmethod
    def _write(path: Path, rows) -> None:
        if not path.parent.is_dir():
            raise CommandError(_("There is no directory %(path)s.") % {"path": path.parent})
        try:
            with path.open("wb") as file:
                if path.suffix.lower() == ".csv":
                    write_csv(rows, file)
                else:
                    write_xlsx(rows, file, sheet_name="aging")
        except OSError as exc:
            raise CommandError(str(exc)) from exc
