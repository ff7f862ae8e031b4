"""The demo's intake, service directory, consents and referrals.

What an intake worker, a social worker and a partner would find (the stories are in
`demo_data`), written through the services exactly as they would write it, so the audit trail
is real: the organisation's directory of six services (the pagoda's meals receive referrals in
Upstream through the demo `partner`; the others on paper); incoming referrals awaiting
screening, one of each urgency, and two screened (no further action; signposted); consents from
caregivers and from a child, one withdrawn and one expired; and referrals to services in every
state of their lifecycle, one sent on a supervisor's best-interests decision. No case is opened
from intake here (the other demos count the cases).

Running it twice adds nothing: a service already in the directory (by name), an incoming
referral already recorded (by its text) and a case that already has a consent or a referral are
left alone.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Exists, OuterRef
from django.utils import timezone

from casework.models import Case, ConcernCategory, Organisation, Person, User, Village

from .demo_data import (
    DEMO_INTAKES,
    DEMO_SERVICES,
    DEMO_SHARING,
    STATUS,
    DemoConsent,
    DemoIntake,
    DemoReferral,
    DemoSharing,
)
from .kinds import ensure_default_help_kinds
from .models import Consent, HelpKind, Intake, OutgoingReferral, Service
from .services import (
    IntakePersonData,
    consent_record,
    consent_withdraw,
    intake_record,
    intake_screen,
    referral_accept,
    referral_acknowledge,
    referral_complete,
    referral_decline,
    referral_draft,
    referral_send,
    referral_withdraw,
    service_create,
)

# How far along the lifecycle each final status of a story goes (withdrawn: sent, then withdrawn).
_STEPS: dict[str, tuple[str, ...]] = {
    STATUS.DRAFT: (),
    STATUS.SENT: ("send",),
    STATUS.ACKNOWLEDGED: ("send", "acknowledge"),
    STATUS.ACCEPTED: ("send", "acknowledge", "accept"),
    STATUS.DECLINED: ("send", "acknowledge", "decline"),
    STATUS.COMPLETED: ("send", "acknowledge", "accept", "complete"),
    STATUS.WITHDRAWN: ("send",),  # withdrawn after the family's consent is withdrawn
}


def _villages(organisation: Organisation) -> dict[str, Village]:
    return {
        village.name: village
        for village in Village.objects.filter(teams__organisation=organisation).distinct()
    }


def _directory(
    organisation: Organisation, users: dict[str, User], villages: dict[str, Village]
) -> dict[str, Service]:
    """The directory's services by key, each created once (by the administrator)."""
    admin = users["admin"]
    kinds = {kind.code: kind for kind in HelpKind.objects.all()}
    existing = {s.name: s for s in Service.objects.filter(directory_of=organisation)}
    services: dict[str, Service] = {}
    for spec in DEMO_SERVICES:
        service = existing.get(spec.name)
        if service is None:
            service = service_create(
                actor=admin,
                data={
                    "name": spec.name,
                    "provider": spec.provider,
                    "description": spec.description,
                    "area_notes": spec.area_notes,
                    "eligibility": spec.eligibility,
                    "contact_name": spec.contact_name,
                    "phone": spec.phone,
                    "address": spec.address,
                },
                kinds=[kinds[code] for code in spec.kinds],
                villages=[villages[name] for name in spec.villages],
                partner_users=[users[login] for login in spec.partners],
            )
        services[spec.key] = service
    return services


def _intake(
    spec: DemoIntake,
    *,
    organisation: Organisation,
    users: dict[str, User],
    villages: dict[str, Village],
    services: dict[str, Service],
    now: datetime.datetime,
) -> None:
    concerns = list(ConcernCategory.objects.filter(code__in=spec.concerns))
    if len(concerns) != len(spec.concerns):
        raise ImproperlyConfigured(f"Unknown concern codes in {spec.concerns}.")
    intake = intake_record(
        actor=users[spec.recorded_by],
        data={
            "received_at": now - datetime.timedelta(hours=spec.hours_ago),
            "referrer_kind": spec.referrer_kind,
            "referrer_name": spec.referrer_name,
            "referrer_organisation": spec.referrer_organisation,
            "referrer_contact": spec.referrer_contact,
            "referrer_confidential": spec.referrer_confidential,
            "family_name": spec.family_name,
            "village": villages[spec.village] if spec.village else None,
            "address_notes": spec.address_notes,
            "urgency": spec.urgency,
            "description": spec.description,
        },
        people=[
            IntakePersonData(
                relationship=p.relationship,
                given_name_km=p.given_km,
                family_name_km=p.family_km,
                given_name_latin=p.given_latin,
                family_name_latin=p.family_latin,
                sex=p.sex,
                approximate_age=p.age,
                is_child_of_concern=p.of_concern,
            )
            for p in spec.people
        ],
        concerns=concerns,
    )
    screening = spec.screening
    if screening is None:
        return
    intake_screen(
        actor=users[screening.by],
        intake=intake,
        expected_version=intake.version,
        decision=screening.decision,
        reason=screening.reason,
        service=services[screening.service] if screening.service else None,
    )


