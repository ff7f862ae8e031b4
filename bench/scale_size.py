"""One database size of the scale benchmark (bench/scale.py runs it, one process per size).

Run by hand: `.venv/bin/python bench/scale_size.py --database URL --label 10k --out FILE`
against a database `generate_synthetic` filled (it refuses any other). It sets production-like
settings before Django starts (DEBUG off, the template cache, collected static files; only HTTPS
redirects and secure cookies are off, since everything here speaks plain HTTP on 127.0.0.1) and
measures, in this order:

1. pages through Django's test client (force_login: two-step sign-in is off in the synthetic
   organisation): median and p95 of --repeat requests after a warm-up, and the queries of one
   more request (count, SQL time, the slowest ones, EXPLAIN ANALYZE of the slowest SELECT);
2. the scoping query: the first page of a worker's, a supervisor's and an administrator's
   case list as `casework.selectors.caseload` builds it, beside django-guardian's
   `get_objects_for_user` narrowed the same way, beside hand-written SQL (the floor);
3. the reminder sweep over every open case, twice, in-memory e-mail (what it wrote is removed
   afterwards, so the next run measures the same first sweep);
4. a load run: gunicorn (gunicorn.conf.py) on 127.0.0.1 and wrk, signed in as the worker.

Page views are audited as in production, so every run adds audit events (which cannot be
deleted) to the benchmark database: a few hundred, and one per request of the load run.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import multiprocessing
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scale_env import ROOT, SETTINGS_ENV, VAR, settings_env  # beside this file

if __name__ == "__main__":
    # Before Django reads its settings: the database given, and the benchmark's settings.
    sys.path.insert(0, str(ROOT))
    _database = sys.argv[sys.argv.index("--database") + 1] if "--database" in sys.argv else ""
    os.environ.update(settings_env(_database) if _database else SETTINGS_ENV)
    import django

    django.setup()

from django.conf import settings
from django.contrib.auth import load_backend
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, Max, Q, QuerySet
from django.test import Client
from django.test.utils import CaptureQueriesContext
from guardian.shortcuts import get_objects_for_user

from casework.models import Case, Team, User
from casework.selectors import (
    CaseFilters,
    Scope,
    caseload,
    default_scope,
    team_ids_of,
)
from reviews import reminders
from reviews.models import Delivery, Notification, Reminder, Review
from synthetic.models import SyntheticDataset

PAGE_SIZE = 25  # casework.case_views.CASES_PER_PAGE
WRK_SCRIPT = Path(__file__).resolve().parent / "scale_wrk.lua"


def say(text: str) -> None:
    print(text, flush=True)


def percentile(samples: list[float], fraction: float) -> float:
    """Nearest rank: the smallest sample at or above `fraction` of them."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def summary_ms(samples: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in samples]
    return {
        "median_ms": statistics.median(ms),
        "p95_ms": percentile(ms, 0.95),
        "min_ms": min(ms),
        "max_ms": max(ms),
        "n": len(ms),
    }


# --- Who and what -------------------------------------------------------------------------------


@dataclass
class Cast:
    """The users and the case the pages are measured with, chosen the same way at every size."""

    worker: User
    worker_open_cases: int
    supervisor: User
    administrator: User
    case: Case
    case_visits: int
    search_term: str
    workers: int

    def describe(self) -> dict[str, Any]:
        return {
            "worker": self.worker.username,
            "worker_open_cases": self.worker_open_cases,
            "workers": self.workers,
            "supervisor": self.supervisor.username,
            "administrator": self.administrator.username,
            "case_id": self.case.pk,
            "case_reference": self.case.reference,
            "case_visits": self.case_visits,
            "search_term": self.search_term,
        }


