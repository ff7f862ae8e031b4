"""Every write of the follow-up and review phase.

The schedule (schedule.py): when an approved plan starts intervention the first review is
scheduled from the organisation's policy; each signed review schedules the next at the
following interval; a falling safety scale, a rising risk or an escalation restarts the cadence
from the beginning. Chairs are independent of the case (never its workers, never its team) and
hold view access only while their review is open. Recording and sign-off: record.py. Closure,
the returning / revolving-door flags and the hooks on case facts: closure.py.
"""

from __future__ import annotations

from .closure import (
    ClosureData,
    case_close,
    closure_problems,
    latest_worker_score,
    notifications_mark_read,
    on_case_opened,
    on_phase_changed,
    on_phase_changing,
    on_risk_changed,
    on_scale_recorded,
    return_flag_seen,
)
from .record import (
    RECORD_TEXT,
    GoalProgressData,
    ParticipantData,
    ReviewRecord,
    RuleProgressData,
    ScoreData,
    review_addendum_add,
    review_record,
    review_sign,
    sign_off_problems,
)
from .schedule import (
    POLICY_FIELDS,
    REVOLVING_DOOR_DAYS,
    SCALE_FALL,
    chair_problem,
    eligible_chairs,
    is_team_supervisor,
    last_signed_review,
    open_review,
    policy_date,
    policy_for,
    policy_update,
    review_assign_chair,
    review_reschedule,
    review_restart_cadence,
    review_schedule,
    review_schedule_first,
)

__all__ = [
    "POLICY_FIELDS",
    "RECORD_TEXT",
    "REVOLVING_DOOR_DAYS",
    "SCALE_FALL",
    "ClosureData",
    "GoalProgressData",
    "ParticipantData",
    "ReviewRecord",
    "RuleProgressData",
    "ScoreData",
    "case_close",
    "chair_problem",
    "closure_problems",
    "eligible_chairs",
    "is_team_supervisor",
    "last_signed_review",
    "latest_worker_score",
    "notifications_mark_read",
    "on_case_opened",
    "on_phase_changed",
    "on_phase_changing",
    "on_risk_changed",
    "on_scale_recorded",
    "open_review",
    "policy_date",
    "policy_for",
    "policy_update",
    "return_flag_seen",
    "review_addendum_add",
    "review_assign_chair",
    "review_record",
    "review_reschedule",
    "review_restart_cadence",
    "review_schedule",
    "review_schedule_first",
    "review_sign",
    "sign_off_problems",
]
