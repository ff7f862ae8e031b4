"""/api/v1/ endpoints of the reviews app."""

from __future__ import annotations

from django.urls import URLPattern, path

from . import views

app_name = "reviews_api"

CASE = "cases/<int:case_id>/"
REVIEW = CASE + "reviews/<int:review_id>/"

urlpatterns: list[URLPattern] = [
    # A case's reviews.
    path(CASE + "reviews/", views.ReviewListView.as_view(), name="review-list"),
    path(REVIEW, views.ReviewDetailView.as_view(), name="review-detail"),
    path(REVIEW + "chair/", views.ReviewChairView.as_view(), name="review-chair"),
    path(REVIEW + "reschedule/", views.ReviewRescheduleView.as_view(), name="review-reschedule"),
    path(REVIEW + "sign/", views.ReviewSignView.as_view(), name="review-sign"),
    path(REVIEW + "addenda/", views.ReviewAddendumView.as_view(), name="review-addenda"),
    # Closing the case, and its risk level (which moves the review cadence).
    path(CASE + "closure/", views.ClosureView.as_view(), name="closure"),
    path(CASE + "risk/", views.RiskView.as_view(), name="risk"),
    # The people's own lists.
    path("reviews/chairing/", views.ChairingListView.as_view(), name="chairing-list"),
    path("notifications/", views.NotificationListView.as_view(), name="notification-list"),
    path("notifications/read/", views.NotificationsReadView.as_view(), name="notifications-read"),
    path("review-policy/", views.ReviewPolicyView.as_view(), name="review-policy"),
]
