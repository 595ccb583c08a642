"""Loading millions of sales documents fast, for benchmarks (issue 7: 100,000 customers with
2,000,000 documents).

The demo writes its documents through the sales services (``kehu.demo.ledger.ledger_post``):
tens of queries a document, right for hundreds of customers. ``bulk_sales_load`` writes the
same kind of plans (``ledger_plan``, about 20 documents per customer by default: each invoice
made from an order, most paid) set-based, like ``kehu.demo.bulk``:

- the customers already loaded are read in batches of primary keys, each batch's plans
  turned into rows of orders, invoices, receipts and settlements with explicit primary keys
  and their cached amounts (an invoice's open amount, a receipt's unapplied amount, an
  order's invoiced amount) computed from the plan, and each table written in one statement
  per batch (``executemany`` on SQLite, ``COPY`` on PostgreSQL);
- then every customer's maintained figures are set by one ``UPDATE`` with grouped
  subqueries, following the definitions of ``kehu.sales.figures`` (so that
  ``kehu check-balances`` finds no difference);
- one transaction, one audit event with the counts (bulk writes send no signals), refused
  when the database holds documents already.

The plans settle each receipt against one invoice of its customer for at most what is open,
never before either document's date: the same rules the services enforce.
"""

import datetime
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import DecimalField, Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kehu.audit.context import audit_context
from kehu.audit.models import AuditAction
from kehu.audit.services import event_record
from kehu.core.errors import ConflictError
from kehu.customers.models import MONEY, Customer
from kehu.demo import ledger
from kehu.demo.bulk import _insert, database_analyze
from kehu.masterdata.models import Currency
from kehu.sales.choices import InvoiceStatus, OrderStatus, ReceiptStatus, SettlementStatus
from kehu.sales.figures import figures_updates
from kehu.sales.models import Receipt, SalesInvoice, SalesOrder, Settlement

BATCH_CUSTOMERS = 5000
INVOICES = 10.0  # a buying customer's mean invoices: with orders and receipts, ~20 documents
ZERO = Decimal("0.00")
_MONEY = DecimalField(**MONEY)
MODELS = (SalesOrder, SalesInvoice, Receipt, Settlement)
COLUMNS = {
    SalesOrder: (
        "id", "created_at", "updated_at", "number", "customer_id", "date", "amount",
        "currency_id", "status", "invoiced_amount", "cancelled_on",
    ),
    SalesInvoice: (
        "id", "created_at", "updated_at", "number", "customer_id", "date", "amount",
        "currency_id", "due_date", "status", "open_amount", "order_id",
    ),
    Receipt: (
        "id", "created_at", "updated_at", "number", "customer_id", "date", "amount",
        "currency_id", "status", "unapplied_amount",
    ),
    Settlement: (
        "id", "created_at", "updated_at", "customer_id", "receipt_id", "invoice_id", "amount",
        "date", "status", "reversed_on",
    ),
}  # fmt: skip


@dataclass
class BulkSalesSummary:
    """What ``bulk_sales_load`` wrote, and how long its parts took (seconds)."""

    customers: int = 0
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows written
    seconds: float = 0.0
    write_seconds: float = 0.0
    figures_seconds: float = 0.0
    operation_id: str = ""

    @property
    def documents(self) -> int:
        return sum(self.rows.get(model._meta.db_table, 0) for model in MODELS[:3])


def bulk_sales_load(
    *,
    seed: int = 2026,
    reference_date: datetime.date | None = None,
    invoices: float = INVOICES,
    batch_size: int = BATCH_CUSTOMERS,
    analyze: bool = True,
    progress: Callable[[int], None] | None = None,
) -> BulkSalesSummary:
    """Write two years of documents for every customer of the database, then their figures.

    Deterministic for a seed and reference date (the plans of ``kehu.demo.ledger``).
    ``progress(n)`` is called after each batch of ``n`` customers.
    """
    started = time.perf_counter()
    today = reference_date or timezone.localdate()
    summary = BulkSalesSummary(operation_id=f"bulk-sales-{uuid.uuid4().hex[:12]}")
    with transaction.atomic():
        present = sum(model.objects.count() for model in MODELS[:3])
        if present:
            raise ConflictError(
                _(
                    "The database already holds %(count)d sales documents: documents are "
                    "loaded in bulk only into a database without any."
                ),
                code="not_empty",
                params={"count": present},
            )
        writer = _Writer()
        last = 0
        while True:
            batch = _profiles_after(last, batch_size)
            if not batch:
                break
            last = batch[-1].id
            writing = time.perf_counter()
            writer.write(
                [
                    ledger.ledger_plan(
                        profile, today=today, seed=seed, invoices=invoices, order_share=1.0
                    )
                    for profile in batch
                ]
            )
            summary.write_seconds += time.perf_counter() - writing
            summary.customers += len(batch)
            if progress is not None:
                progress(len(batch))
        writer.finish()
        figures = time.perf_counter()
        figures_store()
        summary.figures_seconds = time.perf_counter() - figures
        summary.rows = dict(writer.rows)
        with audit_context(operation_id=summary.operation_id):
            event_record(
                action=AuditAction.CREATE,
                changes={table: [None, count] for table, count in writer.rows.items()},
            )
    if analyze:
        database_analyze()
    summary.seconds = time.perf_counter() - started
    return summary


