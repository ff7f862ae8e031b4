"""Review reminders are sent exactly once by a real Celery worker on Redis and PostgreSQL.

Issue 6: "two concurrent sweeps over 500 due reviews send each reminder exactly once; a worker
killed mid-sweep and restarted leaves no reminder unsent and none duplicated". No eager mode:
the worker is a `celery worker` subprocess on the test database, fed through Redis, and its
e-mail goes to tests/mailbox_backend.py (a folder keyed by Message-ID plus a raw send log).

Needs PostgreSQL (SKIP LOCKED) and Redis (REDIS_URL, default redis://127.0.0.1:6379/0): without
them the tests skip, which conftest.py turns into a failure in CI.
"""

from __future__ import annotations

import datetime
import json
import subprocess
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis
from celery import Celery
from celery.result import AsyncResult

from casework.models import Case, Family, Organisation, Team, User
from casework.tests.factories import OrganisationFactory, TeamFactory, UserFactory, VillageFactory
from reviews import reminders
from reviews.models import Delivery, Notification, Reminder, Review
from tests.celery_workers import (
    kill_worker,
    require_worker_services,
    start_worker,
    stop_worker,
    worker_database_url,
)
from tests.mailbox_backend import mailbox_file_name

TASK = "reviews.tasks.send_review_reminders"
LEASE_SECONDS = 3
DUE_TODAY = 500
DUE_TOMORROW = 40
OVERDUE_3 = 10

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def services() -> str:
    """Skip (a failure in CI) unless the database is PostgreSQL and Redis answers."""
    return require_worker_services()


# --- Workers -------------------------------------------------------------------------------------


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    hostname: str
    log: Path
    concurrency: int

    def group_pids(self) -> set[int]:
        """The worker's processes (main and pool children): they share its process group."""
        pids = set()
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == self.process.pid:  # the process group id
                pids.add(int(stat.parent.name))
        return pids

    def kill(self) -> None:
        """SIGKILL the whole group at once: no warm shutdown, no ack, no rollback by the worker."""
        kill_worker(self.process)

    def stop(self) -> None:
        stop_worker(self.process, timeout=10)


