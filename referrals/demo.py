"""The demo's intake, service directory, consents and referrals (filled in by the demo work)."""

from __future__ import annotations

from casework.models import Case, Organisation, User


def demo_referrals_load(
    organisation: Organisation, users: dict[str, User], cases: list[Case]
) -> None:
    return None
