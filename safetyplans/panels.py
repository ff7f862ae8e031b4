"""The case page's safety panel: the network's size, where the safety plan stands, the support
delivered, and the way to each.

It runs after the door let the user in and must not audit (the case page records the one read).
It takes one query however long the history: every fact is a subquery of the case's row.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse

from casework.access import Perm
from casework.models import Case, User
from casework.panels import CasePanel

from .models import Intervention, NetworkMember, SafetyPlan


def _count(queryset: QuerySet[Any]) -> Coalesce:
    counted = queryset.order_by().values("case").annotate(count=Count("pk")).values("count")
    return Coalesce(Subquery(counted[:1]), Value(0), output_field=IntegerField())


def safety_panel_context(case: Case, user: User, perms: frozenset[Perm]) -> dict[str, Any] | None:
    # services.current_safety_plan's rule (the draft being written, else the plan in force).
    current = (
        SafetyPlan.objects.filter(case=OuterRef("pk"))
        .exclude(status=SafetyPlan.Status.SUPERSEDED)
        .order_by("-number")
    )
    agreed = SafetyPlan.objects.filter(case=OuterRef("pk"), status=SafetyPlan.Status.AGREED)
    facts = (
        Case.objects.filter(pk=case.pk)
        .values(
            network_size=_count(
                NetworkMember.objects.filter(case=OuterRef("pk"), left_on__isnull=True)
            ),
            support_count=_count(Intervention.objects.filter(case=OuterRef("pk"))),
            plan_number=Subquery(current.values("number")[:1]),
            plan_status=Subquery(current.values("status")[:1]),
            agreed_number=Subquery(agreed.values("number")[:1]),
            agreed_on=Subquery(agreed.values("agreed_on")[:1]),
        )
        .get()
    )
    status = facts["plan_status"]
    may_change = "change" in perms and case.phase != Case.Phase.CLOSED
    return {
        "network_size": facts["network_size"],
        "support_count": facts["support_count"],
        "plan_number": facts["plan_number"],
        "plan_status": status,
        "plan_label": SafetyPlan.Status(status).label if status else "",
        "agreed_number": facts["agreed_number"],
        "agreed_on": facts["agreed_on"],
        "may_change": may_change,
        "overview_url": reverse("safety_overview", args=[case.pk]),
        "family_url": (
            reverse("safety_plan_family", args=[case.pk]) if facts["agreed_number"] else None
        ),
        "member_new_url": reverse("network_member_new", args=[case.pk]) if may_change else None,
        "support_new_url": reverse("intervention_new", args=[case.pk]) if may_change else None,
    }


SAFETY_PANEL = CasePanel(
    key="safety",
    order=20,
    template="safetyplans/panel.html",
    context=safety_panel_context,
)
