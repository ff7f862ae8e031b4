"""Shared test set-up: the fixed cast of users, CI's no-skip rule and the browser harness."""

from __future__ import annotations

import os
import shutil
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pluggy
import pytest

from casework.models import Case, Organisation, Team, User
from casework.services import organisation_sync_administrators, team_sync_groups
from casework.tests.factories import OrganisationFactory, TeamFactory, UserFactory, open_case

ARTIFACTS = Path(__file__).parent / "var" / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pluggy.Result[pytest.TestReport]]:
    """In CI a skipped test is a failure: what did not run was not verified."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"Skipped in CI, which counts as a failure: {report.longrepr}"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Only browser tests may run against a live server: a live-server test empties the
    database after itself, migrations' rows included, and would break the tests after it."""
    stray = [
        item.nodeid
        for item in items
        if "live_server" in getattr(item, "fixturenames", ())
        and item.get_closest_marker("e2e") is None
    ]
    if stray:
        raise pytest.UsageError(
            f"These tests use the live server without the e2e mark: {', '.join(stray[:5])}"
        )


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """Hashing every test user's password the production way would take most of the run."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- The fixed cast --------------------------------------------------------------------------
# Mirrors the demo logins: two teams of one organisation, an administrator and a partner.


@pytest.fixture
def organisation(db: None) -> Organisation:
    return OrganisationFactory.create(name="Synthetic Agency")


@pytest.fixture
def partner_organisation(db: None) -> Organisation:
    return OrganisationFactory.create(name="Synthetic Partner", kind=Organisation.Kind.PARTNER)


@pytest.fixture
def team_a(organisation: Organisation) -> Team:
    team = TeamFactory.create(name="Team A", organisation=organisation)
    team_sync_groups(team=team)
    return team


@pytest.fixture
def team_b(organisation: Organisation) -> Team:
    team = TeamFactory.create(name="Team B", organisation=organisation)
    team_sync_groups(team=team)
    return team


@pytest.fixture
def worker(team_a: Team) -> User:
    user = UserFactory.create(username="worker", organisation=team_a.organisation)
    team_a.members.add(user)
    return user


@pytest.fixture
def colleague(team_a: Team) -> User:
    user = UserFactory.create(username="colleague", organisation=team_a.organisation)
    team_a.members.add(user)
    return user


@pytest.fixture
def supervisor(team_a: Team) -> User:
    user = UserFactory.create(
        username="supervisor", organisation=team_a.organisation, role=User.Role.SUPERVISOR
    )
    team_a.supervisors.add(user)
    team_sync_groups(team=team_a)
    return user


@pytest.fixture
def outsider(team_b: Team) -> User:
    user = UserFactory.create(username="outsider", organisation=team_b.organisation)
    team_b.members.add(user)
    return user


@pytest.fixture
def chair(team_b: Team) -> User:
    user = UserFactory.create(
        username="chair", organisation=team_b.organisation, role=User.Role.SUPERVISOR
    )
    team_b.supervisors.add(user)
    team_sync_groups(team=team_b)
    return user


@pytest.fixture
def admin_user(organisation: Organisation) -> User:
    user = UserFactory.create(
        username="admin", organisation=organisation, role=User.Role.ADMINISTRATOR
    )
    organisation_sync_administrators(organisation=organisation)
    return user


@pytest.fixture
def partner(partner_organisation: Organisation) -> User:
    return UserFactory.create(
        username="partner", organisation=partner_organisation, role=User.Role.PARTNER
    )


@pytest.fixture
def cast(worker, colleague, supervisor, outsider, chair, admin_user, partner) -> dict[str, User]:
    """The whole fixed cast, by demo login name."""
    return {
        "worker": worker,
        "colleague": colleague,
        "supervisor": supervisor,
        "outsider": outsider,
        "chair": chair,
        "admin": admin_user,
        "partner": partner,
    }


@pytest.fixture
def case(cast: dict[str, User], team_a: Team) -> Case:
    """A case of team A allocated to `worker`, about one child, opened by the worker."""
    return open_case(team=team_a, worker=cast["worker"])


# --- Browser tests -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.skip(f"Browser tests need Chromium at {CHROMIUM} (apt-get install chromium)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
