"""The markdown tables of bench/scale.py, from the figures it collected (var/bench/scale.json).

`python bench/scale_report.py [var/bench/scale.json]` prints them again without measuring.
"""

from __future__ import annotations

import itertools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

# Issue 10's targets on this machine at 1M cases.
CASELOAD_P95_MS = 100.0
CASELOAD_RPS = 300.0
SCOPING_OVER_FLOOR = 2.0
GUARDIAN_OVER_OURS = 10.0
ACCESS_LOG_MS = 50.0
SWEEP_S = 30.0
PDF_50_S = 5.0
PDF_50_MB = 300.0

Figures = dict[str, Any]


def _ms(value: float) -> str:
    return f"{value:.1f}" if value < 100 else f"{value:.0f}"


def _settings(values: dict[str, str]) -> str:
    return ", ".join(f"{name} = {value}" for name, value in values.items()) or "nothing"


def _shared(run: Figures | None) -> str:
    if not run:
        return "—"
    return f"{run['seconds']:.2f} ({run['delivered']:,} / {run['emails']:,})"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return [*lines, ""]


def _verdict(ok: bool | None) -> str:
    if ok is None:
        return "not measured"
    return "met" if ok else "**missed**"


def _judged(value: float | None, ok: Callable[[float], bool], text: str) -> str:
    if value is None:
        return "—"
    return f"{text} ({_verdict(ok(value))})"


