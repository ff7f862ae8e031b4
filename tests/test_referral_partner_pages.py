"""The partners' portal: a partner sees only the referrals sent to their service, and of each
only what was shared; everybody else finds no portal, and partners find no staff page."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from casework.models import AuditEvent, Case, Family, Organisation, Person, User
from casework.tests.factories import UserFactory
from referrals import sharing
from referrals.models import HelpKind, OutgoingReferral, Service
from referrals.services import (
    consent_record,
    referral_acknowledge,
    referral_draft,
    referral_send,
    service_create,
)

pytestmark = pytest.mark.django_db

CAST = ["worker", "colleague", "supervisor", "outsider", "chair", "admin", "partner"]
PHONE = "097 555 1234"
# Shared: names, age and village only.
SHARED = ["names", "age", "village"]


def client_for(user: User | None) -> Client:
    client = Client(HTTP_USER_AGENT="pytest-browser")
    if user is not None:
        client.force_login(user)
    return client


def body(response: Any) -> str:
    return str(response.content.decode())


def last_event_pk() -> int:
    last = AuditEvent.objects.order_by("-pk").first()
    return last.pk if last else 0


def new_events(before: int) -> list[str]:
    return list(
        AuditEvent.objects.filter(pk__gt=before).order_by("pk").values_list("event", flat=True)
    )


def kind(code: str) -> HelpKind:
    return HelpKind.objects.get(code=code)


@pytest.fixture
def other_partner(partner_organisation: Organisation) -> User:
    return UserFactory.create(
        username="other-partner", organisation=partner_organisation, role=User.Role.PARTNER
    )


@pytest.fixture
def temple(cast: dict[str, User], case: Case) -> Service:
    return service_create(
        actor=cast["admin"],
        data={"name": "Temple meals", "provider": "Wat Synthetic"},
        kinds=[kind("food")],
        partner_users=[cast["partner"]],
    )


@pytest.fixture
def clinic(cast: dict[str, User], other_partner: User) -> Service:
    return service_create(
        actor=cast["admin"],
        data={"name": "Health centre"},
        kinds=[kind("health")],
        partner_users=[other_partner],
    )


def send_to(case: Case, worker: User, service: Service, *, send: bool = True) -> OutgoingReferral:
    mother = case.family.people.get(relationship=Person.Relationship.MOTHER)
    consent_record(
        actor=worker,
        case=case,
        given_by=mother,
        given_by_kind="caregiver",
        information=sharing.FIELD_CODES,
        purpose="Meals for the children.",
        given_on=timezone.localdate() - datetime.timedelta(days=3),
        how_explained="Explained at home in Khmer.",
        services=[service],
    )
    referral = referral_draft(
        actor=worker,
        case=case,
        service=service,
        help_kind=service.kinds.get(),
        need="A daily meal.",
        children=list(case.children.all()),
        shared_fields=SHARED,
    )
    if not send:
        return referral
    return referral_send(actor=worker, referral=referral, expected_version=referral.version)


@pytest.fixture
def referral(cast: dict[str, User], case: Case, temple: Service) -> OutgoingReferral:
    Family.objects.filter(pk=case.family_id).update(phone=PHONE)
    return send_to(case, cast["worker"], temple)


# --- Every URL, everybody ------------------------------------------------------------------------


def test_the_portal_requires_login(referral: OutgoingReferral) -> None:
    client = client_for(None)
    for url in (
        reverse("partner_referral_list"),
        reverse("partner_referral_detail", args=[referral.pk]),
    ):
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("who", CAST)
@pytest.mark.parametrize("screen", ["list", "detail"])
def test_permission_matrix(
    who: str, screen: str, cast: dict[str, User], referral: OutgoingReferral
) -> None:
    url = (
        reverse("partner_referral_list")
        if screen == "list"
        else reverse("partner_referral_detail", args=[referral.pk])
    )
    client = client_for(cast[who])
    before = last_event_pk()
    response = client.get(url)
    status = 200 if who == "partner" else 404
    assert response.status_code == status
    assert new_events(before) == ["view" if status == 200 else "refused"]


def test_another_services_partner_gets_404(
    cast: dict[str, User], referral: OutgoingReferral, other_partner: User, clinic: Service
) -> None:
    client = client_for(other_partner)
    before = last_event_pk()
    response = client.get(reverse("partner_referral_detail", args=[referral.pk]))
    assert response.status_code == 404
    assert new_events(before) == ["refused"]
    assert AuditEvent.objects.get(pk__gt=before).case_id == referral.case_id
    page = body(client.get(reverse("partner_referral_list")))
    assert reverse("partner_referral_detail", args=[referral.pk]) not in page
    response = client.post(
        reverse("partner_referral_detail", args=[referral.pk]),
        {"version": str(referral.version), "action": "acknowledge"},
    )
    assert response.status_code == 404
    referral.refresh_from_db()
    assert referral.status == "sent"


def test_a_draft_is_invisible(cast: dict[str, User], case: Case, temple: Service) -> None:
    draft = send_to(case, cast["worker"], temple, send=False)
    client = client_for(cast["partner"])
    assert client.get(reverse("partner_referral_detail", args=[draft.pk])).status_code == 404
    page = body(client.get(reverse("partner_referral_list")))
    assert "No referral has been sent to your service yet." in page


def test_a_partner_finds_no_staff_page(
    cast: dict[str, User], case: Case, referral: OutgoingReferral, temple: Service
) -> None:
    client = client_for(cast["partner"])
    for url in (
        reverse("intake_queue"),
        reverse("intake_new"),
        reverse("service_list"),
        reverse("service_new"),
        reverse("service_detail", args=[temple.pk]),
        reverse("service_edit", args=[temple.pk]),
        reverse("case_detail", args=[case.pk]),
        reverse("case_reviews", args=[case.pk]),
    ):
        assert client.get(url).status_code == 404, url


# --- Only what was shared ------------------------------------------------------------------------


def test_the_partner_sees_exactly_the_shared_fields(
    cast: dict[str, User], case: Case, referral: OutgoingReferral
) -> None:
    child = case.children.get()
    assert child.date_of_birth is not None
    client = client_for(cast["partner"])
    for url in (
        reverse("partner_referral_list"),
        reverse("partner_referral_detail", args=[referral.pk]),
    ):
        page = body(client.get(url))
        assert PHONE not in page
        assert child.date_of_birth.isoformat() not in page
        assert child.date_of_birth.strftime("%-d %b %Y") not in page
        assert case.reference not in page
        assert reverse("case_detail", args=[case.pk]) not in page
        assert "A daily meal." not in page  # the need was not shared
    detail = body(client.get(reverse("partner_referral_detail", args=[referral.pk])))
    assert child.name_latin in detail
    assert case.family.village.name in detail
    assert 'data-shared="names"' in detail
    assert 'data-shared="age"' in detail
    assert 'data-shared="date_of_birth"' not in detail
    assert 'data-shared="phone"' not in detail


# --- Acting on a referral ------------------------------------------------------------------------


def act(client: Client, referral: OutgoingReferral, action: str, **extra: str) -> Any:
    referral.refresh_from_db()
    return client.post(
        reverse("partner_referral_detail", args=[referral.pk]),
        {"version": str(referral.version), "action": action, **extra},
    )


def test_the_partner_acknowledges_accepts_and_completes(
    cast: dict[str, User], referral: OutgoingReferral
) -> None:
    client = client_for(cast["partner"])
    page = body(client.get(reverse("partner_referral_detail", args=[referral.pk])))
    assert "Acknowledge receipt" in page
    assert "Accept the referral" not in page
    assert act(client, referral, "acknowledge").status_code == 302
    page = body(client.get(reverse("partner_referral_detail", args=[referral.pk])))
    assert "Accept the referral" in page
    assert "Decline the referral" in page
    before = last_event_pk()
    assert act(client, referral, "accept").status_code == 302
    assert new_events(before) == ["change"]
    referral.refresh_from_db()
    assert referral.status == "accepted"
    response = act(client, referral, "complete", outcome="")
    assert response.status_code == 200
    assert "Record the outcome for the child." in body(response)
    assert act(client, referral, "complete", outcome="Eats at the temple daily.").status_code == 302
    referral.refresh_from_db()
    assert (referral.status, referral.outcome) == ("completed", "Eats at the temple daily.")


def test_declining_needs_a_reason(cast: dict[str, User], referral: OutgoingReferral) -> None:
    client = client_for(cast["partner"])
    act(client, referral, "acknowledge")
    before = last_event_pk()
    response = act(client, referral, "decline", decline_reason="")
    assert response.status_code == 200
    assert "Say why the service declines the referral." in body(response)
    assert new_events(before) == []
    assert act(client, referral, "decline", decline_reason="Full this month.").status_code == 302
    referral.refresh_from_db()
    assert (referral.status, referral.decline_reason) == ("declined", "Full this month.")


def test_accepting_before_acknowledging_is_refused(
    cast: dict[str, User], referral: OutgoingReferral
) -> None:
    response = act(client_for(cast["partner"]), referral, "accept")
    assert response.status_code == 200
    assert "Acknowledge the referral before accepting it." in body(response)
    referral.refresh_from_db()
    assert referral.status == "sent"


def test_a_stale_action_is_a_409_that_changes_nothing(
    cast: dict[str, User], referral: OutgoingReferral, temple: Service
) -> None:
    second = UserFactory.create(
        username="partner-two",
        organisation=cast["partner"].organisation,
        role=User.Role.PARTNER,
    )
    temple.partner_users.add(second)
    stale_version = referral.version
    referral_acknowledge(actor=second, referral=referral, expected_version=stale_version)
    client = client_for(cast["partner"])
    before = last_event_pk()
    response = client.post(
        reverse("partner_referral_detail", args=[referral.pk]),
        {"version": str(stale_version), "action": "acknowledge"},
    )
    assert response.status_code == 409
    assert "Someone else saved this record" in body(response)
    assert new_events(before) == ["stale_edit"]
    referral.refresh_from_db()
    assert (referral.status, referral.version) == ("acknowledged", stale_version + 1)


@pytest.mark.parametrize("count", [1, 8])
def test_the_list_takes_the_same_queries_however_many(
    count: int,
    cast: dict[str, User],
    case: Case,
    temple: Service,
    django_assert_max_num_queries: Callable[..., Any],
) -> None:
    for _ in range(count):
        send_to(case, cast["worker"], temple)
    client = client_for(cast["partner"])
    client.get(reverse("partner_referral_list"))
    with django_assert_max_num_queries(8):
        response = client.get(reverse("partner_referral_list"))
    assert body(response).count('class="partner-row card') == count
