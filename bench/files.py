"""Export of 100,000 customers to XLSX (issue 5) and the duplicate report over 100,000
customers (issue 6), each in a fresh child process so that its peak memory is its own."""

import json
import os
import subprocess
import sys
import tempfile

from bench.measure import Result

EXPORT_ROWS = 100_000
EXPORT_SECONDS = 10.0
EXPORT_MEGABYTES = 300.0
DUPLICATE_CUSTOMERS = 100_000
DUPLICATE_SECONDS = 30.0


def _child(task: str, rows: int, workdir: str) -> dict:
    """Run ``bench.child TASK`` in a new Python process (same database settings) and return
    what it reports."""
    completed = subprocess.run(
        [sys.executable, "-m", "bench.child", task, "--rows", str(rows), "--workdir", workdir],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        check=False,
    )
    if completed.returncode:
        raise RuntimeError(f"bench.child {task} failed:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def run_export(context) -> list[Result]:
    rows = min(EXPORT_ROWS, context.scale)
    with tempfile.TemporaryDirectory(dir=context.workdir) as workdir:
        report = _child("export", rows, workdir)
    megabytes = report["peak_rss_kib"] / 1024
    note = "" if rows == EXPORT_ROWS else f"only {rows:,} customers at this scale"
    return [
        Result(
            module="export",
            name=f"XLSX export, {report['rows']:,} rows: time",
            value=round(report["seconds"], 2),
            unit="s",
            target=f"≤ {EXPORT_SECONDS:g} s",
            passed=report["seconds"] <= EXPORT_SECONDS,
            details={
                "cpu_s": round(report["cpu_seconds"], 1),
                "file_mib": round(report["bytes"] / 2**20, 1),
            },
            note=note,
        ),
        Result(
            module="export",
            name=f"XLSX export, {report['rows']:,} rows: peak memory",
            value=round(megabytes, 1),
            unit="MiB (peak RSS)",
            target=f"≤ {EXPORT_MEGABYTES:g} MB",
            passed=megabytes <= EXPORT_MEGABYTES,
            details={"rss_before_export_mib": round(report["rss_before_kib"] / 1024, 1)},
            note="whole process: Python, Django and the export",
        ),
    ]


def run_duplicates(context) -> list[Result]:
    customers = min(DUPLICATE_CUSTOMERS, context.scale)
    report = _child("duplicates", customers, context.workdir)
    return [
        Result(
            module="duplicates",
            name=f"duplicate report over {customers:,} customers",
            value=round(report["seconds"], 2),
            unit="s",
            target=f"≤ {DUPLICATE_SECONDS:g} s",
            passed=report["seconds"] <= DUPLICATE_SECONDS,
            details={
                "pairs": report["pairs"],
                "cpu_s": round(report["cpu_seconds"], 1),
                "peak_rss_mib": round(report["peak_rss_kib"] / 1024, 1),
            },
            note="" if customers == DUPLICATE_CUSTOMERS else "fewer customers at this scale",
        )
    ]
