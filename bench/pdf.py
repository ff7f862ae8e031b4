"""How long a case file takes to render as PDF, and how much memory, at about 10, 50 and 200 pages.

Run: `DEBUG=1 DATABASE_URL=postgres://postgres:postgres@127.0.0.1:5432/upstream_bench \
.venv/bin/python bench/pdf.py [pages ...] [--language km] [--repeat N]` — it migrates that
database, loads the synthetic demo, writes bench cases whose history is the richest demo case's
history copied as often as it takes to reach each page count (bench/pdf_data.py), and asks for
a case file with every registered section (bench cases are kept and found again by the next
run: signed visits and the audit trail cannot be deleted). Each rendering is measured in a fresh
Python process, as the `pdf` worker's child would run it (DEBUG off, Django and WeasyPrint
imported first): seconds = `export_html` + `render_pdf`, the median of --repeat processes (3);
peak MB = the process's peak resident memory (VmHWM), Django and WeasyPrint included. It prints
a table. Target (issue 8): 50 pages in at most 5 s and 300 MB. Wall-clock seconds depend on
what else the machine is doing: the CPU seconds beside them less so. Never point it at a
database holding real records.
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import logging
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# The bench itself runs with DEBUG on (the demo needs it); its fresh processes set their own.
os.environ.setdefault("DEBUG", "1")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db.models import Count, QuerySet  # noqa: E402
from django.utils import timezone  # noqa: E402

# Beside this file (its folder is the first on sys.path when it runs).
from pdf_data import REFERENCE_PREFIX, bench_case, history_fingerprint  # noqa: E402

from casework.demo import DEMO_ORGANISATION  # noqa: E402
from casework.documents import case_file_sections  # noqa: E402
from casework.models import Case, User  # noqa: E402
from reports.models import CaseExport  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

TARGETS = (10, 50, 200)
TARGET_50 = (5.0, 300.0)  # seconds, MB


# --- In the fresh process ------------------------------------------------------------------------


def _peak_mb() -> float:
    """The process's peak resident memory so far."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def render_once(export_id: str) -> dict[str, Any]:
    """One rendering, timed: what the pdf worker's child does for one task."""
    from casework.pdf import render_pdf
    from reports.rendering import export_html

    started = time.perf_counter()
    import weasyprint  # noqa: F401  (the worker's child pays this once, for its first file)

    imported = time.perf_counter()
    before = _peak_mb()
    export = CaseExport.objects.select_related("requested_by").get(pk=export_id)
    cpu = time.process_time()
    begin = time.perf_counter()
    html = export_html(export)
    middle = time.perf_counter()
    rendered = render_pdf(html)
    end = time.perf_counter()
    cpu = time.process_time() - cpu
    return {
        "pages": rendered.pages,
        "bytes": len(rendered.content),
        "html_s": middle - begin,
        "pdf_s": end - middle,
        "seconds": end - begin,
        "cpu_s": cpu,
        "import_s": imported - started,
        "before_mb": before,
        "peak_mb": _peak_mb(),
    }


# --- In the bench's own process ------------------------------------------------------------------


@dataclass
class Sample:
    case: Case
    copies: int  # of the source's history; 0: a demo case as it is
    export: CaseExport
    pages: int

    @property
    def label(self) -> str:
        return f"x{self.copies}" if self.copies else "demo case"


