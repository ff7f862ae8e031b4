"""Referrals through their services and selectors: what a worker, a supervisor and a partner notice.

Intake arrives, waits in a queue by urgency and age, is matched against families on record
(only as far as the screener may see them) and screened once, with a reason, to a new case,
an existing case (re-opened if closed), no further action or a service. The directory is an
organisation's own. Information leaves only under a consent that covers the recipient, the
purpose, every field and the day — or on a supervisor's written best-interests reason — as a
snapshot of exactly the chosen fields for exactly the chosen children, with one audit event.
Partners see only what was sent to their own service, and move it along its lifecycle.
Every refusal writes nothing.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from casework.access import cases_visible_to
from casework.models import (
    AuditEvent,
    Case,
    ConcernCategory,
    Family,
    Organisation,
    Person,
    Team,
    User,
    Village,
)
from casework.services import (
    CaseData,
    PersonData,
    StaleEdit,
    case_open,
    case_transition,
    family_update,
    person_add,
    team_sync_groups,
)
from casework.tests.factories import OrganisationFactory, UserFactory, VillageFactory, open_case
from referrals import sharing
from referrals.kinds import DEFAULT_HELP_KINDS, ensure_default_help_kinds
from referrals.models import (
    Consent,
    HelpKind,
    Intake,
    IntakePerson,
    IntakeWorker,
    OutgoingReferral,
    Service,
)
from referrals.selectors import (
    consent_check,
    consent_covering,
    get_intake_for,
    get_referral_for_partner,
    intake_matches,
    intake_queue,
    may_screen,
    partner_view,
    referrals_for_case,
    referrals_for_partner,
    services_search,
)
from referrals.services import (
    IntakePersonData,
    consent_record,
    consent_withdraw,
    intake_record,
    intake_screen,
    intake_update,
    intake_worker_add,
    intake_worker_remove,
    referral_accept,
    referral_acknowledge,
    referral_complete,
    referral_decline,
    referral_draft,
    referral_follow_up_set,
    referral_send,
    referral_update,
    referral_withdraw,
    service_create,
    service_update,
)
from tests.mfa_sessions import sign_in_verified

ROWS = (Service, Intake, IntakePerson, IntakeWorker, Consent, OutgoingReferral, Case, Person)
Event = AuditEvent.Event


def rows() -> dict[str, Any]:
    counts: dict[str, Any] = {model.__name__: model._default_manager.count() for model in ROWS}
    counts["events"] = AuditEvent.objects.exclude(event=Event.REFUSED).count()
    counts["referrals"] = sorted(OutgoingReferral.objects.values_list("pk", "version", "status"))
    counts["intakes"] = sorted(Intake.objects.values_list("pk", "version", "status"))
    counts["consents"] = sorted(Consent.objects.values_list("pk", "withdrawn_on"))
    counts["services"] = sorted(Service.objects.values_list("pk", "version"))
    counts["cases"] = sorted(Case.objects.values_list("pk", "version", "phase"))
    counts["case_concerns"] = Case.concerns.through.objects.count()
    return counts


@contextmanager
def refused(
    error: type[Exception] = ValidationError, match: str | None = None
) -> Iterator[pytest.ExceptionInfo[Any]]:
    """The service refuses, and not one row of anything is written or changed."""
    before = rows()
    with pytest.raises(error, match=match) as info:
        yield info
    assert rows() == before


def days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


def years_ago(years: int) -> datetime.date:
    today = timezone.localdate()
    return today.replace(year=today.year - years, day=min(today.day, 28))


def kind(code: str) -> HelpKind:
    return HelpKind.objects.get(code=code)


def concern(code: str) -> ConcernCategory:
    return ConcernCategory.objects.get(code=code)


def child(case: Case) -> Person:
    return case.children.order_by("pk").first()  # type: ignore[return-value]


def mother(case: Case) -> Person:
    return case.family.people.get(relationship=Person.Relationship.MOTHER)


def share_events(referral: OutgoingReferral) -> Any:
    return AuditEvent.objects.filter(
        event=Event.SHARE, content_type__model="outgoingreferral", object_pk=str(referral.pk)
    )


# --- Fixtures ------------------------------------------------------------------------------------


@pytest.fixture
def other_partner(partner_organisation: Organisation) -> User:
    return UserFactory.create(
        username="other-partner", organisation=partner_organisation, role=User.Role.PARTNER
    )


@pytest.fixture
def temple(admin_user: User, partner: User, case: Case) -> Service:
    """Meals at the temple, received in Upstream by `partner`, covering the case's village."""
    return service_create(
        actor=admin_user,
        data={
            "name": "Temple meals",
            "provider": "Wat Synthetic committee",
            "eligibility": "Any family in need.",
        },
        kinds=[kind("food")],
        villages=[case.family.village],
        partner_users=[partner],
    )


@pytest.fixture
def clinic(admin_user: User, other_partner: User) -> Service:
    """A health centre (also psychosocial support), received by another partner account."""
    return service_create(
        actor=admin_user,
        data={"name": "Health centre", "provider": "Commune health centre"},
        kinds=[kind("health"), kind("psychosocial")],
        partner_users=[other_partner],
    )


@pytest.fixture
def school(admin_user: User) -> Service:
    """A commune scholarship, on paper (no partner accounts)."""
    return service_create(
        actor=admin_user,
        data={"name": "Commune scholarship", "provider": "Commune council"},
        kinds=[kind("education")],
    )


@pytest.fixture
def elsewhere(db: None) -> dict[str, Any]:
    """Another organisation, with its team, supervisor, worker, a case, a service, a referral."""
    organisation = OrganisationFactory.create(name="Other Synthetic Agency")
    team = Team.objects.create(name="Far team", organisation=organisation)
    boss = UserFactory.create(
        username="far-supervisor", organisation=organisation, role=User.Role.SUPERVISOR
    )
    worker = UserFactory.create(username="far-worker", organisation=organisation)
    admin = UserFactory.create(
        username="far-admin", organisation=organisation, role=User.Role.ADMINISTRATOR
    )
    team.members.add(worker)
    team.supervisors.add(boss)
    team_sync_groups(team=team)
    return {
        "organisation": organisation,
        "team": team,
        "supervisor": boss,
        "worker": worker,
        "admin": admin,
    }


def consent(
    case: Case,
    actor: User,
    *,
    services: list[Service] | None = None,
    kinds: list[HelpKind] | None = None,
    information: list[str] | None = None,
    **kwargs: Any,
) -> Consent:
    data: dict[str, Any] = {
        "given_by": mother(case),
        "given_by_kind": Consent.GivenBy.CAREGIVER,
        "purpose": "Meals for the children while the family is without income.",
        "given_on": days_ago(5),
        "how_explained": "Explained at home in Khmer, with the grandmother present.",
    } | kwargs
    return consent_record(
        actor=actor,
        case=case,
        services=services or [],
        kinds=kinds or [],
        information=information if information is not None else sharing.FIELD_CODES,
        **data,
    )


def draft(case: Case, actor: User, service: Service, **kwargs: Any) -> OutgoingReferral:
    data: dict[str, Any] = {
        "help_kind": service.kinds.order_by("order").first(),
        "need": "A daily meal for the child.",
        "children": [child(case)],
    } | kwargs
    return referral_draft(actor=actor, case=case, service=service, **data)


def send(referral: OutgoingReferral, actor: User, **kwargs: Any) -> OutgoingReferral:
    return referral_send(
        actor=actor, referral=referral, expected_version=referral.version, **kwargs
    )


