"""Pages of the intervention phase: the safety network, the safety plan and the support given."""

from __future__ import annotations

from django.urls import URLPattern, path

from . import views

C = "cases/<int:case_id>/safety/"

urlpatterns: list[URLPattern] = [
    path(C, views.safety_overview, name="safety_overview"),
    path(f"{C}family/", views.safety_plan_family, name="safety_plan_family"),
    path(f"{C}network/new/", views.network_member_new, name="network_member_new"),
    path(f"{C}network/<int:member_id>/", views.network_member_edit, name="network_member_edit"),
    path(
        f"{C}network/<int:member_id>/remove/",
        views.network_member_remove,
        name="network_member_remove",
    ),
    path(f"{C}plan/start/", views.safety_plan_start, name="safety_plan_start"),
    path(f"{C}plan/versions/", views.safety_plan_versions, name="safety_plan_versions"),
    path(f"{C}plan/compare/", views.safety_plan_compare, name="safety_plan_compare"),
    path(f"{C}plan/<int:plan_id>/", views.safety_plan_version, name="safety_plan_version"),
    path(f"{C}plan/<int:plan_id>/edit/", views.safety_plan_edit, name="safety_plan_edit"),
    path(f"{C}plan/<int:plan_id>/agree/", views.safety_plan_agree, name="safety_plan_agree"),
    path(f"{C}support/new/", views.intervention_new, name="intervention_new"),
    path(f"{C}support/<int:intervention_id>/", views.intervention_edit, name="intervention_edit"),
    path("attention/", views.attention_list, name="attention_list"),
]
