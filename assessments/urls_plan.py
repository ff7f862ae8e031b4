"""The case plan under each case's address, the approvals queue and the need domains."""

from __future__ import annotations

from django.urls import URLPattern, path

from . import views_plan

urlpatterns: list[URLPattern] = [
    path("cases/<int:case_id>/plan/", views_plan.plan_detail, name="plan_detail"),
    path(
        "cases/<int:case_id>/plan/actions/<int:action_id>/",
        views_plan.plan_action_progress,
        name="plan_action_progress",
    ),
    path("cases/<int:case_id>/plans/", views_plan.plan_history, name="plan_history"),
    path("cases/<int:case_id>/plans/new/", views_plan.plan_start, name="plan_start"),
    path("cases/<int:case_id>/plans/<int:plan_id>/", views_plan.plan_version, name="plan_version"),
    path("cases/<int:case_id>/plans/<int:plan_id>/edit/", views_plan.plan_edit, name="plan_edit"),
    path(
        "cases/<int:case_id>/plans/<int:plan_id>/submit/",
        views_plan.plan_submit,
        name="plan_submit",
    ),
    path(
        "cases/<int:case_id>/plans/<int:plan_id>/decide/",
        views_plan.plan_decide,
        name="plan_decide",
    ),
    path("approvals/", views_plan.approvals_queue, name="approvals_queue"),
    path("need-domains/", views_plan.need_domain_list, name="need_domain_list"),
    path("need-domains/new/", views_plan.need_domain_new, name="need_domain_new"),
    path("need-domains/<int:domain_id>/", views_plan.need_domain_edit, name="need_domain_edit"),
    path(
        "need-domains/<int:domain_id>/move/",
        views_plan.need_domain_move,
        name="need_domain_move",
    ),
]