@dataclass
class Harness:
    """Workers on one queue of this test's own, the mailbox, and a Celery client to send with."""

    broker: str
    tmp: Path
    run: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    workers: list[Worker] = field(default_factory=list)
    task_ids: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.queue = f"upstream-test-reminders-{self.run}"
        self.mailbox = self.tmp / "mailbox"
        self.mailbox.mkdir()
        self.send_log = self.tmp / "sends.log"
        self.send_log.touch()
        # A client app of its own: the project's app may have been configured by other tests.
        self.client = Celery("upstream-tests", set_as_current=False)
        self.client.conf.update(
            broker_url=self.broker,
            result_backend=self.broker,
            task_serializer="json",
            accept_content=["json"],
            result_serializer="json",
            broker_connection_timeout=3,
        )

    def start(
        self,
        *,
        concurrency: int,
        delay_ms: int = 0,
        delay_after: bool = False,
        settings: dict[str, str] | None = None,
    ) -> Worker:
        hostname = f"{self.queue}-{len(self.workers)}@localhost"
        log = self.tmp / f"worker-{len(self.workers)}.log"
        process = start_worker(
            queue=self.queue,
            hostname=hostname,
            log=log,
            concurrency=concurrency,
            env={
                # The worker's commits need not wait for the disk: a killed worker is what is
                # tested here, not a database server crash.
                "DATABASE_URL": worker_database_url(wait_for_disk=False),
                "REDIS_URL": self.broker,
                "CELERY_BROKER_URL": self.broker,
                # Read from the environment by Celery itself (app.conf.result_backend).
                "CELERY_RESULT_BACKEND": self.broker,
                "EMAIL_BACKEND": "tests.mailbox_backend.FolderBackend",
                "TEST_MAILBOX_DIR": str(self.mailbox),
                "TEST_MAILBOX_LOG": str(self.send_log),
                "TEST_MAILBOX_DELAY_MS": str(delay_ms),
                "TEST_MAILBOX_DELAY_AFTER": "1" if delay_after else "",
                "REVIEW_REMINDER_LEASE_SECONDS": str(LEASE_SECONDS),
                **(settings or {}),
            },
        )
        worker = Worker(process, hostname, log, concurrency)
        self.workers.append(worker)
        return worker

    def sweep(self) -> AsyncResult[dict[str, int]]:
        """Enqueue one sweep, as beat does."""
        result = self.client.send_task(TASK, queue=self.queue)
        self.task_ids.append(result.id)
        return result

    def wait(
        self, results: list[AsyncResult[dict[str, int]]], timeout: float = 45
    ) -> list[dict[str, int]]:
        try:
            return [result.get(timeout=timeout) for result in results]
        except Exception:
            self.dump_logs()
            raise

    def dump_logs(self) -> None:
        for worker in self.workers:
            tail = worker.log.read_text(errors="replace")[-4000:]
            print(f"\n--- {worker.hostname} (exit {worker.process.poll()}) ---\n{tail}")

    def sends(self) -> Counter[str]:
        return Counter(
            line.split("\t")[0] for line in self.send_log.read_text().splitlines() if line
        )

    def send_pids(self) -> dict[str, list[int]]:
        pids: dict[str, list[int]] = {}
        for line in self.send_log.read_text().splitlines():
            message_id, pid = line.split("\t")
            pids.setdefault(message_id, []).append(int(pid))
        return pids

    def close(self) -> None:
        started = time.monotonic()
        for worker in self.workers:
            worker.stop()
        self.clean_redis()
        self.client.close()
        print(f"[teardown] workers stopped and Redis cleaned in {time.monotonic() - started:.1f}s")

    def clean_redis(self) -> None:
        """Leave nothing of this run in Redis: its queue, the unacked sweeps of the killed
        worker (they would be restored to a queue nobody reads), bindings and results."""
        client = redis.Redis.from_url(self.broker)
        try:
            keys = list(client.scan_iter(match=f"*{self.queue}*"))
            keys += [f"celery-task-meta-{task_id}" for task_id in self.task_ids]
            client.delete(*keys)
            for tag, payload in client.hscan_iter("unacked"):
                try:
                    routing_key = json.loads(payload)[2]
                except (ValueError, IndexError, TypeError):
                    continue
                if routing_key == self.queue:
                    client.hdel("unacked", tag)
                    client.zrem("unacked_index", tag)
            for member in client.smembers("_kombu.binding.celery.pidbox"):
                if self.queue.encode() in member:
                    client.srem("_kombu.binding.celery.pidbox", member)
        finally:
            client.close()


@pytest.fixture
def harness(services: str, tmp_path: Path) -> Iterator[Harness]:
    harness = Harness(broker=services, tmp=tmp_path)
    try:
        yield harness
    finally:
        harness.close()  # before the database is flushed: no worker outlives the test


# --- Data ----------------------------------------------------------------------------------------


@dataclass
class Expected:
    """Who must hear about which review: {(review id, kind): {user ids}}."""

    recipients: dict[tuple[int, str], set[int]]

    @property
    def deliveries(self) -> int:
        return sum(len(users) for users in self.recipients.values())

    def notifications_per_user(self) -> Counter[int]:
        return Counter(user for users in self.recipients.values() for user in users)


