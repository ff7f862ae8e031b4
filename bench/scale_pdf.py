"""PDF case files of about 10, 50 and 200 pages for bench/scale.py, through bench/pdf.py.

Run by bench/scale.py with DATABASE_URL pointing at its own database (upstream_bench_pdf): the
PDF bench loads the synthetic demo and writes long bench cases there, which it keeps, so it
never writes into the generated databases. A case file's queries are all by case, so its time
does not depend on how many other cases the database holds. Prints one JSON line at the end.
"""

from __future__ import annotations

import io
import json
import logging
import sys

# bench/pdf.py sets Django up as it is imported (DEBUG on for the demo; each rendering runs in
# a fresh process with DEBUG off, as the pdf worker's child does).
import pdf
from django.core.management import call_command


def main() -> None:
    from casework.models import User

    targets = [int(part) for part in sys.argv[1].split(",")] if len(sys.argv) > 1 else [10, 50, 200]
    repeat = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    call_command("migrate", verbosity=0)
    call_command("load_demo", stdout=io.StringIO())
    source = pdf.richest_demo_case()
    exporter = User.objects.get(username="admin", organisation=source.team.organisation)
    bench = pdf.Bench(source, exporter, "en")
    rows = []
    try:
        for target in targets:
            sample = bench.for_pages(target)
            figures = pdf.measure(sample.export, repeat)
            rows.append({"target": target, "sample": sample.label, "repeat": repeat, **figures})
            print(
                f"  ~{target} pages: {figures['pages']} pages, {figures['seconds']:.2f} s, "
                f"{figures['peak_mb']:.0f} MB",
                flush=True,
            )
    finally:
        bench.close()
    print("PDF_JSON " + json.dumps(rows))


if __name__ == "__main__":
    main()
