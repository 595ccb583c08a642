"""``manage.py demo`` (and ``kehu demo``): load the demo data into an empty database."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext_lazy as _

from kehu.core.errors import ServiceError
from kehu.core.management.progress import progress_bar
from kehu.demo.bulk import bulk_load
from kehu.demo.generator import DEFAULT_SEED, NAME_CAPACITY
from kehu.demo.loader import DEMO_PASSWORD, EXPIRY_WINDOW_DAYS, demo_load


class Command(BaseCommand):
    @property
    def help(self):
        # argparse needs a str, and translating here (not at import) follows the language.
        return str(
            _(
                "Load demo data into a database without customers: users of every role, the "
                "class and region trees, the small lists and realistic customers."
            )
        )

    def add_arguments(self, parser):
        parser.add_argument(
            "--customers",
            type=int,
            default=200,
            help=str(_("Number of customers to create (default %(default)s).")),
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help=str(
                _("Random seed: the same seed gives the same customers (default %(default)s).")
            ),
        )

        parser.add_argument(
            "--bulk",
            action="store_true",
            help=str(
                _(
                    "Write the customers set-based, without the services' checks and per-row "
                    "history: for hundreds of thousands of customers (benchmarks)."
                )
            ),
        )

    def handle(self, *args, customers, seed, verbosity, bulk, **options):
        if not 1 <= customers <= NAME_CAPACITY:
            raise CommandError(
                _("--customers must be between 1 and %(max)d.") % {"max": NAME_CAPACITY}
            )
        # rich draws the bar on the raw stream: Django's wrapper would end every update with
        # a newline.
        stream = getattr(self.stdout, "_out", self.stdout) if verbosity > 0 else None
        if bulk:
            self._bulk(customers, seed, verbosity)
            return
        try:
            summary = demo_load(customers=customers, seed=seed, stdout=stream)
        except ServiceError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Demo data loaded in %(seconds).1f s: %(customers)d customers "
                    "(%(branches)d branches, %(deactivated)d deactivated), %(contacts)d "
                    "contacts, %(documents)d documents (%(expiring)d expired or expiring within "
                    "%(days)d days), %(users)d new users."
                )
                % {
                    "seconds": summary.seconds,
                    "customers": summary.customers,
                    "branches": summary.branches,
                    "deactivated": summary.deactivated,
                    "contacts": summary.contacts,
                    "documents": summary.documents,
                    "expiring": summary.expiring_documents,
                    "days": EXPIRY_WINDOW_DAYS,
                    "users": len(summary.users_created),
                }
            )
        )
        sales = summary.sales
        self.stdout.write(
            _(
                "Sales documents of the last two years: %(orders)d orders, %(invoices)d "
                "invoices, %(receipts)d receipts."
            )
            % {"orders": sales.orders, "invoices": sales.invoices, "receipts": sales.receipts}
        )
        if sales.refused:
            self.stdout.write(
                _("Credit control refused %(count)d of the demo's orders and invoices.")
                % {"count": sales.refused}
            )
        if summary.users_created:
            self.stdout.write(
                _("Log in as %(users)s with the password %(password)s.")
                % {"users": ", ".join(summary.users_created), "password": DEMO_PASSWORD}
            )
        if summary.users_kept:
            self.stdout.write(
                _("These users existed already and keep their password: %(users)s.")
                % {"users": ", ".join(summary.users_kept)}
            )

    def _bulk(self, customers: int, seed: int, verbosity: int) -> None:
        try:
            with progress_bar(_("Customers"), self.stdout, verbosity, total=customers) as advance:
                summary = bulk_load(customers=customers, seed=seed, progress=advance)
        except ServiceError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Demo data loaded in bulk in %(seconds).1f s: %(customers)d customers "
                    "(%(rate).0f per second), %(rows)d rows in all."
                )
                % {
                    "seconds": summary.seconds,
                    "customers": summary.customers,
                    "rate": summary.customers_per_second,
                    "rows": sum(summary.rows.values()),
                }
            )
        )
