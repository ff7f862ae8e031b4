"""The case page's assessment panel: where the assessment stands and the safety scale's story.

It runs after the door let the user in and must not audit (the case page records the one read).
It takes two queries however long the history: one for the facts (the newest assessment, the
latest mapping, how many children's voices, the current plan), one for the scores the chart
draws.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping as MappingType
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import NoReverseMatch, reverse

from casework.access import Perm
from casework.models import Case, User
from casework.panels import CasePanel

from .chart import safety_scale_chart
from .models import Approval, Assessment, CasePlan, ChildVoice, Mapping, ScaleScore


@dataclass(frozen=True)
class Standing:
    """Where a record stands with the supervisor, in words (never colour alone)."""

    status: str
    label: str
    on: datetime.datetime | None = None
    number: int | None = None


def _plan_url(case: Case) -> str | None:
    # The plan's page is built separately; without it the panel simply has no link.
    try:
        return reverse("plan_detail", args=[case.pk])
    except NoReverseMatch:
        return None


def _current_plan() -> QuerySet[CasePlan]:
    """services.current_plan's rule, as a subquery (a test holds the two to the same answer)."""
    return (
        CasePlan.objects.filter(case=OuterRef("pk"))
        .exclude(status=Approval.SUPERSEDED)
        .order_by("-number")
    )


def _facts(case: Case) -> MappingType[str, Any]:
    newest = Assessment.objects.filter(case=OuterRef("pk")).order_by("-pk")
    plan = _current_plan()
    voices = (
        ChildVoice.objects.filter(case=OuterRef("pk"))
        .order_by()
        .values("case")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return (
        Case.objects.filter(pk=case.pk)
        .values(
            assessment_status=Subquery(newest.values("status")[:1]),
            assessment_started=Subquery(newest.values("created_at")[:1]),
            latest_mapping=Subquery(
                Mapping.objects.filter(case=OuterRef("pk"))
                .order_by("-held_on", "-pk")
                .values("held_on")[:1]
            ),
            voice_count=Coalesce(Subquery(voices[:1]), Value(0), output_field=IntegerField()),
            plan_number=Subquery(plan.values("number")[:1]),
            plan_status=Subquery(plan.values("status")[:1]),
        )
        .get()
    )


def assessment_panel_context(
    case: Case, user: User, perms: frozenset[Perm]
) -> dict[str, Any] | None:
    facts = _facts(case)
    scores = list(ScaleScore.objects.filter(case=case).select_related("person", "given_by_user"))
    labels = dict(Approval.choices)
    assessment = None
    if facts["assessment_status"]:
        assessment = Standing(
            status=facts["assessment_status"],
            label=str(labels[facts["assessment_status"]]),
            on=facts["assessment_started"],
        )
    plan = None
    if facts["plan_status"]:
        plan = Standing(
            status=facts["plan_status"],
            label=str(labels[facts["plan_status"]]),
            number=facts["plan_number"],
        )
    return {
        "assessment": assessment,
        "chart": safety_scale_chart(scores, chart_id=f"case-{case.pk}-scale-chart"),
        "score_count": len(scores),
        "latest_score": scores[-1] if scores else None,
        "latest_mapping": facts["latest_mapping"],
        "voice_count": facts["voice_count"],
        "plan": plan,
        "plan_url": _plan_url(case),
        "may_change": "change" in perms,
    }


ASSESSMENT_PANEL = CasePanel(
    key="assessment",
    order=10,
    template="assessments/panel.html",
    context=assessment_panel_context,
)
