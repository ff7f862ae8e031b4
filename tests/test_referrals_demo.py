"""The demo's service directory, incoming referrals, consents and referrals to services.

After `load_demo`: a directory of six services (the pagoda's meals receive referrals in Upstream
through the demo `partner`, the others on paper); incoming referrals awaiting screening, most
urgent first, and two screened; consents from caregivers and a child, one withdrawn and one
expired; referrals in every state of their lifecycle, under consent or a supervisor's
best-interests override. Everything went through the services; running it twice adds nothing.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from casework.demo_data import DEMO_CASES
from casework.models import AuditEvent, Case, Person, Team, User
from referrals.demo_data import DEMO_SERVICES, DEMO_SHARING, TEMPLE
from referrals.models import Consent, HelpKind, Intake, OutgoingReferral, Service
from referrals.selectors import (
    consent_check,
    intake_queue,
    partner_view,
    referrals_for_partner,
    services_search,
)

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MODELS = (Service, Intake, Consent, OutgoingReferral, AuditEvent)
TEMPLE_NAME = next(s.name for s in DEMO_SERVICES if s.key == TEMPLE)
Status = OutgoingReferral.Status


def counts() -> dict[str, int]:
    return {model.__name__: model._default_manager.count() for model in MODELS}


def user(username: str) -> User:
    return User.objects.get(username=username)


@pytest.fixture(scope="class")
def loaded_demo(django_db_setup, django_db_blocker):
    """The demo, loaded once for a class of read-only tests and rolled back after them."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with override_settings(DEBUG=True, PASSWORD_HASHERS=FAST_HASHERS):
                call_command("load_demo", verbosity=0)
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def test_every_story_is_for_a_demo_family_in_its_phase():
    phases = {
        spec.family_name: (spec.path[-1][0] if spec.path else Case.Phase.INTAKE)
        for spec in DEMO_CASES
    }
    for spec in DEMO_SHARING:
        assert phases.get(spec.family_name) == spec.phase, spec.family_name


@pytest.mark.django_db
def test_a_second_run_adds_nothing(settings):
    settings.DEBUG = True
    settings.PASSWORD_HASHERS = FAST_HASHERS
    call_command("load_demo", verbosity=0)
    first = counts()
    assert first["Service"] == 6
    assert first["Intake"] >= 6
    assert first["Consent"] >= 5
    assert first["OutgoingReferral"] >= 7
    versions = dict(OutgoingReferral.objects.values_list("pk", "version"))
    call_command("load_demo", verbosity=0)
    assert counts() == first
    assert dict(OutgoingReferral.objects.values_list("pk", "version")) == versions


@pytest.mark.django_db
def test_it_restores_the_kinds_of_help_a_flushed_database_lost(settings):
    settings.DEBUG = True
    settings.PASSWORD_HASHERS = FAST_HASHERS
    HelpKind.objects.all().delete()
    call_command("load_demo", verbosity=0)
    assert {"food", "education", "health", "legal", "psychosocial", "livelihood"} <= set(
        HelpKind.objects.values_list("code", flat=True)
    )
    assert Service.objects.count() == 6


