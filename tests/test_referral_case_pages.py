"""Consent and outgoing referrals on a case's pages, seen by each of the cast.

Through the door for everything (a partner never reaches a case URL); one audit event per page
read; writes through the services, refusals change nothing; the consent check is the server's,
whatever the page offers; the letter and "what was shared" show only what was shared.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import formats, timezone

from casework.models import AuditEvent, Case, Person, Team, User
from casework.services import family_update
from casework.tests.factories import open_case
from referrals.models import Consent, HelpKind, OutgoingReferral, Service
from referrals.services import (
    consent_record,
    consent_withdraw,
    referral_draft,
    referral_send,
    referral_update,
    service_create,
)

pytestmark = pytest.mark.django_db

CAST = ["worker", "colleague", "supervisor", "outsider", "chair", "admin", "partner"]
READ = {"worker": 200, "supervisor": 200, "admin": 200}
CHANGE = {"worker": 200, "supervisor": 200, "admin": 403}
WRITE = {"worker": 302, "supervisor": 302, "admin": 403}
PHONE = "012 999 888"
Event = AuditEvent.Event


def expected(table: dict[str, int], who: str) -> int:
    return table.get(who, 404)


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


def new_events(before: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(pk__gt=before).order_by("pk"))


def kind(code: str) -> HelpKind:
    return HelpKind.objects.get(code=code)


def mother(case: Case) -> Person:
    return case.family.people.get(relationship=Person.Relationship.MOTHER)


def children(case: Case) -> list[Person]:
    return list(case.family.people.filter(relationship=Person.Relationship.CHILD).order_by("pk"))


def day_fields(name: str, day: datetime.date | None) -> dict[str, Any]:
    if day is None:
        return {f"{name}_0": "", f"{name}_1": "", f"{name}_2": ""}
    return {f"{name}_0": day.day, f"{name}_1": day.month, f"{name}_2": day.year}


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def state() -> tuple[Any, ...]:
    """Everything a refused write must leave as it was."""
    return (
        sorted(Consent.objects.values_list("pk", "withdrawn_on")),
        sorted(OutgoingReferral.objects.values_list("pk", "version", "status", "follow_up_on")),
        AuditEvent.objects.exclude(event__in=[Event.REFUSED, Event.VIEW, Event.LOGIN]).count(),
    )


# --- Fixtures (through the services) ------------------------------------------------------------


@pytest.fixture
def three(cast: dict[str, User], team_a: Team) -> Case:
    """Three siblings and their mother, allocated to `worker`, with the family's phone."""
    case = open_case(team=team_a, worker=cast["worker"], family_name="Siblings", children=3)
    family_update(
        actor=cast["worker"],
        case=case,
        family=case.family,
        expected_version=case.family.version,
        data={"phone": PHONE},
    )
    return Case.objects.get(pk=case.pk)


@pytest.fixture
def temple(cast: dict[str, User], three: Case) -> Service:
    """The temple's meals, received in Upstream by `partner`."""
    return service_create(
        actor=cast["admin"],
        data={"name": "Temple meals", "provider": "Wat Synthetic committee"},
        kinds=[kind("food")],
        villages=[three.family.village],
        partner_users=[cast["partner"]],
    )


@pytest.fixture
def school(cast: dict[str, User]) -> Service:
    """A commune scholarship that works on paper."""
    return service_create(
        actor=cast["admin"],
        data={"name": "Commune scholarship", "provider": "Commune council"},
        kinds=[kind("education")],
    )


def give_consent(case: Case, actor: User, **kwargs: Any) -> Consent:
    data: dict[str, Any] = {
        "given_by": mother(case),
        "given_by_kind": Consent.GivenBy.CAREGIVER,
        "information": ["names", "age", "village", "need"],
        "purpose": "Meals and school for the children.",
        "given_on": days(-5),
        "how_explained": "At home, in Khmer.",
        "kinds": [kind("food"), kind("education")],
    } | kwargs
    return consent_record(actor=actor, case=case, **data)


