"""Assessment and planning pages, under each case's address."""

from __future__ import annotations

from django.urls import include, path

urlpatterns = [
    path("", include("assessments.urls_assessment")),
    path("", include("assessments.urls_plan")),
]