def make_due_reviews() -> Expected:
    """500 reviews due today, some due tomorrow and some 3 days overdue, in one organisation;
    made with bulk_create (going through the services would take most of a minute)."""
    organisation: Organisation = OrganisationFactory.create(name="Synthetic Reminder Agency")
    village = VillageFactory.create()
    casework_team: Team = TeamFactory.create(name="Casework", organisation=organisation)
    chairs_team: Team = TeamFactory.create(name="Chairs", organisation=organisation)

    def person(name: str, role: str = User.Role.SOCIAL_WORKER, language: str = "") -> User:
        user: User = UserFactory.create(
            username=name,
            email=f"{name}@example.invalid",
            organisation=organisation,
            role=role,
            language=language,
        )
        return user

    workers = [person(f"rworker{i}", language="km" if i % 3 == 0 else "en") for i in range(8)]
    chairs = [person(f"rchair{i}", User.Role.SUPERVISOR) for i in range(4)]
    supervisors = [person(f"rsupervisor{i}", User.Role.SUPERVISOR) for i in range(2)]
    casework_team.members.add(*workers)
    casework_team.supervisors.add(*supervisors)
    chairs_team.supervisors.add(*chairs)

    today = reminders.local_today(organisation)
    due = (
        [today] * DUE_TODAY
        + [today + datetime.timedelta(days=1)] * DUE_TOMORROW
        + [today - datetime.timedelta(days=4)] * OVERDUE_3
    )
    families = Family.objects.bulk_create(
        Family(family_name=f"Synthetic Family {i}", organisation=organisation, village=village)
        for i in range(len(due))
    )
    cases = Case.objects.bulk_create(
        Case(
            reference=f"RT-{i:05d}",
            family=family,
            team=casework_team,
            worker=workers[i % len(workers)],
            phase=Case.Phase.INTERVENTION,
            tier=Case.Tier.EARLY,
            risk_level=Case.Risk.MEDIUM,
        )
        for i, family in enumerate(families)
    )
    reviews = Review.objects.bulk_create(
        Review(
            case=case,
            due_on=due_on,
            # Every 25th review has no chair yet: its reminder goes to the worker alone.
            chair=None if i % 25 == 0 else chairs[i % len(chairs)],
            status=Review.Status.SCHEDULED,
        )
        for i, (case, due_on) in enumerate(zip(cases, due, strict=True))
    )
    supervisor_ids = {user.pk for user in supervisors}
    expected: dict[tuple[int, str], set[int]] = {}
    for review, case in zip(reviews, cases, strict=True):
        days = (review.due_on - today).days
        if days < 0:
            expected[(review.pk, Reminder.Kind.OVERDUE_3)] = supervisor_ids
            continue
        kind = Reminder.Kind.DUE_0 if days == 0 else Reminder.Kind.DUE_1
        people = {case.worker_id} | ({review.chair_id} if review.chair_id else set())
        expected[(review.pk, kind)] = people
    assert len(expected) == DUE_TODAY + DUE_TOMORROW + OVERDUE_3
    return Expected(expected)


# --- Checks --------------------------------------------------------------------------------------


def unsent() -> int:
    return Reminder.objects.filter(sent_at__isnull=True).count()


def assert_delivered_exactly_once(expected: Expected, harness: Harness) -> Counter[str]:
    """Every reminder claimed once and sent; one delivery and one notification per recipient;
    the mailbox holds exactly the expected messages. Returns the raw sends per Message-ID."""
    claimed = Counter(Reminder.objects.values_list("review_id", "kind"))
    assert set(claimed) == set(expected.recipients), "a reminder is missing or unexpected"
    assert max(claimed.values()) == 1, "a reminder was claimed twice"
    assert unsent() == 0, "a reminder was left unsent"
    assert not Reminder.objects.filter(skipped=True).exists()

    by_pk = {r.pk: r for r in Reminder.objects.all()}
    users = {u.pk: u for u in User.objects.all()}
    deliveries = list(Delivery.objects.values_list("reminder_id", "user_id", "message_id"))
    assert len(deliveries) == expected.deliveries
    delivered: dict[tuple[int, str], set[int]] = {}
    expected_ids = set()
    for reminder_id, user_id, delivered_id in deliveries:
        reminder = by_pk[reminder_id]
        delivered.setdefault((reminder.review_id, reminder.kind), set()).add(user_id)
        message_id = reminders.message_id(reminder, users[user_id])
        assert delivered_id == message_id
        expected_ids.add(message_id)
    assert delivered == expected.recipients
    assert len(expected_ids) == expected.deliveries

    per_user = Counter(Notification.objects.values_list("user_id", flat=True))
    assert per_user == expected.notifications_per_user()
    assert Notification.objects.count() == expected.deliveries

    in_mailbox = {p.name for p in harness.mailbox.iterdir() if not p.name.startswith(".")}
    assert in_mailbox == {mailbox_file_name(m) for m in expected_ids}
    sends = harness.sends()
    assert set(sends) == expected_ids, "an e-mail went out with an unexpected Message-ID"
    return sends


# --- Tests ---------------------------------------------------------------------------------------


def test_two_concurrent_sweeps_send_each_reminder_exactly_once(harness: Harness) -> None:
    started = time.monotonic()
    expected = make_due_reviews()
    made = time.monotonic()

    # Both sweeps are queued before the worker consumes: its two pool processes take one each.
    results = [harness.sweep(), harness.sweep()]
    harness.start(concurrency=2)
    outcomes = harness.wait(results)
    swept = time.monotonic()

    total = len(expected.recipients)
    assert sum(o["claimed"] for o in outcomes) == total
    # Both sweeps did part of the work, at the same time, and together all of it (a batch
    # that outlives its lease on a loaded machine is finished by both, harmlessly).
    assert all(o["delivered"] > 0 for o in outcomes), outcomes
    assert sum(o["delivered"] for o in outcomes) >= total, outcomes
    sends = assert_delivered_exactly_once(expected, harness)
    assert max(sends.values()) == 1, "an e-mail went out twice"
    print(
        f"\n[two sweeps] data {made - started:.1f}s, sweeps {swept - made:.1f}s "
        f"(worker start included), {outcomes}, {sum(sends.values())} e-mails"
    )


