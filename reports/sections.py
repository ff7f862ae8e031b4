"""The core's sections of the case file: people, home visits, and who has opened the file.

Each `*_context(case)` reads with a fixed number of queries however long the case's history
(people: 2, visits: 3, access: 3), and the templates touch nothing that was not read here.
None of them audits: the export is the one audited act.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, Max, Min, OuterRef, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.documents import CaseFileSection, case_document
from casework.models import (
    AuditEvent,
    Case,
    Family,
    HomeVisit,
    Person,
    User,
    VisitAddendum,
    VisitChild,
)

Event = AuditEvent.Event

# --- Family and people ---------------------------------------------------------------------


@dataclass(frozen=True)
class PersonRow:
    person: Person
    # Age in whole years today: from the date of birth, or the estimate as it was recorded.
    age: int | None
    concerned: bool


def people_context(case: Case) -> dict[str, Any]:
    family = Family.objects.select_related("village").get(pk=case.family_id)
    concerned = Case.children.through.objects.filter(case_id=case.pk, person_id=OuterRef("pk"))
    people = Person.objects.filter(family_id=case.family_id).annotate(concerned=Exists(concerned))
    today = timezone.localdate()
    rows = [
        PersonRow(person=person, age=person.age_on(today), concerned=person.concerned)
        for person in people.order_by("pk")
    ]
    return {"family": family, "people": rows}


# --- Home visits ---------------------------------------------------------------------------


def visits_context(case: Case) -> dict[str, Any]:
    visits = list(
        HomeVisit.objects.filter(case_id=case.pk)
        .select_related("author")
        .prefetch_related(
            Prefetch(
                "children_seen",
                queryset=VisitChild.objects.select_related("child").order_by("child_id"),
            ),
            Prefetch("addenda", queryset=VisitAddendum.objects.select_related("author")),
        )
        .order_by("occurred_at", "pk")
    )
    drafts = sum(1 for visit in visits if not visit.is_signed)
    return {"visits": visits, "signed_count": len(visits) - drafts, "draft_count": drafts}


# --- Who has opened this file --------------------------------------------------------------

# Events that wrote something to the case's records (counted as "changes"); views, exports,
# refusals, sign-ins, reminders and stopped stale edits are not.
WRITES = (
    Event.CREATE,
    Event.CHANGE,
    Event.SIGN,
    Event.ADDENDUM,
    Event.TRANSITION,
    Event.ALLOCATE,
    Event.SHARE,
    Event.SUBMIT,
    Event.APPROVE,
    Event.RETURN,
    Event.SCHEDULE,
    Event.OVERRIDE,
    Event.WITHDRAW,
)
# The actor's name and role, and the e-mail address the event kept (for an account since removed).
ACTOR_FIELDS = (
    "actor",
    "actor__first_name",
    "actor__last_name",
    "actor__username",
    "actor__role",
    "actor_email",
)


@dataclass(frozen=True)
class Accessor:
    """One person's use of the file (name None: the system itself, or nobody signed in)."""

    name: str | None
    role: str
    views: int
    first_viewed: datetime.datetime | None
    last_viewed: datetime.datetime | None
    changes: int


@dataclass(frozen=True)
class Refusal:
    name: str | None
    role: str
    attempts: int
    last_attempt: datetime.datetime


@dataclass(frozen=True)
class ExportLine:
    name: str | None
    at: datetime.datetime
    document: str
    purpose: str


def _name(row: dict[str, Any]) -> str | None:
    if row["actor"] is None:
        return str(row["actor_email"]) if row["actor_email"] else None
    full = f"{row['actor__first_name']} {row['actor__last_name']}".strip()
    return full or str(row["actor__username"])


def _role(row: dict[str, Any]) -> str:
    role = row["actor__role"]
    return str(User.Role(role).label) if role in User.Role.values else ""


def _document_label(key: object) -> str:
    if key == "case_file" or not isinstance(key, str):
        return str(_("The case file"))
    document = case_document(key)
    return str(document.label) if document is not None else key


def access_context(case: Case) -> dict[str, Any]:
    events = AuditEvent.objects.filter(case_id=case.pk)
    viewed = Q(event=Event.VIEW)
    accessors = [
        Accessor(
            name=_name(row),
            role=_role(row),
            views=row["views"],
            first_viewed=row["first_viewed"],
            last_viewed=row["last_viewed"],
            changes=row["changes"],
        )
        for row in events.values(*ACTOR_FIELDS)
        .annotate(
            views=Count("pk", filter=viewed),
            first_viewed=Min("timestamp", filter=viewed),
            last_viewed=Max("timestamp", filter=viewed),
            changes=Count("pk", filter=Q(event__in=WRITES)),
        )
        .filter(Q(views__gt=0) | Q(changes__gt=0))
        .order_by("-views", "-changes", "actor__last_name", "actor__first_name", "actor")
    ]
    exports = [
        ExportLine(
            name=event.actor.display_name if event.actor is not None else event.actor_email,
            at=event.timestamp,
            document=_document_label((event.additional_data or {}).get("document")),
            purpose=event.reason,
        )
        for event in events.filter(event=Event.EXPORT)
        .select_related("actor")
        .order_by("timestamp", "pk")
    ]
    refusals = [
        Refusal(
            name=_name(row),
            role=_role(row),
            attempts=row["attempts"],
            last_attempt=row["last_attempt"],
        )
        for row in events.filter(event=Event.REFUSED)
        .values(*ACTOR_FIELDS)
        .annotate(attempts=Count("pk"), last_attempt=Max("timestamp"))
        .order_by("-attempts", "actor__last_name", "actor__first_name", "actor")
    ]
    return {"accessors": accessors, "exports": exports, "refusals": refusals}


CORE_SECTIONS: list[CaseFileSection] = [
    CaseFileSection(
        key="people",
        order=10,
        label=_("Family and people"),
        template="reports/sections/people.html",
        context=people_context,
    ),
    CaseFileSection(
        key="visits",
        order=20,
        label=_("Home visits"),
        template="reports/sections/visits.html",
        context=visits_context,
    ),
    CaseFileSection(
        key="access",
        order=200,
        label=_("Who has opened this file"),
        template="reports/sections/access.html",
        context=access_context,
    ),
]
