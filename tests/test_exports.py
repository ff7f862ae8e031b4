"""Exporting a case as PDF, end to end: the form, the request, the rendering, the download.

Real PostgreSQL and real WeasyPrint; the file is rendered by calling `export_render` as the
`pdf` worker would (the worker itself is tested elsewhere). Messages handed to the broker go to
a queue of each test's own and are taken off it again.
"""

from __future__ import annotations

import datetime
import io
import os
import re
import stat
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, timezone, translation
from pypdf import PdfReader

from casework import documents
from casework.documents import (
    CaseDocument,
    CaseFileSection,
    register_case_document,
    register_case_file_section,
)
from casework.models import AuditEvent, Case, User
from casework.services import team_sync_groups
from casework.tests.factories import open_case
from reports import services
from reports.models import CaseExport
from tests.pdf_reading import ReadPdf, read_pdf

pytestmark = pytest.mark.django_db

Status = CaseExport.Status
CAST = ["worker", "colleague", "supervisor", "outsider", "chair", "admin", "partner"]
MAY_EXPORT = {"worker": 403, "supervisor": 200, "admin": 200}


@pytest.fixture(autouse=True)
def export_root(db: None, settings: Any, tmp_path: Path) -> Iterator[Path]:
    """Each test writes its files somewhere of its own, and hands its messages to a queue of
    this test database's own (so that parallel runs never take each other's), emptied after."""
    settings.EXPORT_ROOT = tmp_path / "exports"
    settings.EXPORT_QUEUE = f"upstream-test-pdf-{connection.settings_dict['NAME']}"
    yield Path(settings.EXPORT_ROOT)
    take_messages(settings.EXPORT_QUEUE)


@pytest.fixture
def extra_sections() -> Iterator[SimpleNamespace]:
    """Two sections of our own: one ticked by default and printed first, one not ticked."""
    ticked = CaseFileSection(
        key="synthetic_first",
        order=5,
        label="Synthetic first section",
        template="reports/sections/people.html",
        context=lambda case: {"people": []},
        help_text="Synthetic hint about the first section",
    )
    unticked = CaseFileSection(
        key="synthetic_unticked",
        order=6,
        label="Synthetic unticked section",
        template="reports/sections/people.html",
        context=lambda case: {"people": []},
        default=False,
    )
    for section in (ticked, unticked):
        register_case_file_section(section)
    yield SimpleNamespace(ticked=ticked, unticked=unticked)
    for section in (ticked, unticked):
        documents._sections.pop(section.key, None)


@pytest.fixture
def short_document() -> Iterator[SimpleNamespace]:
    """A short document of our own (rendered there and then), about the case itself, that
    can be withdrawn; it is written in Khmer unless the exporter says otherwise."""
    withdrawn: set[int] = set()

    def subjects(case: Case) -> list[tuple[int, str]]:
        return [] if case.pk in withdrawn else [(case.pk, "Synthetic record")]

    def context(case: Case, subject_id: int) -> dict[str, Any]:
        if subject_id != case.pk or case.pk in withdrawn:
            raise LookupError(subject_id)
        return {"sections": [], "cover_children": []}

    document = CaseDocument(
        key="synthetic_document",
        label="Synthetic document",
        template="reports/case_file.html",
        subjects=subjects,
        context=context,
        language=lambda case, subject_id: "km",
        default_purpose=CaseExport.Purpose.FAMILY,
    )
    register_case_document(document)
    yield SimpleNamespace(document=document, withdrawn=withdrawn)
    documents._documents.pop(document.key, None)


def client_for(user: User) -> Client:
    client = Client(HTTP_USER_AGENT="pytest-browser")
    client.force_login(user)
    return client


def new_url(case: Case) -> str:
    return reverse("export_new", args=[case.pk])


def status_url(case: Case, export_id: object) -> str:
    return reverse("export_status", args=[case.pk, str(export_id)])


