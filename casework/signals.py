"""Sign-in, sign-out, failed sign-in and the sign-in lockout go into the audit trail.

Django announces these only through its auth signals, so this is the one place Upstream
listens to signals: each receiver records an event and does nothing else, except that
signing in also starts the session's idle and absolute clocks (casework.sessions).
"""

from __future__ import annotations

from typing import Any

# Imported before our receivers connect, so that axes' own receivers (connected on import) run
# first: by the time ours runs, the request says whether this failure was a lockout.
from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .audit import Event, audit_record
from .models import User
from .sessions import session_started


@receiver(user_logged_in)
def audit_login(sender: Any, request: Any, user: User, **kwargs: Any) -> None:
    audit_record(actor=user, event=Event.LOGIN, obj=user)
    if request is not None and hasattr(request, "session"):
        # The idle and absolute clocks (casework.sessions) start at sign-in.
        session_started(request)


@receiver(user_logged_out)
def audit_logout(sender: Any, request: Any, user: User | None, **kwargs: Any) -> None:
    if user is not None:
        # Why, when the session ended by itself ("idle", "absolute") or everywhere at once.
        reason = str(getattr(request, "upstream_logout_reason", ""))
        audit_record(actor=user, event=Event.LOGOUT, obj=user, reason=reason)


@receiver(user_login_failed)
def audit_login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    if getattr(request, "axes_locked_out", False):
        # The failure that locked, or one refused while locked: audit_locked_out records it, so
        # that each attempt leaves one event.
        return
    # The attempted username is kept (never the password), whether or not the account exists.
    username = str(credentials.get("username", ""))[:150]
    audit_record(
        actor=None,
        event=Event.LOGIN_FAILED,
        model=User,
        object_pk=None,
        extra={"username": username},
    )


@receiver(user_locked_out)
def audit_locked_out(sender: Any, username: str | None, **kwargs: Any) -> None:
    # A failed sign-in like the others (no new kind of event), marked as locked out.
    audit_record(
        actor=None,
        event=Event.LOGIN_FAILED,
        model=User,
        object_pk=None,
        reason="locked out",
        extra={"username": str(username or "")[:150], "locked_out": True},
    )
