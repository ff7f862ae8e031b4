"""Audit integrity (issue 9): sealed audit events cannot be changed without `audit_verify` noticing.

The trigger of casework migration 0003 stops UPDATE and DELETE on the audit table on PostgreSQL;
to play someone with the database owner's rights, these tests switch it off around their raw
SQL, as such a person could.
"""

from __future__ import annotations

import datetime
import itertools
import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from casework.audit import audit_record
from casework.models import AuditEvent, Case, User
from security.models import AuditSeal
from security.seals import GENESIS_HASH, SEALED_FIELDS, audit_seal
from security.tasks import seal_audit_events

Event = AuditEvent.Event
TRIGGERS = {
    "casework_auditevent": "audit_event_append_only",
    "security_auditseal": "audit_seal_append_only",
}


def require_postgresql() -> None:
    if connection.vendor != "postgresql":
        if os.environ.get("CI"):
            pytest.fail("CI runs the suite on PostgreSQL, and this test needs it.")
        pytest.skip("Needs PostgreSQL (its triggers and concurrent transactions).")


def later() -> datetime.datetime:
    """Far enough ahead that every event written so far is past the sealing delay."""
    return timezone.now() + datetime.timedelta(minutes=10)


def record(actor: User, case: Case, count: int, **extra: Any) -> list[int]:
    ids = []
    for n in range(count):
        event = audit_record(
            actor=actor,
            event=Event.VIEW,
            obj=case,
            case=case,
            reason=f"home visit follow-up {n}",
            extra={"note": "ដំណើរទស្សនកិច្ច", "n": n, "nested": {"b": 1, "a": [1, 2]}, **extra},
        )
        ids.append(event.pk)
    return ids


@contextmanager
def owner_rights(*tables: str) -> Iterator[Any]:
    """Raw SQL as the database owner could run it: with the append-only triggers switched off."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The test's own inserts still have foreign-key checks pending, which ALTER TABLE
            # refuses to run beside; checking them now changes nothing else.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table in tables:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {TRIGGERS[table]}")
        yield cursor
        if connection.vendor == "postgresql":
            for table in tables:
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {TRIGGERS[table]}")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def verify(*args: str) -> str:
    """audit_verify's output; raises CommandError (exit status 1) when the chain is broken."""
    out = StringIO()
    call_command("audit_verify", *args, stdout=out)
    return out.getvalue()


def verify_fails(*args: str) -> str:
    with pytest.raises(CommandError) as failure:
        verify(*args)
    assert failure.value.returncode == 1
    return str(failure.value)


# --- Sealing ---------------------------------------------------------------------------------


def test_a_seal_covers_exactly_the_events_written_and_a_second_run_adds_none(case, worker):
    record(worker, case, 5)
    ids = list(AuditEvent.objects.order_by("pk").values_list("pk", flat=True))

    seals = audit_seal(now=later())

    assert len(seals) == 1
    seal = seals[0]
    assert (seal.sequence, seal.first_event_id, seal.last_event_id) == (1, ids[0], ids[-1])
    assert seal.event_count == len(ids)
    assert seal.previous_hash == GENESIS_HASH
    assert audit_seal(now=later()) == []
    assert AuditSeal.objects.count() == 1


def test_seals_link_into_a_chain_without_gaps_or_overlaps(case, worker, monkeypatch):
    monkeypatch.setattr("security.seals._CHUNK", 3)  # events are read a few at a time
    record(worker, case, 10)
    first_run = audit_seal(now=later(), batch_size=4)
    record(worker, case, 3)
    second_run = audit_seal(now=later(), batch_size=4)

    seals = list(AuditSeal.objects.order_by("sequence"))
    assert seals == first_run + second_run
    assert [seal.sequence for seal in seals] == list(range(1, len(seals) + 1))
    assert all(seal.event_count <= 4 for seal in seals)
    assert seals[0].previous_hash == GENESIS_HASH
    for before, after in itertools.pairwise(seals):
        assert after.previous_hash == before.seal_hash
        # The next seal starts at the first event after the previous one: nothing skipped.
        assert after.first_event_id == (
            AuditEvent.objects.filter(pk__gt=before.last_event_id).order_by("pk").first().pk
        )
    assert sum(seal.event_count for seal in seals) == AuditEvent.objects.count()
    assert seals[-1].last_event_id == AuditEvent.objects.order_by("pk").last().pk


