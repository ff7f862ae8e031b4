"""Sign-in, sign-out and failed sign-in go into the audit trail.

Django announces these only through its auth signals, so this is the one place Upstream
listens to signals: each receiver records an event and does nothing else.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .audit import Event, audit_record
from .models import User


@receiver(user_logged_in)
def audit_login(sender: Any, request: Any, user: User, **kwargs: Any) -> None:
    audit_record(actor=user, event=Event.LOGIN, obj=user)


@receiver(user_logged_out)
def audit_logout(sender: Any, request: Any, user: User | None, **kwargs: Any) -> None:
    if user is not None:
        audit_record(actor=user, event=Event.LOGOUT, obj=user)


@receiver(user_login_failed)
def audit_login_failed(sender: Any, credentials: dict[str, Any], **kwargs: Any) -> None:
    # The attempted username is kept (never the password), whether or not the account exists.
    username = str(credentials.get("username", ""))[:150]
    audit_record(
        actor=None,
        event=Event.LOGIN_FAILED,
        model=User,
        object_pk=None,
        extra={"username": username},
    )
