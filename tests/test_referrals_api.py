"""The referrals API (/api/v1/): the directory, intake, consent, referrals and the partner's side.

Every endpoint is tried by the whole fixed cast and an anonymous caller; reads and refusals
each leave exactly one audit event and refusals write nothing. Partners reach only the
referrals sent to their own service (404 everywhere else, staff 404 on theirs), and see only
what was shared. Consent is enforced on the server: a worker cannot send without it, a
supervisor only with a written best-interests reason, and every share is one audit event.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from casework.models import AuditEvent, Case, Family, Organisation, Person, User
from casework.tests.factories import UserFactory
from referrals import services
from referrals.models import Consent, HelpKind, Intake, OutgoingReferral, Service

Event = AuditEvent.Event
ROLES = ["worker", "colleague", "supervisor", "outsider", "chair", "admin", "partner", "anonymous"]
FAMILY_PHONE = "012 999 888"
CHILD_BIRTH = "2015-03-01"


def client_for(user: User | None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def events_since(before: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.order_by("pk")[before:])


def fresh(model: type[Any], pk: int) -> Any:
    return model.objects.get(pk=pk)


def days_from_today(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def kind(code: str) -> HelpKind:
    return HelpKind.objects.get(code=code)


def share_events() -> Any:
    return AuditEvent.objects.filter(event=Event.SHARE)


@dataclass
class World:
    case: Case
    child: Person
    mother: Person
    temple: Service  # received in Upstream by `partner`
    clinic: Service  # received by another partner; no consent covers it
    consent: Consent  # the mother's, for the temple, every kind of information
    intake: Intake  # recorded by `worker`, awaiting screening
    draft: OutgoingReferral  # to the temple
    sent: OutgoingReferral  # to the temple, sent under the consent
    elsewhere: OutgoingReferral  # sent to the clinic (another service), on an override

    def url(self, rest: str = "") -> str:
        return f"/api/v1/cases/{self.case.pk}/{rest}"


def draft(w: World, actor: User, service: Service, **kwargs: Any) -> OutgoingReferral:
    data: dict[str, Any] = {
        "help_kind": service.kinds.order_by("order").first(),
        "need": "A daily meal for the child.",
        "children": [w.child],
    } | kwargs
    return services.referral_draft(actor=actor, case=w.case, service=service, **data)


@pytest.fixture
def other_partner(partner_organisation: Organisation) -> User:
    return UserFactory.create(
        username="other-partner", organisation=partner_organisation, role=User.Role.PARTNER
    )


@pytest.fixture
def world(case: Case, cast: dict[str, User], other_partner: User) -> World:
    worker, admin, supervisor = cast["worker"], cast["admin"], cast["supervisor"]
    Family.objects.filter(pk=case.family_id).update(phone=FAMILY_PHONE)
    case = Case.objects.get(pk=case.pk)
    child = case.children.get()
    mother = Person.objects.get(family=case.family, relationship=Person.Relationship.MOTHER)
    temple = services.service_create(
        actor=admin,
        data={"name": "Temple meals", "provider": "Wat Synthetic committee"},
        kinds=[kind("food")],
        villages=[case.family.village],
        partner_users=[cast["partner"]],
    )
    clinic = services.service_create(
        actor=admin,
        data={"name": "Health centre", "provider": "Commune health centre"},
        kinds=[kind("health")],
        partner_users=[other_partner],
    )
    consent = services.consent_record(
        actor=worker,
        case=case,
        given_by=mother,
        given_by_kind=Consent.GivenBy.CAREGIVER,
        information=["names", "age", "date_of_birth", "village", "phone", "need"],
        purpose="Meals for the children.",
        given_on=days_from_today(-5),
        how_explained="Explained at home in Khmer.",
        services=[temple],
    )
    intake = services.intake_record(
        actor=worker,
        data={
            "referrer_kind": Intake.ReferrerKind.COMMUNITY,
            "referrer_name": "Village chief",
            "family_name": "Synthetic Neighbours",
            "urgency": Intake.Urgency.URGENT,
            "description": "Three children alone at night.",
        },
        people=[
            services.IntakePersonData(
                relationship=Person.Relationship.CHILD,
                given_name_latin="Dara",
                approximate_age=9,
                is_child_of_concern=True,
            )
        ],
    )
    w = World(case, child, mother, temple, clinic, consent, intake, *([None] * 3))  # type: ignore[arg-type]
    w.draft = draft(w, worker, temple)
    sent = draft(w, worker, temple, shared_fields=["names", "age", "village"])
    w.sent = services.referral_send(actor=worker, referral=sent, expected_version=sent.version)
    far = draft(w, worker, clinic, help_kind=kind("health"), need="A check-up.")
    w.elsewhere = services.referral_send(
        actor=supervisor,
        referral=far,
        expected_version=far.version,
        override_reason="To protect the child: untreated injury.",
    )
    return w


def snapshot() -> dict[str, Any]:
    """Everything a refused or invalid call must leave exactly as it was."""
    return {
        "services": list(Service.objects.order_by("pk").values_list("pk", "version", "phone")),
        "intakes": list(Intake.objects.order_by("pk").values_list("pk", "version", "status")),
        "consents": list(Consent.objects.order_by("pk").values_list("pk", "withdrawn_on")),
        "referrals": list(
            OutgoingReferral.objects.order_by("pk").values_list(
                "pk", "version", "status", "follow_up_on", "shared_data"
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
STAFF = dict.fromkeys(ROLES, 200) | {"partner": 404, "anonymous": 401}
MANAGERS = dict.fromkeys(ROLES, 403) | {
    "supervisor": 200,
    "chair": 200,
    "admin": 200,
    "partner": 404,
    "anonymous": 401,
}
RECORDERS = dict.fromkeys(ROLES, 201) | {"admin": 403, "partner": 404, "anonymous": 401}
# The intake was recorded by `worker`; supervisors of a team screen every referral.
INTAKE_SEEN = dict.fromkeys(ROLES, 404) | {
    "worker": 200,
    "supervisor": 200,
    "chair": 200,
    "anonymous": 401,
}
SCREENERS = INTAKE_SEEN | {"worker": 403}
PARTNER = dict.fromkeys(ROLES, 404) | {"partner": 200, "anonymous": 401}


def writes(ok: int) -> dict[str, int]:
    """Allocated worker and supervisor may write; administrators only read (403)."""
    return {**READ, "worker": ok, "supervisor": ok, "admin": 403}


def acknowledged(w: World, cast: dict[str, User]) -> None:
    services.referral_acknowledge(actor=cast["partner"], referral=w.sent)


def accepted(w: World, cast: dict[str, User]) -> None:
    acknowledged(w, cast)
    services.referral_accept(actor=cast["partner"], referral=fresh(OutgoingReferral, w.sent.pk))


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


def partner_url(rest: str = "") -> Callable[[World], str]:
    return lambda w: f"/api/v1/partner/referrals/{w.sent.pk}/{rest}"


ENDPOINTS = [
    Endpoint("services", "get", lambda w: "/api/v1/services/", STAFF, on_case=False),
    Endpoint(
        "service add",
        "post",
        lambda w: "/api/v1/services/",
        {k: 201 if v == 200 else v for k, v in MANAGERS.items()},
        body=lambda w: {"name": "Legal aid clinic", "kinds": ["legal"]},
        event=Event.CREATE,
        on_case=False,
    ),
    Endpoint("service", "get", lambda w: f"/api/v1/services/{w.temple.pk}/", STAFF, on_case=False),
    Endpoint(
        "service edit",
        "patch",
        lambda w: f"/api/v1/services/{w.temple.pk}/",
        MANAGERS,
        body=lambda w: {"version": fresh(Service, w.temple.pk).version, "phone": "012 000 111"},
        event=Event.CHANGE,
        on_case=False,
    ),
    Endpoint("intake list", "get", lambda w: "/api/v1/intake/", STAFF, on_case=False),
    Endpoint(
        "intake record",
        "post",
        lambda w: "/api/v1/intake/",
        RECORDERS,
        body=lambda w: {
            "referrer_kind": "professional",
            "referrer_name": "Teacher Sophea",
            "urgency": "routine",
            "description": "Stopped coming to school.",
            "concerns": ["school_dropout"],
            "people": [
                {"relationship": "child", "given_name_latin": "Vannak", "is_child_of_concern": True}
            ],
        },
        event=Event.CREATE,
        on_case=False,
    ),
    Endpoint(
        "intake", "get", lambda w: f"/api/v1/intake/{w.intake.pk}/", INTAKE_SEEN, on_case=False
    ),
    Endpoint(
        "intake edit",
        "patch",
        lambda w: f"/api/v1/intake/{w.intake.pk}/",
        INTAKE_SEEN,
        body=lambda w: {"version": fresh(Intake, w.intake.pk).version, "urgency": "immediate"},
        event=Event.CHANGE,
        on_case=False,
    ),
    Endpoint(
        "intake matches",
        "get",
        lambda w: f"/api/v1/intake/{w.intake.pk}/matches/",
        SCREENERS,
        on_case=False,
    ),
    Endpoint(
        "intake screen",
        "post",
        lambda w: f"/api/v1/intake/{w.intake.pk}/screen/",
        SCREENERS,
        body=lambda w: {
            "version": fresh(Intake, w.intake.pk).version,
            "decision": "no_further_action",
            "reason": "The children are with their aunt.",
        },
        event=Event.CHANGE,
        on_case=False,
    ),
    Endpoint("consents", "get", lambda w: w.url("consents/"), READ),
    Endpoint(
        "consent record",
        "post",
        lambda w: w.url("consents/"),
        writes(201),
        body=lambda w: {
            "given_by": w.mother.pk,
            "given_by_kind": "caregiver",
            "kinds": ["education"],
            "information": ["names", "age", "school"],
            "purpose": "School support.",
            "given_on": timezone.localdate().isoformat(),
            "how_explained": "Explained at home.",
        },
        event=Event.CREATE,
    ),
    Endpoint(
        "consent withdraw",
        "post",
        lambda w: w.url(f"consents/{w.consent.pk}/withdraw/"),
        writes(200),
        body=lambda w: {"withdrawn_by": w.mother.pk, "note": "Changed her mind."},
        event=Event.WITHDRAW,
    ),
    Endpoint("referrals", "get", lambda w: w.url("referrals/"), READ),
    Endpoint(
        "referral draft",
        "post",
        lambda w: w.url("referrals/"),
        writes(201),
        body=lambda w: {
            "service": w.temple.pk,
            "help_kind": "food",
            "need": "Breakfast before school.",
            "children": [w.child.pk],
        },
        event=Event.CREATE,
    ),
    Endpoint("referral", "get", lambda w: w.url(f"referrals/{w.draft.pk}/"), READ),
    Endpoint(
        "referral edit",
        "patch",
        lambda w: w.url(f"referrals/{w.draft.pk}/"),
        writes(200),
        body=lambda w: {
            "version": fresh(OutgoingReferral, w.draft.pk).version,
            "follow_up_on": days_from_today(7).isoformat(),
        },
        event=Event.CHANGE,
    ),
    Endpoint(
        "referral send",
        "post",
        lambda w: w.url(f"referrals/{w.draft.pk}/send/"),
        writes(200),
        body=lambda w: {"version": fresh(OutgoingReferral, w.draft.pk).version},
        event=Event.SHARE,
    ),
    Endpoint(
        "referral withdraw",
        "post",
        lambda w: w.url(f"referrals/{w.sent.pk}/withdraw/"),
        writes(200),
        body=lambda w: {
            "version": fresh(OutgoingReferral, w.sent.pk).version,
            "reason": "The family moved away.",
        },
        event=Event.WITHDRAW,
    ),
    Endpoint(
        "referral follow-up",
        "post",
        lambda w: w.url(f"referrals/{w.sent.pk}/follow-up/"),
        writes(200),
        body=lambda w: {
            "version": fresh(OutgoingReferral, w.sent.pk).version,
            "follow_up_on": days_from_today(14).isoformat(),
        },
        event=Event.CHANGE,
    ),
    Endpoint(
        "partner referrals",
        "get",
        lambda w: "/api/v1/partner/referrals/",
        PARTNER,
        on_case=False,
    ),
    Endpoint("partner referral", "get", partner_url(), PARTNER),
    Endpoint(
        "partner acknowledge",
        "post",
        partner_url("acknowledge/"),
        PARTNER,
        body=lambda w: {},
        event=Event.CHANGE,
    ),
    Endpoint(
        "partner accept",
        "post",
        partner_url("accept/"),
        PARTNER,
        body=lambda w: {},
        event=Event.CHANGE,
        setup=acknowledged,
    ),
    Endpoint(
        "partner decline",
        "post",
        partner_url("decline/"),
        PARTNER,
        body=lambda w: {"reason": "No places left this month."},
        event=Event.CHANGE,
        setup=acknowledged,
    ),
    Endpoint(
        "partner complete",
        "post",
        partner_url("complete/"),
        PARTNER,
        body=lambda w: {"outcome": "Meals every day for three months."},
        event=Event.CHANGE,
        setup=accepted,
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.name for e in ENDPOINTS])
def test_every_endpoint_answers_each_of_the_cast(
    endpoint: Endpoint, role: str, world: World, cast: dict[str, User]
):
    if endpoint.setup is not None:
        endpoint.setup(world, cast)
    user = cast.get(role)
    client = client_for(user)
    body = endpoint.body(world) if endpoint.body else None
    before_state = snapshot()
    before = AuditEvent.objects.count()

    response = getattr(client, endpoint.method)(endpoint.url(world), body, format="json")

    expected = endpoint.expected[role]
    assert response.status_code == expected, response.content
    events = events_since(before)
    if expected == 401:
        assert response["WWW-Authenticate"].startswith("Token")
        assert events == []
    else:
        wanted = Event.REFUSED if expected in (403, 404) else endpoint.event
        assert [e.event for e in events] == [wanted]
        assert events[0].actor_id == user.pk  # type: ignore[union-attr]
        assert events[0].case_id == (world.case.pk if endpoint.on_case else None)
    if expected >= 400:
        assert snapshot() == before_state  # a refusal writes nothing
    elif endpoint.method != "get":
        assert snapshot() != before_state  # a write wrote


# --- Partners see only what was sent to them, and only what was shared ------------------------


@pytest.mark.django_db
def test_a_partner_reaches_no_case_no_draft_and_no_other_service(world: World, partner: User):
    client = client_for(partner)
    for url in (
        world.url(),
        world.url("referrals/"),
        world.url(f"referrals/{world.sent.pk}/"),
        world.url("consents/"),
        f"/api/v1/partner/referrals/{world.draft.pk}/",
        f"/api/v1/partner/referrals/{world.elsewhere.pk}/",
        f"/api/v1/partner/referrals/{world.draft.pk}/acknowledge/",
        f"/api/v1/partner/referrals/{world.elsewhere.pk}/acknowledge/",
    ):
        before = AuditEvent.objects.count()
        method = client.post if url.endswith("acknowledge/") else client.get
        response = method(url, {}, format="json")
        assert response.status_code == 404, url
        assert [e.event for e in events_since(before)] == [Event.REFUSED]
    listed = client.get("/api/v1/partner/referrals/").json()
    assert [row["id"] for row in listed["results"]] == [world.sent.pk]
    assert fresh(OutgoingReferral, world.elsewhere.pk).status == OutgoingReferral.Status.SENT


@pytest.mark.django_db
def test_the_partner_api_shows_exactly_the_shared_fields(world: World, partner: User):
    client = client_for(partner)
    chosen = {"names", "age", "village"}
    detail = client.get(f"/api/v1/partner/referrals/{world.sent.pk}/")
    listed = client.get("/api/v1/partner/referrals/")
    assert detail.status_code == listed.status_code == 200
    data = detail.json()
    assert {row["code"] for row in data["shared_fields"]} == chosen
    shown = {item["code"] for child in data["children"] for item in child} | {
        item["code"] for item in data["information"]
    }
    assert shown == chosen
    assert [item["code"] for item in data["children"][0]] == ["names", "age"]
    assert "case" not in data
    assert "case_id" not in data
    for text in (detail.content.decode(), listed.content.decode()):
        assert FAMILY_PHONE not in text
        assert CHILD_BIRTH not in text
        assert "2015" not in text
        assert world.case.reference not in text


# --- Consent through the API -------------------------------------------------------------------


def send_url(w: World, referral: OutgoingReferral) -> str:
    return w.url(f"referrals/{referral.pk}/send/")


@pytest.mark.django_db
def test_without_consent_a_worker_is_refused_and_nothing_is_written(
    world: World, cast: dict[str, User]
):
    referral = draft(world, cast["worker"], world.clinic, help_kind=kind("health"))
    detail = client_for(cast["worker"]).get(world.url(f"referrals/{referral.pk}/")).json()
    assert detail["consent_check"]["covered"] is False
    assert "No consent covers sharing with Health centre" in detail["consent_check"]["message"]
    assert {row["code"] for row in detail["preview"]["shared_fields"]} == set(
        referral.shared_fields
    )
    client = client_for(cast["worker"])
    before_state, shares = snapshot(), share_events().count()

    response = client.post(send_url(world, referral), {"version": referral.version}, format="json")

    assert response.status_code == 400
    (message,) = response.json()["consent"]
    assert "No consent covers sharing with Health centre" in message
    assert "ask a supervisor" in message
    assert snapshot() == before_state
    assert share_events().count() == shares
    # Nor may a worker override with a reason of their own.
    response = client.post(
        send_url(world, referral),
        {"version": referral.version, "override_reason": "I think it is best."},
        format="json",
    )
    assert response.status_code == 400
    assert snapshot() == before_state


@pytest.mark.django_db
def test_a_supervisor_overrides_only_with_a_reason_and_it_is_audited(
    world: World, cast: dict[str, User]
):
    referral = draft(world, cast["worker"], world.clinic, help_kind=kind("health"))
    client = client_for(cast["supervisor"])
    before_state, shares = snapshot(), share_events().count()
    response = client.post(send_url(world, referral), {"version": referral.version}, format="json")
    assert response.status_code == 400
    assert "best interests" in response.json()["override_reason"][0]
    assert snapshot() == before_state
    assert share_events().count() == shares

    reason = "To protect the child: the injury needs a doctor today."
    before = AuditEvent.objects.count()
    response = client.post(
        send_url(world, referral),
        {"version": referral.version, "override_reason": reason},
        format="json",
    )

    assert response.status_code == 200, response.content
    data = response.json()
    assert data["status"] == "sent"
    assert data["is_override"] is True
    assert data["override_reason"] == reason
    assert data["consent"] is None
    (event,) = events_since(before)
    assert event.event == Event.SHARE
    assert event.case_id == world.case.pk
    assert event.reason == reason
    assert event.additional_data["service"] == world.clinic.pk
    assert event.additional_data["service_name"] == "Health centre"
    assert event.additional_data["fields"] == referral.shared_fields
    assert event.additional_data["override"] is True
    assert event.additional_data["consent"] is None


@pytest.mark.django_db
def test_a_worker_sends_under_consent_with_one_share_event(world: World, cast: dict[str, User]):
    client = client_for(cast["worker"])
    before = AuditEvent.objects.count()
    response = client.post(
        send_url(world, world.draft), {"version": world.draft.version}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["consent"] == world.consent.pk
    (event,) = events_since(before)
    assert (event.event, event.additional_data["consent"]) == (Event.SHARE, world.consent.pk)
    assert event.additional_data["override"] is False


@pytest.mark.django_db
def test_withdrawn_consent_blocks_new_shares(world: World, cast: dict[str, User]):
    client = client_for(cast["worker"])
    response = client.post(
        world.url(f"consents/{world.consent.pk}/withdraw/"),
        {"withdrawn_by": world.mother.pk},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["in_force"] is False
    before_state = snapshot()
    response = client.post(
        send_url(world, world.draft), {"version": world.draft.version}, format="json"
    )
    assert response.status_code == 400
    assert "withdrawn" in response.json()["consent"][0]
    assert snapshot() == before_state


@pytest.mark.django_db
def test_expired_consent_blocks_new_shares(world: World, cast: dict[str, User]):
    worker = cast["worker"]
    services.consent_record(
        actor=worker,
        case=world.case,
        given_by=world.mother,
        given_by_kind=Consent.GivenBy.CAREGIVER,
        information=["names", "age", "village", "need"],
        purpose="A check-up.",
        given_on=days_from_today(-60),
        expires_on=days_from_today(-10),
        how_explained="Explained at the health centre.",
        services=[world.clinic],
    )
    referral = draft(
        world,
        worker,
        world.clinic,
        help_kind=kind("health"),
        shared_fields=["names", "age", "village", "need"],
    )
    before_state = snapshot()
    response = client_for(worker).post(
        send_url(world, referral), {"version": referral.version}, format="json"
    )
    assert response.status_code == 400
    assert "expired" in response.json()["consent"][0]
    assert snapshot() == before_state


# --- The lifecycle ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_draft_sent_acknowledged_accepted_completed(world: World, cast: dict[str, User]):
    worker, partner = client_for(cast["worker"]), client_for(cast["partner"])
    response = worker.post(
        world.url("referrals/"),
        {
            "service": world.temple.pk,
            "help_kind": "food",
            "need": "Lunch every day.",
            "children": [world.child.pk],
            "shared_fields": ["names", "age", "village"],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "draft"
    assert data["consent_check"]["covered"] is True
    pk = data["id"]
    response = worker.post(
        world.url(f"referrals/{pk}/send/"), {"version": data["version"]}, format="json"
    )
    assert response.json()["status"] == "sent"
    partner_base = f"/api/v1/partner/referrals/{pk}/"
    assert partner.post(partner_base + "accept/", {}, format="json").status_code == 400
    for step, body, status in (
        ("acknowledge/", {}, "acknowledged"),
        ("accept/", {}, "accepted"),
        ("complete/", {"outcome": "Fed for a term."}, "completed"),
    ):
        response = partner.post(partner_base + step, body, format="json")
        assert response.status_code == 200, response.content
        assert response.json()["status"] == status
    seen = worker.get(world.url(f"referrals/{pk}/")).json()
    assert (seen["status"], seen["outcome"]) == ("completed", "Fed for a term.")


@pytest.mark.django_db
def test_a_partner_declines_with_a_reason(world: World, cast: dict[str, User]):
    partner = client_for(cast["partner"])
    base = f"/api/v1/partner/referrals/{world.sent.pk}/"
    assert partner.post(base + "acknowledge/", {}, format="json").status_code == 200
    before_state = snapshot()
    response = partner.post(base + "decline/", {"reason": "   "}, format="json")
    assert response.status_code == 400
    assert snapshot() == before_state
    response = partner.post(base + "decline/", {"reason": "No places left."}, format="json")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["decline_reason"]) == (
        "declined",
        "No places left.",
    )
    seen = client_for(cast["worker"]).get(world.url(f"referrals/{world.sent.pk}/")).json()
    assert seen["status"] == "declined"


# --- Stale edits -------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    ["referral edit", "referral send", "referral follow-up", "service", "intake", "partner"],
)
def test_a_stale_edit_answers_409_and_writes_nothing(
    name: str, world: World, cast: dict[str, User]
):
    cases: dict[str, Any] = {
        "referral edit": (
            "worker",
            world.draft,
            "patch",
            world.url(f"referrals/{world.draft.pk}/"),
            {"need": "Dinner."},
        ),
        "referral send": ("worker", world.draft, "post", send_url(world, world.draft), {}),
        "referral follow-up": (
            "worker",
            world.sent,
            "post",
            world.url(f"referrals/{world.sent.pk}/follow-up/"),
            {"follow_up_on": None},
        ),
        "service": (
            "admin",
            world.temple,
            "patch",
            f"/api/v1/services/{world.temple.pk}/",
            {"phone": "1"},
        ),
        "intake": (
            "worker",
            world.intake,
            "patch",
            f"/api/v1/intake/{world.intake.pk}/",
            {"urgency": "routine"},
        ),
        "partner": (
            "partner",
            world.sent,
            "post",
            f"/api/v1/partner/referrals/{world.sent.pk}/acknowledge/",
            {},
        ),
    }
    user, record, method, url, body = cases[name]
    model = type(record)
    stale = fresh(model, record.pk).version
    model.objects.filter(pk=record.pk).update(version=stale + 1)  # somebody saved first
    client = client_for(cast[user])
    before_state, before = snapshot(), AuditEvent.objects.count()

    response = getattr(client, method)(url, {"version": stale, **body}, format="json")

    assert response.status_code == 409, response.content
    data = response.json()
    assert data["your_version"] == stale
    assert data["current"]["id"] == record.pk
    if name != "partner":
        assert data["current"]["version"] == stale + 1
    else:
        assert "version" not in data["current"]  # only partner_view, even here
    assert snapshot() == before_state
    (event,) = events_since(before)
    assert (event.event, event.object_pk) == (Event.STALE_EDIT, str(record.pk))


# --- Reads are audited once --------------------------------------------------------------------


@pytest.mark.django_db
def test_each_read_of_a_cases_referrals_is_audited_once(world: World, cast: dict[str, User]):
    client = client_for(cast["worker"])
    for url, obj in (
        (world.url("referrals/"), ""),
        (world.url(f"referrals/{world.draft.pk}/"), str(world.draft.pk)),
        (world.url(f"referrals/{world.sent.pk}/"), str(world.sent.pk)),
    ):
        before = AuditEvent.objects.count()
        response = client.get(url)
        assert response.status_code == 200
        (event,) = events_since(before)
        assert (event.event, event.case_id, event.object_pk) == (Event.VIEW, world.case.pk, obj)
        assert event.content_type.model == "outgoingreferral"
    listed = client.get(world.url("referrals/")).json()
    assert {row["id"] for row in listed["results"]} == {
        world.draft.pk,
        world.sent.pk,
        world.elsewhere.pk,
    }
    sent = client.get(world.url(f"referrals/{world.sent.pk}/")).json()
    assert sent["consent_check"] is None
    assert {row["code"] for row in sent["preview"]["shared_fields"]} == {"names", "age", "village"}


# --- Directory and intake ----------------------------------------------------------------------


@pytest.mark.django_db
def test_services_are_searched_by_need_village_and_words(world: World, cast: dict[str, User]):
    client = client_for(cast["worker"])

    def names(query: str) -> list[str]:
        response = client.get("/api/v1/services/" + query)
        assert response.status_code == 200, response.content
        return [row["name"] for row in response.json()["results"]]

    assert names("") == ["Health centre", "Temple meals"]
    assert names("?need=food") == ["Temple meals"]
    assert names(f"?village={world.case.family.village_id}") == ["Temple meals", "Health centre"]
    assert names("?q=wat") == ["Temple meals"]
    assert client.get("/api/v1/services/?need=nonsense").status_code == 400


@pytest.mark.django_db
def test_the_screening_queue_and_a_screening_that_opens_a_case(world: World, cast: dict[str, User]):
    supervisor = client_for(cast["supervisor"])
    queue = supervisor.get("/api/v1/intake/").json()
    assert [row["id"] for row in queue["results"]] == [world.intake.pk]
    assert queue["results"][0]["urgency"] == "urgent"
    assert queue["results"][0]["age_days"] == 0
    assert supervisor.get(f"/api/v1/intake/{world.intake.pk}/matches/").json() == []
    response = supervisor.post(
        f"/api/v1/intake/{world.intake.pk}/screen/",
        {
            "version": world.intake.version,
            "decision": "open_case",
            "reason": "Children alone at night.",
            "team": world.case.team_id,
            "worker": cast["worker"].pk,
            "tier": "crisis",
            "risk_level": "high",
            "village": None,
        },
        format="json",
    )
    assert response.status_code == 400  # `village` is not a screening field
    response = supervisor.post(
        f"/api/v1/intake/{world.intake.pk}/screen/",
        {
            "version": world.intake.version,
            "decision": "open_case",
            "reason": "Children alone at night.",
            "team": world.case.team_id,
            "worker": cast["worker"].pk,
            "tier": "crisis",
            "risk_level": "high",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "village" in response.json()  # the service: a new case needs the family's village
    assert fresh(Intake, world.intake.pk).is_awaiting


@pytest.mark.django_db
def test_the_schema_lists_the_referrals_api(cast: dict[str, User]):
    response = client_for(cast["worker"]).get("/api/schema/")
    assert response.status_code == 200
    schema = response.content.decode()
    for path in (
        "/api/v1/services/{service_id}/",
        "/api/v1/intake/{intake_id}/screen/",
        "/api/v1/cases/{case_id}/consents/{consent_id}/withdraw/",
        "/api/v1/cases/{case_id}/referrals/{referral_id}/send/",
        "/api/v1/partner/referrals/{referral_id}/complete/",
    ):
        assert f"{path}:" in schema
    for component in ("ReferralStatus:", "IntakeUrgency:", "ShareableField:"):
        assert component in schema
