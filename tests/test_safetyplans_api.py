"""The intervention API (/api/v1/): the safety network, the safety plan and support delivered.

Every endpoint is tried by the whole fixed cast and an anonymous caller; reads and refusals
each leave exactly one audit event; refusals, stale edits and bad input write nothing; the
rules of practice (a safety plan is agreed only once the case plan is approved, removing a
member asks what replaces their commitments, a rule is carried by someone in the network now)
hold through the API as through the pages.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from assessments import services as assessments
from assessments.models import Approval, Assessment, CasePlan, Goal, MappingEntry, NeedDomain
from casework.models import AuditEvent, Case, Person, Team, User
from casework.tests.factories import open_case
from safetyplans import services
from safetyplans.models import Intervention, NetworkMember, SafetyPlan, SafetyRule

Event = AuditEvent.Event
ROLES = ["worker", "colleague", "supervisor", "outsider", "chair", "admin", "partner", "anonymous"]
AGREE_NEEDS_APPROVED_PLAN = (
    "A safety plan can only be agreed once the case plan is approved: the safety plan carries "
    "out part of it."
)


# --- Helpers -------------------------------------------------------------------------------


def client_for(user: User | None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def events_since(before: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.order_by("pk")[before:])


def fresh(model: type[Any], pk: int) -> Any:
    return model.objects.get(pk=pk)


@dataclass
class World:
    case: Case
    child: Person
    mother: Person
    case_plan: CasePlan
    goal: Goal
    danger: MappingEntry
    safety_goal: MappingEntry
    grandmother: NetworkMember  # carries the draft plan's rule
    teacher: NetworkMember  # carries nothing
    plan: SafetyPlan
    intervention: Intervention

    def url(self, rest: str = "") -> str:
        return f"/api/v1/cases/{self.case.pk}/{rest}"


def write_case_plan(worker: User, case: Case) -> CasePlan:
    """An assessment with one unmet need, and a draft case plan with a goal answering it."""
    assessment = assessments.assessment_start(
        actor=worker, case=case, data={"participants": "Mother and child"}
    )
    assessment = assessments.assessment_update(
        actor=worker,
        case=case,
        assessment=assessment,
        expected_version=assessment.version,
        data={"summary": "Nights are not safe."},
        needs=[
            assessments.NeedData(
                domain_id=NeedDomain.objects.get(code="safety").pk,
                need="To be safe at home at night",
                met="unmet",
            ),
            assessments.NeedData(
                domain_id=NeedDomain.objects.get(code="education").pk, need="To learn", met="met"
            ),
        ],
    )
    unmet = assessment.needs.get(domain__code="safety")
    plan = assessments.plan_start(actor=worker, case=case)
    return assessments.plan_update(
        actor=worker,
        case=case,
        plan=plan,
        expected_version=plan.version,
        family_agreement="The mother agreed.",
        goals=[assessments.GoalData(text="Nights are safe", need_ids=[unmet.pk])],
    )


def approve_case_plan(w: World, cast: dict[str, User]) -> None:
    """Through the services, as the pages do it: assessment approved, then the case plan."""
    worker, supervisor = cast["worker"], cast["supervisor"]
    a = Assessment.objects.get(case=w.case)
    assessments.assessment_submit(
        actor=worker, case=w.case, assessment=a, expected_version=a.version
    )
    a = fresh(Assessment, a.pk)
    assessments.assessment_decide(
        actor=supervisor, case=w.case, assessment=a, expected_version=a.version, approve=True
    )
    p = fresh(CasePlan, w.case_plan.pk)
    assessments.plan_submit(actor=worker, case=w.case, plan=p, expected_version=p.version)
    p = fresh(CasePlan, p.pk)
    assessments.plan_decide(
        actor=supervisor, case=w.case, plan=p, expected_version=p.version, approve=True
    )
    assert fresh(CasePlan, p.pk).status == Approval.APPROVED


def agree_plan(w: World, cast: dict[str, User]) -> None:
    approve_case_plan(w, cast)
    p = fresh(SafetyPlan, w.plan.pk)
    services.safety_plan_agree(
        actor=cast["worker"],
        case=w.case,
        plan=p,
        expected_version=p.version,
        agreed_on=timezone.localdate(),
        people=[w.mother.pk],
        members=[w.grandmother.pk],
    )


@pytest.fixture
def world(case: Case, cast: dict[str, User]) -> World:
    worker = cast["worker"]
    child = case.children.get()
    mother = Person.objects.get(family=case.family, relationship=Person.Relationship.MOTHER)
    case_plan = write_case_plan(worker, case)
    mapping = assessments.mapping_record(
        actor=worker,
        case=case,
        held_on=timezone.localdate(),
        participants="Mother",
        entries=[
            assessments.EntryData(
                column="worries", kind="danger", text="Father hits when drunk", voice="worker"
            ),
            assessments.EntryData(
                column="next", kind="safety_goal", text="Safe nights", voice="family"
            ),
        ],
    )
    grandmother = services.network_member_add(
        actor=worker,
        case=case,
        data={"name": "Grandmother Sok", "relationship": "grandmother next door"},
    )
    teacher = services.network_member_add(
        actor=worker, case=case, data={"name": "Teacher Dara", "relationship": "teacher"}
    )
    plan = services.safety_plan_start(actor=worker, case=case)
    plan = services.safety_plan_update(
        actor=worker,
        case=case,
        plan=plan,
        expected_version=plan.version,
        family_language="km",
        for_the_children="Grandmother keeps you safe at night.",
        rules=[
            services.RuleData(
                text="If father has been drinking, the children sleep at grandmother's",
                responsible_member_id=grandmother.pk,
                danger_id=mapping.entries.get(kind="danger").pk,
                safety_goal_id=mapping.entries.get(kind="safety_goal").pk,
            )
        ],
    )
    goal = case_plan.goals.get()
    intervention = services.intervention_record(
        actor=worker,
        case=case,
        data={
            "kind": "cash_grant",
            "description": "Capital for a vegetable stall",
            "amount": Decimal("400000"),
            "currency": "KHR",
        },
        goal_ids=[goal.pk],
    )
    return World(
        case=case,
        child=child,
        mother=mother,
        case_plan=case_plan,
        goal=goal,
        danger=mapping.entries.get(kind="danger"),
        safety_goal=mapping.entries.get(kind="safety_goal"),
        grandmother=grandmother,
        teacher=teacher,
        plan=plan,
        intervention=intervention,
    )


def snapshot(world: World) -> dict[str, Any]:
    """Everything a refused or invalid call must leave exactly as it was."""
    return {
        "members": list(
            NetworkMember.objects.order_by("pk").values_list(
                "pk",
                "version",
                "name",
                "relationship",
                "knows_worries",
                "left_on",
                "replacement_note",
            )
        ),
        "plans": list(
            SafetyPlan.objects.order_by("pk").values_list(
                "pk", "version", "status", "family_language", "for_the_children", "agreed_on"
            )
        ),
        "rules": list(
            SafetyRule.objects.order_by("pk").values_list(
                "pk", "plan_id", "text", "responsible_member_id", "responsible_person_id"
            )
        ),
        "agreed": [
            (
                p.pk,
                sorted(p.agreed_people.values_list("pk", flat=True)),
                sorted(p.agreed_network.values_list("pk", flat=True)),
            )
            for p in SafetyPlan.objects.order_by("pk")
        ],
        "interventions": list(
            Intervention.objects.order_by("pk").values_list(
                "pk",
                "version",
                "kind",
                "description",
                "amount",
                "currency",
                "outcome",
                "ended_on",
            )
        ),
        "intervention goals": list(
            Intervention.goals.through.objects.order_by("pk").values_list(
                "intervention_id", "goal_id"
            )
        ),
    }


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
    on_case: bool = True


ENDPOINTS = [
    Endpoint("attention", "get", lambda w: "/api/v1/attention/", SIGNED_IN, on_case=False),
    Endpoint("network", "get", lambda w: w.url("network/"), READ),
    Endpoint(
        "network add",
        "post",
        lambda w: w.url("network/"),
        writes(201),
        body=lambda w: {"name": "Village chief", "relationship": "village chief"},
        event=Event.CREATE,
    ),
    Endpoint("network member", "get", lambda w: w.url(f"network/{w.teacher.pk}/"), READ),
    Endpoint(
        "network edit",
        "patch",
        lambda w: w.url(f"network/{w.teacher.pk}/"),
        writes(200),
        body=lambda w: {
            "version": fresh(NetworkMember, w.teacher.pk).version,
            "contact": "012 345 678",
        },
        event=Event.CHANGE,
    ),
    Endpoint(
        "network remove",
        "post",
        lambda w: w.url(f"network/{w.teacher.pk}/remove/"),
        writes(200),
        body=lambda w: {
            "version": fresh(NetworkMember, w.teacher.pk).version,
            "reason": "Moved to another school",
        },
        event=Event.CHANGE,
    ),
    Endpoint("safety plans", "get", lambda w: w.url("safety-plans/"), READ),
    Endpoint(
        "safety plan start",
        "post",
        lambda w: w.url("safety-plans/"),
        writes(201),
        body=lambda w: {},
        event=Event.CREATE,
        setup=agree_plan,
    ),
    Endpoint("safety plan", "get", lambda w: w.url(f"safety-plans/{w.plan.pk}/"), READ),
    Endpoint(
        "safety plan edit",
        "patch",
        lambda w: w.url(f"safety-plans/{w.plan.pk}/"),
        writes(200),
        body=lambda w: {
            "version": fresh(SafetyPlan, w.plan.pk).version,
            "for_the_children": "Grandmother and the teacher keep you safe.",
        },
        event=Event.CHANGE,
    ),
    Endpoint(
        "safety plan agree",
        "post",
        lambda w: w.url(f"safety-plans/{w.plan.pk}/agree/"),
        writes(200),
        body=lambda w: {
            "version": fresh(SafetyPlan, w.plan.pk).version,
            "people": [w.mother.pk, w.child.pk],
            "members": [w.grandmother.pk],
        },
        event=Event.APPROVE,
        setup=approve_case_plan,
    ),
    Endpoint("interventions", "get", lambda w: w.url("interventions/"), READ),
    Endpoint(
        "intervention record",
        "post",
        lambda w: w.url("interventions/"),
        writes(201),
        body=lambda w: {
            "kind": "school",
            "description": "Uniform and books",
            "amount": "25.50",
            "currency": "USD",
            "goals": [w.goal.pk],
        },
        event=Event.CREATE,
    ),
    Endpoint("intervention", "get", lambda w: w.url(f"interventions/{w.intervention.pk}/"), READ),
    Endpoint(
        "intervention edit",
        "patch",
        lambda w: w.url(f"interventions/{w.intervention.pk}/"),
        writes(200),
        body=lambda w: {
            "version": fresh(Intervention, w.intervention.pk).version,
            "outcome": "The stall opened",
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
    assert response.status_code == expected, response.content
    events = events_since(before)
    if expected == 401:
        assert response["WWW-Authenticate"].startswith("Token")
        assert events == []
    elif expected in (403, 404):
        assert [e.event for e in events] == [Event.REFUSED]
        assert events[0].actor_id == user.pk  # type: ignore[union-attr]
        assert events[0].case_id == (world.case.pk if endpoint.on_case else None)
        if role == "admin":
            assert events[0].reason == "needs change"  # the door refused, before any service
    else:
        assert [e.event for e in events] == [endpoint.event]
        assert events[0].actor_id == user.pk  # type: ignore[union-attr]
        assert events[0].case_id == (world.case.pk if endpoint.on_case else None)
        assert response.content
    if expected >= 400:
        assert snapshot(world) == before_state  # a refusal writes nothing
    elif endpoint.method != "get":
        assert snapshot(world) != before_state  # a write wrote


# --- Reads -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_network_lists_current_members_first_then_those_who_left(
    world: World, cast: dict[str, User]
):
    t = fresh(NetworkMember, world.teacher.pk)
    services.network_member_remove(
        actor=cast["worker"], case=world.case, member=t, expected_version=t.version, reason="Moved"
    )
    rows = client_for(cast["worker"]).get(world.url("network/")).json()["results"]
    assert [(r["name"], r["is_current"]) for r in rows] == [
        ("Grandmother Sok", True),
        ("Teacher Dara", False),
    ]
    assert rows[1]["left_reason"] == "Moved"
    assert rows[1]["left_on"] == timezone.localdate().isoformat()
    assert rows[0]["added_by"] == {"id": cast["worker"].pk, "name": cast["worker"].display_name}


@pytest.mark.django_db
def test_safety_plan_detail_has_rules_with_who_danger_goal_and_who_agreed(
    world: World, cast: dict[str, User]
):
    agree_plan(world, cast)
    data = client_for(cast["supervisor"]).get(world.url(f"safety-plans/{world.plan.pk}/")).json()
    assert (data["status"], data["status_label"], data["number"]) == ("agreed", "Agreed", 1)
    assert data["agreed_on"] == timezone.localdate().isoformat()
    assert data["for_the_children"] == "Grandmother keeps you safe at night."
    (rule,) = data["rules"]
    assert rule["responsible_member"] == world.grandmother.pk
    assert rule["responsible_person"] is None
    assert rule["responsible_name"] == "Grandmother Sok"
    assert rule["responsible_has_left"] is False
    assert (rule["danger"], rule["danger_text"]) == (world.danger.pk, "Father hits when drunk")
    assert (rule["safety_goal"], rule["safety_goal_text"]) == (world.safety_goal.pk, "Safe nights")
    assert [p["id"] for p in data["agreed_people"]] == [world.mother.pk]
    assert data["agreed_network"] == [
        {
            "id": world.grandmother.pk,
            "name": "Grandmother Sok",
            "relationship": "grandmother next door",
            "is_current": True,
        }
    ]


@pytest.mark.django_db
def test_intervention_amount_is_a_decimal_string_with_its_currency(
    world: World, cast: dict[str, User]
):
    client = client_for(cast["worker"])
    response = client.post(
        world.url("interventions/"),
        {
            "kind": "cash_grant",
            "description": "Second instalment",
            "amount": "150000.50",
            "currency": "KHR",
            "goals": [world.goal.pk],
            "provider": "Partner NGO",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["amount"], data["currency"], data["goals"]) == (
        "150000.50",
        "KHR",
        [world.goal.pk],
    )
    assert data["kind_label"] == "Cash grant"
    row = Intervention.objects.get(pk=data["id"])
    assert row.amount == Decimal("150000.50")
    assert row.recorded_by == cast["worker"]


# --- The rules of practice ----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_safety_plan_is_agreed_only_once_the_case_plan_is_approved(
    world: World, cast: dict[str, User]
):
    client = client_for(cast["worker"])

    def agree() -> Any:
        return client.post(
            world.url(f"safety-plans/{world.plan.pk}/agree/"),
            {
                "version": fresh(SafetyPlan, world.plan.pk).version,
                "people": [world.mother.pk],
                "members": [world.grandmother.pk, world.teacher.pk],
            },
            format="json",
        )

    before_state, before = snapshot(world), AuditEvent.objects.count()
    refused = agree()
    assert refused.status_code == 400, refused.content
    assert refused.json() == {"non_field_errors": [AGREE_NEEDS_APPROVED_PLAN]}
    assert snapshot(world) == before_state
    assert events_since(before) == []  # a refused rule is not a refused door: nothing to audit

    # Submitted is not approved.
    a = Assessment.objects.get(case=world.case)
    assessments.assessment_submit(
        actor=cast["worker"], case=world.case, assessment=a, expected_version=a.version
    )
    assert agree().status_code == 400

    approve_case_plan_rest(world, cast)
    response = agree()
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["status"] == "agreed"
    assert [m["id"] for m in data["agreed_network"]] == [world.grandmother.pk, world.teacher.pk]
    plan = fresh(SafetyPlan, world.plan.pk)
    assert plan.status == SafetyPlan.Status.AGREED
    assert plan.agreed_on == timezone.localdate()

    # A new version carries the rules over; agreeing it supersedes the first.
    started = client.post(world.url("safety-plans/"), {}, format="json")
    assert started.status_code == 201, started.content
    second = started.json()
    assert (second["number"], second["status"]) == (2, "draft")
    assert [r["text"] for r in second["rules"]] == [plan.rules.get().text]
    agreed = client.post(
        world.url(f"safety-plans/{second['id']}/agree/"),
        {"version": second["version"], "people": [world.mother.pk]},
        format="json",
    )
    assert agreed.status_code == 200, agreed.content
    assert fresh(SafetyPlan, world.plan.pk).status == SafetyPlan.Status.SUPERSEDED
    # An agreed plan is never edited.
    edit = client.patch(
        world.url(f"safety-plans/{second['id']}/"),
        {"version": agreed.json()["version"], "for_the_children": "Changed"},
        format="json",
    )
    assert edit.status_code == 400
    assert "new version" in edit.json()["non_field_errors"][0]


def approve_case_plan_rest(w: World, cast: dict[str, User]) -> None:
    """The rest of the approval after the assessment was submitted."""
    a = Assessment.objects.get(case=w.case)
    assessments.assessment_decide(
        actor=cast["supervisor"],
        case=w.case,
        assessment=a,
        expected_version=a.version,
        approve=True,
    )
    p = fresh(CasePlan, w.case_plan.pk)
    assessments.plan_submit(actor=cast["worker"], case=w.case, plan=p, expected_version=p.version)
    p = fresh(CasePlan, p.pk)
    assessments.plan_decide(
        actor=cast["supervisor"], case=w.case, plan=p, expected_version=p.version, approve=True
    )


@pytest.mark.django_db
def test_removing_a_member_asks_what_replaces_their_commitments(
    world: World, cast: dict[str, User]
):
    client = client_for(cast["worker"])
    url = world.url(f"network/{world.grandmother.pk}/remove/")
    version = fresh(NetworkMember, world.grandmother.pk).version
    before_state = snapshot(world)

    refused = client.post(url, {"version": version, "reason": "Moved away"}, format="json")
    assert refused.status_code == 400, refused.content
    (message,) = refused.json()["replacement_note"]
    assert "Grandmother Sok" in message
    assert "1 rule" in message
    assert snapshot(world) == before_state

    # Someone from another case's network is refused like a stranger.
    other_case = open_case(team=Team.objects.get(name="Team A"), worker=cast["worker"])
    stranger = services.network_member_add(
        actor=cast["worker"], case=other_case, data={"name": "Neighbour", "relationship": "x"}
    )
    before_state = snapshot(world)
    foreign = client.post(
        url,
        {"version": version, "reason": "Moved away", "replaced_by": stranger.pk},
        format="json",
    )
    assert foreign.status_code == 400
    assert list(foreign.json()) == ["replaced_by"]
    assert snapshot(world) == before_state

    response = client.post(
        url,
        {"version": version, "reason": "Moved away", "replaced_by": world.teacher.pk},
        format="json",
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["is_current"] is False
    assert data["left_reason"] == "Moved away"
    assert data["replacement_note"] == "Replaced by Teacher Dara."
    # The draft's rule passed to the teacher.
    assert SafetyRule.objects.get(plan=world.plan).responsible_member_id == world.teacher.pk
    # Someone who left is kept as they were.
    again = client.patch(
        world.url(f"network/{world.grandmother.pk}/"),
        {"version": data["version"], "contact": "new"},
        format="json",
    )
    assert again.status_code == 400


@pytest.mark.django_db
def test_a_member_who_leaves_an_agreed_plan_is_flagged_with_what_replaces_them(
    world: World, cast: dict[str, User]
):
    agree_plan(world, cast)
    client = client_for(cast["worker"])
    g = fresh(NetworkMember, world.grandmother.pk)
    response = client.post(
        world.url(f"network/{g.pk}/remove/"),
        {
            "version": g.version,
            "reason": "Fell ill",
            "replacement_note": "Mother's sister comes at night until a new plan is agreed.",
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    # The agreed plan is not edited: its page shows who left.
    (rule,) = client.get(world.url(f"safety-plans/{world.plan.pk}/")).json()["rules"]
    assert (rule["responsible_member"], rule["responsible_has_left"]) == (g.pk, True)


# --- Stale edits ---------------------------------------------------------------------------------

STALE_EDITS: list[tuple[str, str, Callable[[World], str], dict[str, Any]]] = [
    ("member", "patch", lambda w: f"network/{w.teacher.pk}/", {"contact": "099"}),
    ("member remove", "post", lambda w: f"network/{w.teacher.pk}/remove/", {"reason": "Left"}),
    ("plan", "patch", lambda w: f"safety-plans/{w.plan.pk}/", {"for_the_children": "New"}),
    ("intervention", "patch", lambda w: f"interventions/{w.intervention.pk}/", {"outcome": "Ok"}),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "method", "path", "body"), STALE_EDITS, ids=[s[0] for s in STALE_EDITS]
)
def test_a_stale_edit_is_refused_with_the_current_record_and_nothing_written(
    name: str,
    method: str,
    path: Callable[[World], str],
    body: dict[str, Any],
    world: World,
    cast: dict[str, User],
):
    record: Any = {
        "member": world.teacher,
        "member remove": world.teacher,
        "plan": world.plan,
        "intervention": world.intervention,
    }[name]
    model = type(record)
    stale_version = fresh(model, record.pk).version
    model.objects.filter(pk=record.pk).update(version=stale_version + 1)  # somebody saved first
    client = client_for(cast["worker"])
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


@pytest.mark.django_db
def test_a_stale_agreement_is_refused(world: World, cast: dict[str, User]):
    approve_case_plan(world, cast)
    version = fresh(SafetyPlan, world.plan.pk).version
    SafetyPlan.objects.filter(pk=world.plan.pk).update(version=version + 1)
    before_state = snapshot(world)
    response = client_for(cast["worker"]).post(
        world.url(f"safety-plans/{world.plan.pk}/agree/"),
        {"version": version, "people": [world.mother.pk]},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["current"]["status"] == "draft"
    assert snapshot(world) == before_state


# --- Bad input -----------------------------------------------------------------------------

HUGE = "x" * 100_000


def _bad_cases() -> list[
    tuple[str, str, Callable[[World], str], Callable[[World], dict[str, Any]], str]
]:
    def member_v(w: World) -> int:
        return int(fresh(NetworkMember, w.teacher.pk).version)

    def plan_v(w: World) -> int:
        return int(fresh(SafetyPlan, w.plan.pk).version)

    def iv_v(w: World) -> int:
        return int(fresh(Intervention, w.intervention.pk).version)

    def rule(w: World, **fields: Any) -> dict[str, Any]:
        return {"text": "Grandmother sleeps over", **fields}

    return [
        (
            "negative amount",
            "post",
            lambda w: "interventions/",
            lambda w: {"kind": "food", "description": "Rice", "amount": "-5", "currency": "USD"},
            "amount",
        ),
        (
            "negative amount on edit",
            "patch",
            lambda w: f"interventions/{w.intervention.pk}/",
            lambda w: {"version": iv_v(w), "amount": "-1.00"},
            "amount",
        ),
        (
            "amount without currency",
            "post",
            lambda w: "interventions/",
            lambda w: {"kind": "cash_grant", "description": "Cash", "amount": "10.00"},
            "currency",
        ),
        (
            "amount not a number",
            "post",
            lambda w: "interventions/",
            lambda w: {"kind": "food", "description": "Rice", "amount": "ten", "currency": "USD"},
            "amount",
        ),
        (
            "unknown currency",
            "post",
            lambda w: "interventions/",
            lambda w: {"kind": "food", "description": "Rice", "amount": "1", "currency": "EUR"},
            "currency",
        ),
        (
            "huge description",
            "post",
            lambda w: "interventions/",
            lambda w: {"kind": "food", "description": HUGE},
            "description",
        ),
        (
            "goal of another case",
            "post",
            lambda w: "interventions/",
            lambda w: {"kind": "food", "description": "Rice", "goals": [10**9]},
            "goals",
        ),
        (
            "unknown intervention field",
            "patch",
            lambda w: f"interventions/{w.intervention.pk}/",
            lambda w: {"version": iv_v(w), "recorded_by": 1},
            "recorded_by",
        ),
        (
            "ends before it started",
            "patch",
            lambda w: f"interventions/{w.intervention.pk}/",
            lambda w: {"version": iv_v(w), "ended_on": "2000-01-01"},
            "ended_on",
        ),
        (
            "huge knows_worries",
            "post",
            lambda w: "network/",
            lambda w: {"name": "Aunt", "relationship": "aunt", "knows_worries": HUGE},
            "knows_worries",
        ),
        (
            "unknown member field",
            "post",
            lambda w: "network/",
            lambda w: {"name": "Aunt", "relationship": "aunt", "left_on": "2024-01-01"},
            "left_on",
        ),
        (
            "person of another family",
            "post",
            lambda w: "network/",
            lambda w: {"person": 10**9, "relationship": "aunt"},
            "person",
        ),
        (
            "member without a name",
            "patch",
            lambda w: f"network/{w.teacher.pk}/",
            lambda w: {"version": member_v(w), "name": "  "},
            "name",
        ),
        (
            "removal without a reason",
            "post",
            lambda w: f"network/{w.teacher.pk}/remove/",
            lambda w: {"version": member_v(w), "reason": ""},
            "reason",
        ),
        (
            "huge for_the_children",
            "patch",
            lambda w: f"safety-plans/{w.plan.pk}/",
            lambda w: {"version": plan_v(w), "for_the_children": HUGE},
            "for_the_children",
        ),
        (
            "unknown plan field",
            "patch",
            lambda w: f"safety-plans/{w.plan.pk}/",
            lambda w: {"version": plan_v(w), "status": "agreed"},
            "status",
        ),
        (
            "unknown rule field",
            "patch",
            lambda w: f"safety-plans/{w.plan.pk}/",
            lambda w: {"version": plan_v(w), "rules": [rule(w, plan=1)]},
            "rules",
        ),
        (
            "rule responsible who left",
            "patch",
            lambda w: f"safety-plans/{w.plan.pk}/",
            lambda w: {
                "version": plan_v(w),
                "rules": [rule(w, responsible_member=w.teacher.pk)],
            },
            "rules",
        ),
        (
            "rule with two responsible",
            "patch",
            lambda w: f"safety-plans/{w.plan.pk}/",
            lambda w: {
                "version": plan_v(w),
                "rules": [
                    rule(w, responsible_member=w.grandmother.pk, responsible_person=w.mother.pk)
                ],
            },
            "rules",
        ),
        (
            "rule danger that is a goal",
            "patch",
            lambda w: f"safety-plans/{w.plan.pk}/",
            lambda w: {"version": plan_v(w), "rules": [rule(w, danger=w.safety_goal.pk)]},
            "rules",
        ),
        (
            "unknown language",
            "patch",
            lambda w: f"safety-plans/{w.plan.pk}/",
            lambda w: {"version": plan_v(w), "family_language": "xx"},
            "family_language",
        ),
        (
            "agree without people",
            "post",
            lambda w: f"safety-plans/{w.plan.pk}/agree/",
            lambda w: {"version": plan_v(w), "people": []},
            "people",
        ),
        (
            "agree in the future",
            "post",
            lambda w: f"safety-plans/{w.plan.pk}/agree/",
            lambda w: {
                "version": plan_v(w),
                "people": [w.mother.pk],
                "agreed_on": (timezone.localdate() + datetime.timedelta(days=2)).isoformat(),
            },
            "agreed_on",
        ),
    ]


BAD = _bad_cases()


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method", "path", "body", "field"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_refused_by_field_and_nothing_is_written(
    name: str,
    method: str,
    path: Callable[[World], str],
    body: Callable[[World], dict[str, Any]],
    field: str,
    world: World,
    cast: dict[str, User],
):
    approve_case_plan(world, cast)  # so that agreeing fails only for the input's sake
    t = fresh(NetworkMember, world.teacher.pk)
    if name == "rule responsible who left":
        services.network_member_remove(
            actor=cast["worker"],
            case=world.case,
            member=t,
            expected_version=t.version,
            reason="Moved",
        )
    client = client_for(cast["worker"])
    data = body(world)
    before_state = snapshot(world)

    response = getattr(client, method)(world.url(path(world)), data, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert snapshot(world) == before_state


@pytest.mark.django_db
def test_an_id_from_another_case_answers_like_a_missing_one(world: World, cast: dict[str, User]):
    other = open_case(team=Team.objects.get(name="Team A"), worker=cast["worker"])
    client = client_for(cast["worker"])
    for rest in (
        f"network/{world.teacher.pk}/",
        f"safety-plans/{world.plan.pk}/",
        f"interventions/{world.intervention.pk}/",
    ):
        before = AuditEvent.objects.count()
        response = client.get(f"/api/v1/cases/{other.pk}/{rest}")
        assert response.status_code == 404
        assert [e.event for e in events_since(before)] == [Event.REFUSED]


# --- The supervisor's attention list ---------------------------------------------------------


def _waiting_case(cast: dict[str, User], days: int = 40, family_name: str = "Waiting") -> Case:
    case = open_case(
        team=Team.objects.get(name="Team A"), worker=cast["worker"], family_name=family_name
    )
    Case.objects.filter(pk=case.pk).update(
        phase=Case.Phase.INTERVENTION,
        phase_since=timezone.now() - datetime.timedelta(days=days),
    )
    return case


@pytest.mark.django_db
def test_attention_lists_the_supervisors_cases_waiting_for_a_safety_plan(
    world: World, cast: dict[str, User]
):
    longest = _waiting_case(cast, days=90, family_name="Longest")
    waiting = _waiting_case(cast, days=31, family_name="Waiting")
    _waiting_case(cast, days=10, family_name="Recent")  # not yet
    # A case whose safety plan is agreed needs no attention.
    agree_plan(world, cast)
    Case.objects.filter(pk=world.case.pk).update(
        phase=Case.Phase.INTERVENTION, phase_since=timezone.now() - datetime.timedelta(days=60)
    )

    response = client_for(cast["supervisor"]).get("/api/v1/attention/")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [r["id"] for r in rows] == [longest.pk, waiting.pk]
    assert rows[0]["reference"] == longest.reference
    assert rows[0]["worker"]["id"] == cast["worker"].pk
    assert rows[0]["team_name"] == "Team A"
    for role in ("worker", "chair", "admin"):
        assert client_for(cast[role]).get("/api/v1/attention/").json()["count"] == 0


# --- Query counts --------------------------------------------------------------------------------


def _more_members(w: World, cast: dict[str, User], n: int) -> None:
    for i in range(n):
        NetworkMember.objects.create(
            case=w.case,
            name=f"Neighbour {i}",
            relationship="neighbour",
            added_by=cast["worker"],
            left_on=timezone.localdate() if i % 2 else None,
        )


def _more_plans(w: World, cast: dict[str, User], n: int) -> None:
    top = SafetyPlan.objects.filter(case=w.case).order_by("-number").first()
    start = top.number if top is not None else 0
    for i in range(n):
        SafetyPlan.objects.create(
            case=w.case,
            number=start + i + 1,
            status=SafetyPlan.Status.SUPERSEDED,
            author=cast["supervisor"] if i % 2 else cast["worker"],
        )


def _more_interventions(w: World, cast: dict[str, User], n: int) -> None:
    for i in range(n):
        row = Intervention.objects.create(
            case=w.case,
            kind="food",
            description=f"Rice {i}",
            recorded_by=cast["worker"],
            amount=Decimal(i),
            currency="USD",
        )
        row.goals.set([w.goal])


def _more_waiting(w: World, cast: dict[str, User], n: int) -> None:
    for i in range(n):
        _waiting_case(cast, days=31 + i, family_name=f"Waiting {i}")


LISTS: list[tuple[str, str, Callable[[World, dict[str, User], int], None]]] = [
    ("network", "network/", _more_members),
    ("safety plans", "safety-plans/", _more_plans),
    ("interventions", "interventions/", _more_interventions),
    ("attention", "/api/v1/attention/", _more_waiting),
]


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
        return len(queries), int(response.json()["count"])

    have = int(client.get(url).json()["count"])
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
def test_the_safety_plan_detail_runs_a_fixed_number_of_queries(world: World, cast: dict[str, User]):
    client = client_for(cast["worker"])
    url = world.url(f"safety-plans/{world.plan.pk}/")

    def detail_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    few = detail_queries()
    for i in range(5):
        SafetyRule.objects.create(
            plan=world.plan,
            text=f"Rule {i}",
            responsible_person=world.mother,
            danger=world.danger,
            safety_goal=world.safety_goal,
        )
        SafetyRule.objects.create(
            plan=world.plan, text=f"Other {i}", responsible_member=world.teacher
        )
    world.plan.agreed_people.set([world.mother, world.child])
    world.plan.agreed_network.set([world.grandmother, world.teacher])
    assert detail_queries() == few


@pytest.mark.django_db
def test_the_schema_lists_the_safetyplans_api(cast: dict[str, User]):
    response = client_for(cast["worker"]).get("/api/schema/")
    assert response.status_code == 200
    schema = response.content.decode()
    for path in (
        "/api/v1/attention/",
        "/api/v1/cases/{case_id}/network/{member_id}/remove/",
        "/api/v1/cases/{case_id}/safety-plans/{plan_id}/agree/",
        "/api/v1/cases/{case_id}/interventions/{intervention_id}/",
    ):
        assert f"{path}:" in schema
    for component in ("SafetyPlanStatus:", "InterventionKind:", "InterventionCurrency:"):
        assert component in schema