def _profiles_after(last: int, size: int) -> list[ledger.Profile]:
    return ledger.profiles(Customer.objects.filter(pk__gt=last).order_by("pk")[:size])


class _Writer:
    """Turns plans into table rows with explicit primary keys, a batch at a time."""

    def __init__(self):
        self.now = connection.ops.adapt_datetimefield_value(timezone.now())
        self.currencies = dict(Currency.objects.values_list("code", "pk"))
        self.base_currency = self.currencies.get(settings.KEHU_BASE_CURRENCY)
        self.next_id = {model: 1 + _max_id(model) for model in MODELS}
        self.rows: dict[str, int] = {}

    def _id(self, model) -> int:
        pk = self.next_id[model]
        self.next_id[model] = pk + 1
        return pk

    def write(self, plans: list[ledger.LedgerPlan]) -> None:
        rows = {model: [] for model in MODELS}
        now = self.now
        for plan in plans:
            customer = plan.profile.id
            currency = self.currencies.get(plan.profile.currency, self.base_currency)
            order_ids = {}
            for order in plan.orders:
                pk = order_ids[order.number] = self._id(SalesOrder)
                cancelled = order.status == OrderStatus.CANCELLED
                invoiced = order.invoiced if not cancelled else ZERO
                rows[SalesOrder].append(
                    (pk, now, now, order.number, customer, order.date, order.amount, currency,
                     order.status, invoiced, order.closed_on if cancelled else None)
                )  # fmt: skip
            invoice_ids = {}
            for invoice in plan.invoices:
                pk = invoice_ids[invoice.number] = self._id(SalesInvoice)
                order = order_ids[invoice.order.number] if invoice.order else None
                rows[SalesInvoice].append(
                    (pk, now, now, invoice.number, customer, invoice.date, invoice.amount,
                     currency, invoice.due_date, InvoiceStatus.POSTED,
                     invoice.amount - invoice.paid, order)
                )  # fmt: skip
            for receipt in plan.receipts:
                pk = self._id(Receipt)
                rows[Receipt].append(
                    (pk, now, now, receipt.number, customer, receipt.date, receipt.amount,
                     currency, ReceiptStatus.POSTED, ZERO)
                )  # fmt: skip
                rows[Settlement].append(
                    (self._id(Settlement), now, now, customer, pk,
                     invoice_ids[receipt.invoice.number], receipt.amount,
                     max(receipt.date, receipt.invoice.date), SettlementStatus.ACTIVE, None)
                )  # fmt: skip
        for model in MODELS:
            _insert(model, list(COLUMNS[model]), rows[model])
            table = model._meta.db_table
            self.rows[table] = self.rows.get(table, 0) + len(rows[model])

    def finish(self) -> None:
        """Move PostgreSQL's id sequences past the rows written with explicit ids."""
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), list(MODELS)):
                cursor.execute(sql)


def _max_id(model) -> int:
    return model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def figures_store() -> int:
    """Set every customer's maintained figures from its documents, in one ``UPDATE`` (the
    definitions of ``kehu.sales.figures``); returns the number of customers updated.

    Only customers with documents are written: the others keep the figures of a customer
    without any (zero balances, no dates), which is what they are.
    """
    with_documents = Customer.objects.filter(
        Exists(SalesOrder.objects.filter(customer=OuterRef("pk")))
        | Exists(SalesInvoice.objects.filter(customer=OuterRef("pk")))
        | Exists(Receipt.objects.filter(customer=OuterRef("pk")))
    )
    return with_documents.update(**figures_updates())
