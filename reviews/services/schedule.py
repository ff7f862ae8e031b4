"""The review schedule: the policy, who may schedule and chair, and when reviews fall due."""

from __future__ import annotations

import contextvars
import datetime
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.access import case_permissions, sync_case_grants
from casework.audit import Event, audit_record
from casework.models import Case, Organisation, Team, User
from casework.services import (
    StaleEdit,
    save_new_version,
)

from ..models import (
    Notification,
    Review,
    ReviewPolicy,
)

# A fall of this much on the scale restarts the cadence.
SCALE_FALL = 2
# The same concern back within this many days of closure is the revolving door.
REVOLVING_DOOR_DAYS = 365

# Set while a review is being signed: the scores it writes must not restart the schedule
# the sign-off itself is about to compute.
_signing: contextvars.ContextVar[bool] = contextvars.ContextVar("reviews_signing", default=False)


@contextmanager
def _while_signing() -> Iterator[None]:
    token = _signing.set(True)
    try:
        yield
    finally:
        _signing.reset(token)


# --- Policy -------------------------------------------------------------------------------------


def policy_for(organisation_id: int) -> ReviewPolicy:
    """The organisation's review policy, created with the defaults the first time it is asked."""
    policy, _created = ReviewPolicy.objects.get_or_create(organisation_id=organisation_id)
    return policy


POLICY_FIELDS = (
    "high_intervals",
    "medium_intervals",
    "low_intervals",
    "cap_days",
    "closure_threshold",
)


@transaction.atomic
def policy_update(
    *,
    actor: User,
    organisation: Organisation,
    data: dict[str, Any],
    expected_version: int | None = None,
) -> ReviewPolicy:
    """Administrators of the organisation change its review policy."""
    if actor.role != User.Role.ADMINISTRATOR or actor.organisation_id != organisation.pk:
        raise PermissionDenied
    unknown = set(data) - set(POLICY_FIELDS)
    if unknown:
        raise ValidationError(
            _("These fields cannot be changed here: %(fields)s")
            % {"fields": ", ".join(sorted(unknown))}
        )
    policy_for(organisation.pk)
    policy = ReviewPolicy.objects.select_for_update().get(organisation=organisation)
    if expected_version is not None and policy.version != expected_version:
        raise StaleEdit(policy)
    before = {name: getattr(policy, name) for name in POLICY_FIELDS}
    for name, value in data.items():
        setattr(policy, name, value)
    policy.full_clean()
    save_new_version(policy)
    changes = {
        name: [str(before[name]), str(getattr(policy, name))]
        for name in POLICY_FIELDS
        if before[name] != getattr(policy, name)
    }
    audit_record(actor=actor, event=Event.CHANGE, obj=policy, changes=changes)
    return policy


# --- Who may do what ------------------------------------------------------------------------


def _team_people(team: Team) -> set[int]:
    return set(team.members.values_list("pk", flat=True)) | set(
        team.supervisors.values_list("pk", flat=True)
    )


def chair_problem(case: Case, chair: User) -> str | None:
    """Why `chair` may not chair a review of `case` (None: they may)."""
    if chair.pk in (case.worker_id, case.covering_worker_id):
        return _("The chair cannot be the case's allocated or covering worker.")
    if chair.pk in _team_people(case.team):
        return _("The chair cannot be a member of the case's team: choose someone independent.")
    if (
        not chair.is_active
        or chair.organisation_id != case.team.organisation_id
        or chair.role not in (User.Role.SUPERVISOR, User.Role.SOCIAL_WORKER)
    ):
        return _("The chair must be a social worker or supervisor of this organisation.")
    return None


