"""Reads of assessment and planning that need scoping or care with queries.

The approvals queue starts from `cases_visible_to(user, perm="export")`, so it can only ever
narrow what the door already allows: a supervisor of another team, or an outsider, never sees
that something of this team waits for a decision. The plan pages read a whole plan (goals, the
needs each answers, the actions) in a fixed number of queries, however long the plan is.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Literal

from django.contrib.auth.models import AnonymousUser
from django.db.models import Prefetch, QuerySet

from casework.access import cases_visible_to
from casework.models import Case, User

from .models import Action, Approval, Assessment, CasePlan, Decision, Goal, NeedDomain, NeedEntry

# --- The plan ---------------------------------------------------------------------------------


def plan_queryset(case: Case) -> QuerySet[CasePlan]:
    """A case's plan versions, with everything the checklist shows, in five queries in all."""
    return (
        CasePlan.objects.filter(case=case)
        .select_related("author", "assessment")
        .prefetch_related(
            Prefetch(
                "goals",
                queryset=Goal.objects.order_by("pk").prefetch_related(
                    Prefetch(
                        "needs",
                        queryset=NeedEntry.objects.select_related("domain").order_by(
                            "domain__order", "pk"
                        ),
                    ),
                    Prefetch("actions", queryset=Action.objects.order_by("due_on", "pk")),
                ),
            ),
            Prefetch("decisions", queryset=Decision.objects.select_related("decided_by")),
        )
    )


def plan_for_page(case: Case) -> CasePlan | None:
    """The newest version that is not superseded: in force, awaiting a decision, or in writing."""
    return plan_queryset(case).exclude(status=Approval.SUPERSEDED).order_by("-number").first()


def plan_in_force(case: Case) -> CasePlan | None:
    return (
        CasePlan.objects.filter(case=case, status=Approval.APPROVED)
        .only("pk", "number", "decided_at", "case_id")
        .order_by("-number")
        .first()
    )


def plan_history(case: Case) -> QuerySet[CasePlan]:
    """Every version of the plan, newest first, with the supervisors' decisions on each."""
    return (
        CasePlan.objects.filter(case=case)
        .select_related("author")
        .prefetch_related(
            Prefetch("decisions", queryset=Decision.objects.select_related("decided_by"))
        )
        .order_by("-number")
    )


def plan_needs(plan: CasePlan) -> list[NeedEntry]:
    """The needs of the assessment a plan answers, in the domains' order."""
    return list(
        NeedEntry.objects.filter(assessment_id=plan.assessment_id)
        .select_related("domain")
        .order_by("domain__order", "pk")
    )


def latest_assessment(case: Case) -> Assessment | None:
    """The assessment a new plan would answer (as assessments.services picks it)."""
    return (
        Assessment.objects.filter(case=case)
        .exclude(status=Approval.SUPERSEDED)
        .order_by("-pk")
        .first()
    )


# --- The approvals queue ------------------------------------------------------------------------


@dataclass(frozen=True)
class AwaitingDecision:
    """One assessment or plan version waiting for a supervisor's decision."""

    kind: Literal["assessment", "plan"]
    pk: int
    case: Case
    number: int | None  # the plan's version; None for an assessment
    author: User
    submitted_at: datetime.datetime | None

    @property
    def sort_key(self) -> tuple[datetime.datetime, str, int]:
        when = self.submitted_at or datetime.datetime.min.replace(tzinfo=datetime.UTC)
        return (when, self.kind, self.pk)


def awaiting_decision(user: User | AnonymousUser) -> list[AwaitingDecision]:
    """What waits for this supervisor's decision, oldest first: two queries however many.

    Only supervisors decide, and only on the cases they hold the export permission on (their
    teams' cases); everyone else gets an empty queue.
    """
    if not isinstance(user, User) or user.role != User.Role.SUPERVISOR:
        return []
    cases = cases_visible_to(user, perm="export").values("pk")
    assessments = (
        Assessment.objects.filter(status=Approval.SUBMITTED, case__in=cases)
        .select_related("case__family", "author")
        .order_by("submitted_at", "pk")
    )
    plans = (
        CasePlan.objects.filter(status=Approval.SUBMITTED, case__in=cases)
        .select_related("case__family", "author")
        .order_by("submitted_at", "pk")
    )
    items = [
        AwaitingDecision(
            kind="assessment",
            pk=assessment.pk,
            case=assessment.case,
            number=None,
            author=assessment.author,
            submitted_at=assessment.submitted_at,
        )
        for assessment in assessments
    ] + [
        AwaitingDecision(
            kind="plan",
            pk=plan.pk,
            case=plan.case,
            number=plan.number,
            author=plan.author,
            submitted_at=plan.submitted_at,
        )
        for plan in plans
    ]
    return sorted(items, key=lambda item: item.sort_key)


# --- Need domains ---------------------------------------------------------------------------------


def need_domains() -> QuerySet[NeedDomain]:
    """Every domain, in use or not, in the order assessments show them."""
    return NeedDomain.objects.order_by("order", "name", "pk")
