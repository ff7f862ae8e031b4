"""The bell's part in emergency access: the people told about it find it among their notices.

Security records the access and e-mails the same people; here each of them gets one in-app
notification, written in the transaction that granted the access (it rolls back with it).
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Sequence
from typing import Any, Protocol

from django.utils import timezone

from casework.models import Case, User

from ..models import Notification


class _Access(Protocol):
    # security.models.EmergencyAccess, as far as the bell needs it (reviews does not import the
    # security app: the event hands the access over).
    started_at: datetime.datetime


def on_emergency_access(
    *,
    case: Case,
    actor: User | None,
    access: _Access,
    recipients: Sequence[int],
    **_: Any,
) -> None:
    """Hook for the "emergency_access" case event: one notification per recipient.

    The date is the day it started where the case's organisation works, like review dates.
    """
    zone = zoneinfo.ZoneInfo(case.team.organisation.time_zone)
    started_on = timezone.localtime(access.started_at, zone).date()
    Notification.objects.bulk_create(
        Notification(
            user_id=user_id,
            kind=Notification.Kind.EMERGENCY,
            case=case,
            actor=actor,
            due_on=started_on,
        )
        for user_id in dict.fromkeys(recipients)
    )
