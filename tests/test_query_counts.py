"""Every page keeps a fixed number of queries, however much data is behind it (issue 10).

One synthetic organisation is built through the services (as its staff would write it) at a small
size, every page is measured, the organisation is grown in place to several times the rows of
every kind a page shows (cases on a caseload, visits, assessments, plans, safety plans, reviews,
referrals, consents, exports, notifications, audit events, teams and users), and every page is
measured again. A page whose count moved has a query per row somewhere (an N+1): the test names
it with both figures. The larger count is also pinned with `django_assert_max_num_queries`, so a
page that starts asking more fails here even at one size.

The guard at the end walks the project's URL patterns: a page nobody measures must be listed in
EXCLUDED with the reason, so a new page cannot slip past unmeasured.
"""

from __future__ import annotations

import datetime
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from unittest import mock

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from assessments.domain_services import NeedDomainData, need_domain_save
from assessments.models import Approval, Assessment, CasePlan, ChildVoice, NeedDomain
from assessments.services import (
    ActionData,
    EntryData,
    GoalData,
    NeedData,
    RiskData,
    assessment_decide,
    assessment_start,
    assessment_submit,
    assessment_update,
    child_voice_record,
    mapping_record,
    plan_decide,
    plan_start,
    plan_submit,
    plan_update,
    scale_record,
)
from casework import sessions
from casework.concern_services import ConcernCategoryData, concern_category_save
from casework.models import (
    Case,
    ConcernCategory,
    HomeVisit,
    Organisation,
    Person,
    Team,
    User,
    Village,
)
from casework.services import (
    CaseData,
    ChildSeen,
    PersonData,
    case_concerns_set,
    case_open,
    case_transition,
    organisation_sync_administrators,
    person_add,
    team_sync_groups,
    visit_addendum_add,
    visit_record,
)
from casework.tests.factories import (
    OrganisationFactory,
    TeamFactory,
    UserFactory,
    VillageFactory,
    open_case,
)
from referrals.models import Consent, HelpKind, Intake, OutgoingReferral, Service
from referrals.services import (
    IntakePersonData,
    consent_record,
    intake_record,
    intake_worker_add,
    referral_acknowledge,
    referral_draft,
    referral_send,
    service_create,
)
from referrals.services.help_kinds import HelpKindData, help_kind_save
from reports.models import CaseExport
from reports.services import export_request
from reviews.models import Review
from reviews.services import (
    GoalProgressData,
    ParticipantData,
    ReviewRecord,
    RuleProgressData,
    ScoreData,
    open_review,
    review_addendum_add,
    review_assign_chair,
    review_record,
    review_sign,
)
from safetyplans.models import Intervention, NetworkMember, SafetyPlan
from safetyplans.services import (
    RuleData,
    intervention_record,
    network_member_add,
    safety_plan_agree,
    safety_plan_start,
    safety_plan_update,
)
from security.emergency import emergency_request
from security.models import EmergencyAccess

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass(frozen=True)
class Size:
    """How much of everything the organisation holds."""

    worker_cases: int  # on the worker's caseload (the focus case among them)
    colleague_cases: int  # on the team's caseload besides
    rounds: int  # visits, assessments, plans, safety plans, reviews... of the focus case
    children: int  # children the focus case is about
    intakes: int
    services: int
    extra_teams: int
    extra_members: int  # more social workers on team A
    extra_kinds: int  # more need domains, concerns and kinds of help
    returning: int  # families back after their case closed
    emergency: int  # emergency accesses to team A's cases


SMALL = Size(
    worker_cases=2,
    colleague_cases=1,
    rounds=1,
    children=1,
    intakes=1,
    services=1,
    extra_teams=0,
    extra_members=0,
    extra_kinds=0,
    returning=1,
    emergency=1,
)
LARGE = Size(
    worker_cases=12,
    colleague_cases=4,
    rounds=8,
    children=4,
    intakes=8,
    services=8,
    extra_teams=4,
    extra_members=6,
    extra_kinds=4,
    returning=4,
    emergency=6,
)


# --- The organisation, written through the services ----------------------------------------------


@dataclass
class World:
    organisation: Organisation
    team_a: Team
    team_b: Team
    villages: list[Village]
    users: dict[str, User]
    focus: Case
    partner_service: Service
    cases: list[Case] = field(default_factory=list)  # the other cases in intervention
    returning: list[Case] = field(default_factory=list)  # families back after a closed case
    rounds: int = 0
    counter: int = 0

    def next(self) -> int:
        self.counter += 1
        return self.counter

    def case(self) -> Case:
        return Case.objects.get(pk=self.focus.pk)


def _today() -> datetime.date:
    return timezone.localdate()


def _day(days: int) -> datetime.date:
    return _today() + datetime.timedelta(days=days)


def _kind(code: str) -> HelpKind:
    return HelpKind.objects.get(code=code)


def _domain(code: str) -> NeedDomain:
    return NeedDomain.objects.get(code=code)


def _mother(case: Case) -> Person:
    person = (
        Person.objects.filter(family_id=case.family_id, relationship=Person.Relationship.MOTHER)
        .order_by("pk")
        .first()
    )
    assert person is not None
    return person


def _approved_assessment(case: Case, worker: User, supervisor: User, n: int) -> Assessment:
    assessment = assessment_start(
        actor=worker,
        case=case,
        data={"participants": "Mother, children", "summary": f"Assessment {n}."},
    )
    assessment = _fill_assessment(case, worker, assessment, n)
    assessment = assessment_submit(
        actor=worker, case=case, assessment=assessment, expected_version=assessment.version
    )
    return assessment_decide(
        actor=supervisor,
        case=case,
        assessment=assessment,
        expected_version=assessment.version,
        approve=True,
    )


def _fill_assessment(case: Case, worker: User, assessment: Assessment, n: int) -> Assessment:
    return assessment_update(
        actor=worker,
        case=case,
        assessment=assessment,
        expected_version=assessment.version,
        data={"family_views": f"The family's view, round {n}."},
        needs=[
            NeedData(
                domain_id=_domain(code).pk,
                need=f"{code} need {n}",
                met="unmet",
                strengths="Grandmother helps.",
                analysis="Irregular income.",
                risks=[
                    RiskData(description="Misses school", kind="surface"),
                    RiskData(description="No income in the dry season", kind="root"),
                ],
            )
            for code in ("education", "health", "income")
        ],
    )


def _approved_plan(case: Case, worker: User, supervisor: User, n: int) -> CasePlan:
    plan = _draft_plan(case, worker, n)
    plan = plan_submit(actor=worker, case=case, plan=plan, expected_version=plan.version)
    return plan_decide(
        actor=supervisor, case=case, plan=plan, expected_version=plan.version, approve=True
    )


def _draft_plan(case: Case, worker: User, n: int) -> CasePlan:
    plan = plan_start(actor=worker, case=case)
    needs = list(plan.assessment.needs.order_by("pk").values_list("pk", flat=True))
    return plan_update(
        actor=worker,
        case=case,
        plan=plan,
        expected_version=plan.version,
        family_agreement=f"Agreed at home, version {n}.",
        goals=[
            GoalData(
                text=f"Goal {g} of version {n}",
                need_ids=[need_id],
                actions=[
                    ActionData(what=f"Action {a} of goal {g}", who="worker", due_on=_day(30))
                    for a in range(2)
                ],
            )
            for g, need_id in enumerate(needs)
        ],
    )


def _to_intervention(case: Case, worker: User, supervisor: User) -> Case:
    """An approved assessment and plan: the case moves to intervention, its first review due."""
    case_transition(actor=worker, case=case, to=Case.Phase.ASSESSMENT)
    case = Case.objects.get(pk=case.pk)
    _approved_assessment(case, worker, supervisor, 0)
    _approved_plan(case, worker, supervisor, 0)
    case = Case.objects.get(pk=case.pk)
    assert case.phase == Case.Phase.INTERVENTION
    return case


