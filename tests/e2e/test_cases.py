"""Cases in a real browser: a visit recorded and signed on a phone, the door, two editors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from casework.models import Case, HomeVisit, Person, Team, User
from casework.tests.factories import open_case

from .conftest import sign_in

pytestmark = pytest.mark.e2e

PHONE: ViewportSize = {"width": 360, "height": 740}


@pytest.fixture
def worker_case(demo: None) -> Case:
    """A fresh case of the demo's team A, allocated to `worker`, about one child."""
    worker = User.objects.get(username="worker")
    team = Team.objects.get(members=worker)
    return open_case(
        team=team,
        worker=worker,
        family_name="Browser Test Household",
        village=team.villages.order_by("pk").first(),
    )


def test_worker_records_and_signs_a_visit_on_a_phone(
    page: Page, live_server: Any, worker_case: Case
) -> None:
    page.set_viewport_size(PHONE)
    sign_in(page, live_server.url, "worker")
    page.get_by_role("button", name="Menu").click()
    page.get_by_role("link", name="Cases").click()
    page.get_by_label("Search").fill(worker_case.reference)
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name=worker_case.reference).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(worker_case.reference)

    record = page.get_by_role("button", name="Record a visit")
    box = record.bounding_box()
    assert box is not None
    assert box["height"] >= 44
    record.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a visit")
    page.get_by_label("Place").fill("At the family's home")
    page.get_by_label("Seen", exact=True).check()
    page.get_by_label("Seen alone").check()
    page.get_by_label("What you observed").fill("The child showed me her school books.")
    page.get_by_label("The child's own words").fill("I like it when grandmother is here.")
    page.get_by_label("What was agreed").fill("Grandmother walks her to school.")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.get_by_role("button", name="Save and sign").click()

    expect(page.get_by_text("The visit is signed and on the timeline.")).to_be_visible()
    timeline = page.locator("#visits")
    visit = timeline.locator("article.visit").first
    expect(visit).to_contain_text("The child showed me her school books.")
    expect(visit).to_contain_text("seen alone")
    expect(visit.locator(".badge.signed")).to_have_text("Signed")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    stored = HomeVisit.objects.get(case=worker_case)
    assert stored.is_signed
    assert stored.child_words == "I like it when grandmother is here."


def test_outsider_pasting_the_case_address_gets_not_found(
    page: Page, live_server: Any, worker_case: Case
) -> None:
    page.set_viewport_size(PHONE)
    sign_in(page, live_server.url, "outsider")
    response = page.goto(f"{live_server.url}/cases/{worker_case.pk}/")
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.locator("body")).not_to_contain_text(worker_case.reference)
    expect(page.locator("body")).not_to_contain_text("Browser Test Household")


def test_two_browsers_editing_the_same_person_cannot_overwrite_each_other(
    browser: Browser, live_server: Any, worker_case: Case, artifacts: Path
) -> None:
    child = worker_case.children.get()
    url = f"{live_server.url}/cases/{worker_case.pk}/people/{child.pk}/"
    worker_context = browser.new_context()
    supervisor_context = browser.new_context()
    try:
        worker_page = worker_context.new_page()
        supervisor_page = supervisor_context.new_page()
        sign_in(worker_page, live_server.url, "worker")
        sign_in(supervisor_page, live_server.url, "supervisor")
        worker_page.goto(url)
        supervisor_page.goto(url)

        worker_page.get_by_label("Given name (Latin letters)").fill("Sreymom")
        worker_page.get_by_role("button", name="Save the person's details").click()
        expect(worker_page.get_by_text("details are saved")).to_be_visible()

        supervisor_page.get_by_label("Given name (Latin letters)").fill("Sreyleak")
        supervisor_page.get_by_role("button", name="Save the person's details").click()
        conflict = supervisor_page.locator(".conflict")
        expect(conflict).to_contain_text("Someone else saved this record")
        expect(conflict.locator("td[data-version=theirs]").first).to_have_text("Sreymom")
        expect(conflict.locator("td[data-version=mine]").first).to_contain_text("Sreyleak")
        expect(supervisor_page.get_by_role("heading", level=1)).to_contain_text("Sreymom")
        supervisor_page.screenshot(path=str(artifacts / "conflict.png"), full_page=True)
        assert Person.objects.get(pk=child.pk).given_name_latin == "Sreymom"
    finally:
        worker_context.close()
        supervisor_context.close()