def make_draft(case: Case, actor: User, service: Service, **kwargs: Any) -> OutgoingReferral:
    data: dict[str, Any] = {
        "help_kind": kind("food"),
        "need": "A daily meal for the children.",
        "children": children(case),
        "shared_fields": ["names", "age", "village", "need"],
    } | kwargs
    return referral_draft(actor=actor, case=case, service=service, **data)


@pytest.fixture
def consent(three: Case, cast: dict[str, User]) -> Consent:
    return give_consent(three, cast["worker"])


@pytest.fixture
def draft(three: Case, cast: dict[str, User], temple: Service) -> OutgoingReferral:
    return make_draft(three, cast["worker"], temple)


@pytest.fixture
def sent(three: Case, cast: dict[str, User], school: Service, consent: Consent) -> OutgoingReferral:
    referral = make_draft(three, cast["worker"], school, help_kind=kind("education"))
    return referral_send(actor=cast["worker"], referral=referral, expected_version=referral.version)


# --- Posts -------------------------------------------------------------------------------------


def consent_post(case: Case, **changes: Any) -> dict[str, Any]:
    return {
        "given_by": mother(case).pk,
        "given_by_kind": "caregiver",
        "child_age": "",
        "understanding": "",
        "kinds": [kind("food").pk, kind("education").pk],
        "information": ["names", "age", "village"],
        "purpose": "Meals and school for the children.",
        "how_explained": "At home, in Khmer, with the grandmother.",
        **day_fields("given_on", timezone.localdate()),
        **day_fields("expires_on", days(365)),
    } | changes


def referral_post(case: Case, service: Service, **changes: Any) -> dict[str, Any]:
    return {
        "service": service.pk,
        "help_kind": service.kinds.get().pk,
        "need": "A daily meal for the three children.",
        "children": [c.pk for c in children(case)],
        "shared_fields": ["names", "age", "village"],
        "background": "",
        **day_fields("follow_up_on", days(14)),
    } | changes


# --- Who gets in -------------------------------------------------------------------------------


def pages(
    case: Case, consent: Consent, draft: OutgoingReferral, sent: OutgoingReferral
) -> dict[str, tuple[str, dict[str, int]]]:
    c = case.pk
    return {
        "consent_new": (reverse("consent_new", args=[c]), CHANGE),
        "consent_withdraw": (reverse("consent_withdraw", args=[c, consent.pk]), CHANGE),
        "referral_new": (reverse("referral_new", args=[c]), CHANGE),
        "referral_detail_draft": (reverse("referral_detail", args=[c, draft.pk]), READ),
        "referral_detail_sent": (reverse("referral_detail", args=[c, sent.pk]), READ),
        "referral_edit": (reverse("referral_edit", args=[c, draft.pk]), CHANGE),
        "referral_letter": (reverse("referral_letter", args=[c, sent.pk]), READ),
    }


# Not "page": that name is pytest-playwright's browser page, and asking for it would make the
# test a live-server one (a flushed database for every test after it).
@pytest.mark.parametrize(
    "screen",
    [
        "consent_new",
        "consent_withdraw",
        "referral_new",
        "referral_detail_draft",
        "referral_detail_sent",
        "referral_edit",
        "referral_letter",
    ],
)
@pytest.mark.parametrize("who", CAST)
def test_each_page_answers_the_cast_by_need_to_know_and_audits_once(
    screen: str,
    who: str,
    three: Case,
    cast: dict[str, User],
    consent: Consent,
    draft: OutgoingReferral,
    sent: OutgoingReferral,
) -> None:
    url, table = pages(three, consent, draft, sent)[screen]
    client = client_for(cast[who])
    before = last_event_pk()
    response = client.get(url)
    assert response.status_code == expected(table, who)
    events = new_events(before)
    assert len(events) == 1, [e.event for e in events]
    assert events[0].actor == cast[who]
    assert events[0].user_agent == "pytest-browser"
    if response.status_code == 200:
        assert events[0].case == three
        assert events[0].event == ("export" if screen == "referral_letter" else "view")
    else:
        assert events[0].event == "refused"
        assert three.reference not in body(response)
        assert "Siblings" not in body(response)


