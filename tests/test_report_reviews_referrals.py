"""The reviews' and the referrals' parts of exported PDFs, read back from real PDFs.

What a supervisor exporting a case notices: the case file's "Reviews" section tells each review
(who took part, what was decided, progress, scores, addenda, the closure) and lists the next one;
"Referrals and consents" tells how the case came in, who agreed to what being shared with whom,
and what each service received (the kinds of information, not the data) and answered. The
minutes of a signed review are a document of their own, offered from the review's page to those
who may export, and never for a review that is not signed or belongs to another case.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, timezone, translation

from assessments.models import Goal, Voice
from casework.documents import case_document, case_file_section
from casework.models import Case, Team, User
from casework.tests.factories import VillageFactory
from referrals import sharing
from referrals.models import Intake, OutgoingReferral, Service
from referrals.services import consent_withdraw, referral_acknowledge, service_create
from reports.models import CaseExport
from reports.services import export_request
from reviews.models import Participant, Review
from reviews.services import (
    ClosureData,
    GoalProgressData,
    ParticipantData,
    RuleProgressData,
    ScoreData,
    case_close,
    open_review,
    review_addendum_add,
)
from safetyplans.services import RuleData, network_member_add
from tests import test_referral_services as ref
from tests import test_review_services as rev
from tests.pdf_reading import case_file_pdf, document_pdf
from tests.test_safetyplan_services import agree, drafted, mother

pytestmark = pytest.mark.django_db

DECISION = "Gran visits every evening and the rules are kept: carry on for another month."
ADDENDUM = "The grandmother was ill for a week after the review; the neighbour stood in."
MEAL_NEED = "A daily meal for Dara while the father is away working."


def client_for(user: User) -> Client:
    client = Client(HTTP_USER_AGENT="pytest")
    client.force_login(user)
    return client


def hold_full(case: Case, cast: dict[str, User], n: int = 1) -> Review:
    """The open review chaired, recorded with everything the minutes print, signed off, and
    given an addendum."""
    goal = Goal.objects.filter(plan__case=case).order_by("pk").first()
    assert goal is not None
    rule = case.safety_plans.get(status="agreed").rules.order_by("pk").first()
    assert rule is not None
    network = case.network_members.order_by("pk").first()
    assert network is not None
    signed = rev.hold(
        case,
        cast["supervisor"],
        cast["chair"],
        decision_reasons=f"{DECISION} ({n})",
        network_views="The neighbour checks on the children after school.",
        participants=[
            *(
                ParticipantData(
                    kind=Participant.Kind.CHILD,
                    person=child,
                    gathered=Participant.Gathered.SEPARATELY,
                    note="Drew the three houses with the worker.",
                )
                for child in case.children.all()
            ),
            ParticipantData(kind=Participant.Kind.FAMILY, person=mother(case)),
            ParticipantData(
                kind=Participant.Kind.NETWORK,
                network_member=network,
                gathered=Participant.Gathered.NOT_GATHERED,
            ),
            ParticipantData(
                kind=Participant.Kind.PROFESSIONAL, name="Teacher Synthetic", role="Primary school"
            ),
        ],
        goals=[GoalProgressData(goal, "some", "Goes to school four days a week.")],
        rules=[RuleProgressData(rule, "kept", "Gran says so.")],
        scores=[
            ScoreData(Voice.WORKER, 8, "The rules are kept.", given_by_user=case.worker),
            ScoreData(Voice.CHILD, 9, "I feel safe.", person=case.children.order_by("pk")[0]),
        ],
    )
    review_addendum_add(actor=cast["chair"], case=case, review=signed, text=f"{ADDENDUM} ({n})")
    return signed


def reviewed_case(team_a: Team, cast: dict[str, User]) -> Case:
    """A case in intervention with an agreed safety plan and a safety network member."""
    case = rev.in_intervention(team_a, cast["worker"], cast["supervisor"])
    network_member_add(
        actor=cast["worker"],
        case=case,
        data={"name": "Yay Synthetic", "relationship": "grandmother next door"},
    )
    agree(
        case,
        cast["worker"],
        drafted(
            case,
            cast["worker"],
            [RuleData("Gran's door is open.", responsible_person_id=mother(case).pk)],
        ),
    )
    return case


def reviews_html(case: Case) -> str:
    section = case_file_section("reviews")
    assert section is not None
    return render_to_string(section.template, {"case": case, **section.context(case)})


def referrals_html(case: Case) -> str:
    section = case_file_section("referrals")
    assert section is not None
    return render_to_string(section.template, {"case": case, **section.context(case)})


# --- Reviews: the case file's section ------------------------------------------------------------


def test_the_reviews_section_tells_each_review_and_the_next(team_a, cast):
    case = reviewed_case(team_a, cast)
    signed = hold_full(case, cast)
    following = open_review(case)
    assert following is not None

    pdf = case_file_pdf(case, cast["supervisor"], ["reviews"])

    text = pdf.text
    assert "Reviews" in text
    assert f"{DECISION} (1)" in " ".join(text.split())
    assert "Continue the plan" in text
    assert cast["chair"].display_name in text
    assert signed.held_on is not None
    held = formats.date_format(signed.held_on, "DATE_FORMAT")
    assert f"Review held on {held}" in text
    assert "Teacher Synthetic" in text
    assert "A goal for income." in text
    assert "Some progress" in text
    assert "Gran's door is open." in text
    assert "Kept" in text
    assert "8/10" in text
    assert "9/10" in text
    assert f"{ADDENDUM} (1)" in " ".join(text.split())
    # The next review, briefly.
    assert "Reviews not yet held" in text
    assert f"Due on {formats.date_format(following.due_on, 'DATE_FORMAT')}" in text
    # Unticked sections are not in the file.
    assert "Referrals and consents" not in text
    assert "No consents recorded." not in text
    assert "Confidential — exported by" in text


def test_a_review_that_closed_the_case_prints_the_closure(team_a, cast):
    case = rev.in_intervention(team_a, cast["worker"], cast["supervisor"])
    rev.hold(case, cast["supervisor"], cast["chair"], decision=Review.Decision.CLOSE)
    case_close(
        actor=cast["worker"],
        case=case,
        data=ClosureData(
            outcome="The children are safe with the grandmother nearby.",
            follow_up_on=timezone.localdate() + datetime.timedelta(days=90),
            risk_reduced=True,
            in_school=True,
            health_care=True,
        ),
    )
    html = reviews_html(case)
    assert "Close the case" in html
    assert "The children are safe with the grandmother nearby." in html
    assert "Follow-up check on" in html
    assert "Reviews not yet held" not in html


# --- Reviews: the minutes ----------------------------------------------------------------------


def test_the_minutes_of_a_signed_review(team_a, cast):
    case = reviewed_case(team_a, cast)
    signed = hold_full(case, cast)
    supervisor = cast["supervisor"]

    pdf = document_pdf(case, supervisor, "review_minutes", signed.pk, purpose_detail="")

    text = pdf.text
    flat = " ".join(text.split())
    assert "Review minutes" in text
    assert case.reference in text
    assert cast["chair"].display_name in text
    # Who took part, and the views gathered otherwise or not at all.
    assert mother(case).display_name in text
    assert "Teacher Synthetic" in text
    assert "Primary school" in text
    assert "Views gathered another way" in text
    assert "Spoke with the worker separately" in text
    assert "Named, but their views were not gathered this time" in text
    assert "Yay Synthetic" in text
    # What was said and decided.
    assert "The neighbour checks on the children after school." in flat
    assert f"{DECISION} (1)" in flat
    assert "A goal for income." in text
    assert "Gran's door is open." in text
    assert "8/10" in text
    following = open_review(case)
    assert following is not None
    assert f"Due on {formats.date_format(following.due_on, 'DATE_FORMAT')}." in text
    assert f"Signed off by {cast['chair'].display_name}" in flat
    assert f"{ADDENDUM} (1)" in flat
    # The confidentiality line, on every page, with the page numbers.
    watermark = f"Confidential — exported by {supervisor.display_name}"
    assert all(watermark in " ".join(page.split()) for page in pdf.pages)
    assert "The family asked for it" in text
    assert f"Page 1 of {len(pdf.pages)}" in text


def test_only_a_signed_review_of_the_case_has_minutes(team_a, cast):
    case = reviewed_case(team_a, cast)
    signed = hold_full(case, cast)
    unsigned = open_review(case)
    assert unsigned is not None
    other = rev.in_intervention(team_a, cast["worker"], cast["supervisor"], family_name="Other")
    theirs = rev.hold(other, cast["supervisor"], cast["chair"])
    document = case_document("review_minutes")
    assert document is not None

    assert signed.held_on is not None
    held = formats.date_format(signed.held_on, "DATE_FORMAT")
    assert document.subjects(case) == [
        (signed.pk, f"{held}, chaired by {cast['chair'].display_name}")
    ]
    for subject in (unsigned.pk, theirs.pk):
        with pytest.raises(ValidationError):
            export_request(
                actor=cast["supervisor"],
                case=case,
                document="review_minutes",
                subject_id=subject,
                purpose=CaseExport.Purpose.COURT,
                language="en",
            )
        with pytest.raises(LookupError):
            document.context(case, subject)
    assert not CaseExport.objects.exists()


def test_the_review_page_offers_the_minutes_to_those_who_may_export(team_a, cast):
    case = reviewed_case(team_a, cast)
    signed = hold_full(case, cast)
    unsigned = open_review(case)
    assert unsigned is not None
    link = f"{reverse('export_new', args=[case.pk])}?document=review_minutes:{signed.pk}"
    signed_page = reverse("review_detail", args=[case.pk, signed.pk])

    page = client_for(cast["supervisor"]).get(signed_page).content.decode()
    assert "Minutes as PDF" in page
    assert f'href="{link}"' in page
    unsigned_page = reverse("review_detail", args=[case.pk, unsigned.pk])
    assert (
        "Minutes as PDF" not in client_for(cast["supervisor"]).get(unsigned_page).content.decode()
    )
    worker_page = client_for(cast["worker"]).get(signed_page)
    assert worker_page.status_code == 200
    assert "Minutes as PDF" not in worker_page.content.decode()
    # The link opens the export form with these minutes chosen.
    form = client_for(cast["supervisor"]).get(link).content.decode()
    chosen = re.search(rf'<input[^>]*value="review_minutes:{signed.pk}"[^>]*>', form)
    assert chosen is not None
    assert "checked" in chosen.group(0)


# --- Referrals and consents ------------------------------------------------------------------


def food_service(admin: User, name: str = "Temple meals") -> Service:
    return service_create(
        actor=admin,
        data={"name": name, "provider": "Wat Synthetic committee"},
        kinds=[ref.kind("food")],
    )


def referred_case(cast: dict[str, User], team_a: Team) -> tuple[Case, Service]:
    """A case opened from an incoming referral, with a consent, a withdrawn consent, a referral
    sent to the temple and a draft to a school."""
    intake = ref.record(
        cast["worker"],
        village=VillageFactory.create(),
        description="Neighbours say the children go without food when the father is away.",
    )
    case = ref.screen(
        intake,
        cast["supervisor"],
        Intake.Decision.OPEN_CASE,
        reason="Hungry children: assess.",
        team=team_a,
        worker=cast["worker"],
        tier=Case.Tier.EARLY,
        risk_level=Case.Risk.MEDIUM,
    ).case
    assert case is not None
    temple = food_service(cast["admin"])
    ref.consent(
        case,
        cast["worker"],
        services=[temple],
        purpose="Meals for the children while the father is away.",
    )
    withdrawn = ref.consent(
        case,
        cast["worker"],
        kinds=[ref.kind("education")],
        purpose="Help with school fees.",
        information=["names", "age"],
    )
    consent_withdraw(
        actor=cast["worker"],
        consent=withdrawn,
        withdrawn_by=mother(case),
        note="The mother changed her mind about the school.",
    )
    ref.send(ref.draft(case, cast["worker"], temple, need=MEAL_NEED), cast["worker"])
    school = service_create(
        actor=cast["admin"], data={"name": "Commune scholarship"}, kinds=[ref.kind("education")]
    )
    ref.draft(case, cast["worker"], school, need="School fees.")
    return case, temple


def test_the_referrals_section_tells_consents_referrals_and_the_intake(team_a, cast):
    case, _temple = referred_case(cast, team_a)
    referral = OutgoingReferral.objects.get(case=case, status=OutgoingReferral.Status.SENT)
    children, _general = sharing.render(referral.shared_fields, referral.shared_data)
    age_shared = next(item.text for item in children[0] if item.code == "age")

    pdf = case_file_pdf(case, cast["supervisor"], ["referrals"])

    text = pdf.text
    flat = " ".join(text.split())
    assert "Referrals and consents" in text
    # How the case came in; who referred stays confidential from the family.
    assert "Neighbours say the children go without food when the father is away." in flat
    assert "Open a new case" in text
    assert "Village chief Synthetic" not in text
    assert "kept confidential from the family" in flat
    # The consents, the withdrawn one included.
    assert "Meals for the children while the father is away." in flat
    assert "In force" in text
    assert "Withdrawn" in text
    assert "The mother changed her mind about the school." in flat
    assert "Temple meals" in text
    # The referrals: the service, what it was sent (the kinds, not the values), its status.
    assert "Wat Synthetic committee" in text
    assert MEAL_NEED in flat
    assert "children's names, age in years, village, the need this referral is for" in flat
    assert age_shared not in flat
    assert "No reply yet." in text
    assert "Commune scholarship" in text
    assert "Nothing: the referral was never sent." in flat
    # The reviews section was not ticked.
    assert "No reviews recorded." not in text
    assert "Reviews" not in text


def test_a_partners_reply_is_in_the_section(team_a, cast):
    case, temple = referred_case(cast, team_a)
    temple.partner_users.add(cast["partner"])
    referral = OutgoingReferral.objects.get(case=case, status=OutgoingReferral.Status.SENT)
    referral_acknowledge(actor=cast["partner"], referral=referral)
    html = referrals_html(case)
    assert "Acknowledged" in html
    assert "No reply yet." not in html


def test_nothing_recorded_says_so(case, cast):
    pdf = case_file_pdf(case, cast["supervisor"], ["reviews", "referrals"])
    text = " ".join(pdf.text.split())
    assert "No reviews recorded." in text
    assert "No consents recorded." in text
    assert "No referrals to services recorded." in text
    assert "The case was not opened from an incoming referral recorded in Upstream." in text


def test_both_sections_render_in_khmer(team_a, cast):
    case, _temple = referred_case(cast, team_a)
    pdf = case_file_pdf(case, cast["supervisor"], ["referrals"], language="km")
    assert any(font.startswith("Khmer-OS") for font in pdf.fonts())
    with translation.override("km"):
        food = ref.kind("food").label
        sent = str(OutgoingReferral.Status.SENT.label)
    assert food == "អាហារ"
    squeezed = pdf.squeezed()
    assert food in squeezed
    assert sent.replace(" ", "") in squeezed

    reviewed = reviewed_case(team_a, cast)
    hold_full(reviewed, cast)
    pdf = case_file_pdf(reviewed, cast["supervisor"], ["reviews"], language="km")
    assert any(font.startswith("Khmer-OS") for font in pdf.fonts())
    with translation.override("km"):
        decision = str(Review.Decision.CONTINUE.label)
    assert decision != "Continue the plan"
    assert decision.replace(" ", "") in pdf.squeezed()
    assert f"{DECISION} (1)" in " ".join(pdf.text.split())


# --- A fixed number of queries ---------------------------------------------------------------


def queries(render: Any, case: Case) -> int:
    with CaptureQueriesContext(connection) as captured:
        html = render(case)
    assert html
    return len(captured.captured_queries)


def test_the_reviews_section_takes_the_same_queries_for_one_review_or_many(
    team_a, cast, django_assert_max_num_queries
):
    one = reviewed_case(team_a, cast)
    hold_full(one, cast)
    many = reviewed_case(team_a, cast)
    for n in range(3):
        hold_full(many, cast, n)
    assert Review.objects.filter(case=many, status=Review.Status.SIGNED).count() == 3

    counted = queries(reviews_html, one)
    with django_assert_max_num_queries(counted):
        html = reviews_html(many)
    assert html.count("Review held on") == 3
    assert queries(reviews_html, many) == counted
    document = case_document("review_minutes")
    assert document is not None
    with django_assert_max_num_queries(counted + 3):
        document.context(many, Review.objects.filter(case=many).order_by("pk")[2].pk)


def test_the_referrals_section_takes_the_same_queries_for_one_referral_or_many(
    team_a, cast, django_assert_max_num_queries
):
    one, _temple = referred_case(cast, team_a)
    many, temple = referred_case(cast, team_a)
    for n in range(3):
        meals = food_service(cast["admin"], f"Meals {n}")
        ref.consent(many, cast["worker"], services=[meals, temple], kinds=[ref.kind("health")])
        ref.send(ref.draft(many, cast["worker"], meals), cast["worker"])
        later = ref.record(cast["worker"], description=f"Another call {n}.")
        ref.screen(later, cast["supervisor"], Intake.Decision.ADD_TO_CASE, case=many)
    assert Intake.objects.filter(case=many).count() == 4

    counted = queries(referrals_html, one)
    with django_assert_max_num_queries(counted):
        html = referrals_html(many)
    assert html.count("Another call") == 3
    assert queries(referrals_html, many) == counted


def test_sections_are_registered_in_their_places():
    reviews = case_file_section("reviews")
    referrals = case_file_section("referrals")
    assert reviews is not None
    assert referrals is not None
    assert (reviews.order, str(reviews.label)) == (90, "Reviews")
    assert (referrals.order, str(referrals.label)) == (100, "Referrals and consents")
    assert str(case_document("review_minutes").label) == "Review minutes"  # type: ignore[union-attr]
