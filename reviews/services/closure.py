"""Closing a case, the returning and revolving-door flags, and reactions to case facts."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import ScaleScore, Voice
from casework.access import sync_case_grants
from casework.audit import Event, audit_record
from casework.models import Case, ConcernCategory, User
from casework.services import (
    RISK_ORDER,
    case_transition,
    require_change,
)

from ..models import (
    Closure,
    Notification,
    ReturnFlag,
    Review,
)
from .record import (
    _previous_score,
)
from .schedule import (
    REVOLVING_DOOR_DAYS,
    SCALE_FALL,
    _notify,
    _require_scheduler,
    _signing,
    _supervisor_ids,
    is_team_supervisor,
    last_signed_review,
    policy_for,
    review_restart_cadence,
    review_schedule_first,
)

# --- Closure ------------------------------------------------------------------------------


def latest_worker_score(case: Case) -> ScaleScore | None:
    return (
        ScaleScore.objects.filter(case=case, voice=Voice.WORKER)
        .order_by("-recorded_on", "-pk")
        .first()
    )


def closure_problems(case: Case) -> list[str]:
    """Why this case cannot be closed without a supervisor's override (empty: it can)."""
    problems: list[str] = []
    last = last_signed_review(case)
    if last is None or last.decision != Review.Decision.CLOSE:
        problems.append(_("The last signed review did not decide to close the case."))
    threshold = policy_for(case.team.organisation_id).closure_threshold
    score = latest_worker_score(case)
    if score is None or score.score < threshold:
        problems.append(
            _("The worker's latest safety scale score is below %(threshold)s.")
            % {"threshold": threshold}
        )
    return problems


@dataclass
class ClosureData:
    outcome: str
    follow_up_on: datetime.date | None
    risk_reduced: bool = False
    in_school: bool = False
    health_care: bool = False
    override_reason: str = ""


@transaction.atomic
def case_close(*, actor: User, case: Case, data: ClosureData) -> Closure:
    """Close a case after a review decided so and the worker's scale is high enough, or on a
    supervisor's written override. The follow-up check date is always set."""
    require_change(actor, case)
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.phase == Case.Phase.CLOSED:
        raise ValidationError(_("This case is already closed."))
    errors: dict[str, list[str]] = {}
    if not data.outcome.strip():
        errors["outcome"] = [_("Describe the outcome for the child.")]
    if data.follow_up_on is None:
        errors["follow_up_on"] = [_("Choose when somebody checks back with the family.")]
    elif data.follow_up_on <= timezone.localdate():
        errors["follow_up_on"] = [_("The follow-up check must be after today.")]
    problems = closure_problems(case)
    override = data.override_reason.strip()
    if problems:
        if not is_team_supervisor(actor, case):
            errors["__all__"] = [
                *problems,
                _("Only a supervisor of the team can close it anyway, with a reason."),
            ]
        elif not override:
            errors["override_reason"] = [
                *problems,
                _("To close it anyway, write why it is in the child's interest."),
            ]
    if errors:
        raise ValidationError(errors)
    last = last_signed_review(case)
    score = latest_worker_score(case)
    closure = Closure(
        case=case,
        review=last if last is not None and last.decision == Review.Decision.CLOSE else None,
        risk_reduced=data.risk_reduced,
        in_school=data.in_school,
        health_care=data.health_care,
        outcome=data.outcome.strip(),
        follow_up_on=data.follow_up_on or timezone.localdate(),
        scale_at_closure=score.score if score is not None else None,
        override_reason=override if problems else "",
        concern_codes=sorted(case.concerns.values_list("code", flat=True)),
        closed_by=actor,
    )
    closure.full_clean()
    closure.save()
    if problems:
        audit_record(
            actor=actor,
            event=Event.OVERRIDE,
            obj=closure,
            case=case,
            reason=override,
            extra={"refused_because": problems},
        )
    case_transition(actor=actor, case=case, to=Case.Phase.CLOSED, reason=closure.outcome)
    return closure


# --- Hooks: facts from casework and assessments -----------------------------------------------


def on_phase_changing(
    *, case: Case, actor: User | None, before: str, after: str, **data: Any
) -> None:
    """Once work with the family has begun, a case closes only through case_close()."""
    if after != Case.Phase.CLOSED or before not in (
        Case.Phase.INTERVENTION,
        Case.Phase.FOLLOW_UP,
    ):
        return
    if not Closure.objects.filter(case=case, closed_at__gte=case.phase_since).exists():
        raise ValidationError(
            _("Close this case from its reviews: record the outcome and the follow-up date.")
        )