def _visit(case: Case, worker: User, n: int, *, sign: bool) -> HomeVisit:
    children = list(case.children.order_by("pk"))
    return visit_record(
        actor=worker,
        case=case,
        data={
            "occurred_at": timezone.now() - datetime.timedelta(days=n + 1),
            "kind": HomeVisit.Kind.HOME,
            "place": "The family's home",
            "present": "Mother, children",
            "observations": f"Visit {n}: the children were at home.",
            "family_words": "Things are calmer.",
            "child_words": "I went to school.",
            "agreed": "Visit again next month.",
        },
        children=[ChildSeen(child_id=c.pk, seen=True, seen_alone=False) for c in children],
        sign=sign,
    )


def _consent(case: Case, worker: User) -> Consent:
    return consent_record(
        actor=worker,
        case=case,
        given_by=_mother(case),
        given_by_kind=Consent.GivenBy.CAREGIVER,
        information=["names", "age", "village", "need"],
        purpose="Meals and school for the children.",
        given_on=_day(-5),
        how_explained="At home, in Khmer.",
        kinds=[_kind("food"), _kind("education")],
    )


def _referral(w: World, case: Case, worker: User, *, send: bool) -> OutgoingReferral:
    referral = referral_draft(
        actor=worker,
        case=case,
        service=w.partner_service,
        help_kind=_kind("food"),
        need="A daily meal for the children.",
        children=list(case.children.order_by("pk")),
        shared_fields=["names", "age", "village", "need"],
        follow_up_on=_day(14),
    )
    if not send:
        return referral
    referral = referral_send(actor=worker, referral=referral, expected_version=referral.version)
    return referral_acknowledge(
        actor=w.users["partner"], referral=referral, expected_version=referral.version
    )


def _hold_review(w: World, case: Case, *, decision: str) -> Review:
    """The case's open review, chaired from team B, held today and signed off."""
    supervisor, chair = w.users["supervisor"], w.users["chair"]
    review = open_review(case)
    assert review is not None
    review = review_assign_chair(actor=supervisor, case=case, review=review, chair=chair)
    if review.due_on > _today():
        # As if scheduled weeks ago: the service refuses a past date, so only the date moves.
        Review.objects.filter(pk=review.pk).update(due_on=_today())
        review.refresh_from_db()
    goals = CasePlan.objects.get(case=case, status=Approval.APPROVED).goals.order_by("pk")
    safety = SafetyPlan.objects.filter(case=case, status=SafetyPlan.Status.AGREED).first()
    review = review_record(
        actor=chair,
        case=case,
        review=review,
        expected_version=review.version,
        data=ReviewRecord(
            held_on=_today(),
            place="The family's home",
            child_views="I like school now.",
            family_views="Things are calmer at home.",
            decision=decision,
            decision_reasons="Good progress.",
            participants=[
                ParticipantData(kind="child", person=c, gathered="present")
                for c in case.children.order_by("pk")
            ]
            + [ParticipantData(kind="family", person=_mother(case))],
            goals=[GoalProgressData(goal=g, progress="some", note="Going well") for g in goals],
            rules=[
                RuleProgressData(rule=r, kept="kept", note="Kept")
                for r in (safety.rules.all() if safety else [])
            ],
            scores=[
                ScoreData(voice="worker", score=7, reason="Better.", given_by_user=case.worker)
            ],
        ),
    )
    return review_sign(actor=chair, case=case, review=review, expected_version=review.version)


def _cast() -> World:
    organisation = OrganisationFactory.create(name="Synthetic Agency QC")
    partner_org = OrganisationFactory.create(
        name="Synthetic Partner QC", kind=Organisation.Kind.PARTNER
    )
    villages = [VillageFactory.create(name=f"QC Village {i}") for i in range(3)]
    team_a = TeamFactory.create(name="QC Team A", organisation=organisation)
    team_b = TeamFactory.create(name="QC Team B", organisation=organisation)
    team_a.villages.set(villages)
    team_b.villages.set(villages[2:])

    def user(
        name: str, role: str = User.Role.SOCIAL_WORKER, org: Organisation | None = None
    ) -> User:
        return UserFactory.create(
            username=f"qc-{name}", organisation=org or organisation, role=role
        )

    users = {
        "worker": user("worker"),
        "colleague": user("colleague"),
        "supervisor": user("supervisor", User.Role.SUPERVISOR),
        "outsider": user("outsider"),
        "chair": user("chair", User.Role.SUPERVISOR),
        "admin": user("admin", User.Role.ADMINISTRATOR),
        "partner": user("partner", User.Role.PARTNER, partner_org),
        "superuser": user("superuser", User.Role.ADMINISTRATOR),
        # A supervisor of team B who breaks the glass on team A's cases.
        "responder": user("responder", User.Role.SUPERVISOR),
    }
    User.objects.filter(pk=users["superuser"].pk).update(is_staff=True, is_superuser=True)
    users["superuser"].refresh_from_db()
    team_a.members.add(users["worker"], users["colleague"])
    team_a.supervisors.add(users["supervisor"])
    team_b.members.add(users["outsider"])
    team_b.supervisors.add(users["chair"], users["responder"])
    team_sync_groups(team=team_a)
    team_sync_groups(team=team_b)
    organisation_sync_administrators(organisation=organisation)
    intake_worker_add(actor=users["admin"], user=users["colleague"])
    service = service_create(
        actor=users["admin"],
        data={"name": "QC Temple meals", "provider": "Wat Synthetic committee"},
        kinds=[_kind("food"), _kind("education")],
        villages=villages,
        partner_users=[users["partner"]],
    )
    focus = open_case(team=team_a, worker=users["worker"], family_name="Focus", village=villages[0])
    focus = _to_intervention(focus, users["worker"], users["supervisor"])
    return World(
        organisation=organisation,
        team_a=team_a,
        team_b=team_b,
        villages=villages,
        users=users,
        focus=focus,
        partner_service=service,
    )


def _other_case(w: World, worker: User) -> None:
    """Another case of team A, in intervention, with a bit of everything the lists show: its
    review overdue, due this week without a chair, or held and closed without a next one; its
    safety scale falling; a re-assessment awaiting the supervisor; a safety plan still in draft
    after weeks in intervention; a referral with the partner service."""
    n = w.next()
    supervisor = w.users["supervisor"]
    case = open_case(
        team=w.team_a,
        worker=worker,
        family_name=f"Family {n}",
        village=w.villages[n % len(w.villages)],
        children=2,
    )
    case = _to_intervention(case, worker, supervisor)
    review = open_review(case)
    assert review is not None
    if n % 3 == 0:
        review = review_assign_chair(
            actor=supervisor, case=case, review=review, chair=w.users["chair"]
        )
        Review.objects.filter(pk=review.pk).update(due_on=_day(-3 - n))
    elif n % 3 == 1:
        Review.objects.filter(pk=review.pk).update(due_on=_day(n % 7))
    else:
        _hold_review(w, case, decision="close")  # no next review: "without a review"
    _visit(case, worker, n, sign=True)
    _visit(case, worker, n, sign=False)
    scale_record(
        actor=worker, case=case, score=7, voice="worker", reason="Before.", recorded_on=_day(-9)
    )
    scale_record(
        actor=worker, case=case, score=4, voice="worker", reason="After.", recorded_on=_day(-2)
    )
    assessment = assessment_start(actor=worker, case=case, data={"summary": "Re-assessment."})
    assessment = _fill_assessment(case, worker, assessment, n)
    assessment_submit(
        actor=worker, case=case, assessment=assessment, expected_version=assessment.version
    )
    safety_plan_start(actor=worker, case=case)
    network_member_add(
        actor=worker, case=case, data={"name": f"Neighbour {n}", "relationship": "neighbour"}
    )
    _consent(case, worker)
    _referral(w, case, worker, send=True)
    # In intervention for weeks (the services write "now"): only the timestamp moves.
    Case.objects.filter(pk=case.pk).update(
        phase_since=timezone.now() - datetime.timedelta(days=40 + n)
    )
    w.cases.append(Case.objects.get(pk=case.pk))