def choose_cast(dataset: SyntheticDataset) -> Cast:
    """The median-caseload worker (open cases they hold, ties by id), the first supervisor of
    their team, the first administrator, the worker's open case with the most home visits, and
    that case's family name as the search."""
    staff = User.objects.filter(organisation__is_synthetic=True, is_active=True)
    loads = dict(
        Case.objects.exclude(phase=Case.Phase.CLOSED)
        .values("worker_id")
        .annotate(n=Count("id"))
        .values_list("worker_id", "n")
    )
    workers = sorted(
        (loads.get(pk, 0), pk)
        for pk in staff.filter(role=User.Role.SOCIAL_WORKER).values_list("pk", flat=True)
    )
    if not workers:
        raise SystemExit("no social workers in this database")
    open_cases, worker_id = workers[len(workers) // 2]
    worker = User.objects.get(pk=worker_id)
    team = Team.objects.filter(members=worker).order_by("pk").first()
    supervisor = team.supervisors.order_by("pk").first() if team is not None else None
    if supervisor is None:
        raise SystemExit(f"{worker.username} has no team with a supervisor")
    administrator = staff.filter(role=User.Role.ADMINISTRATOR).order_by("pk").first()
    if administrator is None:
        raise SystemExit("no administrator in this database")
    case = (
        Case.objects.filter(worker=worker)
        .exclude(phase=Case.Phase.CLOSED)
        .annotate(n=Count("visits"))
        .select_related("family")
        .order_by("-n", "pk")
        .first()
    )
    if case is None:
        raise SystemExit(f"{worker.username} holds no open case")
    return Cast(
        worker=worker,
        worker_open_cases=open_cases,
        supervisor=supervisor,
        administrator=administrator,
        case=case,
        case_visits=case.n,
        search_term=case.family.family_name,
        workers=len(workers),
    )


# --- 1. Pages -----------------------------------------------------------------------------------


@dataclass
class Page:
    key: str
    label: str
    user: User
    path: str
    method: str = "get"
    data: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    # Text the answer must hold (the searched name, the case's reference).
    expect: str = ""


def pages_for(cast: Cast) -> list[Page]:
    case = cast.case
    search = {
        # What the search box's form sends (htmx posts the whole form).
        "q": cast.search_term,
        "scope": default_scope(cast.worker),
        "phase": "",
        "tier": "",
        "risk_level": "",
        "village": "",
    }
    htmx = {
        "HX-Request": "true",
        "HX-Current-URL": "http://testserver/cases/",
        "HX-Target": "results",
        "HX-Trigger": "case-search",
    }
    return [
        Page("caseload", "worker's caseload (/cases/)", cast.worker, "/cases/"),
        Page("team_caseload", "supervisor's team caseload (/cases/)", cast.supervisor, "/cases/"),
        Page(
            "search",
            "case search by name (htmx POST /cases/)",
            cast.worker,
            "/cases/",
            method="post",
            data=search,
            headers=htmx,
            expect=cast.search_term,
        ),
        Page("case", "case page", cast.worker, f"/cases/{case.pk}/", expect=case.reference),
        Page("api_cases", "API case list (/api/v1/cases/)", cast.worker, "/api/v1/cases/"),
        Page(
            "access_log",
            "who has opened this file (access log, supervisor)",
            cast.supervisor,
            f"/cases/{case.pk}/access-log/",
            expect=case.reference,
        ),
        Page("dashboard", "supervisor's home (/)", cast.supervisor, "/"),
        Page(
            "review_dashboard",
            "supervisor's review dashboard",
            cast.supervisor,
            "/reviews/dashboard/",
        ),
        Page(
            "admin_caseload", "administrator's case list (/cases/)", cast.administrator, "/cases/"
        ),
    ]


def _request(client: Client, page: Page) -> Any:
    if page.method == "post":
        return client.post(page.path, page.data, headers=page.headers)
    return client.get(page.path, headers=page.headers)


def explain(sql: str, params: Any = None) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def measure_page(page: Page, repeat: int, warmup: int, explain_dir: Path) -> dict[str, Any]:
    client = Client()
    client.force_login(page.user)
    statuses: list[int] = []
    for _ in range(warmup):
        statuses.append(_request(client, page).status_code)
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = _request(client, page)
        samples.append(time.perf_counter() - started)
        statuses.append(response.status_code)
    # One more, with the queries captured (capturing costs time, so not among the samples).
    with CaptureQueriesContext(connection) as captured:
        response = _request(client, page)
    statuses.append(response.status_code)
    body = response.content.decode()
    queries = [(float(q["time"]), q["sql"]) for q in captured.captured_queries]
    slowest = sorted(queries, key=lambda q: -q[0])
    selects = [q for q in slowest if q[1].lstrip().upper().startswith("SELECT")]
    plan_file = None
    if selects:
        plan_file = explain_dir / f"{page.key}.txt"
        plan_file.write_text(f"-- {page.label}\n{selects[0][1]}\n\n{explain(selects[0][1])}\n")
    return {
        "label": page.label,
        "user": page.user.username,
        "path": page.path,
        "method": page.method.upper(),
        **summary_ms(samples),
        "statuses": sorted(set(statuses)),
        "all_200": all(status == 200 for status in statuses),
        "expected_text_found": (page.expect in body) if page.expect else None,
        "bytes": len(response.content),
        "queries": len(queries),
        "sql_ms": sum(q[0] for q in queries) * 1000,
        "slowest_queries": [{"ms": t * 1000, "sql": sql[:600]} for t, sql in slowest[:3]],
        "explain_file": str(plan_file.relative_to(ROOT)) if plan_file else None,
    }


# --- 2. The scoping query -----------------------------------------------------------------------


def ours(user: User) -> QuerySet[Case]:
    return caseload(user, CaseFilters(scope=default_scope(user)))


def guardians(user: User) -> QuerySet[Case]:
    """django-guardian's default path, narrowed, joined and ordered as the case list is."""
    cases = get_objects_for_user(user, "casework.view_case", klass=Case)
    scope = default_scope(user)
    if scope == Scope.MINE:
        cases = cases.filter(Q(worker=user) | Q(covering_worker=user))
    elif scope == Scope.TEAM:
        # The same team ids as ours (constants loaded with the user): only the grant check
        # differs between the two.
        cases = cases.filter(team__in=team_ids_of(user))
    return (
        cases.exclude(phase=Case.Phase.CLOSED)
        .select_related("family__village", "team", "worker", "covering_worker")
        .order_by("-opened_on", "-pk")
    )


FLOOR_SCOPE = {
    Scope.MINE: "AND (c.worker_id = %(user)s OR c.covering_worker_id = %(user)s)",
    Scope.TEAM: """AND c.team_id IN (
        SELECT team_id FROM casework_team_members WHERE user_id = %(user)s
        UNION SELECT team_id FROM casework_team_supervisors WHERE user_id = %(user)s)""",
    Scope.ORGANISATION: "",
}

# The same rows and columns, written by hand in two ways; the floor is the faster of the two.
# "in": the user's grants read first (by the grant tables' unique indexes), then their cases.
# "exists": the cases walked in the list's order, each grant probed by the unique indexes.
FLOOR_GRANT = {
    "in": """(c.id IN (SELECT content_object_id FROM casework_caseuserobjectpermission
                    WHERE user_id = %(user)s AND permission_id = %(perm)s)
           OR c.id IN (SELECT content_object_id FROM casework_casegroupobjectpermission
                       WHERE permission_id = %(perm)s AND group_id = ANY(%(groups)s)))""",
    "exists": """(EXISTS (SELECT 1 FROM casework_caseuserobjectpermission p
                       WHERE p.content_object_id = c.id AND p.user_id = %(user)s
                         AND p.permission_id = %(perm)s)
           OR EXISTS (SELECT 1 FROM casework_casegroupobjectpermission g
                      WHERE g.content_object_id = c.id AND g.permission_id = %(perm)s
                        AND g.group_id = ANY(%(groups)s)))""",
}
FLOOR_SQL = """
SELECT c.*, f.*, v.*, t.*, w.*, cw.*
FROM casework_case c
JOIN casework_family f ON f.id = c.family_id
JOIN casework_village v ON v.id = f.village_id
JOIN casework_team t ON t.id = c.team_id
JOIN casework_user w ON w.id = c.worker_id
LEFT JOIN casework_user cw ON cw.id = c.covering_worker_id
WHERE c.phase <> 'closed'
  {scope}
  AND {grant}
ORDER BY c.opened_on DESC, c.id DESC
LIMIT {limit}
"""


def floor(user: User, perm_id: int, form: str) -> tuple[str, dict[str, Any]]:
    sql = FLOOR_SQL.format(
        scope=FLOOR_SCOPE[default_scope(user)], grant=FLOOR_GRANT[form], limit=PAGE_SIZE
    )
    groups = list(user.groups.values_list("pk", flat=True))
    return sql, {"user": user.pk, "perm": perm_id, "groups": groups}


def signed_in(user: User) -> User:
    """The user as a request has it: loaded by the session's authentication backend (which
    may load more with it, e.g. the group ids the door uses)."""
    for path in settings.AUTHENTICATION_BACKENDS:
        backend = load_backend(path)
        if hasattr(backend, "get_user"):
            loaded = backend.get_user(user.pk)
            if isinstance(loaded, User):
                return loaded
    return user


def time_sql(
    sql: str, params: Any, repeat: int, warmup: int, *, jit: bool = True
) -> tuple[list[float], list[Any]]:
    """Client-side time of executing and fetching, as the application waits for it."""
    samples = []
    rows: list[Any] = []
    with connection.cursor() as cursor:
        if not jit:
            cursor.execute("SET jit = off")
        for n in range(warmup + repeat):
            started = time.perf_counter()
            cursor.execute(sql, params)
            rows = cursor.fetchall()
            if n >= warmup:
                samples.append(time.perf_counter() - started)
        if not jit:
            cursor.execute("RESET jit")
    return samples, [row[0] for row in rows]


def time_call(run: Callable[[], object], repeat: int, warmup: int) -> list[float]:
    samples = []
    for n in range(warmup + repeat):
        started = time.perf_counter()
        run()
        if n >= warmup:
            samples.append(time.perf_counter() - started)
    return samples


def measure_scoping(cast: Cast, repeat: int, warmup: int, explain_dir: Path) -> dict[str, Any]:
    perm_id = Permission.objects.get(content_type__app_label="casework", codename="view_case").pk
    results: dict[str, Any] = {}
    for role, plain in (
        ("worker", cast.worker),
        ("supervisor", cast.supervisor),
        ("administrator", cast.administrator),
    ):
        user = signed_in(plain)
        variants = {
            "ours": ours(user)[:PAGE_SIZE].query.sql_with_params(),
            "guardian": guardians(user)[:PAGE_SIZE].query.sql_with_params(),
            "floor_in": floor(user, perm_id, "in"),
            "floor_exists": floor(user, perm_id, "exists"),
        }
        figures: dict[str, Any] = {}
        ids: dict[str, list[Any]] = {}
        for name, (sql, params) in variants.items():
            samples, ids[name] = time_sql(sql, params, repeat, warmup)
            figures[name] = summary_ms(samples)
            plan = explain(sql, params)
            (explain_dir / f"scoping-{role}-{name}.txt").write_text(f"{sql}\n{params}\n\n{plan}\n")
            figures[name]["plan_execution_ms"] = _plan_figure(plan, "Execution Time:")
            figures[name]["plan_jit_ms"] = _plan_figure(plan, "Timing:", last=True)
        # Diagnosis, not the application's figure: the same query with PostgreSQL's JIT off.
        sql, params = variants["ours"]
        figures["ours_jit_off"] = summary_ms(time_sql(sql, params, repeat, warmup, jit=False)[0])
        # The page's count (Paginator), as the application runs it.
        count_samples = time_call(_counter(user), max(5, repeat // 3), 1)
        fastest = min(("floor_in", "floor_exists"), key=lambda n: figures[n]["median_ms"])
        figures["floor"] = {**figures[fastest], "form": fastest}
        rows = ids["ours"]
        results[role] = {
            "user": user.username,
            "scope": default_scope(user),
            "visible_open_cases": ours(user).count(),
            "rows": len(rows),
            **figures,
            "count_query": summary_ms(count_samples),
            "same_ids": all(found == rows for found in ids.values()),
            "ours_over_floor": figures["ours"]["median_ms"] / figures["floor"]["median_ms"],
            "guardian_over_ours": figures["guardian"]["median_ms"] / figures["ours"]["median_ms"],
        }
    return results


def _counter(user: User) -> Callable[[], int]:
    """The list page's count: capped where the page caps it (casework.case_views)."""
    from casework import case_views

    cap = getattr(case_views, "CASES_COUNTED", None)
    if cap is None:
        return lambda: ours(user).count()
    return lambda: ours(user)[: cap + 1].count()


def _plan_figure(plan: str, prefix: str, *, last: bool = False) -> float | None:
    """A time from EXPLAIN ANALYZE's output: the line's first (or last) number of ms."""
    for line in plan.splitlines():
        line = line.strip()
        if line.startswith(prefix):
            numbers = [word for word in line.replace(",", " ").split() if _is_number(word)]
            if numbers:
                return float(numbers[-1] if last else numbers[0])
    return None


def _is_number(word: str) -> bool:
    try:
        float(word)
    except ValueError:
        return False
    return True


# --- 3. The reminder sweep ----------------------------------------------------------------------


def _send_in_child(results: Any) -> None:
    """A second sending process, as a helper task on another worker process runs it."""
    mail.outbox = []
    delivered = reminders.deliver_pending()
    results.put({"delivered": delivered, "emails": len(mail.outbox)})
    connection.close()


def _sweep_with_senders(senders: int) -> dict[str, Any]:
    """Claim, then send with `senders` processes at once (REVIEW_REMINDER_SENDERS): this
    process and senders - 1 forked ones, splitting the reminders with SKIP LOCKED."""
    mail.outbox = []
    started = time.perf_counter()
    claimed = reminders.claim_due_reminders()
    connection.close()  # a forked child must not share this process's connection
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    children = [context.Process(target=_send_in_child, args=(results,)) for _ in range(senders - 1)]
    for child in children:
        child.start()
    delivered = reminders.deliver_pending()
    emails = len(mail.outbox)
    for _child in children:
        part = results.get(timeout=3600)
        delivered += part["delivered"]
        emails += part["emails"]
    for child in children:
        child.join()
    return {
        "seconds": time.perf_counter() - started,
        "senders": senders,
        "claimed": claimed,
        "delivered": delivered,
        "emails": emails,
    }


def measure_sweep(senders: int = 2) -> dict[str, Any]:
    """Two sweeps as beat would run them with one sender (committed), then what they wrote is
    removed; then the first sweep again with `senders` processes sending, and removed again."""
    before = {
        model: model.objects.aggregate(m=Max("pk"))["m"] or 0
        for model in (Reminder, Delivery, Notification)
    }

    def remove() -> None:
        # Newest first: notifications and deliveries point at reminders.
        for model in (Notification, Delivery, Reminder):
            model.objects.filter(pk__gt=before[model]).delete()

    open_cases = Case.objects.exclude(phase=Case.Phase.CLOSED).count()
    scheduled = Review.objects.filter(status=Review.Status.SCHEDULED).count()
    runs = []
    try:
        for _ in range(2):
            runs.append(_sweep_with_senders(1))
    finally:
        remove()
    shared = None
    if senders > 1:
        try:
            shared = _sweep_with_senders(senders)
        finally:
            remove()
    return {
        "open_cases": open_cases,
        "scheduled_reviews": scheduled,
        "first": runs[0],
        "second": runs[1] if len(runs) > 1 else None,
        "second_sent_nothing": len(runs) > 1 and runs[1]["emails"] == 0,
        "shared": shared,
    }


# --- 4. The load run ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def get_status(port: int, path: str, cookie: str = "") -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def wrk(url: str, cookie: str, seconds: int, connections: int, threads: int) -> dict[str, Any]:
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(WRK_SCRIPT),
        "-H",
        f"Cookie: {cookie}",
        url,
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=True)  # noqa: S603
    for line in result.stdout.splitlines():
        if line.startswith("WRK_JSON "):
            figures: dict[str, Any] = json.loads(line[len("WRK_JSON ") :])
            return figures
    raise RuntimeError(f"wrk printed no figures:\n{result.stdout}\n{result.stderr}")


def measure_load(
    cast: Cast, database_url: str, workers: int, seconds: int, connections: int
) -> dict[str, Any]:
    wrk_path = shutil.which("wrk")
    if wrk_path is None:
        return {"skipped": "wrk is not installed (Debian: apt-get install wrk)"}
    client = Client()
    client.force_login(cast.worker)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    port = free_port()
    gunicorn = Path(sys.executable).parent / "gunicorn"
    command = [
        str(gunicorn),
        "config.wsgi:application",
        "--config",
        str(ROOT / "gunicorn.conf.py"),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=settings_env(database_url))  # noqa: S603
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if get_status(port, "/accounts/login/")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("gunicorn did not start")
            time.sleep(0.3)
        status, body = get_status(port, "/cases/", cookie)
        if status != 200 or b'id="results"' not in body:
            raise RuntimeError(f"signed-in /cases/ answered {status}, not the worker's page")
        url = f"http://127.0.0.1:{port}/cases/"
        warm = wrk(url, cookie, 5, connections, 2)
        figures = wrk(url, cookie, seconds, connections, 2)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    duration = figures["duration_us"] / 1e6
    return {
        "url": "/cases/",
        "user": cast.worker.username,
        "gunicorn_workers": workers,
        "worker_class": "sync",
        "connections": connections,
        "wrk_threads": 2,
        "seconds": duration,
        "warmup_requests": warm["requests"],
        "requests": figures["requests"],
        "requests_per_s": figures["requests"] / duration,
        "p50_ms": figures["p50_us"] / 1000,
        "p90_ms": figures["p90_us"] / 1000,
        "p95_ms": figures["p95_us"] / 1000,
        "p99_ms": figures["p99_us"] / 1000,
        "max_ms": figures["latency_max_us"] / 1000,
        "status_200": figures["status_200"],
        "status_other": figures["status_other"],
        "non_2xx_3xx": figures["errors_status"],
        "socket_errors": sum(
            figures[f"errors_{kind}"] for kind in ("connect", "read", "write", "timeout")
        ),
    }


# --- Main ---------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", required=True, help="DATABASE_URL of a synthetic database")
    parser.add_argument("--label", required=True, help="size label, e.g. 10k")
    parser.add_argument("--out", required=True, type=Path, help="JSON file to write")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--load-seconds", type=int, default=30)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--skip", default="", help="comma-separated: pages,scoping,sweep,load")
    args = parser.parse_args()
    skip = {part.strip() for part in args.skip.split(",") if part.strip()}

    dataset = SyntheticDataset.objects.first()
    if dataset is None:
        raise SystemExit(
            "this database has no SyntheticDataset row: only a database filled by "
            "generate_synthetic is benchmarked"
        )
    explain_dir = VAR / "explain" / args.label
    explain_dir.mkdir(parents=True, exist_ok=True)
    if not (VAR / "static" / "staticfiles.json").exists():
        call_command("collectstatic", interactive=False, verbosity=0)

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database()), version()")
        size_bytes, pg_version = cursor.fetchone()
    result: dict[str, Any] = {
        "label": args.label,
        "database": connection.settings_dict["NAME"],
        "database_mb": size_bytes / 2**20,
        "postgresql": pg_version,
        "dataset": {
            "cases": dataset.cases,
            "users": dataset.users,
            "seed": dataset.seed,
            "as_of": dataset.as_of.isoformat(),
            "generated_at": dataset.created_at.isoformat(),
            "generation_s": dataset.duration.total_seconds(),
        },
        "cases": Case.objects.count(),
    }
    # Other work on the machine shows here (1-minute load average as each section starts).
    result["loadavg"] = {"start": os.getloadavg()[0]}
    cast = choose_cast(dataset)
    result["cast"] = cast.describe()
    say(f"[{args.label}] {result['cases']:,} cases; {json.dumps(result['cast'])}")

    if "pages" not in skip:
        result["loadavg"]["pages"] = os.getloadavg()[0]
        result["pages"] = {}
        for page in pages_for(cast):
            figures = measure_page(page, args.repeat, args.warmup, explain_dir)
            result["pages"][page.key] = figures
            say(
                f"[{args.label}] {page.label}: {figures['median_ms']:.1f} ms median, "
                f"{figures['p95_ms']:.1f} ms p95, {figures['queries']} queries, "
                f"statuses {figures['statuses']}"
            )
    if "scoping" not in skip:
        result["loadavg"]["scoping"] = os.getloadavg()[0]
        result["scoping"] = measure_scoping(cast, args.repeat, args.warmup, explain_dir)
        for role, figures in result["scoping"].items():
            say(
                f"[{args.label}] scoping, {role}: ours {figures['ours']['median_ms']:.2f} ms, "
                f"guardian {figures['guardian']['median_ms']:.2f} ms, "
                f"floor {figures['floor']['median_ms']:.2f} ms; same ids: {figures['same_ids']}"
            )
    if "sweep" not in skip:
        result["loadavg"]["sweep"] = os.getloadavg()[0]
        result["sweep"] = measure_sweep()
        first = result["sweep"]["first"]
        say(
            f"[{args.label}] reminder sweep: {first['seconds']:.2f} s, {first['emails']} e-mails; "
            f"second {result['sweep']['second']['seconds']:.2f} s, "
            f"{result['sweep']['second']['emails']} e-mails; two senders "
            f"{result['sweep']['shared']['seconds']:.2f} s, "
            f"{result['sweep']['shared']['emails']} e-mails"
        )
    if "load" not in skip:
        result["loadavg"]["load"] = os.getloadavg()[0]
        result["load"] = measure_load(
            cast, args.database, args.workers, args.load_seconds, args.connections
        )
        load = result["load"]
        if "skipped" not in load:
            say(
                f"[{args.label}] load: {load['requests_per_s']:.0f} req/s, p50 {load['p50_ms']:.0f}"
                f" / p95 {load['p95_ms']:.0f} / p99 {load['p99_ms']:.0f} ms, "
                f"{load['status_other']} not 200"
            )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, default=str))
    say(
        f"[{args.label}] wrote {args.out.relative_to(ROOT) if args.out.is_absolute() else args.out}"
    )


if __name__ == "__main__":
    main()
