"""/api/v1/: cases, their people and their home visits."""

from __future__ import annotations

from django.urls import path

from . import views

app_name = "api"

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="token"),
    path("auth/token/revoke/", views.TokenRevokeView.as_view(), name="token-revoke"),
    path("cases/", views.CaseListView.as_view(), name="case-list"),
    path("cases/<int:case_id>/", views.CaseDetailView.as_view(), name="case-detail"),
    path(
        "cases/<int:case_id>/transition/",
        views.CaseTransitionView.as_view(),
        name="case-transition",
    ),
    path("cases/<int:case_id>/people/", views.PersonListView.as_view(), name="person-list"),
    path(
        "cases/<int:case_id>/people/<int:person_id>/",
        views.PersonDetailView.as_view(),
        name="person-detail",
    ),
    path("cases/<int:case_id>/visits/", views.VisitListView.as_view(), name="visit-list"),
    path(
        "cases/<int:case_id>/visits/<int:visit_id>/",
        views.VisitDetailView.as_view(),
        name="visit-detail",
    ),
    path(
        "cases/<int:case_id>/visits/<int:visit_id>/sign/",
        views.VisitSignView.as_view(),
        name="visit-sign",
    ),
    path(
        "cases/<int:case_id>/visits/<int:visit_id>/addenda/",
        views.VisitAddendumView.as_view(),
        name="visit-addenda",
    ),
]
