"""Celery tasks of the security app. Safe to run twice, and twice at once (DESIGN rule 6)."""

from __future__ import annotations

from celery import shared_task

from .seals import audit_seal


@shared_task(acks_late=True, ignore_result=True)
def seal_audit_events() -> dict[str, int]:
    """Run by beat: seal the audit events written since the last seal (security/seals.py)."""
    seals = audit_seal()
    return {"seals": len(seals), "events": sum(seal.event_count for seal in seals)}


@shared_task(acks_late=True, ignore_result=True)
def notify_emergency_access(access_id: int) -> int:
    """Queued when emergency access is taken: e-mail the case's worker and supervisors once."""
    from .emergency import emergency_notify

    return emergency_notify(access_id)


@shared_task(acks_late=True, ignore_result=True)
def end_emergency_accesses() -> dict[str, int]:
    """Run by beat: end the emergency accesses past their time (their grants are re-derived)."""
    from .emergency import emergency_sweep

    return emergency_sweep()


@shared_task(acks_late=True, ignore_result=True)
def clear_expired_sessions() -> None:
    """Run by beat: delete sessions past their expiry (Django keeps them until someone does)."""
    from importlib import import_module

    from django.conf import settings

    engine = import_module(settings.SESSION_ENGINE)
    engine.SessionStore.clear_expired()
