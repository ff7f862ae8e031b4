"""Sessions that end: after 30 idle minutes, and 12 hours after signing in whatever happens.

The session keeps two times (seconds since the epoch): when its user signed in (written by the
sign-in signal receiver) and when they last did something. A request that is only the page
polling in the background (the notification bell, an export's progress) says so with the
`X-Upstream-Background: 1` header and does not count as doing something; neither does the
session-status check of static/js/session.js, which warns a minute before the end and offers to
stay signed in (a POST to `session_extend`, which counts).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from .models import User
from .services import user_end_sessions

LOGIN_AT = "upstream_login_at"
LAST_ACTIVITY = "upstream_last_activity"
BACKGROUND_HEADER = "X-Upstream-Background"
# Sent with every response to a signed-in request, so the page's timer follows htmx requests.
REMAINING_HEADER = "X-Upstream-Session-Remaining"
# A busy user's session is written at most this often just to move the activity time, so an
# idle session ends between 29 and 30 minutes after its last action (the page's timer follows
# the stored time, so its warning still comes a minute before).
ACTIVITY_RESOLUTION_SECONDS = 60

Limit = Literal["idle", "absolute"]


@dataclass(frozen=True)
class SessionState:
    remaining: int  # whole seconds until the session ends
    limit: Limit  # which of the two limits ends it first
    warning: int  # the page warns this many seconds before the end


def idle_timeout() -> int:
    return int(settings.SESSION_IDLE_TIMEOUT_SECONDS)


def absolute_lifetime() -> int:
    return int(settings.SESSION_ABSOLUTE_LIFETIME_SECONDS)


def warning_time() -> int:
    return int(settings.SESSION_WARNING_SECONDS)


def is_background(request: HttpRequest) -> bool:
    """A poll the page makes by itself, not something its user did."""
    return request.headers.get(BACKGROUND_HEADER) == "1"


def session_started(request: HttpRequest, now: float | None = None) -> None:
    """Start both clocks: called when the user signs in."""
    now = time.time() if now is None else now
    request.session[LOGIN_AT] = int(now)
    request.session[LAST_ACTIVITY] = int(now)


def session_state(request: HttpRequest, now: float | None = None) -> SessionState:
    now = time.time() if now is None else now
    login_at = float(request.session.get(LOGIN_AT, now))
    last = float(request.session.get(LAST_ACTIVITY, login_at))
    idle_left = last + idle_timeout() - now
    absolute_left = login_at + absolute_lifetime() - now
    if absolute_left <= idle_left:
        return SessionState(
            remaining=max(0, int(absolute_left)), limit="absolute", warning=warning_time()
        )
    return SessionState(remaining=max(0, int(idle_left)), limit="idle", warning=warning_time())


def _signed_in_by_session(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and SESSION_KEY in request.session)


class SessionTimeoutMiddleware:
    """Signs out a session that was idle too long or has reached its absolute lifetime.

    Placed after AuthenticationMiddleware and MessageMiddleware; LoginRequiredMiddleware (which
    acts in process_view, after every middleware here has run) then sends the signed-out
    browser to the login page, where the message says why.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _signed_in_by_session(request):
            self._check(request)
        if _signed_in_by_session(request):
            # base.html reads it: the page's timer, the warning dialog and its script.
            request.session_timeout = session_state(request)  # type: ignore[attr-defined]
        response = self.get_response(request)
        if _signed_in_by_session(request):
            response[REMAINING_HEADER] = str(session_state(request).remaining)
        return response

    def _check(self, request: HttpRequest) -> None:
        now = time.time()
        if LOGIN_AT not in request.session:
            # Signed in before these limits existed: the clocks start now.
            session_started(request, now)
            return
        state = session_state(request, now)
        if state.remaining <= 0:
            # Read by the sign-out receiver (casework.signals), which audits the reason.
            request.upstream_logout_reason = state.limit  # type: ignore[attr-defined]
            logout(request)
            if state.limit == "idle":
                minutes = idle_timeout() // 60
                message = ngettext(
                    "You were signed out after %(minutes)d minute without activity.",
                    "You were signed out after %(minutes)d minutes without activity.",
                    minutes,
                ) % {"minutes": minutes}
            else:
                hours = absolute_lifetime() // 3600
                message = ngettext(
                    "You were signed out because you signed in %(hours)d hour ago. "
                    "Sign in again to continue.",
                    "You were signed out because you signed in %(hours)d hours ago. "
                    "Sign in again to continue.",
                    hours,
                ) % {"hours": hours}
            messages.info(request, message)
            return
        if not is_background(request):
            last = float(request.session.get(LAST_ACTIVITY, 0))
            if now - last >= ACTIVITY_RESOLUTION_SECONDS:
                request.session[LAST_ACTIVITY] = int(now)


def _state_body(request: HttpRequest) -> dict[str, object]:
    state = session_state(request)
    return {"signed_in": True, "remaining": state.remaining, "limit": state.limit}


@require_GET
def session_status(request: HttpRequest) -> HttpResponse:
    """How long this session has left (session.js asks, as a background request).

    Behind the login like every page: once the session has ended, the answer is the redirect
    to the login page, which session.js takes as "signed out".
    """
    response = JsonResponse(_state_body(request))
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def session_extend(request: HttpRequest) -> HttpResponse:
    """ "Stay signed in": the POST itself is activity, so the idle clock restarts.

    Answers session.js with the new state; a browser without JavaScript goes back where it was.
    """
    if _signed_in_by_session(request):
        # Always moved, whatever the resolution: the user asked for it.
        request.session[LAST_ACTIVITY] = int(time.time())
    if request.headers.get("Accept", "").startswith("application/json"):
        response: HttpResponse = JsonResponse(_state_body(request))
        response["Cache-Control"] = "no-store"
        return response
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("dashboard")
    return HttpResponseRedirect(next_url)


@require_POST
def sign_out_everywhere(request: HttpRequest) -> HttpResponse:
    """End every session of the signed-in user (this one too) and revoke their API tokens."""
    user = request.user
    if not isinstance(user, User):  # LoginRequiredMiddleware lets only a signed-in user here
        return HttpResponseRedirect(reverse("login"))
    user_end_sessions(actor=user, user=user)
    request.upstream_logout_reason = "signed out everywhere"  # type: ignore[attr-defined]
    logout(request)
    messages.success(
        request,
        _("You are signed out on every device and browser, and your API tokens are revoked."),
    )
    return HttpResponseRedirect(reverse("login"))


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change; afterwards every other session and every API token ends."""

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        user_end_sessions(
            actor=form.user, user=form.user, reason="password changed", keep_request=self.request
        )
        return response