def report(everything: Figures) -> str:
    sizes: dict[str, Figures] = everything["sizes"]
    labels = list(sizes)
    machine = everything["machine"]
    settings = everything["settings"]
    out = ["## Scale benchmarks (bench/scale.py)", ""]
    postgres = next(iter(sizes.values()), {}).get("postgresql", "").split(" on ")[0]
    out.append(
        f"Measured {everything['date'][:16].replace('T', ' ')} UTC on {machine['cores']} cores "
        f"({machine['cpu']}), {machine['memory_gb']} GB memory, {postgres}, Python "
        f"{machine['python']}; everything on the one machine (PostgreSQL, gunicorn, wrk); "
        f"PostgreSQL's settings as shipped but for "
        f"{_settings(settings.get('postgresql') or {})} (as docker-compose.yml sets them). "
        f"{settings['repeat']} timed requests or queries per figure after "
        f"{settings['warmup']} warm-up ones. Commit {everything.get('commit', '?')}."
    )
    out.append("")

    # Datasets.
    rows = []
    for name, size in sizes.items():
        dataset = size["dataset"]
        generation = size.get("generation", {})
        made = (
            f"{generation['generate_s']:.0f} s now (+ {generation['migrate_s']:.0f} s migrate)"
            if generation.get("generated_now")
            else f"{dataset['generation_s']:.0f} s (earlier)"
        )
        cast = size["cast"]
        rows.append(
            [
                name,
                size["database"],
                f"{size['cases']:,}",
                f"{dataset['users']:,}",
                f"{size['database_mb'] / 1024:.1f} GB",
                made,
                f"{cast['worker']} ({cast['worker_open_cases']} open cases), "
                f"{cast['supervisor']}, {cast['administrator']}; case {cast['case_reference']} "
                f"({cast['case_visits']} visits); search {cast['search_term']!r}",
                f"{size['loadavg']['start']:.1f}",
            ]
        )
    out += [
        "### Datasets, and who the pages are measured as",
        "",
        "The worker with the median open caseload, the first supervisor of their team, the "
        "first administrator; the worker's open case with the most home visits; its family "
        "name as the search.",
        "",
    ]
    out += _table(
        [
            "size",
            "database",
            "cases",
            "users",
            "size",
            "generated in",
            "worker, supervisor, administrator; case; search",
            "load avg at start",
        ],
        rows,
    )

    # Pages.
    pages: dict[str, str] = {}
    for size in sizes.values():
        for key, page in size.get("pages", {}).items():
            pages.setdefault(key, page["label"])
    if pages:
        out += [
            "### Pages (Django test client, DEBUG off): median / p95 ms, queries",
            "",
        ]
        rows = []
        for key, title in pages.items():
            row = [title]
            for size in sizes.values():
                page = size.get("pages", {}).get(key)
                if page is None:
                    row.append("—")
                    continue
                bad = "" if page["all_200"] else f" statuses {page['statuses']}"
                if page.get("expected_text_found") is False:
                    bad += " (expected text missing)"
                row.append(
                    f"{_ms(page['median_ms'])} / {_ms(page['p95_ms'])} ms, "
                    f"{page['queries']} q ({_ms(page['sql_ms'])} ms SQL){bad}"
                )
            rows.append(row)
        out += _table(["page", *labels], rows)
        out += ["Query counts (must not grow with the data):", ""]
        rows = []
        for key, title in pages.items():
            counts = [size.get("pages", {}).get(key, {}).get("queries") for size in sizes.values()]
            known = [c for c in counts if c is not None]
            grows = any(b > a for a, b in itertools.pairwise(known))
            rows.append(
                [
                    title,
                    *["—" if c is None else str(c) for c in counts],
                    "**grows**" if grows else "steady",
                ]
            )
        out += _table(["page", *labels, ""], rows)

    # Scoping.
    rows = []
    for name, size in sizes.items():
        for role, s in size.get("scoping", {}).items():
            rows.append(
                [
                    name,
                    f"{role} ({s['user']}, {s['scope']})",
                    f"{s['visible_open_cases']:,}",
                    _ms(s["ours"]["median_ms"]),
                    _ms(s["guardian"]["median_ms"]),
                    f"{_ms(s['floor']['median_ms'])} ({s['floor'].get('form', '')[6:]})",
                    f"{s['ours_over_floor']:.2f}",
                    f"{s['guardian_over_ours']:.2f}",
                    "yes" if s["same_ids"] else "**NO**",
                    _ms(s["ours_jit_off"]["median_ms"]),
                    _ms(s["count_query"]["median_ms"]),
                ]
            )
    if rows:
        out += [
            "### Scoping query: first page (25 rows) of the case list, SQL median ms",
            "",
            "ours = `casework.selectors.caseload` (`cases_visible_to`); guardian = "
            "`get_objects_for_user(user, 'casework.view_case', klass=Case)` with the same "
            "filters, joins, order and limit; floor = hand-written SQL for the same rows (the "
            "faster of an IN form, grants first, and an EXISTS form, cases in order). "
            "'JIT off' is a diagnosis (the same query with PostgreSQL's jit off), 'count' the "
            "page's COUNT(*) through the ORM (capped as the page caps it).",
            "",
        ]
        out += _table(
            [
                "size",
                "user",
                "open cases visible",
                "ours",
                "guardian",
                "floor",
                "ours/floor",
                "guardian/ours",
                "same ids",
                "ours, JIT off",
                "count",
            ],
            rows,
        )

    # Load.
    rows = []
    for name, size in sizes.items():
        load = size.get("load")
        if not load or "skipped" in load:
            continue
        rows.append(
            [
                f"{name} ({load['user']})",
                f"{load['requests_per_s']:.0f}",
                _ms(load["p50_ms"]),
                _ms(load["p95_ms"]),
                _ms(load["p99_ms"]),
                f"{load['requests']:,}",
                f"{load['status_200']:,}",
                str(load["status_other"]),
                str(load["socket_errors"]),
                f"{size['loadavg'].get('load', 0):.1f}",
            ]
        )
    if rows:
        first = next(s["load"] for s in sizes.values() if s.get("load") and "requests" in s["load"])
        out += [
            f"### Load run: GET /cases/ as the worker, gunicorn {first['gunicorn_workers']} "
            f"sync workers, wrk {first['connections']} connections, {first['seconds']:.0f} s",
            "",
        ]
        out += _table(
            [
                "size",
                "req/s",
                "p50 ms",
                "p95 ms",
                "p99 ms",
                "requests",
                "200",
                "not 200",
                "socket errors",
                "load avg before",
            ],
            rows,
        )

    # Sweep.
    rows = []
    for name, size in sizes.items():
        sweep = size.get("sweep")
        if not sweep:
            continue
        first, second = sweep["first"], sweep["second"]
        rows.append(
            [
                name,
                f"{sweep['open_cases']:,}",
                f"{sweep['scheduled_reviews']:,}",
                f"{first['seconds']:.2f}",
                f"{first['claimed']:,} / {first['delivered']:,} / {first['emails']:,}",
                f"{second['seconds']:.2f}",
                f"{second['claimed']} / {second['delivered']} / {second['emails']}",
                _shared(sweep.get("shared")),
            ]
        )
    if rows:
        out += [
            "### Reminder sweep (reviews.reminders.sweep, in-memory e-mail; rows removed after)",
            "",
        ]
        out += _table(
            [
                "size",
                "open cases",
                "scheduled reviews",
                "first sweep s",
                "claimed / delivered / e-mails",
                "second sweep s",
                "claimed / delivered / e-mails",
                "first sweep, two senders s",
            ],
            rows,
        )

    # PDF.
    pdf = everything.get("pdf") or []
    if pdf:
        out += [
            "### PDF case files (bench/pdf.py: fresh process each, median of "
            f"{pdf[0]['repeat']}; its own database)",
            "",
        ]
        out += _table(
            ["target", "pages", "seconds (HTML + PDF)", "CPU s", "peak MB", "size"],
            [
                [
                    f"~{row['target']}",
                    f"{row['pages']:.0f}",
                    f"{row['seconds']:.2f} ({row['html_s']:.2f} + {row['pdf_s']:.2f})",
                    f"{row['cpu_s']:.2f}",
                    f"{row['peak_mb']:.0f}",
                    f"{row['bytes'] / 1e6:.1f} MB",
                ]
                for row in pdf
            ],
        )

    out += targets(everything)
    return "\n".join(out)


