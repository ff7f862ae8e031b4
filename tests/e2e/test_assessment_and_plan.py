"""Assessment and planning in a real browser, from the worker's first questions to approval."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from assessments.models import Approval, CasePlan, NeedEntry, ScaleScore
from casework.models import Case, Team, User
from casework.tests.factories import open_case

from .conftest import open_folds, sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def worker_case(demo: None) -> Case:
    worker = User.objects.get(username="worker")
    team = Team.objects.get(members=worker)
    return open_case(
        team=team,
        worker=worker,
        family_name="Planning Household",
        village=team.villages.order_by("pk").first(),
    )


def record_score(page: Page, url: str, *, score: int, voice: str, person: str, why: str) -> None:
    page.goto(url)
    page.locator(f"input[name=score][value='{score}']").check(force=True)
    page.locator(f"input[name=voice][value='{voice}']").check(force=True)
    if person:
        page.locator("select[name=person]").select_option(label=person)
    page.locator("textarea[name=reason]").fill(why)
    page.get_by_role("button", name="Add the score").click()
    expect(page.locator(".error-summary")).to_have_count(0)


def test_worker_assesses_and_plans_and_the_supervisor_returns_then_approves(
    browser: Browser, live_server: Any, worker_case: Case, artifacts: Path
) -> None:
    base = live_server.url
    case_url = f"{base}/cases/{worker_case.pk}/"
    child = worker_case.children.get()
    mother = worker_case.family.people.exclude(pk=child.pk).get()
    worker_context = browser.new_context(viewport={"width": 360, "height": 740})
    supervisor_context = browser.new_context()
    try:
        page = worker_context.new_page()
        sign_in(page, base, "worker")

        # The case moves from intake into assessment and planning.
        page.goto(case_url)
        page.locator("select[name=to]").select_option("assessment")
        page.get_by_role("button", name="Move the case").click()
        expect(page.locator(".case-header")).to_contain_text("Assessment and planning")

        # The needs-led assessment: education unmet; housing a risk outweighed by strengths.
        page.get_by_role("button", name="Open the assessment and mapping").click()
        page.get_by_role("button", name="Start the assessment").click()
        open_folds(page)
        page.locator("textarea[name=participants]").fill("Mother, the child, grandmother")
        page.locator("textarea[name=family_views]").fill("We want her back in school.")
        page.locator("textarea[name=need-education-need]").fill("To learn and be with friends")
        page.locator("input[name=need-education-met][value=unmet]").check(force=True)
        page.locator("textarea[name=need-housing-need]").fill("A dry, safe place to sleep")
        page.locator("input[name=need-housing-met][value=partly]").check(force=True)
        page.locator("textarea[name=need-housing-risk_0]").fill("The roof leaks in the rain")
        page.locator("input[name=need-housing-risk_0_kind][value=surface]").check(force=True)
        page.locator("textarea[name=need-housing-strengths]").fill(
            "Grandparents live next door; the parents sleep beside the children."
        )
        page.get_by_role("button", name="Save the assessment").click()
        expect(page.locator(".error-summary")).to_have_count(0)
        page.get_by_role("button", name="Submit for approval").click()
        expect(page.get_by_text("Awaiting approval").first).to_be_visible()

        # A three-column mapping.
        page.goto(f"{case_url}mappings/new/")
        open_folds(page)
        page.locator("textarea[name=worries-0-text]").fill("She has missed school for a month.")
        page.locator("select[name=worries-0-kind]").select_option("past_harm")
        page.locator("select[name=worries-0-voice]").select_option("worker")
        page.locator("textarea[name=working_well-0-text]").fill("Grandmother walks her home.")
        page.locator("select[name=working_well-0-kind]").select_option("strength")
        page.locator("select[name=working_well-0-voice]").select_option("family")
        page.locator("textarea[name=next-0-text]").fill("Back at school by next month.")
        page.locator("select[name=next-0-kind]").select_option("safety_goal")
        page.locator("select[name=next-0-voice]").select_option("child")
        page.get_by_role("button", name="Save the mapping").click()
        expect(page.locator(".error-summary")).to_have_count(0)

        # Three voices on the safety scale.
        scale_url = f"{case_url}safety-scale/new/"
        record_score(page, scale_url, score=4, voice="worker", person="", why="Roof, no school.")
        record_score(
            page,
            scale_url,
            score=6,
            voice="family",
            person=f"{mother.display_name} ({mother.get_relationship_display()})",
            why="Grandmother is near.",
        )
        record_score(
            page,
            scale_url,
            score=7,
            voice="child",
            person=f"{child.display_name} ({child.get_relationship_display()})",
            why="I sleep next to mum.",
        )

        # The child's three houses.
        page.goto(f"{case_url}child-voices/new/")
        page.locator(f"input[name=child][value='{child.pk}']").check(force=True)
        page.locator("textarea[name=worries]").fill("When the rain comes in at night.")
        page.locator("textarea[name=good_things]").fill("Playing with my cousins next door.")
        page.locator("textarea[name=wishes]").fill("To go back to school with my friend.")
        page.get_by_role("button", name="Save the child's voice").click()
        expect(page.locator(".error-summary")).to_have_count(0)

        # The plan: a goal for the unmet education need.
        page.goto(f"{case_url}plan/")
        page.get_by_role("button", name="Start the plan").click()
        open_folds(page)
        page.locator("textarea[name=family_agreement]").fill("Mother and grandmother agreed.")
        page.locator("textarea[name=goals-0-text]").fill("She goes to school every day.")
        page.locator("label", has_text="Education").locator("input").first.check()
        page.locator("textarea[name=goals-0-action-0-what]").fill("Talk to the head teacher")
        page.locator("select[name=goals-0-action-0-who]").select_option("worker")
        page.get_by_role("button", name="Save the plan").click()
        expect(page.locator(".error-summary")).to_have_count(0)
        page.get_by_role("button", name="Send for approval").click()
        expect(page.get_by_text("Awaiting approval").first).to_be_visible()

        # The supervisor returns the plan once, with a comment.
        boss = supervisor_context.new_page()
        sign_in(boss, base, "supervisor")
        boss.get_by_role("link", name="Awaiting approval").click()
        expect(boss.locator("main")).to_contain_text(worker_case.reference)
        boss.goto(f"{case_url}plan/")
        boss.locator("textarea[name=comment]").fill("Say who walks her to school.")
        boss.get_by_role("button", name="Return for changes").click()
        expect(boss.locator("main")).to_contain_text("Returned for changes")

        # The worker reads the comment, adds the action, and sends it again.
        page.goto(f"{case_url}plan/")
        expect(page.locator("main")).to_contain_text("Say who walks her to school.")
        page.get_by_role("button", name="Edit the plan").click()
        open_folds(page)
        page.locator("textarea[name=goals-0-action-1-what]").fill("Walk her to school")
        page.locator("select[name=goals-0-action-1-who]").select_option("family")
        page.locator("input[name=goals-0-action-1-who_name]").fill("Grandmother")
        page.get_by_role("button", name="Save the plan").click()
        page.get_by_role("button", name="Send for approval").click()

        # The supervisor approves the assessment, then the plan.
        boss.goto(f"{case_url}assessment/")
        boss.get_by_role("button", name="Approve the assessment").click()
        boss.goto(f"{case_url}plan/")
        boss.get_by_role("button", name="Approve the plan").click()
        expect(boss.locator("main")).to_contain_text("Approved")

        # The case is in intervention, and the chart on its page shows the three voices.
        page.goto(case_url)
        expect(page.locator(".case-header")).to_contain_text("Intervention")
        chart = page.locator("svg.scale-chart")
        expect(chart).to_be_visible()
        expect(chart.locator(".scale-series")).to_have_count(3)
        page.screenshot(path=str(artifacts / "assessment-plan-case-page.png"), full_page=True)
    finally:
        worker_context.close()
        supervisor_context.close()

    worker_case.refresh_from_db()
    assert worker_case.phase == Case.Phase.INTERVENTION
    plan = CasePlan.objects.get(case=worker_case)
    assert plan.status == Approval.APPROVED
    assert [d.outcome for d in plan.decisions.order_by("decided_at")] == ["returned", "approved"]
    education = NeedEntry.objects.get(assessment=plan.assessment, domain__code="education")
    assert education.met == "unmet"
    assert education.goals.filter(plan=plan).exists()
    housing = NeedEntry.objects.get(assessment=plan.assessment, domain__code="housing")
    assert housing.risks.get().kind == "surface"
    assert "Grandparents live next door" in housing.strengths
    assert ScaleScore.objects.filter(case=worker_case).count() == 3