def _returning_family(w: World) -> None:
    """A family whose case closed at intake comes back: a new case, flagged to the supervisor."""
    n = w.next()
    worker = w.users["worker"]
    first = open_case(
        team=w.team_a, worker=worker, family_name=f"Returning {n}", village=w.villages[0]
    )
    case_concerns = [ConcernCategory.objects.get(code="neglect")]
    case_concerns_set(actor=worker, case=first, concerns=case_concerns)
    case_transition(actor=worker, case=first, to=Case.Phase.CLOSED, reason="No concern found.")
    case = case_open(
        actor=worker,
        data=CaseData(
            family_name=first.family.family_name,
            village_id=first.family.village_id,
            tier="early",
            risk_level="medium",
            team=w.team_a,
            worker=worker,
            people=[],
            reason="Back again.",
            concerns=case_concerns,
            family=first.family,
            existing_children=list(first.children.all()),
        ),
    )
    w.returning.append(case)


def _round(w: World) -> None:
    """One more of every kind of record on the focus case."""
    n = w.next()
    case = w.case()
    worker, supervisor = w.users["worker"], w.users["supervisor"]
    visit = _visit(case, worker, n, sign=True)
    visit_addendum_add(actor=worker, case=case, visit=visit, text=f"Addendum {n}.")
    mapping = mapping_record(
        actor=worker,
        case=case,
        held_on=_day(-n),
        participants="Mother, grandmother",
        entries=[
            EntryData(column="worries", kind="danger", text=f"Danger {n}", voice="worker"),
            EntryData(column="next", kind="safety_goal", text=f"Safe goal {n}", voice="family"),
            EntryData(column="working_well", kind="strength", text=f"Strength {n}", voice="family"),
        ],
    )
    entries = {e.kind: e.pk for e in mapping.entries.all()}
    children = list(case.children.order_by("pk"))
    scale_record(actor=worker, case=case, score=5, voice="worker", reason=f"Score {n}.")
    scale_record(
        actor=worker,
        case=case,
        score=6,
        voice="family",
        reason="Mother's score.",
        person=_mother(case),
    )
    child_voice_record(
        actor=worker,
        case=case,
        child_id=children[n % len(children)].pk,
        data={"recorded_on": _today(), "worries": f"Worry {n}", "wishes": "To go to school"},
    )
    if w.rounds:  # the first assessment and plan took the case to intervention
        _approved_assessment(case, worker, supervisor, n)
        _approved_plan(case, worker, supervisor, n)
    member = network_member_add(
        actor=worker,
        case=case,
        data={"name": f"Aunt {n}", "relationship": "aunt", "agreed_to_do": "Visits daily"},
    )
    plan = safety_plan_start(actor=worker, case=case)
    plan = safety_plan_update(
        actor=worker,
        case=case,
        plan=plan,
        expected_version=plan.version,
        family_language="en",
        for_the_children="Everyone helps to keep you safe.",
        rules=[
            RuleData(
                text=f"Rule {n}: the children sleep at the aunt's if father drinks",
                responsible_member_id=member.pk,
                how_known="The aunt tells the worker",
                if_not_kept="The worker visits the next day",
                danger_id=entries["danger"],
                safety_goal_id=entries["safety_goal"],
            )
        ],
    )
    plan = safety_plan_agree(
        actor=worker,
        case=case,
        plan=plan,
        expected_version=plan.version,
        agreed_on=_today(),
        people=[_mother(case).pk],
        members=[member.pk],
    )
    approved = CasePlan.objects.filter(case=case, status=Approval.APPROVED).get()
    goals = list(approved.goals.order_by("pk"))
    intervention_record(
        actor=worker,
        case=case,
        data={
            "kind": Intervention.Kind.CASH_GRANT,
            "description": f"Grant {n}",
            "amount": Decimal("400000"),
            "currency": "KHR",
            "started_on": _today(),
        },
        goal_ids=[g.pk for g in goals[:1]],
    )
    review = _hold_review(w, case, decision="continue")
    review_addendum_add(actor=worker, case=case, review=review, text=f"Review addendum {n}.")
    _consent(case, worker)
    _referral(w, case, worker, send=True)
    # The supervisor's (a worker may not export): the minutes of each review, and a case file
    # now and then (a person may have only a few being prepared at once).
    export_request(
        actor=supervisor,
        case=case,
        document="review_minutes",
        subject_id=review.pk,
        purpose="family",
        language="en",
    )
    if w.rounds % 3 == 0:
        export_request(
            actor=supervisor,
            case=case,
            document="case_file",
            sections=["reviews", "safety_plan", "referrals", "assessments"],
            purpose="audit",
            language="en",
        )
    w.rounds += 1


def _admin_lists(w: World, extra: int) -> None:
    admin = w.users["admin"]
    have = NeedDomain.objects.filter(name__startswith="QC domain").count()
    for i in range(have, extra):
        km = f"ក {i}"
        need_domain_save(
            actor=admin, domain=None, data=NeedDomainData(name=f"QC domain {i}", name_km=km)
        )
        concern_category_save(
            actor=admin, category=None, data=ConcernCategoryData(name=f"QC concern {i}", name_km=km)
        )
        help_kind_save(actor=admin, kind=None, data=HelpKindData(name=f"QC help {i}", name_km=km))


def grow(w: World, size: Size) -> None:
    """Bring the organisation up to `size` (it only ever grows)."""
    worker, colleague = w.users["worker"], w.users["colleague"]
    case = w.case()
    while case.children.count() < size.children:
        person_add(
            actor=worker,
            case=case,
            data=PersonData(
                relationship=Person.Relationship.CHILD,
                given_name_latin=f"Child{w.next()}",
                family_name_latin="Focus",
                sex=Person.Sex.FEMALE,
                date_of_birth=datetime.date(2016, 5, 1),
                concerned=True,
            ),
        )
    # The focus case's drafts (its edit pages) are finished before more rounds are added.
    _finish_drafts(w)
    while w.rounds < size.rounds:
        _round(w)
    _leave_drafts(w)
    while sum(c.worker_id == worker.pk for c in w.cases) + 1 < size.worker_cases:
        _other_case(w, worker)
    while sum(c.worker_id == colleague.pk for c in w.cases) < size.colleague_cases:
        _other_case(w, colleague)
    while len(w.returning) < size.returning:
        _returning_family(w)
    while Intake.objects.filter(organisation=w.organisation).count() < size.intakes:
        n = w.next()
        intake_record(
            actor=worker,
            data={
                "referrer_kind": Intake.ReferrerKind.COMMUNITY,
                "referrer_name": f"Village chief {n}",
                "family_name": f"Intake {n}",
                "village": w.villages[n % len(w.villages)],
                "urgency": Intake.Urgency.URGENT,
                "description": f"Children alone at home ({n}).",
            },
            people=[
                IntakePersonData(
                    relationship=Person.Relationship.CHILD,
                    given_name_latin=f"Kid{n}",
                    family_name_latin=f"Intake {n}",
                    approximate_age=9,
                    is_child_of_concern=True,
                )
            ],
            concerns=[ConcernCategory.objects.get(code="neglect")],
        )
    while Service.objects.filter(directory_of=w.organisation).count() < size.services:
        n = w.next()
        service_create(
            actor=w.users["admin"],
            data={"name": f"QC service {n}", "provider": f"Provider {n}"},
            kinds=[_kind("education")],
            villages=w.villages[:2],
            partner_users=[w.users["partner"]],
        )
    teams = Team.objects.filter(organisation=w.organisation).count()
    for i in range(teams - 2, size.extra_teams):
        team = TeamFactory.create(name=f"QC Team {i + 3}", organisation=w.organisation)
        team.villages.set([*w.villages, VillageFactory.create(name=f"QC Village {i + 3}")])
        # Another partner service's organisation (the set-up screens list them).
        OrganisationFactory.create(name=f"Synthetic Partner QC {i}", kind=Organisation.Kind.PARTNER)
        lead = UserFactory.create(
            username=f"qc-lead-{i}", organisation=w.organisation, role=User.Role.SUPERVISOR
        )
        team.supervisors.add(lead)
        team.members.add(UserFactory.create(username=f"qc-member-{i}", organisation=w.organisation))
        team_sync_groups(team=team)
    members = w.team_a.members.count() - 2
    for i in range(members, size.extra_members):
        member = UserFactory.create(username=f"qc-extra-{i}", organisation=w.organisation)
        w.team_a.members.add(member)
        intake_worker_add(actor=w.users["admin"], user=member)
    team_sync_groups(team=w.team_a)
    _admin_lists(w, size.extra_kinds)
    _emergency_accesses(w, size.emergency)
    _set_up_rows(w, size.rounds)


