"""``python -m bench.child TASK``: one measured task in a process of its own, so that its peak
memory (``ru_maxrss``) is the task's. Prints one JSON line. Database settings come from the
environment, as for the worker that starts it."""

import argparse
import json
import os
import resource
import time


def _rss_kib() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


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
    started = time.perf_counter()
    total = queryset.count()  # the command counts first, for its progress bar
    with open(path, "wb") as file:
        exports.export_write(queryset, params, file)
    seconds = time.perf_counter() - started
    return {
        "rows": total,
        "seconds": seconds,
        "bytes": os.path.getsize(path),
        "rss_before_kib": before,
        "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }


def duplicates(rows: int, workdir: str) -> dict:
    """What the duplicate report page computes, over ``rows`` customers."""
    from kehu.quality.duplicates import find_duplicates

    queryset = _first_customers(rows)
    started = time.perf_counter()
    pairs = find_duplicates(queryset)
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "pairs": len(pairs),
        "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }


TASKS = {"export": export, "duplicates": duplicates}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("task", choices=sorted(TASKS))
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--workdir", required=True)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kehu.settings")
    import django

    django.setup()
    print(json.dumps(TASKS[args.task](args.rows, args.workdir)))


if __name__ == "__main__":
    main()
