"""What someone is told when signing in is paused after too many failures (django-axes).

Axes counts failed sign-ins per username and per address (settings, "Sign-in lockout"); the
address is the client's as casework.client_ip reads it, the same the audit trail records. The
sign-in page and the API's token endpoint refuse a paused attempt with the same words and the
same status whether or not the username belongs to an account, and whether or not the password
was right: the answer must not help anyone guess which accounts exist.
"""

from __future__ import annotations

from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import ngettext

LOCKED_OUT_STATUS = 429  # Too Many Requests


def lockout_message() -> str:
    minutes = max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    return ngettext(
        "Too many failed attempts to sign in. Signing in is paused for %(minutes)d minute. "
        "Try again later, or ask an administrator to unlock it.",
        "Too many failed attempts to sign in. Signing in is paused for %(minutes)d minutes. "
        "Try again later, or ask an administrator to unlock it.",
        minutes,
    ) % {"minutes": minutes}


class UpstreamAxesHandler(AxesDatabaseHandler):  # type: ignore[misc]
    """Axes' database handler, except that signing in clears only one's own failures.

    Axes would also clear every failure from the same address, other usernames' included: a
    colleague at the next desk could then guess at a supervisor's password four times, sign in
    as themself, and start again, forever. Here the address's count goes down only by the
    failures of the person who just signed in.
    """

    def reset_user_attempts(
        self, request: HttpRequest, credentials: dict[str, Any] | None = None
    ) -> int:
        username = get_client_username(request, credentials)
        count: int = AccessAttempt.objects.filter(username=username).delete()[0]
        return count


def locked_out_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """The sign-in page again, saying why (settings.AXES_LOCKOUT_CALLABLE).

    The form is a fresh one: echoing the username back is one more thing that could differ.
    """
    context = {
        "form": AuthenticationForm(request),
        "locked_out_message": lockout_message(),
        # LoginView checks `next` again when it is used.
        "next": request.POST.get("next", ""),
    }
    return render(request, "registration/login.html", context, status=LOCKED_OUT_STATUS)
