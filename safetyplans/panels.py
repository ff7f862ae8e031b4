"""The case page's safety plan panel (filled in by the pages work)."""

from __future__ import annotations

from typing import Any

from casework.access import Perm
from casework.models import Case, User
from casework.panels import CasePanel


def safety_panel_context(case: Case, user: User, perms: frozenset[Perm]) -> dict[str, Any] | None:
    return None


SAFETY_PANEL = CasePanel(
    key="safety",
    order=20,
    template="safetyplans/panel.html",
    context=safety_panel_context,
)
