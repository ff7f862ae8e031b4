"""The reviews panel on the case page (filled in by the pages work)."""

from __future__ import annotations

from typing import Any

from casework.access import Perm
from casework.models import Case, User
from casework.panels import CasePanel


def reviews_panel_context(case: Case, user: User, perms: frozenset[Perm]) -> dict[str, Any] | None:
    return None


REVIEWS_PANEL = CasePanel(
    key="reviews", order=40, template="reviews/panel.html", context=reviews_panel_context
)
