"""``python -m bench.worker``: the benchmarks on one scratch database, in a process of its own
(the database comes from the environment that ``bench.run`` sets). Writes its results as JSON."""

import argparse
import datetime
import json
import os
import resource
import sys
import time
from dataclasses import dataclass

REFERENCE_DATE = datetime.date(2026, 11, 1)  # fixed: the same data on every run
LOAD_TARGET_SECONDS = 300.0  # 1,000,000 customers "in a few minutes"
LOAD_TARGET_SCALE = 1_000_000


@dataclass
class Context:
    """What a benchmark module gets: the scale, the repetitions, the seed, a work directory."""

    scale: int
    repeat: int
    seed: int
    workdir: str
    vendor: str


def _load(scale: int, seed: int, reuse: bool):
    from django.core.management import call_command

    from bench.measure import Result
    from kehu.customers.models import Customer
    from kehu.demo.bulk import bulk_load, database_analyze

    call_command("migrate", verbosity=0)
    present = Customer.objects.count()
    if reuse and present == scale:
        # as after a load: the planner's statistics (and PostgreSQL's visibility map) fresh,
        # also for the indexes that migrations may just have added
        database_analyze()
        return Result("load", f"bulk load of {scale:,} customers", None, "s", note="reused")
    step = max(1, scale // 10)
    done = 0

    def progress(n):
        nonlocal done
        done += n
        if done % step < n or done == scale:
            print(f"  loaded {done:,} / {scale:,}", file=sys.stderr, flush=True)

    before = resource.getrusage(resource.RUSAGE_SELF)
    summary = bulk_load(
        customers=scale, seed=seed, reference_date=REFERENCE_DATE, progress=progress
    )
    after = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)  # the generating process
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    rate = summary.customers_per_second
    needed = LOAD_TARGET_SCALE / LOAD_TARGET_SECONDS
    return Result(
        module="load",
        name=f"bulk load of {scale:,} customers",
        value=round(summary.seconds, 1),
        unit="s",
        target=f"1,000,000 in ≤ {LOAD_TARGET_SECONDS:g} s (≥ {needed:,.0f} customers/s)",
        passed=rate >= needed,
        details={
            "customers_per_s": round(rate),
            "rows": summary.rows,
            "setup_s": round(summary.setup_seconds, 1),
            "write_s": round(summary.write_seconds, 1),
            "analyze_s": round(summary.analyze_seconds, 1),
            "writer_cpu_s": round(cpu, 1),
            "generator_cpu_s": round(children.ru_utime + children.ru_stime, 1),
        },
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, required=True)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--modules", required=True)
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--marker", required=True)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kehu.settings")
    import django

    django.setup()
    from django.db import connection

    from bench.modules import module_run

    results = [_load(args.scale, args.seed, args.reuse)]
    with open(args.marker, "w") as marker:
        marker.write(f"{args.scale} {args.seed}")
    context = Context(args.scale, args.repeat, args.seed, args.workdir, connection.vendor)
    for name in args.modules.split(","):
        started = time.perf_counter()
        print(f"  {name}…", file=sys.stderr, flush=True)
        results.extend(module_run(name)(context))
        print(f"  {name}: {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    with open(args.out, "w") as file:
        json.dump([r.to_dict() for r in results], file, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
