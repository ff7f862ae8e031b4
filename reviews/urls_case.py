"""Pages of one case's reviews: /cases/<id>/reviews/..., closing the case, its risk level."""

from __future__ import annotations

from django.urls import URLPattern, path

from . import views_case, views_review

C = "cases/<int:case_id>/"
R = f"{C}reviews/<int:review_id>/"

urlpatterns: list[URLPattern] = [
    path(f"{C}reviews/", views_case.case_reviews, name="case_reviews"),
    path(f"{C}reviews/schedule/", views_case.review_schedule, name="review_schedule"),
    path(R, views_case.review_detail, name="review_detail"),
    path(f"{R}record/", views_review.review_record, name="review_record"),
    path(f"{R}chair/", views_case.review_assign_chair, name="review_assign_chair"),
    path(f"{R}reschedule/", views_case.review_reschedule, name="review_reschedule"),
    path(f"{R}addendum/", views_case.review_addendum, name="review_addendum"),
    path(
        f"{C}returning/<int:flag_id>/seen/",
        views_case.return_flag_seen,
        name="return_flag_seen",
    ),
    path(f"{C}close/", views_case.case_close, name="case_close"),
    path(f"{C}risk/", views_case.case_risk, name="case_risk"),
]
