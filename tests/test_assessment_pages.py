"""The assessment and mapping pages, seen by each member of the fixed cast.

Who gets in, what they leave behind on the audit trail, what they may change, what happens when
two people edit at once, what bad input looks like, and the safety scale's chart.
"""

from __future__ import annotations

import datetime
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from PIL import Image, PngImagePlugin

from assessments import services
from assessments.chart import safety_scale_chart
from assessments.models import (
    Approval,
    Assessment,
    ChildVoice,
    Decision,
    Mapping,
    MappingEntry,
    NeedDomain,
    NeedEntry,
    ScaleScore,
    Voice,
)
from assessments.panels import assessment_panel_context
from casework.models import AuditEvent, Case, Person, User
from casework.tests.factories import open_case

pytestmark = pytest.mark.django_db

CAST = ["worker", "colleague", "supervisor", "outsider", "chair", "admin", "partner"]

READ = {"worker": 200, "supervisor": 200, "admin": 200}
CHANGE = {"worker": 200, "supervisor": 200, "admin": 403}
WRITE = {"worker": 302, "supervisor": 302, "admin": 403}
DECIDE = {"worker": 403, "supervisor": 302, "admin": 403}

SCRIPT = '<script>alert("x")</script><b>bold</b>'


def expected(table: dict[str, int], who: str) -> int:
    return table.get(who, 404)


def client_for(user: User | None) -> Client:
    client = Client(HTTP_USER_AGENT="pytest-browser")
    if user is not None:
        client.force_login(user)
    return client


def png_bytes(*, size: tuple[int, int] = (40, 30), comment: str = "") -> bytes:
    """A real little picture, as a phone's camera app might save it (with a text chunk)."""
    image = Image.new("RGB", size, (200, 30, 30))
    info = PngImagePlugin.PngInfo()
    if comment:
        info.add_text("Comment", comment)
    out = io.BytesIO()
    image.save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def upload(name: str = "Sokha drawing.png", data: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes() if data is None else data, "image/png")


def date_fields(prefix: str, day: datetime.date) -> dict[str, Any]:
    return {f"{prefix}_0": day.day, f"{prefix}_1": day.month, f"{prefix}_2": day.year}


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def education() -> NeedDomain:
    return NeedDomain.objects.get(code="education")


@pytest.fixture
def records(case: Case, cast: dict[str, User], education: NeedDomain) -> dict[str, Any]:
    """A draft assessment with one domain, a mapping, a score and a child's voice with drawing."""
    worker = cast["worker"]
    child = case.children.get()
    assessment = services.assessment_start(actor=worker, case=case)
    assessment = services.assessment_update(
        actor=worker,
        case=case,
        assessment=assessment,
        expected_version=assessment.version,
        data={"participants": "Mother, grandmother", "family_views": "We want her in school."},
        needs=[
            services.NeedData(
                domain_id=education.pk,
                need="To keep learning",
                met=NeedEntry.Met.UNMET,
                strengths="Grandmother walks her to school.",
                risks=[services.RiskData(description="Irregular income", kind="root")],
            )
        ],
    )
    mapping = services.mapping_record(
        actor=worker,
        case=case,
        held_on=timezone.localdate() - datetime.timedelta(days=3),
        participants="Mother",
        entries=[
            services.EntryData(
                column="worries", kind="danger", text="Left alone at night", voice="worker"
            ),
            services.EntryData(
                column="working_well",
                kind="strength",
                text="Relatives next door",
                voice="family",
                voice_name="grandmother",
            ),
        ],
    )
    score = services.scale_record(
        actor=worker,
        case=case,
        score=4,
        voice=Voice.WORKER,
        reason="Relatives help at night.",
        recorded_on=timezone.localdate() - datetime.timedelta(days=3),
    )
    voice = services.child_voice_record(
        actor=worker,
        case=case,
        child_id=child.pk,
        data={"worries": "The dark", "good_things": "My grandmother"},
        drawing=upload(),
    )
    return {"assessment": assessment, "mapping": mapping, "score": score, "voice": voice}


# --- Who gets in: every page over the fixed cast -------------------------------------------------


def pages(case: Case, records: dict[str, Any]) -> dict[str, tuple[str, dict[str, int]]]:
    assessment, mapping, voice = records["assessment"], records["mapping"], records["voice"]
    return {
        "assessment_overview": (reverse("assessment_overview", args=[case.pk]), READ),
        "assessment_edit": (reverse("assessment_edit", args=[case.pk, assessment.pk]), CHANGE),
        "mapping_new": (reverse("mapping_new", args=[case.pk]), CHANGE),
        "mapping_edit": (reverse("mapping_edit", args=[case.pk, mapping.pk]), CHANGE),
        "scale_new": (reverse("scale_new", args=[case.pk]), CHANGE),
        "child_voice_new": (reverse("child_voice_new", args=[case.pk]), CHANGE),
        "child_voice_edit": (reverse("child_voice_edit", args=[case.pk, voice.pk]), CHANGE),
        "child_voice_drawing": (reverse("child_voice_drawing", args=[case.pk, voice.pk]), READ),
    }


PAGES = [
    "assessment_overview",
    "assessment_edit",
    "mapping_new",
    "mapping_edit",
    "scale_new",
    "child_voice_new",
    "child_voice_edit",
    "child_voice_drawing",
]


@pytest.mark.parametrize("page_name", PAGES)
@pytest.mark.parametrize("who", CAST)
def test_each_page_answers_the_cast_by_need_to_know_and_audits_once(
    page_name: str, who: str, case: Case, cast: dict[str, User], records: dict[str, Any]
) -> None:
    url, table = pages(case, records)[page_name]
    client = client_for(cast[who])  # (signing in leaves its own event first)
    before = AuditEvent.objects.count()
    response = client.get(url)
    assert response.status_code == expected(table, who)
    new_events = list(AuditEvent.objects.order_by("pk")[before:])
    assert len(new_events) == 1, [e.event for e in new_events]
    event = new_events[0]
    assert event.actor == cast[who]
    assert event.event == ("view" if response.status_code == 200 else "refused")
    assert event.user_agent == "pytest-browser"
    if response.status_code == 200:
        assert event.case == case
    if response.status_code == 404:
        assert case.reference not in response.content.decode()


