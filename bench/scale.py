"""Scale benchmarks (issue 10): pages, the scoping query, a load run, the reminder sweep and PDF
case files, at several numbers of cases, measured in one run; a markdown table and JSON.

Run: `make bench`, or `.venv/bin/python bench/scale.py [--sizes 10000,100000]`. Settings come
from the environment (the command line wins):

- BENCH_SIZES: numbers of cases (default 10000,100000,1000000). Each size has its own database
  on the PostgreSQL server BENCH_DATABASE_URL (default postgres://postgres:postgres@127.0.0.1:
  5432, a superuser: the generator needs one), named upstream_bench_10k, upstream_bench_100k,
  upstream_bench_1m..., or as BENCH_DATABASES says ("1000000=upstream_synth,..."). A database
  that is missing is created, migrated and filled by `generate_synthetic --cases N --users N/100
  --seed 1` (about 20 s for 10k, 1 min for 100k and 8 to 10 min for 1M on 2 cores; the
  figures say how long it took). A database that exists must hold a SyntheticDataset of that
  size (nothing else is ever benchmarked); it is migrated first, as the code may have added an
  index since it was generated.
- BENCH_REPEAT (30): timed requests per page and runs per query, after BENCH_WARMUP (3).
- BENCH_WORKERS (4): gunicorn's sync workers for the load run; BENCH_LOAD_SECONDS (30),
  BENCH_CONNECTIONS (50). wrk must be installed (Debian: `apt-get install wrk`).
- BENCH_PDF_PAGES (10,50,200) and BENCH_PDF_REPEAT (3): PDF case files, rendered through
  bench/pdf.py in its own database (upstream_bench_pdf), once per run.
- BENCH_SKIP: any of pages, scoping, sweep, load, pdf (comma-separated).

Writes var/bench/scale-<size>.json for each size, var/bench/pdf.json, var/bench/scale.json
(everything, with the machine and the date) and var/bench/scale.md (the tables it prints), and
the plans of the slowest queries under var/bench/explain/<size>/. Keep the machine otherwise
idle while it runs: every figure is wall-clock time on a shared 2-core machine, and each
section records the load average it started with.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psycopg

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
VAR = ROOT / "var" / "bench"
sys.path.insert(0, str(HERE))

from scale_env import settings_env  # noqa: E402
from scale_report import report  # noqa: E402

DEFAULT_SIZES = "10000,100000,1000000"
DEFAULT_SERVER = "postgres://postgres:postgres@127.0.0.1:5432"
PDF_DATABASE = "upstream_bench_pdf"
# As docker-compose.yml starts PostgreSQL.
PLANNER_SETTINGS = {"random_page_cost": "1.1"}


def label(cases: int) -> str:
    if cases % 1_000_000 == 0:
        return f"{cases // 1_000_000}m"
    if cases % 1000 == 0:
        return f"{cases // 1000}k"
    return str(cases)


def say(text: str) -> None:
    print(text, flush=True)


class Server:
    """The PostgreSQL server the benchmark databases live on."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")

    def database_url(self, name: str) -> str:
        return f"{self.url}/{name}"

    def _admin(self) -> psycopg.Connection[Any]:
        return psycopg.connect(self.database_url("postgres"), autocommit=True)

    def exists(self, name: str) -> bool:
        with self._admin() as conn:
            row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            return row is not None

    def create(self, name: str) -> None:
        with self._admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')

    def configure(self, name: str) -> None:
        """The planner settings docker-compose.yml gives production's PostgreSQL (SSD
        storage), for this database only: the benchmark measures what is deployed."""
        with self._admin() as conn:
            for setting, value in PLANNER_SETTINGS.items():
                conn.execute(f'ALTER DATABASE "{name}" SET {setting} = {value}')

    def dataset_cases(self, name: str) -> int | None:
        """The size of the SyntheticDataset in that database, or None where it has none."""
        with psycopg.connect(self.database_url(name)) as conn:
            table = conn.execute("SELECT to_regclass('synthetic_syntheticdataset')").fetchone()
            if table is None or table[0] is None:
                return None
            row = conn.execute(
                "SELECT cases FROM synthetic_syntheticdataset ORDER BY created_at DESC LIMIT 1"
            ).fetchone()
            return int(row[0]) if row else None


def manage(database_url: str, *args: str) -> None:
    subprocess.run(  # noqa: S603 - manage.py with our own arguments
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=settings_env(database_url),
        check=True,
    )


