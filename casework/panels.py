"""Panels the phase apps add to the case page (DESIGN: the core stays ignorant of who plugs in).

A phase app registers a panel in its AppConfig.ready(): a template and a function that builds
its context for one case. The function runs only after the door let the user in; it must use a
fixed number of queries however long the case's history, and it must not audit (the case page
records the one read).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .access import Perm
from .models import Case, User

PanelContext = Callable[[Case, User, frozenset[Perm]], dict[str, Any] | None]


@dataclass(frozen=True)
class CasePanel:
    key: str
    order: int
    template: str
    context: PanelContext


@dataclass(frozen=True)
class RenderedPanel:
    key: str
    template: str
    context: dict[str, Any]


_panels: dict[str, CasePanel] = {}


def register_case_panel(panel: CasePanel) -> None:
    _panels[panel.key] = panel


def case_panels(case: Case, user: User, perms: frozenset[Perm]) -> list[RenderedPanel]:
    """The panels to show on this case's page, in order (a panel returning None is left out)."""
    rendered = []
    for panel in sorted(_panels.values(), key=lambda p: (p.order, p.key)):
        context = panel.context(case, user, perms)
        if context is not None:
            rendered.append(RenderedPanel(panel.key, panel.template, context))
    return rendered