def writes(
    case: Case, consent: Consent, draft: OutgoingReferral, sent: OutgoingReferral, temple: Service
) -> dict[str, tuple[str, dict[str, Any]]]:
    c = case.pk
    return {
        "consent_new": (reverse("consent_new", args=[c]), consent_post(case)),
        "consent_withdraw": (
            reverse("consent_withdraw", args=[c, consent.pk]),
            {
                "withdrawn_by": mother(case).pk,
                "note": "Changed her mind",
                **day_fields("withdrawn_on", None),
            },
        ),
        "referral_new": (reverse("referral_new", args=[c]), referral_post(case, temple)),
        "referral_edit": (
            reverse("referral_edit", args=[c, draft.pk]),
            referral_post(case, temple, version=draft.version, need="Two meals a day"),
        ),
        "referral_send": (
            reverse("referral_send", args=[c, draft.pk]),
            {"version": draft.version, "override_reason": ""},
        ),
        "referral_follow_up": (
            reverse("referral_follow_up", args=[c, sent.pk]),
            {"version": sent.version, **day_fields("follow_up_on", days(30))},
        ),
        "referral_withdraw": (
            reverse("referral_withdraw", args=[c, sent.pk]),
            {"version": sent.version, "reason": "The family moved away."},
        ),
    }


WRITES = [
    "consent_new",
    "consent_withdraw",
    "referral_new",
    "referral_edit",
    "referral_send",
    "referral_follow_up",
    "referral_withdraw",
]


@pytest.mark.parametrize("view", WRITES)
@pytest.mark.parametrize("who", CAST)
def test_writes_need_change_permission_and_refusals_change_nothing(
    view: str,
    who: str,
    three: Case,
    cast: dict[str, User],
    consent: Consent,
    draft: OutgoingReferral,
    sent: OutgoingReferral,
    temple: Service,
) -> None:
    # The consent names food and education: it covers the temple's draft, so the send goes.
    url, data = writes(three, consent, draft, sent, temple)[view]
    before_state = state()
    client = client_for(cast[who])
    before = last_event_pk()
    response = client.post(url, data)
    assert response.status_code == expected(WRITE, who), body(response)[:3000]
    if response.status_code != 302:
        assert [e.event for e in new_events(before)] == ["refused"]
        assert state() == before_state


def test_anonymous_is_sent_to_log_in_everywhere(
    three: Case,
    consent: Consent,
    draft: OutgoingReferral,
    sent: OutgoingReferral,
    temple: Service,
) -> None:
    client = client_for(None)
    for url, _table in pages(three, consent, draft, sent).values():
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url
    before_state = state()
    for url, data in writes(three, consent, draft, sent, temple).values():
        response = client.post(url, data)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url
    assert state() == before_state


def test_a_referral_of_another_case_is_an_audited_404(
    three: Case, cast: dict[str, User], team_a: Team, sent: OutgoingReferral
) -> None:
    other = open_case(team=team_a, worker=cast["worker"])
    client = client_for(cast["worker"])
    for name in ("referral_detail", "referral_letter", "referral_edit"):
        before = last_event_pk()
        response = client.get(reverse(name, args=[other.pk, sent.pk]))
        assert response.status_code == 404
        assert [e.event for e in new_events(before)] == ["refused"]


def test_a_draft_has_no_letter(three: Case, cast: dict[str, User], draft: OutgoingReferral) -> None:
    response = client_for(cast["worker"]).get(reverse("referral_letter", args=[three.pk, draft.pk]))
    assert response.status_code == 404


# --- Consent through the pages -----------------------------------------------------------------


