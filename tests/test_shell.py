"""The web shell: sign in and out, every page behind login, the base layout, languages."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from casework.middleware import UserPreferencesMiddleware
from casework.tests.factories import TEST_PASSWORD

# The only pages an anonymous visitor may reach (the API's token endpoint is its sign-in).
PUBLIC = {"login", "healthz", "language_switch", "api:token"}


def named_routes_without_arguments() -> list[str]:
    """Every named URL of the project that takes no argument, admin and API included."""
    found: list[str] = []

    def walk(patterns: list[URLPattern | URLResolver], namespace: str | None) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = namespace if pattern.namespace is None else pattern.namespace
                walk(pattern.url_patterns, inner)
            elif pattern.name and not pattern.pattern.regex.groups:
                found.append(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver().url_patterns, None)
    return sorted(set(found))


ROUTES = [name for name in named_routes_without_arguments() if name not in PUBLIC]


def test_the_route_walk_finds_the_pages():
    assert {"dashboard", "password_change", "logout", "admin:index", "api-schema"} <= set(ROUTES)


@pytest.mark.django_db
@pytest.mark.parametrize("name", ROUTES)
def test_it_requires_login_everywhere(client, name):
    url = reverse(name)
    response = client.get(url)
    if "api" in name.split(":")[0]:
        assert response.status_code in {401, 403}
    else:
        assert response.status_code == 302, url
        assert "/login/" in response["Location"]


@pytest.mark.django_db
def test_it_signs_in_and_shows_the_dashboard(client, worker, team_a):
    response = client.post(
        reverse("login"), {"username": "worker", "password": TEST_PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("dashboard")
    html = response.content.decode()
    assert worker.display_name in html
    assert "Team A" in html


@pytest.mark.django_db
def test_it_refuses_a_wrong_password_with_a_clear_message(client, worker):
    response = client.post(reverse("login"), {"username": "worker", "password": "wrong-one"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_the_header_shows_name_team_and_language_switcher(client, worker, team_a):
    client.force_login(worker)
    html = client.get(reverse("dashboard")).content.decode()
    assert 'class="who-name">' + worker.display_name in html
    assert "Team A" in html
    assert 'value="km"' in html
    assert "ខ្មែរ" in html
    assert "htmx.min.js" in html
    assert "X-CSRFToken" in html


@pytest.mark.django_db
def test_sign_out_ends_the_session(client, worker):
    client.force_login(worker)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("dashboard")).status_code == 302


@pytest.mark.django_db
def test_switching_to_khmer_translates_the_page_and_is_remembered(client, worker, team_a):
    client.force_login(worker)
    response = client.post(
        reverse("language_switch"), {"language": "km", "next": reverse("dashboard")}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
    html = client.get(reverse("dashboard")).content.decode()
    assert '<html lang="km"' in html
    assert "ចាកចេញ" in html  # "Sign out"
    worker.refresh_from_db()
    assert worker.language == "km"


@pytest.mark.django_db
def test_a_new_sign_in_uses_the_accounts_language(client, worker):
    worker.language = "km"
    worker.save()
    client.post(reverse("login"), {"username": "worker", "password": TEST_PASSWORD})
    html = client.get(reverse("dashboard")).content.decode()
    assert '<html lang="km"' in html


@pytest.mark.django_db
def test_the_language_switch_refuses_an_unknown_language_and_foreign_redirects(client, worker):
    client.force_login(worker)
    assert client.post(reverse("language_switch"), {"language": "xx"}).status_code == 400
    response = client.post(
        reverse("language_switch"), {"language": "en", "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("dashboard")


@pytest.mark.django_db
def test_password_change_requires_the_old_password_and_a_strong_new_one(client, worker):
    client.force_login(worker)
    response = client.post(
        reverse("password_change"),
        {"old_password": TEST_PASSWORD, "new_password1": "short", "new_password2": "short"},
    )
    assert response.status_code == 200
    assert "at least 12 characters" in response.content.decode()
    response = client.post(
        reverse("password_change"),
        {
            "old_password": TEST_PASSWORD,
            "new_password1": "river-mango-lantern-77",
            "new_password2": "river-mango-lantern-77",
        },
    )
    assert response.status_code == 302
    worker.refresh_from_db()
    assert worker.check_password("river-mango-lantern-77")


@pytest.mark.django_db
def test_times_are_shown_in_the_organisations_zone(rf, worker):
    worker.organisation.time_zone = "Asia/Bangkok"
    seen: list[str] = []

    def view(request):
        seen.append(timezone.get_current_timezone_name())
        return HttpResponse()

    request = rf.get("/")
    request.user = worker
    UserPreferencesMiddleware(view)(request)
    assert seen == ["Asia/Bangkok"]
    assert settings.USE_TZ  # stored in UTC
