"""Celery tasks of the review phase. Each is idempotent: running it twice sends nothing twice."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.conf import settings

from . import reminders


@shared_task(bind=True, acks_late=True, ignore_result=False)
def send_review_reminders(self: Any) -> dict[str, int]:
    """Run by beat every few minutes (one beat only: see README, Production).

    It claims what is due, then sends. When more is unsent than one batch, it asks
    REVIEW_REMINDER_SENDERS - 1 helpers on its own queue to send beside it: they lease
    different reminders (SKIP LOCKED), so a large sweep takes a fraction of the time on a
    worker with several processes, and nothing goes out twice.
    """
    claimed = reminders.claim_due_reminders()
    helpers = 0
    if settings.REVIEW_REMINDER_SENDERS > 1 and reminders.unsent_count() > reminders.BATCH:
        # On the queue this sweep came from, where the workers that run sweeps listen.
        route = (
            {"queue": queue}
            if (queue := (self.request.delivery_info or {}).get("routing_key"))
            else {}
        )
        for _ in range(settings.REVIEW_REMINDER_SENDERS - 1):
            deliver_review_reminders.apply_async(**route)
            helpers += 1
    delivered = reminders.deliver_pending()
    return {"claimed": claimed, "delivered": delivered, "helpers": helpers}


@shared_task(acks_late=True, ignore_result=False)
def deliver_review_reminders() -> dict[str, int]:
    """A helper of a large sweep: sends whatever unsent reminders it can lease."""
    return {"delivered": reminders.deliver_pending()}
