"""The sales ledger at scale (issue 7): about 20 documents per customer of the scratch
database (2,000,000 for 100,000 customers), loaded set-based by ``kehu.demo.bulk_sales``,
then what reads all of them:

- ``kehu check-balances``' recomputation: ``kehu.sales.figures.figures_computed`` (every
  maintained figure of every customer) and ``document_differences`` (every document's cached
  amount), as the command runs them;
The aging of all customers as of a date (issue 7's ≤ 5 s) is module ``aging``
(bench/aging.py), which still writes its own documents for the first 100,000 customers; to
be moved onto ``kehu.demo.bulk_sales`` (it needs a limit on the customers).
"""

from bench.measure import Result, Timing, timed

MODULE = "sales"
RECOMPUTE_REPEAT = 3  # each pass reads every document: seconds, not milliseconds


def run(context) -> list[Result]:
    results = [_load(context)]
    results += _recompute(context)
    return results


def _load(context) -> Result:
    from bench.worker import REFERENCE_DATE
    from kehu.demo.bulk_sales import bulk_sales_load
    from kehu.sales.models import SalesInvoice

    name = f"bulk load of the documents of {context.scale:,} customers"
    if SalesInvoice.objects.exists():  # a reused scratch database keeps its documents
        return Result(MODULE, name, None, "s", note="reused: the documents are loaded already")
    summary = bulk_sales_load(seed=context.seed, reference_date=REFERENCE_DATE)
    return Result(
        MODULE,
        name,
        round(summary.seconds, 1),
        "s",
        details={
            "documents": summary.documents,
            "rows": summary.rows,
            "write_s": round(summary.write_seconds, 1),
            "figures_s": round(summary.figures_seconds, 1),
        },
    )


def _recompute(context) -> list[Result]:
    """``check-balances``' two recomputations over every customer and every document."""
    from kehu.sales.figures import document_differences, figures_computed

    results = []
    for label, function in (
        ("check-balances: the figures of all customers (figures_computed)", figures_computed),
        ("check-balances: the cached amounts of all documents", document_differences),
    ):
        walls, cpus, size = [], [], 0
        for _n in range(min(context.repeat, RECOMPUTE_REPEAT)):
            wall, cpu, value = timed(function)
            walls.append(wall)
            cpus.append(cpu)
            size = len(value)
        results.append(
            Result(
                MODULE,
                label,
                round(Timing(walls).p50 / 1000, 2),
                "s",
                details={
                    "p50_s": round(Timing(walls).p50 / 1000, 2),
                    "max_s": round(max(walls) / 1000, 2),
                    "cpu_p50_s": round(Timing(cpus).p50 / 1000, 2),
                    "rows": size,
                    "repeat": len(walls),
                },
            )
        )
    return results
