"""The assessment and mapping pages, under each case's address."""

from __future__ import annotations

from django.urls import path

from . import views_assessment as views

urlpatterns = [
    path("cases/<int:case_id>/assessment/", views.assessment_overview, name="assessment_overview"),
    path("cases/<int:case_id>/assessment/start/", views.assessment_start, name="assessment_start"),
    path(
        "cases/<int:case_id>/assessment/<int:assessment_id>/edit/",
        views.assessment_edit,
        name="assessment_edit",
    ),
    path(
        "cases/<int:case_id>/assessment/<int:assessment_id>/submit/",
        views.assessment_submit,
        name="assessment_submit",
    ),
    path(
        "cases/<int:case_id>/assessment/<int:assessment_id>/decide/",
        views.assessment_decide,
        name="assessment_decide",
    ),
    path("cases/<int:case_id>/mappings/new/", views.mapping_new, name="mapping_new"),
    path(
        "cases/<int:case_id>/mappings/<int:mapping_id>/edit/",
        views.mapping_edit,
        name="mapping_edit",
    ),
    path("cases/<int:case_id>/safety-scale/new/", views.scale_new, name="scale_new"),
    path("cases/<int:case_id>/child-voices/new/", views.child_voice_new, name="child_voice_new"),
    path(
        "cases/<int:case_id>/child-voices/<int:voice_id>/edit/",
        views.child_voice_edit,
        name="child_voice_edit",
    ),
    path(
        "cases/<int:case_id>/child-voices/<int:voice_id>/drawing/",
        views.child_voice_drawing,
        name="child_voice_drawing",
    ),
]
