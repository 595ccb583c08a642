"""A full evaluation run (issue 8): 100,000 customers with about 2,000,000 documents, ≤ 15 s
on SQLite, ≤ 10 s on PostgreSQL, and ≤ 2× a bare SQL aggregation of the same indicators.

The documents are the ``sales`` module's (``kehu.demo.bulk_sales``: about 20 per customer),
loaded here the same way when the database has none yet. Measured:

- **the run**: ``kehu.evaluation.services.evaluation_run`` as ``kehu evaluate`` calls it (the
  system as actor, the default scorecard, every customer, as of the reference date): the
  grouped reads, the scoring, ABC and RFM, and the writing of every customer's result (its
  indicators in one JSON column), in one transaction. The runs measured are deleted between
  passes (not timed; in SQL: deleting through the models would record an audit event per
  row), so that each pass writes into the same tables;
- **bare SQL**: one hand-written statement per database that computes every computed
  indicator's raw value for every customer (the same as-of rules as
  ``kehu.evaluation.indicators``) plus the latest manual ratings, fetched whole: what the
  run could not do with less reading. The ratio run / bare SQL is the run's overhead
  (scoring and writing the results). The bare SQL's values are compared with the run's own
  (``differences``: 0 when both compute the same indicators).
"""

import datetime

from bench.measure import Result, Timing, timed

MODULE = "evaluation"
TARGET_CUSTOMERS = 100_000
SECONDS = {"sqlite": 15.0, "postgresql": 10.0}
RATIO = 2.0
REPEAT = 3  # a pass reads every document and writes a row per customer

# {day(x)}: a date as days since 1970-01-01 in each dialect.
_DAY = {
    "sqlite": "CAST(julianday({}) - 2440587.5 AS INTEGER)",
    "postgresql": "({} - DATE '1970-01-01')",
}
# {unindexed(x)}: a column that no index should serve. SQLite (no STAT4) otherwise drives the
# settlements' join from the invoices' date index (migration sales.0006, for aging) and looks
# up every settlement of 700,000 invoices one by one: three times the CPU of a scan.
_UNINDEXED = {"sqlite": "+{}", "postgresql": "{}"}

