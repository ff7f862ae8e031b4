"""/api/v1/ endpoints of the referrals app."""

from __future__ import annotations

from django.urls import URLPattern

app_name = "referrals_api"

urlpatterns: list[URLPattern] = []
