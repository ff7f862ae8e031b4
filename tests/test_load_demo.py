from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from casework.models import Organisation, Team, User


def snapshot() -> dict[str, object]:
    return {
        "organisations": sorted(Organisation.objects.values_list("name", "kind", "is_synthetic")),
        "teams": sorted(
            (
                team.name,
                sorted(u.username for u in team.members.all()),
                sorted(u.username for u in team.supervisors.all()),
            )
            for team in Team.objects.all()
        ),
        "users": sorted(
            User.objects.exclude(username="AnonymousUser").values_list(
                "username", "role", "organisation__name", "password"
            )
        ),
    }


@pytest.mark.django_db
def test_it_creates_the_demo_cast(settings):
    settings.DEBUG = True
    call_command("load_demo")
    usernames = set(User.objects.values_list("username", flat=True))
    expected = {"worker", "colleague", "supervisor", "outsider", "chair", "admin", "partner"}
    assert expected <= usernames
    team_a = Team.objects.get(name__startswith="Team A")
    team_b = Team.objects.get(name__startswith="Team B")
    assert {u.username for u in team_a.members.all()} == {"worker", "colleague"}
    assert {u.username for u in team_a.supervisors.all()} == {"supervisor"}
    assert {u.username for u in team_b.members.all()} == {"outsider"}
    assert {u.username for u in team_b.supervisors.all()} == {"chair"}
    partner = User.objects.select_related("organisation").get(username="partner")
    assert partner.organisation is not None
    assert partner.organisation.kind == Organisation.Kind.PARTNER
    assert User.objects.get(username="worker").check_password("upstream-demo")
    assert not User.objects.filter(is_superuser=True).exists()
    assert all(org.is_synthetic for org in Organisation.objects.all())


@pytest.mark.django_db
def test_it_is_idempotent(settings):
    settings.DEBUG = True
    call_command("load_demo")
    first = snapshot()
    call_command("load_demo")
    assert snapshot() == first


@pytest.mark.django_db
def test_it_uses_the_demo_password_from_the_environment(settings, monkeypatch):
    settings.DEBUG = True
    monkeypatch.setenv("DEMO_PASSWORD", "another-demo-password")
    call_command("load_demo")
    assert User.objects.get(username="chair").check_password("another-demo-password")


@pytest.mark.django_db
def test_it_refuses_to_run_with_debug_off_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("load_demo")
    assert not User.objects.filter(username="worker").exists()
    call_command("load_demo", "--force")
    assert User.objects.filter(username="worker").exists()


@pytest.mark.django_db
def test_it_never_touches_a_real_organisation_of_the_same_name(settings):
    settings.DEBUG = True
    Organisation.objects.create(name="Upstream Demo (synthetic)", is_synthetic=False)
    with pytest.raises(Exception, match="not marked synthetic"):
        call_command("load_demo")
    assert not User.objects.filter(username="worker").exists()