def download_url(case: Case, export_id: object) -> str:
    return reverse("export_download", args=[case.pk, str(export_id)])


def ask(client: Client, case: Case, **changes: Any) -> Any:
    """Post the export form as a person would fill it in (a case file for a court)."""
    data = {
        "document": "case_file",
        "sections": ["people"],
        "purpose": CaseExport.Purpose.COURT,
        "purpose_detail": "Hearing 7",
        "language": "en",
        **changes,
    }
    return client.post(new_url(case), {k: v for k, v in data.items() if v is not None})


def request_export(actor: User, case: Case, **changes: Any) -> CaseExport:
    arguments: dict[str, Any] = {
        "document": "case_file",
        "sections": ["people"],
        "purpose": CaseExport.Purpose.AUDIT,
        "language": "en",
        **changes,
    }
    return services.export_request(actor=actor, case=case, **arguments)


def download(client: Client, case: Case, export_id: object) -> ReadPdf:
    response = client.get(download_url(case, export_id))
    assert response.status_code == 200
    return read_pdf(response.getvalue())


def take_messages(queue_name: str) -> list[tuple[str, list[Any]]]:
    """Every message waiting on `queue_name` in the configured broker, taken off it: the task's
    name and its arguments."""
    from config.celery import app

    taken = []
    with app.connection_for_read() as broker:
        queue = broker.SimpleQueue(queue_name)
        try:
            while True:
                try:  # (publishing wrote the message before it returned: no need to wait)
                    message = queue.get(block=False)
                except queue.Empty:
                    break
                taken.append((message.headers["task"], message.payload[0]))
                message.ack()
        finally:
            queue.close()
    return taken


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def fragment(response: Any) -> str:
    return str(response.content.decode())


# --- The whole way: ask, wait, download -----------------------------------------------------