def test_a_large_sweep_is_shared_with_its_helpers(harness: Harness) -> None:
    expected = make_due_reviews()

    # One sweep, as beat sends it, on a worker with two processes that may both send.
    harness.start(concurrency=2, delay_ms=3, settings={"REVIEW_REMINDER_SENDERS": "2"})
    [outcome] = harness.wait([harness.sweep()])
    wait_for(lambda: unsent() == 0, timeout=45, what="the helper to finish")

    assert outcome["claimed"] == len(expected.recipients)
    assert outcome["helpers"] == 1
    # The helper sent part of it, in the other process; nothing went out twice.
    assert 0 < outcome["delivered"] < len(expected.recipients), outcome
    sends = assert_delivered_exactly_once(expected, harness)
    assert max(sends.values()) == 1, "an e-mail went out twice"
    senders = {pid for pids in harness.send_pids().values() for pid in pids}
    assert len(senders) == 2, senders


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def test_worker_killed_mid_sweep_and_restarted_leaves_none_unsent_and_none_twice(
    harness: Harness,
) -> None:
    started = time.monotonic()
    expected = make_due_reviews()
    made = time.monotonic()

    # Two sweeps in two pool processes, each message slow to be acknowledged once handed over:
    # the kill most likely falls between an e-mail's hand-off and its transaction's commit.
    first = harness.start(concurrency=2, delay_ms=8, delay_after=True)
    harness.sweep()
    harness.sweep()
    try:
        wait_for(
            lambda: Delivery.objects.count() >= expected.deliveries // 4,
            timeout=30,
            what="the first deliveries",
        )
    except AssertionError:
        harness.dump_logs()
        raise
    killed_pids = first.group_pids() - {first.process.pid}  # the pool processes that send
    first.kill()
    killed_at = time.monotonic()

    delivered_before = Delivery.objects.count()
    unsent_before = unsent()
    assert 0 < delivered_before < expected.deliveries, "the kill did not land mid-sweep"
    assert unsent_before > 0
    assert Reminder.objects.count() == len(expected.recipients)  # claimed before the kill
    half_delivered = (
        Reminder.objects.filter(sent_at__isnull=True, deliveries__isnull=False).distinct().count()
    )

    # A new worker; once the dead sweeps' leases have expired, beat's next sweeps finish.
    harness.start(concurrency=2)
    time.sleep(max(0.0, killed_at + LEASE_SECONDS + 0.5 - time.monotonic()))
    outcomes = harness.wait([harness.sweep(), harness.sweep()])
    finished = time.monotonic()

    assert sum(o["claimed"] for o in outcomes) == 0
    # At least: a batch that outlives its lease is finished by both sweeps (harmlessly).
    assert sum(o["delivered"] for o in outcomes) >= unsent_before, outcomes
    sends = assert_delivered_exactly_once(expected, harness)
    # Only an e-mail cut off between the hand-off and its transaction's commit goes out again:
    # at most one per killed sending process, with the same Message-ID, the first copy sent by
    # a killed process (reviews/reminders.py explains why).
    duplicated = {message_id: n for message_id, n in sends.items() if n > 1}
    assert sum(n - 1 for n in duplicated.values()) <= first.concurrency, duplicated
    pids = harness.send_pids()
    for message_id in duplicated:
        assert pids[message_id][0] in killed_pids, (message_id, pids[message_id], killed_pids)
        assert not set(pids[message_id][1:]) & killed_pids
    print(
        f"\n[kill and restart] data {made - started:.1f}s, killed after "
        f"{delivered_before}/{expected.deliveries} deliveries ({unsent_before} reminders "
        f"unsent, {half_delivered} of them partly delivered), restart and sweeps "
        f"{finished - killed_at:.1f}s, {outcomes}, "
        f"{sum(sends.values())} e-mails, {len(duplicated)} sent twice"
    )
