"""The synthetic organisation: places, teams, staff, groups, the service directory and the policy.

Sizes follow from the number of users asked for: a few administrators, one partner account in
two hundred, and the rest in teams of about eight social workers and one supervisor, each team
covering the villages of one district.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field

from reviews.models import DEFAULT_INTERVALS

from . import pools
from .copying import FALSE, NULL, TRUE, Table, json_text
from .tables import Tables

AGENCY_NAME = "Upstream Synthetic Agency (synthetic)"
PARTNER_NAME = "Upstream Synthetic Partners (synthetic)"
EMAIL_DOMAIN = "synthetic.invalid"
WORKERS_PER_SUPERVISOR = 8


class Clock:
    """Dates as text, counted in days before `as_of` (negative: after it).

    Times fall in office hours in Phnom Penh (08:00 to 16:59, UTC+7 all year), stored in UTC,
    so a time's UTC date is its local date too.
    """

    PAST = 9500
    FUTURE = 500

    def __init__(self, as_of: datetime.date) -> None:
        self.as_of = as_of
        self._days = [
            (as_of - datetime.timedelta(days=ago)).isoformat()
            for ago in range(-self.FUTURE, self.PAST + 1)
        ]
        # Office hours; a later minute (a note written an hour after a meeting) stays at 16:59.
        self._times = [
            f" {1 + minute // 60:02d}:{minute % 60:02d}:00+00" for minute in range(540)
        ] + [" 09:59:00+00"] * 120

    def day(self, ago: int) -> str:
        return self._days[ago + self.FUTURE]

    def at(self, ago: int, minute: int) -> str:
        """A moment on the day `ago` days before as_of, `minute` minutes after 08:00."""
        return self._days[ago + self.FUTURE] + self._times[minute]


@dataclass
class Staff:
    id: int
    username: str
    email: str
    name: str
    phone: str


@dataclass
class TeamInfo:
    id: int
    index: int
    group_id: int
    supervisors: list[int] = field(default_factory=list)
    workers: list[int] = field(default_factory=list)
    villages: list[tuple[int, str]] = field(default_factory=list)  # (id, Latin name)


@dataclass(frozen=True)
class ServiceInfo:
    id: int
    kind_id: int
    kind_code: str


@dataclass
class World:
    organisation_id: int
    admin_group_id: int
    admins: list[int]
    teams: list[TeamInfo]
    staff: dict[int, Staff]
    services: list[ServiceInfo]
    # Who may chair reviews (supervisors and a few experienced workers), with their team.
    chairs: list[tuple[int, int]]
    usernames: dict[str, list[str]]


@dataclass(frozen=True)
class Sizes:
    administrators: int
    partners: int
    supervisors: int
    workers: int

    @classmethod
    def for_users(cls, users: int) -> Sizes:
        administrators = min(10, max(2, users // 1000))
        partners = users // 200
        rest = users - administrators - partners
        supervisors = max(2, round(rest / (WORKERS_PER_SUPERVISOR + 1)))
        return cls(administrators, partners, supervisors, rest - supervisors)


def _unique_places(rng: random.Random, count: int) -> list[tuple[str, str]]:
    """`count` different place names (Latin, Khmer), in a random order."""
    combos = [
        (f"{a} {b}", f"{a_km}{b_km}")
        for a, a_km in pools.PLACE_PREFIXES
        for b, b_km in pools.PLACE_SUFFIXES
    ]
    rng.shuffle(combos)
    names = list(combos)
    round_ = 2
    while len(names) < count:
        names += [(f"{latin} {round_}", f"{km} {round_}") for latin, km in combos]
        round_ += 1
    return names[:count]


def _full_name(rng: random.Random) -> tuple[str, str]:
    given = rng.choice(pools.GIVEN_FEMALE if rng.random() < 0.55 else pools.GIVEN_MALE)[0]
    return given, rng.choice(pools.FAMILY_NAMES)[0]


def build_world(
    *,
    rng: random.Random,
    clock: Clock,
    tables: Tables,
    users: int,
    password_hash: str,
    help_kinds: list[tuple[int, str]],
) -> World:
    """Write the organisation's rows into `tables` and describe it for the case generator."""
    sizes = Sizes.for_users(users)
    t = tables
    agency = t.organisation.new_id()
    partner_org = t.organisation.new_id()
    admin_group = t.group.new_id()
    t.group.add(str(admin_group), f"organisation-{agency}-administrators")
    t.organisation.add(
        str(agency), pools_safe(AGENCY_NAME), "agency", "Asia/Phnom_Penh", "en", TRUE,
        str(admin_group), FALSE, FALSE,
    )  # fmt: skip
    # Two-step sign-in is off in both, like the demo organisation: benchmarks sign in with a
    # password alone.
    t.organisation.add(
        str(partner_org), pools_safe(PARTNER_NAME), "partner", "Asia/Phnom_Penh", "km", TRUE,
        NULL, FALSE, FALSE,
    )  # fmt: skip
    t.review_policy.add(
        str(t.review_policy.new_id()),
        "1",
        json_text(DEFAULT_INTERVALS["high"]),
        json_text(DEFAULT_INTERVALS["medium"]),
        json_text(DEFAULT_INTERVALS["low"]),
        "90",
        "7",
        clock.at(400, 60),
        str(agency),
    )

    staff: dict[int, Staff] = {}
    usernames: dict[str, list[str]] = {}

    def add_user(role: str, username: str, organisation: int) -> int:
        user_id = t.user.new_id()
        first, last = _full_name(rng)
        email = f"{username}@{EMAIL_DOMAIN}"
        # Synthetic numbers in a range no Cambodian operator hands out (like the demo's).
        phone = f"000 {user_id // 1000 % 1000:03d} {user_id % 1000:03d}"
        t.user.add(
            str(user_id), password_hash, NULL, FALSE, username, first, last, email, FALSE, TRUE,
            clock.at(rng.randint(30, 2500), rng.randrange(540)), role, "", str(organisation),
            phone, "0",
        )  # fmt: skip
        staff[user_id] = Staff(user_id, username, email, f"{first} {last}", phone)
        usernames.setdefault(role, []).append(username)
        return user_id

    admins = [
        add_user("administrator", f"admin{n:02d}", agency)
        for n in range(1, sizes.administrators + 1)
    ]
    for admin in admins:
        t.user_groups.link(admin, admin_group)
    partners = [
        add_user("partner", f"partner{n:03d}", partner_org) for n in range(1, sizes.partners + 1)
    ]

    # Places: each team covers the villages of a few communes of one district.
    team_count = sizes.supervisors
    district_names: dict[str, list[tuple[str, str]]] = {}
    per_province = -(-team_count // len(pools.PROVINCES))
    for province in pools.PROVINCES:
        district_names[province] = _unique_places(rng, per_province)
    teams: list[TeamInfo] = []
    for index in range(team_count):
        province = pools.PROVINCES[index % len(pools.PROVINCES)]
        district = district_names[province][index // len(pools.PROVINCES)][0]
        group_id = t.group.new_id()
        team = TeamInfo(id=t.team.new_id(), index=index, group_id=group_id)
        t.group.add(str(group_id), f"team-{team.id}-supervisors")
        t.team.add(str(team.id), f"Team {index + 1:04d} - {district}", str(agency), str(group_id))
        communes = _unique_places(rng, rng.randint(2, 3))
        for commune, _commune_km in communes:
            for name, name_km in _unique_places(rng, rng.randint(3, 5)):
                village_id = t.village.new_id()
                t.village.add(str(village_id), name, name_km, commune, district, province)
                t.team_villages.link(team.id, village_id)
                team.villages.append((village_id, name))
        teams.append(team)

    for index, team in enumerate(teams):
        user_id = add_user("supervisor", f"supervisor{index + 1:04d}", agency)
        team.supervisors.append(user_id)
        t.team_supervisors.link(team.id, user_id)
        t.user_groups.link(user_id, team.group_id)
    for n in range(sizes.workers):
        team = teams[n % team_count]
        user_id = add_user("worker", f"worker{n + 1:05d}", agency)
        team.workers.append(user_id)
        t.team_members.link(team.id, user_id)

    # Designated intake workers: one in a hundred workers.
    for team in teams[: max(1, sizes.workers // 100)]:
        t.intake_worker.add(
            str(t.intake_worker.new_id()), clock.at(365, 60), str(admins[0]), str(agency),
            str(team.workers[0]),
        )  # fmt: skip

    chairs = [(team.supervisors[0], team.index) for team in teams]
    chairs += [(team.workers[-1], team.index) for team in teams if len(team.workers) > 4]

    services = _build_services(
        rng=rng, clock=clock, tables=t, teams=teams, agency=agency, partners=partners,
        help_kinds=help_kinds, count=max(len(help_kinds), users // 40),
    )  # fmt: skip
    return World(
        organisation_id=agency,
        admin_group_id=admin_group,
        admins=admins,
        teams=teams,
        staff=staff,
        services=services,
        chairs=chairs,
        usernames=usernames,
    )


def _build_services(
    *,
    rng: random.Random,
    clock: Clock,
    tables: Tables,
    teams: list[TeamInfo],
    agency: int,
    partners: list[int],
    help_kinds: list[tuple[int, str]],
    count: int,
) -> list[ServiceInfo]:
    t = tables
    services: list[ServiceInfo] = []
    for n in range(count):
        kind_id, kind_code = help_kinds[n % len(help_kinds)]
        team = teams[n % len(teams)]
        place = team.villages[0][1]
        name_pattern, provider_pattern = pools.SERVICE_NAMES.get(
            kind_code, ("Support service, {place}", "Community group of {place}")
        )
        service_id = t.service.new_id()
        contact, _family = _full_name(rng)
        t.service.add(
            str(service_id), "1", f"{name_pattern.format(place=place)} ({n + 1})",
            provider_pattern.format(place=place), "Free of charge for families referred to us.",
            f"The villages around {place}.", "Families with children under 18.", contact,
            f"000 {n // 1000 % 1000:03d} {n % 1000:03d}", f"Near the market of {place}.",
            TRUE if rng.random() < 0.95 else FALSE, clock.at(900, 60), clock.at(300, 60),
            str(agency),
        )  # fmt: skip
        t.service_kinds.link(service_id, kind_id)
        for village_id, _name in team.villages[: rng.randint(0, 4)]:
            t.service_villages.link(service_id, village_id)
        if partners and n < len(partners):
            t.service_partners.link(service_id, partners[n])
        services.append(ServiceInfo(service_id, kind_id, kind_code))
    return services


def pools_safe(text: str) -> str:
    """Constants written into COPY rows must not need escaping (pools.check_pools checks them)."""
    if any(c in text for c in "\t\n\r\\"):
        raise ValueError(text)
    return text


__all__ = ["Clock", "ServiceInfo", "Sizes", "Staff", "Table", "TeamInfo", "World", "build_world"]
