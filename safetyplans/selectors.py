"""Reads of the intervention phase that need scoping."""

from __future__ import annotations

import datetime

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from casework.access import cases_visible_to
from casework.models import Case, User

from .models import SafetyPlan

# A case in intervention this long without an agreed safety plan needs the supervisor's eye.
ATTENTION_AFTER = datetime.timedelta(days=30)


def cases_needing_a_safety_plan(user: User | AnonymousUser) -> QuerySet[Case]:
    """A supervisor's attention list: cases in intervention for 30 days or more with no agreed
    safety plan, among the cases the user manages (export permission), longest waiting first."""
    if not isinstance(user, User) or user.role != User.Role.SUPERVISOR:
        return Case.objects.none()
    agreed = SafetyPlan.objects.filter(case=OuterRef("pk"), status=SafetyPlan.Status.AGREED)
    return (
        cases_visible_to(user, perm="export")
        .filter(phase=Case.Phase.INTERVENTION, phase_since__lte=timezone.now() - ATTENTION_AFTER)
        .exclude(Exists(agreed))
        .select_related("family", "worker", "team")
        .order_by("phase_since", "pk")
    )
