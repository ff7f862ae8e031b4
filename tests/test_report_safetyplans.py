"""The intervention phase in exported PDFs: the safety plan and network, the support delivered,
and the family's own plan, rendered for real by WeasyPrint and read back.

What a supervisor exporting a case would notice: the case file's "Safety plan and network"
prints the plan in force with its rules, who agreed and when, the version being written marked
as a draft, the earlier versions and the people of the network (those who left too); its
"Interventions" prints the support delivered; a section not ticked is not there; an empty one
says so. The family's plan is the agreed plan in plain words, in the family's language, with
the confidentiality line on every page; a draft cannot be exported as the family's plan. The
safety page offers the PDF to those who may export and to nobody else.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import formats, translation
from django.utils.translation import gettext

from casework.documents import case_document, case_file_section
from casework.models import Case, User
from casework.tests.factories import open_case
from reports.models import CaseExport
from reports.services import export_request
from safetyplans.models import Intervention, SafetyPlan
from safetyplans.services import (
    RuleData,
    intervention_record,
    network_member_remove,
    safety_plan_start,
    safety_plan_update,
)
from tests.pdf_reading import case_file_pdf, document_pdf
from tests.test_safetyplan_services import (
    agree,
    approve_case_plan,
    child,
    days_ago,
    drafted,
    member,
    mother,
)

pytestmark = pytest.mark.django_db

RULE_AGREED = "If father has been drinking, the children sleep at grandmother's house."
RULE_KNOWN = "Grandmother phones the worker every Sunday evening."
RULE_NOT_KEPT = "The worker visits the next morning."
RULE_SCHOOL = "Aunt Dara walks the children to school on weekdays."
RULE_DRAFT_ONLY = "Father goes to the support group every Friday."
RULE_OLD = "Mother keeps the door locked at night."
FOR_CHILDREN = "Everyone is helping to keep you safe at night."
KHMER_RULE = "យាយ"  # "grandmother": a short Khmer word, compared with whitespace removed
WATERMARK = "Confidential — exported by"


def client_for(user: User) -> Client:
    client = Client(HTTP_USER_AGENT="pytest-browser")
    client.force_login(user)
    return client


def _replace(
    case: Case, actor: User, plan: SafetyPlan, rules: list[RuleData], **data: Any
) -> SafetyPlan:
    values = {"family_language": plan.family_language, "for_the_children": plan.for_the_children}
    return safety_plan_update(
        actor=actor,
        case=case,
        plan=plan,
        expected_version=plan.version,
        rules=rules,
        **(values | data),
    )


def build_history(
    case: Case, worker: User, supervisor: User, *, family_language: str = "en"
) -> dict[str, Any]:
    """Through the services: a network, plan version 1 agreed then replaced by version 2 (in
    force), a draft version 3 being written, a member who left, and support delivered."""
    approve_case_plan(case, worker, supervisor)
    gran = member(
        case,
        worker,
        name="Yay Sokha",
        relationship="grandmother next door",
        contact="012 345 678",
        knows_worries="She knows about the drinking.",
        agreed_to_do="Takes the children in at night.",
        joined_on=days_ago(40),
    )
    aunt = member(
        case,
        worker,
        name="Aunt Dara",
        relationship="aunt in the village",
        agreed_to_do="Walks the children to school.",
        joined_on=days_ago(40),
    )
    neighbour = member(
        case,
        worker,
        name="Neighbour Vuthy",
        relationship="neighbour",
        joined_on=days_ago(40),
    )
    first = safety_plan_start(actor=worker, case=case)
    first = _replace(
        case,
        worker,
        first,
        [RuleData(text=RULE_OLD, responsible_person_id=mother(case).pk)],
        family_language=family_language,
    )
    first = agree(case, worker, first, agreed_on=days_ago(30))
    second = safety_plan_start(actor=worker, case=case)
    second = _replace(
        case,
        worker,
        second,
        [
            RuleData(
                text=RULE_AGREED,
                responsible_member_id=gran.pk,
                how_known=RULE_KNOWN,
                if_not_kept=RULE_NOT_KEPT,
            ),
            RuleData(text=RULE_SCHOOL, responsible_member_id=aunt.pk),
            RuleData(text=f"{KHMER_RULE} {KHMER_RULE}", responsible_person_id=mother(case).pk),
        ],
        for_the_children=FOR_CHILDREN,
    )
    second = agree(
        case,
        worker,
        second,
        agreed_on=days_ago(10),
        people=[mother(case).pk, child(case).pk],
        members=[gran.pk, aunt.pk],
    )
    neighbour = network_member_remove(
        actor=worker,
        case=case,
        member=neighbour,
        expected_version=neighbour.version,
        reason="Moved to Phnom Penh for work.",
        left_on=days_ago(5),
    )
    draft = safety_plan_start(actor=worker, case=case)
    draft = _replace(
        case,
        worker,
        draft,
        [
            RuleData(text=RULE_AGREED, responsible_member_id=gran.pk),
            RuleData(text=RULE_DRAFT_ONLY, responsible_person_id=mother(case).pk),
        ],
    )
    grant = intervention_record(
        actor=worker,
        case=case,
        data={
            "kind": Intervention.Kind.CASH_GRANT,
            "description": "Capital to open a small shop selling vegetables.",
            "amount": Decimal("400000"),
            "currency": "KHR",
            "provider": "Synthetic Microfinance",
            "started_on": days_ago(20),
            "ended_on": days_ago(15),
            "outcome": "The shop opened and sells every morning.",
        },
    )
    school = intervention_record(
        actor=worker,
        case=case,
        data={
            "kind": Intervention.Kind.SCHOOL,
            "description": "Uniforms and books for the school year.",
            "started_on": days_ago(12),
        },
    )
    return {
        "first": SafetyPlan.objects.get(pk=first.pk),
        "agreed": SafetyPlan.objects.get(pk=second.pk),
        "draft": draft,
        "members": [gran, aunt, neighbour],
        "support": [grant, school],
    }


@pytest.fixture
def history(case: Case, cast: dict[str, User]) -> dict[str, Any]:
    return build_history(case, cast["worker"], cast["supervisor"])


def date_text(day: datetime.date | None) -> str:
    assert day is not None
    return formats.date_format(day, "DATE_FORMAT")


# --- The case file's sections ---------------------------------------------------------------------


def test_the_safety_plan_section_prints_the_plan_the_draft_the_versions_and_the_network(
    case: Case, cast: dict[str, User], history: dict[str, Any]
) -> None:
    pdf = case_file_pdf(case, cast["supervisor"], ["safety_plan"])
    text = " ".join(pdf.text.split())
    agreed, draft = history["agreed"], history["draft"]
    assert "Safety plan and network" in text
    # The plan in force: its rules, who carries them, how it is known, and the children's words.
    assert f"Version 2 — agreed on {date_text(agreed.agreed_on)}, in force" in text
    assert RULE_AGREED in text
    assert RULE_KNOWN in text
    assert RULE_NOT_KEPT in text
    assert RULE_SCHOOL in text
    assert FOR_CHILDREN in text
    assert "Yay Sokha" in text
    # Who agreed, and when.
    assert mother(case).display_name in text
    assert child(case).display_name in text
    assert "Aunt Dara (aunt in the village)" in text
    # The version being written, plainly marked as a draft, with its own rule.
    assert f"Version {draft.number} — DRAFT, not agreed yet" in text
    assert "Version 2 stays in force until the family agrees this one." in text
    assert RULE_DRAFT_ONLY in text
    # The earlier version: number, status and the day it was agreed; its rules are not repeated.
    assert "Earlier versions" in text
    assert "Replaced by a newer version" in text
    assert date_text(history["first"].agreed_on) in text
    assert RULE_OLD not in text
    # The network: who, to the children, how to reach them, what they do, and their rules.
    assert "grandmother next door" in text
    assert "012 345 678" in text
    assert "Takes the children in at night." in text
    assert "She knows about the drinking." in text
    assert "Responsible for rule(s) 1 of the agreed plan" in text
    assert "Responsible for rule(s) 2 of the agreed plan" in text
    # Who left, when and why.
    assert "People who have left the network" in text
    assert "Neighbour Vuthy" in text
    assert "Moved to Phnom Penh for work." in text
    # Text typed in Khmer prints in the embedded Khmer font.
    assert "Khmer-OS" in pdf.fonts()
    assert KHMER_RULE * 2 in pdf.squeezed()
    # Interventions were not ticked: none of the support is in the file.
    assert "Capital to open a small shop" not in text
    assert "Synthetic Microfinance" not in text
    assert WATERMARK in text


def test_the_interventions_section_prints_the_support_delivered(
    case: Case, cast: dict[str, User], history: dict[str, Any]
) -> None:
    pdf = case_file_pdf(case, cast["admin"], ["interventions"])
    text = " ".join(pdf.text.split())
    grant = history["support"][0]
    assert "Interventions" in text
    assert "Cash grant — 400,000 KHR" in text
    assert "Capital to open a small shop selling vegetables." in text
    assert (
        f"From {date_text(grant.started_on)} to {date_text(grant.ended_on)} · "
        "provided by Synthetic Microfinance"
    ) in text
    assert "The shop opened and sells every morning." in text
    assert "School support" in text
    assert "Uniforms and books for the school year." in text
    # Support from the case's own organisation says whose it is.
    assert f"still going on · provided by {case.team.organisation.name}" in text
    assert f"recorded by {cast['worker'].display_name}" in text
    # The safety plan was not ticked: none of it is in the file.
    assert RULE_AGREED not in text
    assert "Yay Sokha" not in text
    assert "Safety plan and network" not in text


def test_empty_sections_say_nothing_is_recorded(case: Case, cast: dict[str, User]) -> None:
    pdf = case_file_pdf(case, cast["supervisor"], ["safety_plan", "interventions"])
    text = " ".join(pdf.text.split())
    assert "Safety plan and network" in text
    assert "No safety plan has been agreed with the family yet." in text
    assert "No earlier versions." in text
    assert "Nobody is recorded in the safety network." in text
    assert "No support recorded." in text


def test_the_sections_print_in_khmer_for_an_exporter_who_chooses_it(
    case: Case, cast: dict[str, User], history: dict[str, Any]
) -> None:
    pdf = case_file_pdf(case, cast["supervisor"], ["safety_plan", "interventions"], language="km")
    with translation.override("km"):
        rules = gettext("Rules")
    assert rules != "Rules"  # the catalogue has the word
    assert "Khmer-OS" in pdf.fonts()
    # Khmer comes back from a PDF lossy: a short word, whitespace removed (tests/pdf_reading).
    assert "".join(rules.split()) in pdf.squeezed()
    assert "Rules" not in pdf.text
    # What was typed stays as typed.
    assert "Yay Sokha" in pdf.text
    assert "Synthetic Microfinance" in pdf.text


@pytest.mark.parametrize("size", [1, 6])
def test_the_sections_take_the_same_queries_however_long_the_history(
    size: int,
    case: Case,
    cast: dict[str, User],
    django_assert_num_queries: Callable[..., Any],
) -> None:
    worker = cast["worker"]
    approve_case_plan(case, worker, cast["supervisor"])
    members = [member(case, worker, name=f"Helper {n}") for n in range(size)]
    for number in range(size):
        plan = drafted(
            case,
            worker,
            [
                RuleData(text=f"Rule {number}.{n}", responsible_member_id=m.pk)
                for n, m in enumerate(members)
            ],
        )
        plan = agree(case, worker, plan, members=[m.pk for m in members])
    drafted(case, worker, [RuleData(text="Draft rule", responsible_member_id=members[0].pk)])
    for n in range(size):
        intervention_record(
            actor=worker,
            case=case,
            data={"kind": Intervention.Kind.FOOD, "description": f"Rice {n}."},
        )
    safety, support = case_file_section("safety_plan"), case_file_section("interventions")
    assert safety is not None
    assert support is not None
    # Versions, the shown plans, their rules, who agreed (family, network), the network.
    with django_assert_num_queries(6):
        context = safety.context(case)
    assert len(context["plans"]) == 2
    assert len(context["earlier"]) == size - 1
    assert len(context["current_members"]) == size
    # The support, and the goals each serves.
    with django_assert_num_queries(2):
        context = support.context(case)
    assert len(context["support"]) == size


# --- The family's plan ----------------------------------------------------------------------------


def test_the_familys_plan_prints_the_agreed_plan_in_plain_words(
    case: Case, cast: dict[str, User], history: dict[str, Any]
) -> None:
    agreed = history["agreed"]
    pdf = document_pdf(case, cast["supervisor"], "family_plan", agreed.pk)
    text = " ".join(pdf.text.split())
    assert f"Our safety plan — the {case.family.family_name} family" in text
    assert "For the children" in text
    assert FOR_CHILDREN in text
    assert "What we agreed" in text
    assert RULE_AGREED in text
    assert "Who does it: Yay Sokha" in text
    assert f"How we will know: {RULE_KNOWN}" in text
    assert f"If this does not happen: {RULE_NOT_KEPT}" in text
    assert RULE_SCHOOL in text
    assert f"We agreed this plan on {date_text(agreed.agreed_on)}." in text
    assert "Aunt Dara (aunt in the village)" in text
    assert f"Your social worker is {cast['worker'].display_name}" in text
    assert "Version 2 of the plan." in text
    # The draft and the earlier version are not the family's plan.
    assert RULE_DRAFT_ONLY not in text
    assert RULE_OLD not in text
    # The confidentiality line, for the family's request, and the page numbers.
    assert f"{WATERMARK} {cast['supervisor'].display_name}" in text
    assert "The family asked for it" in text
    assert f"Page 1 of {len(pdf.pages)}" in text


def test_the_familys_plan_prints_in_the_familys_language(case: Case, cast: dict[str, User]) -> None:
    history = build_history(case, cast["worker"], cast["supervisor"], family_language="km")
    agreed = history["agreed"]
    document = case_document("family_plan")
    assert document is not None
    assert document.language is not None
    assert document.language(case, agreed.pk) == "km"
    # The supervisor reads English; the export form the safety page links to suggests Khmer.
    link = f"{reverse('export_new', args=[case.pk])}?document=family_plan:{agreed.pk}"
    form = client_for(cast["supervisor"]).get(link).content.decode()
    assert '<option value="km" selected>' in form
    pdf = document_pdf(case, cast["supervisor"], "family_plan", agreed.pk, language="km")
    with translation.override("km"):
        heading = gettext("For the children")
    assert heading != "For the children"  # the catalogue has the words of the family's page
    assert "Khmer-OS" in pdf.fonts()
    assert "".join(heading.split()) in pdf.squeezed()
    assert "For the children" not in pdf.text
    assert RULE_AGREED in " ".join(pdf.text.split())  # what was typed stays as typed


def test_only_the_agreed_plan_of_this_case_is_the_familys_plan(
    case: Case, cast: dict[str, User], history: dict[str, Any], team_a: Any
) -> None:
    document = case_document("family_plan")
    assert document is not None
    agreed, draft, first = history["agreed"], history["draft"], history["first"]
    assert document.subjects(case) == [
        (agreed.pk, f"version 2, agreed on {date_text(agreed.agreed_on)}")
    ]
    assert document.default_purpose == "family"
    assert document.language is not None
    assert document.language(case, agreed.pk) == "en"
    # A draft is refused as a subject: nothing is exported, nothing recorded.
    with pytest.raises(ValidationError):
        export_request(
            actor=cast["supervisor"],
            case=case,
            document="family_plan",
            subject_id=draft.pk,
            purpose=CaseExport.Purpose.FAMILY,
            language="en",
        )
    assert not CaseExport.objects.exists()
    for plan in (draft, first):
        with pytest.raises(LookupError):
            document.context(case, plan.pk)
    # Another case's plan is not this case's to give.
    other = open_case(team=team_a, worker=cast["worker"], family_name="Other Family")
    with pytest.raises(LookupError):
        document.context(other, agreed.pk)
    assert document.subjects(other) == []


def test_a_case_with_only_a_draft_has_no_familys_plan(case: Case, cast: dict[str, User]) -> None:
    drafted(case, cast["worker"], [RuleData(text=RULE_DRAFT_ONLY)])
    document = case_document("family_plan")
    assert document is not None
    assert document.subjects(case) == []


# --- The safety page's link -----------------------------------------------------------------------


def test_the_safety_page_offers_the_pdf_to_those_who_may_export(
    case: Case, cast: dict[str, User], history: dict[str, Any]
) -> None:
    agreed = history["agreed"]
    link = f"{reverse('export_new', args=[case.pk])}?document=family_plan:{agreed.pk}"
    overview = reverse("safety_overview", args=[case.pk])
    supervisor_page = client_for(cast["supervisor"]).get(overview).content.decode()
    assert link in supervisor_page
    assert "Download as PDF" in supervisor_page
    worker_page = client_for(cast["worker"]).get(overview).content.decode()
    assert "Download as PDF" not in worker_page
    assert "export" not in worker_page.split('id="plan"', 1)[1].split("</section>", 1)[0]
    # The link opens the export form with the family's plan chosen.
    form = client_for(cast["supervisor"]).get(link).content.decode()
    assert f'value="family_plan:{agreed.pk}"' in form
    chosen = form.split(f'value="family_plan:{agreed.pk}"', 1)
    tag = chosen[0].rsplit("<input", 1)[1] + chosen[1].split(">", 1)[0]
    assert "checked" in tag