def sent(case: Case, worker: User, service: Service, **kwargs: Any) -> OutgoingReferral:
    """A referral sent under a consent naming the service for everything."""
    consent(case, worker, services=[service])
    return send(draft(case, worker, service, **kwargs), worker)


# --- Kinds of help and the catalogue -------------------------------------------------------------


def test_the_kinds_of_help_are_seeded_in_both_languages(db):
    codes = list(HelpKind.objects.values_list("code", flat=True))
    assert codes == [code for code, *_ in DEFAULT_HELP_KINDS]
    from django.utils import translation

    with translation.override("km"):
        assert kind("food").label == "អាហារ"
        assert kind("alternative_care").label == "ការថែទាំជំនួស"
    with translation.override("en"):
        assert kind("legal").label == "Legal aid"
    # Seeding again after an administrator's rename changes nothing.
    HelpKind.objects.filter(code="food").update(name="Meals")
    ensure_default_help_kinds(HelpKind)
    assert kind("food").name == "Meals"
    assert HelpKind.objects.count() == len(DEFAULT_HELP_KINDS)


def test_a_school_gets_less_than_a_foster_carer():
    assert sharing.default_fields("food") == ["names", "age", "village", "need"]
    assert sharing.default_fields("education") == ["names", "age", "village", "school", "need"]
    assert "phone" not in sharing.default_fields("education")
    assert "date_of_birth" in sharing.default_fields("health")
    assert "background" in sharing.default_fields("legal")
    assert "names" not in sharing.default_fields("livelihood")
    assert sharing.default_fields("alternative_care") == list(sharing.FIELD_CODES)
    assert sharing.default_fields("a_kind_added_later") == ["names", "age", "village", "need"]
    for codes in sharing.DEFAULT_FIELDS.values():
        assert set(codes) <= set(sharing.FIELD_CODES)


# --- The service directory -----------------------------------------------------------------------


def test_an_administrator_adds_a_service_that_receives_in_upstream(temple, admin_user, partner):
    assert temple.directory_of == admin_user.organisation
    assert temple.receives_in_upstream
    assert list(temple.partner_users.all()) == [partner]
    assert list(temple.kinds.values_list("code", flat=True)) == ["food"]
    event = AuditEvent.objects.get(event=Event.CREATE, content_type__model="service")
    assert event.actor == admin_user
    assert event.case is None


def test_a_service_without_partner_accounts_works_on_paper(school, supervisor):
    assert not school.receives_in_upstream
    by_supervisor = service_create(
        actor=supervisor, data={"name": "Legal aid clinic"}, kinds=[kind("legal")]
    )
    assert by_supervisor.directory_of == supervisor.organisation


@pytest.mark.parametrize("login", ["worker", "partner"])
def test_only_administrators_and_supervisors_keep_the_directory(cast, login):
    with refused(PermissionDenied):
        service_create(actor=cast[login], data={"name": "Meals"}, kinds=[kind("food")])


def test_a_service_needs_a_name_a_kind_and_partner_accounts_only(admin_user, worker, partner):
    with refused(match="Name the service"):
        service_create(actor=admin_user, data={"name": "  "}, kinds=[kind("food")])
    with refused(match="at least one kind"):
        service_create(actor=admin_user, data={"name": "Meals"}, kinds=[])
    with refused(match="not an active partner account"):
        service_create(
            actor=admin_user, data={"name": "Meals"}, kinds=[kind("food")], partner_users=[worker]
        )
    partner.is_active = False
    partner.save()
    with refused(match="not an active partner account"):
        service_create(
            actor=admin_user, data={"name": "Meals"}, kinds=[kind("food")], partner_users=[partner]
        )
    HelpKind.objects.filter(code="shelter").update(is_active=False)
    with refused(match="No longer in use"):
        service_create(actor=admin_user, data={"name": "Beds"}, kinds=[kind("shelter")])
    with refused(match="cannot be changed here"):
        service_create(actor=admin_user, data={"name": "Meals", "version": 4}, kinds=[kind("food")])


def test_a_service_update_checks_the_version_and_is_audited(temple, admin_user, other_partner):
    updated = service_update(
        actor=admin_user,
        service=temple,
        expected_version=temple.version,
        data={"phone": "012 000 111"},
        partner_users=[other_partner],
    )
    assert updated.version == temple.version + 1
    assert updated.phone == "012 000 111"
    assert list(updated.partner_users.all()) == [other_partner]
    event = AuditEvent.objects.get(event=Event.CHANGE, content_type__model="service")
    assert event.changes["phone"] == ["", "012 000 111"]
    assert "partner_users" in event.changes
    with refused(StaleEdit):
        service_update(
            actor=admin_user, service=temple, expected_version=temple.version, data={"phone": "1"}
        )


def test_the_directory_of_another_organisation_is_not_editable(temple, elsewhere):
    with refused(PermissionDenied):
        service_update(
            actor=elsewhere["admin"], service=temple, expected_version=temple.version, data={}
        )


def test_services_are_searched_by_need_village_and_words(
    temple, clinic, school, worker, case, admin_user, elsewhere
):
    village = case.family.village
    other_village = VillageFactory.create()
    far_away = service_create(
        actor=admin_user,
        data={"name": "Far meals"},
        kinds=[kind("food")],
        villages=[other_village],
    )
    far_org_service = service_create(
        actor=elsewhere["admin"], data={"name": "Temple meals elsewhere"}, kinds=[kind("food")]
    )
    assert set(services_search(worker)) == {temple, clinic, school, far_away}
    assert set(services_search(worker, need=kind("food"))) == {temple, far_away}
    # A service listing the village comes first; one naming no village is kept; others are not.
    assert list(services_search(worker, village=village)) == [temple, school, clinic]
    assert list(services_search(worker, need=kind("food"), village=other_village)) == [far_away]
    assert list(services_search(worker, text="TEMPLE")) == [temple]
    assert list(services_search(worker, text="commune council")) == [school]
    assert far_org_service not in services_search(worker, text="temple")
    assert list(services_search(elsewhere["worker"])) == [far_org_service]
    service_update(
        actor=admin_user, service=school, expected_version=school.version, data={"is_active": False}
    )
    assert school not in services_search(worker)
    assert school in services_search(admin_user, include_inactive=True)


def test_a_partner_finds_only_the_services_they_receive_for(temple, clinic, partner, other_partner):
    assert list(services_search(partner)) == [temple]
    assert list(services_search(other_partner)) == [clinic]


# --- Intake --------------------------------------------------------------------------------------


def intake_data(**kwargs: Any) -> dict[str, Any]:
    return {
        "referrer_kind": Intake.ReferrerKind.COMMUNITY,
        "referrer_name": "Village chief Synthetic",
        "referrer_contact": "012 345 000",
        "family_name": "Synthetic Chan",
        "urgency": Intake.Urgency.URGENT,
        "description": "The children have not been at school for two weeks and look hungry.",
    } | kwargs


def intake_people(**kwargs: Any) -> list[IntakePersonData]:
    return [
        IntakePersonData(
            relationship=Person.Relationship.CHILD,
            given_name_latin="Dara",
            family_name_latin="Chan",
            given_name_km="ដារ៉ា",
            family_name_km="ចាន់",
            sex=Person.Sex.MALE,
            approximate_age=9,
            is_child_of_concern=True,
            **kwargs,
        ),
        IntakePersonData(
            relationship=Person.Relationship.MOTHER,
            given_name_latin="Srey",
            family_name_latin="Chan",
            sex=Person.Sex.FEMALE,
            approximate_age=35,
        ),
    ]


