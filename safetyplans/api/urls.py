"""/api/v1/ endpoints of the intervention phase."""

from __future__ import annotations

from django.urls import URLPattern, path

from . import views

app_name = "safetyplans_api"

CASE = "cases/<int:case_id>/"

urlpatterns: list[URLPattern] = [
    path("attention/", views.AttentionListView.as_view(), name="attention-list"),
    # The children's safety and support network.
    path(CASE + "network/", views.NetworkListView.as_view(), name="network-list"),
    path(
        CASE + "network/<int:member_id>/",
        views.NetworkDetailView.as_view(),
        name="network-detail",
    ),
    path(
        CASE + "network/<int:member_id>/remove/",
        views.NetworkRemoveView.as_view(),
        name="network-remove",
    ),
    # The safety plan, version by version.
    path(CASE + "safety-plans/", views.SafetyPlanListView.as_view(), name="safety-plan-list"),
    path(
        CASE + "safety-plans/<int:plan_id>/",
        views.SafetyPlanDetailView.as_view(),
        name="safety-plan-detail",
    ),
    path(
        CASE + "safety-plans/<int:plan_id>/agree/",
        views.SafetyPlanAgreeView.as_view(),
        name="safety-plan-agree",
    ),
    # Support delivered.
    path(CASE + "interventions/", views.InterventionListView.as_view(), name="intervention-list"),
    path(
        CASE + "interventions/<int:intervention_id>/",
        views.InterventionDetailView.as_view(),
        name="intervention-detail",
    ),
]