def on_phase_changed(
    *,
    case: Case,
    actor: User | None,
    before: str,
    after: str,
    closed_on_before: datetime.date | None = None,
    reported_concerns: Sequence[ConcernCategory] = (),
    **data: Any,
) -> None:
    if after == Case.Phase.INTERVENTION and before == Case.Phase.ASSESSMENT:
        review_schedule_first(case=case, actor=actor)
    elif after == Case.Phase.CLOSED:
        cancelled = Review.objects.filter(case=case, status=Review.Status.SCHEDULED)
        if cancelled.exists():
            cancelled.update(
                status=Review.Status.CANCELLED,
                cancelled_reason=_("The case was closed."),
                version=F("version") + 1,
            )
            sync_case_grants(case)
    elif before == Case.Phase.CLOSED:
        _flag_return(
            case=case,
            previous=case,
            closed_on=closed_on_before,
            reported={c.code for c in reported_concerns},
        )


def on_case_opened(*, case: Case, actor: User | None, **data: Any) -> None:
    """A new case for a family or child already known: the latest closed case comes back."""
    children = case.children.values("pk")
    previous = (
        Case.objects.filter(phase=Case.Phase.CLOSED)
        .filter(Q(family_id=case.family_id) | Q(children__in=children))
        .exclude(pk=case.pk)
        .order_by("-closed_on", "-pk")
        .distinct()
        .first()
    )
    if previous is not None:
        _flag_return(
            case=case,
            previous=previous,
            closed_on=previous.closed_on,
            reported=set(case.concerns.values_list("code", flat=True)),
        )


def _flag_return(
    *, case: Case, previous: Case, closed_on: datetime.date | None, reported: set[str]
) -> ReturnFlag:
    closure = Closure.objects.filter(case=previous).order_by("-closed_at", "-pk").first()
    if closure is not None:
        before = set(closure.concern_codes)
    else:
        before = set(previous.concerns.values_list("code", flat=True))
    repeated = sorted(reported & before)
    recent = (
        closed_on is not None and (timezone.localdate() - closed_on).days <= REVOLVING_DOOR_DAYS
    )
    kind = ReturnFlag.Kind.REVOLVING_DOOR if repeated and recent else ReturnFlag.Kind.RETURNING
    flag, created = ReturnFlag.objects.get_or_create(
        case=case,
        previous_case=previous,
        previous_closed_on=closed_on,
        defaults={
            "kind": kind,
            "previous_concern_codes": sorted(before),
            "repeated_concern_codes": repeated,
        },
    )
    if created:
        audit_record(
            actor=None,
            event=Event.CREATE,
            obj=flag,
            case=case,
            changes={"kind": ["", kind]},
            reason=", ".join(repeated),
        )
        notify_kind = (
            Notification.Kind.REVOLVING_DOOR
            if kind == ReturnFlag.Kind.REVOLVING_DOOR
            else Notification.Kind.RETURNING
        )
        _notify(_supervisor_ids(case), notify_kind, case)
    return flag


@transaction.atomic
def return_flag_seen(*, actor: User, case: Case, flag: ReturnFlag) -> ReturnFlag:
    """A supervisor of the team has looked at the returning / revolving-door flag."""
    _require_scheduler(actor, case)
    if flag.case_id != case.pk:
        raise PermissionDenied
    if flag.seen_at is None:
        flag.seen_by = actor
        flag.seen_at = timezone.now()
        flag.save(update_fields=["seen_by", "seen_at"])
        audit_record(actor=actor, event=Event.CHANGE, obj=flag, case=case, reason="seen")
    return flag


def on_risk_changed(
    *, case: Case, actor: User | None, before: str, after: str, **data: Any
) -> None:
    if RISK_ORDER[Case.Risk(after)] > RISK_ORDER[Case.Risk(before)]:
        review_restart_cadence(
            case=case,
            actor=actor,
            because=_("The risk level rose to %(risk)s.") % {"risk": Case.Risk(after).label},
        )


def on_scale_recorded(*, case: Case, actor: User | None, score: ScaleScore, **data: Any) -> None:
    if _signing.get():
        return
    previous = _previous_score(case, score, score.pk)
    if previous is not None and previous - score.score >= SCALE_FALL:
        review_restart_cadence(
            case=case,
            actor=actor,
            because=_("The safety scale fell from %(before)s to %(after)s.")
            % {"before": previous, "after": score.score},
        )


# --- Notifications -------------------------------------------------------------------------


def notifications_mark_read(*, user: User, ids: Sequence[int] | None = None) -> int:
    """Mark the user's own notifications read (all of them when no ids are given)."""
    rows = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    return rows.update(read_at=timezone.now())
