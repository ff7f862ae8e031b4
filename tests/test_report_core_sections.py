"""The core's sections of the case file PDF: the family and its people, the home visits, and
who has opened the file.

Each test renders a real PDF through the export service and WeasyPrint and reads its text
back (whitespace squeezed out, so a line break in the PDF does not matter): a ticked section
prints what a reader of the file needs, an unticked one prints nothing. Khmer is checked
through the embedded font and short words, as tests/pdf_reading.py explains.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.db import connection
from django.http import Http404
from django.template.loader import render_to_string
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, timezone, translation

from casework.access import get_case_for
from casework.audit import audit_view
from casework.documents import case_file_section
from casework.models import AuditEvent, Case, HomeVisit, Person, Team, User
from casework.services import (
    CaseData,
    ChildSeen,
    PersonData,
    case_open,
    visit_addendum_add,
    visit_record,
)
from casework.tests.factories import VillageFactory, open_case
from reports.models import CaseExport
from reports.services import export_request
from tests.pdf_reading import case_file_pdf, pdftotext

CHILD_BORN = datetime.date(2016, 5, 4)


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def when(moment: datetime.datetime) -> str:
    """A date and time as the English case file prints it."""
    with translation.override("en"):
        return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def record(
    actor: User,
    case: Case,
    *,
    days_ago: float,
    sign: bool,
    children: list[ChildSeen] | None = None,
    **data: Any,
) -> HomeVisit:
    data = {
        "occurred_at": timezone.now() - datetime.timedelta(days=days_ago),
        "kind": HomeVisit.Kind.HOME,
        **data,
    }
    return visit_record(actor=actor, case=case, data=data, children=children or [], sign=sign)


@pytest.fixture
def family_case(team_a: Team, worker: User, supervisor: User) -> Case:
    """A family with everything the people section prints: a mother with an estimated age and
    a disability, the child the case is about, and a sibling who is not concerned."""
    village = VillageFactory.create(
        name="Testvillage", name_km="ភូមិតេស្ត", commune="Testcommune", province="Testprovince"
    )
    return case_open(
        actor=worker,
        data=CaseData(
            family_name="Testfamily",
            village_id=village.pk,
            tier=Case.Tier.EARLY,
            risk_level=Case.Risk.MEDIUM,
            team=team_a,
            worker=worker,
            address_notes="Behind the blue water tower, third house.",
            phone="012 345 678",
            languages="Khmer, Cham",
            people=[
                PersonData(
                    relationship=Person.Relationship.MOTHER,
                    given_name_latin="Synthmother",
                    family_name_latin="Testfamily",
                    sex=Person.Sex.FEMALE,
                    estimated_age=34,
                    disability="Uses a wheelchair",
                ),
                PersonData(
                    relationship=Person.Relationship.CHILD,
                    given_name_km="កូន",
                    family_name_km="តេស្ត",
                    given_name_latin="Synthchild",
                    family_name_latin="Testfamily",
                    sex=Person.Sex.MALE,
                    date_of_birth=CHILD_BORN,
                    school_status=Person.School.IRREGULAR,
                    concerned=True,
                ),
                PersonData(
                    relationship=Person.Relationship.SIBLING,
                    given_name_latin="Synthsibling",
                    family_name_latin="Testfamily",
                    sex=Person.Sex.FEMALE,
                    date_of_birth=datetime.date(2012, 1, 9),
                    school_status=Person.School.DROPPED_OUT,
                ),
            ],
        ),
    )


def test_the_people_section_prints_the_family_and_everyone_in_it(
    family_case: Case, worker: User, supervisor: User
) -> None:
    record(worker, family_case, days_ago=2, sign=True, observations="The yard was swept.")
    pdf = case_file_pdf(family_case, supervisor, ["people"])
    # poppler keeps each label beside its value (pypdf reads the labels' column first).
    text = squeeze(pdftotext(pdf.content))

    for phrase in [
        "Family and people",
        "Family name Testfamily",
        "Village Testvillage",
        "Testcommune, District One, Testprovince",
        "How to find the home Behind the blue water tower, third house.",
        "Phone 012 345 678",
        "Languages spoken Khmer, Cham",
        # The mother: Latin letters only, an estimated age, a disability, not concerned.
        "Synthmother Testfamily Mother · Female · about 34 years old (date of birth not known)",
        "School: Not known · Disability: Uses a wheelchair",
        # The child: both scripts, born on a date, the age today, at school, concerned.
        "Synthchild Testfamily · Child concerned Child · Male · born",
        "School: In school, attends irregularly · Disability: None recorded",
        # The sibling, not concerned.
        "Synthsibling Testfamily Sibling · Female · born",
        "School: Dropped out",
    ]:
        assert squeeze(phrase) in text, phrase
    child_age = Person.objects.get(given_name_latin="Synthchild").age_on(timezone.localdate())
    with translation.override("en"):
        born = formats.date_format(CHILD_BORN, "DATE_FORMAT")
    assert squeeze(f"Child · Male · born {born} ({child_age} years old today)") in text
    assert text.count(squeeze("Child concerned by this case: Yes")) == 1
    assert text.count(squeeze("Child concerned by this case: No")) == 2
    assert "Khmer-OS" in pdf.fonts()  # the child's Khmer name
    assert "កូន" in pdf.squeezed()

    # Unticked: no visit, no access summary.
    assert "Theyardwasswept" not in text
    assert "Homevisits" not in text
    assert "Whohasopenedthisfile" not in text


def test_the_visits_section_prints_every_visit_oldest_first_with_drafts_and_addenda(
    family_case: Case, worker: User, supervisor: User
) -> None:
    child = family_case.children.get()
    signed = record(
        worker,
        family_case,
        days_ago=10,
        sign=True,
        place="The family's home",
        present="Mother and both children.",
        observations="The roof was repaired since last month.",
        family_words="Mother: we eat twice a day now.",
        child_words="I walk to school with my sister.",
        agreed="The worker brings the school form.",
        next_visit_on=timezone.localdate(),
        children=[ChildSeen(child_id=child.pk, seen=True, seen_alone=True)],
    )
    addendum = visit_addendum_add(
        actor=worker,
        case=family_case,
        visit=signed,
        text="Correction: the neighbour repaired the roof.",
    )
    draft = record(
        worker,
        family_case,
        days_ago=1,
        sign=False,
        kind=HomeVisit.Kind.PHONE,
        observations="Mother said the rice ran out.",
        children=[ChildSeen(child_id=child.pk, seen=False, seen_alone=False)],
    )
    signed.refresh_from_db()
    pdf = case_file_pdf(family_case, supervisor, ["visits"])
    text = pdf.squeezed()

    assert squeeze("2 visits and contacts recorded, oldest first. 1 is a draft") in text
    signed_heading = squeeze(
        f"Home visit · {when(signed.occurred_at)} Recorded by {worker.display_name} "
        f"· The family's home · Signed on {when(signed.signed_at or signed.occurred_at)}"
    )
    draft_heading = squeeze(
        f"Phone call · {when(draft.occurred_at)} · Draft — not yet signed "
        f"Recorded by {worker.display_name}"
    )
    assert signed_heading in text
    assert draft_heading in text
    assert text.count(squeeze("Draft — not yet signed")) == 1  # only the draft is marked
    assert text.index(signed_heading) < text.index(draft_heading)  # oldest first
    for phrase in [
        "Children seen",
        "(Synthchild Testfamily): seen alone",
        "Who was present Mother and both children.",
        "What the worker observed The roof was repaired since last month.",
        "The family's own words Mother: we eat twice a day now.",
        "The child's own words I walk to school with my sister.",
        "What was agreed The worker brings the school form.",
        "Next visit",
        f"Addendum by {worker.display_name}, {when(addendum.created_at)}",
        "Correction: the neighbour repaired the roof.",
    ]:
        assert squeeze(phrase) in text[: text.index(draft_heading)], phrase
    after_draft = text[text.index(draft_heading) :]
    assert squeeze("What the worker observed Mother said the rice ran out.") in after_draft
    assert "notseen" in after_draft

    # Unticked: nothing of the family's details, nothing of the access summary.
    assert "Howtofindthehome" not in text
    assert "012345678" not in text
    assert "Whoviewedorchangedthefile" not in text


def test_the_access_summary_counts_views_exports_and_refusals(
    case: Case, worker: User, supervisor: User, outsider: User, admin_user: User
) -> None:
    page = reverse("case_detail", args=[case.pk])
    reader = Client()
    reader.force_login(supervisor)
    for _ in range(2):
        assert reader.get(page).status_code == 200
    stranger = Client()
    stranger.force_login(outsider)
    for _ in range(3):
        assert stranger.get(page).status_code == 404
    export_request(
        actor=admin_user,
        case=case,
        document="case_file",
        sections=["people"],
        purpose=CaseExport.Purpose.AUDIT,
        purpose_detail="Annual inspection",
        language="en",
    )

    pdf = case_file_pdf(case, supervisor, ["visits", "access"])
    text = pdf.squeezed()

    assert "Nohomevisitsrecorded." in text  # the case has none
    views = list(
        AuditEvent.objects.filter(case=case, actor=supervisor, event=AuditEvent.Event.VIEW)
        .order_by("timestamp")
        .values_list("timestamp", flat=True)
    )
    assert len(views) == 2
    assert (
        squeeze(f"{supervisor.display_name} (Supervisor) 2 {when(views[0])} {when(views[-1])} 0")
        in text
    )
    # The worker opened the case (changes) but never viewed it.
    assert squeeze(f"{worker.display_name} (Social worker) 0 — —") in text
    # Both exports, with who asked and why: the earlier one and the one being printed.
    assert (
        squeeze(f"{admin_user.display_name} The case file Audit or inspection: Annual inspection")
        in text
    )
    assert squeeze(f"{supervisor.display_name} The case file Court proceedings: Hearing 7") in text
    # The outsider's three refused attempts.
    assert squeeze(f"Refused attempts Who Attempts Last attempt {outsider.display_name}") in text
    assert squeeze(f"{outsider.display_name} (Social worker) 3") in text
    assert outsider.display_name.replace(" ", "") not in text.split("Exports")[0]

    # Unticked: the people section.
    assert "Howtofindthehome" not in text
    assert "Familyandpeople" not in text


def test_a_khmer_case_file_prints_the_core_sections_in_khmer(
    family_case: Case, worker: User, supervisor: User
) -> None:
    record(worker, family_case, days_ago=3, sign=True, observations="The yard was swept.")
    pdf = case_file_pdf(family_case, supervisor, ["people", "visits", "access"], language="km")
    text = pdf.squeezed()

    assert "Khmer-OS" in pdf.fonts()
    # Headings and labels of the three sections, in Khmer (words whose extraction is exact):
    # disability, school, phone (people); who, purpose (the access tables' headings).
    for word in ("ពិការភាព", "ការសិក្សា", "ទូរស័ព្ទ", "នរណា", "គោលបំណង"):
        assert word in text, word
    for english in ("Disability", "Phone", "School", "Purpose"):
        assert english not in pdf.text, english
    # The records themselves print as they were written.
    assert "Theyardwasswept." in text
    assert "012345678" in text
    assert supervisor.display_name.replace(" ", "") in text


# --- A fixed number of queries however long the case's history -------------------------------

EXPECTED_QUERIES = {"people": 2, "visits": 3, "access": 3}


def read_section(key: str, case_id: int) -> tuple[int, str]:
    """The queries a section takes to build its context and render it, and the HTML."""
    section = case_file_section(key)
    assert section is not None
    case = Case.objects.select_related(
        "family", "team__organisation", "worker", "covering_worker"
    ).get(pk=case_id)
    with translation.override("en"), CaptureQueriesContext(connection) as queries:
        context = section.context(case)
        html = render_to_string(section.template, {"case": case, "section": section, **context})
    return len(queries), html


def test_each_core_section_reads_with_a_fixed_number_of_queries(
    team_a: Team,
    worker: User,
    supervisor: User,
    outsider: User,
    admin_user: User,
) -> None:
    small = open_case(team=team_a, worker=worker, family_name="Small Testfamily")
    record(worker, small, days_ago=1, sign=True, observations="One visit.")

    big = open_case(team=team_a, worker=worker, family_name="Big Testfamily", children=6)
    children = list(big.children.all())
    for day in range(20):
        visit = record(
            worker,
            big,
            days_ago=40 - day,
            sign=day % 4 != 0,
            observations=f"Visit number {day}.",
            children=[
                ChildSeen(child_id=c.pk, seen=True, seen_alone=i % 2 == 0)
                for i, c in enumerate(children)
            ],
        )
        if visit.is_signed:
            visit_addendum_add(actor=worker, case=big, visit=visit, text=f"Addendum {day}.")
    for reader in (supervisor, admin_user, worker):
        for _ in range(3):
            audit_view(reader, big, big)
    for _ in range(4):
        with pytest.raises(Http404):
            get_case_for(outsider, big.pk)
    for exporter in (supervisor, admin_user):
        export_request(
            actor=exporter,
            case=big,
            document="case_file",
            sections=["people"],
            purpose=CaseExport.Purpose.COURT,
            language="en",
        )

    for key, expected in EXPECTED_QUERIES.items():
        small_queries, _html = read_section(key, small.pk)
        big_queries, html = read_section(key, big.pk)
        assert (key, small_queries, big_queries) == (key, expected, expected)
        if key == "people":
            assert html.count('class="entry person"') == 7  # the mother and six children
        if key == "visits":
            assert html.count('class="entry visit') == 20
            assert html.count('class="addendum"') == 15
            assert html.count("seen alone") == 20 * 3
        if key == "access":
            assert "Supervisor" in html
            assert html.count("Court proceedings") == 2
            assert outsider.display_name in html