def record(actor: User, *, people: list[IntakePersonData] | None = None, **data: Any) -> Intake:
    concerns = data.pop("concerns", None)
    return intake_record(
        actor=actor,
        data=intake_data(**data),
        people=people if people is not None else intake_people(),
        concerns=concerns
        if concerns is not None
        else [concern("neglect"), concern("school_dropout")],
    )


def test_a_worker_records_a_referral_that_waits_for_screening(worker, supervisor):
    intake = record(worker, referrer_confidential=True)
    assert intake.organisation == worker.organisation
    assert intake.recorded_by == worker
    assert intake.status == Intake.Status.AWAITING
    assert intake.referrer_confidential
    assert [p.given_name_latin for p in intake.people.all()] == ["Dara", "Srey"]
    assert set(intake.concerns.values_list("code", flat=True)) == {"neglect", "school_dropout"}
    assert intake.age < datetime.timedelta(minutes=1)
    assert (
        AuditEvent.objects.filter(
            event=Event.CREATE, content_type__model="intake", actor=worker
        ).count()
        == 1
    )
    assert list(intake_queue(supervisor)) == [intake]
    # The worker who took the call is not a screener: no queue, but their own referral is theirs.
    assert list(intake_queue(worker)) == []
    assert get_intake_for(worker, intake.pk) == intake


def test_a_referral_is_not_received_in_the_future(worker):
    with refused(match="future"):
        record(worker, received_at=timezone.now() + datetime.timedelta(hours=2))


def test_a_concern_no_longer_in_use_is_refused(worker):
    ConcernCategory.objects.filter(code="trafficking").update(is_active=False)
    with refused(match="No longer in use"):
        record(worker, concerns=[concern("trafficking")])


def test_a_referral_says_who_referred_and_about_which_child(worker):
    with refused(match="anonymous referral has no referrer"):
        record(worker, referrer_kind=Intake.ReferrerKind.ANONYMOUS)
    with refused(match="Name the organisation"):
        record(worker, referrer_kind=Intake.ReferrerKind.ORGANISATION, referrer_name="")
    with refused(match="Name who referred"):
        record(worker, referrer_kind=Intake.ReferrerKind.PROFESSIONAL, referrer_name=" ")
    with refused(match="at least one child"):
        record(worker, people=intake_people()[1:])
    with refused(match="Enter a name"):
        record(
            worker,
            people=[IntakePersonData(relationship="child", is_child_of_concern=True)],
        )
    with refused(match="cannot be changed here"):
        record(worker, status=Intake.Status.SCREENED)
    anonymous = record(
        worker,
        referrer_kind=Intake.ReferrerKind.ANONYMOUS,
        referrer_name="",
        referrer_contact="",
        urgency=Intake.Urgency.IMMEDIATE,
    )
    assert anonymous.referrer_kind == "anonymous"


@pytest.mark.parametrize("login", ["admin", "partner"])
def test_administrators_and_partners_do_not_take_referrals(cast, login):
    with refused(PermissionDenied):
        record(cast[login])


def test_a_referral_is_corrected_only_while_it_awaits_screening(worker, colleague, supervisor):
    intake = record(worker)
    updated = intake_update(
        actor=worker,
        intake=intake,
        expected_version=intake.version,
        data={"urgency": Intake.Urgency.IMMEDIATE},
        concerns=[concern("physical_abuse")],
    )
    assert updated.version == intake.version + 1
    assert updated.urgency == Intake.Urgency.IMMEDIATE
    assert list(updated.concerns.values_list("code", flat=True)) == ["physical_abuse"]
    assert updated.people.count() == 2  # untouched when not given
    event = AuditEvent.objects.get(event=Event.CHANGE, content_type__model="intake")
    assert event.changes["urgency"] == ["urgent", "immediate"]
    with refused(StaleEdit):
        intake_update(actor=worker, intake=intake, expected_version=intake.version, data={})
    with refused(PermissionDenied):  # another worker who is not a screener
        intake_update(actor=colleague, intake=updated, expected_version=updated.version, data={})
    updated = intake_update(
        actor=supervisor,
        intake=updated,
        expected_version=updated.version,
        data={},
        people=intake_people()[:1],
    )
    assert updated.people.count() == 1
    screened = intake_screen(
        actor=supervisor,
        intake=updated,
        expected_version=updated.version,
        decision=Intake.Decision.NO_FURTHER_ACTION,
        reason="The school already follows up.",
    )
    with refused(match="screened"):
        intake_update(actor=worker, intake=screened, expected_version=screened.version, data={})


def test_the_queue_is_by_urgency_then_oldest_first(worker, supervisor, elsewhere):
    now = timezone.now()
    routine_old = record(worker, urgency="routine", received_at=now - datetime.timedelta(days=9))
    urgent_new = record(worker, urgency="urgent", received_at=now - datetime.timedelta(hours=2))
    urgent_old = record(worker, urgency="urgent", received_at=now - datetime.timedelta(days=2))
    immediate = record(worker, urgency="immediate", received_at=now - datetime.timedelta(hours=1))
    far = intake_record(
        actor=elsewhere["worker"],
        data=intake_data(),
        people=intake_people(),
    )
    queue = list(intake_queue(supervisor))
    assert queue == [immediate, urgent_old, urgent_new, routine_old]
    assert queue[1].age_days == 2
    assert far not in Intake.objects.filter(pk__in=[i.pk for i in queue])
    assert list(intake_queue(elsewhere["supervisor"])) == [far]
    with pytest.raises(Http404):
        get_intake_for(supervisor, far.pk)
    assert AuditEvent.objects.filter(event=Event.REFUSED, object_pk=str(far.pk)).exists()


def test_an_administrator_names_intake_workers(admin_user, worker, colleague, elsewhere):
    intake = record(colleague)
    assert not may_screen(worker)
    row = intake_worker_add(actor=admin_user, user=worker)
    assert row.organisation == admin_user.organisation
    assert may_screen(worker)
    assert list(intake_queue(worker)) == [intake]
    with refused(match="already screens"):
        intake_worker_add(actor=admin_user, user=worker)
    with refused(match="of your organisation"):
        intake_worker_add(actor=admin_user, user=elsewhere["worker"])
    with refused(PermissionDenied):
        intake_worker_add(actor=worker, user=colleague)
    intake_worker_remove(actor=admin_user, user=worker)
    assert not may_screen(worker)
    assert list(intake_queue(worker)) == []
    with refused(match="does not screen"):
        intake_worker_remove(actor=admin_user, user=worker)


# --- Screening -----------------------------------------------------------------------------------


def screen(intake: Intake, actor: User, decision: str, **kwargs: Any) -> Intake:
    data: dict[str, Any] = {"reason": "Decided at screening."} | kwargs
    return intake_screen(
        actor=actor, intake=intake, expected_version=intake.version, decision=decision, **data
    )


