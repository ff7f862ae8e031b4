from __future__ import annotations

import importlib
import io
import re
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from playwright.sync_api import Page, expect

DEMO_PASSWORD = "upstream-demo"


@pytest.fixture
def demo(transactional_db: None, settings: Any) -> None:
    """The synthetic demo organisation, as `make run` loads it.

    Live-server tests empty the database after each test, taking with them what migrations
    wrote (the need domains), so they are put back first, exactly as the migration writes them.
    """
    seed = importlib.import_module("assessments.migrations.0002_need_domains")
    seed.add_domains(django_apps, None)
    settings.DEBUG = True
    call_command("load_demo", verbosity=0, stdout=io.StringIO())
    settings.DEBUG = False


@pytest.fixture(autouse=True)
def screenshot_after(
    page: Page, request: pytest.FixtureRequest, artifacts: Path
) -> Generator[None]:
    """Keep a picture of how every browser test ended, pass or fail, for people to look at."""
    yield
    name = re.sub(r"[^\w.-]+", "_", request.node.name)
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)


def sign_in(page: Page, base_url: str, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(f"{base_url}/accounts/login/")
    # By field name, not label: the page may be in Khmer.
    form = page.locator("main form")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(password)
    form.locator("button[type=submit]").click()


def sign_in_with_code(
    page: Page, base_url: str, username: str, code: str, password: str = DEMO_PASSWORD
) -> None:
    """Sign in where two-step sign-in is on: the password, then the code the next page asks for."""
    sign_in(page, base_url, username, password)
    expect(page).to_have_url(re.compile(r"/accounts/verify/"))
    form = page.locator("main form[action$='/accounts/verify/']")
    form.locator("input[name=code]").fill(code)
    form.locator("button[type=submit]").click()


def open_folds(page: Page) -> None:
    """Spare form rows fold away on a phone; open them all to fill them in."""
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
