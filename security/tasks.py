"""Celery tasks of the security app. Safe to run twice, and twice at once (DESIGN rule 6)."""

from __future__ import annotations

from celery import shared_task

from .seals import audit_seal


@shared_task(acks_late=True, ignore_result=True)
def seal_audit_events() -> dict[str, int]:
    """Run by beat: seal the audit events written since the last seal (security/seals.py)."""
    seals = audit_seal()
    return {"seals": len(seals), "events": sum(seal.event_count for seal in seals)}