def test_opening_a_case_allocates_it_with_the_referrals_children_and_concerns(
    worker, supervisor, team_a
):
    village = VillageFactory.create()
    intake = record(worker, village=village, address_notes="Behind the pagoda.")
    screened = screen(
        intake,
        supervisor,
        Intake.Decision.OPEN_CASE,
        reason="Two weeks out of school and hungry: assess.",
        team=team_a,
        worker=worker,
        tier=Case.Tier.EARLY,
        risk_level=Case.Risk.MEDIUM,
    )
    case = screened.case
    assert case is not None
    assert screened.status == Intake.Status.SCREENED
    assert screened.decision == Intake.Decision.OPEN_CASE
    assert screened.decided_by == supervisor
    assert screened.decided_at is not None
    assert case.team == team_a
    assert case.worker == worker
    assert case.family.family_name == "Synthetic Chan"
    assert case.family.village == village
    assert case.family.address_notes == "Behind the pagoda."
    assert [c.given_name_latin for c in case.children.all()] == ["Dara"]
    assert child(case).estimated_age == 9
    assert sorted(case.family.people.values_list("given_name_latin", flat=True)) == [
        "Dara",
        "Srey",
    ]
    assert set(case.concerns.values_list("code", flat=True)) == {"neglect", "school_dropout"}
    assert case.allocations.get().reason == "Two weeks out of school and hungry: assess."
    assert case in cases_visible_to(worker)
    event = AuditEvent.objects.get(event=Event.CHANGE, content_type__model="intake")
    assert event.case == case
    assert event.reason == "Two weeks out of school and hungry: assess."
    assert event.changes["decision"] == ["", "open_case"]


def test_opening_a_case_needs_an_allocation_and_a_family(worker, supervisor, team_a):
    intake = record(worker)
    with refused() as info:
        screen(intake, supervisor, Intake.Decision.OPEN_CASE)
    assert set(info.value.message_dict) >= {"team", "worker", "tier", "risk_level", "village"}
    intake = intake_update(
        actor=supervisor,
        intake=intake,
        expected_version=intake.version,
        data={"village": VillageFactory.create()},
    )
    stranger = UserFactory.create(username="not-on-team", organisation=worker.organisation)
    with refused(match="on the case's team"):
        screen(
            intake,
            supervisor,
            Intake.Decision.OPEN_CASE,
            team=team_a,
            worker=stranger,
            tier="early",
            risk_level="low",
        )


def test_a_returning_family_gets_a_new_case_on_its_own_record(worker, supervisor, team_a):
    old = open_case(team=team_a, worker=worker, family_name="Synthetic Chan")
    old = case_transition(actor=worker, case=old, to=Case.Phase.CLOSED, reason="Safe now.")
    known_child = child(old)
    intake = record(worker)
    dara = intake.people.get(given_name_latin="Dara")
    families, people = Family.objects.count(), Person.objects.count()
    screened = screen(
        intake,
        supervisor,
        Intake.Decision.OPEN_CASE,
        team=team_a,
        worker=worker,
        tier="early",
        risk_level="medium",
        family=old.family,
        people_on_record={dara.pk: known_child},
    )
    case = screened.case
    assert case is not None
    assert case != old
    assert case.family == old.family
    assert Family.objects.count() == families
    # Dara is the child on record (not created twice); the mother named is new to the record.
    assert list(case.children.all()) == [known_child]
    assert Person.objects.count() == people + 1
    assert (
        AuditEvent.objects.get(event=Event.CHANGE, content_type__model="intake").additional_data[
            "family_on_record"
        ]
        == old.family.pk
    )


def test_a_family_on_record_must_be_one_the_screener_may_see(
    worker, supervisor, team_a, team_b, outsider
):
    theirs = open_case(team=team_b, worker=outsider, family_name="Synthetic Chan")
    intake = record(worker)
    with refused(match="may not see this family"):
        screen(
            intake,
            supervisor,
            Intake.Decision.OPEN_CASE,
            team=team_a,
            worker=worker,
            tier="early",
            risk_level="medium",
            family=theirs.family,
        )
    mine = open_case(team=team_a, worker=worker, family_name="Other")
    with refused(match="not a member of that family"):
        screen(
            intake,
            supervisor,
            Intake.Decision.OPEN_CASE,
            team=team_a,
            worker=worker,
            tier="early",
            risk_level="medium",
            family=mine.family,
            people_on_record={intake.people.first().pk: child(theirs)},  # type: ignore[union-attr]
        )


def test_adding_to_a_closed_case_reopens_it_with_the_new_concerns(worker, supervisor, case):
    case = case_transition(actor=worker, case=case, to=Case.Phase.CLOSED, reason="Safe now.")
    intake = record(worker, concerns=[concern("economic_hardship")])
    screened = screen(
        intake,
        supervisor,
        Intake.Decision.ADD_TO_CASE,
        case=case,
        reason="Same family: the father lost his work again.",
    )
    case.refresh_from_db()
    assert screened.case == case
    assert case.phase == Case.Phase.ASSESSMENT
    assert case.closed_on is None
    assert set(case.concerns.values_list("code", flat=True)) == {"economic_hardship"}
    transition = AuditEvent.objects.filter(event=Event.TRANSITION, case=case).latest("pk")
    assert transition.changes["phase"] == ["closed", "assessment"]
    assert transition.reason == "Same family: the father lost his work again."


def test_adding_to_an_open_case_keeps_its_concerns(worker, supervisor, case):
    from casework.services import case_concerns_set

    case_concerns_set(actor=worker, case=case, concerns=[concern("neglect")])
    intake = record(worker, concerns=[concern("child_labour")])
    screen(intake, supervisor, Intake.Decision.ADD_TO_CASE, case=case)
    case.refresh_from_db()
    assert case.phase == Case.Phase.INTAKE
    assert set(case.concerns.values_list("code", flat=True)) == {"neglect", "child_labour"}


def test_adding_to_a_case_the_screener_may_not_change_is_refused(worker, chair, case, colleague):
    intake = record(worker)
    with refused(match="may not change that case"):
        screen(intake, chair, Intake.Decision.ADD_TO_CASE, case=case)
    with refused(match="Choose the case"):
        screen(intake, chair, Intake.Decision.ADD_TO_CASE)


def test_signposting_needs_a_service_of_the_directory(worker, supervisor, temple, elsewhere):
    intake = record(worker)
    with refused(match="Choose the service"):
        screen(intake, supervisor, Intake.Decision.SIGNPOST)
    theirs = service_create(
        actor=elsewhere["admin"], data={"name": "Far meals"}, kinds=[kind("food")]
    )
    with refused(match="your organisation's directory"):
        screen(intake, supervisor, Intake.Decision.SIGNPOST, service=theirs)
    screened = screen(
        intake, supervisor, Intake.Decision.SIGNPOST, service=temple, reason="Meals are enough."
    )
    assert screened.service == temple
    assert screened.case is None
    assert screened.decision_reason == "Meals are enough."


def test_every_decision_has_a_reason_and_happens_once(worker, supervisor):
    intake = record(worker)
    with refused(match="reason"):
        screen(intake, supervisor, Intake.Decision.NO_FURTHER_ACTION, reason="  ")
    with refused(match="Choose a decision"):
        screen(intake, supervisor, "maybe")
    with refused(StaleEdit):
        intake_screen(
            actor=supervisor,
            intake=intake,
            expected_version=intake.version + 1,
            decision=Intake.Decision.NO_FURTHER_ACTION,
            reason="Fine.",
        )
    screened = screen(intake, supervisor, Intake.Decision.NO_FURTHER_ACTION, reason="Fine.")
    assert screened.case is None
    assert screened.service is None
    with refused(match="already screened"):
        screen(screened, supervisor, Intake.Decision.NO_FURTHER_ACTION, reason="Again.")
    assert intake not in intake_queue(supervisor)


@pytest.mark.parametrize("login", ["worker", "colleague", "admin", "partner"])
def test_only_screeners_decide(cast, login):
    intake = record(cast["worker"])
    with refused(PermissionDenied):
        screen(intake, cast[login], Intake.Decision.NO_FURTHER_ACTION)


def test_a_supervisor_of_another_organisation_does_not_screen_ours(worker, elsewhere):
    intake = record(worker)
    with refused(PermissionDenied):
        screen(intake, elsewhere["supervisor"], Intake.Decision.NO_FURTHER_ACTION)
    assert list(intake_queue(elsewhere["supervisor"])) == []