# The raw values of kehu.evaluation.indicators, by hand (differences of sums rounded to the
# cent, as the ORM's decimals are: SQLite sums decimals as floats). Parameters: the date, the
# starts of the last 12 months and of the 12 before, the doubtful due date (180 days before
# the date), the date's day number.
BARE_SQL = """
WITH inv AS (
  SELECT customer_id,
    MAX(date) AS last_on,
    SUM(CASE WHEN date > %(start_12)s THEN 1 ELSE 0 END) AS count_12m,
    SUM(CASE WHEN date > %(start_12)s THEN amount ELSE 0 END) AS sales_12m,
    SUM(CASE WHEN date > %(start_24)s AND date <= %(start_12)s THEN amount ELSE 0 END)
      AS sales_prev,
    SUM(amount) AS invoiced,
    SUM(CASE WHEN due_date < %(as_of)s THEN amount ELSE 0 END) AS due_amount,
    SUM(CASE WHEN due_date < %(as_of)s THEN amount * (%(today)s - {due}) ELSE 0 END)
      AS due_days,
    SUM(CASE WHEN due_date < %(doubtful)s THEN amount ELSE 0 END) AS doubtful_amount
  FROM sales_salesinvoice
  WHERE status = 'posted' AND date <= %(as_of)s
  GROUP BY customer_id
), sett AS (
  SELECT s.customer_id,
    SUM(s.amount) AS settled,
    SUM(CASE WHEN i.due_date < %(as_of)s THEN s.amount ELSE 0 END) AS settled_due,
    SUM(CASE WHEN i.due_date < %(as_of)s AND s.date <= i.due_date THEN s.amount ELSE 0 END)
      AS on_time,
    SUM(CASE WHEN i.due_date < %(as_of)s AND {s_date} > {i_due}
        THEN s.amount * ({s_date} - {i_due}) ELSE 0 END) AS late_days,
    SUM(CASE WHEN i.due_date < %(as_of)s THEN s.amount * (%(today)s - {i_due}) ELSE 0 END)
      AS now_days,
    SUM(CASE WHEN i.due_date < %(doubtful)s THEN s.amount ELSE 0 END) AS settled_doubtful
  FROM sales_settlement s JOIN sales_salesinvoice i ON i.id = s.invoice_id
  WHERE s.date <= %(as_of)s AND i.status = 'posted' AND {i_date} <= %(as_of)s
    AND (s.status = 'active' OR (s.status = 'reversed' AND s.reversed_on > %(as_of)s))
  GROUP BY s.customer_id
), rec AS (
  SELECT customer_id, SUM(amount) AS received
  FROM sales_receipt WHERE status = 'posted' AND date <= %(as_of)s
  GROUP BY customer_id
), open_ AS (
  SELECT inv.customer_id, ROUND(inv.invoiced - COALESCE(sett.settled, 0), 2) AS open_amount,
    ROUND(inv.due_amount - COALESCE(sett.settled_due, 0), 2) AS overdue_open,
    ROUND(inv.doubtful_amount - COALESCE(sett.settled_doubtful, 0), 2) AS doubtful_open
  FROM inv LEFT JOIN sett ON sett.customer_id = inv.customer_id
)
SELECT c.id,
  COALESCE(c.registered_capital, c.annual_revenue) AS capital,
  c.founded_on,
  %(today)s - {last_on} AS recency_days,
  COALESCE(inv.count_12m, 0) AS invoices_12m,
  inv.sales_12m,
  CASE WHEN inv.sales_prev <> 0
    THEN (inv.sales_12m - inv.sales_prev) * 100.0 / inv.sales_prev END AS sales_growth,
  CASE WHEN inv.due_amount <> 0
    THEN COALESCE(sett.on_time, 0) * 100.0 / inv.due_amount END AS paid_on_time,
  CASE WHEN inv.due_amount <> 0
    THEN (COALESCE(sett.late_days, 0) + inv.due_days - COALESCE(sett.now_days, 0)) * 1.0
      / inv.due_amount END AS days_overdue,
  CASE WHEN open_.open_amount > 0 THEN open_.overdue_open * 100.0 / open_.open_amount
    WHEN inv.customer_id IS NOT NULL THEN 0 END AS overdue_share,
  CASE WHEN open_.open_amount > 0 THEN open_.doubtful_open * 100.0 / open_.open_amount
    WHEN inv.customer_id IS NOT NULL THEN 0 END AS doubtful_share,
  CASE WHEN c.credit_limit <> 0 THEN
    (CASE WHEN ROUND(COALESCE(inv.invoiced, 0) - COALESCE(rec.received, 0), 2) > 0
      THEN ROUND(COALESCE(inv.invoiced, 0) - COALESCE(rec.received, 0), 2) ELSE 0 END)
    * 100.0 / c.credit_limit END AS credit_use
FROM customers_customer c
LEFT JOIN inv ON inv.customer_id = c.id
LEFT JOIN sett ON sett.customer_id = c.id
LEFT JOIN rec ON rec.customer_id = c.id
LEFT JOIN open_ ON open_.customer_id = c.id
WHERE c.deactivated_on IS NULL OR c.deactivated_on > %(as_of)s
"""

# The latest rating per customer and manual indicator on or before the date.
RATINGS_SQL = """
SELECT customer_id, indicator_key, rating FROM (
  SELECT customer_id, indicator_key, rating, ROW_NUMBER() OVER (
    PARTITION BY customer_id, indicator_key ORDER BY rated_on DESC, id DESC) AS n
  FROM evaluation_manualrating WHERE rated_on <= %(as_of)s
) latest WHERE n = 1
"""


def bare_sql(vendor: str, as_of: datetime.date) -> tuple[str, dict]:
    """The hand-written statement of ``vendor`` and its parameters."""
    from kehu.evaluation.indicators import DOUBTFUL_DAYS, day_number, years_back

    day = _DAY[vendor].format
    sql = BARE_SQL.format(
        due=day("due_date"),
        s_date=day("s.date"),
        i_due=day("i.due_date"),
        last_on=day("inv.last_on"),
        i_date=_UNINDEXED[vendor].format("i.date"),
    )
    params = {
        "as_of": as_of,
        "start_12": years_back(as_of, 1),
        "start_24": years_back(as_of, 2),
        "doubtful": as_of - datetime.timedelta(days=DOUBTFUL_DAYS),
        "today": day_number(as_of),
    }
    if vendor == "sqlite":  # dates are stored as ISO text
        params = {
            key: value.isoformat() if isinstance(value, datetime.date) else value
            for key, value in params.items()
        }
    return sql, params


def bare_run(vendor: str, as_of: datetime.date) -> int:
    """The bare SQL aggregation, fetched whole: the number of customers."""
    from django.db import connection

    sql, params = bare_sql(vendor, as_of)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
        cursor.execute(RATINGS_SQL, {"as_of": params["as_of"]})
        cursor.fetchall()
    return len(rows)


RAW_KEYS = (
    "capital",
    "recency_days",
    "invoices_12m",
    "sales_growth",
    "paid_on_time",
    "days_overdue",
    "overdue_share",
    "doubtful_share",
    "credit_use",
)


