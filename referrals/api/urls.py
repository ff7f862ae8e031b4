"""/api/v1/ endpoints of the referrals app."""

from __future__ import annotations

from django.urls import URLPattern, path

from . import views

app_name = "referrals_api"

CASE = "cases/<int:case_id>/"
REFERRAL = CASE + "referrals/<int:referral_id>/"
PARTNER = "partner/referrals/<int:referral_id>/"

urlpatterns: list[URLPattern] = [
    # The directory of services.
    path("services/", views.ServiceListView.as_view(), name="service-list"),
    path("services/<int:service_id>/", views.ServiceDetailView.as_view(), name="service-detail"),
    # Incoming referrals and their screening.
    path("intake/", views.IntakeListView.as_view(), name="intake-list"),
    path("intake/<int:intake_id>/", views.IntakeDetailView.as_view(), name="intake-detail"),
    path(
        "intake/<int:intake_id>/matches/",
        views.IntakeMatchesView.as_view(),
        name="intake-matches",
    ),
    path("intake/<int:intake_id>/screen/", views.IntakeScreenView.as_view(), name="intake-screen"),
    # A case's consents and referrals to services.
    path(CASE + "consents/", views.ConsentListView.as_view(), name="consent-list"),
    path(
        CASE + "consents/<int:consent_id>/withdraw/",
        views.ConsentWithdrawView.as_view(),
        name="consent-withdraw",
    ),
    path(CASE + "referrals/", views.ReferralListView.as_view(), name="referral-list"),
    path(REFERRAL, views.ReferralDetailView.as_view(), name="referral-detail"),
    path(REFERRAL + "send/", views.ReferralSendView.as_view(), name="referral-send"),
    path(REFERRAL + "withdraw/", views.ReferralWithdrawView.as_view(), name="referral-withdraw"),
    path(REFERRAL + "follow-up/", views.ReferralFollowUpView.as_view(), name="referral-follow-up"),
    # The partner's side: only what was sent to their service.
    path(
        "partner/referrals/",
        views.PartnerReferralListView.as_view(),
        name="partner-referral-list",
    ),
    path(PARTNER, views.PartnerReferralDetailView.as_view(), name="partner-referral-detail"),
    path(
        PARTNER + "acknowledge/",
        views.PartnerAcknowledgeView.as_view(),
        name="partner-referral-acknowledge",
    ),
    path(PARTNER + "accept/", views.PartnerAcceptView.as_view(), name="partner-referral-accept"),
    path(PARTNER + "decline/", views.PartnerDeclineView.as_view(), name="partner-referral-decline"),
    path(
        PARTNER + "complete/",
        views.PartnerCompleteView.as_view(),
        name="partner-referral-complete",
    ),
]
