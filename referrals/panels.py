"""The consent and referrals panel on the case page (filled in by the pages work)."""

from __future__ import annotations

from typing import Any

from casework.access import Perm
from casework.models import Case, User
from casework.panels import CasePanel


def referrals_panel_context(
    case: Case, user: User, perms: frozenset[Perm]
) -> dict[str, Any] | None:
    return None


REFERRALS_PANEL = CasePanel(
    key="referrals", order=50, template="referrals/case/panel.html", context=referrals_panel_context
)
