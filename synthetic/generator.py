"""Fill a PostgreSQL database with a synthetic organisation and its cases, fast and repeatably.

The whole run is one transaction: it refuses a database holding anything that is not marked
synthetic, empties the tables it writes (TRUNCATE, which also lets COPY write frozen rows), sets
the secondary indexes aside, streams every row with COPY, derives the case grants in SQL from
the facts just written, rebuilds the indexes and marks the database with a SyntheticDataset.
Foreign keys are not checked row by row while loading (session_replication_role = replica,
which needs a superuser): the generator writes consistent ids, and the tests check them.

Same seed and same --as-of give the same rows, ids included: one random.Random drives every
choice, ids are counted here rather than drawn from sequences, and no date comes from the clock.
"""

from __future__ import annotations

import datetime
import hashlib
import random
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.conf import settings as guardian_settings

from assessments.models import NeedDomain
from casework.access import ADMINISTRATOR_PERMS, PERMS, SUPERVISOR_PERMS, WORKER_PERMS, codename
from casework.models import (
    Case,
    CaseReferenceCounter,
    ConcernCategory,
    User,
)
from referrals.models import HelpKind, OutgoingReferral
from reviews.access import CHAIR_PERMS

from . import pools
from .cases import CaseMaker, References
from .copying import Copier, quote, rebuild_indexes, set_indexes_aside
from .models import SyntheticDataset
from .tables import Tables
from .world import Clock, Sizes, World, build_world

# Apps whose every table holds case data (or people's accounts), wiped by --replace ...
WIPED_APPS = (
    "casework",
    "assessments",
    "safetyplans",
    "reviews",
    "referrals",
    "reports",
    "security",
    "synthetic",
    "sessions",
)
# ... except the lists their migrations seed, which stay as they are.
KEPT_MODELS: tuple[type[Model], ...] = (ConcernCategory, NeedDomain, HelpKind)
CHUNK = 5000  # cases generated between two hand-overs to the COPY thread
MIN_USERS = 10


class Refused(Exception):
    """The database is not one the generator may write into; nothing was written."""


@dataclass(frozen=True)
class Options:
    cases: int
    users: int
    seed: int
    as_of: datetime.date
    password: str
    replace: bool = False


@dataclass
class Summary:
    dataset: SyntheticDataset
    world: World
    rows: dict[str, int]
    stages: list[tuple[str, float]] = field(default_factory=list)
    database_bytes: int = 0


class Stages:
    """Times each stage and says so as it ends."""

    def __init__(self, say: Callable[[str], None]) -> None:
        self.say = say
        self.done: list[tuple[str, float]] = []

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        started = time.monotonic()
        yield
        self.record(name, time.monotonic() - started)

    def record(self, name: str, seconds: float) -> None:
        self.done.append((name, seconds))
        self.say(_("%(stage)s: %(seconds).1f s") % {"stage": name, "seconds": seconds})


def wiped_tables() -> list[str]:
    names = set()
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.app_label in WIPED_APPS and model not in KEPT_MODELS and meta.managed:
            names.add(meta.db_table)
    names.add(Group._meta.db_table)
    return sorted(names)


def _check_database(*, replace: bool) -> None:
    """Refuse unless the database is empty or was filled by this generator."""
    dataset = SyntheticDataset.objects.first()
    if dataset is not None:
        if not replace:
            raise Refused(
                _(
                    "This database already holds synthetic data (%(dataset)s). Run again with "
                    "--replace to wipe it and generate anew."
                )
                % {"dataset": dataset}
            )
        return
    holding = []
    with connection.cursor() as cursor:
        for table in wiped_tables():
            if table == User._meta.db_table:
                cursor.execute(
                    f"SELECT EXISTS (SELECT 1 FROM {quote(table)} WHERE username <> %s)",  # noqa: S608
                    [guardian_settings.ANONYMOUS_USER_NAME],
                )
            else:
                cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {quote(table)})")  # noqa: S608
            if cursor.fetchone()[0]:
                holding.append(table)
    if holding:
        raise Refused(
            _(
                "This database holds data that is not marked synthetic (in %(tables)s). "
                "generate_synthetic writes only into an empty database or one it filled "
                "itself: create a new database for it."
            )
            % {"tables": ", ".join(holding[:5]) + (", ..." if len(holding) > 5 else "")}
        )


