"""How long `load_demo` takes, first run and re-run (which must write nothing).

Run: `DEBUG=1 DATABASE_URL=postgres://postgres:postgres@127.0.0.1:5432/upstream_bench \
.venv/bin/python bench/load_demo.py` — it migrates that database, loads the demo twice and
prints the seconds. The demo is what `make run` loads, so this is the start-up cost a new
developer pays. Never point it at a database holding real records.
"""

from __future__ import annotations

import io
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")

import django

django.setup()

from django.core.management import call_command  # noqa: E402


def main() -> None:
    call_command("migrate", verbosity=0)
    for label in ("first run", "second run (no-op)"):
        started = time.perf_counter()
        call_command("load_demo", verbosity=0, stdout=io.StringIO())
        print(f"load_demo {label}: {time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main()
