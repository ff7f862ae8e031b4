"""Accounts that resist guessing (issue 9): the sign-in lockout and the password rules.

Five failed sign-ins with one username, or from one address, pause signing in for 15 minutes,
on the page and on the API alike, with words that do not tell whether the account exists.
Passwords are at least 12 characters, not common, not like the user's name, and hashed with
Argon2; an older PBKDF2 hash is upgraded when its owner next signs in.
"""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.hashers import check_password, identify_hasher, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db.models import F
from django.test import Client
from django.utils import translation
from rest_framework.test import APIClient

from casework.demo import DEMO_LOGINS
from casework.models import AuditEvent, User
from casework.tests.factories import TEST_PASSWORD
from config import settings as production
from tests.test_settings import run_settings

LOGIN = "/accounts/login/"
TOKEN = "/api/v1/auth/token/"
PASSWORD_CHANGE = "/accounts/password/"
LOCKED = "Too many failed attempts to sign in. Signing in is paused for 15 minutes."
Event = AuditEvent.Event


def sign_in(address: str, username: str, password: str) -> tuple[int, str]:
    """One attempt on the sign-in page from `address`: (status, page text)."""
    response = Client(REMOTE_ADDR=address).post(LOGIN, {"username": username, "password": password})
    return response.status_code, response.content.decode()


def fail(times: int, address: str, username: str = "worker") -> None:
    for attempt in range(times):
        status, page = sign_in(address, username, f"wrong-guess-{attempt}")
        assert status == 200, "not yet locked"
        assert "Please enter a correct username and password" in page


def age_failures(minutes: int) -> None:
    """What the clock would do: the failures axes counts happened `minutes` earlier."""
    AccessAttempt.objects.update(
        attempt_time=F("attempt_time") - datetime.timedelta(minutes=minutes)
    )


# --- Lockout on the sign-in page ------------------------------------------------------------------


def test_five_failures_lock_the_account_even_with_the_right_password_after(cast):
    # From five different addresses, so that it is the username's count that locks.
    for n in range(4):
        fail(1, f"203.0.113.{n + 1}")
    status, page = sign_in("203.0.113.5", "worker", "wrong-guess-5")
    assert status == 429
    assert LOCKED in page

    status, page = sign_in("203.0.113.6", "worker", TEST_PASSWORD)
    assert status == 429
    assert LOCKED in page

    # Someone else, from an address with no failures, is not affected.
    sign_in_ok = Client(REMOTE_ADDR="203.0.113.6").post(
        LOGIN, {"username": "colleague", "password": TEST_PASSWORD}
    )
    assert sign_in_ok.status_code == 302


def test_four_failures_do_not_lock(worker):
    fail(4, "203.0.113.1")
    status, _page = sign_in("203.0.113.1", "worker", TEST_PASSWORD)
    assert status == 302


@pytest.mark.usefixtures("worker")
def test_the_lockout_reads_the_same_for_an_account_that_does_not_exist():
    answers = {}
    for n, username in enumerate(["worker", "nobody-by-this-name"]):
        address = f"198.51.100.{n + 1}"
        fail(4, address, username)
        fifth = sign_in(address, username, "wrong-guess-4")
        sixth = sign_in(address, username, TEST_PASSWORD)
        answers[username] = [(status, LOCKED in page) for status, page in (fifth, sixth)]
        # The name typed is not echoed back either.
        assert f'value="{username}"' not in sixth[1]
    assert answers["worker"] == answers["nobody-by-this-name"] == [(429, True), (429, True)]


def test_five_failures_from_one_address_lock_that_address_for_every_username(cast):
    for username in ["colleague", "outsider", "chair", "nobody-by-this-name"]:
        fail(1, "192.0.2.10", username)
    status, page = sign_in("192.0.2.10", "admin", "wrong-guess")
    assert (status, LOCKED in page) == (429, True)

    status, page = sign_in("192.0.2.10", "worker", TEST_PASSWORD)
    assert (status, LOCKED in page) == (429, True)
    # The same person from another address signs in: worker's own count is zero.
    status, _page = sign_in("192.0.2.11", "worker", TEST_PASSWORD)
    assert status == 302


def test_a_forwarded_for_header_does_not_change_the_address_that_is_counted(cast):
    for username in ["colleague", "outsider", "chair", "nobody-by-this-name"]:
        fail(1, "192.0.2.10", username)
    sign_in("192.0.2.10", "admin", "wrong-guess")
    # The address is the connection's (REMOTE_ADDR), as in the audit trail, never the client's say.
    response = Client(REMOTE_ADDR="192.0.2.10", HTTP_X_FORWARDED_FOR="198.51.100.77").post(
        LOGIN, {"username": "worker", "password": TEST_PASSWORD}
    )
    assert response.status_code == 429
    assert AuditEvent.objects.filter(remote_addr="198.51.100.77").count() == 0


