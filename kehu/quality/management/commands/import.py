"""``kehu import FILE [--dry-run] [--skip-errors] [--user U] [--report R]`` (SPEC §7, §8)."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from kehu.customers.exports import header_language, write_csv
from kehu.quality.importing import import_file
from kehu.quality.importing.report import error_rows
from kehu.quality.importing.sheets import SHEETS_BY_KEY

MAX_ERRORS_SHOWN = 200


class Command(BaseCommand):
    help = (
        "Import customers (and classes, regions, contacts, addresses, sales orders, invoices, "
        "receipts) from FILE: the canonical "
        "workbook (.xlsx) or a CSV file of the customer sheet. All or nothing unless "
        "--skip-errors; --dry-run validates and lists the changes without writing. The exit "
        "status is 1 when any row was refused."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The workbook (.xlsx) or CSV file to import.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Validate and report; write nothing."
        )
        parser.add_argument(
            "--skip-errors",
            action="store_true",
            help="Write every valid row; refuse only the bad ones (and rows depending on them).",
        )
        parser.add_argument(
            "--user", help="Import as this user: their permissions and data scope apply."
        )
        parser.add_argument("--report", help="Write the refused rows to this CSV file.")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("There is no file %(path)s.") % {"path": path})
        user = self._user(options["user"])
        out = getattr(self.stdout, "_out", self.stdout)
        console = Console(file=out, width=None if out.isatty() else 160)
        report = self._run(path, user, options)
        if options["report"]:
            with Path(options["report"]).open("wb") as file:
                write_csv(error_rows(report, header_language()), file)
        self._summary(console, report)
        if report.errors:
            self._errors(console, report)
            raise CommandError(
                _("%(count)d problems: see above.") % {"count": len(report.errors)}, returncode=1
            )

    def _run(self, path, user, options):
        err = getattr(self.stderr, "_out", self.stderr)
        kwargs = {
            "actor": user,
            "dry_run": options["dry_run"],
            "skip_errors": options["skip_errors"],
            "file_name": path.name,
        }
        if options["verbosity"] < 1 or not err.isatty():
            return import_file(path, **kwargs)
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
        with Progress(
            *columns, TimeRemainingColumn(), console=Console(file=err), transient=True
        ) as bar:
            task = bar.add_task(_("Reading…"), total=None)

            def progress(done, total, stage):
                bar.update(task, completed=done, total=total or None, description=stage)

            return import_file(path, progress=progress, **kwargs)

    def _summary(self, console, report):
        table = Table(title=report.file_name)
        for title in (_("Sheet"), _("Created"), _("Updated"), _("Unchanged"), _("Refused")):
            table.add_column(title, justify="left" if title == _("Sheet") else "right")
        for key, counts in report.sheets.items():
            spec = SHEETS_BY_KEY.get(key)
            table.add_row(
                spec.title(header_language()) if spec else key,
                str(counts.created),
                str(counts.updated),
                str(counts.unchanged),
                str(counts.rejected),
            )
        console.print(table)
        for warning in report.warnings:
            console.print(warning, markup=False)
        if report.written:
            message = _("Imported; operation %(id)s.") % {"id": report.operation_id}
        elif report.dry_run:
            message = _("Dry run: nothing was written.")
        else:
            message = _("Nothing was written: fix the rows below, or use --skip-errors.")
        console.print(message, markup=False)

    def _errors(self, console, report):
        table = Table(title=_("Refused"))
        for title in (_("Sheet"), _("Line"), _("Column"), _("Reason")):
            table.add_column(title, overflow="fold")
        for error in report.errors[:MAX_ERRORS_SHOWN]:
            spec = SHEETS_BY_KEY.get(error.sheet)
            table.add_row(
                spec.title(header_language()) if spec else error.sheet,
                str(error.line),
                error.column,
                error.message,
            )
        console.print(table)
        if len(report.errors) > MAX_ERRORS_SHOWN:
            console.print(
                _("… and %(count)d more (see --report).")
                % {"count": len(report.errors) - MAX_ERRORS_SHOWN},
                markup=False,
            )

    @staticmethod
    def _user(username):
        if username is None:
            return None
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(_("There is no active user %(name)s.") % {"name": username})
        if not (
            user.has_perm("customers.add_customer") and user.has_perm("customers.change_customer")
        ):
            raise CommandError(
                _("User %(name)s may not add and change customers.") % {"name": username}
            )
        return user