def targets(everything: Figures) -> list[str]:
    sizes: dict[str, Figures] = everything["sizes"]
    rows: list[list[str]] = []

    def line(title: str, judge: Callable[[Figures], str]) -> None:
        rows.append([title, *[judge(size) for size in sizes.values()]])

    def page(key: str, figure: str, limit: float) -> Callable[[Figures], str]:
        def judge(size: Figures) -> str:
            p = size.get("pages", {}).get(key)
            value = p[figure] if p else None
            return _judged(value, lambda v: v <= limit, f"{_ms(value or 0)} ms")

        return judge

    def load(figure: str, ok: Callable[[float], bool], unit: str) -> Callable[[Figures], str]:
        def judge(size: Figures) -> str:
            run = size.get("load") or {}
            value = run.get(figure)
            return _judged(value, ok, f"{value or 0:.0f}{unit}")

        return judge

    def scoping(figure: str, ok: Callable[[float], bool]) -> Callable[[Figures], str]:
        def judge(size: Figures) -> str:
            roles = size.get("scoping")
            if not roles:
                return "—"
            return ", ".join(
                f"{role[:5]}. {s[figure]:.1f}x ({'met' if ok(s[figure]) else '**missed**'})"
                for role, s in roles.items()
            )

        return judge

    def sweep(size: Figures) -> str:
        run = size.get("sweep")
        if not run:
            return "—"
        first = run["first"]["seconds"]
        quiet = "second sends nothing" if run["second_sent_nothing"] else "**second sent**"
        text = (
            f"{first:.1f} s, {quiet} ({_verdict(first <= SWEEP_S and run['second_sent_nothing'])})"
        )
        shared = run.get("shared")
        if shared:
            seconds = shared["seconds"]
            text += (
                f"; {shared['senders']} senders {seconds:.1f} s ({_verdict(seconds <= SWEEP_S)})"
            )
        return text

    def counts(size: Figures) -> str:
        labels = list(sizes)
        index = labels.index(size["label"])
        if index == 0:
            return "(baseline)"
        before = sizes[labels[index - 1]].get("pages", {})
        grew = [
            key
            for key, p in size.get("pages", {}).items()
            if key in before and p["queries"] > before[key]["queries"]
        ]
        return f"grew: {', '.join(grew)} (**missed**)" if grew else "steady (met)"

    line(f"caseload p95 ≤ {CASELOAD_P95_MS:.0f} ms, one user", page("caseload", "p95_ms", 100))
    line(
        f"caseload p95 ≤ {CASELOAD_P95_MS:.0f} ms, 50 connections",
        load("p95_ms", lambda v: v <= CASELOAD_P95_MS, " ms"),
    )
    line(
        f"caseload ≥ {CASELOAD_RPS:.0f} req/s",
        load("requests_per_s", lambda v: v >= CASELOAD_RPS, " req/s"),
    )
    line(
        f"scoping ≤ {SCOPING_OVER_FLOOR:.0f}x floor",
        scoping("ours_over_floor", lambda v: v <= SCOPING_OVER_FLOOR),
    )
    line(
        f"scoping ≥ {GUARDIAN_OVER_OURS:.0f}x faster than guardian",
        scoping("guardian_over_ours", lambda v: v >= GUARDIAN_OVER_OURS),
    )
    line(f"access log ≤ {ACCESS_LOG_MS:.0f} ms (median)", page("access_log", "median_ms", 50))
    line(f"reminder sweep ≤ {SWEEP_S:.0f} s", sweep)
    line("query counts steady", counts)
    out = ["### Targets (issue 10; they are for 1M cases)", ""]
    out += _table(["target", *sizes], rows)
    pdf = [row for row in everything.get("pdf") or [] if row["target"] == 50]
    if pdf:
        row = pdf[0]
        ok = row["seconds"] <= PDF_50_S and row["peak_mb"] <= PDF_50_MB
        out.append(
            f"50-page PDF ≤ {PDF_50_S:.0f} s and ≤ {PDF_50_MB:.0f} MB: {row['pages']:.0f} pages in "
            f"{row['seconds']:.2f} s, {row['peak_mb']:.0f} MB ({_verdict(ok)})."
        )
        out.append("")
    return out


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("var/bench/scale.json")
    print(report(json.loads(path.read_text())))


if __name__ == "__main__":
    main()
