"""Pages of emergency access: the request form, the report, one access, and the banner's button."""

from __future__ import annotations

from django.urls import URLPattern, path

from . import views

E = "emergency-access/<int:access_id>/"

urlpatterns: list[URLPattern] = [
    path("emergency-access/", views.access_list, name="emergency_list"),
    path("emergency-access/new/", views.request_access, name="emergency_request"),
    path(E, views.access_detail, name="emergency_detail"),
    path(f"{E}end/", views.access_end, name="emergency_end"),
    path(f"{E}review/", views.access_review, name="emergency_review"),
    path(
        "cases/<int:case_id>/emergency-access/end/",
        views.case_access_end,
        name="case_emergency_end",
    ),
]
