"""Every write of the referrals app goes through a service here (DESIGN rule 3).

Typed, keyword-only, one transaction each, validated, audited. Refusals raise
PermissionDenied (not allowed), ValidationError (with translated messages, by field where
there is one) or casework.services.StaleEdit (somebody saved a newer version).

The directory (`directory`): service_create, service_update, intake_worker_add,
intake_worker_remove. Intake (`intake`): intake_record, intake_update, intake_screen.
Kinds of help (`help_kinds`): help_kind_save.
Consent (`consent`): consent_record, consent_withdraw. Outgoing referrals (`outgoing`):
referral_draft, referral_update, referral_send, referral_withdraw, referral_follow_up_set, and
the partner's referral_acknowledge, referral_accept, referral_decline, referral_complete.
"""

from __future__ import annotations

from .consent import consent_record, consent_withdraw
from .directory import (
    SERVICE_FIELDS,
    intake_worker_add,
    intake_worker_remove,
    service_create,
    service_update,
)
from .help_kinds import HelpKindData, help_kind_save
from .intake import INTAKE_FIELDS, IntakePersonData, intake_record, intake_screen, intake_update
from .outgoing import (
    REFERRAL_FIELDS,
    referral_accept,
    referral_acknowledge,
    referral_complete,
    referral_decline,
    referral_draft,
    referral_follow_up_set,
    referral_send,
    referral_update,
    referral_withdraw,
)

__all__ = [
    "INTAKE_FIELDS",
    "REFERRAL_FIELDS",
    "SERVICE_FIELDS",
    "HelpKindData",
    "IntakePersonData",
    "consent_record",
    "consent_withdraw",
    "help_kind_save",
    "intake_record",
    "intake_screen",
    "intake_update",
    "intake_worker_add",
    "intake_worker_remove",
    "referral_accept",
    "referral_acknowledge",
    "referral_complete",
    "referral_decline",
    "referral_draft",
    "referral_follow_up_set",
    "referral_send",
    "referral_update",
    "referral_withdraw",
    "service_create",
    "service_update",
]