def _emergency_accesses(w: World, count: int) -> None:
    """Team B's responder breaks the glass on team A's cases (one access a case)."""
    responder = w.users["responder"]
    have = EmergencyAccess.objects.filter(user=responder).count()
    for case in w.cases[have:count]:
        emergency_request(
            actor=responder,
            reference=case.reference,
            reason="The police called at night about the children in this family.",
        )


def _set_up_rows(w: World, count: int) -> None:
    """Rows of the set-up screens' other lists: API tokens, authenticator devices, sign-in
    attempts (written as the libraries write them: their services are not ours)."""
    for i in range(TOTPDevice.objects.count(), count):
        holder = UserFactory.create(username=f"qc-device-{i}", organisation=w.organisation)
        Token.objects.create(user=holder)
        TOTPDevice.objects.create(user=holder, name="Phone", confirmed=True)
        StaticDevice.objects.create(user=holder, name="Recovery codes", confirmed=True)
        attempt = {
            "user_agent": "pytest",
            "ip_address": "192.0.2.1",
            "username": holder.username,
            "http_accept": "text/html",
            "path_info": "/accounts/login/",
        }
        AccessAttempt.objects.create(**attempt, get_data="", post_data="", failures_since_start=1)
        AccessFailureLog.objects.create(**attempt)
        AccessLog.objects.create(**attempt)


def _finish_drafts(w: World) -> None:
    case = w.case()
    worker, supervisor = w.users["worker"], w.users["supervisor"]
    # The plan first: it rests on the assessment approved before the draft one.
    for plan in CasePlan.objects.filter(case=case, status=Approval.DRAFT):
        plan = plan_submit(actor=worker, case=case, plan=plan, expected_version=plan.version)
        plan_decide(
            actor=supervisor, case=case, plan=plan, expected_version=plan.version, approve=True
        )
    for assessment in Assessment.objects.filter(case=case, status=Approval.DRAFT):
        assessment = assessment_submit(
            actor=worker, case=case, assessment=assessment, expected_version=assessment.version
        )
        assessment_decide(
            actor=supervisor,
            case=case,
            assessment=assessment,
            expected_version=assessment.version,
            approve=True,
        )
    for safety in SafetyPlan.objects.filter(case=case, status=SafetyPlan.Status.DRAFT):
        safety_plan_agree(
            actor=worker,
            case=case,
            plan=safety,
            expected_version=safety.version,
            agreed_on=_today(),
            people=[_mother(case).pk],
            members=[],
        )


def _leave_drafts(w: World) -> None:
    """A draft of each editable record, for the edit pages."""
    case = w.case()
    worker = w.users["worker"]
    _visit(case, worker, 0, sign=False)
    _draft_plan(case, worker, w.next())
    assessment = assessment_start(actor=worker, case=case, data={"summary": "Being written."})
    _fill_assessment(case, worker, assessment, w.next())
    safety_plan_start(actor=worker, case=case)
    _referral(w, case, worker, send=False)
    review = open_review(case)
    assert review is not None
    review_assign_chair(
        actor=w.users["supervisor"], case=case, review=review, chair=w.users["chair"]
    )


# --- The pages ----------------------------------------------------------------------------------

Args = Callable[[World], list[Any]]


def _none(w: World) -> list[Any]:
    return []


def _case(w: World) -> list[Any]:
    return [w.focus.pk]


def _with(record: Callable[[World], Any]) -> Args:
    """The focus case's id and the id of one of its records."""
    return lambda w: [w.focus.pk, record(w)]


def _pk(queryset: Any) -> int:
    found = queryset.order_by("-pk").values_list("pk", flat=True).first()
    assert found is not None, f"No record for {queryset.model.__name__}"
    return int(found)


def _child(w: World) -> int:
    return _pk(w.case().children.all())


def _signed_visit(w: World) -> int:
    return _pk(HomeVisit.objects.filter(case=w.focus, status=HomeVisit.Status.SIGNED))


def _draft_visit(w: World) -> int:
    return _pk(HomeVisit.objects.filter(case=w.focus, status=HomeVisit.Status.DRAFT))


def _assessment(status: str) -> Callable[[World], int]:
    return lambda w: _pk(Assessment.objects.filter(case=w.focus, status=status))


def _plan(status: str) -> Callable[[World], int]:
    return lambda w: _pk(CasePlan.objects.filter(case=w.focus, status=status))


def _safety(status: str) -> Callable[[World], int]:
    return lambda w: _pk(SafetyPlan.objects.filter(case=w.focus, status=status))


def _mapping(w: World) -> int:
    from assessments.models import Mapping

    return _pk(Mapping.objects.filter(case=w.focus))


def _voice(w: World) -> int:
    return _pk(ChildVoice.objects.filter(case=w.focus))


def _member(w: World) -> int:
    return _pk(NetworkMember.objects.filter(case=w.focus, left_on__isnull=True))


def _intervention(w: World) -> int:
    return _pk(Intervention.objects.filter(case=w.focus))


def _signed_review(w: World) -> int:
    return _pk(Review.objects.filter(case=w.focus, status=Review.Status.SIGNED))


def _open_review(w: World) -> int:
    return _pk(Review.objects.filter(case=w.focus, status=Review.Status.SCHEDULED))


def _consent_id(w: World) -> int:
    return _pk(Consent.objects.filter(case=w.focus))


def _referral_id(status: str) -> Callable[[World], int]:
    return lambda w: _pk(OutgoingReferral.objects.filter(case=w.focus, status=status))


def _export(w: World) -> str:
    found = CaseExport.objects.filter(case=w.focus).order_by("-requested_at").first()
    assert found is not None
    return str(found.pk)


def _intake(w: World) -> list[Any]:
    return [_pk(Intake.objects.filter(organisation=w.organisation))]


def _service(w: World) -> list[Any]:
    return [_pk(Service.objects.filter(directory_of=w.organisation))]


def _partner_referral(w: World) -> list[Any]:
    return [_pk(OutgoingReferral.objects.filter(service=w.partner_service).exclude(sent_at=None))]


def _domain_id(w: World) -> list[Any]:
    return [_pk(NeedDomain.objects.all())]


def _concern_id(w: World) -> list[Any]:
    return [_pk(ConcernCategory.objects.all())]


def _help_kind_id(w: World) -> list[Any]:
    return [_pk(HelpKind.objects.all())]


