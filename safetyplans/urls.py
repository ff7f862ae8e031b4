"""Pages of the intervention phase (filled in by the pages work)."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
