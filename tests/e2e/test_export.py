"""Exporting a case file in a real browser, rendered by a real Celery worker.

Issue 8: "`admin` exports a case file with three sections for a court, watches the progress,
downloads it; the audit page shows the export." The worker is a `celery worker` subprocess on
the test's own PostgreSQL database and a queue of this test's own on Redis; it is started only
after the page has shown that the file is waiting, so the progress is really watched.
"""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from playwright.sync_api import Page, expect

from casework.models import Case, User
from reports.models import CaseExport
from tests.celery_workers import require_worker_services, start_worker, stop_worker
from tests.pdf_reading import read_pdf

from .conftest import sign_in

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
TICKED = ["people", "visits", "access"]


@pytest.fixture
def pdf_queue(settings: Any, tmp_path: Path) -> Iterator[dict[str, str]]:
    """A queue of this test's own, and what a worker needs to serve it (PostgreSQL, Redis)."""
    broker = require_worker_services()
    settings.EXPORT_QUEUE = f"upstream-test-pdf-{uuid.uuid4().hex[:10]}"
    settings.EXPORT_ROOT = tmp_path / "exports"
    yield {
        "queue": settings.EXPORT_QUEUE,
        "broker": broker,
        "exports": str(settings.EXPORT_ROOT),
        "log": str(tmp_path / "worker.log"),
    }
    redis.Redis.from_url(broker).delete(settings.EXPORT_QUEUE)


def start_pdf_worker(queue: dict[str, str]) -> subprocess.Popen[bytes]:
    return start_worker(
        queue=queue["queue"],
        log=Path(queue["log"]),
        env={"EXPORT_ROOT": queue["exports"], "EXPORT_QUEUE": queue["queue"]},
        options=["--prefetch-multiplier=1"],
    )


def test_admin_exports_a_case_file_for_a_court_and_the_audit_page_shows_it(
    page: Page, live_server: Any, demo: None, pdf_queue: dict[str, str]
) -> None:
    admin = User.objects.get(username="admin")
    case = Case.objects.filter(visits__isnull=False).order_by("pk").first()
    assert case is not None, "the demo has cases with home visits"
    sign_in(page, live_server.url, "admin")
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    page.locator("#panel-exports a[href$='/export/']").click()

    # Exactly three sections, for a court.
    page.locator("input[name=document][value=case_file]").check()
    for box in page.locator("input[name=sections]").all():
        box.uncheck()
    for key in TICKED:
        page.locator(f"input[name=sections][value={key}]").check()
    page.locator("input[name=purpose][value=court]").check()
    page.locator("input[name=purpose_detail]").fill("Provincial court, hearing of 3 December")
    page.locator("select[name=language]").select_option("en")
    page.locator("main form button[type=submit]").click()

    # Nobody is rendering yet: the page says it is waiting, and keeps asking.
    status = page.locator("#export-status")
    expect(status).to_have_attribute("hx-trigger", "every 2s")
    expect(status.locator("progress")).to_be_visible()
    export = CaseExport.objects.get(case=case, requested_by=admin)
    assert export.status == CaseExport.Status.QUEUED

    worker = start_pdf_worker(pdf_queue)
    try:
        download_link = status.get_by_role("link", name="Download the PDF")
        expect(download_link).to_be_visible(timeout=90_000)
    except AssertionError:
        print(Path(pdf_queue["log"]).read_text())
        raise
    finally:
        stop_worker(worker)
    expect(status).not_to_have_attribute("hx-trigger", "every 2s")

    with page.expect_download() as download_info:
        download_link.click()
    download = download_info.value
    assert download.suggested_filename.startswith(case.reference)
    pdf = read_pdf(Path(download.path()).read_bytes())
    assert len(pdf.pages) >= 4  # cover, contents, three sections
    for page_text in pdf.pages:
        text = " ".join(page_text.split())  # the running line may wrap
        assert "Confidential — exported by" in text
        assert "Provincial court, hearing of 3 December" in text
    contents = pdf.pages[1]
    assert "Home visits" in contents
    assert "Family and people" in contents
    assert "Who has opened this file" in contents
    # Sections that were not ticked are nowhere, not even in the contents.
    assert "Safety plan" not in pdf.text
    assert "Reviews" not in contents

    # The audit page shows the export, with its purpose.
    page.goto(f"{live_server.url}/cases/{case.pk}/access-log/")
    exported_row = page.locator("table.access-log tbody tr", has_text="exported").first
    expect(exported_row).to_contain_text("Provincial court, hearing of 3 December")
    expect(exported_row).to_contain_text(admin.display_name)
