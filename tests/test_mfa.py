"""Two-step sign-in (issue 9): TOTP and recovery codes, required per role and organisation.

Supervisors and administrators need it while their organisation's `mfa_required` is on, every
role while `mfa_for_everyone` is on; the production default is both on, the test organisations
have both off (casework.tests.factories) and these tests turn them on. The demo organisation
keeps them off, so the README's demo logins need a password only.
"""

from __future__ import annotations

import datetime
import re
import time

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from casework.demo import DEMO_LOGINS
from casework.models import AuditEvent, Organisation, User
from casework.tests.factories import TEST_PASSWORD, OrganisationFactory, UserFactory
from tests.mfa_sessions import sign_in_verified

LOGIN = "/accounts/login/"
VERIFY = "/accounts/verify/"
SETUP = "/accounts/mfa/setup/"
CODES = "/accounts/mfa/recovery-codes/"
TOKEN = "/api/v1/auth/token/"
Event = AuditEvent.Event


def code_for(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """What the user's authenticator app shows (a step ahead: the next code, half a minute on)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():06d}"


def sign_in(username: str) -> Client:
    client = Client()
    response = client.post(LOGIN, {"username": username, "password": TEST_PASSWORD})
    assert response.status_code == 302, "password accepted"
    return client


def require_mfa(organisation: Organisation, *, everyone: bool = False) -> None:
    organisation.mfa_required = True
    organisation.mfa_for_everyone = everyone
    organisation.save()


def enrol(client: Client, user: User) -> tuple[TOTPDevice, list[str]]:
    """Go through enrolment as the user would; return the device and the recovery codes."""
    page = client.get(SETUP)
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(SETUP, {"code": code_for(device)})
    assert response.status_code == 302
    assert response["Location"] == CODES
    shown = client.get(CODES).content.decode()
    codes = re.findall(r"<li><code>([a-z0-9]+)</code></li>", shown)
    device.refresh_from_db()
    return device, codes


def test_production_default_is_on():
    organisation = Organisation(name="Any agency")
    assert organisation.mfa_required
    assert organisation.mfa_for_everyone


def test_supervisor_without_device_is_sent_to_setup(supervisor):
    require_mfa(supervisor.organisation)
    client = sign_in("supervisor")
    response = client.get("/cases/")
    assert response.status_code == 302
    assert response["Location"].startswith(SETUP)
    page = client.get(SETUP).content.decode()
    assert 'src="data:image/svg+xml;base64,' in page, "QR code drawn here, no outside service"
    device = TOTPDevice.objects.get(user=supervisor, confirmed=False)
    assert device.config_url.startswith("otpauth://totp/Upstream")


def test_enrolment_with_a_real_code_then_recovery_codes_shown_once(supervisor):
    require_mfa(supervisor.organisation)
    client = sign_in("supervisor")
    wrong = client.post(SETUP, {"code": "000000"})
    assert wrong.status_code == 400
    assert not TOTPDevice.objects.filter(user=supervisor, confirmed=True).exists()
    # The throttle's one-second wait after that failure, passed.
    TOTPDevice.objects.filter(user=supervisor).update(
        throttling_failure_timestamp=timezone.now() - datetime.timedelta(seconds=5)
    )

    device, codes = enrol(client, supervisor)
    assert device.confirmed
    assert len(codes) == 10
    assert len(set(codes)) == 10
    assert StaticToken.objects.filter(device__user=supervisor).count() == 10
    again = client.get(CODES)
    assert again.status_code == 302, "the codes are shown once"
    assert client.get("/cases/").status_code == 200, "this session is verified"


def test_sign_in_requires_the_code(supervisor):
    require_mfa(supervisor.organisation)
    device, _codes = enrol(sign_in("supervisor"), supervisor)

    client = sign_in("supervisor")
    response = client.get("/cases/")
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)
    response = client.post(VERIFY, {"code": code_for(device, steps_ahead=1), "next": "/cases/"})
    assert response.status_code == 302
    assert response["Location"] == "/cases/"
    assert client.get("/cases/").status_code == 200


def test_wrong_code_refused_throttled_and_audited(supervisor):
    require_mfa(supervisor.organisation)
    device, _codes = enrol(sign_in("supervisor"), supervisor)
    client = sign_in("supervisor")
    wrong = f"{(int(code_for(device, steps_ahead=1)) + 1) % 1_000_000:06d}"
    response = client.post(VERIFY, {"code": wrong})
    assert response.status_code == 400
    assert "That code is not right" in response.content.decode()
    assert client.get("/cases/").status_code == 302, "still not let in"
    event = AuditEvent.objects.filter(event=Event.LOGIN_FAILED, actor=supervisor).get()
    assert event.additional_data["mfa"] is True
    # django-otp's throttle: straight after a failure even the right code waits.
    response = client.post(VERIFY, {"code": code_for(device, steps_ahead=1)})
    assert response.status_code == 400
    assert "Too many wrong codes" in response.content.decode()


def test_recovery_code_works_once(supervisor):
    require_mfa(supervisor.organisation)
    _device, codes = enrol(sign_in("supervisor"), supervisor)
    first = sign_in("supervisor")
    assert first.post(VERIFY, {"code": codes[0]}).status_code == 302
    assert first.get("/cases/").status_code == 200
    second = sign_in("supervisor")
    assert second.post(VERIFY, {"code": codes[0]}).status_code == 400
    assert StaticToken.objects.filter(device__user=supervisor).count() == 9


def test_worker_needs_it_only_when_the_organisation_says_everyone(worker):
    organisation = worker.organisation
    require_mfa(organisation, everyone=False)
    assert sign_in("worker").get("/cases/").status_code == 200
    require_mfa(organisation, everyone=True)
    response = sign_in("worker").get("/cases/")
    assert response.status_code == 302
    assert response["Location"].startswith(SETUP)


def test_demo_organisation_signs_in_with_password_only(db, settings, monkeypatch):
    settings.DEBUG = True
    monkeypatch.setenv("DEMO_PASSWORD", TEST_PASSWORD)
    call_command("load_demo", verbosity=0)
    for login in DEMO_LOGINS:
        organisation = User.objects.get(username=login.username).organisation
        assert organisation is not None
        assert not organisation.mfa_required
        assert not organisation.mfa_for_everyone
    client = sign_in("supervisor")
    assert client.get("/cases/").status_code == 200


def test_api_token_needs_the_code(supervisor):
    require_mfa(supervisor.organisation)
    device, _codes = enrol(sign_in("supervisor"), supervisor)
    api = APIClient()
    refused = api.post(TOKEN, {"username": "supervisor", "password": TEST_PASSWORD})
    assert refused.status_code == 400
    assert "otp" in refused.json()
    wrong = api.post(TOKEN, {"username": "supervisor", "password": TEST_PASSWORD, "otp": "1"})
    assert wrong.status_code == 400
    issued = api.post(
        TOKEN,
        {"username": "supervisor", "password": TEST_PASSWORD, "otp": code_for(device, 1)},
    )
    assert issued.status_code == 200
    assert issued.json()["token"]
    token_client = APIClient()
    token_client.credentials(HTTP_AUTHORIZATION=f"Token {issued.json()['token']}")
    assert token_client.get("/api/v1/cases/").status_code == 200


def test_api_session_needs_a_verified_session(supervisor):
    require_mfa(supervisor.organisation)
    enrol(sign_in("supervisor"), supervisor)
    client = sign_in("supervisor")
    response = client.get("/api/v1/cases/")
    assert response.status_code == 403
    assert "Two-step sign-in is required" in response.json()["detail"]


def test_administrator_resets_and_it_is_audited(supervisor, admin_user):
    require_mfa(supervisor.organisation)
    enrol(sign_in("supervisor"), supervisor)
    admin = Client()
    admin.force_login(admin_user)
    # The administrator needs a code too: verify the admin's session with a device of theirs.
    admin_device = TOTPDevice.objects.create(user=admin_user, confirmed=True)
    admin.get("/")
    admin.post(VERIFY, {"code": code_for(admin_device)})
    url = f"/accounts/mfa/reset/{supervisor.pk}/"
    assert admin.post(url, {"reason": ""}).status_code == 400
    response = admin.post(url, {"reason": "Lost phone, called from the office"})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=supervisor).exists()
    assert not StaticDevice.objects.filter(user=supervisor).exists()
    event = AuditEvent.objects.get(event=Event.MFA_RESET)
    assert event.actor == admin_user
    assert event.object_pk == str(supervisor.pk)
    assert event.reason == "Lost phone, called from the office"
    # Next sign-in: enrol again.
    assert sign_in("supervisor").get("/cases/")["Location"].startswith(SETUP)


def test_other_organisation_administrator_cannot_reset(supervisor):
    require_mfa(supervisor.organisation)
    enrol(sign_in("supervisor"), supervisor)
    elsewhere = OrganisationFactory.create(name="Another agency")
    stranger = UserFactory.create(
        username="stranger", organisation=elsewhere, role=User.Role.ADMINISTRATOR
    )
    client = Client()
    client.force_login(stranger)
    response = client.post(f"/accounts/mfa/reset/{supervisor.pk}/", {"reason": "curious"})
    assert response.status_code == 404
    assert TOTPDevice.objects.filter(user=supervisor, confirmed=True).exists()
    assert not AuditEvent.objects.filter(event=Event.MFA_RESET).exists()


def test_supervisor_cannot_reset(supervisor, worker):
    client = Client()
    client.force_login(supervisor)
    assert client.post(f"/accounts/mfa/reset/{worker.pk}/", {"reason": "x"}).status_code == 404


@pytest.mark.parametrize("path", ["/healthz", LOGIN])
def test_sign_in_pages_stay_open_while_owing_a_code(supervisor, path):
    require_mfa(supervisor.organisation)
    client = sign_in("supervisor")
    assert client.get(path).status_code in (200, 302)
    assert not client.get(path).get("Location", "").startswith(SETUP)


@pytest.mark.django_db
def test_a_platform_superuser_gives_a_code_before_the_setup_pages(client, settings):
    root = UserFactory.create(username="root", organisation=None, is_superuser=True, is_staff=True)
    client.force_login(root)

    # No device yet: straight to enrolment, whatever page they ask for.
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_setup"))

    # With a device but no code in this session: the code first.
    TOTPDevice.objects.create(user=root, name="phone", confirmed=True)
    response = client.get(reverse("admin:index"))
    assert response["Location"].startswith(reverse("mfa_verify"))

    # Verified: the set-up pages open.
    assert sign_in_verified(Client(), root).get(reverse("admin:index")).status_code == 200

    # A throwaway local set-up may turn the rule off.
    settings.MFA_FOR_PLATFORM_SUPERUSERS = False
    assert client.get(reverse("admin:index")).status_code == 200