@pytest.mark.parametrize("page_name", PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(
    page_name: str, case: Case, records: dict[str, Any]
) -> None:
    url, _table = pages(case, records)[page_name]
    response = client_for(None).get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def _mapping_post(
    *,
    held_on: datetime.date | None = None,
    version: int | None = None,
    rows: dict[str, list[dict[str, str]]] | None = None,
    participants: str = "Mother, grandmother",
) -> dict[str, Any]:
    data: dict[str, Any] = {
        **date_fields("held_on", held_on or timezone.localdate()),
        "participants": participants,
    }
    if version is not None:
        data["version"] = version
    rows = rows or {}
    for column in ("worries", "working_well", "next"):
        column_rows = rows.get(column, [])
        data |= {
            f"{column}-TOTAL_FORMS": str(max(3, len(column_rows))),
            f"{column}-INITIAL_FORMS": "0",
            f"{column}-MIN_NUM_FORMS": "0",
            f"{column}-MAX_NUM_FORMS": "40",
        }
        for index, row in enumerate(column_rows):
            data |= {f"{column}-{index}-{name}": value for name, value in row.items()}
    return data


def _edit_post(assessment: Assessment, **blocks: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "version": assessment.version,
        "participants": "Mother, grandmother, the child",
        "family_views": "We want her in school.",
        "summary": "Income is the root of it.",
    }
    for code, fields in blocks.items():
        data |= {f"need-{code}-{name}": value for name, value in fields.items()}
    return data


def _voice_post(case: Case, **extra: Any) -> dict[str, Any]:
    return {
        "child": case.children.get().pk,
        **date_fields("recorded_on", timezone.localdate()),
        "worries": "When father shouts",
        **extra,
    }


def _scale_post(**extra: Any) -> dict[str, Any]:
    return {
        "score": "6",
        "voice": "worker",
        **date_fields("recorded_on", timezone.localdate()),
        "reason": "The grandmother now stays at night.",
        **extra,
    }


def writes(
    case: Case, records: dict[str, Any], cast: dict[str, User]
) -> dict[str, tuple[str, dict[str, Any], dict[str, int]]]:
    assessment, mapping, voice = records["assessment"], records["mapping"], records["voice"]
    education = {"need": "To learn", "met": "partly"}
    return {
        "assessment_edit": (
            reverse("assessment_edit", args=[case.pk, assessment.pk]),
            _edit_post(assessment, education=education),
            WRITE,
        ),
        "assessment_submit": (
            reverse("assessment_submit", args=[case.pk, assessment.pk]),
            {"version": assessment.version},
            WRITE,
        ),
        "mapping_new": (
            reverse("mapping_new", args=[case.pk]),
            _mapping_post(
                rows={"next": [{"kind": "safety_goal", "text": "Never alone", "voice": "family"}]}
            ),
            WRITE,
        ),
        "mapping_edit": (
            reverse("mapping_edit", args=[case.pk, mapping.pk]),
            _mapping_post(
                version=mapping.version,
                rows={"worries": [{"kind": "danger", "text": "Changed", "voice": "worker"}]},
            ),
            WRITE,
        ),
        "scale_new": (reverse("scale_new", args=[case.pk]), _scale_post(), WRITE),
        "child_voice_new": (
            reverse("child_voice_new", args=[case.pk]),
            _voice_post(case),
            WRITE,
        ),
        "child_voice_edit": (
            reverse("child_voice_edit", args=[case.pk, voice.pk]),
            {
                "version": voice.version,
                **date_fields("recorded_on", voice.recorded_on),
                "worries": "Changed",
            },
            WRITE,
        ),
    }


def _snapshot(records: dict[str, Any]) -> tuple[Any, ...]:
    return (
        Assessment.objects.count(),
        Mapping.objects.count(),
        MappingEntry.objects.count(),
        ScaleScore.objects.count(),
        ChildVoice.objects.count(),
        Assessment.objects.get(pk=records["assessment"].pk).version,
        Mapping.objects.get(pk=records["mapping"].pk).version,
        ChildVoice.objects.get(pk=records["voice"].pk).version,
        Decision.objects.count(),
    )


WRITES = [
    "assessment_edit",
    "assessment_submit",
    "mapping_new",
    "mapping_edit",
    "scale_new",
    "child_voice_new",
    "child_voice_edit",
]


@pytest.mark.parametrize("write_name", WRITES)
@pytest.mark.parametrize("who", CAST)
def test_writes_need_change_permission_and_refusals_change_nothing(
    write_name: str, who: str, case: Case, cast: dict[str, User], records: dict[str, Any]
) -> None:
    url, data, table = writes(case, records, cast)[write_name]
    before_state = _snapshot(records)
    client = client_for(cast[who])
    before = AuditEvent.objects.count()
    response = client.post(url, data)
    assert response.status_code == expected(table, who), response.content.decode()[:3000]
    events = list(AuditEvent.objects.order_by("pk")[before:])
    if response.status_code != 302:
        assert [e.event for e in events] == ["refused"]
        assert _snapshot(records) == before_state
    else:
        assert response["Location"].startswith(f"/cases/{case.pk}/")
        assert [e for e in events if e.event != "refused"], "a write leaves its own event"
        assert _snapshot(records) != before_state


@pytest.mark.parametrize("who", CAST)
def test_starting_an_assessment_needs_change_permission(
    who: str, case: Case, cast: dict[str, User]
) -> None:
    fresh = open_case(team=case.team, worker=cast["worker"])
    client = client_for(cast[who])
    before = AuditEvent.objects.count()
    response = client.post(reverse("assessment_start", args=[fresh.pk]))
    assert response.status_code == expected(WRITE, who)
    events = [e.event for e in AuditEvent.objects.order_by("pk")[before:]]
    if response.status_code == 302:
        assessment = Assessment.objects.get(case=fresh)
        assert response["Location"] == reverse("assessment_edit", args=[fresh.pk, assessment.pk])
        assert events == ["create"]
    else:
        assert events == ["refused"]
        assert not Assessment.objects.filter(case=fresh).exists()


@pytest.mark.parametrize("who", CAST)
def test_only_a_supervisor_of_the_team_decides(
    who: str, case: Case, cast: dict[str, User], records: dict[str, Any]
) -> None:
    assessment = services.assessment_submit(
        actor=cast["worker"],
        case=case,
        assessment=records["assessment"],
        expected_version=records["assessment"].version,
    )
    client = client_for(cast[who])
    before = AuditEvent.objects.count()
    response = client.post(
        reverse("assessment_decide", args=[case.pk, assessment.pk]),
        {"version": assessment.version, "decision": "approve"},
    )
    assert response.status_code == expected(DECIDE, who)
    events = [e.event for e in AuditEvent.objects.order_by("pk")[before:]]
    assessment.refresh_from_db()
    if response.status_code == 302:
        assert events == ["approve"]
        assert assessment.status == Approval.APPROVED
    else:
        assert events == ["refused"]
        assert assessment.status == Approval.SUBMITTED
        assert not Decision.objects.exists()


def test_anonymous_writes_are_sent_to_sign_in(
    case: Case, cast: dict[str, User], records: dict[str, Any]
) -> None:
    before_state = _snapshot(records)
    urls = [(url, data) for url, data, _table in writes(case, records, cast).values()]
    urls += [
        (reverse("assessment_start", args=[case.pk]), {}),
        (reverse("assessment_decide", args=[case.pk, records["assessment"].pk]), {}),
    ]
    for url, data in urls:
        response = client_for(None).post(url, data)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    assert _snapshot(records) == before_state


def test_a_record_of_another_case_is_not_reachable_through_this_case(
    case: Case, cast: dict[str, User], records: dict[str, Any]
) -> None:
    other = open_case(team=case.team, worker=cast["worker"])
    client = client_for(cast["worker"])
    before = AuditEvent.objects.count()
    urls = [
        reverse("assessment_edit", args=[other.pk, records["assessment"].pk]),
        reverse("mapping_edit", args=[other.pk, records["mapping"].pk]),
        reverse("child_voice_edit", args=[other.pk, records["voice"].pk]),
        reverse("child_voice_drawing", args=[other.pk, records["voice"].pk]),
        reverse("assessment_overview", args=[other.pk]) + f"?assessment={records['assessment'].pk}",
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    events = list(AuditEvent.objects.order_by("pk")[before:])
    assert [e.event for e in events] == ["refused"] * len(urls)
    assert {e.case for e in events} == {other}


# --- The overview page ---------------------------------------------------------------------------


def test_the_overview_shows_the_assessment_mapping_scale_and_voices(
    case: Case, cast: dict[str, User], records: dict[str, Any]
) -> None:
    body = client_for(cast["worker"]).get(reverse("assessment_overview", args=[case.pk]))
    page = body.content.decode()
    assert "Draft" in page
    assert "We want her in school." in page
    assert "To keep learning" in page
    assert "Unmet" in page
    assert "Root cause" in page
    assert "Irregular income" in page
    assert "Grandmother walks her to school." in page
    # The mapping, each entry with whose view it is.
    assert "Left alone at night" in page
    assert "grandmother (Family member)" in page
    assert "What are we worried about?" in page
    assert "What is working well?" in page
    assert "What needs to happen?" in page
    # The scale as a chart and a table, the child's three houses and the drawing's door.
    assert page.count("<polyline") == 1
    assert "Relatives help at night." in page
    assert "The dark" in page
    assert "My grandmother" in page
    drawing = reverse("child_voice_drawing", args=[case.pk, records["voice"].pk])
    assert drawing in page
    assert "drawings/" not in page  # the file's own path is never shown
    # The worker may edit and submit, not decide.
    assert reverse("assessment_edit", args=[case.pk, records["assessment"].pk]) in page
    assert reverse("assessment_submit", args=[case.pk, records["assessment"].pk]) in page
    assert reverse("assessment_decide", args=[case.pk, records["assessment"].pk]) not in page


def test_the_administrator_reads_without_buttons_to_change(
    case: Case, cast: dict[str, User], records: dict[str, Any]
) -> None:
    page = client_for(cast["admin"]).get(reverse("assessment_overview", args=[case.pk]))
    body = page.content.decode()
    assert "To keep learning" in body
    for name in ("mapping_new", "scale_new", "child_voice_new"):
        assert reverse(name, args=[case.pk]) not in body
    assert reverse("assessment_edit", args=[case.pk, records["assessment"].pk]) not in body


def test_the_supervisor_sees_the_decision_buttons_only_once_submitted(
    case: Case, cast: dict[str, User], records: dict[str, Any]
) -> None:
    url = reverse("assessment_overview", args=[case.pk])
    decide = reverse("assessment_decide", args=[case.pk, records["assessment"].pk])
    supervisor = client_for(cast["supervisor"])
    assert decide not in supervisor.get(url).content.decode()
    services.assessment_submit(
        actor=cast["worker"],
        case=case,
        assessment=records["assessment"],
        expected_version=records["assessment"].version,
    )
    assert decide in supervisor.get(url).content.decode()
    assert decide not in client_for(cast["worker"]).get(url).content.decode()
    assert decide not in client_for(cast["admin"]).get(url).content.decode()


def test_an_earlier_assessment_can_be_read(
    case: Case, cast: dict[str, User], records: dict[str, Any]
) -> None:
    first = records["assessment"]
    first = services.assessment_submit(
        actor=cast["worker"], case=case, assessment=first, expected_version=first.version
    )
    services.assessment_decide(
        actor=cast["supervisor"],
        case=case,
        assessment=first,
        expected_version=first.version,
        approve=True,
    )
    services.assessment_start(actor=cast["worker"], case=case)
    client = client_for(cast["worker"])
    url = reverse("assessment_overview", args=[case.pk])
    newest = client.get(url).content.decode()
    assert "To keep learning" not in newest
    assert f"?assessment={first.pk}" in newest
    earlier = client.get(url, {"assessment": first.pk}).content.decode()
    assert "To keep learning" in earlier
    assert "You are reading an earlier assessment." in earlier


# --- The assessment: edit, submit, decide ----------------------------------------------------


def test_editing_saves_filled_domains_and_skips_blank_blocks_and_rows(
    case: Case, cast: dict[str, User], records: dict[str, Any]
) -> None:
    assessment = records["assessment"]
    version = assessment.version
    data = _edit_post(
        assessment,
        education={
            "need": "To learn to read",
            "met": "partly",
            "risk_0": "Misses school in the rice harvest",
            "risk_0_kind": "surface",
            "risk_1": "",
            "risk_1_kind": "root",  # a kind without words is a blank row
            "risk_2": "Debt",
            "risk_2_kind": "root",
        },
        health={"need": "", "met": "", "strengths": "", "analysis": ""},
        housing={
            "need": "A dry place to sleep",
            "met": "met",
            "strengths": "Relatives next door",
        },
    )
    response = client_for(cast["worker"]).post(
        reverse("assessment_edit", args=[case.pk, assessment.pk]), data
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert response["Location"].endswith("#assessment")
    needs = {
        n.domain.code: n
        for n in NeedEntry.objects.filter(assessment=assessment).select_related("domain")
    }
    assert set(needs) == {"education", "housing"}
    assert needs["education"].met == "partly"
    assert [(r.description, r.kind) for r in needs["education"].risks.order_by("pk")] == [
        ("Misses school in the rice harvest", "surface"),
        ("Debt", "root"),
    ]
    assessment.refresh_from_db()
    assert assessment.summary == "Income is the root of it."
    assert assessment.version == version + 1


def test_the_edit_page_shows_every_active_domain_with_the_saved_answers(
    case: Case, cast: dict[str, User], records: dict[str, Any]
) -> None:
    NeedDomain.objects.filter(code="nutrition").update(is_active=False)
    page = client_for(cast["worker"]).get(
        reverse("assessment_edit", args=[case.pk, records["assessment"].pk])
    )
    body = page.content.decode()
    for domain in NeedDomain.objects.filter(is_active=True):
        assert f'id="domain-{domain.code}"' in body
    assert 'id="domain-nutrition"' not in body
    assert "To keep learning" in body
    assert "Irregular income" in body
    assert re.search(r'name="need-education-risk_0_kind" value="root"[^>]*checked', body)


def test_words_in_a_domain_without_the_need_are_refused(
    case: Case, cast: dict[str, User], records: dict[str, Any]
) -> None:
    assessment = records["assessment"]
    version = assessment.version
    data = _edit_post(
        assessment,
        education={"need": "To learn", "met": "unmet", "risk_0": "Debt"},  # no kind
        health={"strengths": "A clinic nearby"},  # no need, no met
    )
    response = client_for(cast["worker"]).post(
        reverse("assessment_edit", args=[case.pk, assessment.pk]), data
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "There is a problem" in body
    assert "Say what the child needs, or clear this domain to leave it out." in body
    assert "Say whether this need is met, partly met or unmet." in body
    assert "Say whether this risk is a surface sign or a root cause." in body
    assert 'href="#id_need-health-met_0"' in body  # the summary links to the first radio
    assessment.refresh_from_db()
    assert assessment.version == version
    assert NeedEntry.objects.get(assessment=assessment).need == "To keep learning"


def test_very_long_text_is_refused_and_nothing_is_written(
    case: Case, cast: dict[str, User], records: dict[str, Any]
) -> None:
    assessment = records["assessment"]
    data = _edit_post(assessment) | {"family_views": "x" * 100_000}
    response = client_for(cast["worker"]).post(
        reverse("assessment_edit", args=[case.pk, assessment.pk]), data
    )
    assert response.status_code == 200
    assert "at most 10000 characters" in response.content.decode().replace(",", "")
    assessment.refresh_from_db()
    assert assessment.family_views == "We want her in school."


def test_a_stale_assessment_edit_shows_both_versions_and_changes_nothing(
    case: Case, cast: dict[str, User], records: dict[str, Any]
) -> None:
    assessment = records["assessment"]
    url = reverse("assessment_edit", args=[case.pk, assessment.pk])
    first, second = client_for(cast["worker"]), client_for(cast["supervisor"])
    block = {"need": "To keep learning", "met": "unmet", "risk_0": "Irregular income"}
    mine = _edit_post(assessment, education=block | {"risk_0_kind": "root"})
    first_post = mine | {"family_views": "Mother: she must go to school."}
    assert first.post(url, first_post).status_code == 302
    before = AuditEvent.objects.count()
    second_post = mine | {"family_views": "Father: she must work in the fields."}
    second_post["need-education-met"] = "partly"
    response = second.post(url, second_post)
    assert response.status_code == 409
    body = response.content.decode()
    assert "Someone else saved this record while you were editing it" in body
    assert "Mother: she must go to school." in body
    assert "Father: she must work in the fields." in body
    assert '<th scope="row">Education</th>' in body  # the domain on which the two differ
    assessment.refresh_from_db()
    assert assessment.family_views == "Mother: she must go to school."
    assert NeedEntry.objects.get(assessment=assessment).met == "unmet"
    assert [e.event for e in AuditEvent.objects.order_by("pk")[before:]] == ["stale_edit"]
    # The conflict page's form carries the newer version: saving again is a deliberate choice.
    assert f'name="version" value="{assessment.version}"' in body
    retry = second.post(url, second_post | {"version": assessment.version})
    assert retry.status_code == 302
    assessment.refresh_from_db()
    assert assessment.family_views == "Father: she must work in the fields."


def test_a_submitted_assessment_cannot_be_edited_and_returns_with_a_comment(
    case: Case, cast: dict[str, User], records: dict[str, Any]
) -> None:
    assessment = records["assessment"]
    worker, supervisor = client_for(cast["worker"]), client_for(cast["supervisor"])
    worker.post(
        reverse("assessment_submit", args=[case.pk, assessment.pk]),
        {"version": assessment.version},
    )
    assessment.refresh_from_db()
    assert assessment.status == Approval.SUBMITTED
    edit = worker.get(reverse("assessment_edit", args=[case.pk, assessment.pk]))
    assert edit.status_code == 302
    decide = reverse("assessment_decide", args=[case.pk, assessment.pk])
    # Returning without a comment: the service's message, and nothing decided.
    response = supervisor.post(
        decide, {"version": assessment.version, "decision": "return", "comment": "  "}, follow=True
    )
    assert "Say what needs to change before it is approved." in response.content.decode()
    assessment.refresh_from_db()
    assert assessment.status == Approval.SUBMITTED
    assert not Decision.objects.exists()
    supervisor.post(
        decide,
        {"version": assessment.version, "decision": "return", "comment": "Ask the child too."},
    )
    assessment.refresh_from_db()
    assert assessment.status == Approval.RETURNED
    page = worker.get(reverse("assessment_overview", args=[case.pk])).content.decode()
    assert "Returned for changes" in page
    assert "Ask the child too." in page
    assert cast["supervisor"].display_name in page
    # The worker edits (the assessment is a draft again), submits, and it is approved.
    worker.post(
        reverse("assessment_edit", args=[case.pk, assessment.pk]),
        _edit_post(assessment, education={"need": "To learn", "met": "unmet"}),
    )
    assessment.refresh_from_db()
    assert assessment.status == Approval.DRAFT
    worker.post(
        reverse("assessment_submit", args=[case.pk, assessment.pk]),
        {"version": assessment.version},
    )
    assessment.refresh_from_db()
    supervisor.post(decide, {"version": assessment.version, "decision": "approve"})
    assessment.refresh_from_db()
    assert assessment.status == Approval.APPROVED
    assert list(Decision.objects.values_list("outcome", flat=True).order_by("pk")) == [
        "returned",
        "approved",
    ]


def test_a_supervisor_never_approves_their_own_assessment(
    case: Case, cast: dict[str, User]
) -> None:
    supervisor = client_for(cast["supervisor"])
    supervisor.post(reverse("assessment_start", args=[case.pk]))
    assessment = Assessment.objects.get(case=case)
    supervisor.post(
        reverse("assessment_edit", args=[case.pk, assessment.pk]),
        _edit_post(assessment, education={"need": "To learn", "met": "met"}),
    )
    assessment.refresh_from_db()
    supervisor.post(
        reverse("assessment_submit", args=[case.pk, assessment.pk]),
        {"version": assessment.version},
    )
    assessment.refresh_from_db()
    assert assessment.status == Approval.SUBMITTED
    page = supervisor.get(reverse("assessment_overview", args=[case.pk])).content.decode()
    decide = reverse("assessment_decide", args=[case.pk, assessment.pk])
    assert decide not in page
    response = supervisor.post(
        decide, {"version": assessment.version, "decision": "approve"}, follow=True
    )
    assert "another supervisor must decide on it" in response.content.decode()
    assessment.refresh_from_db()
    assert assessment.status == Approval.SUBMITTED


def test_submitting_an_empty_assessment_says_what_is_missing(
    case: Case, cast: dict[str, User]
) -> None:
    assessment = services.assessment_start(actor=cast["worker"], case=case)
    response = client_for(cast["worker"]).post(
        reverse("assessment_submit", args=[case.pk, assessment.pk]),
        {"version": assessment.version},
        follow=True,
    )
    assert "Assess at least one domain before submitting." in response.content.decode()
    assessment.refresh_from_db()
    assert assessment.status == Approval.DRAFT


def test_a_second_assessment_cannot_start_while_one_is_open(
    case: Case, cast: dict[str, User], records: dict[str, Any]
) -> None:
    response = client_for(cast["worker"]).post(
        reverse("assessment_start", args=[case.pk]), follow=True
    )
    assert "already has an assessment in progress" in response.content.decode()
    assert Assessment.objects.filter(case=case).count() == 1


# --- The three-column mapping ---------------------------------------------------------------


def test_a_mapping_is_recorded_with_whose_view_each_entry_is(
    case: Case, cast: dict[str, User]
) -> None:
    data = _mapping_post(
        held_on=timezone.localdate() - datetime.timedelta(days=1),
        rows={
            "worries": [
                {
                    "kind": "past_harm",
                    "text": "Bruise last month",
                    "voice": "professional",
                    "voice_name": "teacher",
                },
                {"kind": "", "text": "", "voice": ""},
            ],
            "working_well": [
                {"kind": "existing_safety", "text": "Sleeps by mother", "voice": "child"}
            ],
            "next": [{"kind": "next_step", "text": "Visit weekly", "voice": "worker"}],
        },
    )
    client = client_for(cast["worker"])
    response = client.post(reverse("mapping_new", args=[case.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    mapping = Mapping.objects.get(case=case)
    assert response["Location"].endswith(f"#mapping-{mapping.pk}")
    assert sorted(mapping.entries.values_list("column", "kind", "voice", "voice_name")) == [
        ("next", "next_step", "worker", ""),
        ("working_well", "existing_safety", "child", ""),
        ("worries", "past_harm", "professional", "teacher"),
    ]
    page = client.get(reverse("assessment_overview", args=[case.pk])).content.decode()
    assert "Bruise last month" in page
    assert "teacher (Other professional)" in page


def test_a_kind_from_another_column_is_refused(case: Case, cast: dict[str, User]) -> None:
    data = _mapping_post(
        rows={"working_well": [{"kind": "danger", "text": "Father drinks", "voice": "family"}]}
    )
    response = client_for(cast["worker"]).post(reverse("mapping_new", args=[case.pk]), data)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Mapping.objects.exists()


def test_an_empty_or_future_mapping_is_refused_with_the_services_words(
    case: Case, cast: dict[str, User]
) -> None:
    client = client_for(cast["worker"])
    empty = client.post(reverse("mapping_new", args=[case.pk]), _mapping_post())
    assert empty.status_code == 200
    assert "Write at least one worry, strength or next step." in empty.content.decode()
    future = client.post(
        reverse("mapping_new", args=[case.pk]),
        _mapping_post(
            held_on=timezone.localdate() + datetime.timedelta(days=2),
            rows={"worries": [{"kind": "danger", "text": "x", "voice": "worker"}]},
        ),
    )
    assert future.status_code == 200
    assert "This date is in the future." in future.content.decode()
    words_without_whose = client.post(
        reverse("mapping_new", args=[case.pk]),
        _mapping_post(rows={"worries": [{"kind": "danger", "text": "x", "voice": ""}]}),
    )
    assert "Choose whose view it is." in words_without_whose.content.decode()
    assert not Mapping.objects.exists()


def test_a_stale_mapping_edit_shows_both_versions_and_changes_nothing(
    case: Case, cast: dict[str, User], records: dict[str, Any]
) -> None:
    mapping = records["mapping"]
    url = reverse("mapping_edit", args=[case.pk, mapping.pk])
    first, second = client_for(cast["worker"]), client_for(cast["supervisor"])
    edit_page = first.get(url).content.decode()
    assert "Left alone at night" in edit_page  # saved rows come back to be edited
    row = {"kind": "danger", "voice": "worker"}
    assert (
        first.post(
            url,
            _mapping_post(
                version=mapping.version, rows={"worries": [row | {"text": "Alone since May"}]}
            ),
        ).status_code
        == 302
    )
    before = AuditEvent.objects.count()
    response = second.post(
        url,
        _mapping_post(version=mapping.version, rows={"worries": [row | {"text": "Alone twice"}]}),
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert "Alone since May" in body
    assert "Alone twice" in body
    assert [e.event for e in AuditEvent.objects.order_by("pk")[before:]] == ["stale_edit"]
    assert list(Mapping.objects.get(pk=mapping.pk).entries.values_list("text", flat=True)) == [
        "Alone since May"
    ]


# --- The safety scale --------------------------------------------------------------------------


def test_a_family_members_score_goes_on_the_chart_and_the_table(
    case: Case, cast: dict[str, User], records: dict[str, Any]
) -> None:
    mother = case.family.people.get(relationship=Person.Relationship.MOTHER)
    client = client_for(cast["worker"])
    response = client.post(
        reverse("scale_new", args=[case.pk]),
        _scale_post(score="7", voice="family", person=mother.pk, reason="We sleep beside them."),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert response["Location"].endswith("#scale")
    score = ScaleScore.objects.get(case=case, person=mother)
    assert score.score == 7
    assert score.recorded_by == cast["worker"]
    page = client.get(reverse("assessment_overview", args=[case.pk])).content.decode()
    assert page.count("<polyline") == 2  # the worker's line and the mother's
    assert "We sleep beside them." in page


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"score": "11"}, "Select a valid choice"),
        ({"score": ""}, "This field is required"),
        ({"reason": ""}, "Say why: what makes it this number?"),
        ({"voice": "family"}, "Choose the member of this family who gave the score."),
        ({"voice": "network"}, "Say who gave the score."),
        ({"voice": "supervisor"}, "Only a supervisor gives a supervisor"),
        (
            date_fields("recorded_on", timezone.localdate() + datetime.timedelta(days=1)),
            "This date is in the future.",
        ),
    ],
)
def test_a_score_that_does_not_add_up_is_refused(
    change: dict[str, Any], message: str, case: Case, cast: dict[str, User]
) -> None:
    response = client_for(cast["worker"]).post(
        reverse("scale_new", args=[case.pk]), _scale_post(**change)
    )
    assert response.status_code == 200
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not ScaleScore.objects.exists()


def test_the_score_is_offered_as_eleven_large_choices(case: Case, cast: dict[str, User]) -> None:
    body = client_for(cast["worker"]).get(reverse("scale_new", args=[case.pk])).content.decode()
    assert len(re.findall(r'<input type="radio" name="score"', body)) == 11
    assert "scale-radios" in body


# --- The child's voice and the drawing -----------------------------------------------------------


def test_a_drawing_is_stored_re_encoded_and_served_only_through_the_door(
    case: Case, cast: dict[str, User], settings: Any
) -> None:
    client = client_for(cast["worker"])
    original = png_bytes(size=(64, 48), comment="GPS 11.55N 104.92E")
    response = client.post(
        reverse("child_voice_new", args=[case.pk]),
        _voice_post(case, drawing=upload("Sokha Chan.png", original)),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    voice = ChildVoice.objects.get(case=case)
    name = voice.drawing.name or ""
    saved = (Path(settings.MEDIA_ROOT) / name).read_bytes()
    assert saved.startswith(b"\x89PNG")
    assert saved != original
    assert b"GPS" not in saved  # re-encoding dropped what the file carried beside the picture
    assert name.startswith(f"drawings/case-{case.pk}/")
    assert "Sokha" not in name
    with Image.open(io.BytesIO(saved)) as image:
        assert image.size == (64, 48)

    url = reverse("child_voice_drawing", args=[case.pk, voice.pk])
    served = client.get(url)
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"
    assert served["Cache-Control"] == "private, no-store"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served["Content-Disposition"].startswith("inline")
    assert b"".join(served.streaming_content) == saved  # type: ignore[attr-defined]
    assert client_for(cast["supervisor"]).get(url).status_code == 200
    for who in ("outsider", "colleague", "chair", "partner"):
        assert client_for(cast[who]).get(url).status_code == 404
    assert client_for(None).get(url).status_code == 302
    page = client.get(reverse("assessment_overview", args=[case.pk])).content.decode()
    assert url in page
    assert name not in page


def test_a_file_that_is_not_a_picture_is_refused_with_a_message(
    case: Case, cast: dict[str, User]
) -> None:
    fake = SimpleUploadedFile("drawing.png", b"<html><script>alert(1)</script>", "image/png")
    response = client_for(cast["worker"]).post(
        reverse("child_voice_new", args=[case.pk]), _voice_post(case, drawing=fake)
    )
    assert response.status_code == 200
    assert "Upload a photo: a JPEG, PNG or WebP picture." in response.content.decode()
    assert not ChildVoice.objects.exists()


def test_a_voice_without_words_or_in_the_future_is_refused(
    case: Case, cast: dict[str, User]
) -> None:
    client = client_for(cast["worker"])
    empty = client.post(reverse("child_voice_new", args=[case.pk]), _voice_post(case, worries=""))
    assert empty.status_code == 200
    assert "Write down at least one thing the child said." in empty.content.decode()
    later = timezone.localdate() + datetime.timedelta(days=5)
    future = client.post(
        reverse("child_voice_new", args=[case.pk]),
        _voice_post(case) | date_fields("recorded_on", later),
    )
    assert "This date is in the future." in future.content.decode()
    assert not ChildVoice.objects.exists()


def test_a_voice_without_a_drawing_has_no_drawing_address(
    case: Case, cast: dict[str, User]
) -> None:
    voice = services.child_voice_record(
        actor=cast["worker"], case=case, child_id=case.children.get().pk, data={"wishes": "A bike"}
    )
    client = client_for(cast["worker"])
    before = AuditEvent.objects.count()
    response = client.get(reverse("child_voice_drawing", args=[case.pk, voice.pk]))
    assert response.status_code == 404
    assert [e.event for e in AuditEvent.objects.order_by("pk")[before:]] == ["refused"]


def test_editing_a_voice_replaces_or_removes_the_drawing(
    case: Case, cast: dict[str, User], records: dict[str, Any]
) -> None:
    voice = records["voice"]
    url = reverse("child_voice_edit", args=[case.pk, voice.pk])
    client = client_for(cast["worker"])
    base = {**date_fields("recorded_on", voice.recorded_on), "worries": "The dark"}
    first_name = voice.drawing.name
    replaced = client.post(
        url, base | {"version": voice.version, "drawing": upload(data=png_bytes(size=(9, 9)))}
    )
    assert replaced.status_code == 302
    voice.refresh_from_db()
    assert voice.drawing.name != first_name
    response = client.post(url, base | {"version": voice.version, "remove_drawing": "on"})
    assert response.status_code == 302
    voice.refresh_from_db()
    assert not voice.drawing
    assert voice.worries == "The dark"
    drawing_url = reverse("child_voice_drawing", args=[case.pk, voice.pk])
    assert client.get(drawing_url).status_code == 404


def test_a_stale_voice_edit_shows_both_versions_and_changes_nothing(
    case: Case, cast: dict[str, User], records: dict[str, Any]
) -> None:
    voice = records["voice"]
    url = reverse("child_voice_edit", args=[case.pk, voice.pk])
    base = {"version": voice.version, **date_fields("recorded_on", voice.recorded_on)}
    first, second = client_for(cast["worker"]), client_for(cast["supervisor"])
    assert first.post(url, base | {"wishes": "To fly a kite"}).status_code == 302
    before = AuditEvent.objects.count()
    response = second.post(url, base | {"wishes": "To go to school"})
    assert response.status_code == 409
    body = response.content.decode()
    assert "To fly a kite" in body
    assert "To go to school" in body
    voice.refresh_from_db()
    assert voice.wishes == "To fly a kite"
    assert [e.event for e in AuditEvent.objects.order_by("pk")[before:]] == ["stale_edit"]


# --- Whatever people type is shown as typed, never run ---------------------------------------


def test_html_typed_anywhere_is_shown_escaped(
    case: Case, cast: dict[str, User], records: dict[str, Any]
) -> None:
    client = client_for(cast["worker"])
    assessment = records["assessment"]
    response = client.post(
        reverse("assessment_edit", args=[case.pk, assessment.pk]),
        _edit_post(
            assessment,
            education={"need": SCRIPT, "met": "unmet", "risk_0": SCRIPT, "risk_0_kind": "root"},
        )
        | {"family_views": SCRIPT},
    )
    assert response.status_code == 302
    client.post(
        reverse("mapping_new", args=[case.pk]),
        _mapping_post(
            rows={
                "worries": [
                    {"kind": "danger", "text": SCRIPT, "voice": "network", "voice_name": SCRIPT}
                ]
            }
        ),
    )
    client.post(
        reverse("scale_new", args=[case.pk]),
        _scale_post(voice="network", voice_name=SCRIPT, reason=SCRIPT),
    )
    client.post(reverse("child_voice_new", args=[case.pk]), _voice_post(case, worries=SCRIPT))
    assert ScaleScore.objects.filter(voice_name=SCRIPT).exists()
    assert ChildVoice.objects.filter(worries=SCRIPT).exists()
    page = client.get(reverse("assessment_overview", args=[case.pk])).content.decode()
    assert "<script>alert" not in page
    assert "<b>bold</b>" not in page
    assert page.count("&lt;script&gt;alert") >= 8
    case_page = client.get(reverse("case_detail", args=[case.pk])).content.decode()
    assert "<script>alert" not in case_page


# --- The case page's panel ------------------------------------------------------------------------


def test_the_case_page_shows_where_the_assessment_stands(
    case: Case, cast: dict[str, User], records: dict[str, Any]
) -> None:
    page = client_for(cast["worker"]).get(reverse("case_detail", args=[case.pk])).content.decode()
    assert "Assessment and safety" in page
    assert "Draft" in page
    assert records["mapping"].held_on.strftime("%Y") in page
    assert "<polyline" in page
    assert reverse("assessment_overview", args=[case.pk]) in page
    assert reverse("scale_new", args=[case.pk]) in page
    assert "No plan yet" in page
    try:
        plan_url = reverse("plan_detail", args=[case.pk])
    except NoReverseMatch:  # the plan's page is built separately
        plan_url = None
    if plan_url is not None:
        assert plan_url in page
    admin_page = client_for(cast["admin"]).get(reverse("case_detail", args=[case.pk]))
    assert reverse("scale_new", args=[case.pk]) not in admin_page.content.decode()


def test_the_case_page_without_any_assessment_work_says_so(
    case: Case, cast: dict[str, User]
) -> None:
    page = client_for(cast["worker"]).get(reverse("case_detail", args=[case.pk])).content.decode()
    assert "Not started yet" in page
    assert "No scores yet" in page
    assert "<svg" not in page


def test_the_panel_names_the_same_plan_as_the_service(
    case: Case, cast: dict[str, User], records: dict[str, Any]
) -> None:
    worker, supervisor = cast["worker"], cast["supervisor"]

    def panel_plan() -> tuple[int, str] | None:
        context = assessment_panel_context(case, worker, frozenset({"view"}))
        assert context is not None
        plan = context["plan"]
        return (plan.number, plan.status) if plan is not None else None

    def service_plan() -> tuple[int, str] | None:
        plan = services.current_plan(case)
        return (plan.number, plan.status) if plan is not None else None

    def approve_plan(plan: Any) -> None:
        unmet = NeedEntry.objects.get(assessment=records["assessment"])
        plan = services.plan_update(
            actor=worker,
            case=case,
            plan=plan,
            expected_version=plan.version,
            family_agreement="Agreed with mother.",
            goals=[services.GoalData(text="She goes to school", need_ids=[unmet.pk])],
        )
        plan = services.plan_submit(
            actor=worker, case=case, plan=plan, expected_version=plan.version
        )
        services.plan_decide(
            actor=supervisor, case=case, plan=plan, expected_version=plan.version, approve=True
        )

    assert panel_plan() is None
    assert service_plan() is None
    assessment = services.assessment_submit(
        actor=worker,
        case=case,
        assessment=records["assessment"],
        expected_version=records["assessment"].version,
    )
    services.assessment_decide(
        actor=supervisor,
        case=case,
        assessment=assessment,
        expected_version=assessment.version,
        approve=True,
    )
    first = services.plan_start(actor=worker, case=case)
    assert panel_plan() == service_plan() == (1, "draft")
    approve_plan(first)
    assert panel_plan() == service_plan() == (1, "approved")
    second = services.plan_start(actor=worker, case=case)
    assert panel_plan() == service_plan() == (2, "draft")
    approve_plan(second)
    assert panel_plan() == service_plan() == (2, "approved")  # version 1 is superseded
    page = client_for(worker).get(reverse("case_detail", args=[case.pk])).content.decode()
    assert "Version 2" in page


def _history(case: Case, worker: User, *, mappings: int, scores: int) -> None:
    today = timezone.localdate()
    for index in range(mappings):
        services.mapping_record(
            actor=worker,
            case=case,
            held_on=today - datetime.timedelta(days=index),
            participants="",
            entries=[
                services.EntryData(
                    column="worries", kind="danger", text=f"Worry {index}", voice="worker"
                ),
                services.EntryData(
                    column="next", kind="next_step", text=f"Step {index}", voice="family"
                ),
            ],
        )
    people = list(case.family.people.all())
    # Bulk rows (the service is exercised elsewhere): many voices over many days.
    ScaleScore.objects.bulk_create(
        ScaleScore(
            case=case,
            score=index % 11,
            voice=Voice.FAMILY,
            person=people[index % len(people)],
            recorded_on=today - datetime.timedelta(days=index),
            reason="Synthetic",
            recorded_by=worker,
        )
        for index in range(scores)
    )


def _assessed(case: Case, worker: User, *, voices: int) -> None:
    """An assessment of every domain, each with risks, and many children's voices."""
    assessment = services.assessment_start(actor=worker, case=case)
    services.assessment_update(
        actor=worker,
        case=case,
        assessment=assessment,
        expected_version=assessment.version,
        data={},
        needs=[
            services.NeedData(
                domain_id=domain.pk,
                need=f"Need {domain.code}",
                met="unmet",
                risks=[services.RiskData(description="Debt", kind="root")] * 2,
            )
            for domain in NeedDomain.objects.all()
        ],
    )
    child = case.children.get()
    for index in range(voices):
        services.child_voice_record(
            actor=worker, case=case, child_id=child.pk, data={"wishes": f"Wish {index}"}
        )


# The case page without visits takes 10 (13 with a page of visits); the assessment panel adds
# 2, the safety panel 1, the reviews panel 1 and the referrals panel 2 (consents, referrals),
# however long the history.
CASE_PAGE_QUERIES = 16


@pytest.mark.parametrize(("mappings", "scores"), [(1, 2), (50, 200)])
def test_the_case_page_takes_the_same_queries_however_long_the_history(
    mappings: int,
    scores: int,
    case: Case,
    cast: dict[str, User],
    django_assert_max_num_queries: Callable[..., Any],
) -> None:
    _history(case, cast["worker"], mappings=mappings, scores=scores)
    client = client_for(cast["worker"])
    client.get(reverse("case_detail", args=[case.pk]))  # warm the session and caches
    with django_assert_max_num_queries(CASE_PAGE_QUERIES):
        response = client.get(reverse("case_detail", args=[case.pk]))
    assert response.status_code == 200
    assert response.content.decode().count("<polyline") == 2  # mother and child


OVERVIEW_QUERIES = 16


@pytest.mark.parametrize(("mappings", "scores"), [(1, 2), (50, 200)])
def test_the_overview_takes_the_same_queries_however_long_the_history(
    mappings: int,
    scores: int,
    case: Case,
    cast: dict[str, User],
    records: dict[str, Any],
    django_assert_max_num_queries: Callable[..., Any],
) -> None:
    _history(case, cast["worker"], mappings=mappings, scores=scores)
    client = client_for(cast["worker"])
    client.get(reverse("assessment_overview", args=[case.pk]))
    with django_assert_max_num_queries(OVERVIEW_QUERIES):
        response = client.get(reverse("assessment_overview", args=[case.pk]))
    body = response.content.decode()
    assert body.count('class="mapping"') == min(mappings + 1, 5)


def test_both_pages_take_exactly_as_many_queries_for_a_long_history_as_a_short_one(
    cast: dict[str, User], case: Case
) -> None:
    long_case = open_case(team=case.team, worker=cast["worker"])
    _history(case, cast["worker"], mappings=1, scores=2)
    _history(long_case, cast["worker"], mappings=50, scores=200)
    for each in (case, long_case):
        _assessed(each, cast["worker"], voices=1 if each == case else 30)
    client = client_for(cast["worker"])

    def count(url: str) -> int:
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    for name in ("case_detail", "assessment_overview"):
        assert count(reverse(name, args=[case.pk])) == count(reverse(name, args=[long_case.pk]))


# --- The chart ------------------------------------------------------------------------------------


def _score(day: int, value: int, **kwargs: Any) -> ScaleScore:
    return ScaleScore(
        score=value, recorded_on=datetime.date(2026, 1, day), reason="r", pk=None, **kwargs
    )


def test_the_chart_draws_one_line_per_voice_with_its_own_marker_and_dash() -> None:
    scores = [
        _score(1, 2, voice=Voice.NETWORK, voice_name="Teacher"),
        _score(8, 4, voice=Voice.NETWORK, voice_name="teacher"),  # the same voice
        _score(2, 3, voice=Voice.PROFESSIONAL, voice_name="Nurse"),
        _score(9, 6, voice=Voice.PROFESSIONAL, voice_name="Nurse"),
        _score(5, 5, voice=Voice.NETWORK, voice_name="Neighbour"),
    ]
    svg = str(safety_scale_chart(scores, chart_id="t"))
    assert svg.count("<polyline") == 3
    assert 'viewBox="0 0 360 ' in svg
    assert '<title id="t-title">' in svg
    assert '<desc id="t-desc">' in svg
    assert 'aria-labelledby="t-title t-desc"' in svg
    series = re.findall(r'<g class="scale-series".*?</g>', svg)
    dashes = [re.search(r'stroke-dasharray="([^"]+)"', s) for s in series]
    assert len({d.group(1) if d else "solid" for d in dashes}) == 3
    shapes = [re.search(r"<polyline[^>]*/>(<\w+)", s) for s in series]
    assert len({m.group(1) for m in shapes if m}) == 3
    # The legend names every voice in words, with its latest score.
    assert "teacher (Safety network member): 4" in svg
    assert "Nurse (Other professional): 6" in svg
    assert "Neighbour (Safety network member): 5" in svg
    # The y axis runs 0 to 10 with a line and a label for each point.
    for value in range(11):
        assert f'fill="currentColor">{value}</text>' in svg


def test_the_chart_escapes_names_people_typed() -> None:
    svg = str(safety_scale_chart([_score(1, 3, voice=Voice.NETWORK, voice_name=SCRIPT)]))
    assert "<script" not in svg
    assert "<b>" not in svg
    assert "&lt;script&gt;" in svg


def test_the_chart_without_scores_is_a_plain_sentence() -> None:
    html = str(safety_scale_chart([]))
    assert "<svg" not in html
    assert "No safety scale scores yet." in html


def test_the_chart_keeps_a_single_day_inside_the_plot() -> None:
    svg = str(safety_scale_chart([_score(3, 10, voice=Voice.NETWORK, voice_name="Aunt")]))
    points = re.search(r'<polyline points="([\d.]+),([\d.]+)"', svg)
    assert points is not None
    x, y = float(points.group(1)), float(points.group(2))
    assert 30 < x < 346
    assert y == pytest.approx(12.0)  # 10 is the top line