def ensure_database(server: Server, name: str, cases: int) -> dict[str, Any]:
    """The database for `cases`, generated now if it is not there yet."""
    found = server.dataset_cases(name) if server.exists(name) else None
    if server.exists(name):
        server.configure(name)
    if found == cases:
        # The code may have new migrations (an index) since the data was generated.
        started = time.monotonic()
        manage(server.database_url(name), "migrate", "--verbosity", "0")
        return {"generated_now": False, "migrate_s": time.monotonic() - started}
    if found is not None:
        raise SystemExit(
            f"{name} holds a synthetic dataset of {found:,} cases, not {cases:,}: drop it "
            f"(dropdb {name}) or point BENCH_DATABASES elsewhere"
        )
    if not server.exists(name):
        server.create(name)
        server.configure(name)
    url = server.database_url(name)
    users = max(10, cases // 100)
    say(f"generating {name}: {cases:,} cases, {users:,} users (seed 1)")
    started = time.monotonic()
    manage(url, "migrate", "--verbosity", "0")
    migrated = time.monotonic()
    manage(url, "generate_synthetic", "--cases", str(cases), "--users", str(users), "--seed", "1")
    return {
        "generated_now": True,
        "migrate_s": migrated - started,
        "generate_s": time.monotonic() - migrated,
    }


def machine() -> dict[str, Any]:
    memory_kb = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            memory_kb = int(line.split()[1])
    model = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    return {
        "cores": os.cpu_count(),
        "cpu": model,
        "memory_gb": round(memory_kb / 2**20, 1),
        "python": platform.python_version(),
        "system": platform.platform(),
    }


def commit() -> str:
    """The commit measured, and whether the work tree differed from it."""

    def git(*args: str) -> str:
        result = subprocess.run(  # noqa: S603
            ["git", *args],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        return result.stdout.rstrip()

    head = git("rev-parse", "--short", "HEAD") or "unknown"
    changed = [
        line[3:]
        for line in git("status", "--porcelain").splitlines()
        if not line[3:].startswith(("bench/", "var/"))
    ]
    return head + (f" (+ uncommitted changes to {', '.join(changed)})" if changed else "")


def run_pdf(server: Server, pages: str, repeat: int) -> list[dict[str, Any]]:
    if not server.exists(PDF_DATABASE):
        server.create(PDF_DATABASE)
    env = {**os.environ, "DATABASE_URL": server.database_url(PDF_DATABASE), "DEBUG": "1"}
    say(f"PDF case files of ~{pages} pages ({PDF_DATABASE}, {repeat} fresh processes each)")
    result = subprocess.run(  # noqa: S603 - our own script
        [sys.executable, str(HERE / "scale_pdf.py"), pages, str(repeat)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    rows: list[dict[str, Any]] = []
    for line in result.stdout.splitlines():
        if line.startswith("PDF_JSON "):
            rows = json.loads(line[len("PDF_JSON ") :])
        elif line.startswith("  "):
            say(line)
    if result.returncode or not rows:
        raise RuntimeError(f"the PDF bench failed:\n{result.stdout[-2000:]}{result.stderr[-3000:]}")
    return rows


def main() -> None:
    env = os.environ.get
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default=env("BENCH_SIZES") or DEFAULT_SIZES)
    parser.add_argument("--server", default=env("BENCH_DATABASE_URL") or DEFAULT_SERVER)
    parser.add_argument("--databases", default=env("BENCH_DATABASES", ""))
    parser.add_argument("--repeat", type=int, default=int(env("BENCH_REPEAT") or 30))
    parser.add_argument("--warmup", type=int, default=int(env("BENCH_WARMUP") or 3))
    parser.add_argument("--workers", type=int, default=int(env("BENCH_WORKERS") or 4))
    parser.add_argument("--load-seconds", type=int, default=int(env("BENCH_LOAD_SECONDS") or 30))
    parser.add_argument("--connections", type=int, default=int(env("BENCH_CONNECTIONS") or 50))
    parser.add_argument("--pdf-pages", default=env("BENCH_PDF_PAGES") or "10,50,200")
    parser.add_argument("--pdf-repeat", type=int, default=int(env("BENCH_PDF_REPEAT") or 3))
    parser.add_argument("--skip", default=env("BENCH_SKIP", ""))
    args = parser.parse_args()

    sizes = [int(part.replace("_", "")) for part in args.sizes.split(",") if part.strip()]
    names = {
        int(size.replace("_", "")): name
        for size, _, name in (part.partition("=") for part in args.databases.split(",") if part)
    }
    skip = {part.strip() for part in args.skip.split(",") if part.strip()}
    server = Server(args.server)
    VAR.mkdir(parents=True, exist_ok=True)
    started = datetime.datetime.now(datetime.UTC)
    everything: dict[str, Any] = {
        "date": started.isoformat(timespec="seconds"),
        "commit": commit(),
        "machine": machine(),
        "settings": {
            "repeat": args.repeat,
            "warmup": args.warmup,
            "gunicorn_workers": args.workers,
            "load_seconds": args.load_seconds,
            "connections": args.connections,
            "skipped": sorted(skip),
            "postgresql": PLANNER_SETTINGS,
        },
        "sizes": {},
    }
    say(f"scale benchmark, {started:%Y-%m-%d %H:%M} UTC; sizes: {', '.join(map(label, sizes))}")
    for cases in sizes:
        name = names.get(cases, f"upstream_bench_{label(cases)}")
        generation = ensure_database(server, name, cases)
        out = VAR / f"scale-{label(cases)}.json"
        subprocess.run(  # noqa: S603 - our own script
            [
                sys.executable,
                str(HERE / "scale_size.py"),
                "--database",
                server.database_url(name),
                "--label",
                label(cases),
                "--out",
                str(out),
                "--repeat",
                str(args.repeat),
                "--warmup",
                str(args.warmup),
                "--workers",
                str(args.workers),
                "--load-seconds",
                str(args.load_seconds),
                "--connections",
                str(args.connections),
                "--skip",
                ",".join(sorted(skip - {"pdf"})),
            ],
            cwd=ROOT,
            check=True,
        )
        figures = json.loads(out.read_text())
        figures["generation"] = generation
        everything["sizes"][label(cases)] = figures
    if "pdf" not in skip:
        everything["pdf"] = run_pdf(server, args.pdf_pages, args.pdf_repeat)
        (VAR / "pdf.json").write_text(json.dumps(everything["pdf"], indent=2))
    everything["finished"] = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    (VAR / "scale.json").write_text(json.dumps(everything, indent=2, default=str))
    text = report(everything)
    (VAR / "scale.md").write_text(text)
    print()
    print(text)


if __name__ == "__main__":
    main()
