"""Sessions that end: idle and absolute limits, sign out everywhere, and API tokens that expire.

Time travel moves the times the session keeps (or a token's issue time) into the past, rather
than waiting.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from casework.models import AuditEvent, User
from casework.sessions import LAST_ACTIVITY, LOGIN_AT, REMAINING_HEADER
from casework.tests.factories import TEST_PASSWORD, UserFactory
from tests.mfa_sessions import sign_in_verified

Event = AuditEvent.Event
BACKGROUND = {"X-Upstream-Background": "1"}
NEW_PASSWORD = "river-mango-lantern-77"


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def move_back(client: Client, seconds: int, *keys: str) -> None:
    """Pretend the session's clocks started `seconds` earlier."""
    session = client.session
    for key in keys or (LAST_ACTIVITY,):
        session[key] = session[key] - seconds
    session.save()


def is_signed_in(client: Client) -> bool:
    response = client.get(reverse("dashboard"))
    if response.status_code == 200:
        return True
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    return False


def logouts(user: User) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(event=Event.LOGOUT, object_pk=str(user.pk)).order_by("pk")
    )


def api_client(token: Token | str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


# --- Signing in ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_signing_in_gives_a_new_session_key(worker: User):
    client = Client()
    before = client.session  # a session from before signing in (say, a language choice)
    before["remembered"] = "yes"
    before.save()
    old_key = before.session_key

    response = client.post(
        reverse("login"), {"username": "worker", "password": TEST_PASSWORD}, follow=True
    )

    assert response.status_code == 200
    assert response.context["user"] == worker
    new_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert new_key != old_key
    assert not Session.objects.filter(session_key=old_key).exists()
    # Both clocks start at sign-in.
    session = client.session
    assert session[LOGIN_AT] == session[LAST_ACTIVITY]
    assert abs(session[LOGIN_AT] - timezone.now().timestamp()) < 60


# --- Idle timeout ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_idle_session_ends_after_30_minutes_and_says_why(worker: User):
    assert settings.SESSION_IDLE_TIMEOUT_SECONDS == 30 * 60
    client = signed_in(worker)
    move_back(client, 29 * 60)
    assert is_signed_in(client)  # 29 minutes: still there (and that request was activity)

    move_back(client, 31 * 60)
    response = client.get(reverse("case_list"), follow=True)

    assert response.redirect_chain[-1][0].startswith(reverse("login"))
    assert "You were signed out after 30 minutes without activity." in response.content.decode()
    (event,) = logouts(worker)
    assert (event.actor_id, event.reason) == (worker.pk, "idle")
    assert not is_signed_in(client)


@pytest.mark.django_db
def test_background_polls_do_not_keep_a_session_alive(worker: User):
    client = signed_in(worker)
    move_back(client, 29 * 60)
    stored = client.session[LAST_ACTIVITY]

    # The bell polls with the background header: answered, but not counted as activity.
    response = client.get(reverse("notification_count"), headers=BACKGROUND)
    assert response.status_code == 200
    assert client.session[LAST_ACTIVITY] == stored
    assert 55 <= int(response[REMAINING_HEADER]) <= 60

    move_back(client, 2 * 60)
    assert client.get(reverse("notification_count"), headers=BACKGROUND).status_code == 302
    assert [e.reason for e in logouts(worker)] == ["idle"]


@pytest.mark.django_db
def test_the_polling_elements_say_they_are_background_requests(worker: User):
    html = signed_in(worker).get(reverse("dashboard")).content.decode()
    bell_url = reverse("notification_count")
    (bell,) = re.findall(rf"<span hx-get=\"{bell_url}\"[^>]*>", html)
    assert 'hx-headers=\'{"X-Upstream-Background": "1"}\'' in bell
    status_page = (settings.BASE_DIR / "templates/reports/export_status.html").read_text()
    (poll,) = re.findall(r"hx-trigger=\"every 2s\"[^>]*", status_page)
    assert "X-Upstream-Background" in poll


@pytest.mark.django_db
def test_a_request_the_user_makes_restarts_the_idle_clock(worker: User):
    client = signed_in(worker)
    move_back(client, 29 * 60)
    response = client.get(reverse("case_list"))
    assert response.status_code == 200
    assert int(response[REMAINING_HEADER]) >= 30 * 60 - 5
    move_back(client, 29 * 60)
    assert is_signed_in(client)


@pytest.mark.django_db
def test_stay_signed_in_extends_the_session(worker: User):
    client = signed_in(worker)
    move_back(client, 29 * 60 + 30)
    status = client.get(reverse("session_status"), headers=BACKGROUND).json()
    assert status["signed_in"]
    assert status["limit"] == "idle"
    assert 25 <= status["remaining"] <= 30  # the dialog's minute has begun

    response = client.post(reverse("session_extend"), HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    assert response.json()["remaining"] >= 30 * 60 - 5
    move_back(client, 29 * 60)
    assert is_signed_in(client)


@pytest.mark.django_db
def test_stay_signed_in_without_javascript_goes_back_to_the_page(worker: User):
    client = signed_in(worker)
    move_back(client, 29 * 60 + 30)
    response = client.post(reverse("session_extend"), {"next": reverse("case_list")})
    assert response.status_code == 302
    assert response["Location"] == reverse("case_list")
    response = client.post(reverse("session_extend"), {"next": "https://evil.example/"})
    assert response["Location"] == reverse("dashboard")


@pytest.mark.django_db
def test_an_expired_session_cannot_be_extended(worker: User):
    client = signed_in(worker)
    move_back(client, 31 * 60)
    response = client.post(reverse("session_extend"), HTTP_ACCEPT="application/json")
    assert response.status_code == 302  # to the login page, like any page once signed out
    assert response["Location"].startswith(reverse("login"))
    assert not is_signed_in(client)
    assert client.get(reverse("session_status"), headers=BACKGROUND).status_code == 302


# --- Absolute lifetime -----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_session_ends_12_hours_after_signing_in_however_busy(worker: User):
    assert settings.SESSION_ABSOLUTE_LIFETIME_SECONDS == 12 * 60 * 60
    client = signed_in(worker)
    move_back(client, 12 * 60 * 60 - 20, LOGIN_AT)
    response = client.get(reverse("case_list"))  # busy a moment ago, and now
    assert response.status_code == 200
    assert int(response[REMAINING_HEADER]) <= 20
    status = client.get(reverse("session_status"), headers=BACKGROUND).json()
    assert status["limit"] == "absolute"
    # "Stay signed in" cannot move the absolute limit.
    assert (
        client.post(reverse("session_extend"), HTTP_ACCEPT="application/json").json()["remaining"]
        <= 20
    )

    move_back(client, 30, LOGIN_AT)
    response = client.get(reverse("case_list"), follow=True)

    assert "You were signed out because you signed in 12 hours ago." in response.content.decode()
    assert [e.reason for e in logouts(worker)] == ["absolute"]
    assert not is_signed_in(client)


# --- The warning on the page -----------------------------------------------------------------


@pytest.mark.django_db
def test_pages_carry_the_session_timer_and_the_warning_dialog(worker: User):
    client = signed_in(worker)
    move_back(client, 10 * 60, LOGIN_AT)
    html = client.get(reverse("case_list")).content.decode()

    (body,) = re.findall(r"<body[^>]*>", html)
    remaining = int(re.findall(r'data-session-remaining="(\d+)"', body)[0])
    assert 30 * 60 - 5 <= remaining <= 30 * 60
    assert 'data-session-warning="60"' in body
    assert 'data-session-limit="idle"' in body
    assert "/static/js/session.js" in html
    (dialog,) = re.findall(r"<dialog.*?</dialog>", html, re.S)
    assert 'id="session-dialog"' in dialog
    assert f'data-status-url="{reverse("session_status")}"' in dialog
    assert f'action="{reverse("session_extend")}"' in dialog
    assert "Stay signed in" in dialog
    assert "Sign out" in dialog
    assert 'name="csrfmiddlewaretoken"' in dialog
    # The strict Content-Security-Policy allows neither inline scripts nor inline styles.
    assert "<script>" not in html
    assert "style=" not in dialog


@pytest.mark.django_db
def test_the_sign_in_page_has_no_session_timer(worker: User):
    html = Client().get(reverse("login")).content.decode()
    assert "data-session-remaining" not in html
    assert "<dialog" not in html
    assert "session.js" not in html


# --- Sign out everywhere ---------------------------------------------------------------------


@pytest.mark.django_db
def test_sign_out_everywhere_ends_every_session_and_token(worker: User, colleague: User):
    laptop, phone, other_user = signed_in(worker), signed_in(worker), signed_in(colleague)
    token = Token.objects.create(user=worker)
    assert api_client(token).get("/api/v1/cases/").status_code == 200
    assert "Sign out everywhere" in laptop.get(reverse("dashboard")).content.decode()

    response = laptop.post(reverse("sign_out_everywhere"), follow=True)

    assert response.redirect_chain[-1][0] == reverse("login")
    assert "You are signed out on every device and browser" in response.content.decode()
    assert not is_signed_in(laptop)
    assert not is_signed_in(phone)
    assert not Token.objects.filter(user=worker).exists()
    assert api_client(token).get("/api/v1/cases/").status_code == 401
    assert is_signed_in(other_user)  # only the worker's own sessions end
    reasons = [e.reason for e in logouts(worker)]
    assert reasons == ["signed out everywhere", "signed out everywhere"]
    # Signing in again works as before.
    again = Client()
    again.force_login(User.objects.get(pk=worker.pk))
    assert is_signed_in(again)


# --- Password change -------------------------------------------------------------------------


@pytest.mark.django_db
def test_changing_the_password_ends_the_other_sessions_but_not_this_one(worker: User):
    here, elsewhere = signed_in(worker), signed_in(worker)
    Token.objects.create(user=worker)

    response = here.post(
        reverse("password_change"),
        {
            "old_password": TEST_PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )

    assert response.status_code == 302
    assert is_signed_in(here)
    assert not is_signed_in(elsewhere)
    assert not Token.objects.filter(user=worker).exists()
    assert [e.reason for e in logouts(worker)] == ["password changed"]


@pytest.mark.django_db
def test_a_password_set_by_the_administrator_ends_the_users_sessions(worker: User):
    root = UserFactory.create(username="root", organisation=None, is_superuser=True, is_staff=True)
    setup = sign_in_verified(Client(), root)
    workers_browser = signed_in(worker)
    Token.objects.create(user=worker)

    response = setup.post(
        reverse("admin:auth_user_password_change", args=[worker.pk]),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )

    assert response.status_code == 302, response.content
    assert not is_signed_in(workers_browser)
    assert not Token.objects.filter(user=worker).exists()
    assert is_signed_in(setup)
    (event,) = logouts(worker)
    assert (event.actor_id, event.reason) == (root.pk, "password changed")


# --- Deactivation ----------------------------------------------------------------------------


def _user_change_form(user: User, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "date_joined_0": user.date_joined.date().isoformat(),
        "date_joined_1": "09:00:00",
        "organisation": user.organisation_id,
        "role": user.role,
        "language": user.language,
        "phone": user.phone,
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


@pytest.mark.django_db
def test_deactivating_an_account_ends_its_sessions_and_tokens(worker: User, colleague: User):
    root = UserFactory.create(username="root", organisation=None, is_superuser=True, is_staff=True)
    setup = sign_in_verified(Client(), root)
    workers_browser, colleagues_browser = signed_in(worker), signed_in(colleague)
    token = Token.objects.create(user=worker)
    url = reverse("admin:casework_user_change", args=[worker.pk])

    # Saving the account unchanged ends nothing.
    response = setup.post(url, _user_change_form(worker))
    assert response.status_code == 302, response.content
    assert is_signed_in(workers_browser)

    response = setup.post(url, _user_change_form(worker, is_active=None))

    assert response.status_code == 302, response.content
    assert not User.objects.get(pk=worker.pk).is_active
    assert not is_signed_in(workers_browser)
    assert not Token.objects.filter(user=worker).exists()
    assert api_client(token).get("/api/v1/cases/").status_code == 401
    assert is_signed_in(colleagues_browser)
    (event,) = logouts(worker)
    assert (event.actor_id, event.reason) == (root.pk, "deactivated")

    # Put back in use, the account signs in afresh: the old sessions stay ended.
    response = setup.post(url, _user_change_form(User.objects.get(pk=worker.pk)))
    assert response.status_code == 302, response.content
    assert User.objects.get(pk=worker.pk).is_active
    assert not is_signed_in(workers_browser)
    assert is_signed_in(signed_in(User.objects.get(pk=worker.pk)))


@pytest.mark.django_db
def test_an_inactive_account_cannot_sign_in_or_keep_a_session(worker: User, rf: Any):
    browser = signed_in(worker)
    # Even deactivated some other way (no service ran), its session and token are refused.
    token = Token.objects.create(user=worker)
    User.objects.filter(pk=worker.pk).update(is_active=False)

    assert not is_signed_in(browser)
    assert api_client(token).get("/api/v1/cases/").status_code == 401
    request = rf.post(reverse("login"))
    assert authenticate(request, username="worker", password=TEST_PASSWORD) is None
    response = Client().post(reverse("login"), {"username": "worker", "password": TEST_PASSWORD})
    assert response.status_code == 200  # the form again, not signed in
    assert "_auth_user_id" not in response.wsgi_request.session


# --- API tokens ------------------------------------------------------------------------------


def _issued_hours_ago(token: Token, hours: float) -> None:
    Token.objects.filter(pk=token.pk).update(
        created=timezone.now() - datetime.timedelta(hours=hours)
    )


@pytest.mark.django_db
def test_an_expired_token_is_refused_with_a_clear_message_and_deleted(worker: User):
    assert settings.API_TOKEN_LIFETIME_HOURS == 12
    token = Token.objects.create(user=worker)
    _issued_hours_ago(token, 11.9)
    assert api_client(token).get("/api/v1/cases/").status_code == 200

    _issued_hours_ago(token, 12.1)
    response = api_client(token).get("/api/v1/cases/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")
    assert "This token has expired" in response.json()["detail"]
    assert not Token.objects.filter(pk=token.pk).exists()


@pytest.mark.django_db
def test_asking_for_a_token_again_replaces_an_expired_one(worker: User):
    def ask() -> str:
        response = APIClient().post(
            "/api/v1/auth/token/", {"username": "worker", "password": TEST_PASSWORD}, format="json"
        )
        assert response.status_code == 200, response.content
        return str(response.json()["token"])

    first = ask()
    assert ask() == first  # the same token while it lasts
    _issued_hours_ago(Token.objects.get(key=first), 13)

    second = ask()

    assert second != first
    assert list(Token.objects.filter(user=worker).values_list("key", flat=True)) == [second]
    assert api_client(second).get("/api/v1/cases/").status_code == 200


@pytest.mark.django_db
def test_a_token_can_be_revoked_by_its_holder(worker: User, colleague: User):
    token = Token.objects.create(user=worker)
    others = Token.objects.create(user=colleague)
    client = api_client(token)

    response = client.post("/api/v1/auth/token/revoke/")

    assert response.status_code == 204
    assert not Token.objects.filter(user=worker).exists()
    assert client.get("/api/v1/cases/").status_code == 401
    assert client.post("/api/v1/auth/token/revoke/").status_code == 401
    assert api_client(others).get("/api/v1/cases/").status_code == 200
    (event,) = logouts(worker)
    assert event.reason == "token revoked"
    assert APIClient().post("/api/v1/auth/token/revoke/").status_code == 401


@pytest.mark.django_db
def test_beat_deletes_the_rows_of_sessions_that_ended(worker: User, colleague: User):
    from security.tasks import clear_expired_sessions

    assert settings.CELERY_BEAT_SCHEDULE["clear-sessions"]["task"] == (
        "security.tasks.clear_expired_sessions"
    )
    old, current = signed_in(worker), signed_in(colleague)
    Session.objects.filter(session_key=old.session.session_key).update(
        expire_date=timezone.now() - datetime.timedelta(minutes=1)
    )

    clear_expired_sessions()

    assert not Session.objects.filter(session_key=old.session.session_key).exists()
    assert is_signed_in(current)
