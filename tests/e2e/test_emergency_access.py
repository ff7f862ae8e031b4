"""Two-step sign-in and emergency access in a real browser (issue 9, "Done when").

`supervisor` (team A) enrols an authenticator app, signs out and in again with a code, then
"breaks the glass" on a team B case: the case's pages say so, and `chair` (team B's supervisor)
finds it in the bell list and in an e-mail. The e-mail is sent by a real Celery worker, a
subprocess on the test's own database serving a queue of this test's own on Redis, and handed
to a mailbox folder (tests/mailbox_backend.py) that the test reads.
"""

from __future__ import annotations

import base64
import email
import email.policy
import re
import subprocess
import time
import uuid
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import redis
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from casework.access import cases_visible_to
from casework.models import AuditEvent, Case, User
from config.celery import app as celery_app
from security.models import EmergencyAccess
from tests.celery_workers import require_worker_services, start_worker, stop_worker

from .conftest import sign_in, sign_in_with_code

pytestmark = pytest.mark.e2e
REASON = "Police called at night: the child was found alone; checking the plan before visiting."


class Authenticator:
    """The app on a phone: holds the key and shows the code of the current 30-second step."""

    def __init__(self, key: bytes) -> None:
        self.key = key
        self.used_step = -1

    @classmethod
    def from_key_text(cls, text: str) -> Authenticator:
        """Typed in by hand, as the setup page offers: base32, spaces ignored."""
        compact = "".join(text.split()).upper()
        return cls(base64.b32decode(compact + "=" * (-len(compact) % 8)))

    def code(self) -> str:
        # The server takes each step's code once. Signing in again within the same 30 seconds,
        # a person would wait for the next code; the server already takes it (django-otp
        # allows one step of clock difference), so the test need not wait.
        totp = TOTP(self.key)  # 30-second steps, six digits: django-otp's TOTPDevice defaults
        step = max(totp.t(), self.used_step + 1)
        totp.time = totp.t0 + step * totp.step
        self.used_step = step
        return f"{totp.token():06d}"


# --- A real Celery worker and its mailbox ------------------------------------------------------


@dataclass
class MailWorker:
    queue: str
    mailbox: Path
    log: Path
    process: subprocess.Popen[bytes]

    def messages_to(self, address: str) -> list[EmailMessage]:
        found = []
        for path in sorted(self.mailbox.glob("*.eml")):
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            assert isinstance(message, EmailMessage)
            if address in str(message["To"]):
                found.append(message)
        return found

    def wait_for_message_to(self, address: str, timeout: float = 60) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if found := self.messages_to(address):
                return found
            if self.process.poll() is not None:
                break
            time.sleep(0.25)
        raise AssertionError(
            f"no e-mail to {address} within {timeout} s; worker log:\n{self.log.read_text()}"
        )


@pytest.fixture
def mail_worker(
    transactional_db: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[MailWorker]:
    """A worker serving a queue of this test's own, where the web side now sends its tasks.

    The tasks queued by the live server go to this queue rather than Celery's default one,
    which other test runs on the same Redis may be serving with other databases.
    """
    broker = require_worker_services()
    queue = f"upstream-test-emergency-{uuid.uuid4().hex[:10]}"
    monkeypatch.setitem(celery_app.conf, "task_default_queue", queue)
    mailbox = tmp_path / "mailbox"
    mailbox.mkdir()
    log = tmp_path / "worker.log"
    process = start_worker(
        queue=queue,
        log=log,
        pool="solo",
        env={
            "EMAIL_BACKEND": "tests.mailbox_backend.FolderBackend",
            "TEST_MAILBOX_DIR": str(mailbox),
            "TEST_MAILBOX_LOG": str(tmp_path / "sends.log"),
        },
    )
    try:
        yield MailWorker(queue=queue, mailbox=mailbox, log=log, process=process)
    finally:
        stop_worker(process)
        # The queue and what kombu keeps about it (its exchange is named after it).
        redis.Redis.from_url(broker).delete(
            queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}"
        )


# --- The story ---------------------------------------------------------------------------------


def emergency_banner(page: Page) -> Any:
    return page.get_by_role("alert").filter(has_text=re.compile("emergency access", re.I))


