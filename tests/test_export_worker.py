"""Case files are rendered by a real Celery `pdf` worker on Redis and PostgreSQL, exactly once.

Issue 8: "a task test with a real worker on Redis in CI". No eager mode: the case file is asked
for through the service (`export_request`, whose commit hands it to `export_enqueue`), the
message goes through Redis, and a `celery worker` subprocess started as production starts its
`pdf` worker (`-Q pdf --concurrency=1 --prefetch-multiplier=1`) renders it on the test database
and writes it under an EXPORT_ROOT this test reads back.

The queue's name is a setting (EXPORT_QUEUE, `pdf` in production): each test gives the web
side (this process) and its workers a queue of its own, so parallel runs (xdist, another
checkout) never take each other's messages, and nothing of the project's Celery app is touched.

Needs PostgreSQL and Redis (REDIS_URL, which the project's app and the workers must share):
without them the tests skip, which conftest.py turns into a failure in CI.
"""

from __future__ import annotations

import datetime
import os
import re
import signal
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import redis
from django.utils import timezone

from casework.documents import case_file_sections
from casework.models import Case, Person, User
from reports.models import CaseExport
from reports.rendering import watermark
from reports.services import export_request, exports_purge
from reports.tasks import render_export
from tests.celery_workers import kill_worker, require_worker_services, start_worker, stop_worker
from tests.pdf_reading import read_pdf