def test_behind_a_proxy_that_hides_addresses_the_address_count_can_be_switched_off(
    cast, settings, tmp_path
):
    code = "from django.conf import settings; print(settings.AXES_LOCKOUT_PARAMETERS)"
    result = run_settings({"DEBUG": "1", "VAR_DIR": str(tmp_path)}, code)
    assert result.stdout.strip() == "['username', 'ip_address']", result.stderr
    result = run_settings(
        {"DEBUG": "1", "VAR_DIR": str(tmp_path), "LOGIN_LOCKOUT_BY_ADDRESS": "0"}, code
    )
    assert result.stdout.strip() == "['username']", result.stderr

    settings.AXES_LOCKOUT_PARAMETERS = ["username"]
    for username in ["colleague", "outsider", "chair", "nobody-by-this-name", "admin"]:
        fail(1, "10.0.0.2", username)  # everyone seems to come from the proxy
    assert sign_in("10.0.0.2", "worker", TEST_PASSWORD)[0] == 302
    fail(4, "10.0.0.2", "supervisor")
    assert sign_in("10.0.0.2", "supervisor", "wrong-guess-4")[0] == 429


def test_signing_in_is_possible_again_after_the_fifteen_minute_cool_off(worker):
    fail(4, "203.0.113.1")
    assert sign_in("203.0.113.1", "worker", "wrong-guess-4")[0] == 429

    age_failures(14)
    assert sign_in("203.0.113.1", "worker", TEST_PASSWORD)[0] == 429
    age_failures(2)
    assert sign_in("203.0.113.1", "worker", TEST_PASSWORD)[0] == 302


def test_attempts_while_locked_do_not_extend_the_cool_off(worker):
    fail(4, "203.0.113.1")
    sign_in("203.0.113.1", "worker", "wrong-guess-4")
    age_failures(10)
    assert sign_in("203.0.113.1", "worker", "still-guessing")[0] == 429
    age_failures(6)  # 16 minutes after the failure that locked, 6 after the last refusal
    assert sign_in("203.0.113.1", "worker", TEST_PASSWORD)[0] == 302


def test_signing_in_clears_the_count(worker):
    fail(4, "203.0.113.1")
    assert sign_in("203.0.113.1", "worker", TEST_PASSWORD)[0] == 302
    fail(4, "203.0.113.1")
    assert sign_in("203.0.113.1", "worker", TEST_PASSWORD)[0] == 302


def test_signing_in_does_not_clear_the_count_of_another_name_from_the_same_desk(cast):
    # A colleague guessing at the supervisor's password cannot start again by signing in.
    fail(4, "192.0.2.20", "supervisor")
    assert sign_in("192.0.2.20", "colleague", TEST_PASSWORD)[0] == 302
    status, page = sign_in("192.0.2.20", "supervisor", "wrong-guess-4")
    assert (status, LOCKED in page) == (429, True)
    assert sign_in("192.0.2.21", "supervisor", TEST_PASSWORD)[0] == 429


def test_an_administrator_can_unlock_an_account(worker):
    fail(4, "203.0.113.1")
    sign_in("203.0.113.1", "worker", "wrong-guess-4")
    call_command("axes_reset_username", "worker")
    assert sign_in("203.0.113.2", "worker", TEST_PASSWORD)[0] == 302


# --- Lockout on the API ---------------------------------------------------------------------------


def token(address: str, username: str, password: str) -> tuple[int, dict[str, str]]:
    response = APIClient(REMOTE_ADDR=address).post(
        TOKEN, {"username": username, "password": password}, format="json"
    )
    return response.status_code, response.json()


@pytest.mark.parametrize("username", ["worker", "nobody-by-this-name"])
@pytest.mark.usefixtures("worker")
def test_the_token_endpoint_locks_too(username):
    for attempt in range(4):
        assert token("203.0.113.1", username, f"wrong-{attempt}")[0] == 400
    status, body = token("203.0.113.1", username, "wrong-4")
    assert status == 429
    assert body["detail"].startswith(LOCKED)
    assert "token" not in body
    status, body = token("203.0.113.2", username, TEST_PASSWORD)
    assert (status, "token" in body) == (429, False)


def test_the_page_and_the_api_share_one_count(worker):
    fail(3, "203.0.113.1")
    assert token("203.0.113.2", "worker", "wrong-4")[0] == 400
    assert token("203.0.113.2", "worker", "wrong-5")[0] == 429
    assert sign_in("203.0.113.3", "worker", TEST_PASSWORD)[0] == 429