def test_events_newer_than_the_delay_wait_for_the_next_run(case, worker, settings):
    settings.AUDIT_SEAL_DELAY_SECONDS = 60
    old = record(worker, case, 3)
    boundary = timezone.now()
    new = record(worker, case, 2)

    # One minute after `boundary`, only the events written before it are old enough.
    (seal,) = audit_seal(now=boundary + datetime.timedelta(seconds=60))
    assert seal.last_event_id == old[-1]
    assert "2 newer events are not sealed yet." in verify()

    (next_seal,) = audit_seal(now=later())
    assert (next_seal.first_event_id, next_seal.last_event_id) == (new[0], new[-1])
    assert "0 newer events are not sealed yet." in verify()


def test_the_beat_seals_the_trail_every_five_minutes(case, worker, settings, caplog):
    entry = settings.CELERY_BEAT_SCHEDULE["audit-seal"]
    assert entry["task"] == "security.tasks.seal_audit_events" == seal_audit_events.name
    assert entry["schedule"] == settings.AUDIT_SEAL_EVERY_SECONDS == 300

    settings.AUDIT_SEAL_DELAY_SECONDS = 0
    record(worker, case, 2)
    with caplog.at_level(logging.INFO, logger="security.seals"):
        assert seal_audit_events() == {"seals": 1, "events": AuditEvent.objects.count()}
    # The worker's log keeps each seal's hash outside the database.
    assert AuditSeal.objects.get().seal_hash in caplog.text
    assert seal_audit_events() == {"seals": 0, "events": 0}


def test_every_column_of_the_audit_table_is_sealed():
    """A new audit column must join the sealed contents (in a new format), or it is unguarded."""
    columns = {field.attname for field in AuditEvent._meta.concrete_fields}
    assert set(SEALED_FIELDS) == columns


def test_on_postgresql_seals_themselves_are_append_only(case, worker):
    require_postgresql()
    record(worker, case, 1)
    audit_seal(now=later())
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditSeal.objects.update(event_count=99)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditSeal.objects.all().delete()


# --- Verifying -------------------------------------------------------------------------------


def test_audit_verify_passes_on_an_intact_chain(case, worker, monkeypatch):
    monkeypatch.setattr("security.seals._CHUNK", 3)
    assert "0 seals, 0 events, chain intact." in verify()

    record(worker, case, 7)
    audit_seal(now=later(), batch_size=3)
    record(worker, case, 1)
    head = AuditSeal.objects.order_by("sequence").last()
    assert head is not None
    total = AuditEvent.objects.count() - 1

    output = verify()
    assert f"{head.sequence} seals, {total} events, chain intact." in output
    assert head.seal_hash in output
    assert "1 newer event is not sealed yet." in output
    # The newest seal's hash, noted down elsewhere, is still in the chain.
    assert "chain intact" in verify("--head", head.seal_hash)
    assert "No seal in the chain has the hash" in verify_fails("--head", "ab" * 32)


def test_an_event_edited_in_the_database_is_named(case, worker):
    ids = record(worker, case, 6)
    audit_seal(now=later(), batch_size=4)
    target = ids[4]

    with owner_rights("casework_auditevent") as cursor:
        cursor.execute(
            "UPDATE casework_auditevent SET reason = %s WHERE id = %s", ["nothing to see", target]
        )

    seal = AuditSeal.objects.get(first_event_id__lte=target, last_event_id__gte=target)
    message = verify_fails()
    assert f"Audit event {target} has been changed since seal #{seal.sequence} sealed it." in (
        message
    )


def test_an_edited_json_field_is_caught_but_its_key_order_is_not_a_change(case, worker):
    (target,) = record(worker, case, 1)
    audit_seal(now=later())

    # The same object with its keys in another order (jsonb keeps its own order anyway).
    with owner_rights("casework_auditevent") as cursor:
        cursor.execute(
            "UPDATE casework_auditevent SET additional_data = %s WHERE id = %s",
            ['{"nested": {"a": [1, 2], "b": 1}, "n": 0, "note": "ដំណើរទស្សនកិច្ច"}', target],
        )
    assert "chain intact" in verify()

    with owner_rights("casework_auditevent") as cursor:
        cursor.execute(
            "UPDATE casework_auditevent SET additional_data = %s WHERE id = %s",
            ['{"nested": {"a": [1, 2], "b": 2}, "n": 0, "note": "ដំណើរទស្សនកិច្ច"}', target],
        )
    assert f"Audit event {target} has been changed" in verify_fails()


def test_an_event_deleted_in_the_database_is_named(case, worker):
    ids = record(worker, case, 5)
    audit_seal(now=later())

    with owner_rights("casework_auditevent") as cursor:
        cursor.execute("DELETE FROM casework_auditevent WHERE id = %s", [ids[2]])

    assert f"Audit event {ids[2]}, sealed by seal #1, has been deleted." in verify_fails()


