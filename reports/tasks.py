"""Celery tasks for exports. Both take ids and are safe to run twice (DESIGN rule 6)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from . import services


@shared_task(
    acks_late=True,
    ignore_result=True,
    soft_time_limit=settings.EXPORT_SOFT_TIME_LIMIT,
    time_limit=settings.EXPORT_HARD_TIME_LIMIT,
)
def render_export(export_id: str) -> str | None:
    """Render one case file (routed to the `pdf` queue by CELERY_TASK_ROUTES)."""
    export = services.export_render(export_id)
    return None if export is None else export.status


@shared_task(acks_late=True, ignore_result=True)
def purge_exports() -> dict[str, int]:
    """Run by beat: delete files past their 24 hours, re-queue case files that were lost."""
    result = services.exports_purge()
    return {"deleted": result.deleted, "requeued": result.requeued}