def bare_differences(vendor: str, as_of: datetime.date) -> int:
    """How many raw values the bare SQL finds different from the run's own
    (``facts_computed``, beyond a cent): 0 when they compute the same indicators."""
    from decimal import Decimal

    from django.db import connection

    from kehu.evaluation.indicators import facts_computed, round_raw
    from kehu.evaluation.services.runs import run_population

    sql, params = bare_sql(vendor, as_of)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    facts = facts_computed(run_population(None, as_of, None), as_of)
    differences = 0
    for row in rows:
        values = facts[row["id"]].values
        for key in RAW_KEYS:
            ours = values.get(key)
            bare = None if row[key] is None else round_raw(Decimal(str(row[key])))
            if (ours is None) != (bare is None) or (
                ours is not None and abs(ours - bare) > Decimal("0.01")
            ):
                differences += 1
    return differences + abs(len(rows) - len(facts))


def _documents(context) -> tuple[int, str]:
    """The documents of the ``sales`` module: loaded here unless present. (count, note)."""
    from bench.worker import REFERENCE_DATE
    from kehu.demo.bulk_sales import bulk_sales_load
    from kehu.sales.models import Receipt, SalesInvoice, SalesOrder

    if not SalesInvoice.objects.exists():
        bulk_sales_load(seed=context.seed, reference_date=REFERENCE_DATE)
    return sum(model.objects.count() for model in (SalesOrder, SalesInvoice, Receipt))


def _run_once(as_of: datetime.date):
    from kehu.evaluation.services import evaluation_run

    return evaluation_run(actor=None, as_of=as_of)


def _delete(run) -> None:
    """The run and its results, in two statements (a model delete would record an audit
    event per row)."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM evaluation_customerevaluation WHERE run_id = %s", [run.pk])
        cursor.execute("DELETE FROM evaluation_evaluationrun WHERE id = %s", [run.pk])


def run(context) -> list[Result]:
    from bench.worker import REFERENCE_DATE

    as_of = REFERENCE_DATE
    documents = _documents(context)
    passes = max(1, min(context.repeat, REPEAT))
    walls, cpus, customers = [], [], 0
    for _n in range(passes):
        wall, cpu, evaluation = timed(lambda: _run_once(as_of))
        walls.append(wall / 1000)
        cpus.append(cpu / 1000)
        customers = evaluation.customer_count
        _delete(evaluation)
    bare_walls, bare_cpus = [], []
    for _n in range(passes):
        wall, cpu, count = timed(lambda: bare_run(context.vendor, as_of))
        bare_walls.append(wall / 1000)
        bare_cpus.append(cpu / 1000)
        assert count == customers, (count, customers)
    differences = bare_differences(context.vendor, as_of)
    p50, bare_p50 = Timing(walls).p50, Timing(bare_walls).p50
    ratio = p50 / bare_p50 if bare_p50 else None
    cpu_ratio = Timing(cpus).p50 / Timing(bare_cpus).p50 if Timing(bare_cpus).p50 else None
    seconds = SECONDS.get(context.vendor, SECONDS["sqlite"])
    # the target's data set: 100,000 customers loaded (the run scores those not deactivated
    # as of the date, about 97 % of them)
    at_target = context.scale == TARGET_CUSTOMERS
    note = "" if at_target else f"the targets are for {TARGET_CUSTOMERS:,} customers"
    what = f"{customers:,} customers, {documents:,} documents"
    return [
        Result(
            MODULE,
            f"full evaluation run (kehu evaluate), {what}",
            round(p50, 2),
            "s (p50)",
            target=f"≤ {seconds:g} s",
            passed=(p50 <= seconds) if at_target else None,
            details={
                "runs_s": [round(t, 2) for t in walls],
                "cpu_s": [round(t, 2) for t in cpus],
            },
            note=note,
        ),
        Result(
            MODULE,
            f"bare SQL aggregation of the same indicators, {what}",
            round(bare_p50, 2),
            "s (p50)",
            details={
                "runs_s": [round(t, 2) for t in bare_walls],
                "cpu_s": [round(t, 2) for t in bare_cpus],
                # raw values that differ from the run's: 0 when it computes the same
                "differences": differences,
            },
        ),
        Result(
            MODULE,
            "run / bare SQL",
            None if ratio is None else round(ratio, 2),
            "×",
            target=f"≤ {RATIO:g}×",
            passed=(ratio <= RATIO) if (at_target and ratio is not None) else None,
            # on SQLite the process's CPU holds the database's work too: the ratio on a
            # busy machine; on PostgreSQL it leaves the server's out
            details={"cpu_ratio": None if cpu_ratio is None else round(cpu_ratio, 2)},
            note=note,
        ),
    ]
