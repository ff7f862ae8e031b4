"""The case page's export panel: a way to the export form, and the user's own recent exports.

Shown only to people who may export the case (no query at all for anybody else); one query
for them, however many exports they made.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from casework.access import Perm
from casework.models import Case, User
from casework.panels import CasePanel

from .models import CaseExport

RECENT = 5


def exports_panel_context(case: Case, user: User, perms: frozenset[Perm]) -> dict[str, Any] | None:
    if "export" not in perms:
        return None
    recent = list(
        CaseExport.objects.filter(
            case=case, requested_by=user, expires_at__gt=timezone.now()
        ).order_by("-requested_at")[:RECENT]
    )
    return {"case": case, "exports": recent}


EXPORTS_PANEL = CasePanel(
    key="exports", order=900, template="reports/panel.html", context=exports_panel_context
)
