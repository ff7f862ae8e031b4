"""/api/v1/ endpoints of assessment and planning."""

from __future__ import annotations

from django.urls import URLPattern

app_name = "assessments_api"

urlpatterns: list[URLPattern] = []
