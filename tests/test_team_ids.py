"""A signed-in user's teams come with them as constants (casework.auth, issue 10).

The supervisor's team list reads its team's cases by the team index only when the team ids are
constants in the SQL; they are loaded with the user in the query that signs them in. A user
object from anywhere else (an API token, a task) falls back to the subquery, with the same
answer.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from casework.auth import UpstreamBackend
from casework.models import Case, Team, User
from casework.selectors import CaseFilters, Scope, caseload, team_ids_of
from casework.services import team_sync_groups
from casework.tests.factories import TeamFactory, UserFactory, open_case

pytestmark = pytest.mark.django_db


def ids(found: list[int] | Any) -> list[int]:
    return found if isinstance(found, list) else sorted(row["pk"] for row in found)


@pytest.fixture
def teams() -> dict[str, Team]:
    led: Team = TeamFactory.create(name="Led")
    joined: Team = TeamFactory.create(name="Joined", organisation=led.organisation)
    other: Team = TeamFactory.create(name="Other", organisation=led.organisation)
    return {"led": led, "joined": joined, "other": other}


def supervisor_of(teams: dict[str, Team]) -> User:
    user: User = UserFactory.create(
        organisation=teams["led"].organisation, role=User.Role.SUPERVISOR
    )
    teams["led"].supervisors.add(user)
    team_sync_groups(team=teams["led"])
    teams["joined"].members.add(user)
    return user


def test_the_signed_in_user_brings_their_team_ids(teams: dict[str, Team]) -> None:
    user = supervisor_of(teams)
    signed_in = UpstreamBackend().get_user(user.pk)
    assert signed_in is not None
    expected = sorted([teams["led"].pk, teams["joined"].pk])
    if connection.vendor == "postgresql":
        assert team_ids_of(signed_in) == expected
    # Loaded elsewhere (no annotation): the subquery, with the same teams.
    assert ids(team_ids_of(User.objects.get(pk=user.pk))) == expected


def test_without_teams_the_team_list_is_empty(teams: dict[str, Team]) -> None:
    loner: User = UserFactory.create(
        organisation=teams["led"].organisation, role=User.Role.SUPERVISOR
    )
    signed_in = UpstreamBackend().get_user(loner.pk)
    assert signed_in is not None
    assert ids(team_ids_of(signed_in)) == []
    assert list(caseload(signed_in, CaseFilters(scope=Scope.TEAM))) == []


def test_the_team_list_is_the_same_with_constants_or_a_subquery(teams: dict[str, Team]) -> None:
    user = supervisor_of(teams)
    worker: User = UserFactory.create(organisation=teams["led"].organisation)
    for team in teams.values():
        team.members.add(worker)
    cases = {name: open_case(team=team, worker=worker) for name, team in teams.items()}
    signed_in = UpstreamBackend().get_user(user.pk)
    assert signed_in is not None

    def listed(who: User) -> set[Case]:
        return set(caseload(who, CaseFilters(scope=Scope.TEAM)))

    assert listed(signed_in) == {cases["led"]}
    assert listed(User.objects.get(pk=user.pk)) == {cases["led"]}