# --- Matches -------------------------------------------------------------------------------------


def open_family(
    team: Team,
    worker: User,
    *,
    family_name: str,
    village: Village,
    given_km: str,
    family_km: str,
    given_latin: str,
    family_latin: str,
    born: datetime.date | None = None,
    estimated_age: int | None = None,
) -> Case:
    return case_open(
        actor=worker,
        data=CaseData(
            family_name=family_name,
            village_id=village.pk,
            tier="early",
            risk_level="low",
            team=team,
            worker=worker,
            people=[
                PersonData(
                    relationship=Person.Relationship.CHILD,
                    given_name_km=given_km,
                    family_name_km=family_km,
                    given_name_latin=given_latin,
                    family_name_latin=family_latin,
                    date_of_birth=born,
                    estimated_age=estimated_age,
                    concerned=True,
                )
            ],
        ),
    )


@pytest.fixture
def village() -> Village:
    return VillageFactory.create(name="Prey Synthetic")


@pytest.fixture
def sophea(team_a, worker, village) -> Case:
    """A family of team A whose only case is closed: Sophea Meas, about 9."""
    case = open_family(
        team_a,
        worker,
        family_name="Meas",
        village=village,
        given_km="សុភា",
        family_km="មាស",
        given_latin="Sophea",
        family_latin="Meas",
        born=years_ago(9),
    )
    return case_transition(actor=worker, case=case, to=Case.Phase.CLOSED, reason="Safe now.")


def referral_about(actor: User, village: Village | None = None, **person: Any) -> Intake:
    values: dict[str, Any] = {
        "relationship": Person.Relationship.CHILD,
        "is_child_of_concern": True,
        "given_name_latin": "Unnamed",
    } | person
    return intake_record(
        actor=actor,
        data=intake_data(family_name="", village=village),
        people=[IntakePersonData(**values)],
    )


def test_a_match_by_khmer_name_finds_a_family_whose_cases_are_closed(worker, supervisor, sophea):
    intake = referral_about(worker, given_name_km="សុភា", given_name_latin="")
    matches = intake_matches(supervisor, intake)
    assert [m.family for m in matches] == [sophea.family]
    match = matches[0]
    assert match.visible
    assert [p.given_name_latin for p in match.people] == ["Sophea"]
    assert "Khmer name" in match.why
    assert [c.reference for c in match.cases] == [sophea.reference]
    assert match.cases[0].is_closed
    assert match.all_closed  # a returning family


def test_a_match_by_latin_name_ignores_case(worker, supervisor, sophea):
    intake = referral_about(worker, given_name_latin="SOPHEA", family_name_latin="meas")
    match = intake_matches(supervisor, intake)[0]
    assert match.family == sophea.family
    assert "Latin name" in match.why
    assert match.score >= 5


def test_a_match_by_village_and_approximate_age(worker, supervisor, sophea, village):
    near = referral_about(worker, village=village, given_name_latin="Nobody", approximate_age=11)
    match = intake_matches(supervisor, near)[0]
    assert match.family == sophea.family
    assert match.why == ["village", "age"]
    too_old = referral_about(worker, village=village, given_name_latin="Nobody", approximate_age=15)
    assert intake_matches(supervisor, too_old) == []
    other_village = referral_about(
        worker, village=VillageFactory.create(), given_name_latin="Nobody", approximate_age=9
    )
    assert intake_matches(supervisor, other_village) == []


def test_better_matches_come_first(worker, supervisor, sophea, team_a, village):
    namesake = open_family(
        team_a,
        worker,
        family_name="Kim",
        village=VillageFactory.create(),
        given_km="",
        family_km="",
        given_latin="Sophea",
        family_latin="Kim",
        estimated_age=30,
    )
    intake = referral_about(
        worker,
        village=village,
        given_name_latin="Sophea",
        family_name_latin="Meas",
        approximate_age=9,
    )
    matches = intake_matches(supervisor, intake)
    assert [m.family for m in matches] == [sophea.family, namesake.family]
    assert matches[0].score > matches[1].score


def test_a_match_in_a_team_the_screener_cannot_see_shows_only_whom_to_ask(
    supervisor, worker, outsider, chair, team_b, village
):
    open_family(
        team_b,
        outsider,
        family_name="Meas",
        village=village,
        given_km="សុភា",
        family_km="មាស",
        given_latin="Sophea",
        family_latin="Meas",
        born=years_ago(9),
    )
    intake = referral_about(worker, given_name_latin="Sophea", family_name_latin="Meas")
    [match] = intake_matches(supervisor, intake)
    assert not match.visible
    assert match.family is None
    assert match.people == []
    assert match.cases == []
    assert match.why == []
    assert [(e.team, e.supervisors) for e in match.elsewhere] == [("Team B", (chair.display_name,))]
    assert "Sophea" not in repr(match)
    assert "Meas" not in repr(match)


def test_only_screeners_get_matches_and_only_in_their_organisation(
    worker, supervisor, sophea, elsewhere
):
    intake = referral_about(worker, given_name_latin="Sophea")
    assert intake_matches(worker, intake) == []
    assert intake_matches(elsewhere["supervisor"], intake) == []
    theirs = intake_record(
        actor=elsewhere["worker"],
        data=intake_data(family_name=""),
        people=[
            IntakePersonData(
                relationship="child", given_name_latin="Sophea", is_child_of_concern=True
            )
        ],
    )
    assert intake_matches(elsewhere["supervisor"], theirs) == []


# --- Consent -------------------------------------------------------------------------------------


def test_a_consent_records_who_to_whom_what_why_and_how(case, worker, temple):
    given = consent(
        case,
        worker,
        services=[temple],
        kinds=[kind("health")],
        information=["village", "names", "names"],
        expires_on=timezone.localdate() + datetime.timedelta(days=90),
    )
    assert given.information == ["names", "village"]
    assert given.recorded_by == worker
    assert list(given.services.all()) == [temple]
    event = AuditEvent.objects.get(event=Event.CREATE, content_type__model="consent")
    assert event.case == case
    assert event.additional_data["information"] == ["names", "village"]


def test_a_childs_consent_notes_age_and_understanding(case, worker, temple):
    with refused(match="understood"):
        consent(case, worker, services=[temple], given_by=child(case), given_by_kind="child")
    given = consent(
        case,
        worker,
        services=[temple],
        given_by=child(case),
        given_by_kind="child",
        understanding="She explained back, in her words, who would know her name and why.",
    )
    assert given.child_age == child(case).age_on(given.given_on)


def test_a_consent_is_refused_when_incomplete_or_inconsistent(
    case, worker, outsider, temple, team_a, elsewhere
):
    other = open_case(team=team_a, worker=worker, family_name="Other")
    with refused(match="member of this family"):
        consent(case, worker, services=[temple], given_by=mother(other))
    with refused(match="Unknown kinds of information"):
        consent(case, worker, services=[temple], information=["names", "bank_account"])
    with refused(match="at least one kind of information"):
        consent(case, worker, services=[temple], information=[])
    with refused(match="who may receive"):
        consent(case, worker)
    with refused(match="end after"):
        consent(case, worker, services=[temple], expires_on=days_ago(5))
    with refused(match="future"):
        consent(
            case, worker, services=[temple], given_on=timezone.localdate() + datetime.timedelta(1)
        )
    with refused() as info:
        consent(case, worker, services=[temple], purpose=" ", how_explained="")
    assert set(info.value.message_dict) >= {"purpose", "how_explained"}
    theirs = service_create(
        actor=elsewhere["admin"], data={"name": "Far meals"}, kinds=[kind("food")]
    )
    with refused(match="your organisation's directory"):
        consent(case, worker, services=[theirs])
    with refused(PermissionDenied):
        consent(case, outsider, services=[temple])


