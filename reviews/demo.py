"""The demo's reviews, the closing of a case and a revolving-door family.

What a supervisor and an independent chair would find (the stories are in `demo_data`), written
through the services exactly as they would write it: reviews scheduled with a chair from
outside the case's team (some due this week, one tomorrow, two overdue), reviews held and signed
off with each child's views, goal and safety-rule progress, three or more voices on the safety
scale and a decision (continue, adjust, escalate; the next review scheduled by the sign-off),
the Nuon family's closing review and the closure record casework's demo leaves to this app, and
the Sok family coming back within the year with the same concern (a new case, flagged as the
revolving door to the team's supervisor).

Running it twice adds nothing: a case whose reviews already have a chair, a closed case and a
family already flagged are left alone.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from assessments.models import Goal, Voice
from assessments.services import approved_plan
from casework.demo import DEMO_LOGINS
from casework.models import Case, ConcernCategory, Organisation, Person, User
from casework.services import CaseData, case_open
from safetyplans.models import NetworkMember
from safetyplans.services import agreed_safety_plan

from .demo_data import (
    DEMO_RETURN,
    DEMO_REVIEWS,
    DemoHeld,
    DemoParticipant,
    DemoReturn,
    DemoReviews,
)
from .models import Participant, ReturnFlag, Review
from .services import (
    ClosureData,
    GoalProgressData,
    ParticipantData,
    ReviewRecord,
    RuleProgressData,
    ScoreData,
    case_close,
    open_review,
    review_assign_chair,
    review_record,
    review_reschedule,
    review_schedule,
    review_sign,
)


def _scheduler(case: Case, users: dict[str, User]) -> User:
    """The supervisor of the case's team, who schedules its reviews and chooses the chair."""
    login = next(
        login.username
        for login in DEMO_LOGINS
        if login.role == User.Role.SUPERVISOR and login.team == case.team.name
    )
    return users[login]


class _Writer:
    """Writes one case's reviews through the services."""

    def __init__(
        self, spec: DemoReviews, case: Case, users: dict[str, User], today: datetime.date
    ) -> None:
        self.spec = spec
        self.case = case
        self.users = users
        self.today = today
        self.scheduler = _scheduler(case, users)
        self.people = {p.given_name_latin: p for p in case.family.people.all()}

    def day(self, days: int) -> datetime.date:
        return self.today + datetime.timedelta(days=days)

    def write(self) -> None:
        for held in self.spec.held:
            self.hold(held)
        if self.spec.closure is not None:
            closure = self.spec.closure
            case_close(
                actor=self.users[closure.by],
                case=self.case,
                data=ClosureData(
                    outcome=closure.outcome,
                    follow_up_on=self.day(closure.follow_up_in_days),
                    risk_reduced=closure.risk_reduced,
                    in_school=closure.in_school,
                    health_care=closure.health_care,
                ),
            )
            return
        if self.spec.next_chair is not None:
            review = self.with_chair(self.spec.next_chair)
            due = self.spec.next_due_in_days
            if due is None:
                return
            if due < 0:
                # The demo's clock: as if this review had been scheduled weeks ago and let slip,
                # so the supervisor's dashboard and the reminders have something overdue. The
                # service refuses a date in the past, so only the due date is moved, once (the
                # review now has a chair, so a second run leaves the case alone).
                Review.objects.filter(pk=review.pk).update(due_on=self.day(due))
            elif self.day(due) != review.due_on:
                review_reschedule(
                    actor=self.scheduler,
                    case=self.case,
                    review=review,
                    due_on=self.day(due),
                    reason=self.spec.next_date_reason,
                    expected_version=review.version,
                )

    # --- The pieces ---------------------------------------------------------------------------

    def with_chair(self, username: str) -> Review:
        """The case's open review (scheduled now if there is none), with this chair."""
        chair = self.users[username]
        review = open_review(self.case)
        if review is None:
            return review_schedule(actor=self.scheduler, case=self.case, chair=chair)
        return review_assign_chair(
            actor=self.scheduler,
            case=self.case,
            review=review,
            chair=chair,
            expected_version=review.version,
        )

    def hold(self, spec: DemoHeld) -> None:
        review = self.with_chair(self.spec.chair)
        chair = self.users[self.spec.chair]
        held_on = self.day(-spec.held_days_ago)
        if review.due_on > held_on:
            # The demo's clock: as if scheduled weeks ago, this review fell due the day it was
            # held (the schedule was written today, the meeting days ago). Only the date moves.
            Review.objects.filter(pk=review.pk).update(due_on=held_on)
            review.refresh_from_db()
        review = review_record(
            actor=chair,
            case=self.case,
            review=review,
            expected_version=review.version,
            data=ReviewRecord(
                held_on=held_on,
                place=spec.place,
                child_views=spec.child_views,
                family_views=spec.family_views,
                network_views=spec.network_views,
                professional_views=spec.professional_views,
                decision=spec.decision,
                decision_reasons=spec.decision_reasons,
                participants=[p for p in map(self.participant, spec.participants) if p],
                goals=self.goals(spec),
                rules=self.rules(spec),
                scores=[
                    ScoreData(
                        voice=score.voice,
                        score=score.score,
                        reason=score.reason,
                        person=self.people[score.who]
                        if score.voice in (Voice.FAMILY, Voice.CHILD)
                        else None,
                        given_by_user=self.users[score.who]
                        if score.voice in (Voice.WORKER, Voice.SUPERVISOR)
                        else None,
                        voice_name=score.who
                        if score.voice in (Voice.NETWORK, Voice.PROFESSIONAL)
                        else "",
                    )
                    for score in spec.scores
                ],
            ),
        )
        review_sign(actor=chair, case=self.case, review=review, expected_version=review.version)

    def participant(self, spec: DemoParticipant) -> ParticipantData | None:
        if spec.kind in (Participant.Kind.FAMILY, Participant.Kind.CHILD):
            return ParticipantData(
                kind=spec.kind,
                person=self.people[spec.who],
                gathered=spec.gathered,
                note=spec.note,
            )
        if spec.kind == Participant.Kind.NETWORK:
            member = next(
                (
                    m
                    for m in NetworkMember.objects.filter(case=self.case, left_on__isnull=True)
                    if spec.who in m.name
                    or (m.person is not None and m.person.given_name_latin == spec.who)
                ),
                None,
            )
            if member is None:
                return None  # the safety plans demo wrote no such member
            return ParticipantData(
                kind=spec.kind, network_member=member, gathered=spec.gathered, note=spec.note
            )
        return ParticipantData(
            kind=spec.kind, name=spec.who, role=spec.role, gathered=spec.gathered, note=spec.note
        )

    def goals(self, spec: DemoHeld) -> list[GoalProgressData]:
        plan = approved_plan(self.case)
        if plan is None:
            return []
        goals = list(Goal.objects.filter(plan=plan))
        rows = []
        for start, progress, note in spec.goals:
            goal = next((g for g in goals if g.text.startswith(start)), None)
            if goal is not None:
                rows.append(GoalProgressData(goal=goal, progress=progress, note=note))
        return rows

    def rules(self, spec: DemoHeld) -> list[RuleProgressData]:
        plan = agreed_safety_plan(self.case)
        if plan is None:
            return []
        rules = list(plan.rules.all())
        rows = []
        for start, kept, note in spec.rules:
            # A rule may be written in Khmer first, the family's English after it.
            rule = next((r for r in rules if start in r.text), None)
            if rule is not None:
                rows.append(RuleProgressData(rule=rule, kept=kept, note=note))
        return rows