@dataclass(frozen=True)
class Page:
    url_name: str
    who: str | None  # None: a visitor who has not signed in
    args: Args = _none
    query: str = ""
    post: dict[str, Any] | None = None  # sent as a POST (the search box) instead of a GET
    htmx: bool = False
    status: int = 200

    def url(self, w: World) -> str:
        return reverse(self.url_name, args=self.args(w)) + self.query


PAGES: dict[str, Page] = {
    # casework: lists, the case page and its sub-pages
    "dashboard": Page("dashboard", "worker"),
    "dashboard[supervisor]": Page("dashboard", "supervisor"),
    "case_list": Page("case_list", "worker"),
    "case_list[team]": Page("case_list", "supervisor", query="?scope=team"),
    "case_list[organisation]": Page("case_list", "admin"),
    "case_list[search]": Page("case_list", "worker", post={"q": "Family"}, htmx=True),
    "case_open": Page("case_open", "worker"),
    "case_detail": Page("case_detail", "worker", _case),
    "case_detail[supervisor]": Page("case_detail", "supervisor", _case),
    "case_reallocate": Page("case_reallocate", "supervisor", _case),
    "case_access_log": Page("case_access_log", "supervisor", _case),
    "family_edit": Page("family_edit", "worker", _case),
    "person_add": Page("person_add", "worker", _case),
    "person_edit": Page("person_edit", "worker", _with(_child)),
    "visit_new": Page("visit_new", "worker", _case),
    "visit_detail": Page("visit_detail", "worker", _with(_signed_visit)),
    "visit_edit": Page("visit_edit", "worker", _with(_draft_visit)),
    "concern_list": Page("concern_list", "admin"),
    "concern_new": Page("concern_new", "admin"),
    "concern_edit": Page("concern_edit", "admin", _concern_id),
    # accounts
    "login": Page("login", None),
    "password_change": Page("password_change", "worker"),
    "password_change_done": Page("password_change_done", "worker"),
    "session_status": Page("session_status", "worker"),
    # assessments and plans
    "assessment_overview": Page("assessment_overview", "worker", _case),
    "assessment_edit": Page("assessment_edit", "worker", _with(_assessment(Approval.DRAFT))),
    "mapping_new": Page("mapping_new", "worker", _case),
    "mapping_edit": Page("mapping_edit", "worker", _with(_mapping)),
    "scale_new": Page("scale_new", "worker", _case),
    "child_voice_new": Page("child_voice_new", "worker", _case),
    "child_voice_edit": Page("child_voice_edit", "worker", _with(_voice)),
    "plan_detail": Page("plan_detail", "worker", _case),
    "plan_history": Page("plan_history", "worker", _case),
    "plan_version": Page("plan_version", "worker", _with(_plan(Approval.APPROVED))),
    "plan_edit": Page("plan_edit", "worker", _with(_plan(Approval.DRAFT))),
    "approvals_queue": Page("approvals_queue", "supervisor"),
    "need_domain_list": Page("need_domain_list", "admin"),
    "need_domain_new": Page("need_domain_new", "admin"),
    "need_domain_edit": Page("need_domain_edit", "admin", _domain_id),
    # safety plans
    "safety_overview": Page("safety_overview", "worker", _case),
    "safety_plan_family": Page("safety_plan_family", "worker", _case),
    "network_member_new": Page("network_member_new", "worker", _case),
    "network_member_edit": Page("network_member_edit", "worker", _with(_member)),
    "network_member_remove": Page("network_member_remove", "worker", _with(_member)),
    "safety_plan_versions": Page("safety_plan_versions", "worker", _case),
    "safety_plan_compare": Page("safety_plan_compare", "worker", _case, query="?a=1&b=2"),
    "safety_plan_version": Page(
        "safety_plan_version", "worker", _with(_safety(SafetyPlan.Status.AGREED))
    ),
    "safety_plan_edit": Page("safety_plan_edit", "worker", _with(_safety(SafetyPlan.Status.DRAFT))),
    "safety_plan_agree": Page(
        "safety_plan_agree", "worker", _with(_safety(SafetyPlan.Status.DRAFT))
    ),
    "intervention_new": Page("intervention_new", "worker", _case),
    "intervention_edit": Page("intervention_edit", "worker", _with(_intervention)),
    "attention_list": Page("attention_list", "supervisor"),
    # reviews
    "case_reviews": Page("case_reviews", "worker", _case),
    "review_detail": Page("review_detail", "worker", _with(_signed_review)),
    "review_detail[open]": Page("review_detail", "supervisor", _with(_open_review)),
    "review_schedule": Page("review_schedule", "supervisor", _case),
    "review_record": Page("review_record", "chair", _with(_open_review)),
    "review_assign_chair": Page("review_assign_chair", "supervisor", _with(_open_review)),
    "review_reschedule": Page("review_reschedule", "supervisor", _with(_open_review)),
    "case_close": Page("case_close", "supervisor", _case),
    "case_risk": Page("case_risk", "supervisor", _case),
    "review_dashboard": Page("review_dashboard", "supervisor"),
    "reviews_to_chair": Page("reviews_to_chair", "chair"),
    "review_policy": Page("review_policy", "admin"),
    "notification_list": Page("notification_list", "chair"),
    "notification_count": Page("notification_count", "chair", htmx=True),
    # referrals: a case's consents and referrals, intake, the directory, the partners' portal
    "consent_new": Page("consent_new", "worker", _case),
    "consent_withdraw": Page("consent_withdraw", "worker", _with(_consent_id)),
    "referral_new": Page("referral_new", "worker", _case),
    "referral_detail": Page(
        "referral_detail", "worker", _with(_referral_id(OutgoingReferral.Status.ACKNOWLEDGED))
    ),
    "referral_edit": Page(
        "referral_edit", "worker", _with(_referral_id(OutgoingReferral.Status.DRAFT))
    ),
    "referral_letter": Page(
        "referral_letter", "worker", _with(_referral_id(OutgoingReferral.Status.ACKNOWLEDGED))
    ),
    "intake_queue": Page("intake_queue", "supervisor"),
    "intake_new": Page("intake_new", "worker"),
    "intake_detail": Page("intake_detail", "supervisor", _intake),
    "intake_screen": Page("intake_screen", "supervisor", _intake),
    "intake_workers": Page("intake_workers", "admin"),
    "service_list": Page("service_list", "worker"),
    "service_new": Page("service_new", "admin"),
    "service_detail": Page("service_detail", "worker", _service),
    "service_edit": Page("service_edit", "admin", _service),
    "partner_referral_list": Page("partner_referral_list", "partner"),
    "partner_referral_detail": Page("partner_referral_detail", "partner", _partner_referral),
    "help_kind_list": Page("help_kind_list", "admin"),
    "help_kind_new": Page("help_kind_new", "admin"),
    "help_kind_edit": Page("help_kind_edit", "admin", _help_kind_id),
    # exports
    "export_new": Page("export_new", "supervisor", _case),
    "export_status": Page("export_status", "supervisor", _with(_export)),
    "mfa_reset": Page("mfa_reset", "admin", lambda w: [w.users["worker"].pk]),
    # emergency access (security)
    "emergency_list": Page("emergency_list", "admin"),
    "emergency_list[supervisor]": Page("emergency_list", "supervisor"),
    "emergency_request": Page("emergency_request", "supervisor"),
    "emergency_detail": Page(
        "emergency_detail", "admin", lambda w: [_pk(EmergencyAccess.objects.all())]
    ),
    # /api/v1/: casework
    "api:case-list": Page("api:case-list", "worker"),
    "api:case-list[supervisor]": Page("api:case-list", "supervisor"),
    "api:case-detail": Page("api:case-detail", "worker", _case),
    "api:person-list": Page("api:person-list", "worker", _case),
    "api:person-detail": Page("api:person-detail", "worker", _with(_child)),
    "api:visit-list": Page("api:visit-list", "worker", _case),
    "api:visit-detail": Page("api:visit-detail", "worker", _with(_signed_visit)),
    # assessments
    "assessments_api:need-domain-list": Page("assessments_api:need-domain-list", "worker"),
    "assessments_api:approval-list": Page("assessments_api:approval-list", "supervisor"),
    "assessments_api:assessment-list": Page("assessments_api:assessment-list", "worker", _case),
    "assessments_api:assessment-detail": Page(
        "assessments_api:assessment-detail", "worker", _with(_assessment(Approval.APPROVED))
    ),
    "assessments_api:mapping-list": Page("assessments_api:mapping-list", "worker", _case),
    "assessments_api:mapping-detail": Page(
        "assessments_api:mapping-detail", "worker", _with(_mapping)
    ),
    "assessments_api:scale-score-list": Page("assessments_api:scale-score-list", "worker", _case),
    "assessments_api:child-voice-list": Page("assessments_api:child-voice-list", "worker", _case),
    "assessments_api:child-voice-detail": Page(
        "assessments_api:child-voice-detail", "worker", _with(_voice)
    ),
    "assessments_api:plan-list": Page("assessments_api:plan-list", "worker", _case),
    "assessments_api:plan-detail": Page(
        "assessments_api:plan-detail", "worker", _with(_plan(Approval.APPROVED))
    ),
    # safety plans
    "safetyplans_api:attention-list": Page("safetyplans_api:attention-list", "supervisor"),
    "safetyplans_api:network-list": Page("safetyplans_api:network-list", "worker", _case),
    "safetyplans_api:network-detail": Page(
        "safetyplans_api:network-detail", "worker", _with(_member)
    ),
    "safetyplans_api:safety-plan-list": Page("safetyplans_api:safety-plan-list", "worker", _case),
    "safetyplans_api:safety-plan-detail": Page(
        "safetyplans_api:safety-plan-detail", "worker", _with(_safety(SafetyPlan.Status.AGREED))
    ),
    "safetyplans_api:intervention-list": Page("safetyplans_api:intervention-list", "worker", _case),
    "safetyplans_api:intervention-detail": Page(
        "safetyplans_api:intervention-detail", "worker", _with(_intervention)
    ),
    # reviews
    "reviews_api:review-list": Page("reviews_api:review-list", "worker", _case),
    "reviews_api:review-detail": Page("reviews_api:review-detail", "worker", _with(_signed_review)),
    "reviews_api:closure": Page("reviews_api:closure", "supervisor", _case),
    "reviews_api:chairing-list": Page("reviews_api:chairing-list", "chair"),
    "reviews_api:notification-list": Page("reviews_api:notification-list", "chair"),
    "reviews_api:review-policy": Page("reviews_api:review-policy", "admin"),
    # referrals
    "referrals_api:service-list": Page("referrals_api:service-list", "worker"),
    "referrals_api:service-detail": Page("referrals_api:service-detail", "worker", _service),
    "referrals_api:intake-list": Page("referrals_api:intake-list", "supervisor"),
    "referrals_api:intake-detail": Page("referrals_api:intake-detail", "supervisor", _intake),
    "referrals_api:intake-matches": Page("referrals_api:intake-matches", "supervisor", _intake),
    "referrals_api:consent-list": Page("referrals_api:consent-list", "worker", _case),
    "referrals_api:referral-list": Page("referrals_api:referral-list", "worker", _case),
    "referrals_api:referral-detail": Page(
        "referrals_api:referral-detail",
        "worker",
        _with(_referral_id(OutgoingReferral.Status.ACKNOWLEDGED)),
    ),
    "referrals_api:partner-referral-list": Page("referrals_api:partner-referral-list", "partner"),
    "referrals_api:partner-referral-detail": Page(
        "referrals_api:partner-referral-detail", "partner", _partner_referral
    ),
}


