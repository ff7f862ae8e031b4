"""The core's sections of the case file: people, home visits, and who has opened the file."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from casework.documents import CaseFileSection
from casework.models import Case, Person


def people_context(case: Case) -> dict[str, Any]:
    people = list(Person.objects.filter(family_id=case.family_id).order_by("pk"))
    return {"family": case.family, "people": people}


CORE_SECTIONS: list[CaseFileSection] = [
    CaseFileSection(
        key="people",
        order=10,
        label=_("Family and people"),
        template="reports/sections/people.html",
        context=people_context,
    ),
]
