"""Aging of all customers as of a date (issue 7): 100,000 customers with 2,000,000 documents,
≤ 5 s on SQLite and on PostgreSQL.

The documents are written straight into the tables (one ``executemany`` / ``COPY`` per batch,
like ``kehu.demo.bulk``), 20 per customer: 4 orders, 8 invoices, 5 receipts and 3
settlements, dated over two years before the reference date, some invoices cancelled (30
days after their date) and some settlements reversed, so that every condition of the as-of
rules has rows to read, none after the reference date. The cached amounts (an invoice's open
amount, a receipt's unapplied amount) are consistent with the settlements: aging reads them
for the customers none of whose documents changed after its date.
"""

import datetime
import random
from decimal import Decimal

from bench.measure import Result, timed

CUSTOMERS = 100_000
SECONDS = 5.0
BATCH = 20_000


def _documents(customer_ids: list[int], currency_id: int, seed: int, today: datetime.date):
    from django.utils import timezone

    from kehu.demo.bulk import _insert
    from kehu.sales.models import Receipt, SalesInvoice, SalesOrder, Settlement

    rng = random.Random(seed)
    now = timezone.now()
    stamp = ["created_at", "updated_at"]
    doc = ["number", "customer_id", "date", "amount", "currency_id"]
    invoice_id = (SalesInvoice.objects.order_by("-pk").values_list("pk", flat=True).first()) or 0
    receipt_id = (Receipt.objects.order_by("-pk").values_list("pk", flat=True).first()) or 0
    for start in range(0, len(customer_ids), BATCH // 20):
        orders, invoices, receipts, settlements = [], [], [], []
        for customer_id in customer_ids[start : start + BATCH // 20]:

            def head(kind, k, day, amount, customer_id=customer_id):
                return (f"{kind}{customer_id}-{k}", customer_id, day, amount, currency_id, now, now)

            for k in range(4):
                day = today - datetime.timedelta(days=rng.randrange(730))
                amount = Decimal(rng.randrange(1000, 500000)) / 100
                orders.append((*head("O", k, day, amount), "open" if k else "closed", Decimal(0)))
            mine = []
            for k in range(8):
                day = today - datetime.timedelta(days=rng.randrange(730))
                due = day + datetime.timedelta(days=rng.choice((0, 30, 60, 90)))
                amount = Decimal(rng.randrange(1000, 500000)) / 100
                status = "cancelled" if rng.random() < 0.05 else "posted"
                invoice_id += 1
                cancelled_on = (
                    min(today, day + datetime.timedelta(days=30)) if status == "cancelled" else None
                )
                mine.append([invoice_id, day, amount, due, status, cancelled_on, k, amount])
            for k in range(5):
                day = today - datetime.timedelta(days=rng.randrange(730))
                amount = Decimal(rng.randrange(1000, 300000)) / 100
                receipt_id += 1
                unapplied = amount
                invoice = mine[k] if k < 3 else None
                if invoice is not None and invoice[4] == "posted":  # never a cancelled one
                    invoice_day, invoice_amount = invoice[1], invoice[2]
                    settled_on = max(day, invoice_day)
                    reversed_on = (
                        min(today, settled_on + datetime.timedelta(days=10))
                        if rng.random() < 0.05
                        else None
                    )
                    part = min(amount, invoice_amount)
                    if reversed_on is None:  # the maintained amounts count active ones
                        unapplied -= part
                        invoice[7] -= part
                    settlements.append(
                        (
                            customer_id,
                            receipt_id,
                            invoice[0],
                            part,
                            settled_on,
                            "reversed" if reversed_on else "active",
                            reversed_on,
                            now,
                            now,
                        )
                    )
                receipts.append((*head("R", k, day, amount), receipt_id, "posted", unapplied))
            for invoice_id_, day, amount, due, status, cancelled_on, k, open_amount in mine:
                row = (invoice_id_, due, status, open_amount, None, cancelled_on)
                invoices.append((*head("I", k, day, amount), *row))
        _insert(SalesOrder, [*doc, *stamp, "status", "invoiced_amount"], orders)
        _insert(
            SalesInvoice,
            [*doc, *stamp, "id", "due_date", "status", "open_amount", "order_id", "cancelled_on"],
            invoices,
        )
        _insert(Receipt, [*doc, *stamp, "id", "status", "unapplied_amount"], receipts)
        _insert(
            Settlement,
            [
                "customer_id",
                "receipt_id",
                "invoice_id",
                "amount",
                "date",
                "status",
                "reversed_on",
                *stamp,
            ],
            settlements,
        )


def _load(context, today: datetime.date) -> int:
    """Documents for the first 100,000 customers (by id), unless they are there already."""
    from django.db import connection, transaction

    from kehu.customers.models import Customer
    from kehu.demo.bulk import database_analyze
    from kehu.masterdata.models import Currency
    from kehu.sales.models import SalesInvoice

    ids = list(Customer.objects.order_by("pk").values_list("pk", flat=True)[:CUSTOMERS])
    if SalesInvoice.objects.filter(number__startswith="I").exists():
        return len(ids)
    currency = Currency.objects.get(code="CNY")
    with transaction.atomic():
        _documents(ids, currency.pk, context.seed, today)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('sales_salesinvoice', 'id'), "
                "(SELECT MAX(id) FROM sales_salesinvoice))"
            )
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('sales_receipt', 'id'), "
                "(SELECT MAX(id) FROM sales_receipt))"
            )
    database_analyze()
    return len(ids)


def run(context) -> list[Result]:
    from django.db.models import Count

    from bench.worker import REFERENCE_DATE
    from kehu.customers.models import Customer
    from kehu.sales.aging import aging_by_customer
    from kehu.sales.models import Receipt, SalesInvoice, SalesOrder, Settlement
    from kehu.sales.receivables import receivables_report

    load_ms, _cpu, customers = timed(lambda: _load(context, REFERENCE_DATE))
    documents = sum(
        model.objects.aggregate(n=Count("pk"))["n"]
        for model in (SalesOrder, SalesInvoice, Receipt, Settlement)
    )
    note = "" if customers == CUSTOMERS else f"only {customers:,} customers at this scale"
    results = []
    everyone = Customer.objects.all()
    past = REFERENCE_DATE - datetime.timedelta(days=365)
    cases = (
        (
            "aging of all customers as of the reference date",
            lambda: aging_by_customer(everyone, REFERENCE_DATE),
        ),
        ("aging of all customers a year earlier", lambda: aging_by_customer(everyone, past)),
        (
            "receivables report by class (aging + grouping)",
            lambda: receivables_report(everyone, REFERENCE_DATE, "class"),
        ),
    )
    for name, work in cases:
        runs = [timed(work) for _ in range(max(1, min(context.repeat, 3)))]
        times = [wall / 1000 for wall, _cpu, _value in runs]
        worst = max(times)
        results.append(
            Result(
                module="aging",
                name=f"{name}, {customers:,} customers, {documents:,} documents",
                value=round(worst, 2),
                unit="s (slowest of runs)",
                target=f"≤ {SECONDS:g} s",
                passed=worst <= SECONDS,
                details={
                    "runs_s": [round(t, 2) for t in times],
                    # this process's CPU: on SQLite the query's own work too; on PostgreSQL
                    # the server's work is left out
                    "cpu_s": [round(cpu / 1000, 2) for _wall, cpu, _value in runs],
                    "documents_load_s": round(load_ms / 1000, 1),
                },
                note=note,
            )
        )
    return results
