"""The session-timeout warning in a real browser, with the limits cut to seconds."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from casework.models import User
from casework.tests.factories import TEST_PASSWORD

from .conftest import sign_in

pytestmark = pytest.mark.e2e


def test_the_page_warns_a_minute_before_and_stay_signed_in_extends(
    page: Page, live_server: Any, transactional_db: None, settings: Any, worker: User
):
    # 65 seconds with a warning at 60: the dialog is due five seconds after signing in.
    settings.SESSION_IDLE_TIMEOUT_SECONDS = 65
    sign_in(page, live_server.url, "worker", TEST_PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    dialog = page.get_by_role("dialog", name="Are you still there?")
    expect(dialog).to_be_hidden()

    expect(dialog).to_be_visible(timeout=15_000)
    expect(dialog).to_contain_text("you will be signed out soon")
    with page.expect_response(lambda r: r.url.endswith("/accounts/session/extend/")) as answer:
        dialog.get_by_role("button", name="Stay signed in").click()

    assert answer.value.status == 200
    assert answer.value.json()["remaining"] > 60
    expect(dialog).to_be_hidden()
    expect(page).to_have_url(f"{live_server.url}/")  # still on the page, still signed in


def test_when_time_runs_out_the_page_goes_to_sign_in_and_says_why(
    page: Page, live_server: Any, transactional_db: None, settings: Any, worker: User
):
    settings.SESSION_IDLE_TIMEOUT_SECONDS = 4
    settings.SESSION_WARNING_SECONDS = 3
    sign_in(page, live_server.url, "worker", TEST_PASSWORD)
    expect(page.get_by_role("dialog", name="Are you still there?")).to_be_visible(timeout=10_000)

    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=(/|%2F)$"), timeout=15_000)
    expect(page.get_by_role("status")).to_contain_text("You were signed out after")
    expect(page.get_by_role("status")).to_contain_text("without activity.")