def test_withdrawing_a_consent_is_dated_named_and_final(case, worker, temple):
    given = consent(case, worker, services=[temple])
    with refused(match="future"):
        consent_withdraw(
            actor=worker,
            consent=given,
            withdrawn_by=mother(case),
            withdrawn_on=timezone.localdate() + datetime.timedelta(days=1),
        )
    with refused(match="before it was given"):
        consent_withdraw(
            actor=worker, consent=given, withdrawn_by=mother(case), withdrawn_on=days_ago(9)
        )
    done = consent_withdraw(
        actor=worker, consent=given, withdrawn_by=mother(case), note="She changed her mind."
    )
    assert done.withdrawn_on == timezone.localdate()
    assert done.withdrawn_by_person == mother(case)
    assert done.withdrawn_recorded_by == worker
    event = AuditEvent.objects.get(event=Event.WITHDRAW, content_type__model="consent")
    assert event.reason == "She changed her mind."
    assert event.case == case
    with refused(match="already withdrawn"):
        consent_withdraw(actor=worker, consent=done, withdrawn_by=mother(case))
    assert Consent.objects.filter(pk=given.pk).exists()  # never deleted


def test_consent_is_in_force_from_the_day_given_to_the_last_day(case, worker, temple):
    given = consent(
        case,
        worker,
        services=[temple],
        given_on=days_ago(10),
        expires_on=days_ago(2),
        information=["names"],
    )
    food = kind("food")
    assert consent_covering(case, temple, ["names"], food, on=days_ago(11)) is None
    assert consent_covering(case, temple, ["names"], food, on=days_ago(10)) == given
    assert consent_covering(case, temple, ["names"], food, on=days_ago(2)) == given
    assert consent_covering(case, temple, ["names"], food, on=days_ago(1)) is None
    assert "expired" in consent_check(case, temple, ["names"], food).message


def test_a_consent_for_a_kind_of_service_covers_services_of_that_kind(case, worker, temple, clinic):
    given = consent(case, worker, kinds=[kind("health")], information=["names", "age"])
    assert consent_covering(case, clinic, ["names"], kind("health")) == given
    # The clinic also offers psychosocial support: the consent is for health only.
    assert consent_covering(case, clinic, ["names"], kind("psychosocial")) is None
    assert consent_covering(case, temple, ["names"], kind("food")) is None


# --- Outgoing referrals: drafting ----------------------------------------------------------------


def test_a_draft_starts_from_the_need_to_know_set(case, worker, temple, school):
    meals = draft(case, worker, temple)
    assert meals.status == OutgoingReferral.Status.DRAFT
    assert meals.shared_fields == ["names", "age", "village", "need"]
    assert meals.shared_data == {}
    assert list(meals.children.all()) == [child(case)]
    scholarship = draft(case, worker, school, need="School fees and a uniform.")
    assert "school" in scholarship.shared_fields
    assert "phone" not in scholarship.shared_fields
    assert list(referrals_for_case(case)) == [scholarship, meals]
    assert (
        AuditEvent.objects.filter(event=Event.CREATE, case=case)
        .filter(content_type__model="outgoingreferral")
        .count()
        == 2
    )


def test_a_draft_is_checked(case, worker, temple, team_a, outsider, elsewhere, partner):
    other = open_case(team=team_a, worker=worker, family_name="Other")
    with refused(match="does not offer"):
        draft(case, worker, temple, help_kind=kind("legal"))
    with refused(match="children of this family"):
        draft(case, worker, temple, children=[child(other)])
    with refused(match="at least one child"):
        draft(case, worker, temple, children=[])
    with refused(match="Say what the child needs"):
        draft(case, worker, temple, need="  ")
    with refused(match="Unknown kinds of information"):
        draft(case, worker, temple, shared_fields=["names", "address"])
    with refused(match="background summary"):
        draft(case, worker, temple, shared_fields=["names", "background"])
    with refused(match="in the past"):
        draft(case, worker, temple, follow_up_on=days_ago(1))
    theirs = service_create(
        actor=elsewhere["admin"], data={"name": "Far meals"}, kinds=[kind("food")]
    )
    with refused(match="your organisation's directory"):
        draft(case, worker, theirs)
    for actor in (outsider, partner):
        with refused(PermissionDenied):
            draft(case, actor, temple)
    closed = case_transition(actor=worker, case=case, to=Case.Phase.CLOSED, reason="Safe.")
    with refused(match="closed"):
        draft(closed, worker, temple)


def test_only_a_draft_is_edited(case, worker, temple):
    referral = draft(case, worker, temple)
    updated = referral_update(
        actor=worker,
        referral=referral,
        expected_version=referral.version,
        data={"shared_fields": ["names", "need"], "need": "Lunch on school days."},
    )
    assert updated.version == referral.version + 1
    assert updated.shared_fields == ["names", "need"]
    with refused(StaleEdit):
        referral_update(actor=worker, referral=referral, expected_version=referral.version, data={})
    with refused(match="cannot be changed here"):
        referral_update(
            actor=worker,
            referral=updated,
            expected_version=updated.version,
            data={"status": "sent"},
        )
    consent(case, worker, services=[temple])
    sent_one = send(updated, worker)
    with refused(match="Only a draft"):
        referral_update(actor=worker, referral=sent_one, expected_version=sent_one.version, data={})


# --- Outgoing referrals: the consent rules -------------------------------------------------------


def test_without_consent_a_worker_is_refused_and_told_what_is_missing(case, worker, temple):
    referral = draft(case, worker, temple)
    with refused(match="No consent covers sharing with Temple meals") as info:
        send(referral, worker)
    assert "ask a supervisor" in str(info.value)
    assert info.value.error_dict["consent"][0].code == "consent_missing"
    assert not share_events(referral).exists()
    # An override reason from a worker changes nothing.
    with refused(match="No consent"):
        send(referral, worker, override_reason="I think it is best.")


def test_without_consent_a_supervisor_shares_only_with_a_written_reason(
    case, worker, supervisor, temple
):
    referral = draft(case, worker, temple)
    with refused(match="best interests") as info:
        send(referral, supervisor, override_reason="   ")
    assert "override_reason" in info.value.message_dict
    done = send(referral, supervisor, override_reason="The children are going hungry today.")
    assert done.status == OutgoingReferral.Status.SENT
    assert done.consent is None
    assert done.is_override
    assert done.override_by == supervisor
    assert done.override_reason == "The children are going hungry today."
    event = share_events(done).get()
    assert event.actor == supervisor
    assert event.reason == "The children are going hungry today."
    assert event.additional_data["override"] is True
    assert event.additional_data["consent"] is None


def test_a_supervisor_of_another_team_cannot_override(case, worker, chair, temple):
    referral = draft(case, worker, temple)
    with refused(PermissionDenied):
        send(referral, chair, override_reason="To protect the child.")


def test_an_administrator_cannot_send(case, worker, admin_user, temple):
    referral = draft(case, worker, temple)
    consent(case, worker, services=[temple])
    with refused(PermissionDenied):
        send(referral, admin_user)


