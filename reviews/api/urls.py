"""/api/v1/ endpoints of the reviews app."""

from __future__ import annotations

from django.urls import URLPattern

app_name = "reviews_api"

urlpatterns: list[URLPattern] = []
