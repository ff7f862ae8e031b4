"""The supervisor's review dashboard: what needs their attention across their teams' cases.

Everything is read through the door (`cases_visible_to`) and narrowed to the teams the user
supervises. Each section is one query, whatever the number of cases: the page's query count
is fixed (pinned in tests/test_review_dashboard.py).
"""

from __future__ import annotations

import datetime
import zoneinfo
from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, F, OuterRef, QuerySet, Subquery
from django.utils import timezone

from assessments.models import ScaleScore, Voice
from casework.access import cases_visible_to
from casework.models import Case, User
from casework.selectors import supervised_team_ids

from .models import ReturnFlag, Review

# "Due this week": today and the next seven days.
WEEK = datetime.timedelta(days=7)
OPEN_PHASES = (Case.Phase.INTERVENTION, Case.Phase.FOLLOW_UP)


def today_for(user: User) -> datetime.date:
    """Today where the user's organisation works (the dates reviews fall due on)."""
    organisation = user.organisation
    if organisation is None:
        return timezone.localdate()
    return timezone.localdate(timezone=zoneinfo.ZoneInfo(organisation.time_zone))


def supervised_cases(user: User | AnonymousUser, teams: list[int] | None = None) -> QuerySet[Case]:
    """The cases of the teams `user` supervises (`teams`, where the caller has their ids), as
    far as the door lets them manage them."""
    if not isinstance(user, User) or user.role != User.Role.SUPERVISOR:
        return Case.objects.none()
    if teams is None:
        teams = supervised_team_ids(user)
    return cases_visible_to(user, perm="export").filter(team__in=teams)


@dataclass(frozen=True)
class ReviewRow:
    review: Review
    # Days overdue (overdue section) or days until due (due this week).
    days: int

    @property
    def case(self) -> Case:
        return self.review.case


@dataclass(frozen=True)
class ScaleFall:
    case: Case
    before: int
    after: int
    recorded_on: datetime.date


@dataclass
class ReviewDashboard:
    today: datetime.date
    due_this_week: list[ReviewRow] = field(default_factory=list)
    overdue: list[ReviewRow] = field(default_factory=list)
    without_chair: list[ReviewRow] = field(default_factory=list)
    scale_fell: list[ScaleFall] = field(default_factory=list)
    without_review: list[Case] = field(default_factory=list)
    return_flags: list[ReturnFlag] = field(default_factory=list)

    @property
    def case_ids(self) -> set[int]:
        """Every case the page shows (for the audit event's count)."""
        ids = {row.review.case_id for row in self.due_this_week + self.overdue}
        ids |= {row.review.case_id for row in self.without_chair}
        ids |= {fall.case.pk for fall in self.scale_fell}
        ids |= {case.pk for case in self.without_review}
        ids |= {flag.case_id for flag in self.return_flags}
        return ids


def _case_rows(cases: QuerySet[Case]) -> QuerySet[Case]:
    return cases.select_related("family__village", "team", "worker")


def open_reviews(cases: QuerySet[Case], teams: list[int] | None = None) -> QuerySet[Review]:
    """Scheduled reviews of `cases`. `teams` (the cases' teams) only helps PostgreSQL: with it,
    it reads those teams' cases by index instead of every open review (2.6 s at 1M cases; as a
    subquery rather than constants it does not help)."""
    reviews = Review.objects.filter(status=Review.Status.SCHEDULED, case__in=cases)
    if teams is not None:
        reviews = reviews.filter(case__team_id__in=teams)
    return reviews.select_related(
        "case__family__village", "case__team", "case__worker", "chair"
    ).order_by("due_on", "pk")


def cases_whose_scale_fell(cases: QuerySet[Case]) -> QuerySet[Case]:
    """Open cases whose worker's latest safety scale score is below the one before it.

    Annotated with scale_after, scale_before and scale_on (the latest score's date).
    """
    worker_scores = ScaleScore.objects.filter(case=OuterRef("pk"), voice=Voice.WORKER).order_by(
        "-recorded_on", "-pk"
    )
    return (
        _case_rows(cases.exclude(phase=Case.Phase.CLOSED))
        .annotate(
            scale_after=Subquery(worker_scores.values("score")[:1]),
            scale_before=Subquery(worker_scores.values("score")[1:2]),
            scale_on=Subquery(worker_scores.values("recorded_on")[:1]),
        )
        .filter(scale_before__isnull=False, scale_after__lt=F("scale_before"))
        .order_by("-scale_on", "pk")
    )


def cases_without_a_review(cases: QuerySet[Case]) -> QuerySet[Case]:
    """Cases in intervention or follow-up with no review scheduled, longest in phase first."""
    scheduled = Review.objects.filter(case=OuterRef("pk"), status=Review.Status.SCHEDULED)
    return (
        _case_rows(cases.filter(phase__in=OPEN_PHASES))
        .exclude(Exists(scheduled))
        .order_by("phase_since", "pk")
    )


def unseen_return_flags(
    cases: QuerySet[Case], teams: list[int] | None = None
) -> QuerySet[ReturnFlag]:
    flags = ReturnFlag.objects.filter(seen_at__isnull=True, case__in=cases)
    if teams is not None:
        flags = flags.filter(case__team_id__in=teams)
    return flags.select_related(
        "case__family__village", "case__team", "case__worker", "previous_case"
    ).order_by("-created_at", "-pk")


def review_dashboard(user: User) -> ReviewDashboard:
    """The dashboard of a supervisor (empty for anybody else): five queries in all."""
    today = today_for(user)
    board = ReviewDashboard(today=today)
    if user.role != User.Role.SUPERVISOR:
        return board
    teams = supervised_team_ids(user)
    cases = supervised_cases(user, teams)
    for review in open_reviews(cases, teams):
        if review.due_on < today:
            board.overdue.append(ReviewRow(review, (today - review.due_on).days))
        elif review.due_on <= today + WEEK:
            board.due_this_week.append(ReviewRow(review, (review.due_on - today).days))
        if review.chair_id is None:
            board.without_chair.append(ReviewRow(review, (review.due_on - today).days))
    board.scale_fell = [
        ScaleFall(
            case=case,
            before=case.scale_before,  # type: ignore[attr-defined]
            after=case.scale_after,  # type: ignore[attr-defined]
            recorded_on=case.scale_on,  # type: ignore[attr-defined]
        )
        for case in cases_whose_scale_fell(cases)
    ]
    board.without_review = list(cases_without_a_review(cases))
    board.return_flags = list(unseen_return_flags(cases, teams))
    return board
