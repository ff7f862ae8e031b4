"""Recording a review during the meeting and signing it off."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import Goal, ScaleScore, Voice
from assessments.services import approved_plan, scale_record
from casework.access import case_permissions, sync_case_grants
from casework.audit import Event, audit_record
from casework.models import Case, Person, User
from casework.services import (
    require_change,
    save_new_version,
)
from safetyplans.models import NetworkMember, SafetyRule
from safetyplans.services import agreed_safety_plan

from ..models import (
    GoalProgress,
    Notification,
    Participant,
    Review,
    ReviewAddendum,
    ReviewScore,
    RuleProgress,
)
from .schedule import (
    SCALE_FALL,
    _lock_review,
    _notify,
    _require_chair,
    _supervisor_ids,
    _while_signing,
    policy_date,
)

# --- Recording and signing off ------------------------------------------------------------


@dataclass
class ParticipantData:
    kind: str
    person: Person | None = None
    network_member: NetworkMember | None = None
    name: str = ""
    role: str = ""
    gathered: str = Participant.Gathered.PRESENT
    note: str = ""


@dataclass
class GoalProgressData:
    goal: Goal
    progress: str
    note: str = ""


@dataclass
class RuleProgressData:
    rule: SafetyRule
    kept: str
    note: str = ""


@dataclass
class ScoreData:
    voice: str
    score: int
    reason: str
    person: Person | None = None
    given_by_user: User | None = None
    voice_name: str = ""


@dataclass
class ReviewRecord:
    held_on: datetime.date | None = None
    place: str = ""
    child_views: str = ""
    family_views: str = ""
    network_views: str = ""
    professional_views: str = ""
    decision: str = ""
    decision_reasons: str = ""
    next_due_on: datetime.date | None = None
    next_date_reason: str = ""
    participants: list[ParticipantData] = field(default_factory=list)
    goals: list[GoalProgressData] = field(default_factory=list)
    rules: list[RuleProgressData] = field(default_factory=list)
    scores: list[ScoreData] = field(default_factory=list)


RECORD_TEXT = (
    "place",
    "child_views",
    "family_views",
    "network_views",
    "professional_views",
    "decision",
    "decision_reasons",
    "next_date_reason",
)


def _check_record(case: Case, data: ReviewRecord) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if data.held_on is not None and data.held_on > timezone.localdate():
        errors["held_on"] = [_("This date is in the future.")]
    if data.decision and data.decision not in Review.Decision.values:
        errors["decision"] = [_("Choose continue, adjust, escalate or close.")]
    family_ids = set(Person.objects.filter(family_id=case.family_id).values_list("pk", flat=True))
    child_ids = set(case.children.values_list("pk", flat=True))
    network_ids = set(NetworkMember.objects.filter(case=case).values_list("pk", flat=True))
    for index, row in enumerate(data.participants):
        problem = None
        if row.kind not in Participant.Kind.values:
            problem = _("Choose who took part.")
        elif row.kind == Participant.Kind.CHILD and (
            row.person is None or row.person.pk not in child_ids
        ):
            problem = _("Choose one of the children the case is about.")
        elif row.kind == Participant.Kind.FAMILY and (
            row.person is None or row.person.pk not in family_ids
        ):
            problem = _("Choose a member of this family.")
        elif row.kind == Participant.Kind.NETWORK and (
            row.network_member is None or row.network_member.pk not in network_ids
        ):
            problem = _("Choose a member of this case's safety network.")
        elif row.kind == Participant.Kind.PROFESSIONAL and not row.name.strip():
            problem = _("Give the professional's name.")
        elif row.gathered not in Participant.Gathered.values:
            problem = _("Say how their views were gathered.")
        if problem:
            errors[f"participant-{index}"] = [problem]
    plan = approved_plan(case)
    goal_ids = set(Goal.objects.filter(plan=plan).values_list("pk", flat=True)) if plan else set()
    for index, goal_row in enumerate(data.goals):
        if goal_row.goal.pk not in goal_ids:
            errors[f"goal-{index}"] = [_("That goal is not in the case's approved plan.")]
        elif goal_row.progress not in GoalProgress.Progress.values:
            errors[f"goal-{index}"] = [_("Choose how far the goal has come.")]
    safety_plan = agreed_safety_plan(case)
    rule_ids = (
        set(SafetyRule.objects.filter(plan=safety_plan).values_list("pk", flat=True))
        if safety_plan
        else set()
    )
    for index, rule_row in enumerate(data.rules):
        if rule_row.rule.pk not in rule_ids:
            errors[f"rule-{index}"] = [_("That rule is not in the agreed safety plan.")]
        elif rule_row.kept not in RuleProgress.Kept.values:
            errors[f"rule-{index}"] = [_("Say whether the rule was kept.")]
    for index, score in enumerate(data.scores):
        problem = None
        if not 0 <= score.score <= 10:
            problem = _("A score is a number from 0 to 10.")
        elif score.voice not in Voice.values:
            problem = _("Choose whose voice the score is.")
        elif not score.reason.strip():
            problem = _("Say why: what makes it this number?")
        elif score.voice == Voice.CHILD and (
            score.person is None or score.person.pk not in child_ids
        ):
            problem = _("Choose one of the children the case is about.")
        elif score.voice == Voice.FAMILY and (
            score.person is None or score.person.pk not in family_ids
        ):
            problem = _("Choose the member of this family who gave the score.")
        elif score.voice in (Voice.NETWORK, Voice.PROFESSIONAL) and not score.voice_name.strip():
            problem = _("Say who gave the score.")
        elif (
            score.voice in (Voice.WORKER, Voice.SUPERVISOR)
            and score.given_by_user is not None
            and "change" not in case_permissions(score.given_by_user, case)
        ):
            # The chair (who only views the case) cannot give a worker's score for them.
            problem = _("That person does not work on this case.")
        if problem:
            errors[f"score-{index}"] = [problem]
    return errors


@transaction.atomic
def review_record(
    *,
    actor: User,
    case: Case,
    review: Review,
    data: ReviewRecord,
    expected_version: int | None = None,
) -> Review:
    """The chair writes down the review (as often as needed until it is signed off)."""
    _require_chair(actor, review)
    current = _lock_review(review, expected_version)
    # The chair may have changed since `review` was read: only the current chair writes.
    _require_chair(actor, current)
    if current.case_id != case.pk:
        raise PermissionDenied
    if current.status != Review.Status.SCHEDULED:
        raise ValidationError(_("A signed review is final: add an addendum instead."))
    errors = _check_record(case, data)
    if errors:
        raise ValidationError(errors)
    before = {name: getattr(current, name) for name in (*RECORD_TEXT, "held_on", "next_due_on")}
    current.held_on = data.held_on
    current.next_due_on = data.next_due_on
    for name in RECORD_TEXT:
        setattr(current, name, str(getattr(data, name)).strip())
    current.full_clean()
    save_new_version(current)
    current.participants.all().delete()
    Participant.objects.bulk_create(
        Participant(
            review=current,
            kind=row.kind,
            person=row.person,
            network_member=row.network_member,
            name=row.name.strip(),
            role=row.role.strip(),
            gathered=row.gathered,
            note=row.note.strip(),
        )
        for row in data.participants
    )
    current.goal_progress.all().delete()
    GoalProgress.objects.bulk_create(
        GoalProgress(review=current, goal=g.goal, progress=g.progress, note=g.note.strip())
        for g in {g.goal.pk: g for g in data.goals}.values()
    )
    current.rule_progress.all().delete()
    RuleProgress.objects.bulk_create(
        RuleProgress(review=current, rule=r.rule, kept=r.kept, note=r.note.strip())
        for r in {r.rule.pk: r for r in data.rules}.values()
    )
    current.scores.all().delete()
    ReviewScore.objects.bulk_create(
        ReviewScore(
            review=current,
            voice=s.voice,
            score=s.score,
            reason=s.reason.strip(),
            person=s.person if s.voice in (Voice.CHILD, Voice.FAMILY) else None,
            # A worker's score is the allocated worker's unless someone else is named (never
            # the chair's, who signs it onto the line).
            given_by_user=(
                (s.given_by_user or case.worker)
                if s.voice == Voice.WORKER
                else s.given_by_user
                if s.voice == Voice.SUPERVISOR
                else None
            ),
            voice_name=s.voice_name.strip(),
        )
        for s in data.scores
    )
    after = {name: getattr(current, name) for name in before}
    audit_record(
        actor=actor,
        event=Event.CHANGE,
        obj=current,
        case=case,
        changes={
            name: [str(before[name] or ""), str(after[name] or "")]
            for name in before
            if before[name] != after[name]
        },
    )
    return current


def _previous_score(
    case: Case, score: ReviewScore | ScaleScore, before_pk: int | None
) -> int | None:
    """The same voice's previous answer on the case's line (same child, same person)."""
    rows = ScaleScore.objects.filter(case=case, voice=score.voice)
    if score.voice in (Voice.CHILD, Voice.FAMILY):
        rows = rows.filter(person=score.person)
    elif score.voice in (Voice.WORKER, Voice.SUPERVISOR):
        rows = rows.filter(given_by_user_id=score.given_by_user_id)
    else:
        rows = rows.filter(voice_name=score.voice_name)
    if before_pk is not None:
        rows = rows.filter(pk__lt=before_pk)
    latest = rows.order_by("-recorded_on", "-pk").values_list("score", flat=True).first()
    return latest


def sign_off_problems(case: Case, review: Review) -> list[str]:
    """What is still missing before the chair can sign this review off."""
    problems: list[str] = []
    if review.held_on is None:
        problems.append(_("Give the date the review was held."))
    child_rows = {
        p.person_id for p in review.participants.all() if p.kind == Participant.Kind.CHILD
    }
    missing = [c for c in case.children.all() if c.pk not in child_rows]
    if missing:
        problems.append(
            _("Say how the views of each child were gathered: %(names)s.")
            % {"names": ", ".join(str(c) for c in missing)}
        )
    if not review.child_views.strip():
        problems.append(_("Write down the children's views, in their words."))
    if not review.family_views.strip():
        problems.append(_("Write down the family's views, in their words."))
    if not review.scores.exists():
        problems.append(_("Record at least one safety scale score."))
    if not review.decision:
        problems.append(_("Choose a decision."))
    if not review.decision_reasons.strip():
        problems.append(_("Give the reasons for the decision."))
    if review.next_due_on is not None and review.decision != Review.Decision.CLOSE:
        today = timezone.localdate()
        held_on = review.held_on or today
        # The policy's date: the next interval, or the first one if the cadence restarts.
        policy_dates = {
            max(policy_date(case, step, held_on), today) for step in (review.step + 1, 0)
        }
        if review.next_due_on < today:
            problems.append(_("The next review cannot be in the past."))
        elif review.next_due_on not in policy_dates and not review.next_date_reason.strip():
            problems.append(_("Say why the next review is on a different date from the policy."))
    return problems


@transaction.atomic
def review_sign(
    *, actor: User, case: Case, review: Review, expected_version: int | None = None
) -> Review:
    """The chair signs the review off: it becomes final, its scores join the case's line, the
    next review is scheduled (unless the decision is to close) and the chair's access ends."""
    _require_chair(actor, review)
    current = _lock_review(review, expected_version)
    # The chair may have changed since `review` was read: only the current chair writes.
    _require_chair(actor, current)
    if current.case_id != case.pk:
        raise PermissionDenied
    if current.status != Review.Status.SCHEDULED:
        raise ValidationError(_("This review is already signed off."))
    problems = sign_off_problems(case, current)
    if problems:
        raise ValidationError(problems)
    held_on = current.held_on or timezone.localdate()
    fell = []
    with _while_signing():
        for score in current.scores.all():
            previous = _previous_score(case, score, None)
            row = scale_record(
                actor=actor,
                case=case,
                score=score.score,
                voice=score.voice,
                reason=score.reason,
                recorded_on=held_on,
                person=score.person,
                given_by_user=score.given_by_user,
                voice_name=score.voice_name,
                chaired_review=True,
            )
            if previous is not None and previous - row.score >= SCALE_FALL:
                fell.append(row)
    current.status = Review.Status.SIGNED
    current.signed_at = timezone.now()
    current.signed_by = actor
    save_new_version(current)
    audit_record(
        actor=actor,
        event=Event.SIGN,
        obj=current,
        case=case,
        changes={"decision": ["", current.decision]},
        reason=current.decision_reasons,
    )
    if current.decision != Review.Decision.CLOSE:
        restart = current.decision == Review.Decision.ESCALATE or bool(fell)
        step = 0 if restart else current.step + 1
        policy_due = max(policy_date(case, step, held_on), timezone.localdate())
        due = current.next_due_on or policy_due
        if due < timezone.localdate():
            raise ValidationError({"next_due_on": [_("The next review cannot be in the past.")]})
        if due != policy_due and not current.next_date_reason.strip():
            raise ValidationError(
                {
                    "next_date_reason": [
                        _("The policy gives %(date)s: say why the next review is on another date.")
                        % {"date": policy_due.isoformat()}
                    ]
                }
            )
        because = ""
        if current.decision == Review.Decision.ESCALATE:
            because = _("The review escalated the case.")
        elif fell:
            because = _("The safety scale fell by %(points)s or more.") % {"points": SCALE_FALL}
        following = Review.objects.create(
            case=case,
            step=step,
            due_on=due,
            scheduled_by=actor,
            date_reason=current.next_date_reason if due != policy_due else "",
            restarted_because=because,
        )
        audit_record(
            actor=actor,
            event=Event.SCHEDULE,
            obj=following,
            case=case,
            changes={"due_on": ["", due.isoformat()]},
            reason=because or _("Next review, from the review policy."),
        )
    if current.decision == Review.Decision.ESCALATE:
        _notify(_supervisor_ids(case), Notification.Kind.ESCALATED, case, current)
    sync_case_grants(case)
    return current


@transaction.atomic
def review_addendum_add(*, actor: User, case: Case, review: Review, text: str) -> ReviewAddendum:
    """A correction or later note on a signed review, by its chair or someone on the case."""
    if review.chair_id != actor.pk:
        require_change(actor, case)
    if review.case_id != case.pk:
        raise PermissionDenied
    if review.status != Review.Status.SIGNED:
        raise ValidationError(_("Until it is signed off, change the review itself."))
    if not text.strip():
        raise ValidationError({"text": [_("Write the addendum.")]})
    addendum = ReviewAddendum(review=review, author=actor, text=text.strip())
    addendum.full_clean()
    addendum.save()
    audit_record(actor=actor, event=Event.ADDENDUM, obj=review, case=case)
    return addendum