def test_supervisor_enrols_signs_in_with_a_code_and_breaks_the_glass_and_chair_is_told(
    page: Page, live_server: Any, mail_worker: MailWorker, demo: None
) -> None:
    supervisor = User.objects.get(username="supervisor")
    chair = User.objects.get(username="chair")
    organisation = supervisor.organisation
    assert organisation is not None
    organisation.mfa_required = True  # the demo turns it off; every real organisation has it on
    organisation.save(update_fields=["mfa_required"])
    case = (
        Case.objects.filter(team__supervisors=chair, phase=Case.Phase.ASSESSMENT)
        .exclude(pk__in=cases_visible_to(supervisor).values("pk"))
        .select_related("family")
        .order_by("pk")
        .first()
    )
    assert case is not None, "the demo has a team B case in assessment that supervisor can't see"

    # Enrolment, asked for right after the password.
    sign_in(page, live_server.url, "supervisor")
    expect(page).to_have_url(re.compile(r"/accounts/mfa/setup/"))
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    phone = Authenticator.from_key_text(page.locator("main code").inner_text())
    setup = page.locator("main form[action$='/accounts/mfa/setup/']")
    setup.locator("input[name=code]").fill(phone.code())
    setup.locator("button[type=submit]").click()

    # The recovery codes, once.
    expect(page).to_have_url(re.compile(r"/accounts/mfa/recovery-codes/"))
    codes = page.locator("main .recovery-codes li")
    expect(codes).to_have_count(10)
    assert all(re.fullmatch(r"[a-z0-9]{10}", text) for text in codes.all_inner_texts())
    page.get_by_role("link", name="I have kept them, continue").click()
    expect(page).to_have_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/accounts/mfa/recovery-codes/")
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.locator(".recovery-codes")).to_have_count(0)

    # Out, and in again: the password alone is not enough any more.
    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    sign_in_with_code(page, live_server.url, "supervisor", phone.code())
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("button", name="Sign out", exact=True)).to_be_visible()

    # Breaking the glass on the team B case.
    page.goto(f"{live_server.url}/emergency-access/new/")
    form = page.locator("main form").filter(has=page.locator("[name=reason]"))
    form.locator("[name=reference]").fill(case.reference)
    form.locator("[name=reason]").fill(REASON)
    form.locator("button[type=submit]").click()

    expect(page).to_have_url(f"{live_server.url}/cases/{case.pk}/")
    access = EmergencyAccess.objects.get(case=case, user=supervisor)
    until = timezone.localtime(access.expires_at, zoneinfo.ZoneInfo(organisation.time_zone))
    banner = emergency_banner(page)
    expect(banner).to_be_visible()
    expect(banner).to_contain_text(until.strftime("%H:%M"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(case.reference)

    # Another page of the same case says so too.
    page.locator(f"main a[href='/cases/{case.pk}/assessment/']").first.click()
    expect(page).to_have_url(f"{live_server.url}/cases/{case.pk}/assessment/")
    expect(emergency_banner(page)).to_be_visible()
    seen = AuditEvent.objects.filter(
        actor=supervisor, case=case, event=AuditEvent.Event.VIEW, additional_data__emergency=True
    )
    assert seen.count() >= 2  # both pages, each marked as read through emergency access
    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))

    # Team B's supervisor has set up an app before; the bell says what happened, and where.
    chair_phone = Authenticator(
        TOTPDevice.objects.create(user=chair, name="authenticator", confirmed=True).bin_key
    )
    sign_in_with_code(page, live_server.url, "chair", chair_phone.code())
    expect(page).to_have_url(f"{live_server.url}/")
    page.locator("header a.bell").click()
    expect(page).to_have_url(f"{live_server.url}/notifications/")
    notice = page.locator("main .notification-list li").filter(has_text=case.reference)
    expect(notice).to_have_count(1)
    expect(notice).to_contain_text(re.compile("emergency", re.I))
    notice.get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/cases/{case.pk}/"))
    expect(page.locator("main")).to_contain_text(REASON)

    # And by e-mail: one, without the family's name or the reason, pointing at the access page.
    (message,) = mail_worker.wait_for_message_to(chair.email)
    assert case.reference in str(message["Subject"])
    body = message.get_content()
    assert f"/cases/{case.pk}/access-log/" in body
    assert REASON not in body
    assert case.family.family_name not in body
    assert mail_worker.messages_to(supervisor.email) == []
