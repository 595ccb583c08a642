"""``python -m bench.child TASK``: one measured task in a process of its own, so that its peak
memory (``ru_maxrss``) is the task's. Prints one JSON line. Database settings come from the
environment, as for the worker that starts it."""

import argparse
import json
import os
import resource
import time


def _status_kib(key: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(f"{key}:"):
                return int(line.split()[1])
    return 0


def _rss_kib() -> int:
    return _status_kib("VmRSS")


def _peak_rss_kib() -> int:
    """The process's peak resident memory. Not ``ru_maxrss``: on Linux that keeps the peak of
    the parent process as it was when this one was forked from it."""
    return _status_kib("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _first_customers(rows: int):
    """The first ``rows`` customers by code, as the admin sees them (scope: all)."""
    from django.contrib.auth import get_user_model

    from kehu.customers.filters import CustomerFilter
    from kehu.customers.selectors import customers_visible_to

    admin = get_user_model().objects.get(username="admin")
    visible = customers_visible_to(admin)
    last = visible.order_by("code").values_list("code", flat=True)[rows - 1]
    return CustomerFilter().apply(visible.filter(code__lte=last))


def export(rows: int, workdir: str) -> dict:
    """What ``kehu export FILE.xlsx`` does for a query of ``rows`` customers."""
    from kehu.customers import exports

    queryset = _first_customers(rows)
    params = exports.ExportParams(format="xlsx")
    path = os.path.join(workdir, "export.xlsx")
    before = _rss_kib()
    started, cpu = time.perf_counter(), _cpu_seconds()
    total = queryset.count()  # the command counts first, for its progress bar
    with open(path, "wb") as file:
        exports.export_write(queryset, params, file)
    seconds = time.perf_counter() - started
    return {
        "rows": total,
        "seconds": seconds,
        "bytes": os.path.getsize(path),
        "cpu_seconds": _cpu_seconds() - cpu,
        "rss_before_kib": before,
        "peak_rss_kib": _peak_rss_kib(),
    }


def duplicates(rows: int, workdir: str) -> dict:
    """What the duplicate report page computes, over ``rows`` customers."""
    from kehu.quality.duplicates import find_duplicates

    queryset = _first_customers(rows)
    started, cpu = time.perf_counter(), _cpu_seconds()
    pairs = find_duplicates(queryset)
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "cpu_seconds": _cpu_seconds() - cpu,
        "pairs": len(pairs),
        "peak_rss_kib": _peak_rss_kib(),
    }


def import_export(rows: int, workdir: str) -> dict:
    """The files the import benchmark reads: the first ``rows`` customers exported as CSV and
    as XLSX (the importer reads what the exporter writes)."""
    from kehu.customers import exports

    queryset = _first_customers(rows)
    for file_format in ("csv", "xlsx"):
        path = os.path.join(workdir, f"customers.{file_format}")
        with open(path, "wb") as file:
            exports.export_write(queryset, exports.ExportParams(format=file_format), file)
    return {"rows": queryset.count()}


def import_prepare(rows: int, workdir: str) -> dict:
    """An empty scratch database: migrated and, with ``rows`` > 0, the demo's users and master
    data (what the exported customers refer to), without customers."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if rows:
        from kehu.demo.bulk import bulk_load

        bulk_load(customers=0, analyze=False)
    return {}


def import_file(rows: int, workdir: str, path: str = "") -> dict:
    """``kehu import FILE`` as the admin (skipping refused rows), on a database set up by
    ``import_prepare``."""
    from django.contrib.auth import get_user_model

    from kehu.quality.importing import import_file as run_import

    admin = get_user_model().objects.get(username="admin")
    before = _rss_kib()
    started, cpu = time.perf_counter(), _cpu_seconds()
    report = run_import(path, actor=admin, skip_errors=True)
    seconds = time.perf_counter() - started
    counts = report.sheets.get("customers")
    return {
        "rows": report.rows,
        "created": counts.created if counts else 0,
        "refused": counts.rejected if counts else 0,
        "first_error": report.errors[0].text if report.errors else "",
        "written": report.written,
        "seconds": seconds,
        "cpu_seconds": _cpu_seconds() - cpu,
        "rss_before_kib": before,
        "peak_rss_kib": _peak_rss_kib(),
    }


def import_bulk(rows: int, workdir: str) -> dict:
    """The bare bulk insert of the same rows: ``bulk_load`` on a migrated empty database; its
    ``write_seconds`` (building the rows and writing them, without generating them)."""
    import datetime

    from kehu.demo.bulk import bulk_load

    cpu = _cpu_seconds()
    summary = bulk_load(
        customers=rows, reference_date=datetime.date(2026, 11, 1), analyze=False, parallel=False
    )
    return {
        "rows": summary.customers,
        "cpu_seconds": _cpu_seconds() - cpu,  # generating the rows included (one process)
        "seconds": summary.seconds,
        "write_seconds": summary.write_seconds,
        "table_rows": summary.rows,
    }


TASKS = {
    "export": export,
    "duplicates": duplicates,
    "import-export": import_export,
    "import-prepare": import_prepare,
    "import": import_file,
    "import-bulk": import_bulk,
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("task", choices=sorted(TASKS))
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--file", default="")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kehu.settings")
    import django

    django.setup()
    task = TASKS[args.task]
    extra = {"path": args.file} if args.file else {}
    print(json.dumps(task(args.rows, args.workdir, **extra)))


if __name__ == "__main__":
    main()
