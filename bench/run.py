"""``python -m bench.run`` (``make bench``): scratch databases, the benchmarks, the report.

For each database asked for, a fresh scratch database (never the development one: a SQLite
file under ``bench/.data/``, and on PostgreSQL a database whose name must contain "bench",
dropped and created again), a worker process (``bench.worker``) that loads ``--scale``
generated customers and runs the modules, then one Markdown report: printed, and written to
``bench/results/<date>-<scale>.md``.
"""

import argparse
import datetime
import json
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

from bench.modules import MODULES
from bench.report import machine, render

ROOT = Path(__file__).resolve().parent
DEFAULT_SCALE = 1_000_000
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/kehu_bench"


def _arguments(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument(
        "--scale",
        type=int,
        default=int(os.environ.get("BENCH_SCALE") or DEFAULT_SCALE),
        help="customers to load (default: $BENCH_SCALE, else 1,000,000)",
    )
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_DATABASE_URL") or DEFAULT_POSTGRES,
        help="the scratch PostgreSQL database (its name must contain 'bench')",
    )
    parser.add_argument("--modules", default=",".join(MODULES), help=", ".join(MODULES))
    parser.add_argument("--repeat", type=int, default=20, help="repetitions per query shape")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep a scratch database that already holds --scale customers (and keep it after)",
    )
    parser.add_argument("--output", default=str(ROOT / "results"))
    parser.add_argument(
        "--data", default=str(ROOT / ".data"), help="where the scratch SQLite files live"
    )
    return parser.parse_args(argv)


def _postgres_prepare(url: str, fresh: bool) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if "bench" not in name:
        sys.exit(f"refusing to use {name!r}: a scratch database's name must contain 'bench'")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and not fresh:
            return
        if exists:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _postgres_drop(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parsed.path.lstrip("/")}" WITH (FORCE)')


def _environment(database: str, args, workdir: Path) -> dict:
    env = os.environ.copy()
    env.pop("DATABASE_URL", None)
    env["KEHU_DATA_DIR"] = str(workdir)  # the SQLite file (and nothing else) lives here
    if database == "postgresql":
        env["DATABASE_URL"] = args.postgres_url
    return env


def _run_database(database: str, args) -> list[dict]:
    workdir = Path(args.data) / database
    workdir.mkdir(parents=True, exist_ok=True)
    # The worker writes this marker once it has loaded the data; --reuse keeps only a database
    # loaded with the same scale and seed.
    marker = workdir / "loaded.txt"
    loaded = f"{args.scale} {args.seed}"
    fresh = not (args.reuse and marker.exists() and marker.read_text() == loaded)
    if fresh:
        marker.unlink(missing_ok=True)
    if database == "sqlite" and fresh:
        for path in workdir.glob("kehu.sqlite3*"):
            path.unlink()
    if database == "postgresql":
        _postgres_prepare(args.postgres_url, fresh=fresh)
    out = workdir / "results.json"
    command = [
        sys.executable,
        "-m",
        "bench.worker",
        f"--scale={args.scale}",
        f"--repeat={args.repeat}",
        f"--seed={args.seed}",
        f"--modules={args.modules}",
        f"--workdir={workdir}",
        f"--out={out}",
        *([] if fresh else ["--reuse"]),
        f"--marker={marker}",
    ]
    print(f"== {database}: {args.scale:,} customers", file=sys.stderr, flush=True)
    started = time.perf_counter()
    try:
        subprocess.run(
            command, env=_environment(database, args, workdir), check=True, cwd=ROOT.parent
        )
    finally:
        if database == "postgresql" and not args.reuse:
            _postgres_drop(args.postgres_url)
    print(f"== {database}: {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    results = json.loads(out.read_text())
    for result in results:
        result["database"] = database
    return results


def main(argv=None) -> None:
    args = _arguments(argv)
    databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    unknown = set(databases) - {"sqlite", "postgresql"}
    if unknown:
        sys.exit(f"unknown databases: {', '.join(sorted(unknown))}")
    results = []
    for database in databases:
        results.extend(_run_database(database, args))
    command = "python -m bench.run " + shlex.join(argv if argv is not None else sys.argv[1:])
    now = datetime.datetime.now(datetime.UTC)
    text = render(results, scale=args.scale, command=command, when=now, machine=machine(args))
    print(text)
    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    path = output / f"{now:%Y-%m-%d-%H%M}-{args.scale}-{'-'.join(databases)}.md"
    path.write_text(text)
    print(f"written to {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
