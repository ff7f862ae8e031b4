"""Multi-factor authentication: TOTP devices and recovery codes, from django-otp.

Who needs it (`mfa_required_for`): supervisors and administrators while their organisation's
`mfa_required` is on, every role while its `mfa_for_everyone` is on. Both are on by default;
the synthetic demo organisation turns both off. Platform superusers (accounts without an
organisation, who reach /setup/) are always asked, unless MFA_FOR_PLATFORM_SUPERUSERS is off.
Enrolment is for those the rule asks.

`MFAMiddleware` (after django-otp's OTPMiddleware) sends a signed-in user who must verify to
the verification page, or to enrolment when they have no device yet, from every page but the
few that signing in needs; a session-signed API call gets a 403 instead. Token sign-in asks
for the code itself (casework.api.views.TokenView).
"""

from __future__ import annotations

import base64
import io
import re
import secrets
from collections.abc import Callable
from typing import Any

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django_otp import devices_for_user, user_has_device
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .audit import Event, audit_record
from .models import User

RECOVERY_CODE_COUNT = 10
RECOVERY_CODES_SESSION_KEY = "mfa_recovery_codes"
# Pages a user who still owes a code may open.
EXEMPT_URL_NAMES = frozenset(
    {
        "login",
        "logout",
        "mfa_verify",
        "mfa_setup",
        "mfa_recovery_codes",
        "healthz",
        "language_switch",
        "session_status",
        "session_extend",
    }
)
_TOTP_SHAPE = re.compile(r"^\d{6}$")
_MANAGERS = (User.Role.SUPERVISOR, User.Role.ADMINISTRATOR)


def mfa_required_for(user: User) -> bool:
    organisation = user.organisation
    if organisation is None:
        return user.is_superuser and settings.MFA_FOR_PLATFORM_SUPERUSERS
    if organisation.mfa_for_everyone:
        return True
    return organisation.mfa_required and user.role in _MANAGERS


def must_verify(user: User) -> bool:
    """True when this user's session needs a code before anything else.

    Only the rule decides (no query for devices on every page of those it spares): a device
    left from when the organisation required it is not asked for once it no longer does.
    """
    return mfa_required_for(user)


def is_verified(user: Any) -> bool:
    check: Callable[[], bool] | None = getattr(user, "is_verified", None)
    return bool(check and check())


def match_code(user: User, code: str) -> Device | None:
    """The confirmed device `code` belongs to (a TOTP code or an unused recovery code).

    Each device throttles its own failures (django-otp: the wait doubles after each one). A
    six-digit code is tried on TOTP devices only, anything else on recovery codes only, so
    one kind of typo does not slow down the other kind of code.
    """
    code = "".join(code.split()).lower()
    if not code:
        return None
    for device in _devices_for_code(user, code):
        if device.verify_token(code):
            return device
    return None


def _devices_for_code(user: User, code: str) -> list[Device]:
    code = "".join(code.split()).lower()
    kind = TOTPDevice if _TOTP_SHAPE.match(code) else StaticDevice
    return [d for d in devices_for_user(user, confirmed=True) if isinstance(d, kind)]


def throttled(user: User, code: str) -> bool:
    """True while the devices `code` would be tried on refuse codes for a while."""
    devices = _devices_for_code(user, code)
    return bool(devices) and not any(device.verify_is_allowed()[0] for device in devices)


def code_refused(user: User, *, method: str) -> None:
    audit_record(
        actor=user, event=Event.LOGIN_FAILED, obj=user, extra={"mfa": True, "method": method}
    )


def pending_totp_device(user: User) -> TOTPDevice:
    """The device being enrolled: unconfirmed until the user types a code from it."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


def secret_text(device: TOTPDevice) -> str:
    """The key as authenticator apps take it by hand: base32, in groups of four."""
    text = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def qr_data_uri(text: str) -> str:
    """A QR code of `text`, rendered here (no outside service), as an SVG data: URI."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def _recovery_code() -> str:
    # Letters and digits without look-alikes; never six digits, so never taken for TOTP.
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "".join(secrets.choice(alphabet) for _ in range(10))


@transaction.atomic
def enrolment_confirm(user: User, device: TOTPDevice) -> list[str]:
    """Confirm `device`, replace any other device, and return ten fresh recovery codes."""
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    StaticDevice.objects.filter(user=user).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    static = StaticDevice.objects.create(user=user, name="recovery codes", confirmed=True)
    codes = [_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=static, token=code) for code in codes])
    audit_record(actor=user, event=Event.CHANGE, obj=user, reason="mfa enrolled")
    return codes


@transaction.atomic
def mfa_reset(*, actor: User, user: User, reason: str) -> int:
    """Delete every device of `user`: they enrol again at their next sign-in."""
    removed = 0
    for model in (TOTPDevice, StaticDevice):
        count, _detail = model.objects.filter(user=user).delete()
        removed += count
    audit_record(
        actor=actor,
        event=Event.MFA_RESET,
        obj=user,
        reason=reason,
        extra={"devices_removed": removed},
    )
    return removed


class MFAMiddleware:
    """Nothing but signing in until a user who must give a code has given one."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and isinstance(user, User)
            and not is_verified(user)
            and not self._exempt(request)
            and must_verify(user)
        ):
            if request.path_info.startswith("/api/"):
                return JsonResponse(
                    {
                        "detail": _(
                            "Two-step sign-in is required: confirm this session with a code "
                            "in the browser first, or ask for a token with your code."
                        )
                    },
                    status=403,
                )
            has_device = user_has_device(user, confirmed=True)
            target = reverse("mfa_verify" if has_device else "mfa_setup")
            if request.method == "GET":
                target += "?" + urlencode({"next": request.get_full_path()})
            return redirect(target)
        return self.get_response(request)

    @staticmethod
    def _exempt(request: HttpRequest) -> bool:
        path = request.path_info
        if settings.STATIC_URL and path.startswith("/" + settings.STATIC_URL.lstrip("/")):
            return True
        try:
            match = resolve(path)
        except Resolver404:
            return True  # a 404 either way
        return match.url_name in EXEMPT_URL_NAMES