class _Writer:
    """Writes one case's consents and referrals through the services."""

    def __init__(
        self,
        spec: DemoSharing,
        case: Case,
        users: dict[str, User],
        services: dict[str, Service],
        today: datetime.date,
    ) -> None:
        self.spec = spec
        self.case = case
        self.today = today
        self.services = services
        # The case's worker writes; where a supervisor holds the case, the covering worker.
        self.author = (
            case.covering_worker
            if case.worker.role == User.Role.SUPERVISOR and case.covering_worker is not None
            else case.worker
        )
        supervisor = case.team.supervisors.filter(is_active=True).order_by("pk").first()
        if supervisor is None:
            raise ImproperlyConfigured(f"{case.team.name} has no supervisor.")
        self.supervisor = supervisor
        self.people = {p.given_name_latin: p for p in case.family.people.all()}
        self.kinds = {kind.code: kind for kind in HelpKind.objects.all()}
        self.consents: dict[str, Consent] = {}

    def person(self, name: str) -> Person:
        try:
            return self.people[name]
        except KeyError:
            raise ImproperlyConfigured(
                f"{self.spec.family_name}: {name} is not one of the family."
            ) from None

    def day(self, days: int) -> datetime.date:
        return self.today + datetime.timedelta(days=days)

    def write(self) -> None:
        for consent in self.spec.consents:
            self.consent(consent)
        sent = [(spec, self.referral(spec)) for spec in self.spec.referrals]
        for consent_spec in self.spec.consents:
            if consent_spec.withdrawn_by:
                consent_withdraw(
                    actor=self.author,
                    consent=self.consents[consent_spec.key],
                    withdrawn_by=self.person(consent_spec.withdrawn_by),
                    withdrawn_on=self.today,
                    note=consent_spec.withdrawal_note,
                )
        for spec, referral in sent:
            if spec.status == STATUS.WITHDRAWN:
                referral_withdraw(
                    actor=self.author,
                    referral=referral,
                    reason=spec.withdraw_reason,
                    expected_version=referral.version,
                )

    def consent(self, spec: DemoConsent) -> None:
        self.consents[spec.key] = consent_record(
            actor=self.author,
            case=self.case,
            given_by=self.person(spec.given_by),
            given_by_kind=spec.kind,
            information=list(spec.information),
            purpose=spec.purpose,
            given_on=self.day(-spec.given_days_ago),
            how_explained=spec.how_explained,
            services=[self.services[key] for key in spec.services],
            kinds=[self.kinds[code] for code in spec.kinds],
            expires_on=(
                self.day(spec.expires_in_days) if spec.expires_in_days is not None else None
            ),
            understanding=spec.understanding,
        )

    def referral(self, spec: DemoReferral) -> OutgoingReferral:
        service = self.services[spec.service]
        referral = referral_draft(
            actor=self.author,
            case=self.case,
            service=service,
            help_kind=self.kinds[spec.kind],
            need=spec.need,
            children=[self.person(name) for name in spec.children],
            shared_fields=list(spec.fields) if spec.fields is not None else None,
            background=spec.background,
            follow_up_on=(
                self.day(spec.follow_up_in_days) if spec.follow_up_in_days is not None else None
            ),
        )
        partner = service.partner_users.filter(is_active=True).order_by("pk").first()
        for step in _STEPS[spec.status]:
            version = referral.version
            if step == "send":
                referral = referral_send(
                    actor=self.supervisor if spec.override_reason else self.author,
                    referral=referral,
                    expected_version=version,
                    override_reason=spec.override_reason,
                )
                continue
            if partner is None:
                raise ImproperlyConfigured(f"{service.name} receives its referrals on paper.")
            if step == "acknowledge":
                referral = referral_acknowledge(
                    actor=partner, referral=referral, expected_version=version
                )
            elif step == "accept":
                referral = referral_accept(
                    actor=partner, referral=referral, expected_version=version
                )
            elif step == "decline":
                referral = referral_decline(
                    actor=partner,
                    referral=referral,
                    reason=spec.decline_reason,
                    expected_version=version,
                )
            elif step == "complete":
                referral = referral_complete(
                    actor=partner, referral=referral, outcome=spec.outcome, expected_version=version
                )
        return referral


def _untouched(cases: list[Case]) -> set[int]:
    """The cases that have neither a consent nor a referral yet."""
    case = OuterRef("pk")
    return set(
        Case.objects.filter(pk__in=[c.pk for c in cases])
        .filter(
            ~Exists(Consent.objects.filter(case=case)),
            ~Exists(OutgoingReferral.objects.filter(case=case)),
        )
        .values_list("pk", flat=True)
    )


def demo_referrals_load(
    organisation: Organisation, users: dict[str, User], cases: list[Case]
) -> None:
    """Write the demo's directory, incoming referrals, consents and referrals, once."""
    # A flushed database (the browser tests) has lost the kinds the migration seeded.
    ensure_default_help_kinds(HelpKind)
    villages = _villages(organisation)
    services = _directory(organisation, users, villages)
    now = timezone.now()
    recorded = set(
        Intake.objects.filter(organisation=organisation).values_list("description", flat=True)
    )
    for intake in DEMO_INTAKES:
        if intake.description not in recorded:
            _intake(
                intake,
                organisation=organisation,
                users=users,
                villages=villages,
                services=services,
                now=now,
            )
    today = timezone.localdate()
    by_family = {spec.family_name: spec for spec in DEMO_SHARING}
    untouched = _untouched(cases)
    # The phases as they are now: an earlier part of the demo (reviews) may have closed a case.
    current = (
        Case.objects.filter(pk__in=untouched)
        .select_related("family", "team", "worker", "covering_worker")
        .order_by("pk")
    )
    for case in current:
        spec = by_family.get(case.family.family_name)
        if spec is None or case.phase != spec.phase:
            continue
        _Writer(spec, case, users, services, today).write()
