"""Import of 100,000 customers from CSV and XLSX against a bare bulk insert (issue 6).

1. The first ``IMPORT_ROWS`` customers of the scratch database are exported as CSV and XLSX
   (``export_write``: the importer reads what the exporter writes), in a child process.
2. Two empty scratch databases are made once: one only migrated, one with the demo's users
   and master data (what the customers refer to) — a SQLite file under the work directory,
   or on PostgreSQL a database next to the bench one (its name + ``_import``…).
3. Each measurement runs in a child process (``bench.child``: its peak memory is its own) on
   a fresh copy of one of them (a copied file; ``CREATE DATABASE … TEMPLATE``):
   ``import_file(path, actor=admin, skip_errors=True)`` for each file, and
   ``bulk_load(customers=IMPORT_ROWS)`` — the bare bulk insert the import is compared with
   (its ``write_seconds``: building the rows and writing them, not generating them).

Rows the import refuses (the export has no country column, so a foreign customer's tax
number is read as a Chinese credit code and refused) are counted and reported.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlparse

from bench.measure import Result

IMPORT_ROWS = 100_000
CSV_ROWS_PER_SECOND = 20_000
XLSX_ROWS_PER_SECOND = 10_000
PEAK_MEGABYTES = 400.0


class _Scratch:
    """Empty scratch databases for the child processes: ``env(kind)`` is the environment of a
    fresh copy of the template ``kind`` ("migrated" or "setup")."""

    def __init__(self, vendor: str, workdir: str):
        self.vendor = vendor
        self.workdir = Path(workdir)
        self.base_url = os.environ.get("DATABASE_URL", "")
        self.copies: list[str] = []
        self.templates: dict[str, str] = {}

    def _url(self, name: str) -> str:
        return urlparse(self.base_url)._replace(path=f"/{name}").geturl()

    def _admin(self):
        import psycopg

        admin = urlparse(self.base_url)._replace(path="/postgres").geturl()
        return psycopg.connect(admin, autocommit=True)

    def _environment(self, where: str) -> dict:
        env = os.environ.copy()
        if self.vendor == "postgresql":
            env["DATABASE_URL"] = self._url(where)
        else:
            env.pop("DATABASE_URL", None)
            env["KEHU_DATA_DIR"] = where
        return env

    def prepare(self) -> None:
        for kind, rows in (("migrated", 0), ("setup", 1)):
            if self.vendor == "postgresql":
                name = f"{urlparse(self.base_url).path.lstrip('/')}_import_{kind}"
                with self._admin() as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                    conn.execute(f'CREATE DATABASE "{name}"')
                where = name
            else:
                where = str(self.workdir / f"template-{kind}")
                os.makedirs(where, exist_ok=True)
            _child("import-prepare", rows, str(self.workdir), env=self._environment(where))
            self.templates[kind] = where

    def env(self, kind: str) -> dict:
        template = self.templates[kind]
        if self.vendor == "postgresql":
            name = f"{template}_copy{len(self.copies)}"
            with self._admin() as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        else:
            name = str(self.workdir / f"copy{len(self.copies)}")
            shutil.rmtree(name, ignore_errors=True)
            shutil.copytree(template, name)
        self.copies.append(name)
        return self._environment(name)

    def drop(self) -> None:
        if self.vendor == "postgresql":
            with self._admin() as conn:
                for name in [*self.copies, *self.templates.values()]:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _child(task: str, rows: int, workdir: str, *, env: dict, file: str = "") -> dict:
    command = [sys.executable, "-m", "bench.child", task, "--rows", str(rows)]
    command += ["--workdir", workdir, *(["--file", file] if file else [])]
    completed = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if completed.returncode:
        raise RuntimeError(f"bench.child {task} failed:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def run(context) -> list[Result]:
    rows = min(IMPORT_ROWS, context.scale)
    note = "" if rows == IMPORT_ROWS else f"only {rows:,} rows at this scale"
    with tempfile.TemporaryDirectory(dir=context.workdir) as workdir:
        _child("import-export", rows, workdir, env=os.environ.copy())
        scratch = _Scratch(context.vendor, workdir)
        try:
            scratch.prepare()
            bulk = _child("import-bulk", rows, workdir, env=scratch.env("migrated"))
            reports = {
                kind: _child(
                    "import",
                    rows,
                    workdir,
                    env=scratch.env("setup"),
                    file=str(Path(workdir) / f"customers.{kind}"),
                )
                for kind in ("csv", "xlsx")
            }
        finally:
            scratch.drop()
    results = []
    bulk_rate = bulk["rows"] / bulk["write_seconds"] if bulk["write_seconds"] else 0.0
    for kind, target in (("csv", CSV_ROWS_PER_SECOND), ("xlsx", XLSX_ROWS_PER_SECOND)):
        report = reports[kind]
        rate = report["rows"] / report["seconds"]
        cpu_rate = report["rows"] / report["cpu_seconds"] if report["cpu_seconds"] else 0.0
        megabytes = report["peak_rss_kib"] / 1024
        results.append(
            Result(
                module="imports",
                name=f"{kind.upper()} import, {report['rows']:,} rows",
                value=round(rate),
                unit="rows/s",
                target=f"≥ {target:,} rows/s, ≤ {PEAK_MEGABYTES:g} MB",
                passed=rate >= target and megabytes <= PEAK_MEGABYTES,
                details={
                    "seconds": round(report["seconds"], 1),
                    "cpu_s": round(report["cpu_seconds"], 1),
                    "rows_per_cpu_s": round(cpu_rate),
                    "peak_rss_mib": round(megabytes, 1),
                    "created": report["created"],
                    "refused": report["refused"],
                    "vs_bulk_insert": round(report["seconds"] / bulk["write_seconds"], 1)
                    if bulk["write_seconds"]
                    else None,
                    "cpu_vs_bulk_load_cpu": round(report["cpu_seconds"] / bulk["cpu_seconds"], 1)
                    if bulk.get("cpu_seconds")
                    else None,
                },
                note=note,
            )
        )
    results.append(
        Result(
            module="imports",
            name=f"bare bulk insert (bulk_load), {bulk['rows']:,} customers",
            value=round(bulk_rate),
            unit="rows/s",
            details={
                "write_s": round(bulk["write_seconds"], 1),
                "cpu_s": round(bulk.get("cpu_seconds", 0), 1),
                "total_s": round(bulk["seconds"], 1),
                "table_rows": bulk["table_rows"],
            },
            note="the baseline: write_s builds and writes the rows (customers and their contacts,"
            " addresses, banks, documents, tags); cpu_s includes generating them",
        )
    )
    return results
