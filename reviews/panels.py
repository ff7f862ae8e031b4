"""The case page's reviews panel: the next review, the returning / revolving-door banner, the
last signed review, and the actions the reader may take.

It runs after the door let the user in and must not audit (the case page records the one read).
It takes one query however many reviews the case has (every fact is a subquery of the case's
row), and one more to name the previous concerns when the family has come back.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone

from casework.access import Perm
from casework.models import Case, ConcernCategory, Team, User
from casework.panels import CasePanel

from .models import ReturnFlag, Review

SHOWN_IN = (Case.Phase.INTERVENTION, Case.Phase.FOLLOW_UP, Case.Phase.CLOSED)


def reviews_panel_context(case: Case, user: User, perms: frozenset[Perm]) -> dict[str, Any] | None:
    scheduled = Review.objects.filter(case=OuterRef("pk"), status=Review.Status.SCHEDULED)
    signed = Review.objects.filter(case=OuterRef("pk"), status=Review.Status.SIGNED).order_by(
        "-held_on", "-signed_at", "-pk"
    )
    flag = ReturnFlag.objects.filter(case=OuterRef("pk")).order_by("-created_at", "-pk")

    def first(queryset: Any, name: str) -> Subquery:
        return Subquery(queryset.values(name)[:1])

    facts = (
        Case.objects.filter(pk=case.pk)
        .values(
            open_pk=first(scheduled, "pk"),
            open_due=first(scheduled, "due_on"),
            open_chair=first(scheduled, "chair_id"),
            chair_first=first(scheduled, "chair__first_name"),
            chair_last=first(scheduled, "chair__last_name"),
            chair_username=first(scheduled, "chair__username"),
            last_pk=first(signed, "pk"),
            last_held=first(signed, "held_on"),
            last_decision=first(signed, "decision"),
            flag_pk=first(flag, "pk"),
            flag_kind=first(flag, "kind"),
            flag_codes=first(flag, "previous_concern_codes"),
            flag_repeated=first(flag, "repeated_concern_codes"),
            flag_closed_on=first(flag, "previous_closed_on"),
            flag_previous=first(flag, "previous_case__reference"),
            flag_seen_at=first(flag, "seen_at"),
            supervises=Exists(
                Team.supervisors.through.objects.filter(team_id=OuterRef("team_id"), user=user)
            ),
        )
        .get()
    )
    nothing = facts["open_pk"] is None and facts["last_pk"] is None and facts["flag_pk"] is None
    if nothing and case.phase not in SHOWN_IN:
        return None
    is_supervisor = user.role == User.Role.SUPERVISOR and facts["supervises"] and "export" in perms
    today = timezone.localdate()
    c = case.pk
    context: dict[str, Any] = {
        "list_url": reverse("case_reviews", args=[c]),
        "next": None,
        "last": None,
        "flag": None,
        "close_url": (
            reverse("case_close", args=[c])
            if "change" in perms and case.phase in (Case.Phase.INTERVENTION, Case.Phase.FOLLOW_UP)
            else None
        ),
        "risk_url": (
            reverse("case_risk", args=[c])
            if "change" in perms and case.phase != Case.Phase.CLOSED
            else None
        ),
        "schedule_url": None,
    }
    if facts["open_pk"] is not None:
        review_pk = facts["open_pk"]
        chair_name = ""
        if facts["open_chair"] is not None:
            full = f"{facts['chair_first'] or ''} {facts['chair_last'] or ''}".strip()
            chair_name = full or facts["chair_username"]
        context["next"] = {
            "due_on": facts["open_due"],
            "chair": chair_name,
            "overdue": max((today - facts["open_due"]).days, 0),
            "url": reverse("review_detail", args=[c, review_pk]),
            "record_url": (
                reverse("review_record", args=[c, review_pk])
                if facts["open_chair"] == user.pk
                else None
            ),
            "chair_url": (
                reverse("review_assign_chair", args=[c, review_pk]) if is_supervisor else None
            ),
            "reschedule_url": (
                reverse("review_reschedule", args=[c, review_pk])
                if is_supervisor or facts["open_chair"] == user.pk
                else None
            ),
        }
    elif is_supervisor and case.phase in (Case.Phase.INTERVENTION, Case.Phase.FOLLOW_UP):
        context["schedule_url"] = reverse("review_schedule", args=[c])
    if facts["last_pk"] is not None:
        decision = facts["last_decision"]
        context["last"] = {
            "held_on": facts["last_held"],
            "decision": Review.Decision(decision).label if decision else "",
            "url": reverse("review_detail", args=[c, facts["last_pk"]]),
        }
    if facts["flag_pk"] is not None:
        codes = list(facts["flag_codes"] or [])
        repeated = set(facts["flag_repeated"] or [])
        labels = {row.code: row.label for row in ConcernCategory.objects.filter(code__in=codes)}
        context["flag"] = {
            "revolving": facts["flag_kind"] == ReturnFlag.Kind.REVOLVING_DOOR,
            "concerns": [
                {"label": labels.get(code, code), "repeated": code in repeated} for code in codes
            ],
            "closed_on": facts["flag_closed_on"],
            "previous": facts["flag_previous"],
            "seen": facts["flag_seen_at"] is not None,
            "seen_url": (
                reverse("return_flag_seen", args=[c, facts["flag_pk"]])
                if is_supervisor and facts["flag_seen_at"] is None
                else None
            ),
        }
    return context


REVIEWS_PANEL = CasePanel(
    key="reviews", order=40, template="reviews/panel.html", context=reviews_panel_context
)
