"""The synthetic demo organisation that `make run` loads. Every name here is invented.

Besides the organisation, its teams and the demo logins, the demo holds twelve cases spread over
both teams and every phase of the case management cycle, each with a family, home visits (signed
and draft) and a few addenda. They are written through the services, exactly as a worker would
write them, so their grants and audit trail are real.
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from .concerns import ensure_default_concerns
from .demo_data import DEMO_CASES, PLACES, TEAM_A, TEAM_B, DemoCase
from .models import Case, ConcernCategory, Family, Organisation, Team, User, Village
from .services import (
    CaseData,
    ChildSeen,
    PersonData,
    case_open,
    case_transition,
    organisation_sync_administrators,
    team_sync_groups,
    visit_addendum_add,
    visit_record,
)

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


# --- The demo cases ----------------------------------------------------------------------------


def _visit_time(days_ago: int, hour: int, zone: zoneinfo.ZoneInfo) -> datetime.datetime:
    """A visit `days_ago` days before today, at `hour` local time (always in the past)."""
    day = timezone.localdate(timezone=zone) - datetime.timedelta(days=days_ago)
    return datetime.datetime.combine(day, datetime.time(hour, 30), tzinfo=zone)


def _load_case(
    spec: DemoCase,
    *,
    users: dict[str, User],
    teams: dict[str, Team],
    villages: dict[str, Village],
    zone: zoneinfo.ZoneInfo,
) -> Case:
    today = timezone.localdate(timezone=zone)
    team = teams[spec.team]
    village = villages[spec.village]
    if not team.villages.filter(pk=village.pk).exists():
        raise ImproperlyConfigured(f"{spec.village} is not one of {spec.team}'s villages.")
    people = [
        PersonData(
            relationship=p.relationship,
            given_name_km=p.given_km,
            family_name_km=p.family_km,
            given_name_latin=p.given_latin,
            family_name_latin=p.family_latin,
            sex=p.sex,
            date_of_birth=(
                today - datetime.timedelta(days=p.born_days_ago)
                if p.born_days_ago is not None
                else None
            ),
            estimated_age=p.estimated_age,
            disability=p.disability,
            school_status=p.school,
            concerned=p.concerned,
        )
        for p in spec.people
    ]
    case = case_open(
        actor=users[spec.opened_by],
        data=CaseData(
            family_name=spec.family_name,
            village_id=village.pk,
            tier=spec.tier,
            risk_level=spec.risk_level,
            team=team,
            worker=users[spec.worker],
            covering_worker=users[spec.covering] if spec.covering else None,
            people=people,
            address_notes=spec.address_notes,
            languages=spec.languages,
            opened_on=today - datetime.timedelta(days=spec.opened_days_ago),
            reason=spec.reason,
            concerns=list(ConcernCategory.objects.filter(code__in=spec.concerns)),
        ),
    )
    children = {person.given_name_latin: person.pk for person in case.children.all()}
    for index, visit_spec in enumerate(spec.visits):
        unknown = set(visit_spec.seen) - set(children)
        if unknown:
            raise ImproperlyConfigured(f"{spec.family_name}: {unknown} are not case children.")
        occurred_at = _visit_time(visit_spec.days_ago, 8 + (index * 3) % 9, zone)
        place = PLACES.get(visit_spec.kind, "").format(village=village.name)
        visit = visit_record(
            actor=users[visit_spec.author],
            case=case,
            data={
                "occurred_at": occurred_at,
                "kind": visit_spec.kind,
                "place": place,
                "present": visit_spec.present,
                "observations": visit_spec.observations,
                "family_words": visit_spec.family_words,
                "child_words": visit_spec.child_words,
                "agreed": visit_spec.agreed,
                "next_visit_on": (
                    occurred_at.date() + datetime.timedelta(days=visit_spec.next_in_days)
                    if visit_spec.next_in_days is not None
                    else None
                ),
            },
            children=[
                ChildSeen(
                    child_id=child_id,
                    seen=name in visit_spec.seen,
                    seen_alone=name in visit_spec.alone,
                )
                for name, child_id in children.items()
            ],
            sign=visit_spec.signed,
        )
        for author, text in visit_spec.addenda:
            visit_addendum_add(actor=users[author], case=case, visit=visit, text=text)
    for phase, reason in spec.path:
        if phase == Case.Phase.CLOSED and case.phase in (
            Case.Phase.INTERVENTION,
            Case.Phase.FOLLOW_UP,
        ):
            # Once work with the family began, a case closes through a signed review and a
            # closure record: the reviews app's demo writes that part of the story.
            break
        case = case_transition(actor=users[spec.worker], case=case, to=phase, reason=reason)
    return case


def demo_cases_load(*, organisation: Organisation, users: dict[str, User]) -> list[Case]:
    """The demo's cases, each written once: a family already in the organisation is skipped."""
    if not organisation.is_synthetic:
        raise ImproperlyConfigured("Demo cases go only into a synthetic organisation.")
    existing = set(
        Family.objects.filter(organisation=organisation).values_list("family_name", flat=True)
    )
    missing = [spec for spec in DEMO_CASES if spec.family_name not in existing]
    if not missing:
        return []
    teams = {team.name: team for team in Team.objects.filter(organisation=organisation)}
    villages = {
        village.name: village
        for village in Village.objects.filter(teams__organisation=organisation).distinct()
    }
    zone = zoneinfo.ZoneInfo(organisation.time_zone)
    return [
        _load_case(spec, users=users, teams=teams, villages=villages, zone=zone) for spec in missing
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
            # The only organisations without two-step sign-in: the README's demo logins work
            # with a password alone.
            "mfa_required": False,
            "mfa_for_everyone": False,
        },
    )
    partner_org, _ = Organisation.objects.update_or_create(
        name=DEMO_PARTNER,
        defaults={
            "kind": Organisation.Kind.PARTNER,
            "is_synthetic": True,
            "language": "km",
            "mfa_required": False,
            "mfa_for_everyone": False,
        },
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

    users: dict[str, User] = {}
    members: dict[str, list[User]] = {TEAM_A: [], TEAM_B: []}
    supervisors: dict[str, list[User]] = {TEAM_A: [], TEAM_B: []}
    # Hashing is slow on purpose, so the demo hashes its one shared, published password once
    # and checks each distinct stored hash once: loading stays fast, re-running stays a no-op.
    encoded: str | None = None
    is_demo_password: dict[str, bool] = {}
    for index, login in enumerate(DEMO_LOGINS, start=1):
        user, created = User.objects.update_or_create(
            username=login.username,
            defaults={
                "first_name": login.first_name,
                "last_name": login.last_name,
                "role": login.role,
                "organisation": partner_org if login.role == User.Role.PARTNER else organisation,
                # Not "upstream": the demo password would then be "too similar to the e-mail".
                "email": f"{login.username}@demo.invalid",
                # Synthetic numbers in a range no Cambodian operator hands out.
                "phone": f"000 {index:03d} 000",
                "is_active": True,
                "is_staff": False,
                "is_superuser": False,
            },
        )
        # Re-hashing an unchanged password would make every run write something new.
        stored = user.password
        if not created and stored not in is_demo_password:
            is_demo_password[stored] = user.check_password(password)
        if created or not is_demo_password[stored]:
            encoded = encoded or make_password(password)
            user.password = encoded
            user.save(update_fields=["password"])
        users[login.username] = user
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
    ensure_default_concerns(ConcernCategory)
    demo_cases_load(organisation=organisation, users=users)
    cases = list(
        Case.objects.filter(team__organisation=organisation)
        .select_related("family", "team", "worker")
        .order_by("pk")
    )
    for extension in _demo_extensions:
        extension(organisation, users, cases)
    return DEMO_LOGINS


# Phase apps add their part of the demo (assessments, plans, reviews...) for the demo cases,
# registered from their AppConfig.ready(); each must be safe to run twice.
DemoExtension = Callable[[Organisation, dict[str, User], list[Case]], None]
_demo_extensions: list[DemoExtension] = []


def register_demo_extension(extension: DemoExtension) -> None:
    if extension not in _demo_extensions:
        _demo_extensions.append(extension)
