"""The review chair's temporary grant: view access while their review is open (DESIGN rule 2)."""

from __future__ import annotations

from casework.access import Perm
from casework.models import Case

from .models import Review

CHAIR_PERMS: frozenset[Perm] = frozenset({"view"})


def chair_grants(case: Case) -> dict[int, frozenset[Perm]]:
    """Chairs of this case's scheduled reviews see the case; sign-off or cancelling ends it."""
    chairs = Review.objects.filter(
        case=case, status=Review.Status.SCHEDULED, chair__isnull=False, chair__is_active=True
    ).values_list("chair_id", flat=True)
    return {chair_id: CHAIR_PERMS for chair_id in chairs if chair_id is not None}
