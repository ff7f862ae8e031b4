"""/api/v1/ endpoints of assessment and planning."""

from __future__ import annotations

from django.urls import URLPattern, path

from . import views

app_name = "assessments_api"

CASE = "cases/<int:case_id>/"

urlpatterns: list[URLPattern] = [
    path("need-domains/", views.NeedDomainListView.as_view(), name="need-domain-list"),
    path("approvals/", views.ApprovalListView.as_view(), name="approval-list"),
    # Needs-led assessments.
    path(CASE + "assessments/", views.AssessmentListView.as_view(), name="assessment-list"),
    path(
        CASE + "assessments/<int:assessment_id>/",
        views.AssessmentDetailView.as_view(),
        name="assessment-detail",
    ),
    path(
        CASE + "assessments/<int:assessment_id>/submit/",
        views.AssessmentSubmitView.as_view(),
        name="assessment-submit",
    ),
    path(
        CASE + "assessments/<int:assessment_id>/decide/",
        views.AssessmentDecideView.as_view(),
        name="assessment-decide",
    ),
    # Three-column mappings.
    path(CASE + "mappings/", views.MappingListView.as_view(), name="mapping-list"),
    path(
        CASE + "mappings/<int:mapping_id>/",
        views.MappingDetailView.as_view(),
        name="mapping-detail",
    ),
    # The safety scale (scores are never edited: a new answer is a new score).
    path(CASE + "scale-scores/", views.ScaleScoreListView.as_view(), name="scale-score-list"),
    # The child's voice, and the photo of a drawing through the door.
    path(CASE + "child-voices/", views.ChildVoiceListView.as_view(), name="child-voice-list"),
    path(
        CASE + "child-voices/<int:voice_id>/",
        views.ChildVoiceDetailView.as_view(),
        name="child-voice-detail",
    ),
    path(
        CASE + "child-voices/<int:voice_id>/drawing/",
        views.ChildVoiceDrawingView.as_view(),
        name="child-voice-drawing",
    ),
    # The case plan, version by version.
    path(CASE + "plans/", views.PlanListView.as_view(), name="plan-list"),
    path(CASE + "plans/<int:plan_id>/", views.PlanDetailView.as_view(), name="plan-detail"),
    path(
        CASE + "plans/<int:plan_id>/submit/",
        views.PlanSubmitView.as_view(),
        name="plan-submit",
    ),
    path(
        CASE + "plans/<int:plan_id>/decide/",
        views.PlanDecideView.as_view(),
        name="plan-decide",
    ),
    path(
        CASE + "plans/<int:plan_id>/actions/<int:action_id>/progress/",
        views.ActionProgressView.as_view(),
        name="action-progress",
    ),
]