def _admin_object(model: type[Any]) -> Args:
    def args(w: World) -> list[Any]:
        found = model._default_manager.order_by("-pk").first()
        assert found is not None, f"No {model.__name__} for its set-up page"
        # The tokens' screens are addressed by their user (rest_framework.authtoken.admin).
        return [found.user_id if model.__name__ == "TokenProxy" else found.pk]

    return args


def _app_label(app: str) -> Args:
    return lambda w: [app]


def _admin_pages() -> dict[str, Page]:
    """The set-up screens (the Django admin, superusers only): the index, each app's list of
    models, and each model's list and the form of one of its rows."""
    pages = {"admin:index": Page("admin:index", "superuser")}
    for model in admin.site._registry:
        app, name = model._meta.app_label, model._meta.model_name
        pages[f"admin:app_list[{app}]"] = Page("admin:app_list", "superuser", _app_label(app))
        for view in ("changelist", "change"):
            url_name = f"admin:{app}_{name}_{view}"
            args = _admin_object(model) if view == "change" else _none
            pages[url_name] = Page(url_name, "superuser", args)
    return pages


PAGES.update(_admin_pages())

# Lists (and pages holding lists): the larger data set must make them longer, or their
# measurement at two sizes proves nothing.
SHOWS_MORE = {
    key
    for key, page in PAGES.items()
    if (
        page.url_name.endswith(("_list", "-list", "_changelist", "_queue", "_history", "_versions"))
        and page.url_name != "admin:app_list"
    )  # the models of an app
    or page.url_name
    in {
        "case_detail",
        "assessment_overview",
        "safety_overview",
        "case_reviews",
        "review_dashboard",
        "reviews_to_chair",
        "export_new",
    }
}


