"""What the intervention phase puts into exported PDFs (casework.documents' registries).

- The case file's "Safety plan and network" section: the plan in force and the version being
  written (marked as a draft), their rules, the explanation for the children, who agreed and
  when, the earlier versions, and the people of the safety network.
- The case file's "Interventions" section: the support delivered.
- The family's plan: the agreed plan in plain words, in the family's language, as the
  family-facing page prints it (safetyplans/family.html), for the family to keep.

Every context is built with a fixed number of queries however long the case's history is, and
none of them audits: the export records the one event.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, QuerySet
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.models import Goal
from casework.documents import CaseDocument, CaseFileSection
from casework.models import Case, Person

from .models import Intervention, NetworkMember, SafetyPlan, SafetyRule
from .views import amount_text

# --- Safety plan and network ----------------------------------------------------------------------


def _plans_with_rules() -> QuerySet[SafetyPlan]:
    """Plans with their rules and the names of who agreed, in a fixed number of queries."""
    return SafetyPlan.objects.select_related("author").prefetch_related(
        Prefetch(
            "rules",
            queryset=SafetyRule.objects.select_related(
                "responsible_member", "responsible_person", "danger", "safety_goal"
            ).order_by("pk"),
        ),
        Prefetch("agreed_people", queryset=Person.objects.order_by("pk")),
        Prefetch("agreed_network", queryset=NetworkMember.objects.order_by("pk")),
    )


@dataclass(frozen=True)
class MemberRow:
    member: NetworkMember
    # The numbers of the rules of the plan in force this member carries ("2, 3").
    rules: str


def safety_plan_context(case: Case) -> dict[str, Any]:
    versions = list(
        SafetyPlan.objects.filter(case=case)
        .annotate(rule_count=Count("rules"))
        .only("pk", "number", "status", "agreed_on", "created_at")
        .order_by("-number")
    )
    shown_ids = [v.pk for v in versions if v.status != SafetyPlan.Status.SUPERSEDED]
    shown = {p.pk: p for p in _plans_with_rules().filter(pk__in=shown_ids)} if shown_ids else {}
    agreed = next(
        (shown[v.pk] for v in versions if v.status == SafetyPlan.Status.AGREED and v.pk in shown),
        None,
    )
    draft = next(
        (shown[v.pk] for v in versions if v.status == SafetyPlan.Status.DRAFT and v.pk in shown),
        None,
    )
    carried: dict[int, list[str]] = {}
    if agreed is not None:
        for number, rule in enumerate(agreed.rules.all(), start=1):
            if rule.responsible_member_id is not None:
                carried.setdefault(rule.responsible_member_id, []).append(str(number))
    members = list(NetworkMember.objects.filter(case=case).order_by("joined_on", "pk"))
    rows = [MemberRow(member=m, rules=", ".join(carried.get(m.pk, []))) for m in members]
    return {
        "agreed": agreed,
        "draft": draft,
        # The plan in force first, then the version being written.
        "plans": [plan for plan in (agreed, draft) if plan is not None],
        "earlier": [v for v in versions if v.status == SafetyPlan.Status.SUPERSEDED],
        "current_members": [row for row in rows if row.member.is_current],
        "former_members": [row for row in rows if not row.member.is_current],
    }


# --- Interventions --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SupportRow:
    item: Intervention
    amount: str
    goals: list[Goal]


def interventions_context(case: Case) -> dict[str, Any]:
    items = (
        Intervention.objects.filter(case=case)
        .select_related("recorded_by")
        .prefetch_related(Prefetch("goals", queryset=Goal.objects.order_by("pk")))
        .order_by("started_on", "pk")
    )
    return {
        "support": [
            SupportRow(item=i, amount=amount_text(i.amount, i.currency), goals=list(i.goals.all()))
            for i in items
        ]
    }


# --- The family's plan ----------------------------------------------------------------------------


def family_plan_subjects(case: Case) -> list[tuple[int, str]]:
    """The plan in force, if the family has agreed one: the only plan the family takes home."""
    plan = (
        SafetyPlan.objects.filter(case=case, status=SafetyPlan.Status.AGREED)
        .only("pk", "number", "agreed_on")
        .first()
    )
    if plan is None:
        return []
    when = formats.date_format(plan.agreed_on, "DATE_FORMAT") if plan.agreed_on else ""
    return [
        (
            plan.pk,
            _("version %(number)s, agreed on %(date)s") % {"number": plan.number, "date": when},
        )
    ]


def family_plan_context(case: Case, plan_id: int) -> dict[str, Any]:
    plan = (
        _plans_with_rules().filter(case=case, pk=plan_id, status=SafetyPlan.Status.AGREED).first()
    )
    if plan is None:
        raise LookupError("only the agreed safety plan of this case is given to the family")
    return {
        "plan": plan,
        "worker": case.worker,
        "organisation": case.team.organisation,
        "organisation_name": case.team.organisation.name,
    }


def family_plan_language(case: Case, plan_id: int) -> str | None:
    """The family's plan is printed in the family's language, whatever the exporter reads."""
    return (
        SafetyPlan.objects.filter(case=case, pk=plan_id)
        .values_list("family_language", flat=True)
        .first()
    )


SECTIONS: list[CaseFileSection] = [
    CaseFileSection(
        key="safety_plan",
        order=70,
        label=gettext_lazy("Safety plan and network"),
        template="reports/sections/safety_plan.html",
        context=safety_plan_context,
        help_text=gettext_lazy(
            "The agreed safety plan and any draft, its rules, who agreed, earlier versions, "
            "and the safety network."
        ),
    ),
    CaseFileSection(
        key="interventions",
        order=80,
        label=gettext_lazy("Interventions"),
        template="reports/sections/interventions.html",
        context=interventions_context,
        help_text=gettext_lazy("The support delivered to the family: grants, services, outcomes."),
    ),
]

FAMILY_PLAN = CaseDocument(
    key="family_plan",
    label=gettext_lazy("The family's plan"),
    template="reports/family_plan.html",
    subjects=family_plan_subjects,
    context=family_plan_context,
    language=family_plan_language,
    default_purpose="family",
)
