"""The REST API (/api/v1/) keeps the HTML pages' door, services and audit trail.

Every endpoint is tried by the whole fixed cast; reads and refusals each leave exactly one audit
event; stale and signed edits change nothing; bad input is refused before anything is written.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from casework import services
from casework.models import AuditEvent, Case, HomeVisit, Person, User, VisitAddendum, VisitChild
from casework.tests.factories import TEST_PASSWORD, open_case

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


def an_hour_ago() -> str:
    return (timezone.now() - datetime.timedelta(hours=1)).isoformat()


@dataclass
class World:
    case: Case
    child: Person
    mother: Person
    draft: HomeVisit
    signed: HomeVisit


@pytest.fixture
def world(case: Case, cast: dict[str, User]) -> World:
    worker = cast["worker"]
    child = case.children.get()
    mother = Person.objects.get(family=case.family, relationship=Person.Relationship.MOTHER)
    seen = [services.ChildSeen(child_id=child.pk, seen=True, seen_alone=False)]
    visit_data = {"occurred_at": timezone.now() - datetime.timedelta(days=2), "kind": "home"}
    draft = services.visit_record(
        actor=worker,
        case=case,
        data={**visit_data, "observations": "Draft note"},
        children=seen,
    )
    signed = services.visit_record(
        actor=worker,
        case=case,
        data={**visit_data, "observations": "Signed note"},
        children=seen,
        sign=True,
    )
    return World(case=case, child=child, mother=mother, draft=draft, signed=signed)


def case_url(world: World, rest: str = "") -> str:
    return f"/api/v1/cases/{world.case.pk}/{rest}"


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
    # The event a successful call leaves: a read's view, or the service's own record.
    event: str = Event.VIEW


def _fresh(model: type[Any], pk: int) -> Any:
    return model.objects.get(pk=pk)


ENDPOINTS = [
    Endpoint("case detail", "get", lambda w: case_url(w), READ),
    Endpoint(
        "transition",
        "post",
        lambda w: case_url(w, "transition/"),
        writes(200),
        body=lambda w: {"to": "assessment", "reason": "Referral accepted"},
        event=Event.TRANSITION,
    ),
    Endpoint("people list", "get", lambda w: case_url(w, "people/"), READ),
    Endpoint(
        "person add",
        "post",
        lambda w: case_url(w, "people/"),
        writes(201),
        body=lambda w: {"relationship": "grandparent", "given_name_latin": "Grand"},
        event=Event.CREATE,
    ),
    Endpoint("person detail", "get", lambda w: case_url(w, f"people/{w.child.pk}/"), READ),
    Endpoint(
        "person edit",
        "patch",
        lambda w: case_url(w, f"people/{w.child.pk}/"),
        writes(200),
        body=lambda w: {"version": _fresh(Person, w.child.pk).version, "disability": "None"},
        event=Event.CHANGE,
    ),
    Endpoint("visits list", "get", lambda w: case_url(w, "visits/"), READ),
    Endpoint(
        "visit record",
        "post",
        lambda w: case_url(w, "visits/"),
        writes(201),
        body=lambda w: {
            "occurred_at": an_hour_ago(),
            "kind": "phone",
            "children": [{"child": w.child.pk, "seen": False}],
        },
        event=Event.CREATE,
    ),
    Endpoint("visit detail", "get", lambda w: case_url(w, f"visits/{w.draft.pk}/"), READ),
    # Only the author edits or signs a draft: the supervisor is let in by the door and then
    # refused by the service.
    Endpoint(
        "visit edit",
        "patch",
        lambda w: case_url(w, f"visits/{w.draft.pk}/"),
        writes(200, supervisor=403),
        body=lambda w: {"version": _fresh(HomeVisit, w.draft.pk).version, "place": "Market"},
        event=Event.CHANGE,
    ),
    Endpoint(
        "visit sign",
        "post",
        lambda w: case_url(w, f"visits/{w.draft.pk}/sign/"),
        writes(200, supervisor=403),
        body=lambda w: {"version": _fresh(HomeVisit, w.draft.pk).version},
        event=Event.SIGN,
    ),
    Endpoint(
        "addendum",
        "post",
        lambda w: case_url(w, f"visits/{w.signed.pk}/addenda/"),
        writes(201),
        body=lambda w: {"text": "The neighbour was also present."},
        event=Event.ADDENDUM,
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.name for e in ENDPOINTS])
def test_every_endpoint_answers_each_of_the_cast_through_the_door(
    endpoint: Endpoint, role: str, world: World, cast: dict[str, User]
):
    user = cast.get(role)
    client = client_for(user)
    body = endpoint.body(world) if endpoint.body else None
    case_before = _fresh(Case, world.case.pk)
    draft_before = _fresh(HomeVisit, world.draft.pk)
    people_before = Person.objects.count()
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
        # On the case's own trail, so the people responsible for it see who tried.
        assert events[0].case_id == world.case.pk
        if role == "admin":
            assert events[0].reason == "needs change"  # the door refused, before any service
    else:
        assert [e.event for e in events] == [endpoint.event]
        assert events[0].actor_id == user.pk  # type: ignore[union-attr]
        assert events[0].case_id == world.case.pk
    if expected >= 400:
        # A refusal writes nothing.
        assert _fresh(Case, world.case.pk).phase == case_before.phase
        draft_after = _fresh(HomeVisit, world.draft.pk)
        assert (draft_after.version, draft_after.status, draft_after.place) == (
            draft_before.version,
            draft_before.status,
            draft_before.place,
        )
        assert Person.objects.count() == people_before
        assert not VisitAddendum.objects.exists()


EXPECTED_IN_CASELOAD = {
    "worker": True,
    "colleague": False,
    "supervisor": True,
    "outsider": False,
    "chair": False,
    "admin": True,
    "partner": False,
}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_the_case_list_shows_only_what_the_door_allows(
    role: str, case: Case, cast: dict[str, User]
):
    user = cast.get(role)
    client = client_for(user)  # (signing in is audited too: count after it)
    before = AuditEvent.objects.count()
    response = client.get("/api/v1/cases/")
    events = events_since(before)
    if user is None:
        assert response.status_code == 401
        assert events == []
        return
    assert response.status_code == 200
    ids = [row["id"] for row in response.json()["results"]]
    assert (case.pk in ids) is EXPECTED_IN_CASELOAD[role]
    assert response.json()["count"] == len(ids)
    assert len(events) == 1
    assert events[0].event == Event.VIEW
    assert events[0].actor_id == user.pk
    assert events[0].additional_data == {"list": "cases", "q": "", "count": len(ids)}


@pytest.mark.django_db
def test_a_filter_only_narrows_what_the_door_allows(case: Case, cast: dict[str, User]):
    # The colleague shares the team but holds no grant: asking for the team's list shows nothing.
    response = client_for(cast["colleague"]).get("/api/v1/cases/", {"scope": "team"})
    assert response.status_code == 200
    assert response.json()["results"] == []


@pytest.mark.django_db
def test_the_case_list_renders_names_and_labels_and_filters(case: Case, cast: dict[str, User]):
    client = client_for(cast["worker"])
    row = client.get("/api/v1/cases/").json()["results"][0]
    assert row["reference"] == case.reference
    assert row["phase"] == "intake"
    assert row["phase_label"] == "Intake"
    assert row["tier_label"] == "Early intervention"
    assert row["family_name"] == "Synthetic Family"
    assert row["worker"] == {"id": cast["worker"].pk, "name": cast["worker"].display_name}
    assert row["children"] == [case.children.get().pk]
    assert row["team"] == "Team A"

    def found(**params: Any) -> list[int]:
        response = client.get("/api/v1/cases/", params)
        assert response.status_code == 200, response.content
        return [r["id"] for r in response.json()["results"]]

    assert found(q="Synthetic") == [case.pk]
    assert found(q="Nobody") == []
    assert found(phase="assessment") == []
    assert found(tier="early", risk_level="medium") == [case.pk]
    assert found(village=case.family.village_id) == [case.pk]
    assert client.get("/api/v1/cases/", {"village": "abc"}).status_code == 400
    assert client.get("/api/v1/cases/", {"phase": "nonsense"}).status_code == 400


@pytest.mark.django_db
def test_the_list_search_is_audited_with_its_terms(case: Case, cast: dict[str, User]):
    client = client_for(cast["worker"])
    before = AuditEvent.objects.count()
    client.get("/api/v1/cases/", {"q": "Synthetic"})
    (event,) = events_since(before)
    assert event.additional_data == {"list": "cases", "q": "Synthetic", "count": 1}


@pytest.mark.django_db
def test_case_detail_has_family_people_phases_and_permissions(world: World, cast: dict[str, User]):
    data = client_for(cast["worker"]).get(case_url(world)).json()
    assert data["reference"] == world.case.reference
    assert data["family"]["family_name"] == "Synthetic Family"
    assert data["children"] == [world.child.pk]
    people = {p["id"]: p for p in data["people"]}
    assert people[world.child.pk]["concerned"] is True
    assert people[world.mother.pk]["concerned"] is False
    assert people[world.mother.pk]["relationship_label"] == "Mother"
    assert data["next_phases"] == [
        {"value": "assessment", "label": "Assessment and planning"},
        {"value": "closed", "label": "Closed"},
    ]
    assert data["permissions"] == ["change", "view"]
    admin = client_for(cast["admin"]).get(case_url(world)).json()
    assert admin["permissions"] == ["export", "view"]


@pytest.mark.django_db
def test_the_supervisor_may_write(world: World, cast: dict[str, User]):
    client = client_for(cast["supervisor"])
    response = client.post(
        case_url(world, "transition/"), {"to": "closed", "reason": "Safe"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["phase"] == "closed"
    assert _fresh(Case, world.case.pk).closure_reason == "Safe"
    # ...and edit and sign a visit of their own.
    response = client.post(
        case_url(world, "visits/"), {"occurred_at": an_hour_ago(), "kind": "home"}, format="json"
    )
    assert response.status_code == 201, response.content
    visit = response.json()
    url = case_url(world, f"visits/{visit['id']}/")
    response = client.patch(url, {"version": visit["version"], "place": "Office"}, format="json")
    assert response.status_code == 200, response.content
    response = client.post(url + "sign/", {"version": response.json()["version"]}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "signed"


@pytest.mark.django_db
def test_a_record_of_another_case_answers_like_a_missing_one(
    world: World, cast: dict[str, User], team_a: Any
):
    other = open_case(team=team_a, worker=cast["worker"], family_name="Other Family")
    other_child = other.children.get()
    client = client_for(cast["worker"])
    for url in (
        case_url(world, f"people/{other_child.pk}/"),
        case_url(world, "people/999999999/"),
        case_url(world, "visits/999999999/"),
    ):
        before = AuditEvent.objects.count()
        assert client.get(url).status_code == 404
        (event,) = events_since(before)
        assert event.event == Event.REFUSED
        assert event.case_id == world.case.pk
    before = AuditEvent.objects.count()
    response = client.patch(
        case_url(world, f"people/{other_child.pk}/"),
        {"version": other_child.version, "disability": "changed"},
        format="json",
    )
    assert response.status_code == 404
    assert [e.event for e in events_since(before)] == [Event.REFUSED]
    assert _fresh(Person, other_child.pk).disability == ""


@pytest.mark.django_db
def test_a_missing_case_is_a_refusal(cast: dict[str, User]):
    client = client_for(cast["worker"])
    before = AuditEvent.objects.count()
    response = client.get("/api/v1/cases/999999999/")
    assert response.status_code == 404
    (event,) = events_since(before)
    assert (event.event, event.object_pk, event.reason) == (
        Event.REFUSED,
        "999999999",
        "not found",
    )


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["{huge}/", "{case}/people/{huge}/", "{case}/visits/{huge}/sign/"])
def test_an_impossible_id_is_a_refusal_not_a_crash(path: str, case: Case, cast: dict[str, User]):
    client = client_for(cast["worker"])
    url = "/api/v1/cases/" + path.format(huge="9" * 25, case=case.pk)
    before = AuditEvent.objects.count()
    response = client.post(url, {"version": 1}) if "sign" in path else client.get(url)
    assert response.status_code == 404
    (event,) = events_since(before)
    assert (event.event, event.actor_id, event.additional_data) == (
        Event.REFUSED,
        cast["worker"].pk,
        {"path": url},
    )


# --- Signing in ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_token_signs_in_and_is_audited(world: World, cast: dict[str, User]):
    client = APIClient()
    before = AuditEvent.objects.count()
    response = client.post(
        "/api/v1/auth/token/", {"username": "worker", "password": TEST_PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    key = response.json()["token"]
    assert Token.objects.get(key=key).user == cast["worker"]
    (login,) = events_since(before)
    assert (login.event, login.actor_id) == (Event.LOGIN, cast["worker"].pk)

    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get(case_url(world)).status_code == 200
    response = client.patch(
        case_url(world, f"people/{world.mother.pk}/"),
        {"version": world.mother.version, "phone": "x"},
        format="json",
    )
    assert response.status_code == 400  # not a person's field
    response = client.patch(
        case_url(world, f"people/{world.mother.pk}/"),
        {"version": world.mother.version, "disability": "Hearing"},
        format="json",
    )
    assert response.status_code == 200, response.content

    # Another user's token sees only that user's cases.
    outsider = APIClient()
    outsider.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=cast['outsider'])}")
    assert outsider.get(case_url(world)).status_code == 404


@pytest.mark.django_db
def test_a_wrong_password_or_token_gets_nothing(world: World, cast: dict[str, User]):
    client = APIClient()
    before = AuditEvent.objects.count()
    response = client.post(
        "/api/v1/auth/token/", {"username": "worker", "password": "wrong"}, format="json"
    )
    assert response.status_code == 400
    assert "token" not in response.json()
    assert not Token.objects.exists()
    assert [e.event for e in events_since(before)] == [Event.LOGIN_FAILED]

    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.get(case_url(world)).status_code == 401
    assert client.get("/api/v1/cases/").status_code == 401


@pytest.mark.django_db
def test_session_writes_need_the_csrf_token(world: World, cast: dict[str, User]):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(cast["worker"])
    response = client.post(case_url(world, "transition/"), {"to": "assessment"}, format="json")
    assert response.status_code == 403
    assert _fresh(Case, world.case.pk).phase == Case.Phase.INTAKE


@pytest.mark.django_db
def test_the_schema_lists_the_api(cast: dict[str, User]):
    response = client_for(cast["worker"]).get("/api/schema/")
    assert response.status_code == 200
    schema = response.content.decode()
    for path in (
        "/api/v1/auth/token/",
        "/api/v1/cases/",
        "/api/v1/cases/{case_id}/",
        "/api/v1/cases/{case_id}/transition/",
        "/api/v1/cases/{case_id}/people/{person_id}/",
        "/api/v1/cases/{case_id}/visits/{visit_id}/sign/",
        "/api/v1/cases/{case_id}/visits/{visit_id}/addenda/",
    ):
        assert f"{path}:" in schema


# --- No lost updates -----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_stale_person_edit_is_refused_with_both_versions(world: World, cast: dict[str, User]):
    client = client_for(cast["worker"])
    url = case_url(world, f"people/{world.child.pk}/")
    read = client.get(url).json()
    first = client.patch(
        url, {"version": read["version"], "given_name_latin": "First"}, format="json"
    )
    assert first.status_code == 200
    assert first.json()["version"] == read["version"] + 1

    before = AuditEvent.objects.count()
    second = client.patch(
        url, {"version": read["version"], "given_name_latin": "Second"}, format="json"
    )
    assert second.status_code == 409
    body = second.json()
    assert body["your_version"] == read["version"]
    assert body["current"]["version"] == read["version"] + 1
    assert body["current"]["given_name_latin"] == "First"
    assert body["detail"]
    person = _fresh(Person, world.child.pk)
    assert (person.given_name_latin, person.version) == ("First", read["version"] + 1)
    assert [e.event for e in events_since(before)] == [Event.STALE_EDIT]


@pytest.mark.django_db
def test_a_stale_visit_edit_or_signature_is_refused(world: World, cast: dict[str, User]):
    client = client_for(cast["worker"])
    url = case_url(world, f"visits/{world.draft.pk}/")
    stale_version = world.draft.version
    assert (
        client.patch(url, {"version": stale_version, "place": "Home"}, format="json").status_code
        == 200
    )
    response = client.patch(url, {"version": stale_version, "place": "Field"}, format="json")
    assert response.status_code == 409
    assert response.json()["current"]["place"] == "Home"
    assert response.json()["current"]["version"] == stale_version + 1
    response = client.post(url + "sign/", {"version": stale_version}, format="json")
    assert response.status_code == 409
    visit = _fresh(HomeVisit, world.draft.pk)
    assert (visit.place, visit.version, visit.status) == ("Home", stale_version + 1, "draft")


@pytest.mark.django_db
def test_a_visit_edit_without_children_keeps_who_was_seen(world: World, cast: dict[str, User]):
    client = client_for(cast["worker"])
    url = case_url(world, f"visits/{world.draft.pk}/")
    response = client.patch(url, {"version": world.draft.version, "agreed": "Next week"})
    assert response.status_code == 200, response.content
    assert response.json()["children"] == [
        {
            "child": world.child.pk,
            "name": world.child.display_name,
            "seen": True,
            "seen_alone": False,
        }
    ]
    response = client.patch(
        url,
        {
            "version": response.json()["version"],
            "children": [{"child": world.child.pk, "seen": True, "seen_alone": True}],
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    assert VisitChild.objects.get(visit=world.draft).seen_alone is True


@pytest.mark.django_db
def test_nothing_edits_a_signed_visit(world: World, cast: dict[str, User]):
    for role in ("worker", "supervisor"):
        client = client_for(cast[role])
        url = case_url(world, f"visits/{world.signed.pk}/")
        before = AuditEvent.objects.count()
        response = client.patch(
            url, {"version": world.signed.version, "observations": "Rewritten"}, format="json"
        )
        assert response.status_code == 400, (role, response.content)
        assert "signed" in response.json()["non_field_errors"][0]
        response = client.post(url + "sign/", {"version": world.signed.version}, format="json")
        assert response.status_code == 400
        assert events_since(before) == []
    visit = _fresh(HomeVisit, world.signed.pk)
    assert (visit.observations, visit.version) == ("Signed note", world.signed.version)
    # Corrections are addenda; and addenda are only for signed notes.
    client = client_for(cast["worker"])
    response = client.post(
        case_url(world, f"visits/{world.draft.pk}/addenda/"), {"text": "x"}, format="json"
    )
    assert response.status_code == 400
    response = client.post(
        case_url(world, f"visits/{world.signed.pk}/addenda/"), {"text": "Also"}, format="json"
    )
    assert response.status_code == 201
    detail = client.get(case_url(world, f"visits/{world.signed.pk}/")).json()
    assert [a["text"] for a in detail["addenda"]] == ["Also"]
    assert detail["observations"] == "Signed note"


# --- Bad input -----------------------------------------------------------------------------


def assert_nothing_written(before: dict[str, int]) -> None:
    assert counts() == before


def counts() -> dict[str, int]:
    return {
        "visits": HomeVisit.objects.count(),
        "people": Person.objects.count(),
        "addenda": VisitAddendum.objects.count(),
        "events": AuditEvent.objects.count(),
    }


@pytest.mark.django_db
def test_a_visit_in_the_future_is_refused(world: World, cast: dict[str, User]):
    client = client_for(cast["worker"])
    before = counts()
    future = (timezone.now() + datetime.timedelta(days=1)).isoformat()
    response = client.post(
        case_url(world, "visits/"), {"occurred_at": future, "kind": "home"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["occurred_at"] == ["A visit cannot be in the future."]
    assert_nothing_written(before)


@pytest.mark.django_db
def test_a_person_without_a_name_is_refused(world: World, cast: dict[str, User]):
    client = client_for(cast["worker"])
    before = counts()
    response = client.post(
        case_url(world, "people/"),
        {"relationship": "sibling", "given_name_latin": "", "family_name_km": ""},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": ["Enter a name in Khmer script, in Latin letters, or both."]
    }
    response = client.patch(
        case_url(world, f"people/{world.mother.pk}/"),
        {
            "version": world.mother.version,
            "given_name_latin": "",
            "family_name_latin": "",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "non_field_errors" in response.json()
    assert_nothing_written(before)
    assert _fresh(Person, world.mother.pk).given_name_latin == "Synthetic"


@pytest.mark.django_db
def test_a_person_born_in_the_future_is_refused(world: World, cast: dict[str, User]):
    client = client_for(cast["worker"])
    before = counts()
    tomorrow = timezone.localdate() + datetime.timedelta(days=2)
    response = client.post(
        case_url(world, "people/"),
        {"relationship": "child", "given_name_latin": "Soon", "date_of_birth": str(tomorrow)},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["date_of_birth"]
    assert_nothing_written(before)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("visits/", {"kind": "home", "observations": "x" * 100_000}),
        ("people/", {"relationship": "other", "given_name_latin": "x" * 100_000}),
        ("addenda", {"text": "x" * 100_000}),
        ("addenda", {"text": "   "}),
        ("visits/", {"kind": "nonsense"}),
        ("visits/", {"kind": "home", "children": [{"child": 0, "seen": True}]}),
        ("visits/", {"kind": "home", "author": 1}),
        ("people/", {"relationship": "other", "given_name_latin": "A", "family": 1}),
        ("transition/", {"to": "closed", "reason": ""}),
        ("transition/", {"to": "intervention"}),
        ("transition/", {"to": "nowhere"}),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(
    path: str, body: dict[str, Any], world: World, cast: dict[str, User]
):
    if path == "addenda":
        path = f"visits/{world.signed.pk}/addenda/"
    if path == "visits/":
        body = {"occurred_at": an_hour_ago(), **body}
    client = client_for(cast["worker"])
    before = counts()
    response = client.post(case_url(world, path), body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()
    assert_nothing_written(before)
    assert _fresh(Case, world.case.pk).phase == Case.Phase.INTAKE


@pytest.mark.django_db
def test_a_child_must_belong_to_the_case_and_be_listed_once(world: World, cast: dict[str, User]):
    client = client_for(cast["worker"])
    before = counts()
    base = {"occurred_at": an_hour_ago(), "kind": "home"}
    twice = [{"child": world.child.pk, "seen": True}] * 2
    response = client.post(case_url(world, "visits/"), {**base, "children": twice}, format="json")
    assert response.status_code == 400
    assert "children" in response.json()
    stranger = [{"child": world.mother.pk, "seen": True}]
    response = client.post(
        case_url(world, "visits/"), {**base, "children": stranger}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"children": ["That child is not part of this case."]}
    alone_unseen = [{"child": world.child.pk, "seen": False, "seen_alone": True}]
    response = client.post(
        case_url(world, "visits/"), {**base, "children": alone_unseen}, format="json"
    )
    assert response.status_code == 400
    assert_nothing_written(before)


@pytest.mark.django_db
def test_markup_is_stored_and_returned_as_text(world: World, cast: dict[str, User]):
    client = client_for(cast["worker"])
    script = '<script>alert("x")</script> & <b>bold</b>'
    response = client.post(
        case_url(world, "visits/"),
        {"occurred_at": an_hour_ago(), "kind": "home", "child_words": script},
        format="json",
    )
    assert response.status_code == 201, response.content
    visit_id = response.json()["id"]
    assert HomeVisit.objects.get(pk=visit_id).child_words == script
    response = client.get(case_url(world, f"visits/{visit_id}/"))
    assert response["Content-Type"] == "application/json"
    assert response.json()["child_words"] == script
    assert b"<script>" in response.content  # a JSON string, neither escaped nor stripped


@pytest.mark.django_db
def test_a_visit_is_recorded_with_the_children_seen_and_signed(world: World, cast: dict[str, User]):
    client = client_for(cast["worker"])
    before = AuditEvent.objects.count()
    response = client.post(
        case_url(world, "visits/"),
        {
            "occurred_at": an_hour_ago(),
            "kind": "home",
            "observations": "Calm home",
            "children": [{"child": world.child.pk, "seen": True, "seen_alone": True}],
            "sign": True,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "signed"
    assert data["author"]["id"] == cast["worker"].pk
    assert data["children"][0]["seen_alone"] is True
    assert [e.event for e in events_since(before)] == [Event.CREATE, Event.SIGN]


# --- A fixed number of queries ---------------------------------------------------------------


@pytest.mark.django_db
def test_the_case_list_runs_a_fixed_number_of_queries(
    case: Case, cast: dict[str, User], team_a: Any, django_assert_max_num_queries: Any
):
    client = client_for(cast["worker"])

    def list_queries(expected_count: int) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/api/v1/cases/")
        assert response.status_code == 200
        assert response.json()["count"] == expected_count
        return len(queries)

    for i in range(2):
        open_case(team=team_a, worker=cast["worker"], family_name=f"Family {i}", children=2)
    with django_assert_max_num_queries(8):
        few = list_queries(3)
    for i in range(27):
        open_case(team=team_a, worker=cast["worker"], family_name=f"More {i}", children=3)
    with django_assert_max_num_queries(8):
        many = list_queries(30)
    assert few == many


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["visits/", "people/"])
def test_the_lists_inside_a_case_run_a_fixed_number_of_queries(
    path: str, world: World, cast: dict[str, User]
):
    client = client_for(cast["worker"])

    def list_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(case_url(world, path))
        assert response.status_code == 200
        return len(queries)

    few = list_queries()
    for i in range(5):
        services.person_add(
            actor=cast["worker"],
            case=world.case,
            data=services.PersonData(relationship="relative", given_name_latin=f"R{i}"),
        )
        visit = services.visit_record(
            actor=cast["worker"],
            case=world.case,
            data={"occurred_at": timezone.now(), "kind": "phone"},
            children=[services.ChildSeen(child_id=world.child.pk, seen=True, seen_alone=False)],
            sign=True,
        )
        services.visit_addendum_add(actor=cast["worker"], case=world.case, visit=visit, text="+")
    assert list_queries() == few
