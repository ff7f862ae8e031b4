"""Consent and outgoing referrals on a case (the staff's side; partners have their portal)."""

from __future__ import annotations

from django.urls import URLPattern, path

from . import views_case as views

C = "cases/<int:case_id>/"
R = f"{C}referrals/<int:referral_id>/"

urlpatterns: list[URLPattern] = [
    path(f"{C}consents/new/", views.consent_new, name="consent_new"),
    path(
        f"{C}consents/<int:consent_id>/withdraw/",
        views.consent_withdraw,
        name="consent_withdraw",
    ),
    path(f"{C}referrals/new/", views.referral_new, name="referral_new"),
    path(R, views.referral_detail, name="referral_detail"),
    path(f"{R}edit/", views.referral_edit, name="referral_edit"),
    path(f"{R}send/", views.referral_send, name="referral_send"),
    path(f"{R}follow-up/", views.referral_follow_up, name="referral_follow_up"),
    path(f"{R}withdraw/", views.referral_withdraw, name="referral_withdraw"),
    path(f"{R}letter/", views.referral_letter, name="referral_letter"),
]