def test_the_worker_records_the_mothers_consent_for_food_and_education(
    three: Case, cast: dict[str, User]
) -> None:
    response = client_for(cast["worker"]).post(
        reverse("consent_new", args=[three.pk]), consent_post(three)
    )
    assert response.status_code == 302
    consent = Consent.objects.get(case=three)
    assert consent.given_by == mother(three)
    assert sorted(consent.kinds.values_list("code", flat=True)) == ["education", "food"]
    assert consent.information == ["names", "age", "village"]
    assert consent.expires_on == days(365)
    page = body(client_for(cast["worker"]).get(reverse("case_detail", args=[three.pk])))
    assert "Synthetic Siblings Mother" in page
    assert "In force" in page


def test_a_consent_the_service_refuses_shows_why_and_writes_nothing(
    three: Case, cast: dict[str, User]
) -> None:
    before_state = state()
    response = client_for(cast["worker"]).post(
        reverse("consent_new", args=[three.pk]),
        consent_post(three, kinds=[], services=[], **day_fields("expires_on", days(-3))),
    )
    assert response.status_code == 200
    page = body(response)
    assert "There is a problem" in page
    assert "Say who may receive the information" in page
    assert "The consent must end after the day it was given." in page
    assert state() == before_state


def test_a_childs_consent_needs_how_they_understood(three: Case, cast: dict[str, User]) -> None:
    child = children(three)[0]
    response = client_for(cast["worker"]).post(
        reverse("consent_new", args=[three.pk]),
        consent_post(three, given_by=child.pk, given_by_kind="child"),
    )
    assert response.status_code == 200
    assert "Note how the child showed they understood." in body(response)
    response = client_for(cast["worker"]).post(
        reverse("consent_new", args=[three.pk]),
        consent_post(
            three,
            given_by=child.pk,
            given_by_kind="child",
            understanding="She said the temple will know her name and give her lunch.",
        ),
    )
    assert response.status_code == 302
    assert Consent.objects.get(case=three).child_age == child.age_on(timezone.localdate())


def test_a_withdrawn_consent_blocks_the_send_through_the_pages(
    three: Case, cast: dict[str, User], consent: Consent, draft: OutgoingReferral
) -> None:
    client = client_for(cast["worker"])
    response = client.post(
        reverse("consent_withdraw", args=[three.pk, consent.pk]),
        {"withdrawn_by": mother(three).pk, "note": "", **day_fields("withdrawn_on", None)},
    )
    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.withdrawn_on == timezone.localdate()
    detail = body(client.get(reverse("referral_detail", args=[three.pk, draft.pk])))
    assert "was withdrawn on" in detail
    assert reverse("referral_send", args=[three.pk, draft.pk]) not in detail
    before_state = state()
    response = client.post(
        reverse("referral_send", args=[three.pk, draft.pk]), {"version": draft.version}
    )
    assert response.status_code == 200
    assert "was withdrawn on" in body(response)
    assert state() == before_state
    page = body(client.get(reverse("case_detail", args=[three.pk])))
    assert "Withdrawn" in page


def test_an_expired_consent_blocks_the_send(
    three: Case, cast: dict[str, User], temple: Service
) -> None:
    give_consent(three, cast["worker"], given_on=days(-30), expires_on=days(-1))
    draft = make_draft(three, cast["worker"], temple)
    client = client_for(cast["worker"])
    before_state = state()
    response = client.post(
        reverse("referral_send", args=[three.pk, draft.pk]), {"version": draft.version}
    )
    assert response.status_code == 200
    assert "expired on" in body(response)
    assert state() == before_state
    assert "Expired" in body(client.get(reverse("case_detail", args=[three.pk])))


# --- Referrals through the pages ---------------------------------------------------------------


