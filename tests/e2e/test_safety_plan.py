"""The intervention phase in a real browser: network, safety plan, agreement, family page, grant."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from assessments import services as plans
from assessments.models import MappingEntry, NeedDomain, NeedEntry, Voice
from casework.models import Case, Team, User
from casework.services import case_transition
from casework.tests.factories import open_case
from safetyplans.models import Intervention, NetworkMember, SafetyPlan

from .conftest import open_folds, sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def case_in_intervention(demo: None) -> Case:
    """A case whose case plan (with an income goal) is approved, with a danger statement."""
    worker = User.objects.get(username="worker")
    supervisor = User.objects.get(username="supervisor")
    team = Team.objects.get(members=worker)
    case = open_case(
        team=team,
        worker=worker,
        family_name="Safety Household",
        village=team.villages.order_by("pk").first(),
    )
    case = case_transition(actor=worker, case=case, to=Case.Phase.ASSESSMENT)
    assessment = plans.assessment_start(actor=worker, case=case)
    income = NeedDomain.objects.get(code="income")
    assessment = plans.assessment_update(
        actor=worker,
        case=case,
        assessment=assessment,
        expected_version=assessment.version,
        data={"participants": "Mother"},
        needs=[plans.NeedData(domain_id=income.pk, need="A steady income", met="unmet")],
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
        goals=[plans.GoalData(text="Income from a small shop", need_ids=[need.pk])],
    )
    plan = plans.plan_submit(actor=worker, case=case, plan=plan, expected_version=plan.version)
    plans.plan_decide(
        actor=supervisor, case=case, plan=plan, expected_version=plan.version, approve=True
    )
    plans.mapping_record(
        actor=worker,
        case=case,
        held_on=timezone.localdate() - datetime.timedelta(days=1),
        participants="Mother, grandmother",
        entries=[
            plans.EntryData(
                column=MappingEntry.Column.WORRIES,
                kind=MappingEntry.Kind.DANGER,
                text="Father drinks and hits the children at night.",
                voice=Voice.WORKER,
            ),
        ],
    )
    case.refresh_from_db()
    assert case.phase == Case.Phase.INTERVENTION
    return case


def add_member(page: Page, url: str, *, name: str, relationship: str, agreed: str) -> None:
    page.goto(url)
    page.locator("input[name=name]").fill(name)
    page.locator("input[name=relationship]").fill(relationship)
    page.locator("textarea[name=agreed_to_do]").fill(agreed)
    page.get_by_role("button", name="Add to the network").click()
    expect(page.locator(".error-summary")).to_have_count(0)


def test_worker_builds_the_network_and_plan_and_the_outsider_sees_none_of_it(
    browser: Browser, live_server: Any, case_in_intervention: Case, artifacts: Path
) -> None:
    base = live_server.url
    case = case_in_intervention
    safety = f"{base}/cases/{case.pk}/safety/"
    context = browser.new_context(viewport={"width": 360, "height": 740})
    try:
        page = context.new_page()
        sign_in(page, base, "worker")

        # A network of three.
        new_member = f"{safety}network/new/"
        add_member(
            page,
            new_member,
            name="Grandmother Sreymom",
            relationship="grandmother next door",
            agreed="Takes the children in when father has been drinking.",
        )
        add_member(page, new_member, name="Aunt Chenda", relationship="aunt", agreed="Visits")
        add_member(page, new_member, name="Teacher Dara", relationship="teacher", agreed="Watches")
        page.goto(safety)
        for name in ("Grandmother Sreymom", "Aunt Chenda", "Teacher Dara"):
            expect(page.locator("main")).to_contain_text(name)

        # A safety plan with two rules tied to the danger statement.
        page.get_by_role("button", name="Start the safety plan").click()
        open_folds(page)
        grandmother = NetworkMember.objects.get(case=case, name="Grandmother Sreymom")
        aunt = NetworkMember.objects.get(case=case, name="Aunt Chenda")
        danger = MappingEntry.objects.get(mapping__case=case, kind=MappingEntry.Kind.DANGER)
        page.locator("select[name=family_language]").select_option("km")
        page.locator("textarea[name=for_the_children]").fill(
            "Dad sometimes drinks. Grandmother's house is safe."
        )
        rules = [
            ("If father has been drinking, the children sleep at grandmother's.", grandmother),
            ("Aunt Chenda visits every Sunday and talks to the children alone.", aunt),
        ]
        for index, (text, member) in enumerate(rules):
            page.locator(f"textarea[name=rules-{index}-text]").fill(text)
            page.locator(f"select[name=rules-{index}-responsible]").select_option(
                f"member-{member.pk}"
            )
            page.locator(f"select[name=rules-{index}-danger]").select_option(str(danger.pk))
        page.get_by_role("button", name="Save the safety plan").click()
        expect(page.locator(".error-summary")).to_have_count(0)

        # The family agrees.
        page.goto(safety)
        page.get_by_role("button", name="Record the family's agreement").click()
        mother = case.family.people.exclude(pk__in=case.children.all()).get()
        page.locator(f"input[name=people][value='{mother.pk}']").check()
        page.locator(f"input[name=members][value='{grandmother.pk}']").check()
        page.get_by_role("button", name="Record the agreement").click()
        expect(page.locator(".error-summary")).to_have_count(0)

        # The family's own page, in Khmer.
        page.goto(f"{safety}family/")
        expect(page.locator("html")).to_have_attribute("lang", "km")
        # "What we agreed", in Khmer: the page speaks the family's language, not the worker's.
        expect(page.locator("#rules-heading")).to_have_text("អ្វីដែលយើងបានព្រមព្រៀងគ្នា")
        expect(page.locator("main")).to_contain_text(rules[0][0])
        expect(page.locator("main")).to_contain_text("Grandmother Sreymom")
        page.screenshot(path=str(artifacts / "safety-plan-family-page.png"), full_page=True)

        # A small-shop grant of 400,000 riel for the income goal.
        page.goto(f"{safety}support/new/")
        page.locator("select[name=kind]").select_option("cash_grant")
        page.locator("textarea[name=description]").fill("Capital to open a small shop")
        page.locator("input[name=amount]").fill("400000")
        page.locator("select[name=currency]").select_option("KHR")
        page.locator("label", has_text="Income from a small shop").locator("input").check()
        page.get_by_role("button", name="Record the support").click()
        expect(page.locator(".error-summary")).to_have_count(0)
        page.goto(safety)
        expect(page.locator("main")).to_contain_text("400,000")

        # The outsider reaches none of it.
        outsider = browser.new_context().new_page()
        sign_in(outsider, base, "outsider")
        someone = NetworkMember.objects.filter(case=case).first()
        assert someone is not None
        plan = SafetyPlan.objects.get(case=case)
        grant = Intervention.objects.get(case=case)
        for path in (
            "",
            "family/",
            f"network/{someone.pk}/",
            f"plan/{plan.pk}/",
            f"plan/{plan.pk}/edit/",
            f"support/{grant.pk}/",
        ):
            response = outsider.goto(f"{safety}{path}")
            assert response is not None
            assert response.status == 404, path
            expect(outsider.locator("body")).not_to_contain_text("Sreymom")
        outsider.context.close()
    finally:
        context.close()

    plan = SafetyPlan.objects.get(case=case)
    assert plan.status == SafetyPlan.Status.AGREED
    assert [r.danger_id for r in plan.rules.all()] == [danger.pk, danger.pk]
    assert set(plan.agreed_people.all()) == {mother}
    grant = Intervention.objects.get(case=case)
    assert (grant.amount, grant.currency) == (Decimal("400000.00"), "KHR")
    assert [g.text for g in grant.goals.all()] == ["Income from a small shop"]
