"""What the reviews put into exported PDFs: the case file's "Reviews" section and the minutes of
one signed review.

Both run after the door let the exporter in with "export", inside the exporter's language, and
must not audit (the export records the one event). The section takes a fixed number of queries
however many reviews the case has had: every row it prints is fetched with the reviews.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework.documents import CaseDocument, CaseFileSection
from casework.models import Case

from .models import (
    Closure,
    GoalProgress,
    Participant,
    Review,
    ReviewAddendum,
    ReviewScore,
    RuleProgress,
)


def _reviews(case: Case) -> QuerySet[Review]:
    """The case's reviews with every row the PDFs print (six queries, however many)."""
    return (
        Review.objects.filter(case=case)
        .select_related("chair", "signed_by")
        .prefetch_related(
            Prefetch(
                "participants",
                queryset=Participant.objects.select_related("person", "network_member").order_by(
                    "pk"
                ),
            ),
            Prefetch(
                "goal_progress", queryset=GoalProgress.objects.select_related("goal").order_by("pk")
            ),
            Prefetch(
                "rule_progress", queryset=RuleProgress.objects.select_related("rule").order_by("pk")
            ),
            Prefetch(
                "scores",
                queryset=ReviewScore.objects.select_related("person", "given_by_user").order_by(
                    "pk"
                ),
            ),
            Prefetch(
                "addenda",
                queryset=ReviewAddendum.objects.select_related("author").order_by(
                    "created_at", "pk"
                ),
            ),
        )
        .order_by("due_on", "pk")
    )


def _closures(case: Case) -> dict[int, list[Closure]]:
    """Closures of the case decided by one of its reviews, by review (one query)."""
    by_review: dict[int, list[Closure]] = {}
    closures = (
        Closure.objects.filter(case=case, review__isnull=False)
        .select_related("closed_by")
        .order_by("closed_at", "pk")
    )
    for closure in closures:
        if closure.review_id is not None:
            by_review.setdefault(closure.review_id, []).append(closure)
    return by_review


def score_giver(score: ReviewScore) -> str:
    """Who gave a score, as the minutes name them ("" when only the voice is known)."""
    if score.person is not None:
        return score.person.display_name
    if score.voice_name:
        return score.voice_name
    if score.given_by_user is not None:
        return score.given_by_user.display_name
    return ""


def _entry(review: Review, closures: dict[int, list[Closure]]) -> dict[str, Any]:
    """One review with its rows, grouped the way the PDFs print them."""
    participants = list(review.participants.all())
    gathered = Participant.Gathered
    return {
        "review": review,
        "present": [p for p in participants if p.gathered == gathered.PRESENT],
        "gathered_otherwise": [
            p for p in participants if p.gathered not in (gathered.PRESENT, gathered.NOT_GATHERED)
        ],
        "not_gathered": [p for p in participants if p.gathered == gathered.NOT_GATHERED],
        "participants": participants,
        "goals": list(review.goal_progress.all()),
        "rules": list(review.rule_progress.all()),
        "scores": [(score, score_giver(score)) for score in review.scores.all()],
        "addenda": list(review.addenda.all()),
        "closures": closures.get(review.pk, []),
    }


# --- The case file's section ------------------------------------------------------------------


def reviews_context(case: Case) -> dict[str, Any]:
    """Every review of the case, oldest first: signed ones in full, the others briefly."""
    closures = _closures(case)
    entries = [_entry(review, closures) for review in _reviews(case)]
    status = Review.Status
    return {
        "signed": [e for e in entries if e["review"].status == status.SIGNED],
        "scheduled": [e for e in entries if e["review"].status == status.SCHEDULED],
        "cancelled": [e for e in entries if e["review"].status == status.CANCELLED],
        "review_count": len(entries),
    }


REVIEWS_SECTION = CaseFileSection(
    key="reviews",
    order=90,
    label=gettext_lazy("Reviews"),
    template="reports/sections/reviews.html",
    context=reviews_context,
    help_text=gettext_lazy(
        "Every review: who took part, the decision, progress on goals and rules, the scores, "
        "addenda and the closure."
    ),
)


# --- The minutes of one signed review ----------------------------------------------------------


def minutes_subjects(case: Case) -> list[tuple[int, str]]:
    """The case's signed reviews, the oldest first: "12 March 2025, chaired by NAME"."""
    reviews = (
        Review.objects.filter(case=case, status=Review.Status.SIGNED)
        .select_related("chair")
        .order_by("held_on", "pk")
    )
    subjects = []
    for review in reviews:
        held = formats.date_format(review.held_on or review.due_on, "DATE_FORMAT")
        if review.chair is not None:
            label = _("%(date)s, chaired by %(name)s") % {
                "date": held,
                "name": review.chair.display_name,
            }
        else:
            label = str(held)
        subjects.append((review.pk, label))
    return subjects


def minutes_context(case: Case, subject_id: int) -> dict[str, Any]:
    """The page for one signed review of `case`; LookupError for anything else."""
    review = _reviews(case).filter(pk=subject_id).first()
    if review is None or review.case_id != case.pk:
        raise LookupError(f"review {subject_id} is not one of case {case.pk}'s")
    if review.status != Review.Status.SIGNED:
        raise LookupError(f"review {subject_id} is not signed off")
    # The review its sign-off scheduled: the case's first review created after this one.
    following = Review.objects.filter(case=case, pk__gt=review.pk).order_by("pk").first()
    return {
        **_entry(review, _closures(case)),
        "following": following,
        "children": list(case.children.order_by("pk")),
    }


REVIEW_MINUTES = CaseDocument(
    key="review_minutes",
    label=gettext_lazy("Review minutes"),
    template="reports/review_minutes.html",
    subjects=minutes_subjects,
    context=minutes_context,
)
