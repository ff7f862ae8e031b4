"""Reads of the review phase that need scoping (DESIGN: every list through a scoped selector)."""

from __future__ import annotations

from django.db.models import QuerySet

from casework.access import cases_visible_to
from casework.models import Case, User

from .models import Notification, ReturnFlag, Review


def reviews_for_case(case: Case) -> QuerySet[Review]:
    """Every review of a case the caller has already let the user into (newest first)."""
    return (
        Review.objects.filter(case=case)
        .select_related("chair", "signed_by", "scheduled_by")
        .order_by("-due_on", "-pk")
    )


def reviews_chaired_by(user: User) -> QuerySet[Review]:
    """The open reviews `user` chairs, soonest first (only cases the door lets them see)."""
    return (
        Review.objects.filter(
            chair=user,
            status=Review.Status.SCHEDULED,
            case__in=cases_visible_to(user),
        )
        .select_related("case__family", "case__team", "case__worker")
        .order_by("due_on", "pk")
    )


def notifications_for(user: User) -> QuerySet[Notification]:
    """The user's own notifications, newest first. Callers showing them must not link a case
    the user can no longer see (the pages and the API check with cases_visible_to)."""
    return Notification.objects.filter(user=user).select_related("case", "review")


def unread_count(user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def return_flags_for_case(case: Case) -> QuerySet[ReturnFlag]:
    return ReturnFlag.objects.filter(case=case).select_related("previous_case", "seen_by")
