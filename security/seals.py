"""Tamper evidence for the audit trail: sealing audit events into a hash chain, and checking it.

What a seal is
--------------
A periodic task (`security.tasks.seal_audit_events`, on beat) takes the audit events written
since the last seal, in id order, and records an `AuditSeal`: the id range, the number of
events, `events_hash` over their contents, the previous seal's hash and its own `seal_hash`
over all of that. `python manage.py audit_verify` recomputes everything from the events now in
the table and names the first event or seal that no longer matches.

- An event's content is every column of the audit table, written out canonically:
  `json.dumps` of {column: value} with sorted keys, no spaces, UTF-8 (`ensure_ascii=False`),
  the time as ISO 8601 in UTC with microseconds
  (`2026-11-25T08:30:00.123456+00:00`). JSON columns are decoded and written out again
  the same way, so PostgreSQL's jsonb key order does not matter. The columns are a fixed list
  (`SEALED_FIELDS`, format 1): a new column in the audit table needs a new format, or the
  seals made before it would no longer verify (a test fails until the list is updated).
- `events_hash` is the SHA-256 over the concatenated SHA-256 digests of the events' contents,
  in id order. The id is part of the content, so a moved, deleted or added event changes it.
- `seal_hash` is the SHA-256 of the canonical JSON of the seal's format, sequence, first and
  last event id, count, unused ids (`gaps`), events_hash, the SHA-256 of the per-event
  digests, previous_hash and sealed_at.
- Each seal also keeps the first 8 bytes of every event's digest and the ids in its range that
  held no event (a rolled-back transaction used them). They do not prove anything themselves;
  they let `audit_verify` say *which* event was changed, deleted or added.

Which events a run seals (the horizon)
--------------------------------------
Ids come from a sequence and are handed out before commit, so a transaction still open can
commit an event with an id below one that is already visible. Sealing past it would leave it
out of the chain for good, and make it look "added" later. A run therefore seals only the
unbroken run of events, in id order, after the last seal whose timestamps are older than a
cutoff, and stops at the first event that is not:

    cutoff = min(now, start of the oldest transaction still open on this database)
             - AUDIT_SEAL_DELAY_SECONDS (60)

An event's timestamp is taken just before its INSERT. An event still invisible belongs to an
open transaction, which had started by the time of that INSERT; every later id went to a later
INSERT, whose timestamp is therefore no older than that transaction's start, so newer than the
cutoff: the run stops at the first of them it sees, before it could pass the invisible event.
The delay absorbs the moment between taking a timestamp and the INSERT, and clock differences
between the application's servers and the database. The open transactions come from
`pg_stat_activity`: the sealer runs as the same database role as the web, so it sees their
start times (another role's sessions, such as an administrator's in psql, show none unless the
sealer's role has `pg_read_all_stats`; they do not write audit events). On SQLite one writer
at a time holds the whole database, so ids become visible in order and only the delay applies.

The price: an event is sealed a minute or more after it is written (beat runs every
`AUDIT_SEAL_EVERY_SECONDS`, 300), and a session left idle inside a transaction holds sealing
back until it ends. Nothing waits on the sealer: it reads the audit table like any other query
and never locks it, so requests go on writing events while it runs.

Two sealers at once
-------------------
A run reads and hashes a batch outside any transaction, then writes its seal in one short
transaction, under a transaction-level advisory lock on PostgreSQL (SQLite has one writer
anyway), and only if the newest seal is still the one it started from; otherwise it reads
again from the new end of the chain. So a second beat or a retried task at the same time
wastes a little work and writes nothing twice. Unique constraints on the sequence, both ends
of the range and the previous hash are the backstop: a seal that would overlap or fork the
chain is refused.

What it proves, and what it does not
------------------------------------
Once sealed, an event edited, deleted or added in the database is detected, as is a seal
edited, deleted from the middle of the chain or put out of order. Nothing detects a change
made before the event was sealed, and someone able to rewrite the database can rebuild every
seal after the one they changed, or drop the newest seals: the chain has no secret. Keep the
newest seal's hash outside the database (the task logs every seal; `audit_verify` prints the
head) and check against it with `audit_verify --head HASH`.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.models import AuditEvent

from .models import AuditSeal

logger = logging.getLogger(__name__)

FORMAT = 1
GENESIS_HASH = "0" * 64
DIGEST_BYTES = 8
# Every column of casework.AuditEvent, by its database attribute name (format 1).
SEALED_FIELDS: tuple[str, ...] = (
    "id",
    "timestamp",
    "event",
    "action",
    "actor_id",
    "actor_email",
    "case_id",
    "content_type_id",
    "object_pk",
    "object_id",
    "object_repr",
    "changes",
    "changes_text",
    "serialized_data",
    "additional_data",
    "reason",
    "remote_addr",
    "remote_port",
    "user_agent",
    "cid",
)
_ID = SEALED_FIELDS.index("id")
_TIMESTAMP = SEALED_FIELDS.index("timestamp")
# Any fixed 64-bit number, the same in every process: "one sealer at a time".
_ADVISORY_LOCK_KEY = 0x55505354_5345414C  # "UPST" "SEAL"
_CHUNK = 5000

Row = tuple[Any, ...]


# --- Canonical contents ----------------------------------------------------------------------


def _utc(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).isoformat(timespec="microseconds")


def _dumps(value: Any) -> bytes:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def event_canonical(row: Sequence[Any]) -> bytes:
    """One audit event (a values_list row of SEALED_FIELDS) as the bytes that are hashed."""
    record = dict(zip(SEALED_FIELDS, row, strict=True))
    record["timestamp"] = _utc(record["timestamp"])  # the only time column (format 1)
    return _dumps(record)


def event_digest(row: Sequence[Any]) -> bytes:
    return hashlib.sha256(event_canonical(row)).digest()


def seal_hash_of(
    *,
    seal_format: int,
    sequence: int,
    first_event_id: int,
    last_event_id: int,
    event_count: int,
    gaps: list[list[int]],
    event_digests: bytes,
    events_hash: str,
    previous_hash: str,
    sealed_at: datetime.datetime,
) -> str:
    return hashlib.sha256(
        _dumps(
            {
                "format": seal_format,
                "sequence": sequence,
                "first_event_id": first_event_id,
                "last_event_id": last_event_id,
                "event_count": event_count,
                "gaps": gaps,
                "event_digests": hashlib.sha256(event_digests).hexdigest(),
                "events_hash": events_hash,
                "previous_hash": previous_hash,
                "sealed_at": _utc(sealed_at),
            }
        )
    ).hexdigest()


def _stored_seal_hash(seal: AuditSeal) -> str:
    return seal_hash_of(
        seal_format=seal.format,
        sequence=seal.sequence,
        first_event_id=seal.first_event_id,
        last_event_id=seal.last_event_id,
        event_count=seal.event_count,
        gaps=seal.gaps,
        event_digests=bytes(seal.event_digests),
        events_hash=seal.events_hash,
        previous_hash=seal.previous_hash,
        sealed_at=seal.sealed_at,
    )


def _event_rows(*, after: int, up_to: int | None = None) -> Iterator[Row]:
    """Audit events in id order, a chunk per query (keyset pagination).

    Short queries rather than one cursor: outside a transaction PostgreSQL would copy a
    cursor's whole result before the first row, and a long transaction would hold back the
    sealer's horizon and vacuum.
    """
    while True:
        events = AuditEvent.objects.filter(pk__gt=after)
        if up_to is not None:
            events = events.filter(pk__lte=up_to)
        chunk = list(events.order_by("pk").values_list(*SEALED_FIELDS)[:_CHUNK])
        yield from chunk
        if len(chunk) < _CHUNK:
            return
        after = chunk[-1][_ID]


# --- Sealing ---------------------------------------------------------------------------------


def seal_cutoff(now: datetime.datetime | None = None) -> datetime.datetime:
    """Events older than this, and every visible event before them in id order, are final."""
    delay = datetime.timedelta(seconds=settings.AUDIT_SEAL_DELAY_SECONDS)
    cutoff = (now or timezone.now()) - delay
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT min(xact_start) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                " AND backend_type = 'client backend' AND xact_start IS NOT NULL"
            )
            oldest = cursor.fetchone()[0]
        if oldest is not None and oldest - delay < cutoff:
            cutoff = oldest - delay
    return cutoff


@dataclass(frozen=True)
class _Batch:
    first: int
    last: int
    count: int
    gaps: list[list[int]]
    digests: bytes
    events_hash: str


class _Raced(Exception):
    """Another sealer extended the chain while this one was reading: start again from it."""


def _head() -> AuditSeal | None:
    head: AuditSeal | None = (
        AuditSeal.objects.order_by("-sequence")
        .only("sequence", "last_event_id", "seal_hash")
        .first()
    )
    return head


def _collect(*, after: int, cutoff: datetime.datetime, batch_size: int) -> _Batch | None:
    """The unbroken run of events after `after`, in id order, older than `cutoff`."""
    chain = hashlib.sha256()
    digests = bytearray()
    gaps: list[list[int]] = []
    first = last = None
    count = 0
    for row in _event_rows(after=after):
        if row[_TIMESTAMP] >= cutoff:
            break
        event_id: int = row[_ID]
        if last is not None and event_id > last + 1:
            gaps.append([last + 1, event_id - 1])
        if first is None:
            first = event_id
        last = event_id
        digest = event_digest(row)
        chain.update(digest)
        digests += digest[:DIGEST_BYTES]
        count += 1
        if count >= batch_size:
            break
    if first is None or last is None:
        return None
    return _Batch(first, last, count, gaps, bytes(digests), chain.hexdigest())


def _seal_next(*, now: datetime.datetime | None, batch_size: int) -> AuditSeal | None:
    # Read and hash outside any transaction: nothing is locked while the events are read (on
    # SQLite a transaction would take the database's single write lock from its start).
    previous = _head()
    batch = _collect(
        after=previous.last_event_id if previous else 0,
        cutoff=seal_cutoff(now),
        batch_size=batch_size,
    )
    if batch is None:
        return None
    # Then one short transaction, one sealer at a time, that writes the seal if the chain
    # still ends where this run started.
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK_KEY])
        current = _head()
        if (current.pk if current else None) != (previous.pk if previous else None):
            raise _Raced
        sequence = previous.sequence + 1 if previous else 1
        previous_hash = previous.seal_hash if previous else GENESIS_HASH
        sealed_at = timezone.now()
        seal = AuditSeal.objects.create(
            format=FORMAT,
            sequence=sequence,
            first_event_id=batch.first,
            last_event_id=batch.last,
            event_count=batch.count,
            gaps=batch.gaps,
            event_digests=batch.digests,
            events_hash=batch.events_hash,
            previous_hash=previous_hash,
            sealed_at=sealed_at,
            seal_hash=seal_hash_of(
                seal_format=FORMAT,
                sequence=sequence,
                first_event_id=batch.first,
                last_event_id=batch.last,
                event_count=batch.count,
                gaps=batch.gaps,
                event_digests=batch.digests,
                events_hash=batch.events_hash,
                previous_hash=previous_hash,
                sealed_at=sealed_at,
            ),
        )
    # Written to the log, so the head of the chain is also kept outside the database.
    logger.info(
        "Audit seal #%s: events %s-%s (%s), seal hash %s",
        seal.sequence,
        seal.first_event_id,
        seal.last_event_id,
        seal.event_count,
        seal.seal_hash,
    )
    return seal


def audit_seal(
    *, now: datetime.datetime | None = None, batch_size: int | None = None
) -> list[AuditSeal]:
    """Seal every audit event that is old enough and not sealed yet; returns the new seals.

    Each seal holds at most `batch_size` (AUDIT_SEAL_BATCH_SIZE) events and is written in its
    own short transaction. Safe to run twice, and at the same time as another run.
    """
    size = batch_size or settings.AUDIT_SEAL_BATCH_SIZE
    seals: list[AuditSeal] = []
    while True:
        try:
            seal = _seal_next(now=now, batch_size=size)
        except _Raced:
            continue
        except IntegrityError:
            # The constraints' backstop; the lock and the head check make this unexpected.
            logger.warning("Another audit sealer wrote the same seal; stopping this run.")
            break
        if seal is None:
            break
        seals.append(seal)
        if seal.event_count < size:
            break  # reached the horizon
    return seals


# --- Verifying -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    seals: int
    events: int
    unsealed: int
    head: AuditSeal | None
    # The first thing that no longer matches, in words; None when the chain is intact.
    problem: str | None = None
    event_id: int | None = None
    seal_sequence: int | None = None

    @property
    def intact(self) -> bool:
        return self.problem is None


class _Broken(Exception):
    def __init__(self, problem: str, *, seal: int, event_id: int | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.seal = seal
        self.event_id = event_id


def _expected_ids(seal: AuditSeal) -> Iterator[int]:
    start = seal.first_event_id
    for gap_from, gap_to in sorted(seal.gaps):
        yield from range(start, gap_from)
        start = gap_to + 1
    yield from range(start, seal.last_event_id + 1)


def _locate(seal: AuditSeal, found: list[tuple[int, bytes]]) -> _Broken:
    """Which event of `seal` no longer matches: changed, deleted, or added since sealing."""
    stored = bytes(AuditSeal.objects.values_list("event_digests", flat=True).get(pk=seal.pk))
    expected = (
        (event_id, stored[i * DIGEST_BYTES : (i + 1) * DIGEST_BYTES])
        for i, event_id in enumerate(_expected_ids(seal))
    )
    actual = iter(found)
    want = next(expected, None)
    have = next(actual, None)
    number = seal.sequence
    while want is not None or have is not None:
        if want is not None and (have is None or want[0] < have[0]):
            return _Broken(
                _("Audit event %(id)s, sealed by seal #%(seal)s, has been deleted.")
                % {"id": want[0], "seal": number},
                seal=number,
                event_id=want[0],
            )
        if have is not None and (want is None or have[0] < want[0]):
            return _Broken(
                _(
                    "Audit event %(id)s was added to the range of seal #%(seal)s after it "
                    "was sealed."
                )
                % {"id": have[0], "seal": number},
                seal=number,
                event_id=have[0],
            )
        if want is not None and have is not None and want[1] != have[1][:DIGEST_BYTES]:
            return _Broken(
                _("Audit event %(id)s has been changed since seal #%(seal)s sealed it.")
                % {"id": have[0], "seal": number},
                seal=number,
                event_id=have[0],
            )
        want = next(expected, None)
        have = next(actual, None)
    return _Broken(
        _("The audit events of seal #%(seal)s no longer match it.") % {"seal": number},
        seal=number,
    )


def _check_seal(seal: AuditSeal, *, sequence: int, previous_hash: str, previous_last: int) -> None:
    if seal.sequence != sequence:
        raise _Broken(
            _("Seal #%(missing)s is missing: the chain goes from #%(before)s to #%(after)s.")
            % {"missing": sequence, "before": sequence - 1, "after": seal.sequence},
            seal=sequence,
        )
    if seal.previous_hash != previous_hash:
        raise _Broken(
            _("Seal #%(seal)s does not follow the seal before it (its previous hash differs).")
            % {"seal": seal.sequence},
            seal=seal.sequence,
        )
    if _stored_seal_hash(seal) != seal.seal_hash:
        raise _Broken(
            _("Seal #%(seal)s has been changed: its hash no longer matches what it records.")
            % {"seal": seal.sequence},
            seal=seal.sequence,
        )
    if seal.first_event_id <= previous_last:
        raise _Broken(
            _("Seal #%(seal)s overlaps the seal before it.") % {"seal": seal.sequence},
            seal=seal.sequence,
        )


def _check_events(seal: AuditSeal, rows: Iterable[Row]) -> None:
    chain = hashlib.sha256()
    found: list[tuple[int, bytes]] = []
    for row in rows:
        digest = event_digest(row)
        chain.update(digest)
        found.append((row[_ID], digest))
    if (
        not found
        or len(found) != seal.event_count
        or chain.hexdigest() != seal.events_hash
        or found[0][0] != seal.first_event_id
    ):
        raise _locate(seal, found)


def audit_verify(*, head: str | None = None) -> Verification:
    """Recompute the whole chain from the first seal; report the first thing that differs.

    With `head`, the hash of a seal written down earlier, the chain must also still hold that
    seal (so newest seals deleted, or the chain rebuilt, are noticed too).
    """
    seals = AuditSeal.objects.order_by("sequence").defer("event_digests")
    last_sealed = AuditSeal.objects.aggregate(last=Max("last_event_id"))["last"]
    rows = _event_rows(after=0, up_to=last_sealed) if last_sealed is not None else iter(())
    pending: Row | None = next(rows, None)

    def rows_up_to(last_id: int) -> Iterator[Row]:
        nonlocal pending
        while pending is not None and pending[_ID] <= last_id:
            yield pending
            pending = next(rows, None)

    sequence, previous_hash, previous_last, events = 1, GENESIS_HASH, 0, 0
    newest: AuditSeal | None = None
    head = head.strip().lower() if head else None
    head_found = head is None
    try:
        for seal in seals.iterator(chunk_size=100):
            _check_seal(
                seal, sequence=sequence, previous_hash=previous_hash, previous_last=previous_last
            )
            _check_events(seal, rows_up_to(seal.last_event_id))
            head_found = head_found or seal.seal_hash == head
            sequence, previous_hash = seal.sequence + 1, seal.seal_hash
            previous_last, events, newest = seal.last_event_id, events + seal.event_count, seal
    except _Broken as broken:
        return Verification(
            seals=sequence - 1,
            events=events,
            unsealed=0,
            head=newest,
            problem=broken.problem,
            event_id=broken.event_id,
            seal_sequence=broken.seal,
        )
    unsealed = AuditEvent.objects.filter(pk__gt=previous_last).count()
    if not head_found:
        return Verification(
            seals=sequence - 1,
            events=events,
            unsealed=unsealed,
            head=newest,
            problem=_("No seal in the chain has the hash %(hash)s.") % {"hash": head},
        )
    return Verification(seals=sequence - 1, events=events, unsealed=unsealed, head=newest)
