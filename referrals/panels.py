"""The consent and referrals panel on the case page.

It runs after the door let the user in and must not audit (the case page records the one read).
It takes two queries however many consents and referrals the case has: one for the consents
(the names of their services and kinds of help folded in as arrays), one for the referrals.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.access import Perm
from casework.models import Case, User
from casework.panels import CasePanel

from . import sharing
from .models import Consent, HelpKind, OutgoingReferral, Service


@dataclass(frozen=True)
class ConsentRow:
    consent: Consent
    state: str  # "in_force", "withdrawn", "expired" or "not_yet"
    state_label: str
    recipients: str
    information: str
    withdraw_url: str | None


def consent_state(consent: Consent, today: datetime.date) -> tuple[str, str]:
    if consent.withdrawn_on is not None and consent.withdrawn_on <= today:
        return "withdrawn", _("Withdrawn")
    if consent.expires_on is not None and consent.expires_on < today:
        return "expired", _("Expired")
    if consent.given_on > today:
        return "not_yet", _("Not yet in force")
    return "in_force", _("In force")


def consent_rows(
    case: Case, *, may_change: bool, today: datetime.date | None = None
) -> list[ConsentRow]:
    """The case's consents, newest first, with the services and kinds they name: three
    queries however many (two of them only when the case has consents)."""
    today = today or timezone.localdate()
    consents = (
        Consent.objects.filter(case=case)
        .select_related("given_by", "withdrawn_by_person")
        .prefetch_related(
            Prefetch("services", queryset=Service.objects.order_by("name", "pk")),
            Prefetch("kinds", queryset=HelpKind.objects.order_by("order", "name")),
        )
        .order_by("-given_on", "-pk")
    )
    rows = []
    for consent in consents:
        state, label = consent_state(consent, today)
        recipients = [
            *(service.name for service in consent.services.all()),
            *(kind.label for kind in consent.kinds.all()),
        ]
        rows.append(
            ConsentRow(
                consent=consent,
                state=state,
                state_label=label,
                recipients=", ".join(recipients),
                information=sharing.labels(consent.information),
                withdraw_url=(
                    reverse("consent_withdraw", args=[case.pk, consent.pk])
                    if may_change and consent.withdrawn_on is None
                    else None
                ),
            )
        )
    return rows


def referral_rows(case: Case) -> list[OutgoingReferral]:
    """The case's referrals, newest first, with how many children each is about (one query)."""
    return list(
        OutgoingReferral.objects.filter(case=case)
        .select_related("service", "help_kind")
        .annotate(children_count=Count("children"))
        .order_by("-created_at", "-pk")
    )


def referrals_panel_context(
    case: Case, user: User, perms: frozenset[Perm]
) -> dict[str, Any] | None:
    may_change = "change" in perms and case.phase != Case.Phase.CLOSED
    today = timezone.localdate()
    rows = consent_rows(case, may_change=may_change, today=today)
    referrals = referral_rows(case)
    return {
        "in_force": [r for r in rows if r.state in ("in_force", "not_yet")],
        "ended": [r for r in rows if r.state in ("withdrawn", "expired")],
        "referrals": [
            {
                "referral": r,
                "url": reverse("referral_detail", args=[case.pk, r.pk]),
                "follow_up_due": (
                    r.follow_up_on is not None and r.follow_up_on <= today and not r.is_final
                ),
            }
            for r in referrals
        ],
        "consent_new_url": reverse("consent_new", args=[case.pk]) if may_change else None,
        "referral_new_url": reverse("referral_new", args=[case.pk]) if may_change else None,
    }


REFERRALS_PANEL = CasePanel(
    key="referrals", order=50, template="referrals/case/panel.html", context=referrals_panel_context
)
