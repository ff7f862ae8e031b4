"""The strict Content-Security-Policy and the private search, in a real browser.

Chromium reports every resource, inline script or style the policy blocks; none may be blocked
on the pages people use, on the search (htmx) or on the API docs. A child's name typed in the
search goes in a request body only: no address the browser asks for or shows carries it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, Request, expect

from casework.models import Case, Team, User
from casework.tests.factories import open_case

from .conftest import sign_in

pytestmark = pytest.mark.e2e

CHILD = "Sreypov"


@pytest.fixture
def blocked(page: Page) -> Callable[[], list[str]]:
    """What the policy blocked so far, as the page itself saw it and as the console said."""
    page.add_init_script(
        "window.__blocked = [];"
        "document.addEventListener('securitypolicyviolation', function (e) {"
        "  window.__blocked.push(e.violatedDirective + ' ' + e.blockedURI); });"
    )
    console: list[str] = []
    page.on(
        "console",
        lambda message: (
            console.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )

    def seen() -> list[str]:
        return [*console, *page.evaluate("window.__blocked || []")]

    return seen


@pytest.fixture
def named_case(demo: None) -> Case:
    """One case of a family called CHILD, and 25 more whose names start the same (two pages)."""
    worker = User.objects.get(username="worker")
    team = Team.objects.get(members=worker)
    village = team.villages.order_by("pk").first()
    for index in range(25):
        open_case(team=team, worker=worker, family_name=f"{CHILD}ko {index}", village=village)
    return open_case(team=team, worker=worker, family_name=CHILD, village=village)


def test_a_name_searched_for_never_reaches_an_address_and_nothing_is_blocked(
    page: Page, live_server: Any, named_case: Case, blocked: Callable[[], list[str]]
) -> None:
    addresses: list[str] = []

    def remember(request: Request) -> None:
        addresses.append(request.url)

    page.on("request", remember)
    sign_in(page, live_server.url, "worker")
    assert blocked() == []
    page.goto(f"{live_server.url}/cases/")
    everyone = page.locator(".results-count").inner_text()

    # Typing searches as you go (htmx, a POST); the name is in no address, asked for or shown.
    page.get_by_label("Search").fill(CHILD)
    expect(page.locator(".results-count")).to_have_text("26 cases")
    expect(page.get_by_text("Page 1 of 2")).to_be_visible()
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_text("Page 2 of 2")).to_be_visible()
    expect(page.locator(".case-card")).to_have_count(1)
    page.get_by_role("button", name="Previous").click()
    expect(page.locator(".case-card")).to_have_count(25)
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".results-count")).to_have_text("26 cases")
    assert CHILD not in page.url
    # A filter goes in the address (so "back" and bookmarks work), the name still does not.
    page.locator(".filter-more summary").click()
    page.get_by_label("Risk").select_option("medium")
    expect(page).to_have_url(f"{live_server.url}/cases/?risk_level=medium")
    expect(page.locator(".results-count")).to_have_text("26 cases")
    assert not [address for address in addresses if CHILD.lower() in address.lower()]

    # Back: the browser asks the server again (htmx keeps no copy of the page in the tab).
    page.go_back()
    expect(page).to_have_url(f"{live_server.url}/cases/")
    expect(page.locator(".results-count")).to_have_text(everyone)
    stored = page.evaluate("sessionStorage.getItem('htmx-history-cache')")
    assert stored is None or CHILD not in stored

    page.get_by_label("Search").fill(named_case.reference)
    page.get_by_role("link", name=named_case.reference).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(named_case.reference)
    assert blocked() == []


def test_the_api_docs_render_under_the_policy(
    page: Page, live_server: Any, demo: None, blocked: Callable[[], list[str]]
) -> None:
    sign_in(page, live_server.url, "worker")
    response = page.goto(f"{live_server.url}/api/docs/")
    assert response is not None
    assert "script-src 'self'" in (response.header_value("Content-Security-Policy") or "")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Upstream API")
    expect(page.locator(".opblock").first).to_be_visible()
    assert page.locator(".opblock").count() > 20
    assert blocked() == []
