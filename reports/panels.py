"""The case page's export panel: the way to the export form, for people who may export.

It adds no query: the door has already said what the user may do with the case. (The export
form lists the user's recent exports of the case.)
"""

from __future__ import annotations

from typing import Any

from casework.access import Perm
from casework.models import Case, User
from casework.panels import CasePanel


def exports_panel_context(case: Case, user: User, perms: frozenset[Perm]) -> dict[str, Any] | None:
    if "export" not in perms:
        return None
    return {"case": case}


EXPORTS_PANEL = CasePanel(
    key="exports", order=900, template="reports/panel.html", context=exports_panel_context
)
