"""Reads that need scoping. Every list a user sees comes through a selector here.

The case lists (a worker's caseload, a supervisor's team, an administrator's organisation) all
start from `cases_visible_to`, so a filter or a search can only ever narrow what the door
already allows; they differ only in which of the visible cases they show by default.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, Q, QuerySet

from .access import cases_visible_to
from .models import AuditEvent, Case, Person, Team, User


def teams_of(user: User | AnonymousUser) -> QuerySet[Team]:
    """The teams a user works in, as member or supervisor."""
    if not user.is_authenticated:
        return Team.objects.none()
    # Two lookups by the user's own index, each a semi-join: joining both link tables and
    # then DISTINCT read every membership of the organisation (2 ms at 10,000 staff, on
    # every page), and its estimate misled the plans of the queries it sat in.
    member_of = Team.members.through.objects.filter(user_id=user.pk).values("team_id")
    supervising = Team.supervisors.through.objects.filter(user_id=user.pk).values("team_id")
    return Team.objects.filter(Q(pk__in=member_of) | Q(pk__in=supervising)).order_by("name")


def _loaded_ids(user: User, attribute: str) -> list[int] | None:
    """Ids loaded with the signed-in user (casework.auth.UpstreamBackend), or None."""
    loaded: list[int] | None = getattr(user, attribute, None)
    if loaded is None:
        return None
    return sorted({pk for pk in loaded if pk is not None})


def team_ids_of(user: User) -> list[int] | QuerySet[Team, Any]:
    """The ids of `user`'s teams: as constants where they were loaded with the signed-in user,
    else as a subquery. Constants let PostgreSQL estimate a team's cases and read them by the
    team index (a supervisor's list at 1M cases)."""
    members = _loaded_ids(user, "door_member_team_ids")
    supervised = _loaded_ids(user, "door_supervised_team_ids")
    if members is None or supervised is None:
        return teams_of(user).values("pk")
    return sorted({*members, *supervised})


def supervised_team_ids(user: User) -> list[int]:
    """The ids of the teams `user` supervises, loaded with them where they signed in."""
    loaded = _loaded_ids(user, "door_supervised_team_ids")
    if loaded is not None:
        return loaded
    return list(Team.objects.filter(supervisors=user).order_by("pk").values_list("pk", flat=True))


class Scope:
    MINE = "mine"
    TEAM = "team"
    ORGANISATION = "organisation"


def default_scope(user: User) -> str:
    if user.role == User.Role.ADMINISTRATOR:
        return Scope.ORGANISATION
    if user.role == User.Role.SUPERVISOR:
        return Scope.TEAM
    return Scope.MINE


def scopes_for(user: User) -> list[str]:
    """The lists a user can choose between, their own first."""
    if user.role == User.Role.ADMINISTRATOR:
        return [Scope.ORGANISATION]
    if user.role == User.Role.SUPERVISOR:
        return [Scope.TEAM, Scope.MINE]
    return [Scope.MINE, Scope.TEAM]


@dataclass(frozen=True)
class CaseFilters:
    scope: str = ""
    phase: str = ""
    tier: str = ""
    risk_level: str = ""
    village: int | None = None
    province: str = ""
    q: str = ""
    include_closed: bool = False


def _matches_term(term: str) -> Q:
    """A case whose reference, family name or any family member's name contains `term`."""
    person = Person.objects.filter(family=OuterRef("family")).filter(
        Q(given_name_km__icontains=term)
        | Q(family_name_km__icontains=term)
        | Q(given_name_latin__icontains=term)
        | Q(family_name_latin__icontains=term)
    )
    return Q(reference__icontains=term) | Q(family__family_name__icontains=term) | Q(Exists(person))


def caseload(user: User | AnonymousUser, filters: CaseFilters) -> QuerySet[Case]:
    """The cases a list page shows: visible to `user`, in the chosen scope, filtered, searched.

    One query for the rows (plus one prefetch for the children), however many cases there are.
    """
    cases = cases_visible_to(user)
    if not isinstance(user, User):
        return cases
    scope = filters.scope if filters.scope in scopes_for(user) else default_scope(user)
    if scope == Scope.MINE:
        cases = cases.filter(Q(worker=user) | Q(covering_worker=user))
    elif scope == Scope.TEAM:
        cases = cases.filter(team__in=team_ids_of(user))
    if filters.phase:
        cases = cases.filter(phase=filters.phase)
    elif not filters.include_closed:
        cases = cases.exclude(phase=Case.Phase.CLOSED)
    if filters.tier:
        cases = cases.filter(tier=filters.tier)
    if filters.risk_level:
        cases = cases.filter(risk_level=filters.risk_level)
    if filters.village is not None:
        cases = cases.filter(family__village_id=filters.village)
    if filters.province:
        cases = cases.filter(family__village__province=filters.province)
    for term in filters.q.split()[:5]:
        cases = cases.filter(_matches_term(term[:100]))
    return (
        cases.select_related("family__village", "team", "worker", "covering_worker")
        .prefetch_related("children")
        .order_by("-opened_on", "-pk")
    )


def case_audit_trail(case: Case) -> QuerySet[AuditEvent]:
    """Everything anybody did with this case, newest first (the 'who has opened this file')."""
    events: QuerySet[AuditEvent] = AuditEvent.objects.filter(case=case)
    return events.select_related("actor", "content_type").order_by("-timestamp", "-pk")
