"""The case file's "Referrals and consents" section: the family's consents to sharing, the
referrals to services (what each shared, and what the service answered), and the incoming
referral that brought the case in.

It runs after the door let the exporter in with "export", inside the exporter's language, and
must not audit (the export records the one event). It takes a fixed number of queries however
many consents and referrals the case has.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy

from casework.documents import CaseFileSection
from casework.models import Case, ConcernCategory, Person

from . import sharing
from .models import Consent, HelpKind, Intake, OutgoingReferral, Service
from .panels import consent_state


@dataclass(frozen=True)
class ConsentEntry:
    consent: Consent
    state: str  # "in_force", "withdrawn", "expired" or "not_yet"
    state_label: str
    services: list[str]
    kinds: list[str]
    information: str


@dataclass(frozen=True)
class ReferralEntry:
    referral: OutgoingReferral
    children: list[Person]
    # The labels of the fields in the snapshot the service received (empty for a draft).
    shared: str


def shared_codes(referral: OutgoingReferral) -> list[str]:
    """The chosen fields that are in the snapshot sent to the service, in catalogue order."""
    if referral.sent_at is None:
        return []
    data = referral.shared_data or {}
    codes = []
    for code in referral.shared_fields:
        field = sharing.CATALOGUE.get(code)
        if field is None:
            continue
        if code in data or (field.per_child and "children" in data):
            codes.append(code)
    return codes


def _consents(case: Case) -> list[ConsentEntry]:
    today = timezone.localdate()
    consents = (
        Consent.objects.filter(case=case)
        .select_related("given_by", "recorded_by", "withdrawn_by_person")
        .prefetch_related(
            Prefetch("services", queryset=Service.objects.order_by("name", "pk")),
            Prefetch("kinds", queryset=HelpKind.objects.order_by("order", "name")),
        )
        .order_by("given_on", "pk")
    )
    entries = []
    for consent in consents:
        state, label = consent_state(consent, today)
        entries.append(
            ConsentEntry(
                consent=consent,
                state=state,
                state_label=label,
                services=[service.name for service in consent.services.all()],
                kinds=[kind.label for kind in consent.kinds.all()],
                information=sharing.labels(consent.information),
            )
        )
    return entries


def _referrals(case: Case) -> list[ReferralEntry]:
    referrals = (
        OutgoingReferral.objects.filter(case=case)
        .select_related("service", "help_kind", "consent__given_by", "override_by", "sent_by")
        .prefetch_related(Prefetch("children", queryset=Person.objects.order_by("pk")))
        .order_by("created_at", "pk")
    )
    return [
        ReferralEntry(
            referral=referral,
            children=list(referral.children.all()),
            shared=sharing.labels(shared_codes(referral)),
        )
        for referral in referrals
    ]


def _intakes(case: Case) -> list[Intake]:
    """The incoming referrals screened into this case: the one that opened it first."""
    return list(
        Intake.objects.filter(case=case)
        .select_related("decided_by", "village")
        .prefetch_related(
            Prefetch("concerns", queryset=ConcernCategory.objects.order_by("order", "name"))
        )
        .order_by("received_at", "pk")
    )


def referrals_context(case: Case) -> dict[str, Any]:
    return {
        "consents": _consents(case),
        "referrals": _referrals(case),
        "intakes": _intakes(case),
    }


REFERRALS_SECTION = CaseFileSection(
    key="referrals",
    order=100,
    label=gettext_lazy("Referrals and consents"),
    template="reports/sections/referrals.html",
    context=referrals_context,
    help_text=gettext_lazy(
        "The incoming referral, the family's consents to sharing, and the referrals to "
        "services with what each received."
    ),
)