def _reviews_written(case: Case) -> bool:
    """The demo has been here: a review with a chair, or a closure."""
    return (
        case.phase == Case.Phase.CLOSED
        or Review.objects.filter(case=case).exclude(chair=None).exists()
    )


def _revolving_door(
    spec: DemoReturn, organisation: Organisation, users: dict[str, User], today: datetime.date
) -> None:
    previous = (
        Case.objects.filter(
            family__organisation=organisation,
            family__family_name=spec.family_name,
            phase=Case.Phase.CLOSED,
        )
        .select_related("family", "team")
        .order_by("-pk")
        .first()
    )
    if previous is None:
        return
    if ReturnFlag.objects.filter(case__family=previous.family).exists():
        return  # already back
    if Case.objects.filter(family=previous.family).exclude(pk=previous.pk).exists():
        return
    closed_on = today - datetime.timedelta(days=spec.previous_closed_days_ago)
    if previous.closed_on is not None and previous.closed_on > closed_on:
        # The demo's clock: casework's demo closes the case today; the family's worker
        # agreed the closing at the visit weeks ago, so say it closed then. Only the date
        # changes, once (the family then has a second case, so a second run stops above).
        Case.objects.filter(pk=previous.pk).update(closed_on=closed_on)
    concerns = list(ConcernCategory.objects.filter(code__in=spec.concerns))
    if len(concerns) != len(spec.concerns):
        raise ImproperlyConfigured(f"Unknown concern codes in {spec.concerns}.")
    children = list(
        Person.objects.filter(family=previous.family, given_name_latin__in=spec.children)
    )
    if len(children) != len(spec.children):
        raise ImproperlyConfigured(f"{spec.family_name}: {spec.children} are not its children.")
    case_open(
        actor=users[spec.opened_by],
        data=CaseData(
            family_name=previous.family.family_name,
            village_id=previous.family.village_id,
            tier=spec.tier,
            risk_level=spec.risk_level,
            team=previous.team,
            worker=users[spec.worker],
            people=[],
            opened_on=today - datetime.timedelta(days=spec.opened_days_ago),
            reason=spec.reason,
            concerns=concerns,
            family=previous.family,
            existing_children=children,
        ),
    )


def demo_reviews_load(
    organisation: Organisation, users: dict[str, User], cases: list[Case]
) -> None:
    """Write the demo cases' reviews, the closing review and closure, and the returning family,
    once."""
    today = timezone.localdate()
    by_family = {spec.family_name: spec for spec in DEMO_REVIEWS}
    for case in cases:
        spec = by_family.get(case.family.family_name)
        if spec is None or case.phase != spec.phase or _reviews_written(case):
            continue
        if approved_plan(case) is None:
            continue  # the assessments demo wrote no approved plan: nothing to review
        _Writer(spec, case, users, today).write()
    _revolving_door(DEMO_RETURN, organisation, users, today)
