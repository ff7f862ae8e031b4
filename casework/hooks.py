"""Facts the phase apps react to, without the core knowing who listens (DESIGN: registries).

A service in `casework` (or an earlier phase app) calls `case_event(...)` inside its own
transaction after it has written; every hook registered for that event runs there too, so a
reaction (reviews restarting the cadence when the safety scale falls, the revolving-door check
when a family comes back) commits or rolls back with the change that caused it. Hooks are
explicit calls from services, not Django signals: a `.save()` elsewhere triggers nothing.

Events and their keyword data:
- "opened": case, actor — a new case was opened.
- "phase_changing": case, actor, before, after, reason — about to move; a hook may refuse by
  raising ValidationError (nothing has been written yet).
- "phase_changed": case, actor, before, after, reason, closed_on_before, reported_concerns —
  a case moved between phases (closed_on_before: the date it had been closed on, when reopened;
  reported_concerns: what the report that reopened it is about, possibly empty).
- "risk_changed": case, actor, before, after, reason — the case's risk level changed.
- "scale_recorded": case, actor, score — a safety-scale answer was recorded (assessments).
- "emergency_access": case, actor, access, recipients — `actor` took emergency access to the
  case (security); `recipients` are the ids of the people to tell (worker and supervisors).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any, Literal

from .models import Case, User

CaseEvent = Literal[
    "opened",
    "phase_changing",
    "phase_changed",
    "risk_changed",
    "scale_recorded",
    "emergency_access",
]
CaseHook = Callable[..., None]

_hooks: defaultdict[str, list[CaseHook]] = defaultdict(list)


def register_case_hook(event: CaseEvent, hook: CaseHook) -> None:
    """Phase apps subscribe from their AppConfig.ready(); registering twice is harmless."""
    if hook not in _hooks[event]:
        _hooks[event].append(hook)


def case_event(event: CaseEvent, *, case: Case, actor: User | None, **data: Any) -> None:
    """Run every hook for `event` in the caller's transaction (an error rolls the change back)."""
    for hook in list(_hooks[event]):
        hook(case=case, actor=actor, **data)