def _wipe() -> None:
    """Empty every table the generator writes, keeping guardian's anonymous user."""
    with connection.cursor() as cursor:
        table = quote(User._meta.db_table)
        query = f"SELECT * FROM {table} WHERE username = %s"  # noqa: S608
        cursor.execute(query, [guardian_settings.ANONYMOUS_USER_NAME])
        anonymous = cursor.fetchall()
        columns = [quote(column.name) for column in cursor.description]
        names = ", ".join(quote(name) for name in wiped_tables())
        cursor.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        for row in anonymous:
            values = ", ".join(["%s"] * len(columns))
            query = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({values})"  # noqa: S608
            cursor.execute(query, row)


def _permission_ids() -> dict[str, int]:
    rows = Permission.objects.filter(
        content_type__app_label="casework", codename__in=[codename(p) for p in PERMS]
    ).values_list("codename", "pk")
    by_codename = dict(rows)
    return {perm: by_codename[codename(perm)] for perm in PERMS}


def _references() -> References:
    perm = _permission_ids()
    return References(
        concerns=list(ConcernCategory.objects.order_by("pk").values_list("pk", "code")),
        need_domains=list(
            NeedDomain.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True)
        ),
        help_kinds=list(
            HelpKind.objects.filter(is_active=True).order_by("pk").values_list("pk", "code")
        ),
        case_type=ContentType.objects.get_for_model(Case).pk,
        referral_type=ContentType.objects.get_for_model(OutgoingReferral).pk,
        worker_perms=sorted(perm[p] for p in WORKER_PERMS),
        chair_perms=sorted(perm[p] for p in CHAIR_PERMS),
        supervisor_perms=sorted(perm[p] for p in SUPERVISOR_PERMS),
        administrator_perms=sorted(perm[p] for p in ADMINISTRATOR_PERMS),
    )


def _reset_sequences(table_names: list[str]) -> None:
    """Leave every id sequence after the ids written, so the application can go on adding."""
    with connection.cursor() as cursor:
        for table in table_names:
            last = "COALESCE(max(id), 1), max(id) IS NOT NULL"
            query = f"SELECT setval(pg_get_serial_sequence(%s, 'id'), {last}) FROM {quote(table)}"  # noqa: S608
            cursor.execute(query, [table])


