"""/api/v1/ endpoints of the intervention phase."""

from __future__ import annotations

from django.urls import URLPattern

app_name = "safetyplans_api"

urlpatterns: list[URLPattern] = []
