"""The Markdown report of a benchmark run."""

import os
import platform
import sqlite3
import time
from urllib.parse import urlparse


def machine(args) -> dict:
    """What the figures were measured on."""
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next(
                (line.split(":", 1)[1].strip() for line in info if line.startswith("model name")),
                cpu,
            )
    except OSError:
        pass
    memory = ""
    try:
        with open("/proc/meminfo") as info:
            kib = int(next(line for line in info if line.startswith("MemTotal")).split()[1])
            memory = f"{kib / 2**20:.0f} GiB"
    except (OSError, StopIteration):
        pass
    postgres = ""
    if "postgresql" in args.databases:
        import psycopg

        admin = urlparse(args.postgres_url)._replace(path="/postgres").geturl()
        try:
            with psycopg.connect(admin) as conn:
                postgres = conn.execute("SHOW server_version").fetchone()[0]
                buffers = conn.execute("SHOW shared_buffers").fetchone()[0]
                postgres = f"{postgres} (shared_buffers {buffers})"
        except psycopg.Error:
            postgres = "?"
    return {
        "cpu": f"{os.cpu_count()} cores, {cpu}",
        "memory": memory,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": postgres,
        "load": " ".join(f"{x:.1f}" for x in os.getloadavg()),
        "speed": _python_speed(),
    }


def _python_speed() -> float:
    """Seconds for a fixed piece of pure Python (ten million additions in a loop), the best
    of three: how fast this machine runs the project's Python, to compare reports made on
    different machines (the same code took 0.8 s on one and 2.3 s on another)."""
    best = None
    for _n in range(3):
        started = time.perf_counter()
        total = 0
        for number in range(10_000_000):
            total += number
        elapsed = time.perf_counter() - started
        best = elapsed if best is None else min(best, elapsed)
    return round(best, 2)


def _mark(passed) -> str:
    return "—" if passed is None else ("pass" if passed else "**FAIL**")


def _number(value) -> str:
    if value is None:
        return "—"
    return f"{value:,.1f}" if isinstance(value, float) else f"{value:,}"


def render(results: list[dict], *, scale: int, command: str, when, machine: dict) -> str:
    lines = [
        f"# Benchmarks, {when:%Y-%m-%d %H:%M} UTC — {scale:,} customers",
        "",
        f"Command: `{command}`",
        "",
        f"Machine: {machine['cpu']}; {machine['memory']} RAM; Python {machine['python']}; "
        f"SQLite {machine['sqlite']}; PostgreSQL {machine['postgresql'] or '—'}; "
        f"load average at the end {machine['load']}; pure-Python speed "
        f"{machine.get('speed', '—')} s (bench/report.py, lower is faster).",
        "",
    ]
    queries = [r for r in results if r["module"] == "queries"]
    if queries:
        lines += [
            "## Customer list queries (first page of 50; p50 / p95 in ms)",
            "",
            "| shape | database | rows | API p50 | API p95 | its SQL p50 / p95 (statements) "
            "| hand SQL p50 | hand SQL p95 | its SQL / hand (p95) | CPU p50 API / hand "
            "| target | note |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
        ]
        for r in queries:
            d = r["details"]
            lines.append(
                f"| {r['name']} | {r['database']} | {_number(d['median_rows'])} "
                f"| {d['api_p50']} | {d['api_p95']} "
                f"| {d['sql_p50']} / {d['sql_p95']} ({d['statements']}) "
                f"| {d['hand_p50']} | {d['hand_p95']} "
                f"| {d['ratio_p95']}× | {d['api_cpu_p50']} / {d['hand_cpu_p50']} "
                f"| {_mark(r['passed'])} | {r['note']} |"
            )
        lines += [
            "",
            "Target: the API's page p95 ≤ 50 ms, and the SQL it sends (its statements "
            "replayed as they are, every row fetched) ≤ 1.5× the hand-written SQL at p95. "
            "Rows: the median count of matching customers. CPU: milliseconds of this "
            "process's CPU time (on SQLite the query's work too; on PostgreSQL only the "
            "client's), which a busy machine inflates less than the wall clock. Parameters "
            "of the first repetition:",
            "",
        ]
        seen = set()
        for r in queries:
            if r["name"] not in seen:
                seen.add(r["name"])
                lines.append(f"- {r['name']}: `{r['details']['example']}`")
        lines.append("")
    others = [r for r in results if r["module"] != "queries"]
    if others:
        lines += [
            "## Loading, export, duplicates, imports",
            "",
            "| benchmark | database | value | target | result | details | note |",
            "|---|---|---:|---|---|---|---|",
        ]
        for r in others:
            details = ", ".join(
                f"{k} {v}" for k, v in r["details"].items() if not isinstance(v, dict)
            )
            value = "—" if r["value"] is None else f"{_number(r['value'])} {r['unit']}"
            lines.append(
                f"| {r['name']} | {r['database']} | {value} | {r['target']} "
                f"| {_mark(r['passed'])} | {details} | {r['note']} |"
            )
        lines.append("")
    return "\n".join(lines)
