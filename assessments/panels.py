"""The case page's assessment panel (filled in by the pages work)."""

from __future__ import annotations

from typing import Any

from casework.access import Perm
from casework.models import Case, User
from casework.panels import CasePanel


def assessment_panel_context(
    case: Case, user: User, perms: frozenset[Perm]
) -> dict[str, Any] | None:
    return None


ASSESSMENT_PANEL = CasePanel(
    key="assessment",
    order=10,
    template="assessments/panel.html",
    context=assessment_panel_context,
)