@pytest.mark.django_db
@pytest.mark.usefixtures("loaded_demo")
class TestTheLoadedDemo:
    """Read-only checks of one loaded demo."""

    # --- The directory ---------------------------------------------------------------------

    def test_the_directory_has_the_six_services_with_the_right_kinds(self):
        admin = user("admin")
        services = {s.name: s for s in Service.objects.all()}
        assert len(services) == 6
        wanted = {
            "Wat Prey Chheu school-day meals": {"food"},
            "Trapeang Kong commune scholarship": {"education"},
            "Srah Thmei health centre": {"health"},
            "Family legal aid clinic": {"legal"},
            "Listening Tree counselling": {"psychosocial"},
            "Tailoring and motorbike repair training": {"livelihood"},
        }
        for name, kinds in wanted.items():
            service = services[name]
            assert set(service.kinds.values_list("code", flat=True)) == kinds, name
            assert service.directory_of == admin.organisation
            assert service.is_active
            assert service.provider, name
            assert service.eligibility, name
            assert service.area_notes, name
            assert service.phone.startswith("000 "), name
        # Searchable by need and village.
        food = HelpKind.objects.get(code="food")
        assert [s.name for s in services_search(user("worker"), need=food)] == [TEMPLE_NAME]

    def test_only_the_temple_receives_referrals_in_upstream(self):
        partner = user("partner")
        temple = Service.objects.get(name=TEMPLE_NAME)
        assert list(temple.partner_users.all()) == [partner]
        assert temple.receives_in_upstream
        others = Service.objects.exclude(pk=temple.pk)
        assert not any(s.receives_in_upstream for s in others)
        # The pagoda committee of a demo village, covering villages around it.
        team_a = Team.objects.get(name__startswith="Team A")
        villages = set(temple.villages.all())
        assert villages
        assert villages <= set(team_a.villages.all())

    # --- Intake ----------------------------------------------------------------------------

    def test_the_supervisor_s_queue_has_the_awaiting_referrals_most_urgent_first(self):
        queue = list(intake_queue(user("supervisor")))
        assert len(queue) >= 4
        assert all(i.status == Intake.Status.AWAITING for i in queue)
        ranks = [Intake.URGENCY_RANK[i.urgency] for i in queue]
        assert ranks == sorted(ranks)
        assert {i.urgency for i in queue} == set(Intake.Urgency.values)
        # Of different ages, in the past, from different referrers.
        assert len({i.age_days for i in queue}) == len(queue)
        assert all(i.received_at < timezone.now() for i in queue)
        assert {Intake.ReferrerKind.ANONYMOUS, Intake.ReferrerKind.PROFESSIONAL} <= {
            i.referrer_kind for i in queue
        }
        chiefs = [i for i in queue if "Village chief" in i.referrer_organisation]
        neighbours = [i for i in queue if i.referrer_organisation == "Neighbour"]
        assert chiefs
        assert neighbours
        assert "Teacher" in next(
            i.referrer_organisation
            for i in queue
            if i.referrer_kind == Intake.ReferrerKind.PROFESSIONAL
        )
        anonymous = next(i for i in queue if i.referrer_kind == Intake.ReferrerKind.ANONYMOUS)
        assert anonymous.referrer_name == ""
        # Named in Khmer, in Latin letters, or both; every referral is about a child.
        people = [p for i in queue for p in i.people.all()]
        assert any(p.name_km and not p.name_latin for p in people)
        assert any(p.name_latin and not p.name_km for p in people)
        assert any(p.name_km and p.name_latin for p in people)
        assert all(i.people.filter(is_child_of_concern=True).exists() for i in queue)
        # Nobody else's queue: a worker records referrals but does not screen them.
        assert not intake_queue(user("worker")).exists()
        assert not intake_queue(user("partner")).exists()

    def test_two_referrals_were_screened_with_a_reason_and_none_opened_a_case(self):
        screened = Intake.objects.filter(status=Intake.Status.SCREENED)
        decisions = dict(screened.values_list("decision", "service__name"))
        assert set(decisions) == {Intake.Decision.NO_FURTHER_ACTION, Intake.Decision.SIGNPOST}
        assert decisions[Intake.Decision.SIGNPOST] == "Tailoring and motorbike repair training"
        for intake in screened:
            assert intake.decision_reason.strip()
            assert intake.decided_by is not None
            assert intake.decided_at is not None
        assert not Intake.objects.exclude(case=None).exists()

    # --- Consent ---------------------------------------------------------------------------

    def test_consents_from_caregivers_and_a_child_one_withdrawn_one_expired(self):
        today = timezone.localdate()
        consents = list(Consent.objects.select_related("given_by", "case"))
        caregivers = [c for c in consents if c.given_by_kind == Consent.GivenBy.CAREGIVER]
        assert {c.given_by.relationship for c in caregivers} >= {
            Person.Relationship.MOTHER,
            Person.Relationship.GRANDPARENT,
        }
        child = [c for c in consents if c.given_by_kind == Consent.GivenBy.CHILD]
        assert child
        assert all(c.child_age and c.understanding.strip() for c in child)
        assert all(c.given_by.relationship == Person.Relationship.CHILD for c in child)
        withdrawn = [c for c in consents if c.is_withdrawn]
        assert len(withdrawn) == 1
        assert withdrawn[0].withdrawal_note
        assert withdrawn[0].withdrawn_by_person is not None
        expired = [c for c in consents if c.expires_on is not None and c.expires_on < today]
        assert len(expired) == 1
        assert not expired[0].in_force_on(today)
        assert all(c.given_on <= today and c.how_explained and c.purpose for c in consents)
        working = (Case.Phase.INTERVENTION, Case.Phase.FOLLOW_UP)
        assert len({c.case_id for c in consents if c.case.phase in working}) >= 3

    def test_the_expired_consent_keeps_its_referral_a_draft(self):
        expired = Consent.objects.get(expires_on__lt=timezone.localdate())
        draft = OutgoingReferral.objects.get(case=expired.case, status=Status.DRAFT)
        check = consent_check(draft.case, draft.service, draft.shared_fields, draft.help_kind)
        assert check.consent is None
        assert "expired" in check.message

    # --- Referrals -------------------------------------------------------------------------

    def test_every_state_of_the_lifecycle_exists(self):
        referrals = OutgoingReferral.objects.all()
        assert set(referrals.values_list("status", flat=True)) == set(Status.values)
        declined = referrals.get(status=Status.DECLINED)
        assert declined.decline_reason.strip()
        assert declined.decided_at is not None
        completed = referrals.get(status=Status.COMPLETED)
        assert completed.outcome.strip()
        assert completed.completed_at is not None
        withdrawn = referrals.get(status=Status.WITHDRAWN)
        assert withdrawn.withdraw_reason.strip()
        assert withdrawn.was_sent
        # The withdrawn referral went under the consent that was withdrawn since.
        assert withdrawn.consent is not None
        assert withdrawn.consent.is_withdrawn
        for referral in referrals.exclude(status=Status.DRAFT):
            assert referral.was_sent, referral.pk
            assert referral.shared_data, referral.pk
        assert not referrals.filter(status=Status.DRAFT).exclude(sent_at=None).exists()
        assert all(r.case.phase != Case.Phase.CLOSED for r in referrals.select_related("case"))

    def test_sent_under_consent_and_under_a_supervisor_s_best_interests_override(self):
        sent = OutgoingReferral.objects.exclude(sent_at=None)
        under_consent = sent.exclude(consent=None)
        assert under_consent.count() >= 5
        override = sent.get(consent=None)
        assert override.is_override
        assert override.override_reason.strip()
        assert override.override_by == override.sent_by
        assert override.override_by is not None
        assert override.override_by.role == User.Role.SUPERVISOR
        assert override.case.team.supervisors.filter(pk=override.override_by.pk).exists()
        share = AuditEvent.objects.get(
            event=AuditEvent.Event.SHARE, object_pk=str(override.pk), case=override.case
        )
        assert share.reason == override.override_reason
        assert share.additional_data["override"] is True

    def test_partner_sees_only_the_temple_s_sent_referrals_and_never_a_draft(self):
        partner = user("partner")
        temple = Service.objects.get(name=TEMPLE_NAME)
        visible = list(referrals_for_partner(partner))
        assert visible
        assert {r.service_id for r in visible} == {temple.pk}
        assert {r.pk for r in visible} == set(
            OutgoingReferral.objects.filter(service=temple)
            .exclude(status=Status.DRAFT)
            .values_list("pk", flat=True)
        )
        # The temple has a draft too, which the partner never sees.
        assert OutgoingReferral.objects.filter(service=temple, status=Status.DRAFT).exists()
        assert {r.status for r in visible} >= {
            Status.ACKNOWLEDGED,
            Status.ACCEPTED,
            Status.DECLINED,
            Status.COMPLETED,
            Status.WITHDRAWN,
        }
        for referral in visible:
            view = partner_view(referral)
            assert {f["code"] for f in view["shared_fields"]} == set(referral.shared_fields)
            assert referral.case.reference not in str(view)
        # Nobody else who is not a partner sees any.
        assert not referrals_for_partner(user("worker")).exists()

    def test_the_partner_acted_for_the_temple(self):
        partner = user("partner")
        temple_moves = AuditEvent.objects.filter(
            content_type__model="outgoingreferral", actor=partner
        )
        assert temple_moves.exists()
        assert set(temple_moves.values_list("event", flat=True)) == {AuditEvent.Event.CHANGE}

    def test_everything_went_through_the_services(self):
        for model, name in (
            (Service, "service"),
            (Intake, "intake"),
            (Consent, "consent"),
            (OutgoingReferral, "outgoingreferral"),
        ):
            created = AuditEvent.objects.filter(
                event=AuditEvent.Event.CREATE, content_type__model=name
            )
            assert created.count() == model._default_manager.count(), name
        shares = AuditEvent.objects.filter(event=AuditEvent.Event.SHARE)
        assert shares.count() == OutgoingReferral.objects.exclude(sent_at=None).count()
        withdrawals = AuditEvent.objects.filter(
            event=AuditEvent.Event.WITHDRAW, content_type__model="consent"
        )
        assert withdrawals.count() == Consent.objects.exclude(withdrawn_on=None).count()