def test_a_withdrawn_consent_blocks_new_shares(case, worker, supervisor, temple):
    given = consent(case, worker, services=[temple])
    consent_withdraw(actor=worker, consent=given, withdrawn_by=mother(case))
    referral = draft(case, worker, temple)
    with refused(match="was withdrawn on"):
        send(referral, worker)
    # Only a supervisor's reason can still send it; the consent is not used.
    done = send(referral, supervisor, override_reason="Immediate danger: the child is alone.")
    assert done.consent is None


def test_an_expired_consent_blocks_new_shares(case, worker, temple):
    consent(case, worker, services=[temple], given_on=days_ago(100), expires_on=days_ago(1))
    referral = draft(case, worker, temple)
    with refused(match="expired on"):
        send(referral, worker)


def test_a_consent_for_another_service_or_kind_does_not_cover(case, worker, temple, clinic, school):
    consent(case, worker, services=[clinic])
    consent(case, worker, kinds=[kind("education")])
    referral = draft(case, worker, temple)
    with refused(match="No consent covers sharing with Temple meals"):
        send(referral, worker)
    assert consent_covering(case, school, ["names"], kind("education")) is not None


def test_a_consent_not_covering_a_chosen_field_is_refused_naming_it(case, worker, temple):
    consent(case, worker, services=[temple], information=["names", "age", "village", "need"])
    referral = draft(
        case, worker, temple, shared_fields=["names", "age", "village", "phone", "need"]
    )
    with refused(match=r"does not cover: phone number\.") as info:
        send(referral, worker)
    assert mother(case).display_name in str(info.value)
    check = consent_check(case, temple, referral.shared_fields, kind("food"))
    assert check.missing == ("phone",)
    assert not check.covered


def test_a_consent_covering_everything_chosen_sends_under_it(case, worker, temple):
    older = consent(case, worker, services=[temple], given_on=days_ago(30))
    newer = consent(case, worker, kinds=[kind("food")], given_on=days_ago(3))
    referral = draft(case, worker, temple)
    done = send(referral, worker, override_reason="Not needed.")
    assert done.consent == newer != older
    assert done.override_reason == ""
    assert done.override_by is None
    event = share_events(done).get()
    assert event.reason == ""
    assert event.additional_data["consent"] == newer.pk
    assert event.additional_data["override"] is False


def test_a_referral_is_sent_once(case, worker, temple):
    done = sent(case, worker, temple)
    with refused(match="already been sent"):
        send(done, worker)


# --- What is shared ------------------------------------------------------------------------------


@pytest.fixture
def family_of_two(team_a, worker) -> Case:
    """Two children, a known phone number and a child's disability."""
    case = open_case(team=team_a, worker=worker, family_name="Synthetic Two", children=2)
    family_update(
        actor=worker,
        case=case,
        family=case.family,
        expected_version=case.family.version,
        data={"phone": "097 555 0101"},
    )
    person_add(
        actor=worker,
        case=case,
        data=PersonData(
            relationship=Person.Relationship.GRANDPARENT,
            given_name_latin="Yay",
            family_name_latin="Synthetic",
        ),
    )
    case.refresh_from_db()
    return case


def test_the_snapshot_holds_only_the_chosen_fields_of_the_chosen_children(
    family_of_two, worker, temple
):
    case = family_of_two
    first, second = list(case.children.order_by("pk"))
    done = sent(
        case,
        worker,
        temple,
        children=[second],
        shared_fields=["names", "age", "village", "need"],
        need="Breakfast before school.",
    )
    assert done.shared_fields == ["names", "age", "village", "need"]
    assert done.shared_data["children"] == [
        {
            "names": {"km": second.name_km, "latin": second.name_latin},
            "age": second.age_on(timezone.localdate()),
        }
    ]
    assert set(done.shared_data) == {"children", "village", "need"}
    assert done.shared_data["need"] == "Breakfast before school."
    view = json.dumps(partner_view(done), default=str)
    for secret in (
        "097 555 0101",  # the phone, not chosen
        second.date_of_birth.isoformat(),
        first.name_latin,  # the child not referred
        "Yay",  # a caregiver, not chosen
        case.reference,
    ):
        assert secret not in json.dumps(done.shared_data), secret
        assert secret not in view, secret
    assert second.name_latin in view


def test_everything_chosen_is_shared_as_it_was_when_sent(family_of_two, worker, clinic):
    case = family_of_two
    first = child(case)
    done = sent(
        case,
        worker,
        clinic,
        help_kind=kind("health"),
        children=[first],
        shared_fields=list(sharing.FIELD_CODES),
        background="Lives with her mother and grandmother; the father works abroad.",
    )
    assert done.shared_data["phone"] == "097 555 0101"
    assert done.shared_data["children"][0]["date_of_birth"] == first.date_of_birth.isoformat()  # type: ignore[union-attr]
    assert [c["latin"] for c in done.shared_data["caregivers"]] == [
        mother(case).name_latin,
        "Yay Synthetic",
    ]
    view = partner_view(done)
    assert [item["code"] for item in view["children"][0]] == [
        "names",
        "age",
        "date_of_birth",
        "sex",
        "school",
        "disability",
    ]
    texts = {item["code"]: item["text"] for item in view["information"]}
    assert texts["phone"] == "097 555 0101"
    assert "Grandparent" in texts["caregivers"]
    # Later changes to the case never reach the partner: the snapshot stays as sent.
    family_update(
        actor=worker,
        case=case,
        family=Family.objects.get(pk=case.family_id),
        expected_version=Family.objects.get(pk=case.family_id).version,
        data={"phone": "011 999 999"},
    )
    done.refresh_from_db()
    assert "011 999 999" not in json.dumps(partner_view(done), default=str)


def test_the_partner_view_names_the_agency_contact_but_not_the_case(case, worker, temple):
    worker.phone = "012 777 888"
    worker.save()
    done = sent(case, worker, temple)
    view = partner_view(done)
    assert view["id"] == done.pk
    assert view["agency"] == {
        "name": case.team.organisation.name,
        "contact_name": worker.display_name,
        "contact_phone": "012 777 888",
    }
    assert view["service"]["name"] == "Temple meals"
    assert view["help_kind"]["code"] == "food"
    assert view["status"] == "sent"
    assert [f["code"] for f in view["shared_fields"]] == ["names", "age", "village", "need"]
    assert not {"case", "case_id", "reference", "family"} & set(view)
    assert case.reference not in json.dumps(view, default=str)


def test_every_share_is_one_audit_event_saying_what_went_to_whom(case, worker, temple):
    referral = draft(case, worker, temple)
    given = consent(case, worker, services=[temple])
    before = AuditEvent.objects.count()
    done = send(referral, worker)
    assert AuditEvent.objects.count() == before + 1
    event = share_events(done).get()
    assert event.case == case
    assert event.actor == worker
    assert event.changes == {"status": ["draft", "sent"]}
    assert event.additional_data == {
        "service": temple.pk,
        "service_name": "Temple meals",
        "provider": "Wat Synthetic committee",
        "help_kind": "food",
        "fields": ["names", "age", "village", "need"],
        "children": [child(case).pk],
        "consent": given.pk,
        "override": False,
    }


# --- The partner's side --------------------------------------------------------------------------


