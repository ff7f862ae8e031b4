"""The review API (/api/v1/): a case's reviews and closure, the chair's list, notifications and
the review policy.

Every endpoint is tried by the whole fixed cast and an anonymous caller; reads and refusals
each leave exactly one audit event; refusals, stale edits and bad input write nothing; the
chair sees the case only while their review is scheduled; the whole review, from scheduling to
the next date, works through the API.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from assessments import services as assessments
from assessments.models import Assessment, CasePlan, Goal, NeedDomain, ScaleScore
from casework.access import sync_case_grants
from casework.models import AuditEvent, Case, Person, Team, User
from casework.services import case_transition
from casework.tests.factories import UserFactory, open_case
from reviews import services
from reviews.models import (
    Closure,
    Notification,
    Participant,
    Review,
    ReviewAddendum,
    ReviewPolicy,
    ReviewScore,
)
from safetyplans import services as safetyplans
from safetyplans.models import NetworkMember, SafetyRule

Event = AuditEvent.Event
ROLES = ["worker", "colleague", "supervisor", "outsider", "chair", "admin", "partner", "anonymous"]
TODAY = timezone.localdate


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


def days(n: int) -> str:
    return (TODAY() + datetime.timedelta(days=n)).isoformat()


@dataclass
class World:
    case: Case
    child: Person
    mother: Person
    goal: Goal
    grandmother: NetworkMember
    rule: SafetyRule
    review: Review
    cast: dict[str, User] = field(repr=False)

    def url(self, rest: str = "") -> str:
        return f"/api/v1/cases/{self.case.pk}/{rest}"

    def review_url(self, rest: str = "") -> str:
        return self.url(f"reviews/{self.review.pk}/{rest}")

    def version(self) -> int:
        return int(fresh(Review, self.review.pk).version)


def _into_intervention(case: Case, cast: dict[str, User]) -> Goal:
    """Assessment and case plan approved through the services: the case is in intervention."""
    worker, supervisor = cast["worker"], cast["supervisor"]
    case_transition(actor=worker, case=case, to=Case.Phase.ASSESSMENT, reason="Worries confirmed")
    a = assessments.assessment_start(actor=worker, case=case, data={"participants": "Mother"})
    a = assessments.assessment_update(
        actor=worker,
        case=case,
        assessment=a,
        expected_version=a.version,
        data={"summary": "Nights are not safe."},
        needs=[
            assessments.NeedData(
                domain_id=NeedDomain.objects.get(code="safety").pk,
                need="To be safe at home at night",
                met="unmet",
            )
        ],
    )
    plan = assessments.plan_start(actor=worker, case=case)
    plan = assessments.plan_update(
        actor=worker,
        case=case,
        plan=plan,
        expected_version=plan.version,
        family_agreement="The mother agreed.",
        goals=[assessments.GoalData(text="Nights are safe", need_ids=[a.needs.get().pk])],
    )
    assessments.assessment_submit(actor=worker, case=case, assessment=a, expected_version=a.version)
    a = fresh(Assessment, a.pk)
    assessments.assessment_decide(
        actor=supervisor, case=case, assessment=a, expected_version=a.version, approve=True
    )
    assessments.plan_submit(actor=worker, case=case, plan=plan, expected_version=plan.version)
    plan = fresh(CasePlan, plan.pk)
    assessments.plan_decide(
        actor=supervisor, case=case, plan=plan, expected_version=plan.version, approve=True
    )
    assert fresh(Case, case.pk).phase == Case.Phase.INTERVENTION
    return Goal.objects.get(plan_id=plan.pk)


def cancel_open_review(case: Case) -> None:
    Review.objects.filter(case=case, status=Review.Status.SCHEDULED).update(
        status=Review.Status.CANCELLED
    )
    sync_case_grants(case)


@pytest.fixture
def world(case: Case, cast: dict[str, User]) -> World:
    """A case in intervention with an agreed safety plan; its review, due when the policy
    says, is scheduled by the team's supervisor and chaired by `chair` (of team B)."""
    worker = cast["worker"]
    goal = _into_intervention(case, cast)
    # Approval scheduled the first review without a chair: the supervisor schedules it here.
    cancel_open_review(case)
    grandmother = safetyplans.network_member_add(
        actor=worker, case=case, data={"name": "Grandmother Sok", "relationship": "grandmother"}
    )
    plan = safetyplans.safety_plan_start(actor=worker, case=case)
    plan = safetyplans.safety_plan_update(
        actor=worker,
        case=case,
        plan=plan,
        expected_version=plan.version,
        family_language="km",
        for_the_children="Grandmother keeps you safe at night.",
        rules=[
            safetyplans.RuleData(
                text="The children sleep at grandmother's when father drinks",
                responsible_member_id=grandmother.pk,
            )
        ],
    )
    mother = Person.objects.get(family=case.family, relationship=Person.Relationship.MOTHER)
    plan = safetyplans.safety_plan_agree(
        actor=worker,
        case=case,
        plan=plan,
        expected_version=plan.version,
        agreed_on=TODAY(),
        people=[mother.pk],
        members=[grandmother.pk],
    )
    review = services.review_schedule(actor=cast["supervisor"], case=case, chair=cast["chair"])
    return World(
        case=case,
        child=case.children.get(),
        mother=mother,
        goal=goal,
        grandmother=grandmother,
        rule=plan.rules.get(),
        review=review,
        cast=cast,
    )