def eligible_chairs(case: Case) -> QuerySet[User]:
    """Everyone `chair_problem` accepts for this case, as one query (for choosing a chair).

    The two must say the same: tests/test_review_services.py checks them against each other."""
    return (
        User.objects.filter(
            organisation_id=case.team.organisation_id,
            is_active=True,
            role__in=[User.Role.SUPERVISOR, User.Role.SOCIAL_WORKER],
        )
        .exclude(pk__in=[pk for pk in (case.worker_id, case.covering_worker_id) if pk])
        .exclude(Q(teams=case.team_id) | Q(supervised_teams=case.team_id))
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def is_team_supervisor(user: User, case: Case) -> bool:
    return (
        user.role == User.Role.SUPERVISOR
        and case.team.supervisors.filter(pk=user.pk).exists()
        and "export" in case_permissions(user, case)
    )


def _require_scheduler(actor: User, case: Case) -> None:
    if not is_team_supervisor(actor, case):
        raise PermissionDenied


def _require_chair(actor: User, review: Review) -> None:
    if review.chair_id is None or review.chair_id != actor.pk:
        raise PermissionDenied


def _lock_review(review: Review, expected_version: int | None) -> Review:
    current = Review.objects.select_for_update().get(pk=review.pk)
    if expected_version is not None and current.version != expected_version:
        raise StaleEdit(current)
    return current


def _notify(user_ids: Sequence[int], kind: str, case: Case, review: Review | None = None) -> None:
    Notification.objects.bulk_create(
        Notification(
            user_id=user_id,
            kind=kind,
            case=case,
            review=review,
            due_on=review.due_on if review is not None else None,
        )
        for user_id in dict.fromkeys(user_ids)
    )


def _supervisor_ids(case: Case) -> list[int]:
    return list(case.team.supervisors.filter(is_active=True).values_list("pk", flat=True))


# --- The schedule -------------------------------------------------------------------------


def open_review(case: Case) -> Review | None:
    return Review.objects.filter(case=case, status=Review.Status.SCHEDULED).first()


def last_signed_review(case: Case) -> Review | None:
    return (
        Review.objects.filter(case=case, status=Review.Status.SIGNED)
        .order_by("-held_on", "-signed_at", "-pk")
        .first()
    )


def policy_date(case: Case, step: int, since: datetime.date) -> datetime.date:
    policy = policy_for(case.team.organisation_id)
    return since + datetime.timedelta(days=policy.interval(case.risk_level, step))


def _check_date(
    case: Case, due_on: datetime.date, policy_due: datetime.date, reason: str
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if due_on < timezone.localdate():
        errors["due_on"] = [_("A review cannot be scheduled in the past.")]
    if due_on != policy_due and not reason.strip():
        errors["date_reason"] = [
            _("The policy gives %(date)s: say why this review is on a different date.")
            % {"date": policy_due.isoformat()}
        ]
    return errors


@transaction.atomic
def review_schedule(
    *,
    actor: User,
    case: Case,
    chair: User | None = None,
    due_on: datetime.date | None = None,
    date_reason: str = "",
) -> Review:
    """A supervisor of the case's team schedules its next review (with its chair, if chosen).

    Without a date the policy gives it: the first review from today, a later one from the last
    review held, at the next interval.
    """
    _require_scheduler(actor, case)
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.phase not in (Case.Phase.INTERVENTION, Case.Phase.FOLLOW_UP):
        raise ValidationError(
            _("Reviews follow an approved plan: this case is in %(phase)s.")
            % {"phase": case.get_phase_display()}
        )
    if open_review(case) is not None:
        raise ValidationError(
            _("This case already has a review scheduled: change that one instead.")
        )
    last = last_signed_review(case)
    step = 0 if last is None else last.step + 1
    since = (last.held_on if last is not None and last.held_on else None) or timezone.localdate()
    policy_due = policy_date(case, step, since)
    if policy_due < timezone.localdate():
        policy_due = timezone.localdate()
    due = due_on or policy_due
    errors = _check_date(case, due, policy_due, date_reason)
    if chair is not None:
        problem = chair_problem(case, chair)
        if problem:
            errors["chair"] = [problem]
    if errors:
        raise ValidationError(errors)
    review = Review(
        case=case,
        step=step,
        due_on=due,
        chair=chair,
        scheduled_by=actor,
        date_reason=date_reason.strip(),
    )
    review.full_clean()
    review.save()
    sync_case_grants(case)
    audit_record(
        actor=actor,
        event=Event.SCHEDULE,
        obj=review,
        case=case,
        changes={"due_on": ["", due.isoformat()], "chair": ["", str(chair or "")]},
        reason=date_reason.strip(),
    )
    if chair is not None:
        _notify([chair.pk], Notification.Kind.CHAIR, case, review)
    return review


def review_schedule_first(*, case: Case, actor: User | None) -> Review | None:
    """When a plan starts intervention: the first review, from the policy, chair to be chosen."""
    if open_review(case) is not None:
        return None
    due = policy_date(case, 0, timezone.localdate())
    review = Review.objects.create(case=case, step=0, due_on=due, scheduled_by=actor)
    audit_record(
        actor=actor,
        event=Event.SCHEDULE,
        obj=review,
        case=case,
        changes={"due_on": ["", due.isoformat()]},
        reason=_("First review, from the review policy."),
    )
    return review


@transaction.atomic
def review_assign_chair(
    *, actor: User, case: Case, review: Review, chair: User, expected_version: int | None = None
) -> Review:
    """A supervisor of the case's team chooses (or changes) the independent chair."""
    _require_scheduler(actor, case)
    current = _lock_review(review, expected_version)
    if current.case_id != case.pk or current.status != Review.Status.SCHEDULED:
        raise ValidationError(_("Only a scheduled review can be given a chair."))
    problem = chair_problem(case, chair)
    if problem:
        raise ValidationError({"chair": [problem]})
    before = current.chair
    if before is not None and before.pk == chair.pk:
        return current
    current.chair = chair
    save_new_version(current)
    sync_case_grants(case)
    audit_record(
        actor=actor,
        event=Event.CHANGE,
        obj=current,
        case=case,
        changes={"chair": [str(before or ""), str(chair)]},
    )
    _notify([chair.pk], Notification.Kind.CHAIR, case, current)
    return current


@transaction.atomic
def review_reschedule(
    *,
    actor: User,
    case: Case,
    review: Review,
    due_on: datetime.date,
    reason: str,
    expected_version: int | None = None,
) -> Review:
    """The chair or a supervisor of the team moves the review to another date, with a reason."""
    if review.chair_id != actor.pk:
        _require_scheduler(actor, case)
    current = _lock_review(review, expected_version)
    if current.case_id != case.pk or current.status != Review.Status.SCHEDULED:
        raise ValidationError(_("Only a scheduled review can be moved."))
    errors: dict[str, list[str]] = {}
    if due_on < timezone.localdate():
        errors["due_on"] = [_("A review cannot be scheduled in the past.")]
    if not reason.strip():
        errors["date_reason"] = [_("Say why the review moves to another date.")]
    if errors:
        raise ValidationError(errors)
    before = current.due_on
    current.due_on = due_on
    current.date_reason = reason.strip()
    save_new_version(current)
    audit_record(
        actor=actor,
        event=Event.SCHEDULE,
        obj=current,
        case=case,
        changes={"due_on": [before.isoformat(), due_on.isoformat()]},
        reason=reason.strip(),
    )
    return current


def review_restart_cadence(*, case: Case, actor: User | None, because: str) -> Review | None:
    """Start the cadence again: the open review comes forward to the first interval."""
    review = (
        Review.objects.select_for_update().filter(case=case, status=Review.Status.SCHEDULED).first()
    )
    if review is None:
        return None
    first = policy_date(case, 0, timezone.localdate())
    before = review.due_on
    review.step = 0
    review.due_on = min(review.due_on, first)
    review.restarted_because = because
    save_new_version(review)
    audit_record(
        actor=actor,
        event=Event.SCHEDULE,
        obj=review,
        case=case,
        changes={"due_on": [before.isoformat(), review.due_on.isoformat()]},
        reason=because,
    )
    return review
