"""The set-up screens are for superusers only, and the sign-in page is the one for everybody."""

from __future__ import annotations

import pytest
from django.urls import reverse

from casework.models import User
from casework.tests.factories import UserFactory
from tests.mfa_sessions import sign_in_verified


@pytest.mark.django_db
def test_a_superuser_manages_organisations_teams_and_users(client):
    root = UserFactory.create(username="root", organisation=None, is_superuser=True, is_staff=True)
    sign_in_verified(client, root)
    for name in ("organisation", "team", "user", "village"):
        response = client.get(reverse(f"admin:casework_{name}_changelist"))
        assert response.status_code == 200, name


@pytest.mark.django_db
def test_staff_status_alone_does_not_open_the_admin(client, admin_user):
    admin_user.is_staff = True
    admin_user.save()
    client.force_login(admin_user)
    response = client.get(reverse("admin:casework_team_changelist"), follow=True)
    assert response.status_code == 404


@pytest.mark.django_db
def test_the_admin_login_goes_to_the_one_sign_in_page(client):
    response = client.get(reverse("admin:login") + "?next=/setup/")
    assert response.status_code == 302
    assert response["Location"] == reverse("login") + "?next=/setup/"


@pytest.mark.django_db
def test_team_members_must_belong_to_the_teams_organisation(client, team_a, partner, outsider):
    from casework.admin import TeamAdminForm
    from casework.tests.factories import OrganisationFactory

    other = UserFactory.create(username="elsewhere", organisation=OrganisationFactory.create())
    form = TeamAdminForm(
        data={
            "name": "Team A",
            "organisation": team_a.organisation.pk,
            "members": [other.pk, partner.pk, outsider.pk],
        },
        instance=team_a,
    )
    assert not form.is_valid()
    messages = str(form.errors["members"])
    assert "works for another organisation" in messages
    assert User.objects.get(pk=outsider.pk).teams.filter(pk=team_a.pk).count() == 0
