"""The demo's safety networks, safety plans and support delivered (to be filled)."""

from __future__ import annotations

from casework.models import Case, Organisation, User


def demo_safety_load(organisation: Organisation, users: dict[str, User], cases: list[Case]) -> None:
    return None