def test_a_partner_moves_a_referral_along_its_lifecycle(case, worker, temple, partner):
    done = sent(case, worker, temple)
    done = referral_acknowledge(actor=partner, referral=done, expected_version=done.version)
    assert done.status == "acknowledged"
    assert done.acknowledged_at is not None
    done = referral_accept(actor=partner, referral=done)
    assert done.status == "accepted"
    assert done.decided_at is not None
    with refused(match="outcome"):
        referral_complete(actor=partner, referral=done, outcome=" ")
    done = referral_complete(
        actor=partner, referral=done, outcome="Lunch every school day since March."
    )
    assert done.status == "completed"
    assert done.completed_at is not None
    assert done.outcome == "Lunch every school day since March."
    # The worker sees each step on the case's own trail.
    steps = AuditEvent.objects.filter(case=case, actor=partner, event=Event.CHANGE).order_by("pk")
    assert [e.changes["status"] for e in steps] == [
        ["sent", "acknowledged"],
        ["acknowledged", "accepted"],
        ["accepted", "completed"],
    ]
    assert steps.last().reason == "Lunch every school day since March."
    assert referrals_for_case(case).get().status == "completed"
    with refused(match="has ended"):
        referral_withdraw(actor=worker, referral=done, reason="Too late.")


def test_a_partner_declines_with_a_reason(case, worker, temple, partner):
    done = sent(case, worker, temple)
    with refused(match="Acknowledge the referral before declining"):
        referral_decline(actor=partner, referral=done, reason="Full.")
    done = referral_acknowledge(actor=partner, referral=done)
    with refused(match="Say why"):
        referral_decline(actor=partner, referral=done, reason="")
    done = referral_decline(actor=partner, referral=done, reason="The kitchen is closed.")
    assert done.status == "declined"
    assert partner_view(done)["decline_reason"] == "The kitchen is closed."
    with refused(match="accepted referral"):
        referral_complete(actor=partner, referral=done, outcome="Nothing.")


def test_the_lifecycle_is_followed_in_order(case, worker, temple, partner):
    done = sent(case, worker, temple)
    with refused(match="before accepting"):
        referral_accept(actor=partner, referral=done)
    with refused(match="Only an accepted referral"):
        referral_complete(actor=partner, referral=done, outcome="Fed.")
    done = referral_acknowledge(actor=partner, referral=done)
    with refused(match="just sent"):
        referral_acknowledge(actor=partner, referral=done)
    with refused(StaleEdit):
        referral_accept(actor=partner, referral=done, expected_version=done.version - 1)


def test_only_the_services_own_partner_accounts_act_for_it(
    case, worker, supervisor, temple, partner, other_partner
):
    done = sent(case, worker, temple)
    for actor in (other_partner, worker, supervisor):
        with refused(PermissionDenied):
            referral_acknowledge(actor=actor, referral=done)
    partner.is_active = False
    partner.save()
    with refused(PermissionDenied):
        referral_acknowledge(actor=partner, referral=done)


def test_a_partner_cannot_act_on_a_draft(case, worker, temple, partner):
    referral = draft(case, worker, temple)
    with refused(PermissionDenied):
        referral_acknowledge(actor=partner, referral=referral)


def test_the_agency_withdraws_with_a_reason_and_the_partner_sees_it(
    case, worker, colleague, temple, partner
):
    done = sent(case, worker, temple)
    done = referral_acknowledge(actor=partner, referral=done)
    with refused(match="Say why"):
        referral_withdraw(actor=worker, referral=done, reason=" ")
    with refused(PermissionDenied):
        referral_withdraw(actor=colleague, referral=done, reason="Not mine.")
    with refused(PermissionDenied):
        referral_withdraw(actor=partner, referral=done, reason="We want out.")
    done = referral_withdraw(actor=worker, referral=done, reason="The family moved away.")
    assert done.status == "withdrawn"
    event = AuditEvent.objects.get(event=Event.WITHDRAW, case=case)
    assert event.reason == "The family moved away."
    assert list(referrals_for_partner(partner)) == [done]
    assert partner_view(done)["withdraw_reason"] == "The family moved away."
    with refused(match="has ended"):
        referral_withdraw(actor=worker, referral=done, reason="Again.")
    with refused(match="before accepting"):
        referral_accept(actor=partner, referral=done)


def test_a_withdrawn_draft_never_reaches_the_partner(case, worker, temple, partner):
    referral = draft(case, worker, temple)
    referral = referral_withdraw(actor=worker, referral=referral, reason="Wrong service.")
    assert referral.status == "withdrawn"
    assert list(referrals_for_partner(partner)) == []


def test_the_follow_up_date_moves_until_the_referral_ends(case, worker, temple):
    done = sent(case, worker, temple)
    later = timezone.localdate() + datetime.timedelta(days=14)
    done = referral_follow_up_set(
        actor=worker, referral=done, expected_version=done.version, follow_up_on=later
    )
    assert done.follow_up_on == later
    with refused(match="in the past"):
        referral_follow_up_set(
            actor=worker, referral=done, expected_version=done.version, follow_up_on=days_ago(1)
        )
    assert "follow_up_on" not in partner_view(done)


# --- Partner scoping -----------------------------------------------------------------------------


def test_a_partner_sees_only_referrals_sent_to_their_service(
    case, worker, temple, clinic, partner, other_partner
):
    mine = sent(case, worker, temple)
    theirs = sent(case, worker, clinic, help_kind=kind("health"), need="A check-up.")
    still_draft = draft(case, worker, temple, need="Rice for the weekend.")
    assert list(referrals_for_partner(partner)) == [mine]
    assert list(referrals_for_partner(other_partner)) == [theirs]
    assert get_referral_for_partner(partner, mine.pk) == mine
    assert get_referral_for_partner(partner, str(mine.pk)) == mine
    for wrong in (theirs.pk, still_draft.pk, 10**9, "abc", -1, 2**70):
        with pytest.raises(Http404):
            get_referral_for_partner(partner, wrong)
    refusals = AuditEvent.objects.filter(event=Event.REFUSED, actor=partner)
    assert refusals.count() == 6
    # A refusal of a real referral goes on that case's trail, so its people see who tried.
    assert refusals.get(object_pk=str(theirs.pk)).case == case
    assert refusals.get(object_pk=str(still_draft.pk)).case == case
    # Partners never hold the case itself.
    assert not cases_visible_to(partner).exists()


@pytest.mark.parametrize("login", ["worker", "supervisor", "admin"])
def test_staff_do_not_use_the_partners_door(case, cast, temple, login):
    done = sent(case, cast["worker"], temple)
    assert list(referrals_for_partner(cast[login])) == []
    with pytest.raises(Http404):
        get_referral_for_partner(cast[login], done.pk)


def test_a_partner_removed_from_the_service_sees_nothing_more(
    case, worker, temple, partner, admin_user
):
    done = sent(case, worker, temple)
    service_update(
        actor=admin_user,
        service=temple,
        expected_version=temple.version,
        data={},
        partner_users=[],
    )
    assert list(referrals_for_partner(partner)) == []
    with pytest.raises(Http404):
        get_referral_for_partner(partner, done.pk)


# --- Set-up screens ------------------------------------------------------------------------------


def test_a_superuser_keeps_the_kinds_of_help_and_only_looks_at_the_directory(client, temple):
    from django.urls import reverse

    root = UserFactory.create(username="root", organisation=None, is_superuser=True, is_staff=True)
    sign_in_verified(client, root)
    kinds_page = client.get(reverse("admin:referrals_helpkind_changelist"))
    assert kinds_page.status_code == 200
    assert "Legal aid" in kinds_page.content.decode()
    assert client.get(reverse("admin:referrals_service_changelist")).status_code == 200
    assert client.get(reverse("admin:referrals_service_add")).status_code == 403
    response = client.post(
        reverse("admin:referrals_service_change", args=[temple.pk]), {"name": "Renamed"}
    )
    assert response.status_code == 403
    assert Service.objects.get(pk=temple.pk).name == "Temple meals"
    assert client.get(reverse("admin:referrals_intakeworker_changelist")).status_code == 200
