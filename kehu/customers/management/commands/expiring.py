import io
import shutil

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from rich.console import Console
from rich.table import Table

from kehu.customers.models import QualificationDocument
from kehu.customers.overview import expiry_text
from kehu.customers.selectors import EXPIRY_FILTERS, documents_due, documents_visible_to


class Command(BaseCommand):
    help = (
        "List the qualification documents that have expired or expire within their days of "
        "advance warning, soonest expiry first."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--status",
            choices=tuple(EXPIRY_FILTERS),
            default="all",
            help="expired, expiring (within the warning days) or all of both (default).",
        )
        parser.add_argument(
            "--user",
            help="Only documents of customers this user may see (default: every customer, as "
            "the server's operator sees them).",
        )

    def handle(self, *args, **options):
        documents = QualificationDocument.objects.all()  # the server's operator sees everything
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None or not user.is_active:
                raise CommandError(_("No active user %(name)s.") % {"name": options["user"]})
            documents = documents_visible_to(user)
        today = timezone.localdate()
        due = list(documents_due(documents, options["status"], today))
        table = Table(title=_("Documents due for renewal"))
        for name in ("customer", "kind", "number", "valid_to", "warn_days"):
            table.add_column(str(QualificationDocument._meta.get_field(name).verbose_name))
        table.add_column(_("Status"))
        for document in due:
            table.add_row(
                f"{document.customer.code} {document.customer.name}",
                document.get_kind_display(),
                document.number,
                document.valid_to.isoformat(),
                str(document.warn_days),
                expiry_text(document, today),
            )
        width = max(shutil.get_terminal_size((120, 24)).columns, 100)
        console = Console(file=io.StringIO(), width=width, color_system=None)
        console.print(table)
        self.stdout.write(console.file.getvalue(), ending="")
        self.stdout.write(_("%(count)d documents.") % {"count": len(due)})
