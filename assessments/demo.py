"""The demo's assessments, mappings, scale scores, children's voices and plans (to be filled)."""

from __future__ import annotations

from casework.models import Case, Organisation, User


def demo_assessments_load(
    organisation: Organisation, users: dict[str, User], cases: list[Case]
) -> None:
    return None
