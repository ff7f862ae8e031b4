"""Assessment and planning in the case-file PDF: four sections the exporter may tick.

- **Assessments**: every needs-led assessment of the case, newest first (status, dates, who wrote
  and who decided, each domain's need, risks and root causes, strengths), the family's own
  words, and the children's voices. A child's drawing is only mentioned, never embedded: it is
  an uploaded picture, and the PDF renderer fetches nothing but our static files.
- **Three-column mappings**: each mapping's worries, what is working well and what needs to
  happen, with the date, who took part and the safety scale scores given that day.
- **Safety scale**: the chart the case page draws (server-side SVG, escaped), labelled in English
  and Latin letters because WeasyPrint cannot shape Khmer in SVG text, and the scores in words
  (full names, the document's language).
- **Case plan**: the current version (goals, the needs each answers, who does what by when) and
  the earlier versions, with what changed from one version to the next.

Each context function reads with a fixed number of queries however long the case's history
(the tests hold them to it), and none of them audits: the export records the one event.
"""

from __future__ import annotations

import copy
import datetime
import re
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch
from django.utils import translation
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from casework.documents import CaseFileSection, Text
from casework.models import Case, Person, User

from .chart import safety_scale_chart
from .models import (
    Approval,
    Assessment,
    CasePlan,
    ChildVoice,
    Decision,
    Goal,
    Mapping,
    MappingEntry,
    NeedEntry,
    Risk,
    ScaleScore,
)
from .selectors import plan_queryset

# --- Assessments and the children's voices ---------------------------------------------------


def assessments_context(case: Case) -> dict[str, Any]:
    """Every assessment (domains, risks, decisions) and every child's voice: 5 queries."""
    assessments = list(
        Assessment.objects.filter(case=case)
        .select_related("author", "decided_by")
        .prefetch_related(
            Prefetch(
                "needs",
                queryset=NeedEntry.objects.select_related("domain")
                .order_by("domain__order", "pk")
                .prefetch_related(Prefetch("risks", queryset=Risk.objects.order_by("pk"))),
            ),
            Prefetch(
                "decisions",
                queryset=Decision.objects.select_related("decided_by").order_by("decided_at", "pk"),
            ),
        )
        .order_by("-created_at", "-pk")
    )
    voices = list(
        ChildVoice.objects.filter(case=case)
        .select_related("child", "author")
        .order_by("-recorded_on", "-pk")
    )
    return {"assessments": assessments, "voices": voices}


# --- Three-column mappings ---------------------------------------------------------------------


@dataclass
class MappingColumn:
    key: str
    label: str
    entries: list[MappingEntry]


@dataclass
class MappingRecord:
    mapping: Mapping
    columns: list[MappingColumn]
    # The safety scale scores given on the day of the mapping (the scaling question is asked
    # there; a score records no mapping of its own, so the day is what ties them).
    scores: list[ScaleScore] = field(default_factory=list)


def _scores(case: Case) -> list[ScaleScore]:
    """The case's scores, oldest first, with the names their labels need: one query."""
    return list(
        ScaleScore.objects.filter(case=case)
        .select_related("person", "given_by_user")
        .order_by("recorded_on", "pk")
    )


def mappings_context(case: Case) -> dict[str, Any]:
    """Every mapping, newest first, its entries by column and that day's scores: 3 queries."""
    mappings = list(
        Mapping.objects.filter(case=case)
        .select_related("author")
        .prefetch_related(Prefetch("entries", queryset=MappingEntry.objects.order_by("pk")))
        .order_by("-held_on", "-pk")
    )
    by_day: dict[datetime.date, list[ScaleScore]] = {}
    if mappings:
        for score in _scores(case):
            by_day.setdefault(score.recorded_on, []).append(score)
    records = []
    for mapping in mappings:
        entries = list(mapping.entries.all())
        columns = [
            MappingColumn(
                key=key,
                label=str(label),
                entries=[entry for entry in entries if entry.column == key],
            )
            for key, label in MappingEntry.Column.choices
        ]
        records.append(
            MappingRecord(mapping=mapping, columns=columns, scores=by_day.get(mapping.held_on, []))
        )
    return {"mappings": records}


# --- The safety scale --------------------------------------------------------------------------


# WeasyPrint draws SVG text one character at a time, without shaping: Khmer in the chart (a
# child's name, a Khmer month) comes out as loose, overlapping glyphs. The PDF's chart is
# therefore labelled in English and Latin letters (names as written in Latin letters); the
# table under it gives every score with the full names, in the document's language.
KHMER = re.compile("[\u1780-\u17ff\u19e0-\u19ff]")


def _drawable_person(person: Person) -> Person:
    drawable = copy.copy(person)
    drawable.given_name_km = drawable.family_name_km = ""
    if not drawable.name_latin or KHMER.search(drawable.name_latin):
        drawable.given_name_latin = str(person.get_relationship_display())
        drawable.family_name_latin = ""
    return drawable


def _drawable_user(user: User) -> User:
    if not KHMER.search(user.display_name):
        return user
    drawable = copy.copy(user)
    drawable.first_name = drawable.last_name = ""
    return drawable