def test_a_supervisor_exports_a_case_file_and_downloads_it(
    case, supervisor, extra_sections, export_root, settings, django_capture_on_commit_callbacks
):
    client = client_for(supervisor)
    form = client.get(new_url(case))
    assert form.status_code == 200
    assert "Synthetic first section" in fragment(form)
    assert "Synthetic hint about the first section" in fragment(form)

    with django_capture_on_commit_callbacks(execute=True):
        # Ticked in another order than they print: the case file keeps its own order.
        response = ask(client, case, sections=["people", "synthetic_first"])
    export = CaseExport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == status_url(case, export.pk)
    assert export.status == Status.QUEUED
    assert export.sections == ["synthetic_first", "people"]
    # Handed to the pdf queue once the request committed, naming the export.
    assert take_messages(settings.EXPORT_QUEUE) == [
        ("reports.tasks.render_export", [str(export.pk)])
    ]

    # The export is one audited act that says why.
    exported = AuditEvent.objects.filter(case=case, event=AuditEvent.Event.EXPORT)
    assert exported.count() == 1
    event = exported.get()
    assert event.actor == supervisor
    assert "Court proceedings: Hearing 7" in event.reason
    assert event.additional_data["sections"] == ["synthetic_first", "people"]

    # While waiting: the page, and the box htmx asks for every two seconds.
    waiting = client.get(status_url(case, export.pk))
    assert waiting.status_code == 200
    assert "Waiting to be prepared" in fragment(waiting)
    assert "<html" in fragment(waiting)
    polled = client.get(status_url(case, export.pk), HTTP_HX_REQUEST="true")
    assert polled.status_code == 200
    assert fragment(polled).strip().startswith('<div id="export-status"')
    assert "<html" not in fragment(polled)
    assert 'hx-trigger="every 2s"' in fragment(polled)
    assert "HX-Request" in polled["Vary"]

    ready = services.export_render(export.pk)
    assert ready is not None
    assert ready.status == Status.READY
    assert services.export_render(export.pk) is None  # a second delivery renders nothing
    ready.refresh_from_db()
    assert ready.attempts == 1

    # Stored privately: readable by this user only, in a folder only this user may enter.
    path = export_root / ready.file_name
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(export_root.stat().st_mode) == 0o700
    assert [p.name for p in export_root.iterdir()] == [ready.file_name]

    polled = client.get(status_url(case, export.pk), HTTP_HX_REQUEST="true")
    assert "hx-trigger" not in fragment(polled)
    assert "Ready to download" in fragment(polled)
    assert download_url(case, export.pk) in fragment(polled)

    response = client.get(download_url(case, export.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert f"{case.reference}-case_file-" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    content = response.getvalue()
    assert content == path.read_bytes()
    pdf = read_pdf(content)

    # A4, every page: who exported it, when and why, and where the page stands.
    reader = PdfReader(io.BytesIO(content))
    for page in reader.pages:
        assert float(page.mediabox.width) == pytest.approx(595.28, abs=1)
        assert float(page.mediabox.height) == pytest.approx(841.89, abs=1)
    with translation.override("en"):
        date = formats.date_format(timezone.localtime(export.requested_at), "DATE_FORMAT")
    watermark = (
        f"Confidential — exported by {supervisor.display_name} on {date} "
        "for Court proceedings: Hearing 7"
    )
    count = len(pdf.pages)
    assert count == ready.pages == 4  # cover, contents, two sections
    for number, text in enumerate(pdf.pages, start=1):
        assert squeeze(watermark) in squeeze(text), number
        assert f"Page {number} of {count}" in text
    # The contents list the ticked sections in print order; what was not ticked is absent.
    contents = pdf.pages[1]
    assert "Contents" in contents
    assert contents.index("Synthetic first section") < contents.index("Family and people")
    assert "Synthetic unticked section" not in pdf.text
    assert "SyntheticFamilyMother" in pdf.squeezed()  # the people section's content

    downloads = AuditEvent.objects.filter(
        case=case, actor=supervisor, event=AuditEvent.Event.VIEW, object_pk=str(export.pk)
    )
    assert [e.additional_data["page"] for e in downloads] == ["export download"]


def test_an_administrator_exports_in_khmer_and_nobody_else_may_see_it(case, admin_user, supervisor):
    owner = client_for(admin_user)
    response = ask(owner, case, language="km", purpose="other", purpose_detail="Synthetic audit")
    assert response.status_code == 302
    export = CaseExport.objects.get()
    assert export.language == "km"
    services.export_render(export.pk)

    pdf = download(owner, case, export.pk)
    assert "Khmer-OS" in pdf.fonts()
    assert "កូន" in pdf.squeezed()  # the child's Khmer name
    assert "Synthetic audit" in pdf.text  # the purpose in the exporter's own words

    # The case's own supervisor may export the case, but not see the administrator's export.
    other = client_for(supervisor)
    assert other.get(new_url(case)).status_code == 200
    assert other.get(status_url(case, export.pk)).status_code == 404
    assert other.get(status_url(case, export.pk), HTTP_HX_REQUEST="true").status_code == 404
    assert other.get(download_url(case, export.pk)).status_code == 404
    refused = AuditEvent.objects.filter(actor=supervisor, event=AuditEvent.Event.REFUSED)
    assert refused.count() == 3
    assert not AuditEvent.objects.filter(
        actor=supervisor, event=AuditEvent.Event.VIEW, additional_data__page="export download"
    ).exists()
    assert other.get(new_url(case)).content.decode().count(str(export.pk)) == 0


# --- Who may export -------------------------------------------------------------------------


@pytest.mark.parametrize("who", CAST)
def test_only_the_people_the_door_lets_export_get_the_form(who, case, cast):
    client = client_for(cast[who])
    expected = MAY_EXPORT.get(who, 404)
    assert client.get(new_url(case)).status_code == expected
    response = ask(client, case)
    assert response.status_code == (302 if expected == 200 else expected)
    assert CaseExport.objects.count() == (1 if expected == 200 else 0)
    exported = AuditEvent.objects.filter(event=AuditEvent.Event.EXPORT).count()
    assert exported == (1 if expected == 200 else 0)


def test_an_unknown_or_foreign_export_is_not_found(case, supervisor, team_a, worker):
    other_case = open_case(team=team_a, worker=worker, family_name="Synthetic Other")
    elsewhere = request_export(supervisor, other_case)
    client = client_for(supervisor)
    for export_id in ["not-a-uuid", "1", uuid.uuid4(), "%00", elsewhere.pk]:
        assert client.get(status_url(case, export_id)).status_code == 404, export_id
        assert client.get(download_url(case, export_id)).status_code == 404, export_id
    # The same export under its own case is found.
    assert client.get(status_url(other_case, elsewhere.pk)).status_code == 200
    # An export not ready yet cannot be downloaded either.
    assert client.get(download_url(other_case, elsewhere.pk)).status_code == 404


def test_an_exporter_who_lost_access_before_the_rendering_gets_no_file(
    case, supervisor, team_a, export_root
):
    export = request_export(supervisor, case)
    team_a.supervisors.remove(supervisor)
    team_sync_groups(team=team_a)

    result = services.export_render(export.pk)

    assert result is not None
    assert result.status == Status.FAILED
    assert result.failure == "You no longer have access to export this case."
    assert result.file_name == ""
    assert not export_root.exists() or list(export_root.iterdir()) == []


# --- The form refuses what it should ----------------------------------------------------------


def test_other_without_words_is_refused_and_leaves_nothing_behind(case, supervisor):
    client = client_for(supervisor)
    client.get(new_url(case))  # (the form itself is an audited view of the case)
    events = AuditEvent.objects.count()

    response = ask(client, case, purpose="other", purpose_detail="   ")

    assert response.status_code == 200
    assert "Say in a few words what the export is for." in fragment(response)
    assert CaseExport.objects.count() == 0
    assert AuditEvent.objects.count() == events


def test_a_case_file_needs_known_sections(case, supervisor):
    client = client_for(supervisor)
    response = ask(client, case, sections=None)
    assert response.status_code == 200
    assert "Tick at least one section to export." in fragment(response)
    response = ask(client, case, sections=["people", "no_such_section"])
    assert response.status_code == 200
    assert "no_such_section is not one of the available choices" in fragment(response)
    assert CaseExport.objects.count() == 0


def test_too_many_waiting_case_files_are_refused(case, supervisor, settings):
    settings.EXPORT_MAX_PENDING = 2
    # One that finished does not count; two waiting do.
    done = request_export(supervisor, case)
    CaseExport.objects.filter(pk=done.pk).update(status=Status.FAILED)
    for _ in range(2):
        request_export(supervisor, case)

    response = ask(client_for(supervisor), case)

    assert response.status_code == 200
    assert "You already have 2 case files being prepared." in fragment(response)
    assert CaseExport.objects.count() == 3
    assert AuditEvent.objects.filter(event=AuditEvent.Event.EXPORT).count() == 3


def test_the_form_offers_the_sections_and_preselects_a_document(
    case, supervisor, extra_sections, short_document
):
    client = client_for(supervisor)
    plain = fragment(client.get(new_url(case)))
    for label in ["Family and people", "Synthetic first section", "Synthetic unticked section"]:
        assert label in plain
    # Ticked by default unless the section says otherwise; the case file is the default.
    assert re.search(r'<input[^>]*value="synthetic_first"[^>]*checked', plain)
    assert not re.search(r'<input[^>]*value="synthetic_unticked"[^>]*checked', plain)
    assert re.search(r'<input[^>]*value="case_file"[^>]*checked', plain)

    choice = f"synthetic_document:{case.pk}"
    chosen = fragment(client.get(new_url(case), {"document": choice}))
    assert re.search(rf'<input[^>]*value="{choice}"[^>]*checked', chosen)
    assert not re.search(r'<input[^>]*value="case_file"[^>]*checked', chosen)
    assert re.search(r'<input[^>]*value="family"[^>]*checked', chosen)  # its usual purpose
    assert re.search(r'<option value="km"[^>]*selected', chosen)  # its own language
    # Garbage preselects nothing, and does not break the page.
    for garbage in ["synthetic_document:x", "nope:1", ":", "synthetic_document:99999999999"]:
        response = client.get(new_url(case), {"document": garbage})
        assert response.status_code == 200
        assert re.search(r'<input[^>]*value="case_file"[^>]*checked', fragment(response))


def test_a_short_document_is_ready_at_once_in_the_language_chosen(case, supervisor, short_document):
    client = client_for(supervisor)
    response = ask(
        client,
        case,
        document=f"synthetic_document:{case.pk}",
        sections=None,
        purpose="family",
        purpose_detail="",
    )
    export = CaseExport.objects.get()
    assert response.status_code == 302
    assert export.status == Status.READY  # rendered during the request
    assert export.language == "en"  # the exporter's choice, not the document's default
    assert export.subject_id == case.pk
    pdf = download(client, case, export.pk)
    assert "The family asked for it" in pdf.text

    # One that may no longer be exported when its turn comes is refused, saying why.
    again = request_export(
        supervisor, case, document="synthetic_document", subject_id=case.pk, sections=()
    )
    short_document.withdrawn.add(case.pk)
    failed = services.export_render(again.pk)
    assert failed is not None
    assert failed.status == Status.FAILED
    assert failed.failure == "This document cannot be exported any more. Choose it again."
    shown = fragment(client.get(status_url(case, again.pk), HTTP_HX_REQUEST="true"))
    assert "This document cannot be exported any more." in shown
    assert "hx-trigger" not in shown


# --- At most once, at least once; 24 hours and gone -----------------------------------------


def test_a_held_rendering_is_left_alone_until_its_lease_runs_out(case, supervisor, export_root):
    export = request_export(supervisor, case)
    held_until = timezone.now() + datetime.timedelta(minutes=5)
    CaseExport.objects.filter(pk=export.pk).update(
        status=Status.RENDERING, attempts=1, lease_until=held_until
    )

    assert services.export_render(export.pk) is None  # another worker is on it
    export.refresh_from_db()
    assert (export.status, export.attempts) == (Status.RENDERING, 1)
    assert not export_root.exists() or list(export_root.iterdir()) == []

    # That worker died: once its lease runs out, the next delivery takes over.
    CaseExport.objects.filter(pk=export.pk).update(
        lease_until=timezone.now() - datetime.timedelta(seconds=1)
    )
    taken = services.export_render(export.pk)
    assert taken is not None
    assert (taken.status, taken.attempts) == (Status.READY, 2)
    assert taken.file_name.endswith("-2.pdf")
    client = client_for(supervisor)
    assert download(client, case, export.pk).pages

    # Past its 24 hours it is gone at once, before the cleanup has deleted anything.
    CaseExport.objects.filter(pk=export.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    assert client.get(download_url(case, export.pk)).status_code == 404
    gone = fragment(client.get(status_url(case, export.pk)))
    assert "This file has been deleted" in gone
    assert download_url(case, export.pk) not in gone
    path = export_root / taken.file_name
    assert path.exists()

    # The cleanup deletes it and says so; files nobody points at go too, once old enough.
    old_orphan = export_root / "left-by-a-dead-worker.pdf"
    old_orphan.write_bytes(b"%PDF-")
    long_ago = (timezone.now() - datetime.timedelta(hours=1)).timestamp()
    os.utime(old_orphan, (long_ago, long_ago))
    fresh_orphan = export_root / ".partial-being-written.pdf"
    fresh_orphan.write_bytes(b"%PDF-")

    first = services.exports_purge()

    assert (first.deleted, first.requeued) == (1, 0)
    assert not path.exists()
    assert not old_orphan.exists()
    assert fresh_orphan.exists()
    export.refresh_from_db()
    assert (export.status, export.file_name) == (Status.EXPIRED, "")
    second = services.exports_purge()
    assert (second.deleted, second.requeued) == (0, 0)
    export.refresh_from_db()
    assert export.status == Status.EXPIRED
    assert services.export_render(export.pk) is None


def test_the_cleanup_hands_lost_case_files_to_the_worker_again(
    case, supervisor, settings, export_root
):
    settings.EXPORT_MAX_PENDING = 10
    export_root.mkdir(mode=0o755)  # made by somebody else, readable by all: made private
    lost = request_export(supervisor, case)
    fresh = request_export(supervisor, case)
    crashed = request_export(supervisor, case)
    hopeless = request_export(supervisor, case)
    now = timezone.now()
    CaseExport.objects.filter(pk=lost.pk).update(requested_at=now - datetime.timedelta(minutes=6))
    CaseExport.objects.filter(pk=crashed.pk).update(
        status=Status.RENDERING, attempts=1, lease_until=now - datetime.timedelta(seconds=5)
    )
    CaseExport.objects.filter(pk=hopeless.pk).update(
        status=Status.RENDERING,
        attempts=settings.EXPORT_MAX_ATTEMPTS,
        lease_until=now - datetime.timedelta(seconds=5),
    )

    result = services.exports_purge()

    assert (result.deleted, result.requeued) == (0, 2)
    handed = take_messages(settings.EXPORT_QUEUE)
    assert sorted(handed) == sorted(
        [
            ("reports.tasks.render_export", [str(lost.pk)]),
            ("reports.tasks.render_export", [str(crashed.pk)]),
        ]
    )
    statuses = dict(CaseExport.objects.values_list("pk", "status"))
    assert statuses == {
        lost.pk: Status.QUEUED,
        fresh.pk: Status.QUEUED,
        crashed.pk: Status.RENDERING,
        hopeless.pk: Status.FAILED,
    }
    hopeless.refresh_from_db()
    assert "could not be prepared" in hopeless.failure
    assert stat.S_IMODE(export_root.stat().st_mode) == 0o700


# --- What the pages cost ----------------------------------------------------------------------


def test_the_export_pages_cost_the_same_however_many_exports(
    case, supervisor, settings, django_assert_max_num_queries
):
    settings.EXPORT_MAX_PENDING = 50
    client = client_for(supervisor)
    export = request_export(supervisor, case)
    urls = [new_url(case), status_url(case, export.pk)]
    for url in urls:
        client.get(url)  # warm caches (content types) so both counts start alike

    def cost(url: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    few = [cost(url) for url in urls]
    for _ in range(15):
        request_export(supervisor, case, purpose="other", purpose_detail="Synthetic purpose")
    many = [cost(url) for url in urls]

    assert many == few
    form_page = fragment(client.get(new_url(case)))
    assert form_page.count("Synthetic purpose") == 15
    # The form: session, user, the door (2), the view's audit, the recent exports, and one
    # or two for each registered short document's exportable records.
    with django_assert_max_num_queries(16):
        client.get(new_url(case))
    with django_assert_max_num_queries(8):
        client.get(status_url(case, export.pk))


def test_the_allocated_worker_is_refused_the_status_and_download_pages_too(case, worker):
    """The worker holds view and change but not export: the door's 403 on every export page."""
    client = client_for(worker)
    made = CaseExport.objects.count()
    assert client.get(status_url(case, uuid.uuid4())).status_code == 403
    assert client.get(download_url(case, uuid.uuid4())).status_code == 403
    assert ask(client, case).status_code == 403
    assert CaseExport.objects.count() == made