def measure(export: CaseExport, repeat: int) -> dict[str, Any]:
    """Render in `repeat` fresh processes; the median of each figure."""
    env = {
        **os.environ,
        # As in production: DEBUG off (no template debugging, no query log).
        "DEBUG": "",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "bench-only-not-a-secret",
        "STATIC_COLLECTED": "0",  # {% static %} without collectstatic's manifest
    }
    runs = []
    for _ in range(repeat):
        result = subprocess.run(  # noqa: S603 - this very file, with an export's id
            [sys.executable, __file__, "--render", str(export.pk)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode:
            raise RuntimeError(f"the rendering process failed:\n{result.stderr[-3000:]}")
        runs.append(json.loads(result.stdout.strip().splitlines()[-1]))
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def demo_cases() -> QuerySet[Case]:
    return Case.objects.filter(team__organisation__name=DEMO_ORGANISATION).exclude(
        reference__startswith=REFERENCE_PREFIX  # not an earlier run's bench case
    )


def richest_demo_case() -> Case:
    """The demo case with the longest history (most audit lines aside): every section prints."""
    cases = (
        demo_cases()
        .annotate(
            n=Count("visits", distinct=True)
            + Count("assessments", distinct=True)
            + Count("plans", distinct=True)
            + Count("scale_scores", distinct=True)
            + Count("reviews", distinct=True)
        )
        .order_by("-n", "pk")
    )
    case = cases.first()
    if case is None:
        raise SystemExit("the demo did not load")
    return case


class Bench:
    def __init__(self, source: Case, exporter: User, language: str) -> None:
        self.source = source
        self.exporter = exporter
        self.language = language
        self.sections = [section.key for section in case_file_sections()]
        self.samples: dict[int, Sample] = {}
        self.demo: list[Sample] = []
        self.exports: list[Any] = []
        self.fingerprint = history_fingerprint(source)

    def _calibrated(self, case: Case, copies: int, started: float) -> Sample:
        """Its export, and its pages (rendered here: this is not the measurement)."""
        from casework.pdf import render_pdf
        from reports.rendering import export_html

        export = CaseExport.objects.create(
            case=case,
            requested_by=self.exporter,
            document="case_file",
            sections=self.sections,
            language=self.language,
            purpose=CaseExport.Purpose.AUDIT,
            purpose_detail="Rendering bench (synthetic data)",
            expires_at=timezone.now() + datetime.timedelta(hours=1),
        )
        sample = Sample(case, copies, export, render_pdf(export_html(export)).pages)
        self.exports.append(export.pk)
        print(
            f"  {case.reference}: {sample.label}, {sample.pages} pages "
            f"(written and calibrated in {time.perf_counter() - started:.1f} s)",
            flush=True,
        )
        return sample

    def sample(self, copies: int) -> Sample:
        """A bench case with the source's history `copies` times."""
        if copies not in self.samples:
            started = time.perf_counter()
            case = bench_case(self.source, copies=copies, fingerprint=self.fingerprint)
            self.samples[copies] = self._calibrated(case, copies, started)
        return self.samples[copies]

    def for_pages(self, target: int) -> Sample:
        """The sample nearest `target` pages: from a straight line through two probes, then
        once more through the nearest point found. Below one copy of the richest history:
        the demo case nearest in length, as it is."""
        first = self.sample(1)
        if target < 0.8 * first.pages:
            return self.demo_case_for(target)
        second = self.sample(4)
        per_copy = max((second.pages - first.pages) / 3, 0.1)
        copies = max(1, round(1 + (target - first.pages) / per_copy))
        found = self.sample(copies)
        if copies > 1 and abs(found.pages - target) > 0.08 * target:
            per_copy = max((found.pages - first.pages) / (copies - 1), 0.1)
            found = self.sample(max(1, round(1 + (target - first.pages) / per_copy)))
        return min(self.samples.values(), key=lambda s: abs(s.pages - target))

    def demo_case_for(self, target: int) -> Sample:
        if not self.demo:
            for case in demo_cases():
                self.demo.append(self._calibrated(case, 0, time.perf_counter()))
        return min(self.demo, key=lambda s: (abs(s.pages - target), s.case.pk))

    def close(self) -> None:
        """The bench cases stay for the next run (bench/pdf_data.py says why); the exports go."""
        CaseExport.objects.filter(pk__in=self.exports).delete()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("pages", nargs="*", type=int, default=list(TARGETS))
    parser.add_argument("--language", default="en", choices=["en", "km"])
    parser.add_argument("--repeat", type=int, default=3, help="fresh processes per size (median)")
    parser.add_argument("--render", help=argparse.SUPPRESS)  # in the fresh process
    args = parser.parse_args()
    if args.render:
        print(json.dumps(render_once(args.render)))
        return

    # WeasyPrint logs every page it lays out at INFO; the bench's own output is the table.
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    call_command("migrate", verbosity=0)
    call_command("load_demo", stdout=io.StringIO())
    source = richest_demo_case()
    exporter = User.objects.get(username="admin", organisation=source.team.organisation)
    bench = Bench(source, exporter, args.language)
    print(
        f"source: demo case {source.reference} ({source.family.family_name}); "
        f"sections: {', '.join(bench.sections)}; language: {args.language}"
    )
    try:
        rows = []
        for target in args.pages:
            sample = bench.for_pages(target)
            figures = measure(sample.export, args.repeat)
            rows.append((target, sample, figures))
            print(f"  measured ~{target}: {figures['seconds']:.2f} s", flush=True)
        print()
        print("| target | pages | case | seconds (HTML + PDF) | CPU seconds | peak MB | PDF size |")
        print("|---|---|---|---|---|---|---|")
        for target, sample, figures in rows:
            print(
                f"| ~{target} | {figures['pages']} | {sample.label} | "
                f"{figures['seconds']:.2f} ({figures['html_s']:.2f} + {figures['pdf_s']:.2f}) | "
                f"{figures['cpu_s']:.2f} | {figures['peak_mb']:.0f} | "
                f"{figures['bytes'] / 1e6:.1f} MB |"
            )
        print(
            f"\nEach in a fresh process; before rendering it held "
            f"{rows[0][2]['before_mb']:.0f} MB (Django and WeasyPrint loaded; importing "
            f"WeasyPrint took {rows[0][2]['import_s']:.2f} s, not counted)."
        )
        near_50 = [r for r in rows if r[0] == 50]
        if near_50:
            figures = near_50[0][2]
            ok = figures["seconds"] <= TARGET_50[0] and figures["peak_mb"] <= TARGET_50[1]
            print(
                f"Target for 50 pages: <= {TARGET_50[0]:.0f} s and <= {TARGET_50[1]:.0f} MB: "
                f"{'met' if ok else 'NOT met'}."
            )
    finally:
        bench.close()


if __name__ == "__main__":
    main()