def _drawable(scores: list[ScaleScore]) -> list[ScaleScore]:
    """Copies of the scores whose chart labels the PDF can draw (the rows are not touched)."""
    copies = []
    for score in scores:
        drawable = copy.copy(score)
        if score.person is not None:
            drawable.person = _drawable_person(score.person)
        if score.given_by_user is not None:
            drawable.given_by_user = _drawable_user(score.given_by_user)
        if KHMER.search(score.voice_name):
            drawable.voice_name = ""  # the label falls back to the kind of voice
        copies.append(drawable)
    return copies


def safety_scale_chart_for_pdf(scores: list[ScaleScore], *, chart_id: str) -> SafeString:
    with translation.override("en"):
        # Built with format_html: every name in the legend is escaped.
        return safety_scale_chart(_drawable(scores), chart_id=chart_id)


def safety_scale_context(case: Case) -> dict[str, Any]:
    """The chart and the scores in words, oldest first: 1 query."""
    scores = _scores(case)
    chart: SafeString | None = None
    if scores:
        chart = safety_scale_chart_for_pdf(scores, chart_id=f"case-{case.pk}-pdf-scale-chart")
    return {"scores": scores, "chart": chart}


# --- The case plan -------------------------------------------------------------------------------


GOAL_ADDED = _("Goal added")
GOAL_REMOVED = _("Goal taken out")
ACTION_ADDED = _("Action added")
ACTION_REMOVED = _("Action taken out")


@dataclass
class PlanChanges:
    """What one version of the plan changed from the version before it (by the words used)."""

    previous: int
    goals_added: list[str] = field(default_factory=list)
    goals_removed: list[str] = field(default_factory=list)
    actions_added: list[str] = field(default_factory=list)
    actions_removed: list[str] = field(default_factory=list)

    @property
    def lines(self) -> list[tuple[Text, str]]:
        """(what kind of change, the words) for each goal or action added or taken out."""
        return [
            *((GOAL_ADDED, text) for text in self.goals_added),
            *((GOAL_REMOVED, text) for text in self.goals_removed),
            *((ACTION_ADDED, text) for text in self.actions_added),
            *((ACTION_REMOVED, text) for text in self.actions_removed),
        ]


@dataclass
class PlanVersion:
    plan: CasePlan
    goals: list[Goal]
    decisions: list[Decision]
    changes: PlanChanges | None  # None for the first version


def _goal_texts(plan: CasePlan) -> list[str]:
    return [goal.text for goal in plan.goals.all()]


def _action_texts(plan: CasePlan) -> list[str]:
    return [action.what for goal in plan.goals.all() for action in goal.actions.all()]


def _difference(before: list[str], after: list[str]) -> tuple[list[str], list[str]]:
    """What is in `after` and not `before`, and the reverse, keeping order and repeats."""
    added = list(after)
    removed = []
    for text in before:
        if text in added:
            added.remove(text)
        else:
            removed.append(text)
    return added, removed


def _changes(plan: CasePlan, previous: CasePlan | None) -> PlanChanges | None:
    if previous is None:
        return None
    goals_added, goals_removed = _difference(_goal_texts(previous), _goal_texts(plan))
    actions_added, actions_removed = _difference(_action_texts(previous), _action_texts(plan))
    return PlanChanges(
        previous=previous.number,
        goals_added=goals_added,
        goals_removed=goals_removed,
        actions_added=actions_added,
        actions_removed=actions_removed,
    )


def case_plan_context(case: Case) -> dict[str, Any]:
    """The current version in full and every earlier one in short: 5 queries.

    The current version is the newest that is not superseded (being written, awaiting a
    decision, or in force), as the plan page shows it.
    """
    plans = list(plan_queryset(case).order_by("-number"))
    versions = []
    for index, plan in enumerate(plans):
        previous = plans[index + 1] if index + 1 < len(plans) else None
        versions.append(
            PlanVersion(
                plan=plan,
                goals=list(plan.goals.all()),
                decisions=sorted(plan.decisions.all(), key=lambda d: (d.decided_at, d.pk)),
                changes=_changes(plan, previous),
            )
        )
    current = next(
        (version for version in versions if version.plan.status != Approval.SUPERSEDED),
        versions[0] if versions else None,
    )
    earlier_versions = [version for version in versions if version is not current]
    return {"current": current, "earlier_versions": earlier_versions}


ASSESSMENT_SECTIONS: list[CaseFileSection] = [
    CaseFileSection(
        key="assessments",
        order=30,
        label=_("Assessments"),
        template="reports/sections/assessments.html",
        context=assessments_context,
        help_text=_(
            "Each needs-led assessment: needs, risks and root causes, strengths, the family's "
            "own words and the children's voices."
        ),
    ),
    CaseFileSection(
        key="mappings",
        order=40,
        label=_("Three-column mappings"),
        template="reports/sections/mappings.html",
        context=mappings_context,
        help_text=_("What we are worried about, what is working well, what needs to happen."),
    ),
    CaseFileSection(
        key="safety_scale",
        order=50,
        label=_("Safety scale"),
        template="reports/sections/safety_scale.html",
        context=safety_scale_context,
        help_text=_("The safety scale chart and every score with its reason."),
    ),
    CaseFileSection(
        key="case_plan",
        order=60,
        label=_("Case plan"),
        template="reports/sections/case_plan.html",
        context=case_plan_context,
        help_text=_("The current plan's goals and actions, and its earlier versions."),
    ),
]