# The figures measured at the larger size (issue 10): a page that starts asking more fails here.
MAX_QUERIES: dict[str, int] = {
    "dashboard": 6,
    "dashboard[supervisor]": 6,
    "case_list": 8,
    "case_list[team]": 8,
    "case_list[organisation]": 8,
    "case_list[search]": 6,
    "case_open": 8,
    "case_detail": 21,
    "case_detail[supervisor]": 21,
    "case_reallocate": 8,
    "case_access_log": 8,
    "family_edit": 7,
    "person_add": 6,
    "person_edit": 7,
    "visit_new": 7,
    "visit_detail": 9,
    "visit_edit": 10,
    "concern_list": 5,
    "concern_new": 4,
    "concern_edit": 5,
    "login": 0,
    "password_change": 3,
    "password_change_done": 3,
    "session_status": 2,
    "assessment_overview": 16,
    "assessment_edit": 10,
    "mapping_new": 6,
    "mapping_edit": 8,
    "scale_new": 8,
    "child_voice_new": 8,
    "child_voice_edit": 7,
    "plan_detail": 13,
    "plan_history": 7,
    "plan_version": 10,
    "plan_edit": 13,
    "approvals_queue": 6,
    "need_domain_list": 5,
    "need_domain_new": 4,
    "need_domain_edit": 5,
    "safety_overview": 14,
    "safety_plan_family": 9,
    "network_member_new": 8,
    "network_member_edit": 9,
    "network_member_remove": 9,
    "safety_plan_versions": 6,
    "safety_plan_compare": 9,
    "safety_plan_version": 9,
    "safety_plan_edit": 14,
    "safety_plan_agree": 13,
    "intervention_new": 8,
    "intervention_edit": 10,
    "attention_list": 5,
    "case_reviews": 8,
    "review_detail": 16,
    "review_detail[open]": 13,
    "review_schedule": 10,
    "review_record": 18,
    "review_assign_chair": 10,
    "review_reschedule": 9,
    "case_close": 13,
    "case_risk": 6,
    "review_dashboard": 8,
    "reviews_to_chair": 5,
    "review_policy": 6,
    "notification_list": 7,
    "notification_count": 3,
    "consent_new": 12,
    "consent_withdraw": 10,
    "referral_new": 16,
    "referral_detail": 9,
    "referral_edit": 16,
    "referral_letter": 6,
    "intake_queue": 11,
    "intake_new": 6,
    "intake_detail": 15,
    "intake_screen": 23,
    "intake_workers": 6,
    "service_list": 10,
    "service_new": 7,
    "service_detail": 9,
    "service_edit": 14,
    "partner_referral_list": 5,
    "partner_referral_detail": 6,
    "help_kind_list": 5,
    "help_kind_new": 4,
    "help_kind_edit": 5,
    "export_new": 9,
    "export_status": 6,
    "mfa_reset": 4,
    "emergency_list": 7,
    "emergency_list[supervisor]": 7,
    "emergency_request": 3,
    "emergency_detail": 7,
    "api:case-list": 6,
    "api:case-list[supervisor]": 6,
    "api:case-detail": 7,
    "api:person-list": 7,
    "api:person-detail": 6,
    "api:visit-list": 8,
    "api:visit-detail": 7,
    "assessments_api:need-domain-list": 4,
    "assessments_api:approval-list": 5,
    "assessments_api:assessment-list": 6,
    "assessments_api:assessment-detail": 8,
    "assessments_api:mapping-list": 7,
    "assessments_api:mapping-detail": 6,
    "assessments_api:scale-score-list": 6,
    "assessments_api:child-voice-list": 6,
    "assessments_api:child-voice-detail": 5,
    "assessments_api:plan-list": 6,
    "assessments_api:plan-detail": 11,
    "safetyplans_api:attention-list": 5,
    "safetyplans_api:network-list": 6,
    "safetyplans_api:network-detail": 5,
    "safetyplans_api:safety-plan-list": 6,
    "safetyplans_api:safety-plan-detail": 8,
    "safetyplans_api:intervention-list": 7,
    "safetyplans_api:intervention-detail": 6,
    "reviews_api:review-list": 6,
    "reviews_api:review-detail": 13,
    "reviews_api:closure": 11,
    "reviews_api:chairing-list": 5,
    "reviews_api:notification-list": 7,
    "reviews_api:review-policy": 5,
    "referrals_api:service-list": 8,
    "referrals_api:service-detail": 10,
    "referrals_api:intake-list": 9,
    "referrals_api:intake-detail": 9,
    "referrals_api:intake-matches": 13,
    "referrals_api:consent-list": 8,
    "referrals_api:referral-list": 7,
    "referrals_api:referral-detail": 8,
    "referrals_api:partner-referral-list": 5,
    "referrals_api:partner-referral-detail": 5,
    "admin:index": 3,
    "admin:app_list[auth]": 2,
    "admin:auth_group_changelist": 5,
    "admin:auth_group_change": 5,
    "admin:app_list[authtoken]": 2,
    "admin:authtoken_tokenproxy_changelist": 5,
    "admin:authtoken_tokenproxy_change": 5,
    "admin:app_list[casework]": 2,
    "admin:casework_auditevent_changelist": 8,
    "admin:casework_auditevent_change": 5,
    "admin:app_list[axes]": 2,
    "admin:axes_accessattempt_changelist": 8,
    "admin:axes_accessattempt_change": 4,
    "admin:axes_accesslog_changelist": 8,
    "admin:axes_accesslog_change": 3,
    "admin:axes_accessfailurelog_changelist": 8,
    "admin:axes_accessfailurelog_change": 3,
    "admin:app_list[otp_totp]": 2,
    "admin:otp_totp_totpdevice_changelist": 5,
    "admin:otp_totp_totpdevice_change": 4,
    "admin:app_list[otp_static]": 2,
    "admin:otp_static_staticdevice_changelist": 5,
    "admin:otp_static_staticdevice_change": 6,
    "admin:casework_organisation_changelist": 5,
    "admin:casework_organisation_change": 3,
    "admin:casework_village_changelist": 6,
    "admin:casework_village_change": 3,
    "admin:casework_team_changelist": 6,
    "admin:casework_team_change": 10,
    # 37 today: UserAdmin (casework/admin.py) joins no row's organisation (a nullable foreign
    # key, which the admin's automatic select_related() skips): one more query per user.
    "admin:casework_user_changelist": 16,
    "admin:casework_user_change": 8,
    "admin:app_list[assessments]": 2,
    "admin:assessments_needdomain_changelist": 5,
    "admin:assessments_needdomain_change": 3,
    "admin:app_list[referrals]": 2,
    "admin:referrals_helpkind_changelist": 5,
    "admin:referrals_helpkind_change": 3,
    "admin:referrals_service_changelist": 7,
    "admin:referrals_service_change": 6,
    "admin:referrals_intakeworker_changelist": 6,
    "admin:referrals_intakeworker_change": 4,
}


# --- Measuring ----------------------------------------------------------------------------------


@dataclass
class Measure:
    status: int
    queries: list[str]
    size: int = 0  # of the response: the larger data set must show on the page

    @property
    def count(self) -> int:
        return len(self.queries)


def _clients(w: World) -> dict[str | None, Client]:
    clients: dict[str | None, Client] = {None: Client()}
    for name, user in w.users.items():
        client = Client(HTTP_USER_AGENT="pytest-query-counts")
        client.force_login(user)
        clients[name] = client
    return clients


def _hit(client: Client, page: Page, url: str) -> Any:
    headers = {"HX-Request": "true"} if page.htmx else {}
    if page.post is not None:
        return client.post(url, page.post, headers=headers)
    return client.get(url, headers=headers)


def measure(client: Client, page: Page, url: str, *, warm: bool) -> Measure:
    """The queries of one request; `warm`: after a first one has filled the process's caches."""
    if warm:
        _hit(client, page, url)
    with CaptureQueriesContext(connection) as captured:
        response = _hit(client, page, url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return Measure(response.status_code, [q["sql"] for q in captured.captured_queries], len(body))


@dataclass
class Measured:
    world: World
    clients: dict[str | None, Client]
    small: dict[str, Measure]


@pytest.fixture(scope="module")
def measured(django_db_setup: None, django_db_blocker: Any) -> Iterator[Measured]:
    """The organisation at the small size, every page measured, then grown to the large size.

    Built once for the module inside a transaction rolled back at its end (fixtures of a wider
    scope than a test are not rolled back by pytest-django): each test then measures one page at
    the large size and compares it with its small figure.
    """
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=FAST_HASHER),
        # The session's last activity is stamped at most once a minute (casework.sessions): the
        # stamp's write would land on whichever request crosses the minute, at either size.
        mock.patch.object(sessions, "ACTIVITY_RESOLUTION_SECONDS", 24 * 60 * 60),
    ):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            world = _cast()
            grow(world, SMALL)
            clients = _clients(world)
            small = {
                key: measure(clients[page.who], page, page.url(world), warm=True)
                for key, page in PAGES.items()
            }
            grow(world, LARGE)
            yield Measured(world, clients, small)
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _shape(sql: str) -> str:
    """A statement without its values: the same query for another row looks the same."""
    sql = re.sub(r"'(?:[^']|'')*'", "?", sql)
    sql = re.sub(r'"(_django_curs_|s)\d+_[a-z]*\d+"', '"?"', sql)  # cursors, savepoints
    return re.sub(r"\b\d+\b", "?", sql)


def _diff(small: Measure, large: Measure) -> str:
    """The statements asked more often at the larger size: usually one per row of something."""
    extra = Counter(map(_shape, large.queries)) - Counter(map(_shape, small.queries))
    return "\n".join(f"  +{n} x {sql[:400]}" for sql, n in extra.most_common(6))