TASK = "reports.tasks.render_export"
TASK_RE = re.escape(TASK)
# A worker killed mid-rendering holds its export this long (the test waits it out); the other
# tests keep production's lease, longer than any rendering here.
LEASE_SECONDS = 2

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

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL the whole group at once: no warm shutdown, no ack, no clean-up."""
        kill_worker(self.process)

    def terminate(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # warm shutdown

    def stop(self) -> None:
        stop_worker(self.process, timeout=10)


@dataclass
class Harness:
    """Workers on this test's own queue, the export folder they share with the test."""

    broker: str
    exports: Path
    tmp: Path
    run: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    workers: list[Worker] = field(default_factory=list)

    @property
    def queue(self) -> str:
        """This test's stand-in for the `pdf` queue."""
        return f"upstream-test-pdf-{self.run}"

    def start(self, *, queue: str | None = None, lease_seconds: int = 330) -> Worker:
        queue = queue or self.queue
        hostname = f"{queue}-{self.run}-{len(self.workers)}@localhost"
        log = self.tmp / f"worker-{len(self.workers)}.log"
        # As docker-compose.yml starts the pdf worker (and, with queue="celery", the other one).
        process = start_worker(
            queue=queue,
            hostname=hostname,
            log=log,
            env={
                "CELERY_BROKER_URL": self.broker,
                "EXPORT_ROOT": str(self.exports),
                "EXPORT_QUEUE": self.queue,
                "EXPORT_LEASE_SECONDS": str(lease_seconds),
            },
            options=[
                "--prefetch-multiplier=1",
                "--max-tasks-per-child=20",
                "--max-memory-per-child=400000",
            ],
        )
        worker = Worker(process, hostname, log)
        self.workers.append(worker)
        return worker

    def wait_ready(self, *workers: Worker, timeout: float = 30) -> None:
        """Until each worker says it consumes its queue (" ready." in its log)."""
        for worker in workers:
            self.wait_for(
                lambda w=worker: " ready." in w.text() or w.process.poll() is not None,  # type: ignore[misc]
                timeout,
                f"{worker.hostname} to start",
            )
            if worker.process.poll() is not None:
                self.dump_logs()
                raise AssertionError(f"{worker.hostname} exited with {worker.process.poll()}")

    def wait_for(self, condition: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                self.dump_logs()
                raise AssertionError(f"timed out waiting for {what}")
            time.sleep(0.02)

    def waiting(self, queue: str) -> int:
        """Messages waiting on `queue` in Redis."""
        client = redis.Redis.from_url(self.broker)
        try:
            return int(client.llen(queue))
        finally:
            client.close()

    def files(self) -> list[Path]:
        """The finished PDFs in the export folder (not a half-written `.partial-` file)."""
        if not self.exports.exists():
            return []
        return sorted(p for p in self.exports.iterdir() if not p.name.startswith("."))

    def dump_logs(self) -> None:
        for worker in self.workers:
            tail = worker.text()[-4000:]
            print(f"\n--- {worker.hostname} (exit {worker.process.poll()}) ---\n{tail}")

    def close(self) -> None:
        for worker in self.workers:  # all at once: each warm shutdown takes a second or two
            worker.terminate()
        for worker in self.workers:
            worker.stop()
        client = redis.Redis.from_url(self.broker)
        try:  # this run's queue, with anything a killed worker left on it
            client.delete(self.queue)
        finally:
            client.close()


@pytest.fixture
def harness(services: str, tmp_path: Path, settings: Any) -> Iterator[Harness]:
    harness = Harness(broker=services, exports=tmp_path / "exports", tmp=tmp_path)
    settings.EXPORT_ROOT = harness.exports
    # This process sends through the project's app, as the web does, to this test's queue.
    settings.EXPORT_QUEUE = harness.queue
    try:
        yield harness
    finally:
        harness.close()  # before the database is flushed: no worker outlives the test


# --- Helpers -------------------------------------------------------------------------------------


def ask_for_case_file(case: Case, exporter: User) -> CaseExport:
    """Through the service, with every registered section: it is queued when it commits."""
    return export_request(
        actor=exporter,
        case=case,
        document="case_file",
        sections=[section.key for section in case_file_sections()],
        purpose=CaseExport.Purpose.COURT,
        purpose_detail="Hearing 7",
        language="en",
    )


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def assert_ready_once(export: CaseExport, harness: Harness, *, attempts: int) -> None:
    """Ready, rendered `attempts` times in all, one file, a PDF of that many pages carrying the
    confidentiality line on every page."""
    export.refresh_from_db()
    assert export.status == CaseExport.Status.READY, (export.status, export.failure)
    assert export.attempts == attempts
    assert [p.name for p in harness.files()] == [f"{export.pk}-{attempts}.pdf"]
    assert export.file_name == f"{export.pk}-{attempts}.pdf"
    content = (harness.exports / export.file_name).read_bytes()
    assert export.size_bytes == len(content)
    pdf = read_pdf(content)
    assert export.pages is not None
    assert export.pages > 0
    assert len(pdf.pages) == export.pages
    line = squeeze(watermark(export))
    assert "Confidential" in line
    assert "Hearing7" in line
    assert all(line in squeeze(page) for page in pdf.pages), "a page lacks the watermark"
    assert export.case.reference in pdf.text


def status(export: CaseExport) -> str:
    return CaseExport.objects.values_list("status", flat=True).get(pk=export.pk)


# --- Tests ---------------------------------------------------------------------------------------


def test_a_case_file_asked_for_waits_on_the_pdf_queue_and_the_pdf_worker_renders_it(
    harness: Harness, case: Case, supervisor: User
) -> None:
    started = time.monotonic()
    # The other worker, consuming only the default queue, as docker-compose.yml runs it.
    other = harness.start(queue="celery")
    harness.wait_ready(other)

    export = ask_for_case_file(case, supervisor)  # its commit hands it to the pdf queue
    harness.wait_for(lambda: harness.waiting(harness.queue) == 1, 5, "the message on the pdf queue")
    time.sleep(1.5)  # the default worker has had every chance to take it
    assert status(export) == CaseExport.Status.QUEUED
    assert harness.waiting(harness.queue) == 1
    assert harness.waiting("celery") == 0
    assert f"{TASK}[" not in other.text()  # never received (the banner lists every task)

    pdf_worker = harness.start()
    harness.wait_for(lambda: status(export) == CaseExport.Status.READY, 40, "the case file")
    assert_ready_once(export, harness, attempts=1)
    assert harness.waiting(harness.queue) == 0
    assert re.search(rf"{TASK_RE}\[[0-9a-f-]+\] succeeded in [0-9.]+s: 'ready'", pdf_worker.text())
    assert f"{TASK}[" not in other.text()
    print(f"\n[pdf queue] {time.monotonic() - started:.1f}s, {export.pages} pages")


def test_a_case_file_delivered_twice_to_two_pdf_workers_is_rendered_once(
    harness: Harness, case: Case, supervisor: User
) -> None:
    started = time.monotonic()
    first, second = harness.start(), harness.start()
    now = timezone.now()
    # The row as export_request leaves it, without its own enqueue: both deliveries are ours.
    export = CaseExport.objects.create(
        case=case,
        requested_by=supervisor,
        document="case_file",
        sections=[section.key for section in case_file_sections()],
        language="en",
        purpose=CaseExport.Purpose.COURT,
        purpose_detail="Hearing 7",
        expires_at=now + datetime.timedelta(hours=24),
    )
    harness.wait_ready(first, second)
    task_ids = [
        render_export.apply_async(args=(str(export.pk),), queue=harness.queue).id for _ in range(2)
    ]

    def finished(task_id: str) -> bool:
        return any(
            re.search(rf"{TASK_RE}\[{task_id}\] succeeded", worker.text())
            for worker in harness.workers
        )

    harness.wait_for(lambda: all(finished(t) for t in task_ids), 40, "both deliveries")
    assert_ready_once(export, harness, attempts=1)
    logs = first.text() + second.text()
    outcomes = [
        re.search(rf"{TASK_RE}\[{task_id}\] succeeded in [0-9.]+s: (\S+)", logs)
        for task_id in task_ids
    ]
    assert sorted(match.group(1) for match in outcomes if match) == ["'ready'", "None"]
    print(f"\n[delivered twice] {time.monotonic() - started:.1f}s, {export.pages} pages")


def test_a_pdf_worker_killed_mid_rendering_leaves_the_case_file_to_be_rendered_once_later(
    harness: Harness, case: Case, supervisor: User
) -> None:
    started = time.monotonic()
    # A longer family, so that the rendering takes a while.
    Person.objects.bulk_create(
        Person(
            family_id=case.family_id,
            given_name_latin=f"Relative{i}",
            family_name_latin="Synthetic",
            given_name_km="សាច់ញាតិ",
            family_name_km="សាកល្បង",
            relationship=Person.Relationship.RELATIVE,
            sex=Person.Sex.FEMALE if i % 2 else Person.Sex.MALE,
            estimated_age=20 + i % 40,
        )
        for i in range(60)
    )
    first = harness.start(lease_seconds=LEASE_SECONDS)
    harness.wait_ready(first)
    export = ask_for_case_file(case, supervisor)
    harness.wait_for(lambda: status(export) != CaseExport.Status.QUEUED, 20, "the claim")
    first.kill()  # while WeasyPrint lays it out (or is still being imported)
    killed_at = time.monotonic()

    export.refresh_from_db()
    assert export.status == CaseExport.Status.RENDERING, "the kill did not land mid-rendering"
    assert export.attempts == 1
    assert harness.files() == []
    lease_until = export.lease_until
    assert lease_until is not None

    # A new worker; once the lease has run out, the cleanup sweep (beat's purge_exports) hands
    # the case file back to the queue, and the new worker renders it.
    harness.start(lease_seconds=LEASE_SECONDS)
    harness.wait_for(lambda: timezone.now() > lease_until, LEASE_SECONDS + 5, "the lease")
    assert exports_purge().requeued == 1
    harness.wait_for(lambda: status(export) == CaseExport.Status.READY, 40, "the case file")
    assert_ready_once(export, harness, attempts=2)
    # Nothing asks for it again: a second sweep finds nothing to hand over.
    assert exports_purge().requeued == 0
    print(
        f"\n[kill and restart] {time.monotonic() - started:.1f}s in all, "
        f"{time.monotonic() - killed_at:.1f}s from the kill, {export.pages} pages"
    )