def full_record(w: World) -> dict[str, Any]:
    """A record the chair can sign: the child's and family's views, three voices' scores."""
    return {
        "held_on": TODAY().isoformat(),
        "place": "The family's home",
        "child_views": "I sleep at grandmother's when papa drinks.",
        "family_views": "Things are calmer.",
        "decision": "continue",
        "decision_reasons": "The plan works; keep going.",
        "participants": [
            {"kind": "child", "person": w.child.pk, "gathered": "tool"},
            {"kind": "family", "person": w.mother.pk},
            {"kind": "network", "network_member": w.grandmother.pk},
            {"kind": "professional", "name": "Teacher Dara", "role": "school"},
        ],
        "goals": [{"goal": w.goal.pk, "progress": "some", "note": "Most nights are safe"}],
        "rules": [{"rule": w.rule.pk, "kept": "kept"}],
        "scores": [
            {"voice": "child", "person": w.child.pk, "score": 7, "reason": "I feel safe"},
            {"voice": "family", "person": w.mother.pk, "score": 6, "reason": "Calmer"},
            {
                "voice": "worker",
                "given_by_user": w.cast["worker"].pk,
                "score": 6,
                "reason": "The rule is kept",
            },
        ],
    }


def record_by_chair(w: World, cast: dict[str, User]) -> None:
    response = client_for(cast["chair"]).patch(
        w.review_url(), {"version": w.version(), **full_record(w)}, format="json"
    )
    assert response.status_code == 200, response.content


def sign_by_chair(w: World, cast: dict[str, User]) -> None:
    record_by_chair(w, cast)
    response = client_for(cast["chair"]).post(
        w.review_url("sign/"), {"version": w.version()}, format="json"
    )
    assert response.status_code == 200, response.content


def second_chair(w: World, cast: dict[str, User]) -> None:
    other = UserFactory.create(username="chair2", organisation=w.case.team.organisation)
    Team.objects.get(name="Team B").members.add(other)


def snapshot(w: World) -> dict[str, Any]:
    """Everything a refused or invalid call must leave exactly as it was."""
    return {
        "reviews": list(
            Review.objects.order_by("pk").values_list(
                "pk",
                "version",
                "status",
                "due_on",
                "chair_id",
                "held_on",
                "decision",
                "child_views",
                "date_reason",
            )
        ),
        "participants": list(Participant.objects.order_by("pk").values_list("pk", "kind")),
        "scores": list(ReviewScore.objects.order_by("pk").values_list("pk", "voice", "score")),
        "scale": ScaleScore.objects.count(),
        "addenda": list(ReviewAddendum.objects.order_by("pk").values_list("pk", "text")),
        "closures": list(Closure.objects.order_by("pk").values_list("pk", "outcome")),
        "case": list(
            Case.objects.filter(pk=w.case.pk).values_list("phase", "risk_level", "version")
        ),
        "policies": list(
            ReviewPolicy.objects.order_by("pk").values_list("pk", "version", "high_intervals")
        ),
        "notifications": list(
            Notification.objects.order_by("pk").values_list("pk", "kind", "read_at")
        ),
    }


# --- The permission matrix -----------------------------------------------------------------

READ = {
    "worker": 200,
    "colleague": 404,
    "supervisor": 200,
    "outsider": 404,
    "chair": 200,  # while the review they chair is scheduled
    "admin": 200,
    "partner": 404,
    "anonymous": 401,
}
SIGNED_IN = dict.fromkeys(ROLES, 200) | {"anonymous": 401}
# Writes that need change on the case (the door: 403 for administrators and the chair).
CASE_WRITE = {**READ, "chair": 403, "admin": 403}
# The chair's own writes: everybody else who sees the case is refused by the chair check.
CHAIR_WRITE = {**READ, "worker": 403, "supervisor": 403, "admin": 403}


@dataclass
class Endpoint:
    name: str
    method: str
    url: Callable[[World], str]
    expected: dict[str, int]
    body: Callable[[World], dict[str, Any]] | None = None
    event: str | None = Event.VIEW
    setup: Callable[[World, dict[str, User]], None] | None = None
    on_case: bool = True
    writes: bool = True
    # Why administrators are refused: at the door (needs change) or by a service / chair check.
    admin_reason: str = "needs change"


def _cancel(w: World, cast: dict[str, User]) -> None:
    cancel_open_review(w.case)


