"""The referrals API: the directory, intake and screening, consent, outgoing referrals, and the
partner's side.

Built like the other apps' APIs:
- a case only through `get_case_for` (404 for forbidden and missing, 403 for seen but not
  changeable), a record inside it only through `get_record_for` on that case's records;
  a service, an intake or a partner's referral only through their selectors' doors (404);
- a partner works only on `partner/referrals/` and sees only `selectors.partner_view`; every
  other endpoint answers a partner 404, and the partner endpoints answer staff 404;
- every successful read leaves exactly one `audit_view` event; writes are the services' and
  they audit themselves; a service's refusal and a stale edit each leave one event here;
- token authentication first, so an anonymous call answers 401.
"""

from __future__ import annotations

from .directory import (
    IntakeDetailView,
    IntakeListView,
    IntakeMatchesView,
    IntakeScreenView,
    ServiceDetailView,
    ServiceListView,
)
from .sharing import (
    ConsentListView,
    ConsentWithdrawView,
    PartnerAcceptView,
    PartnerAcknowledgeView,
    PartnerCompleteView,
    PartnerDeclineView,
    PartnerReferralDetailView,
    PartnerReferralListView,
    ReferralDetailView,
    ReferralFollowUpView,
    ReferralListView,
    ReferralSendView,
    ReferralWithdrawView,
)

__all__ = [
    "ConsentListView",
    "ConsentWithdrawView",
    "IntakeDetailView",
    "IntakeListView",
    "IntakeMatchesView",
    "IntakeScreenView",
    "PartnerAcceptView",
    "PartnerAcknowledgeView",
    "PartnerCompleteView",
    "PartnerDeclineView",
    "PartnerReferralDetailView",
    "PartnerReferralListView",
    "ReferralDetailView",
    "ReferralFollowUpView",
    "ReferralListView",
    "ReferralSendView",
    "ReferralWithdrawView",
    "ServiceDetailView",
    "ServiceListView",
]
