"""The base layout in a real browser: sign in, switch language, use the menu on a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .conftest import sign_in

pytestmark = pytest.mark.e2e


def test_worker_signs_in_and_sees_the_dashboard(page: Page, live_server, demo):
    sign_in(page, live_server.url, "worker")
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Sophea Demo")
    expect(page.locator(".who-teams")).to_contain_text("Team A")
    expect(page.get_by_role("heading", name="Your teams")).to_be_visible()


def test_anonymous_visitor_is_sent_to_sign_in(page: Page, live_server, demo):
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to Upstream")


def test_switching_to_khmer_shows_khmer_text_in_a_khmer_font(page: Page, live_server, demo):
    sign_in(page, live_server.url, "worker")
    page.get_by_role("button", name="ខ្មែរ").click()
    expect(page.locator("html")).to_have_attribute("lang", "km")
    expect(page.get_by_role("heading", name="ក្រុមរបស់អ្នក")).to_be_visible()  # "Your teams"
    expect(page.get_by_role("button", name="ចាកចេញ", exact=True)).to_be_visible()  # "Sign out"
    # The vendored Noto Sans Khmer web font was fetched and is in use.
    page.wait_for_function("document.fonts.status === 'loaded'")
    assert page.evaluate("document.fonts.check('16px \"Noto Sans Khmer\"', 'ក្រុម')")
    loaded = page.evaluate(
        "[...document.fonts].filter(f => f.family.includes('Noto Sans Khmer')"
        " && f.status === 'loaded').length"
    )
    assert loaded >= 1
    # Remembered: signing out and in again keeps Khmer.
    page.get_by_role("button", name="ចាកចេញ", exact=True).click()
    sign_in(page, live_server.url, "worker")
    expect(page.locator("html")).to_have_attribute("lang", "km")


def test_a_phone_gets_a_usable_menu(page: Page, live_server, demo):
    page.set_viewport_size({"width": 360, "height": 740})
    sign_in(page, live_server.url, "worker")
    menu = page.get_by_role("button", name="Menu")
    expect(menu).to_be_visible()
    change_password = page.get_by_role("link", name="Change password")
    expect(change_password).to_be_hidden()
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(change_password).to_be_visible()
    box = change_password.bounding_box()
    assert box is not None
    assert box["height"] >= 44, "touch targets are at least 44 px high"
    # Nothing is wider than the phone's screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    change_password.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change your password")
