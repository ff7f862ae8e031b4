"""factory_boy factories for casework's records. All names are generated, never real."""

from __future__ import annotations

import datetime
from typing import Any

from factory.declarations import Sequence, SubFactory
from factory.django import DjangoModelFactory
from factory.faker import Faker
from factory.helpers import post_generation

from casework.models import Case, Organisation, Person, Team, User, Village

TEST_PASSWORD = "correct-horse-battery-42"


class OrganisationFactory(DjangoModelFactory[Organisation]):
    class Meta:
        model = Organisation
        django_get_or_create = ("name",)

    name = Sequence(lambda n: f"Synthetic Agency {n}")
    is_synthetic = True
    language = "en"
    # Off in tests, so force_login reaches the pages; tests/test_mfa.py turns it on. (The
    # model's default, and so production's, is on.)
    mfa_required = False
    mfa_for_everyone = False


class VillageFactory(DjangoModelFactory[Village]):
    class Meta:
        model = Village

    name = Sequence(lambda n: f"Village {n}")
    commune = "Commune One"
    district = "District One"
    province = "Province One"


class UserFactory(DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = Sequence(lambda n: f"user{n}")
    first_name = Faker("first_name")
    last_name = Faker("last_name")
    organisation = SubFactory(OrganisationFactory)
    role = User.Role.SOCIAL_WORKER

    @post_generation
    def password(obj: User, create: bool, extracted: str | None, **kwargs: Any) -> None:
        obj.set_password(extracted or TEST_PASSWORD)
        if create:
            obj.save(update_fields=["password"])


class TeamFactory(DjangoModelFactory[Team]):
    class Meta:
        model = Team

    name = Sequence(lambda n: f"Team {n}")
    organisation = SubFactory(OrganisationFactory)


def open_case(
    *,
    team: Team,
    worker: User,
    actor: User | None = None,
    family_name: str = "Synthetic Family",
    village: Village | None = None,
    children: int = 1,
    tier: str = "early",
    risk_level: str = "medium",
    covering_worker: User | None = None,
) -> Case:
    """Open a case through the real service, as a worker or supervisor would."""
    from casework.services import CaseData, PersonData, case_open

    village = village or VillageFactory.create()
    people = [
        PersonData(
            relationship=Person.Relationship.MOTHER,
            given_name_latin="Synthetic",
            family_name_latin=f"{family_name} Mother",
            sex=Person.Sex.FEMALE,
            estimated_age=34,
        )
    ]
    people += [
        PersonData(
            relationship=Person.Relationship.CHILD,
            given_name_latin=f"Child{i + 1}",
            family_name_latin=family_name,
            given_name_km="កូន",
            family_name_km="សាកល្បង",
            sex=Person.Sex.FEMALE if i % 2 else Person.Sex.MALE,
            date_of_birth=datetime.date(2015 + i, 3, 1 + i),
            school_status=Person.School.ENROLLED,
            concerned=True,
        )
        for i in range(children)
    ]
    return case_open(
        actor=actor or worker,
        data=CaseData(
            family_name=family_name,
            village_id=village.pk,
            tier=tier,
            risk_level=risk_level,
            team=team,
            worker=worker,
            covering_worker=covering_worker,
            people=people,
        ),
    )
