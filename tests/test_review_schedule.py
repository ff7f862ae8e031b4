"""The review schedule: frequent reviews at first, then spaced out, restarting when things get
worse; dates other than the policy's need a reason; the policy is the administrators'."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from assessments.models import Voice
from assessments.services import scale_record
from casework.models import AuditEvent, Case
from casework.services import case_set_risk
from casework.tests.factories import OrganisationFactory, UserFactory
from reviews.models import Notification, Review, ReviewPolicy
from reviews.services import (
    ScoreData,
    open_review,
    policy_for,
    policy_update,
    review_reschedule,
    review_schedule,
)
from tests.test_review_services import chaired, days, events, hold, in_intervention, today


@pytest.fixture
def high(team_a, cast) -> Case:
    return in_intervention(team_a, cast["worker"], cast["supervisor"])


def fall_to(case: Case, worker, score: int) -> None:
    scale_record(actor=worker, case=case, score=score, voice=Voice.WORKER, reason="Seen at home.")


# --- The policy ----------------------------------------------------------------------------------


def test_intervals_walk_from_frequent_to_spaced(organisation):
    policy = policy_for(organisation.pk)
    walk = {risk: [policy.interval(risk, step) for step in range(10)] for risk in ("high", "low")}
    assert walk["high"] == [7, 14, 14, 30, 30, 60, 90, 90, 90, 90]
    assert walk["low"] == [30, 60, 90, 90, 90, 90, 90, 90, 90, 90]
    assert [policy.interval("medium", step) for step in range(5)] == [14, 30, 60, 90, 90]


def test_the_cap_limits_every_interval(organisation, admin_user):
    policy = policy_update(
        actor=admin_user,
        organisation=organisation,
        data={"high_intervals": [7, 30, 120], "cap_days": 45},
    )
    assert [policy.interval("high", step) for step in range(5)] == [7, 30, 45, 45, 45]
    assert policy_for(organisation.pk).cap_days == 45


def test_the_policy_is_the_administrators(organisation, cast):
    for login in ("supervisor", "worker", "chair", "partner"):
        with pytest.raises(PermissionDenied):
            policy_update(actor=cast[login], organisation=organisation, data={"cap_days": 30})
    elsewhere = UserFactory.create(
        username="other-admin",
        organisation=OrganisationFactory.create(name="Elsewhere"),
        role="administrator",
    )
    with pytest.raises(PermissionDenied):
        policy_update(actor=elsewhere, organisation=organisation, data={"cap_days": 30})
    assert policy_for(organisation.pk).cap_days == 90


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("high_intervals", []),
        ("high_intervals", [7, 0]),
        ("medium_intervals", [400]),
        ("low_intervals", "30,60"),
        ("low_intervals", [30, 7.5]),
        ("low_intervals", [True]),
        ("cap_days", 3),
        ("closure_threshold", 11),
    ],
)
def test_policy_values_are_checked(organisation, admin_user, field, value):
    policy = policy_for(organisation.pk)
    with pytest.raises(ValidationError) as info:
        policy_update(actor=admin_user, organisation=organisation, data={field: value})
    assert field in info.value.message_dict
    assert ReviewPolicy.objects.get(pk=policy.pk).version == policy.version


def test_unknown_policy_fields_are_refused(organisation, admin_user):
    with pytest.raises(ValidationError, match="cannot be changed here"):
        policy_update(actor=admin_user, organisation=organisation, data={"organisation": 1})


def test_a_policy_change_is_audited(organisation, admin_user):
    policy = policy_update(
        actor=admin_user, organisation=organisation, data={"low_intervals": [45, 90]}
    )
    assert policy.low_intervals == [45, 90]
    change = events(policy, AuditEvent.Event.CHANGE).get()
    assert change.actor == admin_user


# --- The cadence ------------------------------------------------------------------------------


def test_the_approved_plan_schedules_the_first_review(high, cast):
    review = open_review(high)
    assert review is not None
    assert review.due_on == days(7)
    assert review.step == 0
    assert review.chair is None
    assert events(review, AuditEvent.Event.SCHEDULE).count() == 1


def test_a_medium_risk_case_is_first_reviewed_after_two_weeks(team_a, cast):
    case = in_intervention(team_a, cast["worker"], cast["supervisor"], risk_level="medium")
    review = open_review(case)
    assert review is not None
    assert review.due_on == days(14)


def test_each_signed_review_schedules_the_next(high, cast):
    supervisor, chair = cast["supervisor"], cast["chair"]
    hold(high, supervisor, chair, held_on=days(-3))
    second = open_review(high)
    assert second is not None
    assert (second.step, second.due_on) == (1, days(-3 + 14))
    assert second.chair is None
    assert events(second, AuditEvent.Event.SCHEDULE).count() == 1
    hold(high, supervisor, chair)
    third = open_review(high)
    assert third is not None
    assert (third.step, third.due_on) == (2, days(14))
    hold(high, supervisor, chair)
    fourth = open_review(high)
    assert fourth is not None
    assert (fourth.step, fourth.due_on) == (3, days(30))
    assert fourth.restarted_because == ""


def test_a_next_date_away_from_the_policy_needs_a_reason(high, cast):
    supervisor, chair = cast["supervisor"], cast["chair"]
    with pytest.raises(ValidationError) as info:
        hold(high, supervisor, chair, next_due_on=days(20))
    # Sign-off lists it with whatever else is missing, before anything is written.
    assert any("different date from the policy" in m for m in info.value.messages)
    review = open_review(high)
    assert review is not None
    assert review.status == Review.Status.SCHEDULED
    review_sign_ok = hold(high, supervisor, chair, next_due_on=days(20), next_date_reason="Exams.")
    assert review_sign_ok.status == Review.Status.SIGNED
    following = open_review(high)
    assert following is not None
    assert (following.due_on, following.date_reason) == (days(20), "Exams.")


def test_a_fall_on_the_scale_restarts_the_cadence(high, cast):
    worker = cast["worker"]
    hold(high, cast["supervisor"], cast["chair"])
    review = open_review(high)
    assert review is not None
    assert (review.step, review.due_on) == (1, days(14))
    fall_to(high, worker, 7)  # 8 at the review, 7 now: a fall of one changes nothing
    review.refresh_from_db()
    assert (review.step, review.due_on, review.restarted_because) == (1, days(14), "")
    fall_to(high, worker, 5)
    review.refresh_from_db()
    assert (review.step, review.due_on) == (0, days(7))
    assert review.restarted_because == "The safety scale fell from 7 to 5."
    restart = events(review, AuditEvent.Event.SCHEDULE).latest("pk")
    assert restart.reason == "The safety scale fell from 7 to 5."


def test_a_fall_between_reviews_of_the_same_voice_restarts_the_next(high, cast):
    supervisor, chair, worker = cast["supervisor"], cast["chair"], cast["worker"]
    hold(high, supervisor, chair)
    # Another voice falling means nothing for this one.
    hold(
        high,
        supervisor,
        chair,
        scores=[
            ScoreData(Voice.WORKER, 8, "Same.", given_by_user=worker),
            ScoreData(Voice.PROFESSIONAL, 3, "Worried.", voice_name="School teacher"),
        ],
    )
    review = open_review(high)
    assert review is not None
    assert (review.step, review.restarted_because) == (2, "")
    hold(
        high,
        supervisor,
        chair,
        scores=[ScoreData(Voice.WORKER, 6, "Gran is ill.", given_by_user=worker)],
    )
    review = open_review(high)
    assert review is not None
    assert (review.step, review.due_on) == (0, days(7))
    assert review.restarted_because == "The safety scale fell by 2 or more."


def test_a_rise_in_risk_restarts_the_cadence(team_a, cast):
    case = in_intervention(team_a, cast["worker"], cast["supervisor"], risk_level="medium")
    case = case_set_risk(
        actor=cast["worker"], case=case, risk_level="high", reason="New bruises reported."
    )
    review = open_review(case)
    assert review is not None
    assert (review.step, review.due_on) == (0, days(7))
    assert review.restarted_because == "The risk level rose to High."


def test_a_fall_in_risk_keeps_the_date(high, cast):
    hold(high, cast["supervisor"], cast["chair"])
    case_set_risk(actor=cast["worker"], case=high, risk_level="low", reason="Calmer.")
    review = open_review(high)
    assert review is not None
    assert (review.step, review.due_on, review.restarted_because) == (1, days(14), "")


def test_escalating_restarts_and_tells_the_supervisors(high, cast, team_a):
    second_supervisor = UserFactory.create(
        username="supervisor2", organisation=team_a.organisation, role="supervisor"
    )
    team_a.supervisors.add(second_supervisor)
    hold(high, cast["supervisor"], cast["chair"])
    signed = hold(
        high, cast["supervisor"], cast["chair"], decision=Review.Decision.ESCALATE, held_on=days(-1)
    )
    review = open_review(high)
    assert review is not None
    assert (review.step, review.due_on) == (0, days(6))
    assert review.restarted_because == "The review escalated the case."
    told = Notification.objects.filter(kind="escalated", review=signed, case=high)
    assert sorted(told.values_list("user", flat=True)) == sorted(
        [cast["supervisor"].pk, second_supervisor.pk]
    )


# --- Scheduling by hand ------------------------------------------------------------------------


def test_a_date_away_from_the_policy_needs_a_reason(high, cast):
    supervisor, chair = cast["supervisor"], cast["chair"]
    hold(high, supervisor, chair, decision=Review.Decision.CLOSE, held_on=days(-2))
    assert open_review(high) is None
    with pytest.raises(ValidationError) as info:
        review_schedule(actor=supervisor, case=high, chair=chair, due_on=days(3))
    assert "date_reason" in info.value.message_dict
    assert open_review(high) is None
    with pytest.raises(ValidationError) as info:
        review_schedule(actor=supervisor, case=high, chair=cast["worker"])
    assert "chair" in info.value.message_dict
    review = review_schedule(
        actor=supervisor, case=high, chair=chair, due_on=days(3), date_reason="Before the holiday."
    )
    assert (review.step, review.due_on, review.chair) == (1, days(3), chair)
    assert events(review, AuditEvent.Event.SCHEDULE).get().reason == "Before the holiday."
    assert Notification.objects.filter(user=chair, kind="chair", review=review).count() == 1


def test_without_a_date_the_policy_gives_it(high, cast):
    supervisor = cast["supervisor"]
    hold(high, supervisor, cast["chair"], decision=Review.Decision.CLOSE, held_on=days(-2))
    review = review_schedule(actor=supervisor, case=high)
    assert (review.step, review.due_on, review.date_reason) == (1, days(12), "")
    with pytest.raises(ValidationError, match="already has a review"):
        review_schedule(actor=supervisor, case=high)


@pytest.mark.parametrize("login", ["worker", "chair", "admin", "outsider"])
def test_only_a_team_supervisor_schedules(high, cast, login):
    hold(high, cast["supervisor"], cast["chair"], decision=Review.Decision.CLOSE)
    with pytest.raises(PermissionDenied):
        review_schedule(actor=cast[login], case=high)


def test_the_chair_moves_the_review_with_a_reason(high, cast):
    chair = cast["chair"]
    review = chaired(high, cast["supervisor"], chair)
    with pytest.raises(ValidationError) as info:
        review_reschedule(actor=chair, case=high, review=review, due_on=days(9), reason=" ")
    assert "date_reason" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        review_reschedule(actor=chair, case=high, review=review, due_on=days(-1), reason="Late.")
    assert "due_on" in info.value.message_dict
    with pytest.raises(PermissionDenied):
        review_reschedule(
            actor=cast["worker"], case=high, review=review, due_on=days(9), reason="Busy."
        )
    moved = review_reschedule(
        actor=chair,
        case=high,
        review=review,
        due_on=days(9),
        reason="The mother works that day.",
        expected_version=review.version,
    )
    assert (moved.due_on, moved.date_reason) == (days(9), "The mother works that day.")
    assert events(moved, AuditEvent.Event.SCHEDULE).latest("pk").actor == chair
    assert moved.version == review.version + 1
    assert today() < moved.due_on
