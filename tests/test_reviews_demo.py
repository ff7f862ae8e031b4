"""The demo's reviews, its one closure after a closing review, and its revolving-door family.

After `load_demo`, the cases in intervention and follow-up have reviews chaired by someone from
outside their team: some due this week (one tomorrow), two overdue (by 4 and 9 days) on the
team A supervisor's dashboard, and reviews held and signed off (continue, adjust, escalate,
close) with each child's views, three voices on the scale and the next review scheduled by the
sign-off. The Nuon family's case is closed after its closing review, with a closure record; the
Sok family comes back within the year with the same concern and is flagged as the revolving
door to team B's supervisor. Everything is written through the services, and running the demo
twice adds nothing.
"""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from assessments.models import Approval, CasePlan, ScaleScore
from casework.access import case_permissions
from casework.models import AuditEvent, Case, User
from reviews.demo_data import DEMO_REVIEWS
from reviews.models import (
    Closure,
    GoalProgress,
    Notification,
    Participant,
    ReturnFlag,
    Review,
    ReviewScore,
    RuleProgress,
)
from reviews.selectors import reviews_chaired_by
from reviews.services import chair_problem, closure_problems
from safetyplans.models import SafetyPlan

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MODELS = (
    Review,
    Participant,
    GoalProgress,
    RuleProgress,
    ReviewScore,
    Closure,
    ReturnFlag,
    Notification,
    ScaleScore,
    Case,
    AuditEvent,
)


def counts() -> dict[str, int]:
    return {model.__name__: model._default_manager.count() for model in MODELS}


def the_case(family_start: str, **filters: object) -> Case:
    return Case.objects.select_related("family", "team").get(
        family__family_name__startswith=family_start, **filters
    )


def users() -> dict[str, User]:
    return {u.username: u for u in User.objects.all()}


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


def test_every_chair_in_the_stories_is_a_demo_login_outside_the_case_team():
    from casework.demo import DEMO_LOGINS
    from casework.demo_data import DEMO_CASES

    teams = {login.username: login.team for login in DEMO_LOGINS}
    case_team = {spec.family_name: spec.team for spec in DEMO_CASES}
    for spec in DEMO_REVIEWS:
        for chair in (spec.chair, spec.next_chair):
            if chair is not None:
                assert teams[chair] != case_team[spec.family_name], spec.family_name


# --- Running twice ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_second_run_adds_nothing_and_moves_nothing(settings):
    settings.DEBUG = True
    settings.PASSWORD_HASHERS = FAST_HASHERS
    call_command("load_demo", verbosity=0)
    first = counts()
    assert first["Review"] >= 9
    assert first["Closure"] == 1
    assert first["ReturnFlag"] == 1
    reviews = sorted(Review.objects.values_list("pk", "status", "due_on", "chair", "version"))
    phases = sorted(Case.objects.values_list("pk", "phase", "closed_on", "version"))
    call_command("load_demo", verbosity=0)
    assert counts() == first
    assert sorted(Review.objects.values_list("pk", "status", "due_on", "chair", "version")) == (
        reviews
    )
    assert sorted(Case.objects.values_list("pk", "phase", "closed_on", "version")) == phases


