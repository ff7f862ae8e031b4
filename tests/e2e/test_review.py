"""Follow-up and review in a real browser: an independent chair, a review with three voices,
the next date from the policy, and the chair's access ending at sign-off."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from assessments import services as plans
from assessments.models import NeedDomain, NeedEntry
from casework.models import Case, Person, Team, User
from casework.services import case_transition
from casework.tests.factories import open_case
from reviews.models import Review
from reviews.services import policy_for

from .conftest import open_folds, sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def case_in_intervention(demo: None) -> Case:
    """A medium-risk case of `worker` whose approved plan just started intervention."""
    worker = User.objects.get(username="worker")
    supervisor = User.objects.get(username="supervisor")
    team = Team.objects.get(members=worker)
    case = open_case(
        team=team,
        worker=worker,
        family_name="Review Household",
        village=team.villages.order_by("pk").first(),
        children=2,
        risk_level="medium",
    )
    case = case_transition(actor=worker, case=case, to=Case.Phase.ASSESSMENT)
    assessment = plans.assessment_start(actor=worker, case=case)
    education = NeedDomain.objects.get(code="education")
    assessment = plans.assessment_update(
        actor=worker,
        case=case,
        assessment=assessment,
        expected_version=assessment.version,
        data={"participants": "Mother, both children"},
        needs=[plans.NeedData(domain_id=education.pk, need="Back to school", met="unmet")],
    )
    assessment = plans.assessment_submit(
        actor=worker, case=case, assessment=assessment, expected_version=assessment.version
    )
    plans.assessment_decide(
        actor=supervisor,
        case=case,
        assessment=assessment,
        expected_version=assessment.version,
        approve=True,
    )
    need = NeedEntry.objects.get(assessment=assessment)
    plan = plans.plan_start(actor=worker, case=case)
    plan = plans.plan_update(
        actor=worker,
        case=case,
        plan=plan,
        expected_version=plan.version,
        family_agreement="Mother agreed.",
        goals=[plans.GoalData(text="Both children attend school daily", need_ids=[need.pk])],
    )
    plan = plans.plan_submit(actor=worker, case=case, plan=plan, expected_version=plan.version)
    plans.plan_decide(
        actor=supervisor, case=case, plan=plan, expected_version=plan.version, approve=True
    )
    case.refresh_from_db()
    assert case.phase == Case.Phase.INTERVENTION
    return case


def test_an_independent_chair_reviews_the_case_and_loses_access_after_sign_off(
    page: Page, live_server: object, case_in_intervention: Case
) -> None:
    base = str(live_server)
    case = case_in_intervention
    case_url = f"{base}/cases/{case.pk}/"
    chair = User.objects.get(username="chair")
    today = timezone.localdate()

    # Before anyone asks them, the chair (a supervisor of the other team) cannot open the case.
    sign_in(page, base, "chair")
    response = page.goto(case_url)
    assert response is not None
    assert response.status == 404

    # The plan's approval scheduled the first review from the policy; the supervisor chooses
    # the chair. The chair list offers nobody from the case's own team.
    page.context.clear_cookies()
    sign_in(page, base, "supervisor")
    page.goto(case_url)
    page.get_by_role("button", name="Choose the chair").click()
    chairs = page.locator("select[name=chair] option").all_inner_texts()
    assert not any("Sophea" in label or "Vannak" in label for label in chairs)
    page.locator("select[name=chair]").select_option(value=str(chair.pk))
    page.get_by_role("button", name="Save the chair").click()
    expect(page.locator(".error-summary")).to_have_count(0)
    review = Review.objects.get(case=case, status=Review.Status.SCHEDULED)
    assert review.chair_id == chair.pk

    # Now the chair finds it in their list and records the meeting with three voices.
    page.context.clear_cookies()
    sign_in(page, base, "chair")
    page.goto(f"{base}/reviews/chairing/")
    page.locator(".review-title a", has_text=case.reference).click()
    expect(page).to_have_url(f"{base}/cases/{case.pk}/reviews/{review.pk}/record/")
    open_folds(page)
    page.locator("input[name=held_on_0]").fill(str(today.day))
    page.locator("input[name=held_on_1]").fill(str(today.month))
    page.locator("input[name=held_on_2]").fill(str(today.year))
    page.locator("input[name=place]").fill("The family's home")
    children = list(case.children.order_by("pk"))
    for child in children:
        page.locator(f"select[name=child-{child.pk}-gathered]").select_option("present")
    mother = Person.objects.get(family=case.family, relationship=Person.Relationship.MOTHER)
    page.locator(f"input[name=family][value='{mother.pk}']").check()
    page.locator("textarea[name=child_views]").fill(
        "The older child says school is better now; the younger one wants her friend to visit."
    )
    page.locator("textarea[name=family_views]").fill(
        "Mother says mornings are calmer since the grandmother walks them to school."
    )
    goal = plans.approved_plan(case).goals.get()  # type: ignore[union-attr]
    page.locator(f"select[name=goal-{goal.pk}-progress]").select_option("some")
    scores = [
        ("worker", None, "6", "Attendance is up; the father still drinks at weekends."),
        ("family", mother.pk, "7", "We manage the mornings now."),
        ("child", children[0].pk, "8", "I feel safe at home most days."),
    ]
    for index, (voice, person, score, reason) in enumerate(scores):
        page.locator(f"select[name=score-{index}-voice]").select_option(voice)
        if person is not None:
            page.locator(f"select[name=score-{index}-person]").select_option(str(person))
        page.locator(f"input[name=score-{index}-score]").fill(score)
        page.locator(f"[name=score-{index}-reason]").fill(reason)
    page.locator("select[name=decision]").select_option("continue")
    page.locator("textarea[name=decision_reasons]").fill(
        "Progress on school; keep the plan and the grandmother's morning walk."
    )
    page.get_by_role("button", name="Sign off").click()
    expect(page.locator(".error-summary")).to_have_count(0)

    review.refresh_from_db()
    assert review.status == Review.Status.SIGNED
    assert review.scores.count() == 3
    # The next review follows the policy: the second interval for medium risk, from today.
    policy = policy_for(case.team.organisation_id)
    following = Review.objects.get(case=case, status=Review.Status.SCHEDULED)
    assert following.step == 1
    assert following.due_on == today + datetime.timedelta(days=policy.interval(Case.Risk.MEDIUM, 1))
    assert following.chair_id is None

    # Signing off ended the chair's access: the case and the review answer 404.
    response = page.goto(case_url)
    assert response is not None
    assert response.status == 404
    response = page.goto(f"{base}/cases/{case.pk}/reviews/{review.pk}/")
    assert response is not None
    assert response.status == 404

    # The worker sees the signed review and the next date on the case page.
    page.context.clear_cookies()
    sign_in(page, base, "worker")
    page.goto(case_url)
    panel = page.locator("#panel-reviews")
    expect(panel).to_contain_text(str(following.due_on.day))