def generate(options: Options, *, say: Callable[[str], None]) -> Summary:
    """Generate the dataset; raise Refused (having written nothing) where it may not."""
    if connection.vendor != "postgresql":
        raise Refused(
            _(
                "generate_synthetic needs PostgreSQL (it loads rows with COPY); DATABASE_URL "
                "points at %(vendor)s."
            )
            % {"vendor": connection.vendor}
        )
    if options.users < MIN_USERS or options.cases < 1:
        raise Refused(_("Ask for at least one case and %(users)s users.") % {"users": MIN_USERS})
    pools.check_pools()
    started = time.monotonic()
    stages = Stages(say)
    outer_transaction = connection.in_atomic_block
    rng = random.Random(options.seed)  # noqa: S311 - invented data, not secrets
    clock = Clock(options.as_of)
    with transaction.atomic():
        with stages(_("check")):
            with connection.cursor() as cursor:
                cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
                row = cursor.fetchone()
            if not row or not row[0]:
                raise Refused(
                    _(
                        "generate_synthetic loads without checking foreign keys row by row, "
                        "which PostgreSQL allows a superuser only: connect as one (this is "
                        "for benchmark databases, never production)."
                    )
                )
            _check_database(replace=options.replace)
        with connection.cursor() as cursor:
            # Checks still deferred from earlier in this transaction run now, not during the
            # ALTER TABLEs below (which PostgreSQL would refuse); then none are made while
            # loading.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute("SET LOCAL work_mem = '256MB'")
            cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
        with stages(_("wipe")):
            _wipe()
        tables = Tables()
        loaded = sorted({table.name for table in tables})
        with connection.cursor() as cursor:
            for table in tables:
                query = f"SELECT COALESCE(max(id), 0) + 1 FROM {quote(table.name)}"  # noqa: S608
                cursor.execute(query)
                table.next_id = cursor.fetchone()[0]
        with stages(_("set indexes aside")):
            rebuild = set_indexes_aside(loaded)
        refs = _references()
        with stages(_("password hash")):
            # One hash for every account (hashing is slow on purpose), salted from the seed so
            # that the same seed writes the same rows.
            salt = hashlib.sha256(f"upstream-synthetic-{options.seed}".encode()).hexdigest()[:22]
            password_hash = make_password(options.password, salt=salt)

        copier = Copier()
        try:
            with stages(_("organisation and staff")):
                world = build_world(
                    rng=rng,
                    clock=clock,
                    tables=tables,
                    users=options.users,
                    password_hash=password_hash,
                    help_kinds=refs.help_kinds,
                )
                copier.put_all(tables)
            with stages(_("cases")):
                maker = CaseMaker(rng=rng, clock=clock, tables=tables, world=world, refs=refs)
                # The COPY thread needs the GIL for a moment after each socket write; by
                # default it would wait up to 5 ms for the generating thread to let go, and
                # PostgreSQL would sit idle meanwhile.
                switch_interval = sys.getswitchinterval()
                sys.setswitchinterval(0.0002)
                try:
                    _make_cases(maker, copier, options.cases, say)
                    for _n in range(max(1, options.cases // 200)):
                        maker.awaiting_intake()
                    copier.put_all(tables)
                    copier.close()
                finally:
                    sys.setswitchinterval(switch_interval)
        except BaseException:
            copier.close_quietly()
            raise
        with stages(_("indexes")):
            rebuild_indexes(rebuild)
        with stages(_("sequences and mark")):
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = DEFAULT")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            _reset_sequences(loaded)
            CaseReferenceCounter.objects.bulk_create(
                CaseReferenceCounter(year=year, last=last)
                for year, last in sorted(maker.reference_counters.items())
            )
            rows = {table.name: table.total for table in tables}
            dataset = SyntheticDataset.objects.create(
                seed=options.seed,
                cases=options.cases,
                users=options.users,
                as_of=options.as_of,
                created_at=timezone.now(),
                duration=datetime.timedelta(seconds=time.monotonic() - started),
                row_counts=rows,
            )
        committing = time.monotonic()
    stages.record(_("commit"), time.monotonic() - committing)
    if not outer_transaction:
        # Statistics for the planner (COPY FREEZE already set the visibility map: no vacuum).
        with stages(_("analyze")), connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        dataset.duration = datetime.timedelta(seconds=time.monotonic() - started)
        SyntheticDataset.objects.filter(pk=dataset.pk).update(duration=dataset.duration)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        size = cursor.fetchone()[0]
    return Summary(dataset=dataset, world=world, rows=rows, stages=stages.done,
                   database_bytes=size)  # fmt: skip


def _make_cases(maker: CaseMaker, copier: Copier, count: int, say: Callable[[str], None]) -> None:
    started = time.monotonic()
    tables = list(maker.t)
    reported = 0
    for index in range(1, count + 1):
        maker.make()
        if index % CHUNK == 0 or index == count:
            copier.put_all(tables)
            percent = index * 100 // count
            if percent // 10 > reported // 10 or index == count:
                reported = percent
                seconds = time.monotonic() - started
                say(
                    _("  %(done)s of %(total)s cases (%(percent)s%%), %(rate)s a second")
                    % {
                        "done": f"{index:,}",
                        "total": f"{count:,}",
                        "percent": percent,
                        "rate": f"{index / max(seconds, 1e-6):,.0f}",
                    }
                )


__all__ = ["Options", "Refused", "Sizes", "Summary", "generate"]