def test_the_new_referral_page_prefills_the_service_and_ticks_need_to_know(
    three: Case, cast: dict[str, User], temple: Service, school: Service
) -> None:
    client = client_for(cast["worker"])
    page = body(client.get(reverse("referral_new", args=[three.pk]), {"service": temple.pk}))
    assert re.search(rf'<option value="{temple.pk}" selected>Temple meals', page)
    ticked = set(re.findall(r'name="shared_fields" value="(\w+)"[^>]*checked', page))
    assert ticked == {"names", "age", "village", "need"}
    assert "Need to know" in page
    # Searching by need narrows the services and ticks that kind's defaults.
    page = body(client.get(reverse("referral_new", args=[three.pk]), {"kind": "education"}))
    assert "Commune scholarship" in page
    assert "Temple meals" not in page
    ticked = set(re.findall(r'name="shared_fields" value="(\w+)"[^>]*checked', page))
    assert ticked == {"names", "age", "village", "school", "need"}


def test_the_worker_refers_three_children_to_the_temple_sharing_names_ages_and_village(
    three: Case, cast: dict[str, User], temple: Service, consent: Consent
) -> None:
    client = client_for(cast["worker"])
    response = client.post(reverse("referral_new", args=[three.pk]), referral_post(three, temple))
    assert response.status_code == 302
    referral = OutgoingReferral.objects.get(case=three)
    assert response["Location"] == reverse("referral_detail", args=[three.pk, referral.pk])
    assert referral.status == "draft"
    assert referral.shared_fields == ["names", "age", "village"]
    assert referral.children.count() == 3
    detail = body(client.get(response["Location"]))
    assert "Covered by the consent from Synthetic Siblings Mother" in detail
    assert "What will be shared" in detail
    response = client.post(
        reverse("referral_send", args=[three.pk, referral.pk]),
        {"version": referral.version, "override_reason": ""},
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == "sent"
    assert referral.consent == consent
    assert len(referral.shared_data["children"]) == 3


def test_a_referral_the_service_refuses_shows_why_and_writes_nothing(
    three: Case, cast: dict[str, User], temple: Service
) -> None:
    before_state = state()
    response = client_for(cast["worker"]).post(
        reverse("referral_new", args=[three.pk]),
        referral_post(three, temple, help_kind=kind("education").pk),
    )
    assert response.status_code == 200
    assert "Temple meals does not offer" in body(response)
    assert state() == before_state


def test_a_worker_without_consent_cannot_send_even_with_a_reason(
    three: Case, cast: dict[str, User], draft: OutgoingReferral
) -> None:
    client = client_for(cast["worker"])
    page = body(client.get(reverse("referral_detail", args=[three.pk, draft.pk])))
    assert "No consent covers sharing with Temple meals" in page
    assert "ask a supervisor" in page
    assert reverse("referral_send", args=[three.pk, draft.pk]) not in page
    assert "override_reason" not in page
    before_state = state()
    response = client.post(
        reverse("referral_send", args=[three.pk, draft.pk]),
        {"version": draft.version, "override_reason": "To protect the child."},
    )
    assert response.status_code == 200
    assert "The referral was not sent" in body(response)
    assert state() == before_state
    draft.refresh_from_db()
    assert draft.status == "draft"
    assert not draft.override_reason


def test_a_supervisor_sends_without_consent_only_with_a_reason(
    three: Case, cast: dict[str, User], draft: OutgoingReferral
) -> None:
    client = client_for(cast["supervisor"])
    page = body(client.get(reverse("referral_detail", args=[three.pk, draft.pk])))
    assert 'name="override_reason"' in page
    assert "required" in page.split('name="override_reason"')[1][:100]
    url = reverse("referral_send", args=[three.pk, draft.pk])
    before_state = state()
    response = client.post(url, {"version": draft.version, "override_reason": "  "})
    assert response.status_code == 200
    assert "write why it is in the child" in body(response)
    assert state() == before_state
    before = last_event_pk()
    response = client.post(
        url, {"version": draft.version, "override_reason": "The children are going hungry."}
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "sent"
    assert draft.consent is None
    assert draft.override_by == cast["supervisor"]
    shares = [e for e in new_events(before) if e.event == Event.SHARE]
    assert len(shares) == 1
    assert shares[0].reason == "The children are going hungry."
    assert shares[0].additional_data["override"] is True
    assert shares[0].case == three
    page = body(client.get(reverse("referral_detail", args=[three.pk, draft.pk])))
    assert "The children are going hungry." in page


def unshared_texts(case: Case) -> list[str]:
    texts = [PHONE]
    for child in children(case):
        assert child.date_of_birth is not None
        texts += [
            child.date_of_birth.isoformat(),
            str(formats.date_format(child.date_of_birth, "DATE_FORMAT")),
        ]
    return texts


def shared_section(page: str) -> str:
    start = page.index("data-shared")
    return page[start : page.index("</section>", start)]


def test_an_unshared_field_never_appears_in_the_letter_or_what_was_shared(
    three: Case, cast: dict[str, User], sent: OutgoingReferral
) -> None:
    client = client_for(cast["worker"])
    letter = body(client.get(reverse("referral_letter", args=[three.pk, sent.pk])))
    section = shared_section(body(client.get(reverse("referral_detail", args=[three.pk, sent.pk]))))
    for text in unshared_texts(three):
        assert text not in letter
        assert text not in section
    assert three.reference not in letter
    for child in children(three):
        assert child.given_name_latin in letter
        assert child.given_name_latin in section
    assert "Synthetic Agency" in letter
    assert "Acknowledgement by the receiving service" in letter
    assert 'class="site-header' not in letter


def test_what_was_shared_is_the_snapshot_not_the_record_today(
    three: Case, cast: dict[str, User], sent: OutgoingReferral
) -> None:
    child = children(three)[0]
    child.given_name_latin = "Renamed"
    child.save(update_fields=["given_name_latin"])
    client = client_for(cast["worker"])
    section = shared_section(body(client.get(reverse("referral_detail", args=[three.pk, sent.pk]))))
    letter = body(client.get(reverse("referral_letter", args=[three.pk, sent.pk])))
    assert "Renamed" not in section
    assert "Renamed" not in letter
    assert "Child1" in section
    assert "Child1" in letter


def test_the_letter_is_an_export_on_the_cases_trail(
    three: Case, cast: dict[str, User], sent: OutgoingReferral
) -> None:
    client = client_for(cast["supervisor"])
    before = last_event_pk()
    client.get(reverse("referral_letter", args=[three.pk, sent.pk]))
    [event] = new_events(before)
    assert event.event == Event.EXPORT
    assert event.case == three
    assert event.additional_data["fields"] == ["names", "age", "village", "need"]


def test_follow_up_and_withdrawal_from_the_referral_page(
    three: Case, cast: dict[str, User], sent: OutgoingReferral
) -> None:
    client = client_for(cast["worker"])
    url = reverse("referral_follow_up", args=[three.pk, sent.pk])
    response = client.post(url, {"version": sent.version, **day_fields("follow_up_on", days(-2))})
    assert response.status_code == 200
    assert "The follow-up date is in the past." in body(response)
    response = client.post(url, {"version": sent.version, **day_fields("follow_up_on", days(7))})
    assert response.status_code == 302
    sent.refresh_from_db()
    assert sent.follow_up_on == days(7)
    url = reverse("referral_withdraw", args=[three.pk, sent.pk])
    response = client.post(url, {"version": sent.version, "reason": ""})
    assert response.status_code == 200
    assert "There is a problem" in body(response)
    response = client.post(url, {"version": sent.version, "reason": "The family moved."})
    assert response.status_code == 302
    sent.refresh_from_db()
    assert sent.status == "withdrawn"
    page = body(client.get(reverse("referral_detail", args=[three.pk, sent.pk])))
    assert "The family moved." in page
    assert reverse("referral_withdraw", args=[three.pk, sent.pk]) not in page


def test_administrators_see_no_buttons_to_change(
    three: Case, cast: dict[str, User], draft: OutgoingReferral, consent: Consent
) -> None:
    client = client_for(cast["admin"])
    page = body(client.get(reverse("case_detail", args=[three.pk])))
    assert reverse("referral_detail", args=[three.pk, draft.pk]) in page
    assert reverse("consent_new", args=[three.pk]) not in page
    assert reverse("referral_new", args=[three.pk]) not in page
    assert reverse("consent_withdraw", args=[three.pk, consent.pk]) not in page
    page = body(client.get(reverse("referral_detail", args=[three.pk, draft.pk])))
    assert reverse("referral_send", args=[three.pk, draft.pk]) not in page
    assert reverse("referral_edit", args=[three.pk, draft.pk]) not in page


# --- No lost updates -----------------------------------------------------------------------------


def test_a_stale_draft_edit_shows_both_versions_and_changes_nothing(
    three: Case, cast: dict[str, User], draft: OutgoingReferral, temple: Service
) -> None:
    referral_update(
        actor=cast["supervisor"],
        referral=draft,
        expected_version=draft.version,
        data={"need": "Breakfast before school"},
    )
    before_state = state()
    client = client_for(cast["worker"])
    before = last_event_pk()
    response = client.post(
        reverse("referral_edit", args=[three.pk, draft.pk]),
        referral_post(three, temple, version=draft.version, need="Lunch at the temple"),
    )
    assert response.status_code == 409
    page = body(response)
    assert "Breakfast before school" in page
    assert "Lunch at the temple" in page
    assert [e.event for e in new_events(before)] == ["stale_edit"]
    assert state()[:2] == before_state[:2]


def test_a_stale_send_is_a_conflict_and_sends_nothing(
    three: Case, cast: dict[str, User], draft: OutgoingReferral, consent: Consent
) -> None:
    referral_update(
        actor=cast["supervisor"],
        referral=draft,
        expected_version=draft.version,
        data={"shared_fields": ["names", "age", "village", "need"]},
    )
    before_state = state()
    response = client_for(cast["worker"]).post(
        reverse("referral_send", args=[three.pk, draft.pk]), {"version": draft.version}
    )
    assert response.status_code == 409
    assert "Someone changed this referral" in body(response)
    assert state()[:2] == before_state[:2]
    draft.refresh_from_db()
    assert draft.status == "draft"


# --- Queries -------------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 6])
def test_the_case_page_panel_takes_the_same_queries_however_many_referrals(
    count: int,
    three: Case,
    cast: dict[str, User],
    temple: Service,
    school: Service,
    django_assert_max_num_queries: Callable[..., Any],
) -> None:
    worker = cast["worker"]
    for index in range(count):
        give_consent(three, worker, given_on=days(-index - 1))
        if index % 2:
            make_draft(three, worker, temple)
        else:
            make_draft(three, worker, school, help_kind=kind("education"))
    first = Consent.objects.filter(case=three).order_by("pk").first()
    assert first is not None
    consent_withdraw(actor=worker, consent=first, withdrawn_by=mother(three))
    client = client_for(worker)
    client.get(reverse("case_detail", args=[three.pk]))
    # The panel: consents, their services and kinds (prefetched), referrals.
    with django_assert_max_num_queries(18):
        response = client.get(reverse("case_detail", args=[three.pk]))
    assert body(response).count("data-referral=") == count


@pytest.mark.parametrize("sent_first", [False, True])
def test_the_referral_page_takes_a_fixed_number_of_queries(
    sent_first: bool,
    three: Case,
    cast: dict[str, User],
    temple: Service,
    django_assert_max_num_queries: Callable[..., Any],
) -> None:
    worker = cast["worker"]
    for index in range(5):
        give_consent(three, worker, given_on=days(-index - 1), kinds=[kind("education")])
    referral = make_draft(three, worker, temple, shared_fields=["names", "caregivers", "concerns"])
    if sent_first:
        referral = referral_send(
            actor=cast["supervisor"],
            referral=referral,
            expected_version=referral.version,
            override_reason="To protect the children.",
        )
    client = client_for(worker)
    url = reverse("referral_detail", args=[three.pk, referral.pk])
    client.get(url)
    with django_assert_max_num_queries(14):
        response = client.get(url)
    assert response.status_code == 200