# --- What the loaded demo shows -----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.usefixtures("loaded_demo")
class TestTheLoadedDemo:
    """Read-only checks of one loaded demo."""

    def test_chairs_are_never_on_the_case_team(self):
        chaired = Review.objects.exclude(chair=None).select_related("case__team", "chair")
        assert chaired.count() == Review.objects.exclude(status=Review.Status.CANCELLED).count()
        for review in chaired:
            case, chair = review.case, review.chair
            assert chair is not None
            assert chair.pk not in (case.worker_id, case.covering_worker_id)
            assert not case.team.members.filter(pk=chair.pk).exists()
            assert not case.team.supervisors.filter(pk=chair.pk).exists()
            assert chair_problem(case, chair) is None

    def test_scheduled_reviews_some_this_week_one_tomorrow(self):
        today = timezone.localdate()
        open_reviews = Review.objects.filter(status=Review.Status.SCHEDULED)
        assert open_reviews.count() == 5
        assert not open_reviews.filter(chair=None).exists()
        this_week = open_reviews.filter(
            due_on__gte=today, due_on__lte=today + datetime.timedelta(7)
        )
        assert this_week.count() >= 3
        tomorrow = open_reviews.get(due_on=today + datetime.timedelta(days=1))
        assert tomorrow.case.family.family_name.startswith("Chhin")
        assert tomorrow.date_reason.strip()  # off the policy's date, so a reason is given
        # Every case at work has its next review; no closed case has one.
        working = Case.objects.filter(phase__in=(Case.Phase.INTERVENTION, Case.Phase.FOLLOW_UP))
        assert set(open_reviews.values_list("case", flat=True)) == set(
            working.values_list("pk", flat=True)
        )

    def test_the_supervisor_has_two_overdue_reviews(self):
        supervisor = users()["supervisor"]
        today = timezone.localdate()
        overdue = Review.objects.filter(
            status=Review.Status.SCHEDULED,
            case__team__supervisors=supervisor,
            due_on__lt=today,
        ).select_related("case__family")
        assert sorted(r.days_overdue() for r in overdue) == [4, 9]
        assert {r.case.family.family_name[:4] for r in overdue} == {"Seng", "Meas"}
        # Nobody else's team is behind.
        assert (
            not Review.objects.filter(status=Review.Status.SCHEDULED, due_on__lt=today)
            .exclude(pk__in=overdue)
            .exists()
        )

    def test_the_chair_lists_the_reviews_to_chair_and_sees_only_those_cases(self):
        cast = users()
        chair = cast["chair"]
        listed = {r.case.family.family_name[:4] for r in reviews_chaired_by(chair)}
        assert listed == {"Heng", "Seng", "Meas"}
        heng = the_case("Heng")
        assert "view" in case_permissions(chair, heng)
        assert "change" not in case_permissions(chair, heng)
        # The Nuon review is signed: the chair's temporary access ended with it.
        assert not case_permissions(chair, the_case("Nuon"))
        assert {r.case.family.family_name[:4] for r in reviews_chaired_by(cast["supervisor"])} == {
            "Chhi"
        }
        assert {r.case.family.family_name[:4] for r in reviews_chaired_by(cast["colleague"])} == {
            "Pov "
        }

    def test_signed_reviews_hear_every_child_and_three_voices(self):
        today = timezone.localdate()
        signed = Review.objects.filter(status=Review.Status.SIGNED).select_related("case")
        assert {r.decision for r in signed} == {
            Review.Decision.CONTINUE,
            Review.Decision.ADJUST,
            Review.Decision.ESCALATE,
            Review.Decision.CLOSE,
        }
        assert signed.filter(decision=Review.Decision.ESCALATE).count() == 1
        for review in signed:
            name = review.case.family.family_name
            assert review.held_on is not None, name
            assert review.held_on < today, name
            assert review.due_on == review.held_on, name
            assert review.signed_by_id == review.chair_id
            children = set(review.case.children.values_list("pk", flat=True))
            heard = set(
                review.participants.filter(kind=Participant.Kind.CHILD).values_list(
                    "person", flat=True
                )
            )
            assert heard == children, name
            assert review.participants.filter(kind=Participant.Kind.FAMILY).exists(), name
            assert review.child_views.strip()
            assert review.family_views.strip()
            assert review.decision_reasons.strip()
            voices = set(review.scores.values_list("voice", flat=True))
            assert {"family", "child", "worker"} <= voices, name
            # The scores joined the case's line on the day the review was held.
            assert (
                ScaleScore.objects.filter(case=review.case, recorded_on=review.held_on).count()
                >= review.scores.count()
            )
        words = " ".join(signed.values_list("family_views", flat=True))
        assert any("\u1780" <= ch <= "\u17ff" for ch in words)  # the family's own words

    def test_progress_on_goals_and_rules_where_the_case_has_them(self):
        for review in Review.objects.filter(status=Review.Status.SIGNED).select_related("case"):
            plan = CasePlan.objects.filter(case=review.case, status=Approval.APPROVED).first()
            if plan is not None:
                assert review.goal_progress.count() >= 2
                assert all(g.goal.plan_id == plan.pk for g in review.goal_progress.all())
            agreed = SafetyPlan.objects.filter(
                case=review.case, status=SafetyPlan.Status.AGREED
            ).first()
            if agreed is not None:
                assert review.rule_progress.count() >= 2
                assert all(r.rule.plan_id == agreed.pk for r in review.rule_progress.all())
        assert GoalProgress.objects.count() >= 6
        assert RuleProgress.objects.filter(kept=RuleProgress.Kept.KEPT).exists()
        assert RuleProgress.objects.exclude(kept=RuleProgress.Kept.KEPT).exists()

    def test_each_sign_off_scheduled_the_next_review(self):
        signed = Review.objects.filter(status=Review.Status.SIGNED).exclude(
            decision=Review.Decision.CLOSE
        )
        assert signed.count() == 3
        for review in signed:
            following = Review.objects.get(case=review.case, status=Review.Status.SCHEDULED)
            assert following.scheduled_by_id == review.chair_id
        pov = the_case("Pov")
        restarted = Review.objects.get(case=pov, status=Review.Status.SCHEDULED)
        assert restarted.step == 0
        assert restarted.restarted_because.strip()
        assert Notification.objects.filter(
            user__username="chair", kind=Notification.Kind.ESCALATED, case=pov
        ).exists()

    def test_nuon_is_closed_after_a_signed_closing_review(self):
        nuon = the_case("Nuon")
        assert nuon.phase == Case.Phase.CLOSED
        closure = Closure.objects.get(case=nuon)
        review = Review.objects.get(case=nuon, status=Review.Status.SIGNED)
        assert review.decision == Review.Decision.CLOSE
        assert review.chair is not None
        assert review.chair.username == "chair"
        assert closure.review_id == review.pk
        assert closure.override_reason == ""
        assert closure.scale_at_closure is not None
        assert closure.scale_at_closure >= 7
        assert closure.risk_reduced
        assert closure.in_school
        assert closure.health_care
        assert closure.follow_up_on > timezone.localdate()
        assert closure.outcome.strip()
        assert closure.closed_by.username == "colleague"
        assert sorted(closure.concern_codes) == ["neglect", "school_dropout"]
        assert closure_problems(nuon) == []
        assert not Review.objects.filter(case=nuon, status=Review.Status.SCHEDULED).exists()

    def test_the_sok_family_is_back_through_the_revolving_door(self):
        previous = the_case("Sok", phase=Case.Phase.CLOSED)
        returning = the_case("Sok", phase=Case.Phase.INTAKE)
        assert returning.family_id == previous.family_id
        assert set(returning.children.values_list("pk", flat=True)) <= set(
            previous.children.values_list("pk", flat=True)
        )
        flag = ReturnFlag.objects.get()
        assert flag.case_id == returning.pk
        assert flag.previous_case_id == previous.pk
        assert flag.kind == ReturnFlag.Kind.REVOLVING_DOOR
        assert flag.repeated_concern_codes == ["family_separation"]
        assert flag.previous_closed_on == previous.closed_on
        assert previous.closed_on is not None
        assert 0 < (timezone.localdate() - previous.closed_on).days <= 365
        assert flag.seen_at is None
        # Told to the supervisor of the family's team (team B's), and to nobody else.
        told = Notification.objects.filter(kind=Notification.Kind.REVOLVING_DOOR)
        assert list(told.values_list("user__username", "case")) == [("chair", returning.pk)]

    def test_notifications_wait_for_the_supervisors_and_the_chair(self):
        chair_told = Notification.objects.filter(kind=Notification.Kind.CHAIR, read_at=None)
        assert chair_told.filter(user__username="chair").count() >= 3
        assert chair_told.filter(user__username="supervisor").count() >= 2
        assert chair_told.filter(user__username="colleague").exists()
        for note in chair_told.select_related("review", "user"):
            assert note.review is not None
            assert note.review.chair_id == note.user_id
        kinds = set(
            Notification.objects.filter(user__username="chair").values_list("kind", flat=True)
        )
        assert {"chair", "escalated", "revolving_door"} <= kinds

    def test_everything_went_through_the_services(self):
        signed = Review.objects.filter(status=Review.Status.SIGNED)
        sign_events = AuditEvent.objects.filter(
            event=AuditEvent.Event.SIGN, content_type__model="review"
        )
        assert sign_events.count() == signed.count() == 4
        for review in Review.objects.all():
            assert AuditEvent.objects.filter(
                event=AuditEvent.Event.SCHEDULE,
                content_type__model="review",
                object_pk=str(review.pk),
            ).exists()
        nuon = the_case("Nuon")
        moves = AuditEvent.objects.filter(case=nuon, event=AuditEvent.Event.TRANSITION)
        assert [e.changes["phase"][1] for e in moves.order_by("pk")] == [
            "assessment",
            "intervention",
            "follow_up",
            "closed",
        ]
        flag = ReturnFlag.objects.get()
        assert AuditEvent.objects.filter(
            event=AuditEvent.Event.CREATE, content_type__model="returnflag", object_pk=str(flag.pk)
        ).exists()