ENDPOINTS = [
    Endpoint("reviews", "get", lambda w: w.url("reviews/"), READ),
    Endpoint(
        "schedule",
        "post",
        lambda w: w.url("reviews/"),
        {**CASE_WRITE, "supervisor": 201, "worker": 403, "chair": 404},
        body=lambda w: {"chair": w.cast["chair"].pk},
        event=Event.SCHEDULE,
        setup=_cancel,
    ),
    Endpoint("review", "get", lambda w: w.review_url(), READ),
    Endpoint(
        "record",
        "patch",
        lambda w: w.review_url(),
        CHAIR_WRITE,
        body=lambda w: {"version": w.version(), "child_views": "I like grandmother's house."},
        event=Event.CHANGE,
        admin_reason="refused by service",
    ),
    Endpoint(
        "assign chair",
        "post",
        lambda w: w.review_url("chair/"),
        {**CASE_WRITE, "worker": 403},
        body=lambda w: {
            "version": w.version(),
            "chair": User.objects.get(username="chair2").pk,
        },
        event=Event.CHANGE,
        setup=second_chair,
    ),
    Endpoint(
        "reschedule",
        "post",
        lambda w: w.review_url("reschedule/"),
        {**READ, "worker": 403, "admin": 403},
        body=lambda w: {"version": w.version(), "due_on": days(3), "reason": "Family away"},
        event=Event.SCHEDULE,
        admin_reason="refused by service",
    ),
    Endpoint(
        "sign",
        "post",
        lambda w: w.review_url("sign/"),
        CHAIR_WRITE,
        body=lambda w: {"version": w.version()},
        event=Event.SIGN,
        setup=record_by_chair,
        admin_reason="refused by service",
    ),
    Endpoint(
        "addendum",
        "post",
        lambda w: w.review_url("addenda/"),
        {**READ, "worker": 201, "supervisor": 201, "chair": 404, "admin": 403},
        body=lambda w: {"text": "The grandmother's name is spelled Sok."},
        event=Event.ADDENDUM,
        setup=sign_by_chair,
        admin_reason="refused by service",
    ),
    Endpoint("closure", "get", lambda w: w.url("closure/"), READ),
    Endpoint(
        "close",
        "post",
        lambda w: w.url("closure/"),
        {**CASE_WRITE, "worker": 400, "supervisor": 201},
        body=lambda w: {
            "outcome": "The children are safe at night.",
            "follow_up_on": days(90),
            "in_school": True,
            "override_reason": "The family moved away; the new area's team follows up.",
        },
        event=Event.OVERRIDE,
    ),
    Endpoint(
        "risk",
        "post",
        lambda w: w.url("risk/"),
        {**CASE_WRITE, "worker": 200, "supervisor": 200},
        body=lambda w: {
            "version": fresh(Case, w.case.pk).version,
            "risk_level": "high",
            "reason": "Father is back home.",
        },
        event=Event.CHANGE,
    ),
    Endpoint("chairing", "get", lambda w: "/api/v1/reviews/chairing/", SIGNED_IN, on_case=False),
    Endpoint("notifications", "get", lambda w: "/api/v1/notifications/", SIGNED_IN, on_case=False),
    Endpoint(
        "notifications read",
        "post",
        lambda w: "/api/v1/notifications/read/",
        SIGNED_IN,
        body=lambda w: {},
        event=None,
        on_case=False,
        writes=False,
    ),
    Endpoint("policy", "get", lambda w: "/api/v1/review-policy/", SIGNED_IN, on_case=False),
    Endpoint(
        "policy edit",
        "patch",
        lambda w: "/api/v1/review-policy/",
        {**dict.fromkeys(ROLES, 403), "admin": 200, "anonymous": 401},
        body=lambda w: {
            "version": services.policy_for(w.case.team.organisation_id).version,
            "high_intervals": [7, 7, 14, 30],
        },
        event=Event.CHANGE,
        on_case=False,
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
    services.policy_for(world.case.team.organisation_id)  # so that a read creates nothing
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
        if role == "admin" and endpoint.on_case:
            assert events[0].reason == endpoint.admin_reason
    elif expected == 400:
        assert events == []  # a refused rule is not a refused door: nothing to audit
    elif endpoint.method == "get":
        assert [e.event for e in events] == [Event.VIEW]  # one read, one event
        assert events[0].actor_id == user.pk  # type: ignore[union-attr]
        assert events[0].case_id == (world.case.pk if endpoint.on_case else None)
    elif endpoint.event is None:
        assert events == []
    else:
        assert endpoint.event in [e.event for e in events]
        assert {e.actor_id for e in events} == {user.pk}  # type: ignore[union-attr]
        assert {e.case_id for e in events} == {world.case.pk if endpoint.on_case else None}
    if expected >= 400:
        assert snapshot(world) == before_state  # a refusal writes nothing
    elif endpoint.method != "get" and endpoint.writes:
        assert snapshot(world) != before_state  # a write wrote


# --- The chair's temporary grant -------------------------------------------------------------


@pytest.mark.django_db
def test_the_chair_sees_the_case_only_while_the_review_is_scheduled(
    world: World, cast: dict[str, User]
):
    chair, supervisor = client_for(cast["chair"]), client_for(cast["supervisor"])
    cancel_open_review(world.case)
    # Before being asked to chair: like any stranger.
    for url in (world.url("reviews/"), world.review_url(), world.url(f"{''}closure/")):
        assert chair.get(url).status_code == 404
    assert chair.get("/api/v1/reviews/chairing/").json()["count"] == 0

    scheduled = supervisor.post(
        world.url("reviews/"),
        {"chair": cast["chair"].pk, "due_on": days(5), "date_reason": "After the school term"},
        format="json",
    )
    assert scheduled.status_code == 201, scheduled.content
    review = scheduled.json()
    url = world.url(f"reviews/{review['id']}/")
    assert chair.get(world.url("reviews/")).status_code == 200
    detail = chair.get(url)
    assert detail.status_code == 200
    assert detail.json()["you_chair"] is True
    assert detail.json()["due_on"] == days(5)
    (listed,) = chair.get("/api/v1/reviews/chairing/").json()["results"]
    assert (listed["id"], listed["case"]["id"]) == (review["id"], world.case.pk)
    # Seeing is not changing the case.
    assert chair.post(world.url("closure/"), {}, format="json").status_code == 403

    world.review = fresh(Review, review["id"])
    sign_by_chair(world, cast)
    for target in (world.url("reviews/"), url, world.url("closure/")):
        assert chair.get(target).status_code == 404
    assert chair.get("/api/v1/reviews/chairing/").json()["count"] == 0
    # The chair's notification stays, without the case they no longer see.
    notes = chair.get("/api/v1/notifications/").json()["results"]
    assert notes
    assert {(n["kind"], n["case"], n["review"]) for n in notes} == {("chair", None, None)}


# --- The whole review through the API ---------------------------------------------------------


@pytest.mark.django_db
def test_a_review_from_scheduling_to_the_next_date(world: World, cast: dict[str, User]):
    cancel_open_review(world.case)
    supervisor, chair = client_for(cast["supervisor"]), client_for(cast["chair"])

    scheduled = supervisor.post(world.url("reviews/"), {"chair": cast["chair"].pk}, format="json")
    assert scheduled.status_code == 201, scheduled.content
    review = scheduled.json()
    # Medium risk, first review: the policy's first interval from today.
    assert review["due_on"] == days(14)
    assert review["chair"]["id"] == cast["chair"].pk
    assert review["status"] == "scheduled"
    assert "Give the date the review was held." in review["sign_off_problems"]
    url = world.url(f"reviews/{review['id']}/")

    # The chair is told, and reads the bell.
    bell = chair.get("/api/v1/notifications/").json()
    assert bell["unread"] == 2  # this review's, and the one the fixture scheduled
    assert bell["results"][0]["case"]["id"] == world.case.pk
    assert (bell["results"][0]["kind"], bell["results"][0]["review"]) == ("chair", review["id"])

    recorded = chair.patch(url, {"version": review["version"], **full_record(world)}, format="json")
    assert recorded.status_code == 200, recorded.content
    data = recorded.json()
    assert data["sign_off_problems"] == []
    assert [(s["voice"], s["score"]) for s in data["scores"]] == [
        ("child", 7),
        ("family", 6),
        ("worker", 6),
    ]
    assert data["scores"][2]["given_by_user"]["id"] == cast["worker"].pk
    assert [p["kind"] for p in data["participants"]] == [
        "child",
        "family",
        "network",
        "professional",
    ]
    assert data["participants"][0]["gathered"] == "tool"
    assert data["goal_progress"][0]["goal_text"] == "Nights are safe"
    assert data["rule_progress"][0]["kept_label"] == "Kept"
    # A PATCH without the lists keeps them.
    again = chair.patch(url, {"version": data["version"], "place": "Village hall"}, format="json")
    assert again.status_code == 200, again.content
    assert len(again.json()["scores"]) == 3
    assert again.json()["place"] == "Village hall"

    signed = chair.post(url + "sign/", {"version": again.json()["version"]}, format="json")
    assert signed.status_code == 200, signed.content
    assert signed.json()["status"] == "signed"
    assert signed.json()["signed_by"]["id"] == cast["chair"].pk
    # The scores joined the case's safety scale.
    assert ScaleScore.objects.filter(case=world.case).count() == 3
    # The next review follows the policy: medium risk, second interval (30 days) from the day
    # the review was held; nobody chairs it yet.
    rows = supervisor.get(world.url("reviews/")).json()["results"]
    following = rows[0]
    assert (following["status"], following["step"], following["due_on"]) == (
        "scheduled",
        1,
        days(30),
    )
    assert following["chair"] is None
    assert rows[1]["id"] == review["id"]
    # The chair's access ended with the sign-off.
    assert chair.get(url).status_code == 404
    # Signed is final: the worker adds an addendum, the record no longer changes.
    worker = client_for(cast["worker"])
    added = worker.post(url + "addenda/", {"text": "Teacher's name: Dara Chan."}, format="json")
    assert added.status_code == 201, added.content
    assert supervisor.get(url).json()["addenda"][0]["text"] == "Teacher's name: Dara Chan."


@pytest.mark.django_db
def test_closure_status_and_closing_after_a_review_decides_so(world: World, cast: dict[str, User]):
    supervisor, worker = client_for(cast["supervisor"]), client_for(cast["worker"])
    status = worker.get(world.url("closure/")).json()
    assert status["can_close"] is False
    assert len(status["closure_problems"]) == 2
    assert (status["closure_threshold"], status["latest_worker_score"]) == (7, None)
    assert status["closures"] == []

    record = full_record(world)
    record["decision"] = "close"
    record["scores"][2]["score"] = 8
    world_record = client_for(cast["chair"]).patch(
        world.review_url(), {"version": world.version(), **record}, format="json"
    )
    assert world_record.status_code == 200, world_record.content
    assert (
        client_for(cast["chair"])
        .post(world.review_url("sign/"), {"version": world.version()}, format="json")
        .status_code
        == 200
    )
    # A decision to close schedules no next review.
    assert not Review.objects.filter(case=world.case, status=Review.Status.SCHEDULED).exists()
    status = worker.get(world.url("closure/")).json()
    assert (status["can_close"], status["closure_problems"]) == (True, [])
    assert status["latest_worker_score"] == 8

    closed = worker.post(
        world.url("closure/"),
        {"outcome": "Safe at night; in school.", "follow_up_on": days(60), "risk_reduced": True},
        format="json",
    )
    assert closed.status_code == 201, closed.content
    assert closed.json()["review"] == world.review.pk
    assert closed.json()["override_reason"] == ""
    assert fresh(Case, world.case.pk).phase == Case.Phase.CLOSED
    (past,) = supervisor.get(world.url("closure/")).json()["closures"]
    assert (past["outcome"], past["scale_at_closure"]) == ("Safe at night; in school.", 8)


@pytest.mark.django_db
def test_a_rising_risk_brings_the_review_forward(world: World, cast: dict[str, User]):
    # Moved later first, then the risk rises: the cadence restarts at the first interval.
    review = fresh(Review, world.review.pk)
    services.review_reschedule(
        actor=cast["supervisor"],
        case=world.case,
        review=review,
        due_on=TODAY() + datetime.timedelta(days=60),
        reason="Holidays",
    )
    response = client_for(cast["worker"]).post(
        world.url("risk/"),
        {"version": fresh(Case, world.case.pk).version, "risk_level": "high", "reason": "Drinking"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["risk_level"] == "high"
    review = fresh(Review, world.review.pk)
    assert review.due_on == TODAY() + datetime.timedelta(days=7)
    assert "high" in review.restarted_because.lower() or review.restarted_because


# --- Notifications and the policy ----------------------------------------------------------------


@pytest.mark.django_db
def test_notifications_are_ones_own_and_marked_read(world: World, cast: dict[str, User]):
    chair = client_for(cast["chair"])
    mine = Notification.objects.get(user=cast["chair"])
    theirs = Notification.objects.create(user=cast["worker"], kind="due_7", case=world.case)
    extra = Notification.objects.create(user=cast["chair"], kind="due_1", case=world.case)
    page = chair.get("/api/v1/notifications/").json()
    assert page["unread"] == 2
    assert [n["id"] for n in page["results"]] == [extra.pk, mine.pk]

    marked = chair.post("/api/v1/notifications/read/", {"ids": [mine.pk, theirs.pk]}, format="json")
    assert marked.json() == {"marked": 1, "unread": 1}
    assert fresh(Notification, theirs.pk).read_at is None  # somebody else's stays unread
    assert chair.post("/api/v1/notifications/read/", {}, format="json").json() == {
        "marked": 1,
        "unread": 0,
    }
    assert chair.get("/api/v1/notifications/").json()["results"][0]["is_read"] is True


@pytest.mark.django_db
def test_the_review_policy_is_the_organisations_and_administrators_change_it(
    world: World, cast: dict[str, User]
):
    policy = client_for(cast["worker"]).get("/api/v1/review-policy/").json()
    assert policy["medium_intervals"] == [14, 30, 60, 90]
    assert (policy["cap_days"], policy["closure_threshold"]) == (90, 7)
    admin = client_for(cast["admin"])
    changed = admin.patch(
        "/api/v1/review-policy/",
        {"version": policy["version"], "medium_intervals": [10, 20], "closure_threshold": 8},
        format="json",
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["medium_intervals"] == [10, 20]
    assert services.policy_for(world.case.team.organisation_id).closure_threshold == 8
    # The schedule follows the new policy.
    cancel_open_review(world.case)
    scheduled = client_for(cast["supervisor"]).post(world.url("reviews/"), {}, format="json")
    assert scheduled.json()["due_on"] == days(10)


# --- Stale edits ---------------------------------------------------------------------------------


STALE: list[tuple[str, str, Callable[[World], str], Callable[[World], dict[str, Any]]]] = [
    ("record", "chair", lambda w: w.review_url(), lambda w: {"place": "Hall"}),
    (
        "reschedule",
        "supervisor",
        lambda w: w.review_url("reschedule/"),
        lambda w: {"due_on": days(4), "reason": "Rain"},
    ),
    ("sign", "chair", lambda w: w.review_url("sign/"), lambda w: {}),
    (
        "assign chair",
        "supervisor",
        lambda w: w.review_url("chair/"),
        lambda w: {"chair": User.objects.get(username="chair2").pk},
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "role", "url", "body"), STALE, ids=[s[0] for s in STALE])
def test_a_stale_review_edit_is_refused_with_the_current_record(
    name: str,
    role: str,
    url: Callable[[World], str],
    body: Callable[[World], dict[str, Any]],
    world: World,
    cast: dict[str, User],
):
    second_chair(world, cast)
    if name == "sign":
        record_by_chair(world, cast)
    version = world.version()
    Review.objects.filter(pk=world.review.pk).update(version=version + 1)  # somebody saved first
    client = client_for(cast[role])
    before_state, before = snapshot(world), AuditEvent.objects.count()
    method = "patch" if name == "record" else "post"

    response = getattr(client, method)(
        url(world), {"version": version, **body(world)}, format="json"
    )

    assert response.status_code == 409, response.content
    data = response.json()
    assert (data["your_version"], data["current"]["version"]) == (version, version + 1)
    assert data["current"]["id"] == world.review.pk
    assert snapshot(world) == before_state
    events = events_since(before)
    assert len(events) == 1, [(e.event, e.reason, e.content_type, e.object_pk) for e in events]
    (event,) = events
    assert (event.event, event.case_id, event.object_pk) == (
        Event.STALE_EDIT,
        world.case.pk,
        str(world.review.pk),
    )


@pytest.mark.django_db
def test_stale_risk_and_policy_edits_are_refused(world: World, cast: dict[str, User]):
    case_version = fresh(Case, world.case.pk).version
    Case.objects.filter(pk=world.case.pk).update(version=case_version + 1)
    before_state = snapshot(world)
    risk = client_for(cast["worker"]).post(
        world.url("risk/"),
        {"version": case_version, "risk_level": "high", "reason": "x"},
        format="json",
    )
    assert risk.status_code == 409, risk.content
    assert risk.json()["current"]["version"] == case_version + 1
    assert snapshot(world) == before_state

    policy = services.policy_for(world.case.team.organisation_id)
    ReviewPolicy.objects.filter(pk=policy.pk).update(version=policy.version + 1)
    admin = client_for(cast["admin"])
    before_state, before = snapshot(world), AuditEvent.objects.count()
    stale = admin.patch(
        "/api/v1/review-policy/", {"version": policy.version, "cap_days": 60}, format="json"
    )
    assert stale.status_code == 409, stale.content
    assert stale.json()["current"]["cap_days"] == 90
    assert snapshot(world) == before_state
    assert [e.event for e in events_since(before)] == [Event.STALE_EDIT]


# --- Bad input -----------------------------------------------------------------------------

HUGE = "x" * 100_000


def _v(w: World) -> int:
    return w.version()


BAD: list[tuple[str, str, str, Callable[[World], str], Callable[[World], dict[str, Any]], str]] = [
    (
        "chair from the case's team",
        "supervisor",
        "post",
        lambda w: w.url("reviews/"),
        lambda w: {"chair": w.cast["colleague"].pk},
        "chair",
    ),
    (
        "chair is the worker",
        "supervisor",
        "post",
        lambda w: w.url("reviews/"),
        lambda w: {"chair": w.cast["worker"].pk},
        "chair",
    ),
    (
        "chair of another organisation",
        "supervisor",
        "post",
        lambda w: w.url("reviews/"),
        lambda w: {"chair": w.cast["partner"].pk},
        "chair",
    ),
    (
        "another date without a reason",
        "supervisor",
        "post",
        lambda w: w.url("reviews/"),
        lambda w: {"due_on": days(3)},
        "date_reason",
    ),
    (
        "in the past",
        "supervisor",
        "post",
        lambda w: w.url("reviews/"),
        lambda w: {"due_on": days(-1), "date_reason": "late"},
        "due_on",
    ),
    (
        "unknown schedule field",
        "supervisor",
        "post",
        lambda w: w.url("reviews/"),
        lambda w: {"step": 3},
        "step",
    ),
    (
        "score above ten",
        "chair",
        "patch",
        lambda w: w.review_url(),
        lambda w: {"version": _v(w), "scores": [{"voice": "worker", "score": 11, "reason": "x"}]},
        "scores",
    ),
    (
        "family score without who",
        "chair",
        "patch",
        lambda w: w.review_url(),
        lambda w: {"version": _v(w), "scores": [{"voice": "family", "score": 5, "reason": "x"}]},
        "score-0",
    ),
    (
        "score without a reason",
        "chair",
        "patch",
        lambda w: w.review_url(),
        lambda w: {"version": _v(w), "scores": [{"voice": "worker", "score": 5, "reason": ""}]},
        "score-0",
    ),
    (
        "person of another family",
        "chair",
        "patch",
        lambda w: w.review_url(),
        lambda w: {"version": _v(w), "participants": [{"kind": "family", "person": 10**9}]},
        "participants",
    ),
    (
        "a child who is the mother",
        "chair",
        "patch",
        lambda w: w.review_url(),
        lambda w: {"version": _v(w), "participants": [{"kind": "child", "person": w.mother.pk}]},
        "participant-0",
    ),
    (
        "goal of another case",
        "chair",
        "patch",
        lambda w: w.review_url(),
        lambda w: {"version": _v(w), "goals": [{"goal": 10**9, "progress": "some"}]},
        "goals",
    ),
    (
        "held in the future",
        "chair",
        "patch",
        lambda w: w.review_url(),
        lambda w: {"version": _v(w), "held_on": days(2)},
        "held_on",
    ),
    (
        "unknown decision",
        "chair",
        "patch",
        lambda w: w.review_url(),
        lambda w: {"version": _v(w), "decision": "maybe"},
        "decision",
    ),
    (
        "huge views",
        "chair",
        "patch",
        lambda w: w.review_url(),
        lambda w: {"version": _v(w), "child_views": HUGE},
        "child_views",
    ),
    (
        "record without a version",
        "chair",
        "patch",
        lambda w: w.review_url(),
        lambda w: {"place": "Hall"},
        "version",
    ),
    (
        "status is not recorded",
        "chair",
        "patch",
        lambda w: w.review_url(),
        lambda w: {"version": _v(w), "status": "signed"},
        "status",
    ),
    (
        "sign an incomplete record",
        "chair",
        "post",
        lambda w: w.review_url("sign/"),
        lambda w: {"version": _v(w)},
        "sign_off_problems",
    ),
    (
        "reschedule without a reason",
        "chair",
        "post",
        lambda w: w.review_url("reschedule/"),
        lambda w: {"version": _v(w), "due_on": days(3), "reason": " "},
        "reason",
    ),
    (
        "reschedule into the past",
        "supervisor",
        "post",
        lambda w: w.review_url("reschedule/"),
        lambda w: {"version": _v(w), "due_on": days(-3), "reason": "x"},
        "due_on",
    ),
    (
        "chair who is the supervisor",
        "supervisor",
        "post",
        lambda w: w.review_url("chair/"),
        lambda w: {"version": _v(w), "chair": w.cast["supervisor"].pk},
        "chair",
    ),
    (
        "addendum before sign-off",
        "worker",
        "post",
        lambda w: w.review_url("addenda/"),
        lambda w: {"text": "Too early"},
        "non_field_errors",
    ),
    (
        "empty addendum",
        "worker",
        "post",
        lambda w: w.review_url("addenda/"),
        lambda w: {"text": ""},
        "text",
    ),
    (
        "close without the review's decision",
        "worker",
        "post",
        lambda w: w.url("closure/"),
        lambda w: {"outcome": "Done", "follow_up_on": days(30)},
        "non_field_errors",
    ),
    (
        "override without a reason",
        "supervisor",
        "post",
        lambda w: w.url("closure/"),
        lambda w: {"outcome": "Done", "follow_up_on": days(30)},
        "override_reason",
    ),
    (
        "follow-up today",
        "supervisor",
        "post",
        lambda w: w.url("closure/"),
        lambda w: {"outcome": "Done", "follow_up_on": days(0), "override_reason": "x"},
        "follow_up_on",
    ),
    (
        "unknown risk",
        "worker",
        "post",
        lambda w: w.url("risk/"),
        lambda w: {"version": 1, "risk_level": "extreme", "reason": "x"},
        "risk_level",
    ),
    (
        "risk without a reason",
        "worker",
        "post",
        lambda w: w.url("risk/"),
        lambda w: {
            "version": fresh(Case, w.case.pk).version,
            "risk_level": "high",
            "reason": "  ",
        },
        "reason",
    ),
    (
        "mark read with words",
        "worker",
        "post",
        lambda w: "/api/v1/notifications/read/",
        lambda w: {"ids": ["all"]},
        "ids",
    ),
    (
        "interval of zero days",
        "admin",
        "patch",
        lambda w: "/api/v1/review-policy/",
        lambda w: {"version": 1, "high_intervals": [0, 7]},
        "high_intervals",
    ),
    (
        "no intervals",
        "admin",
        "patch",
        lambda w: "/api/v1/review-policy/",
        lambda w: {"version": 1, "low_intervals": []},
        "low_intervals",
    ),
    (
        "cap below a week",
        "admin",
        "patch",
        lambda w: "/api/v1/review-policy/",
        lambda w: {"version": 1, "cap_days": 3},
        "cap_days",
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "role", "method", "url", "body", "field"), BAD, ids=[b[0] for b in BAD]
)
def test_bad_input_is_refused_by_field_and_nothing_is_written(
    name: str,
    role: str,
    method: str,
    url: Callable[[World], str],
    body: Callable[[World], dict[str, Any]],
    field: str,
    world: World,
    cast: dict[str, User],
):
    services.policy_for(world.case.team.organisation_id)
    if url(world) == world.url("reviews/"):
        cancel_open_review(world.case)
    data = body(world)
    client = client_for(cast[role])
    before_state, before = snapshot(world), AuditEvent.objects.count()

    response = getattr(client, method)(url(world), data, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert snapshot(world) == before_state
    assert events_since(before) == []


@pytest.mark.django_db
def test_sign_off_lists_what_is_missing(world: World, cast: dict[str, User]):
    response = client_for(cast["chair"]).post(
        world.review_url("sign/"), {"version": world.version()}, format="json"
    )
    assert response.status_code == 400
    problems = response.json()["sign_off_problems"]
    assert "Give the date the review was held." in problems
    assert "Choose a decision." in problems
    assert problems == client_for(cast["chair"]).get(world.review_url()).json()["sign_off_problems"]


@pytest.mark.django_db
def test_a_review_of_another_case_answers_like_a_missing_one(world: World, cast: dict[str, User]):
    other = open_case(team=Team.objects.get(name="Team A"), worker=cast["worker"])
    client = client_for(cast["worker"])
    for method, rest in (
        ("get", f"reviews/{world.review.pk}/"),
        ("post", f"reviews/{world.review.pk}/addenda/"),
        ("get", "reviews/999999999/"),
    ):
        before = AuditEvent.objects.count()
        response = getattr(client, method)(
            f"/api/v1/cases/{other.pk}/{rest}", {"text": "x"}, format="json"
        )
        assert response.status_code == 404
        assert [e.event for e in events_since(before)] == [Event.REFUSED]


# --- Audit and queries -------------------------------------------------------------------------


@pytest.mark.django_db
def test_each_read_of_a_cases_reviews_leaves_one_event(world: World, cast: dict[str, User]):
    client = client_for(cast["supervisor"])
    client.get("/api/v1/review-policy/")  # signed in before counting
    for url, model in (
        (world.url("reviews/"), "review"),
        (world.review_url(), "review"),
        (world.url("closure/"), "closure"),
    ):
        before = AuditEvent.objects.count()
        assert client.get(url).status_code == 200
        (event,) = events_since(before)
        assert (event.event, event.case_id, event.actor_id) == (
            Event.VIEW,
            world.case.pk,
            cast["supervisor"].pk,
        )
        assert event.content_type.model == model


@pytest.mark.django_db
def test_the_review_detail_runs_a_fixed_number_of_queries(
    world: World, cast: dict[str, User], django_assert_max_num_queries: Any
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(cast["chair"])

    def detail_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(world.review_url()).status_code == 200
        return len(queries)

    record_by_chair(world, cast)
    with django_assert_max_num_queries(20):
        few = detail_queries()
    # Twice as many rows of each kind: the same number of queries.
    record = full_record(world)
    for name in ("participants", "scores"):
        record[name] = record[name] * 2
    response = client_for(cast["chair"]).patch(
        world.review_url(), {"version": world.version(), **record}, format="json"
    )
    assert response.status_code == 200, response.content
    assert len(response.json()["participants"]) == 8
    assert detail_queries() == few


@pytest.mark.django_db
def test_the_schema_lists_the_reviews_api(cast: dict[str, User]):
    response = client_for(cast["worker"]).get("/api/schema/")
    assert response.status_code == 200
    schema = response.content.decode()
    for path in (
        "/api/v1/cases/{case_id}/reviews/",
        "/api/v1/cases/{case_id}/reviews/{review_id}/",
        "/api/v1/cases/{case_id}/reviews/{review_id}/chair/",
        "/api/v1/cases/{case_id}/reviews/{review_id}/reschedule/",
        "/api/v1/cases/{case_id}/reviews/{review_id}/sign/",
        "/api/v1/cases/{case_id}/reviews/{review_id}/addenda/",
        "/api/v1/cases/{case_id}/closure/",
        "/api/v1/cases/{case_id}/risk/",
        "/api/v1/reviews/chairing/",
        "/api/v1/notifications/",
        "/api/v1/notifications/read/",
        "/api/v1/review-policy/",
    ):
        assert f"{path}:" in schema
    for component in ("ReviewStatus:", "ReviewDecision:", "ReviewScoreVoice:"):
        assert component in schema