@pytest.mark.django_db
@pytest.mark.parametrize("key", list(PAGES))
def test_it_keeps_a_fixed_query_count(
    key: str, measured: Measured, django_assert_max_num_queries: Any
) -> None:
    """The page asks the same number of queries with several times the data behind it, and no
    more than the figure measured when this test was written."""
    page, world = PAGES[key], measured.world
    small = measured.small[key]
    url = page.url(world)  # found before counting: its ids are looked up
    with django_assert_max_num_queries(MAX_QUERIES[key]):
        # The first request after the data grew (the small size's requests filled the caches).
        large = measure(measured.clients[page.who], page, url, warm=False)
        assert (small.status, large.status) == (page.status, page.status), key
        if key in SHOWS_MORE:
            assert large.size > small.size, f"{key}: the larger data set does not reach the page"
        assert large.count == small.count, (
            f"{key}: {small.count} queries with the small data set, {large.count} with the"
            f" larger one (a query per row?):\n{_diff(small, large)}"
        )


# --- Every page is measured, or excluded for a reason ------------------------------------------

POST_ONLY = "only takes a POST (a write): nothing to read"
FILE = "sends a file (through the door), not a page"
EXCLUDED: dict[str, str] = {
    "healthz": "the load balancer's health check: no page, no data",
    "api-schema": "the OpenAPI schema, generated from the code: no data",
    "api-docs": "Swagger UI's static page (it reads the schema)",
    "mfa_verify": "a step of signing in, about the person's own authenticator: no list",
    "mfa_setup": "a step of signing in, about the person's own authenticator: no list",
    "mfa_recovery_codes": "shown once after enrolment, from the session: no list",
    "notification_open": "marks the notification read and redirects to what it is about",
    "child_voice_drawing": FILE,
    "export_download": FILE,
    "assessments_api:child-voice-drawing": FILE,
    # Writes.
    "logout": POST_ONLY,
    "language_switch": POST_ONLY,
    "session_extend": POST_ONLY,
    "sign_out_everywhere": POST_ONLY,
    "case_transition": POST_ONLY,
    "visit_sign": POST_ONLY,
    "visit_addendum": POST_ONLY,
    "assessment_start": POST_ONLY,
    "assessment_submit": POST_ONLY,
    "assessment_decide": POST_ONLY,
    "plan_start": POST_ONLY,
    "plan_submit": POST_ONLY,
    "plan_decide": POST_ONLY,
    "plan_action_progress": POST_ONLY,
    "need_domain_move": POST_ONLY,
    "safety_plan_start": POST_ONLY,
    "review_addendum": POST_ONLY,
    "return_flag_seen": POST_ONLY,
    "notifications_read_all": POST_ONLY,
    "referral_send": POST_ONLY,
    "referral_follow_up": POST_ONLY,
    "referral_withdraw": POST_ONLY,
    "intake_worker_remove": POST_ONLY,
    "emergency_end": POST_ONLY,
    "emergency_review": POST_ONLY,
    "case_emergency_end": POST_ONLY,
    "api:token": POST_ONLY,
    "api:token-revoke": POST_ONLY,
    "api:case-transition": POST_ONLY,
    "api:visit-sign": POST_ONLY,
    "api:visit-addenda": POST_ONLY,
    "assessments_api:assessment-submit": POST_ONLY,
    "assessments_api:assessment-decide": POST_ONLY,
    "assessments_api:plan-submit": POST_ONLY,
    "assessments_api:plan-decide": POST_ONLY,
    "assessments_api:action-progress": POST_ONLY,
    "safetyplans_api:network-remove": POST_ONLY,
    "safetyplans_api:safety-plan-agree": POST_ONLY,
    "reviews_api:review-chair": POST_ONLY,
    "reviews_api:review-reschedule": POST_ONLY,
    "reviews_api:review-sign": POST_ONLY,
    "reviews_api:review-addenda": POST_ONLY,
    "reviews_api:risk": POST_ONLY,
    "reviews_api:notifications-read": POST_ONLY,
    "referrals_api:intake-screen": POST_ONLY,
    "referrals_api:consent-withdraw": POST_ONLY,
    "referrals_api:referral-send": POST_ONLY,
    "referrals_api:referral-withdraw": POST_ONLY,
    "referrals_api:referral-follow-up": POST_ONLY,
    "referrals_api:partner-referral-acknowledge": POST_ONLY,
    "referrals_api:partner-referral-accept": POST_ONLY,
    "referrals_api:partner-referral-decline": POST_ONLY,
    "referrals_api:partner-referral-complete": POST_ONLY,
    # Django's admin (the set-up screens): its lists and forms are measured; these are not.
    "admin:login": "the admin's sign-in redirects to the one sign-in page",
    "admin:logout": "signing out of the set-up screens: a redirect",
    "admin:password_change": "Django's form to change one's own password: no list",
    "admin:password_change_done": "a confirmation: no data",
    "admin:jsi18n": "the admin's static translations script",
    "admin:autocomplete": "not used: no admin has autocomplete fields",
    "admin:view_on_site": "a redirect to the row's own page",
    "admin:auth_user_password_change": "Django's form to set one user's password: no list",
    "admin:otp_totp_totpdevice_config": "one device's set-up key: no list",
    "admin:otp_totp_totpdevice_qrcode": "one device's QR code image: a file",
}
# The admin's other pages of every model, by the end of their name.
EXCLUDED_ADMIN_SUFFIXES: dict[str, str] = {
    "_add": "the empty form for a new row",
    "_history": "the admin's own change history of one row (django_admin_log)",
    "_delete": "lists every row the deletion would take with it: grows with the data by design",
}
UNNAMED_ADMIN = "the admin's unnamed addresses: a row's old address (a redirect), the catch-all"


def _url_patterns(
    patterns: list[Any] | None = None, namespace: str | None = None, prefix: str = ""
) -> Iterator[tuple[str | None, str, dict[str, Any]]]:
    """(name with its namespace, route, converters) of every URL pattern of the project."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _url_patterns(entry.url_patterns, entry.namespace or namespace, route)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield name, route, getattr(entry.pattern, "converters", {})


def _exclusion(name: str | None, route: str) -> str | None:
    if name is None:
        return UNNAMED_ADMIN if route.startswith("setup/") else None
    if name in EXCLUDED:
        return EXCLUDED[name]
    if name.startswith("admin:"):
        return next(
            (why for end, why in EXCLUDED_ADMIN_SUFFIXES.items() if name.endswith(end)), None
        )
    return None


def test_every_page_is_measured_or_excluded_with_a_reason() -> None:
    measured = {page.url_name for page in PAGES.values()}
    patterns = list(_url_patterns())
    unmeasured = sorted(
        name or route
        for name, route, _ in patterns
        if name not in measured and _exclusion(name, route) is None
    )
    assert not unmeasured, (
        "These pages are neither measured in PAGES nor excluded in EXCLUDED (with the reason): "
        + ", ".join(unmeasured)
    )
    names = {name for name, _, _ in patterns}
    stale = sorted((set(EXCLUDED) | measured) - names)
    assert not stale, f"These pages are no longer in the URLconf: {', '.join(stale)}"
    both = sorted(measured & set(EXCLUDED))
    assert not both, f"Measured and excluded at once: {', '.join(both)}"


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(n for n, why in EXCLUDED.items() if why == POST_ONLY))
def test_a_page_excluded_as_post_only_refuses_a_get(name: str, supervisor: User) -> None:
    """The exclusion is true: a GET, by somebody signed in, is refused before anything is read."""
    converters = next(c for n, _, c in _url_patterns() if n == name)
    kwargs = {
        key: 1 if type(c).__name__ == "IntConverter" else "1" for key, c in converters.items()
    }
    client = Client()
    client.force_login(supervisor)
    assert client.get(reverse(name, kwargs=kwargs)).status_code == 405
