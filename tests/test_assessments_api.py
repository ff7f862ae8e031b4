"""The assessment and planning API (/api/v1/) keeps the door, the services' rules and the audit.

Every endpoint is tried by the whole fixed cast and an anonymous caller; reads and refusals
each leave exactly one audit event; refusals, stale edits and bad input write nothing; the
rules of practice (every unmet need has a goal, a supervisor decides and never on their own
work, approving the plan moves the case on) hold through the API as through the pages.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from assessments import services
from assessments.models import (
    Action,
    Approval,
    Assessment,
    CasePlan,
    ChildVoice,
    Decision,
    Goal,
    Mapping,
    MappingEntry,
    NeedDomain,
    NeedEntry,
    Risk,
    ScaleScore,
)
from casework import services as casework_services
from casework.models import AuditEvent, Case, Person, User
from casework.tests.factories import open_case

Event = AuditEvent.Event
ROLES = ["worker", "colleague", "supervisor", "outsider", "chair", "admin", "partner", "anonymous"]


# --- Helpers -------------------------------------------------------------------------------


def client_for(user: User | None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def events_since(before: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.order_by("pk")[before:])


def png_bytes(size: tuple[int, int] = (40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(out, format="PNG")
    return out.getvalue()


def png_upload(name: str = "drawing of Sokha.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def body_of(response: Any) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return bytes(response.content)


def domain(code: str) -> NeedDomain:
    return NeedDomain.objects.get(code=code)


@dataclass
class World:
    case: Case
    child: Person
    mother: Person
    assessment: Assessment
    unmet: NeedEntry  # the safety need, unmet
    met: NeedEntry  # education, met
    plan: CasePlan
    action: Action
    mapping: Mapping
    score: ScaleScore
    voice: ChildVoice

    def url(self, rest: str = "") -> str:
        return f"/api/v1/cases/{self.case.pk}/{rest}"


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


def write_assessment(worker: User, case: Case) -> Assessment:
    assessment = services.assessment_start(
        actor=worker, case=case, data={"participants": "Mother and child"}
    )
    return services.assessment_update(
        actor=worker,
        case=case,
        assessment=assessment,
        expected_version=assessment.version,
        data={"summary": "Worries at home, school going well."},
        needs=[
            services.NeedData(
                domain_id=domain("safety").pk,
                need="To be safe at home at night",
                met=NeedEntry.Met.UNMET,
                risks=[services.RiskData(description="Father drinks", kind=Risk.Kind.ROOT)],
            ),
            services.NeedData(
                domain_id=domain("education").pk, need="To learn", met=NeedEntry.Met.MET
            ),
        ],
    )


@pytest.fixture
def world(case: Case, cast: dict[str, User], media: Path) -> World:
    worker = cast["worker"]
    child = case.children.get()
    mother = Person.objects.get(family=case.family, relationship=Person.Relationship.MOTHER)
    assessment = write_assessment(worker, case)
    unmet = assessment.needs.get(domain__code="safety")
    met = assessment.needs.get(domain__code="education")
    plan = services.plan_start(actor=worker, case=case)
    plan = services.plan_update(
        actor=worker,
        case=case,
        plan=plan,
        expected_version=plan.version,
        family_agreement="The mother agreed.",
        goals=[
            services.GoalData(
                text="Nights are safe",
                need_ids=[unmet.pk],
                actions=[services.ActionData(what="Grandmother stays over", who="family")],
            )
        ],
    )
    mapping = services.mapping_record(
        actor=worker,
        case=case,
        held_on=timezone.localdate(),
        participants="Mother",
        entries=[
            services.EntryData(column="worries", kind="danger", text="Nights", voice="worker")
        ],
    )
    score = services.scale_record(
        actor=worker, case=case, score=4, voice="worker", reason="Nights are not safe yet"
    )
    voice = services.child_voice_record(
        actor=worker,
        case=case,
        child_id=child.pk,
        data={"worries": "Shouting at night"},
        drawing=png_upload(),
    )
    return World(
        case=case,
        child=child,
        mother=mother,
        assessment=assessment,
        unmet=unmet,
        met=met,
        plan=plan,
        action=Action.objects.get(goal__plan=plan),
        mapping=mapping,
        score=score,
        voice=voice,
    )


def fresh(model: type[Any], pk: int) -> Any:
    return model.objects.get(pk=pk)


def snapshot(world: World) -> dict[str, Any]:
    """Everything a refused or invalid call must leave exactly as it was."""
    return {
        "phase": fresh(Case, world.case.pk).phase,
        "assessments": list(
            Assessment.objects.order_by("pk").values_list(
                "pk", "version", "status", "summary", "participants"
            )
        ),
        "needs": list(NeedEntry.objects.order_by("pk").values_list("pk", "need", "met")),
        "risks": Risk.objects.count(),
        "decisions": Decision.objects.count(),
        "mappings": list(
            Mapping.objects.order_by("pk").values_list("pk", "version", "held_on", "participants")
        ),
        "entries": list(MappingEntry.objects.order_by("pk").values_list("pk", "text")),
        "scores": ScaleScore.objects.count(),
        "voices": list(
            ChildVoice.objects.order_by("pk").values_list(
                "pk", "version", "worries", "wishes", "recorded_on", "drawing"
            )
        ),
        "plans": list(
            CasePlan.objects.order_by("pk").values_list(
                "pk", "version", "status", "family_agreement"
            )
        ),
        "goals": list(Goal.objects.order_by("pk").values_list("pk", "text")),
        "actions": list(Action.objects.order_by("pk").values_list("pk", "version", "status")),
    }


# State a call needs before it can succeed (made through the services, before counting).


def submit_assessment(w: World, cast: dict[str, User]) -> None:
    a = fresh(Assessment, w.assessment.pk)
    services.assessment_submit(
        actor=cast["worker"], case=w.case, assessment=a, expected_version=a.version
    )


def approve_assessment(w: World, cast: dict[str, User]) -> None:
    submit_assessment(w, cast)
    a = fresh(Assessment, w.assessment.pk)
    services.assessment_decide(
        actor=cast["supervisor"],
        case=w.case,
        assessment=a,
        expected_version=a.version,
        approve=True,
    )


def submit_plan(w: World, cast: dict[str, User]) -> None:
    p = fresh(CasePlan, w.plan.pk)
    services.plan_submit(actor=cast["worker"], case=w.case, plan=p, expected_version=p.version)


def approve_plan(w: World, cast: dict[str, User]) -> None:
    approve_assessment(w, cast)
    submit_plan(w, cast)
    p = fresh(CasePlan, w.plan.pk)
    services.plan_decide(
        actor=cast["supervisor"], case=w.case, plan=p, expected_version=p.version, approve=True
    )


# --- The permission matrix -----------------------------------------------------------------

READ = {
    "worker": 200,
    "colleague": 404,
    "supervisor": 200,
    "outsider": 404,
    "chair": 404,
    "admin": 200,
    "partner": 404,
    "anonymous": 401,
}
SIGNED_IN = dict.fromkeys(ROLES, 200) | {"anonymous": 401}


def writes(ok: int, **overrides: int) -> dict[str, int]:
    """Allocated worker and supervisor may write; administrators only read (403)."""
    return {**READ, "worker": ok, "supervisor": ok, "admin": 403, **overrides}


@dataclass
class Endpoint:
    name: str
    method: str
    url: Callable[[World], str]
    expected: dict[str, int]
    body: Callable[[World], dict[str, Any]] | None = None
    event: str = Event.VIEW
    setup: Callable[[World, dict[str, User]], None] | None = None
    on_case: bool = True  # refusals and reads go on the case's own trail


ENDPOINTS = [
    Endpoint(
        "need domains",
        "get",
        lambda w: "/api/v1/need-domains/",
        SIGNED_IN | {"partner": 403},
        on_case=False,
    ),
    Endpoint("approvals", "get", lambda w: "/api/v1/approvals/", SIGNED_IN, on_case=False),
    Endpoint("assessments", "get", lambda w: w.url("assessments/"), READ),
    Endpoint(
        "assessment start",
        "post",
        lambda w: w.url("assessments/"),
        writes(201),
        body=lambda w: {"summary": "Re-assessment"},
        event=Event.CREATE,
        setup=approve_assessment,
    ),
    Endpoint("assessment detail", "get", lambda w: w.url(f"assessments/{w.assessment.pk}/"), READ),
    Endpoint(
        "assessment edit",
        "patch",
        lambda w: w.url(f"assessments/{w.assessment.pk}/"),
        writes(200),
        body=lambda w: {"version": fresh(Assessment, w.assessment.pk).version, "summary": "New"},
        event=Event.CHANGE,
    ),
    Endpoint(
        "assessment submit",
        "post",
        lambda w: w.url(f"assessments/{w.assessment.pk}/submit/"),
        writes(200),
        body=lambda w: {"version": fresh(Assessment, w.assessment.pk).version},
        event=Event.SUBMIT,
    ),
    # Only a supervisor decides: the worker is let in by the door, then refused by the service.
    Endpoint(
        "assessment decide",
        "post",
        lambda w: w.url(f"assessments/{w.assessment.pk}/decide/"),
        writes(200, worker=403),
        body=lambda w: {
            "version": fresh(Assessment, w.assessment.pk).version,
            "approve": False,
            "comment": "Say more about school.",
        },
        event=Event.RETURN,
        setup=submit_assessment,
    ),
    Endpoint("mappings", "get", lambda w: w.url("mappings/"), READ),
    Endpoint(
        "mapping record",
        "post",
        lambda w: w.url("mappings/"),
        writes(201),
        body=lambda w: {
            "participants": "Mother, grandmother",
            "entries": [
                {"column": "working_well", "kind": "strength", "text": "Gran", "voice": "family"}
            ],
        },
        event=Event.CREATE,
    ),
    Endpoint("mapping detail", "get", lambda w: w.url(f"mappings/{w.mapping.pk}/"), READ),
    Endpoint(
        "mapping edit",
        "patch",
        lambda w: w.url(f"mappings/{w.mapping.pk}/"),
        writes(200),
        body=lambda w: {"version": fresh(Mapping, w.mapping.pk).version, "participants": "All"},
        event=Event.CHANGE,
    ),
    Endpoint("scale scores", "get", lambda w: w.url("scale-scores/"), READ),
    Endpoint(
        "scale score",
        "post",
        lambda w: w.url("scale-scores/"),
        writes(201),
        body=lambda w: {
            "score": 6,
            "voice": "family",
            "person": w.mother.pk,
            "reason": "Grandmother comes every night",
        },
        event=Event.CREATE,
    ),
    Endpoint("child voices", "get", lambda w: w.url("child-voices/"), READ),
    Endpoint(
        "child voice record",
        "post",
        lambda w: w.url("child-voices/"),
        writes(201),
        body=lambda w: {"child": w.child.pk, "good_things": "My grandmother"},
        event=Event.CREATE,
    ),
    Endpoint("child voice detail", "get", lambda w: w.url(f"child-voices/{w.voice.pk}/"), READ),
    Endpoint(
        "child voice edit",
        "patch",
        lambda w: w.url(f"child-voices/{w.voice.pk}/"),
        writes(200),
        body=lambda w: {"version": fresh(ChildVoice, w.voice.pk).version, "wishes": "A bike"},
        event=Event.CHANGE,
    ),
    Endpoint("drawing", "get", lambda w: w.url(f"child-voices/{w.voice.pk}/drawing/"), READ),
    Endpoint("plans", "get", lambda w: w.url("plans/"), READ),
    Endpoint(
        "plan start",
        "post",
        lambda w: w.url("plans/"),
        writes(201),
        body=lambda w: {},
        event=Event.CREATE,
        setup=approve_plan,
    ),
    Endpoint("plan detail", "get", lambda w: w.url(f"plans/{w.plan.pk}/"), READ),
    Endpoint(
        "plan edit",
        "patch",
        lambda w: w.url(f"plans/{w.plan.pk}/"),
        writes(200),
        body=lambda w: {
            "version": fresh(CasePlan, w.plan.pk).version,
            "family_agreement": "Both parents agreed.",
        },
        event=Event.CHANGE,
    ),
    Endpoint(
        "plan submit",
        "post",
        lambda w: w.url(f"plans/{w.plan.pk}/submit/"),
        writes(200),
        body=lambda w: {"version": fresh(CasePlan, w.plan.pk).version},
        event=Event.SUBMIT,
    ),
    Endpoint(
        "plan decide",
        "post",
        lambda w: w.url(f"plans/{w.plan.pk}/decide/"),
        writes(200, worker=403),
        body=lambda w: {
            "version": fresh(CasePlan, w.plan.pk).version,
            "approve": False,
            "comment": "Who else can stay over?",
        },
        event=Event.RETURN,
        setup=submit_plan,
    ),
    Endpoint(
        "action progress",
        "post",
        lambda w: w.url(f"plans/{w.plan.pk}/actions/{w.action.pk}/progress/"),
        writes(200),
        body=lambda w: {
            "version": fresh(Action, w.action.pk).version,
            "status": "doing",
            "outcome": "Twice this week",
        },
        event=Event.CHANGE,
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.name for e in ENDPOINTS])
def test_every_endpoint_answers_each_of_the_cast_through_the_door(
    endpoint: Endpoint, role: str, world: World, cast: dict[str, User]
):
    if endpoint.setup is not None:
        endpoint.setup(world, cast)
    user = cast.get(role)
    client = client_for(user)
    body = endpoint.body(world) if endpoint.body else None
    before_state = snapshot(world)
    before = AuditEvent.objects.count()

    response = getattr(client, endpoint.method)(endpoint.url(world), body, format="json")

    expected = endpoint.expected[role]
    assert response.status_code == expected, getattr(response, "content", response)
    content = body_of(response)
    events = events_since(before)
    if expected == 401:
        assert response["WWW-Authenticate"].startswith("Token")
        assert events == []
    elif expected in (403, 404):
        assert [e.event for e in events] == [Event.REFUSED]
        assert events[0].actor_id == user.pk  # type: ignore[union-attr]
        # On the case's own trail, so the people responsible for it see who tried.
        assert events[0].case_id == (world.case.pk if endpoint.on_case else None)
        if role == "admin":
            assert events[0].reason == "needs change"  # the door refused, before any service
    else:
        assert [e.event for e in events] == [endpoint.event]
        assert events[0].actor_id == user.pk  # type: ignore[union-attr]
        assert events[0].case_id == (world.case.pk if endpoint.on_case else None)
        assert content
    if expected >= 400:
        assert snapshot(world) == before_state  # a refusal writes nothing


# --- Reads -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_need_domains_in_english_and_khmer_only_those_in_use(cast: dict[str, User]):
    NeedDomain.objects.filter(code="income").update(is_active=False)
    rows = client_for(cast["worker"]).get("/api/v1/need-domains/").json()
    codes = [row["code"] for row in rows]
    assert "income" not in codes
    assert codes[:2] == ["safety", "health"]  # in their order
    safety = rows[0]
    assert (safety["name"], safety["name_km"], safety["label"]) == (
        "Safety",
        "សុវត្ថិភាព",
        "Safety",
    )
    khmer = client_for(cast["worker"]).get("/api/v1/need-domains/", HTTP_ACCEPT_LANGUAGE="km")
    assert khmer.json()[0]["label"] == "សុវត្ថិភាព"


@pytest.mark.django_db
def test_assessment_detail_has_needs_risks_and_decisions(world: World, cast: dict[str, User]):
    approve_assessment(world, cast)
    data = client_for(cast["worker"]).get(world.url(f"assessments/{world.assessment.pk}/")).json()
    assert data["status"] == "approved"
    assert data["status_label"] == "Approved"
    assert data["author"]["id"] == cast["worker"].pk
    assert data["decided_by"]["id"] == cast["supervisor"].pk
    assert [n["domain_code"] for n in data["needs"]] == ["safety", "education"]
    safety = data["needs"][0]
    assert (safety["met"], safety["need"]) == ("unmet", "To be safe at home at night")
    assert safety["risks"] == [
        {
            "id": Risk.objects.get().pk,
            "description": "Father drinks",
            "kind": "root",
            "kind_label": "Root cause",
        }
    ]
    assert [(d["outcome"], d["decided_by"]["id"]) for d in data["decisions"]] == [
        ("approved", cast["supervisor"].pk)
    ]


@pytest.mark.django_db
def test_scale_scores_come_oldest_first_one_line_per_voice(world: World, cast: dict[str, User]):
    worker = cast["worker"]
    today = timezone.localdate()
    lines: list[tuple[int, int, str, dict[str, Any]]] = [
        (10, 2, "family", {"person": world.mother}),
        (20, 1, "family", {"person": world.mother}),
        (5, 7, "network", {"voice_name": "Teacher"}),
    ]
    for days, score, voice, extra in lines:
        services.scale_record(
            actor=worker,
            case=world.case,
            score=score,
            voice=voice,
            reason="Because",
            recorded_on=today - datetime.timedelta(days=days),
            **extra,
        )
    response = client_for(worker).get(world.url("scale-scores/"))
    rows = response.json()["results"]
    assert [r["score"] for r in rows] == [1, 2, 7, 4]
    assert rows[0]["line"] == rows[1]["line"] == f"person-{world.mother.pk}"
    assert rows[0]["who"] == f"{world.mother.display_name} (Family member)"
    assert rows[2]["who"] == "Teacher (Safety network member)"
    assert rows[3]["given_by_user"]["id"] == worker.pk


@pytest.mark.django_db
def test_plan_detail_has_goals_needs_actions_and_what_is_missing(
    world: World, cast: dict[str, User]
):
    data = client_for(cast["worker"]).get(world.url(f"plans/{world.plan.pk}/")).json()
    assert (data["number"], data["status"], data["assessment"]) == (
        1,
        "draft",
        world.assessment.pk,
    )
    (goal,) = data["goals"]
    assert goal["needs"] == [world.unmet.pk]
    assert goal["actions"][0]["what"] == "Grandmother stays over"
    assert goal["actions"][0]["status"] == "todo"
    assert data["unmet_needs_without_goal"] == []


@pytest.mark.django_db
def test_approvals_show_what_the_reader_may_decide(world: World, cast: dict[str, User]):
    approve_assessment(world, cast)
    submit_plan(world, cast)
    rows = client_for(cast["supervisor"]).get("/api/v1/approvals/").json()
    assert [(r["kind"], r["id"]) for r in rows] == [("plan", world.plan.pk)]
    assert rows[0]["case"] == {
        "id": world.case.pk,
        "reference": world.case.reference,
        "family_name": "Synthetic Family",
    }
    assert rows[0]["number"] == 1
    assert rows[0]["author"]["id"] == cast["worker"].pk
    # A supervisor of another team, the worker and the administrator have nothing to decide.
    for role in ("chair", "worker", "admin", "colleague"):
        assert client_for(cast[role]).get("/api/v1/approvals/").json() == [], role


# --- The rules of practice ---------------------------------------------------------------------


@pytest.mark.django_db
def test_a_plan_is_not_submitted_while_an_unmet_need_has_no_goal(
    world: World, cast: dict[str, User]
):
    client = client_for(cast["worker"])
    url = world.url(f"plans/{world.plan.pk}/")
    plan = client.get(url).json()
    goals = [{"text": "Reading at home", "needs": [world.met.pk]}]
    response = client.patch(url, {"version": plan["version"], "goals": goals}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["unmet_needs_without_goal"] == [
        {"id": world.unmet.pk, "domain": domain("safety").pk, "domain_label": "Safety"}
    ]
    version = response.json()["version"]
    before_state, before = snapshot(world), AuditEvent.objects.count()

    response = client.post(url + "submit/", {"version": version}, format="json")

    assert response.status_code == 400
    body = response.json()
    assert "Every unmet need must have a goal" in body["non_field_errors"][0]
    assert "Safety" in body["non_field_errors"][0]  # names the domain
    assert [n["id"] for n in body["unmet_needs"]] == [world.unmet.pk]
    assert snapshot(world) == before_state
    assert events_since(before) == []
    # Linking a goal to the need lets it through.
    goals[0]["needs"] = [world.met.pk, world.unmet.pk]
    response = client.patch(url, {"version": version, "goals": goals}, format="json")
    assert response.status_code == 200, response.content
    response = client.post(url + "submit/", {"version": response.json()["version"]})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "submitted"


@pytest.mark.django_db
def test_approving_the_plan_moves_the_case_to_intervention(world: World, cast: dict[str, User]):
    casework_services.case_transition(actor=cast["worker"], case=world.case, to="assessment")
    worker, supervisor = client_for(cast["worker"]), client_for(cast["supervisor"])
    a_url = world.url(f"assessments/{world.assessment.pk}/")
    p_url = world.url(f"plans/{world.plan.pk}/")

    version = worker.get(a_url).json()["version"]
    response = worker.post(a_url + "submit/", {"version": version}, format="json")
    assert response.status_code == 200, response.content
    response = supervisor.post(
        a_url + "decide/", {"version": response.json()["version"], "approve": True}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "approved"

    response = worker.post(p_url + "submit/", {"version": world.plan.version}, format="json")
    assert response.status_code == 200, response.content
    version = response.json()["version"]
    # Returning needs a comment saying what to change; without one nothing is written.
    before_state = snapshot(world)
    response = supervisor.post(
        p_url + "decide/", {"version": version, "approve": False, "comment": " "}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["comment"]
    assert snapshot(world) == before_state
    response = supervisor.post(
        p_url + "decide/",
        {"version": version, "approve": False, "comment": "Who else can help?"},
        format="json",
    )
    assert response.status_code == 200, response.content
    returned = response.json()
    assert returned["status"] == "returned"
    assert returned["decisions"][0]["comment"] == "Who else can help?"
    assert fresh(Case, world.case.pk).phase == Case.Phase.ASSESSMENT

    # The worker changes it (back to draft), submits again; the supervisor approves.
    response = worker.patch(
        p_url,
        {"version": returned["version"], "family_agreement": "Aunt helps too."},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "draft"
    response = worker.post(p_url + "submit/", {"version": response.json()["version"]})
    assert response.status_code == 200, response.content
    before = AuditEvent.objects.count()
    response = supervisor.post(
        p_url + "decide/",
        {"version": response.json()["version"], "approve": True, "comment": ""},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "approved"
    assert fresh(Case, world.case.pk).phase == Case.Phase.INTERVENTION
    # Starting intervention schedules the first review from the policy (reviews app).
    assert [e.event for e in events_since(before)] == [
        Event.APPROVE,
        Event.TRANSITION,
        Event.SCHEDULE,
    ]
    # The approved version is never edited; the next version carries its goals.
    response = worker.patch(
        p_url, {"version": response.json()["version"], "family_agreement": "x"}, format="json"
    )
    assert response.status_code == 400
    response = worker.post(world.url("plans/"), {}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["number"] == 2
    assert [g["text"] for g in response.json()["goals"]] == ["Nights are safe"]
    versions = worker.get(world.url("plans/")).json()["results"]
    assert [(p["number"], p["status"]) for p in versions] == [(2, "draft"), (1, "approved")]


@pytest.mark.django_db
def test_a_supervisor_cannot_approve_their_own_work(
    cast: dict[str, User], team_a: Any, media: Path
):
    case = open_case(team=team_a, worker=cast["worker"], family_name="Own Work")
    supervisor = client_for(cast["supervisor"])
    response = supervisor.post(f"/api/v1/cases/{case.pk}/assessments/", {}, format="json")
    assert response.status_code == 201, response.content
    url = f"/api/v1/cases/{case.pk}/assessments/{response.json()['id']}/"
    needs = [{"domain": domain("safety").pk, "need": "Safe nights", "met": "unmet"}]
    response = supervisor.patch(
        url, {"version": response.json()["version"], "needs": needs}, format="json"
    )
    assert response.status_code == 200, response.content
    response = supervisor.post(url + "submit/", {"version": response.json()["version"]})
    assert response.status_code == 200, response.content
    version = response.json()["version"]
    # Nothing of their own awaits their decision.
    assert client_for(cast["supervisor"]).get("/api/v1/approvals/").json() == []

    before, decisions = AuditEvent.objects.count(), Decision.objects.count()
    response = supervisor.post(url + "decide/", {"version": version, "approve": True})
    assert response.status_code == 400
    assert "another supervisor" in response.json()["non_field_errors"][0]
    assert events_since(before) == []
    assert Decision.objects.count() == decisions
    assessment = Assessment.objects.get(case=case)
    assert (assessment.status, assessment.version) == (Approval.SUBMITTED, version)

    # The same for a plan version they wrote.
    response = supervisor.post(f"/api/v1/cases/{case.pk}/plans/", {}, format="json")
    assert response.status_code == 201, response.content
    plan = response.json()
    need_id = assessment.needs.get().pk
    response = supervisor.patch(
        f"/api/v1/cases/{case.pk}/plans/{plan['id']}/",
        {"version": plan["version"], "goals": [{"text": "Safe", "needs": [need_id]}]},
        format="json",
    )
    assert response.status_code == 200, response.content
    plan_url = f"/api/v1/cases/{case.pk}/plans/{plan['id']}/"
    response = supervisor.post(plan_url + "submit/", {"version": response.json()["version"]})
    assert response.status_code == 200, response.content
    response = supervisor.post(
        plan_url + "decide/",
        {"version": response.json()["version"], "approve": False, "comment": "Mine"},
    )
    assert response.status_code == 400
    assert "another supervisor" in response.json()["non_field_errors"][0]
    assert CasePlan.objects.get(case=case).status == Approval.SUBMITTED


@pytest.mark.django_db
def test_one_assessment_is_open_at_a_time(world: World, cast: dict[str, User]):
    before_state = snapshot(world)
    response = client_for(cast["worker"]).post(world.url("assessments/"), {}, format="json")
    assert response.status_code == 400
    assert "already has an assessment" in response.json()["non_field_errors"][0]
    assert snapshot(world) == before_state


@pytest.mark.django_db
def test_assessment_needs_are_replaced_with_their_risks(world: World, cast: dict[str, User]):
    client = client_for(cast["worker"])
    url = world.url(f"assessments/{world.assessment.pk}/")
    needs = [
        {
            "domain": domain("health").pk,
            "need": "To see a doctor",
            "met": "partly",
            "strengths": "Clinic nearby",
            "risks": [{"description": "No money for the bus", "kind": "surface"}],
        }
    ]
    response = client.patch(
        url, {"version": world.assessment.version, "needs": needs}, format="json"
    )
    assert response.status_code == 200, response.content
    (need,) = response.json()["needs"]
    assert (need["domain_code"], need["met"], need["strengths"]) == (
        "health",
        "partly",
        "Clinic nearby",
    )
    assert [r["kind"] for r in need["risks"]] == ["surface"]
    assert NeedEntry.objects.filter(assessment=world.assessment).count() == 1


# --- No lost updates -----------------------------------------------------------------------

STALE_EDITS = [
    ("assessment", lambda w: f"assessments/{w.assessment.pk}/", "patch", {"summary": "Stale"}),
    ("assessment submit", lambda w: f"assessments/{w.assessment.pk}/submit/", "post", {}),
    ("mapping", lambda w: f"mappings/{w.mapping.pk}/", "patch", {"participants": "Stale"}),
    ("child voice", lambda w: f"child-voices/{w.voice.pk}/", "patch", {"wishes": "Stale"}),
    ("plan", lambda w: f"plans/{w.plan.pk}/", "patch", {"family_agreement": "Stale"}),
    ("plan submit", lambda w: f"plans/{w.plan.pk}/submit/", "post", {}),
    (
        "action",
        lambda w: f"plans/{w.plan.pk}/actions/{w.action.pk}/progress/",
        "post",
        {"status": "done"},
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "path", "method", "body"), STALE_EDITS, ids=[s[0] for s in STALE_EDITS]
)
def test_a_stale_edit_is_refused_with_the_current_record_and_nothing_written(
    name: str,
    path: Callable[[World], str],
    method: str,
    body: dict[str, Any],
    world: World,
    cast: dict[str, User],
):
    record: Any = {
        "assessment": world.assessment,
        "assessment submit": world.assessment,
        "mapping": world.mapping,
        "child voice": world.voice,
        "plan": world.plan,
        "plan submit": world.plan,
        "action": world.action,
    }[name]
    model = type(record)
    stale_version = fresh(model, record.pk).version
    # Somebody else saves first.
    model.objects.filter(pk=record.pk).update(version=stale_version + 1)
    client = client_for(cast["worker"])  # (signing in is audited too: count after it)
    before_state, before = snapshot(world), AuditEvent.objects.count()

    response = getattr(client, method)(
        world.url(path(world)), {"version": stale_version, **body}, format="json"
    )

    assert response.status_code == 409, response.content
    data = response.json()
    assert data["your_version"] == stale_version
    assert data["current"]["version"] == stale_version + 1
    assert data["current"]["id"] == record.pk
    assert data["detail"]
    assert snapshot(world) == before_state
    (event,) = events_since(before)
    assert (event.event, event.case_id, event.object_pk) == (
        Event.STALE_EDIT,
        world.case.pk,
        str(record.pk),
    )


# --- Bad input -----------------------------------------------------------------------------

TOMORROW = "{tomorrow}"
HUGE = "x" * 100_000


def _score(**fields: Any) -> dict[str, Any]:
    return {"score": 5, "voice": "worker", "reason": "Because", **fields}


def _entries(**fields: Any) -> dict[str, Any]:
    entry = {"column": "worries", "kind": "danger", "text": "Nights", "voice": "worker", **fields}
    return {"entries": [entry]}


def _voice(**fields: Any) -> dict[str, Any]:
    return {"child": "{child}", "worries": "x", **fields}


def _needs(*needs: dict[str, Any]) -> dict[str, Any]:
    return {"needs": [{"domain": "{safety}", "need": "x", "met": "met", **n} for n in needs]}


def _goals(**fields: Any) -> dict[str, Any]:
    return {"goals": [{"text": "x", **fields}]}


BAD_INPUT: list[tuple[str, str, str, dict[str, Any], str]] = [
    # (name, method, path, body, the field the error names)
    ("score 11", "post", "scale-scores/", _score(score=11), "score"),
    ("score -1", "post", "scale-scores/", _score(score=-1), "score"),
    ("score text", "post", "scale-scores/", _score(score="high"), "score"),
    ("score future", "post", "scale-scores/", _score(recorded_on=TOMORROW), "recorded_on"),
    ("score huge reason", "post", "scale-scores/", _score(reason=HUGE), "reason"),
    ("score no reason", "post", "scale-scores/", _score(reason="  "), "reason"),
    ("score unknown field", "post", "scale-scores/", _score(recorded_by=1), "recorded_by"),
    ("score family no person", "post", "scale-scores/", _score(voice="family"), "person"),
    ("score stranger", "post", "scale-scores/", _score(voice="family", person=0), "person"),
    ("score other family", "post", "scale-scores/", _score(voice="child", person="{other}"),
     "person"),
    ("score outsider", "post", "scale-scores/", _score(given_by_user="{outsider}"),
     "given_by_user"),
    ("score network no name", "post", "scale-scores/", _score(voice="network"), "voice_name"),
    ("mapping future", "post", "mappings/", {**_entries(), "held_on": TOMORROW}, "held_on"),
    ("mapping huge", "post", "mappings/", {**_entries(), "participants": HUGE}, "participants"),
    ("mapping wrong column", "post", "mappings/", _entries(kind="strength"), "entries"),
    ("mapping empty", "post", "mappings/", {"entries": []}, "entries"),
    ("mapping unknown field", "post", "mappings/", {**_entries(), "author": 1}, "author"),
    ("voice future", "post", "child-voices/", _voice(recorded_on=TOMORROW), "recorded_on"),
    ("voice huge", "post", "child-voices/", _voice(worries=HUGE), "worries"),
    ("voice says nothing", "post", "child-voices/", {"child": "{child}"}, "non_field_errors"),
    ("voice not a child", "post", "child-voices/", _voice(child="{mother}"), "child"),
    ("voice unknown field", "post", "child-voices/", _voice(age_at_recording=3),
     "age_at_recording"),
    ("voice drawing in json", "post", "child-voices/", _voice(drawing="abc"), "drawing"),
    ("assessment huge", "patch", "{assessment}", {"summary": HUGE}, "summary"),
    ("assessment unknown field", "patch", "{assessment}", {"status": "approved"}, "status"),
    ("assessment unknown domain", "patch", "{assessment}", _needs({"domain": 999999}), "needs"),
    ("assessment domain twice", "patch", "{assessment}", _needs({}, {}), "needs"),
    ("assessment empty need", "patch", "{assessment}", _needs({"need": " "}), "needs"),
    ("assessment bad met", "patch", "{assessment}", _needs({"met": "maybe"}), "needs"),
    ("assessment huge need", "patch", "{assessment}", _needs({"analysis": HUGE}), "needs"),
    ("assessment start unknown", "post", "assessments/", {"author": 1}, "author"),
    ("plan huge", "patch", "{plan}", {"family_agreement": HUGE}, "family_agreement"),
    ("plan unknown field", "patch", "{plan}", {"status": "approved"}, "status"),
    ("plan foreign need", "patch", "{plan}", _goals(needs=[999999]), "goals"),
    ("plan empty goal", "patch", "{plan}", _goals(text=" "), "goals"),
    ("plan bad action", "patch", "{plan}", _goals(actions=[{"what": "y", "who": "police"}]),
     "goals"),
    ("plan start unknown", "post", "plans/", {"number": 7}, "number"),
    ("progress bad status", "post", "{progress}", {"status": "finished"}, "status"),
    ("progress huge", "post", "{progress}", {"status": "done", "outcome": HUGE}, "outcome"),
    ("decide without approve", "post", "{decide}", {"comment": "x"}, "approve"),
]  # fmt: skip


def _fill(value: Any, w: World, cast: dict[str, User], other: Person) -> Any:
    names = {
        "{tomorrow}": (timezone.localdate() + datetime.timedelta(days=1)).isoformat(),
        "{child}": w.child.pk,
        "{mother}": w.mother.pk,
        "{other}": other.pk,
        "{outsider}": cast["outsider"].pk,
        "{safety}": domain("safety").pk,
    }
    if isinstance(value, str) and value in names:
        return names[value]
    if isinstance(value, dict):
        return {k: _fill(v, w, cast, other) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, w, cast, other) for v in value]
    return value


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "method", "path", "body", "field"), BAD_INPUT, ids=[b[0] for b in BAD_INPUT]
)
def test_bad_input_is_refused_by_field_and_nothing_is_written(
    name: str,
    method: str,
    path: str,
    body: dict[str, Any],
    field: str,
    world: World,
    cast: dict[str, User],
    team_a: Any,
):
    other_case = open_case(team=team_a, worker=cast["worker"], family_name="Other")
    paths = {
        "{assessment}": f"assessments/{world.assessment.pk}/",
        "{plan}": f"plans/{world.plan.pk}/",
        "{progress}": f"plans/{world.plan.pk}/actions/{world.action.pk}/progress/",
        "{decide}": f"assessments/{world.assessment.pk}/decide/",
    }
    if path == "{decide}":
        submit_assessment(world, cast)
    body = _fill(body, world, cast, other_case.children.get())
    if path in paths:
        record = {
            "{assessment}": Assessment,
            "{plan}": CasePlan,
            "{progress}": Action,
            "{decide}": Assessment,
        }[path]
        pk = {
            "{assessment}": world.assessment.pk,
            "{plan}": world.plan.pk,
            "{progress}": world.action.pk,
            "{decide}": world.assessment.pk,
        }[path]
        body = {"version": fresh(record, pk).version, **body}
        path = paths[path]
    client = client_for(cast["supervisor"])
    before_state, before = snapshot(world), AuditEvent.objects.count()

    response = getattr(client, method)(world.url(path), body, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert snapshot(world) == before_state
    assert events_since(before) == []


@pytest.mark.django_db
def test_a_score_of_ten_and_of_zero_are_fine(world: World, cast: dict[str, User]):
    client = client_for(cast["worker"])
    for score in (0, 10):
        response = client.post(world.url("scale-scores/"), _score(score=score), format="json")
        assert response.status_code == 201, response.content
        assert response.json()["score"] == score
    assert ScaleScore.objects.filter(case=world.case).count() == 3


@pytest.mark.django_db
def test_an_id_from_another_case_answers_like_a_missing_one(
    world: World, cast: dict[str, User], team_a: Any
):
    other = open_case(team=team_a, worker=cast["worker"], family_name="Other Family")
    other_assessment = write_assessment(cast["worker"], other)
    client = client_for(cast["worker"])
    for path in (
        f"assessments/{other_assessment.pk}/",
        "assessments/999999999/",
        "mappings/999999999/",
        "child-voices/999999999/drawing/",
        f"plans/{world.plan.pk}/actions/999999999/progress/",
        "plans/" + "9" * 25 + "/",  # no row can have it
    ):
        before = AuditEvent.objects.count()
        if path.endswith("progress/"):
            body = {"version": 1, "status": "done"}
            response = client.post(world.url(path), body, format="json")
        else:
            response = client.get(world.url(path))
        assert response.status_code == 404, path
        (event,) = events_since(before)
        assert (event.event, event.actor_id) == (Event.REFUSED, cast["worker"].pk)


# --- The child's drawing ---------------------------------------------------------------------


@pytest.mark.django_db
def test_a_drawing_is_uploaded_and_served_only_through_the_door(
    world: World, cast: dict[str, User], media: Path
):
    client = client_for(cast["worker"])
    response = client.post(
        world.url("child-voices/"),
        {"child": world.child.pk, "wishes": "A house with a red roof", "drawing": png_upload()},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    drawing_url = data["drawing"]
    voice_path = world.url(f"child-voices/{data['id']}/drawing/")
    assert drawing_url == f"http://testserver{voice_path}"
    stored = str(ChildVoice.objects.get(pk=data["id"]).drawing.name)
    assert "Sokha" not in stored  # never the uploaded name: it may carry the child's
    assert (media / stored).exists()

    before = AuditEvent.objects.count()
    response = client.get(drawing_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    with Image.open(io.BytesIO(body_of(response))) as image:
        assert (image.format, image.size) == ("PNG", (40, 30))
    (event,) = events_since(before)
    assert (event.event, event.object_pk, event.case_id) == (
        Event.VIEW,
        str(data["id"]),
        world.case.pk,
    )
    # Somebody without a grant gets the same 404 as for nothing, and it is on the trail.
    colleague = client_for(cast["colleague"])
    before = AuditEvent.objects.count()
    assert colleague.get(drawing_url).status_code == 404
    assert [e.event for e in events_since(before)] == [Event.REFUSED]
    # Asking for a picture does not change what a refusal looks like.
    response = client_for(cast["outsider"]).get(drawing_url, HTTP_ACCEPT="image/png")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


@pytest.mark.django_db
def test_a_file_that_is_not_a_picture_is_refused(world: World, cast: dict[str, User], media: Path):
    client = client_for(cast["worker"])
    files_before = sorted(media.rglob("*"))
    before_state, before = snapshot(world), AuditEvent.objects.count()
    fake = SimpleUploadedFile(
        "drawing.png", b"<html>not a picture</html>", content_type="image/png"
    )
    response = client.post(
        world.url("child-voices/"),
        {"child": world.child.pk, "worries": "x", "drawing": fake},
        format="multipart",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["drawing"]
    assert snapshot(world) == before_state
    assert events_since(before) == []
    assert sorted(media.rglob("*")) == files_before


@pytest.mark.django_db
def test_a_drawing_is_replaced_or_removed_and_a_missing_one_is_a_refusal(
    world: World, cast: dict[str, User], media: Path
):
    client = client_for(cast["worker"])
    url = world.url(f"child-voices/{world.voice.pk}/")
    old = fresh(ChildVoice, world.voice.pk).drawing.name
    response = client.patch(
        url,
        {"version": world.voice.version, "drawing": png_upload("new.png")},
        format="multipart",
    )
    assert response.status_code == 200, response.content
    new = fresh(ChildVoice, world.voice.pk).drawing.name
    assert new != old
    response = client.patch(
        url, {"version": response.json()["version"], "remove_drawing": True}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["drawing"] is None
    before = AuditEvent.objects.count()
    assert client.get(url + "drawing/").status_code == 404
    (event,) = events_since(before)
    assert (event.event, event.reason) == (Event.REFUSED, "no drawing")


# --- A fixed number of queries ---------------------------------------------------------------


def _more_assessments(w: World, cast: dict[str, User], n: int) -> None:
    Assessment.objects.bulk_create(
        Assessment(
            case=w.case,
            author=cast["worker" if i % 2 else "supervisor"],
            status=Approval.SUPERSEDED,
            decided_by=cast["supervisor"],
        )
        for i in range(n)
    )


def _more_mappings(w: World, cast: dict[str, User], n: int) -> None:
    for i in range(n):
        services.mapping_record(
            actor=cast["worker" if i % 2 else "supervisor"],
            case=w.case,
            held_on=timezone.localdate(),
            participants="",
            entries=[
                services.EntryData(column="worries", kind="danger", text="A", voice="worker"),
                services.EntryData(column="next", kind="next_step", text="B", voice="family"),
            ],
        )


def _more_scores(w: World, cast: dict[str, User], n: int) -> None:
    voices: list[dict[str, Any]] = [
        {"voice": "family", "person": w.mother},
        {"voice": "supervisor", "given_by_user": cast["supervisor"]},
        {"voice": "network", "voice_name": "Teacher"},
    ]
    for i in range(n):
        services.scale_record(
            actor=cast["worker"], case=w.case, score=i % 11, reason="r", **voices[i % 3]
        )


def _more_voices(w: World, cast: dict[str, User], n: int) -> None:
    ChildVoice.objects.bulk_create(
        ChildVoice(
            case=w.case,
            child=w.child,
            author=cast["worker" if i % 2 else "supervisor"],
            worries="w",
            drawing=w.voice.drawing.name if i % 2 else "",
        )
        for i in range(n)
    )


def _more_plans(w: World, cast: dict[str, User], n: int) -> None:
    start = CasePlan.objects.filter(case=w.case).count() + 1
    CasePlan.objects.bulk_create(
        CasePlan(
            case=w.case,
            number=start + i,
            assessment=w.assessment,
            author=cast["worker" if i % 2 else "supervisor"],
            status=Approval.SUPERSEDED,
        )
        for i in range(n)
    )


def _more_approvals(w: World, cast: dict[str, User], n: int) -> None:
    now = timezone.now()
    for i in range(n):
        if i % 2:
            Assessment.objects.create(
                case=w.case, author=cast["worker"], status=Approval.SUBMITTED, submitted_at=now
            )
        else:
            plan = CasePlan.objects.filter(case=w.case).order_by("-number").first()
            CasePlan.objects.create(
                case=w.case,
                number=(plan.number if plan else 0) + 1,
                assessment=w.assessment,
                author=cast["worker"],
                status=Approval.SUBMITTED,
                submitted_at=now,
            )


LISTS: list[tuple[str, str, Callable[[World, dict[str, User], int], None]]] = [
    ("assessments", "assessments/", _more_assessments),
    ("mappings", "mappings/", _more_mappings),
    ("scale scores", "scale-scores/", _more_scores),
    ("child voices", "child-voices/", _more_voices),
    ("plans", "plans/", _more_plans),
    ("approvals", "/api/v1/approvals/", _more_approvals),
]


def _count(rows: Any) -> int:
    return int(rows["count"]) if isinstance(rows, dict) else len(rows)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "path", "more"), LISTS, ids=[x[0] for x in LISTS])
def test_the_lists_run_a_fixed_number_of_queries(
    name: str,
    path: str,
    more: Callable[[World, dict[str, User], int], None],
    world: World,
    cast: dict[str, User],
    django_assert_max_num_queries: Any,
):
    client = client_for(cast["supervisor"])
    url = path if path.startswith("/") else world.url(path)

    def list_queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        return len(queries), _count(response.json())

    # Three rows, then thirty.
    have = _count(client.get(url).json())
    more(world, cast, 3 - have)
    with django_assert_max_num_queries(10):
        few, rows = list_queries()
    assert rows == 3
    more(world, cast, 27)
    with django_assert_max_num_queries(10):
        many, rows = list_queries()
    assert rows == 30
    assert few == many


@pytest.mark.django_db
@pytest.mark.parametrize("which", ["assessment", "plan"])
def test_the_details_run_a_fixed_number_of_queries(which: str, world: World, cast: dict[str, User]):
    client = client_for(cast["worker"])
    if which == "assessment":
        url = world.url(f"assessments/{world.assessment.pk}/")
    else:
        url = world.url(f"plans/{world.plan.pk}/")

    def detail_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    few = detail_queries()
    if which == "assessment":
        for need in NeedEntry.objects.filter(assessment=world.assessment):
            Risk.objects.create(need=need, description="More", kind="surface")
        Decision.objects.create(
            assessment=world.assessment, outcome="returned", decided_by=cast["supervisor"]
        )
        for code in ("health", "housing", "income"):
            entry = NeedEntry.objects.create(
                assessment=world.assessment, domain=domain(code), need="n", met="partly"
            )
            Risk.objects.create(need=entry, description="r", kind="root")
    else:
        for i in range(4):
            goal = Goal.objects.create(plan=world.plan, text=f"Goal {i}")
            goal.needs.set([world.unmet, world.met])
            Action.objects.create(goal=goal, what="a", who="worker")
            Action.objects.create(goal=goal, what="b", who="family")
        Decision.objects.create(plan=world.plan, outcome="returned", decided_by=cast["supervisor"])
    assert detail_queries() == few


@pytest.mark.django_db
def test_the_schema_lists_the_assessment_api(cast: dict[str, User]):
    response = client_for(cast["worker"]).get("/api/schema/")
    assert response.status_code == 200
    schema = response.content.decode()
    for path in (
        "/api/v1/need-domains/",
        "/api/v1/approvals/",
        "/api/v1/cases/{case_id}/assessments/{assessment_id}/decide/",
        "/api/v1/cases/{case_id}/mappings/{mapping_id}/",
        "/api/v1/cases/{case_id}/scale-scores/",
        "/api/v1/cases/{case_id}/child-voices/{voice_id}/drawing/",
        "/api/v1/cases/{case_id}/plans/{plan_id}/actions/{action_id}/progress/",
    ):
        assert f"{path}:" in schema