def test_an_event_slipped_into_a_sealed_range_is_named(case, worker):
    ids = record(worker, case, 3)
    # A transaction that rolled back leaves an unused id behind; sealing records it as such.
    unused = AuditEvent.objects.filter(pk=ids[1]).values().get()
    with owner_rights("casework_auditevent") as cursor:
        cursor.execute("DELETE FROM casework_auditevent WHERE id = %s", [ids[1]])
    (seal,) = audit_seal(now=later())
    assert [ids[1], ids[1]] in seal.gaps
    assert "chain intact" in verify()

    # Someone writes an event into that hole afterwards.
    AuditEvent.objects.create(**unused)

    message = verify_fails()
    assert f"Audit event {ids[1]} was added to the range of seal #1 after it was sealed." in (
        message
    )


def test_a_seal_edited_in_the_database_is_named(case, worker):
    record(worker, case, 6)
    audit_seal(now=later(), batch_size=2)

    with owner_rights("security_auditseal") as cursor:
        cursor.execute(
            "UPDATE security_auditseal SET event_count = event_count - 1 WHERE sequence = 2"
        )

    assert "Seal #2 has been changed" in verify_fails()


def test_a_seal_deleted_from_the_chain_is_named(case, worker):
    record(worker, case, 6)
    audit_seal(now=later(), batch_size=2)

    with owner_rights("security_auditseal") as cursor:
        cursor.execute("DELETE FROM security_auditseal WHERE sequence = 2")

    assert "Seal #2 is missing: the chain goes from #1 to #3." in verify_fails()


def test_the_first_problem_is_the_one_reported(case, worker):
    ids = record(worker, case, 6)
    audit_seal(now=later(), batch_size=2)

    with owner_rights("casework_auditevent") as cursor:
        cursor.execute("DELETE FROM casework_auditevent WHERE id = %s", [ids[-1]])
        cursor.execute("UPDATE casework_auditevent SET reason = 'x' WHERE id = %s", [ids[1]])

    assert f"Audit event {ids[1]} has been changed" in verify_fails()


# --- Concurrency (real transactions, separate connections) -----------------------------------


def _in_thread(target: Any) -> tuple[threading.Thread, list[BaseException]]:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            target()
        except BaseException as error:  # reported by the test
            errors.append(error)
        finally:
            connection.close()

    return threading.Thread(target=run), errors


@pytest.mark.django_db(transaction=True)
def test_two_sealers_at_once_make_one_chain(case, worker, settings):
    # SQLite's in-memory test database fails a second writer at once ("table is locked")
    # instead of waiting as the file database of `make run` does: only PostgreSQL can say.
    require_postgresql()
    settings.AUDIT_SEAL_DELAY_SECONDS = 0
    record(worker, case, 20)
    start = threading.Barrier(2)

    def seal() -> None:
        start.wait(timeout=10)
        audit_seal(batch_size=3)

    threads = [_in_thread(seal) for _ in range(2)]
    for thread, _errors in threads:
        thread.start()
    for thread, _errors in threads:
        thread.join(timeout=60)
    assert [error for _thread, errors in threads for error in errors] == []

    seals = list(AuditSeal.objects.order_by("sequence"))
    assert [seal.sequence for seal in seals] == list(range(1, len(seals) + 1))
    for before, after in itertools.pairwise(seals):
        assert after.first_event_id > before.last_event_id
        assert after.previous_hash == before.seal_hash
    assert sum(seal.event_count for seal in seals) == AuditEvent.objects.count()
    assert "chain intact" in verify()


@pytest.mark.django_db(transaction=True)
def test_an_event_committed_late_is_sealed_not_skipped(case, worker, settings):
    """Ids are handed out before commit: a slow transaction's event has a lower id than events
    already visible. The sealer stops below it, and seals it once it has committed."""
    require_postgresql()
    settings.AUDIT_SEAL_DELAY_SECONDS = 0
    inserted, go = threading.Event(), threading.Event()
    slow: dict[str, int] = {}

    def slow_transaction() -> None:
        with transaction.atomic():
            (slow["id"],) = record(worker, case, 1, slow=True)
            inserted.set()
            go.wait(timeout=30)

    thread, errors = _in_thread(slow_transaction)
    thread.start()
    assert inserted.wait(timeout=30)
    (visible,) = record(worker, case, 1)
    assert visible > slow["id"]

    (seal,) = audit_seal(now=later())
    assert seal.last_event_id < slow["id"]

    go.set()
    thread.join(timeout=30)
    assert errors == []
    (next_seal,) = audit_seal(now=later())
    assert (next_seal.first_event_id, next_seal.last_event_id) == (slow["id"], visible)
    assert next_seal.event_count == 2
    assert "chain intact" in verify()