def test_a_token_sign_in_clears_the_count(worker):
    fail(4, "203.0.113.1")
    assert token("203.0.113.1", "worker", TEST_PASSWORD)[0] == 200
    fail(4, "203.0.113.1")
    assert sign_in("203.0.113.1", "worker", TEST_PASSWORD)[0] == 302


# --- The audit trail ------------------------------------------------------------------------------


def test_a_lockout_leaves_an_audit_event_and_each_attempt_leaves_one(worker):
    fail(4, "203.0.113.9")
    sign_in("203.0.113.9", "worker", "wrong-guess-4")  # this one locks
    sign_in("203.0.113.9", "worker", TEST_PASSWORD)  # and this one is refused

    failed = list(AuditEvent.objects.filter(event=Event.LOGIN_FAILED).order_by("pk"))
    assert len(failed) == 6
    assert [e.additional_data for e in failed[:4]] == [{"username": "worker"}] * 4
    for locked in failed[4:]:
        assert locked.additional_data == {"username": "worker", "locked_out": True}
        assert (locked.reason, locked.actor, locked.remote_addr) == (
            "locked out",
            None,
            "203.0.113.9",
        )
    assert not AuditEvent.objects.filter(event=Event.LOGIN).exists()


# --- Passwords ------------------------------------------------------------------------------------


def change_password(client: Client, new: str) -> Any:
    data = {"old_password": TEST_PASSWORD, "new_password1": new, "new_password2": new}
    return client.post(PASSWORD_CHANGE, data)


def test_a_short_password_is_refused_when_changing_it(worker):
    client = Client()
    client.force_login(worker)
    response = change_password(client, "Kampot-2026")
    assert response.status_code == 200
    assert "This password is too short. It must contain at least 12 characters." in (
        response.content.decode()
    )
    worker.refresh_from_db()
    assert worker.check_password(TEST_PASSWORD)


def test_the_password_rules_speak_khmer_to_a_khmer_speaker(worker):
    worker.language = "km"
    worker.save(update_fields=["language"])
    client = Client()
    # Signing in on the page switches to the account's language.
    assert client.post(LOGIN, {"username": "worker", "password": TEST_PASSWORD}).status_code == 302
    response = change_password(client, "Kampot-2026")
    page = response.content.decode()
    assert "ពាក្យសម្ងាត់នេះខ្លីពេក" in page  # "This password is too short"
    assert "This password is too short" not in page


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("password1234", "This password is too common."),
        ("918273645546", "This password is entirely numeric."),
        ("sophea.kim@example.org", "The password is too similar to the email address."),
    ],
)
def test_common_numeric_and_look_alike_passwords_are_refused(worker, password, message):
    worker.email = "sophea.kim@example.org"
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        validate_password(password, worker)
    assert refused.value.messages == [message]


def test_the_demo_password_meets_the_rules(db):
    # "upstream-demo" is 13 characters; it must also not look like any demo login's details.
    call_command("load_demo", "--force", stdout=io.StringIO())
    users = list(User.objects.filter(username__in=[login.username for login in DEMO_LOGINS]))
    assert len(users) == len(DEMO_LOGINS) == 7
    for user in users:
        validate_password("upstream-demo", user)
        assert sign_in("203.0.113.1", user.username, "upstream-demo")[0] == 302


def test_production_hashes_with_argon2_and_still_reads_pbkdf2():
    # The tests hash with MD5 for speed (conftest.py); this reads the real setting.
    assert production.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert "django.contrib.auth.hashers.PBKDF2PasswordHasher" in production.PASSWORD_HASHERS
    assert "django.contrib.auth.hashers.MD5PasswordHasher" not in production.PASSWORD_HASHERS
    rules = "django.contrib.auth.password_validation"
    assert [
        {"NAME": f"{rules}.UserAttributeSimilarityValidator"},
        {"NAME": f"{rules}.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
        {"NAME": f"{rules}.CommonPasswordValidator"},
        {"NAME": f"{rules}.NumericPasswordValidator"},
    ] == production.AUTH_PASSWORD_VALIDATORS


def test_a_pbkdf2_password_is_upgraded_to_argon2_at_sign_in(worker, settings):
    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS
    worker.password = make_password(TEST_PASSWORD, hasher="pbkdf2_sha256")
    worker.save(update_fields=["password"])

    assert sign_in("203.0.113.1", "worker", TEST_PASSWORD)[0] == 302

    worker.refresh_from_db()
    assert identify_hasher(worker.password).algorithm == "argon2"
    assert check_password(TEST_PASSWORD, worker.password)
