"""Celery tasks of the review phase. Each is idempotent: running it twice sends nothing twice."""

from __future__ import annotations

from celery import shared_task

from . import reminders


@shared_task(acks_late=True, ignore_result=False)
def send_review_reminders() -> dict[str, int]:
    """Run by beat every few minutes (one beat only: see README, Production)."""
    return reminders.sweep()
