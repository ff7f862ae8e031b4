"""How long sealing the audit trail and `audit_verify` take for many audit events.

Run: `DEBUG=1 DATABASE_URL=postgres://postgres:postgres@127.0.0.1:5432/upstream_bench \
.venv/bin/python bench/audit_seals.py [events]` — it creates a throwaway database beside that
one (Django's test database, `test_<name>`), writes that many synthetic audit events (default
200,000; dated an hour ago, with changes, a reason and a browser like real ones), seals them
(`AUDIT_SEAL_BATCH_SIZE` per seal), runs the seal again (nothing new), verifies the chain,
prints seconds and counts, and drops the database. Audit events cannot be deleted on
PostgreSQL, which is why it never writes to the database it is pointed at.
"""

from __future__ import annotations

import datetime
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")

import django

django.setup()

from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from casework.models import AuditEvent, User  # noqa: E402
from security.seals import audit_seal, audit_verify  # noqa: E402


def write_events(count: int) -> None:
    user = User.objects.create(username="bench-auditor", email="bench@bench.invalid")
    content_type = ContentType.objects.get_for_model(User)
    when = timezone.now() - datetime.timedelta(hours=1)
    batch: list[AuditEvent] = []
    for n in range(count):
        batch.append(
            AuditEvent(
                event=AuditEvent.Event.CHANGE if n % 5 == 0 else AuditEvent.Event.VIEW,
                action=AuditEvent.Action.UPDATE if n % 5 == 0 else AuditEvent.Action.ACCESS,
                actor=user,
                actor_email=user.email,
                content_type=content_type,
                object_pk=str(n),
                object_id=n,
                object_repr=f"Synthetic record {n}",
                changes={"phase": ["assessment", "intervention"], "note": [None, "ផែនការ"]}
                if n % 5 == 0
                else None,
                reason="Home visit follow-up" if n % 3 == 0 else "",
                additional_data={"path": f"/cases/{n}/", "status": 200},
                remote_addr="192.0.2.10",
                user_agent="Mozilla/5.0 (Linux; Android 14) Mobile Safari/537.36",
                timestamp=when + datetime.timedelta(milliseconds=n),
            )
        )
        if len(batch) == 5000:
            AuditEvent.objects.bulk_create(batch)
            batch = []
    AuditEvent.objects.bulk_create(batch)


def timed(label: str, run):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = run()
    print(f"{label}: {time.perf_counter() - started:.2f} s")
    return result


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        print(f"{connection.vendor}, throwaway database {name}, {count:,} events")
        timed("write events", lambda: write_events(count))
        seals = timed("first seal run", audit_seal)
        print(f"  {len(seals)} seals, {sum(seal.event_count for seal in seals):,} events")
        again = timed("second seal run (nothing new)", audit_seal)
        print(f"  {len(again)} seals")
        result = timed("audit_verify", audit_verify)
        print(f"  {result.seals} seals, {result.events:,} events, intact: {result.intact}")
    finally:
        connection.creation.destroy_test_db(name, verbosity=0)


if __name__ == "__main__":
    main()
