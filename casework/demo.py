"""The synthetic demo organisation that `make run` loads. Every name here is invented."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from .models import Organisation, Team, User, Village
from .services import organisation_sync_administrators, team_sync_groups

DEMO_ORGANISATION = "Upstream Demo (synthetic)"
DEMO_PARTNER = "Riverside Community Services (synthetic)"

# (province, district, commune, village, village in Khmer)
DEMO_VILLAGES = [
    ("Kampong Speu", "Samraong Tong", "Trapeang Kong", "Prey Chheu", "ព្រៃឈើ"),
    ("Kampong Speu", "Samraong Tong", "Trapeang Kong", "Tuol Khpos", "ទួលខ្ពស់"),
    ("Kampong Speu", "Samraong Tong", "Roleang Chak", "Ou Thnong", "អូរថ្នង"),
    ("Takeo", "Bati", "Trapeang Sab", "Kouk Chan", "គោកចាន់"),
    ("Takeo", "Bati", "Trapeang Sab", "Srah Thmei", "ស្រះថ្មី"),
]


@dataclass(frozen=True)
class DemoLogin:
    username: str
    first_name: str
    last_name: str
    role: str
    team: str | None
    description: str


TEAM_A = "Team A — Samraong Tong"
TEAM_B = "Team B — Bati"

DEMO_LOGINS = [
    DemoLogin(
        "worker", "Sophea", "Demo", User.Role.SOCIAL_WORKER, TEAM_A, "social worker on team A"
    ),
    DemoLogin(
        "colleague",
        "Vannak",
        "Demo",
        User.Role.SOCIAL_WORKER,
        TEAM_A,
        "social worker on team A, not allocated to worker's cases",
    ),
    DemoLogin(
        "supervisor", "Chanthy", "Demo", User.Role.SUPERVISOR, TEAM_A, "supervisor of team A"
    ),
    DemoLogin(
        "outsider", "Rithy", "Demo", User.Role.SOCIAL_WORKER, TEAM_B, "social worker on team B"
    ),
    DemoLogin(
        "chair",
        "Bopha",
        "Demo",
        User.Role.SUPERVISOR,
        TEAM_B,
        "supervisor of team B, independent review chair for team A",
    ),
    DemoLogin(
        "admin",
        "Kosal",
        "Demo",
        User.Role.ADMINISTRATOR,
        None,
        "administrator of the demo organisation",
    ),
    DemoLogin(
        "partner", "Malis", "Demo", User.Role.PARTNER, None, "staff of an outside partner service"
    ),
]


@transaction.atomic
def demo_load(*, password: str) -> list[DemoLogin]:
    """Create or bring up to date the demo organisation. Running it twice changes nothing."""
    for name in (DEMO_ORGANISATION, DEMO_PARTNER):
        existing = Organisation.objects.filter(name=name, is_synthetic=False).first()
        if existing is not None:
            raise ImproperlyConfigured(
                f"An organisation called {name!r} exists and is not marked synthetic; "
                "the demo will not touch it."
            )
    organisation, _ = Organisation.objects.update_or_create(
        name=DEMO_ORGANISATION,
        defaults={
            "kind": Organisation.Kind.AGENCY,
            "is_synthetic": True,
            "time_zone": "Asia/Phnom_Penh",
            "language": "en",
        },
    )
    partner_org, _ = Organisation.objects.update_or_create(
        name=DEMO_PARTNER,
        defaults={"kind": Organisation.Kind.PARTNER, "is_synthetic": True, "language": "km"},
    )
    villages = []
    for province, district, commune, name, name_km in DEMO_VILLAGES:
        village, _ = Village.objects.update_or_create(
            province=province,
            district=district,
            commune=commune,
            name=name,
            defaults={"name_km": name_km},
        )
        villages.append(village)
    teams = {
        TEAM_A: Team.objects.get_or_create(organisation=organisation, name=TEAM_A)[0],
        TEAM_B: Team.objects.get_or_create(organisation=organisation, name=TEAM_B)[0],
    }
    teams[TEAM_A].villages.set(villages[:3])
    teams[TEAM_B].villages.set(villages[3:])

    members: dict[str, list[User]] = {TEAM_A: [], TEAM_B: []}
    supervisors: dict[str, list[User]] = {TEAM_A: [], TEAM_B: []}
    for login in DEMO_LOGINS:
        user, _ = User.objects.update_or_create(
            username=login.username,
            defaults={
                "first_name": login.first_name,
                "last_name": login.last_name,
                "role": login.role,
                "organisation": partner_org if login.role == User.Role.PARTNER else organisation,
                "email": f"{login.username}@demo.upstream.invalid",
                "is_active": True,
                "is_staff": False,
                "is_superuser": False,
            },
        )
        # Re-hashing an unchanged password would make every run write something new.
        if not user.check_password(password):
            user.set_password(password)
            user.save(update_fields=["password"])
        if login.team is not None:
            if login.role == User.Role.SUPERVISOR:
                supervisors[login.team].append(user)
            else:
                members[login.team].append(user)
    for name, team in teams.items():
        team.members.set(members[name])
        team.supervisors.set(supervisors[name])
        team_sync_groups(team=team)
    organisation_sync_administrators(organisation=organisation)
    return DEMO_LOGINS
