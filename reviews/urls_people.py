from __future__ import annotations

from django.urls import URLPattern, path

from . import views_people

urlpatterns: list[URLPattern] = [
    path("reviews/dashboard/", views_people.review_dashboard, name="review_dashboard"),
    path("reviews/chairing/", views_people.reviews_to_chair, name="reviews_to_chair"),
    path("reviews/policy/", views_people.review_policy, name="review_policy"),
    path("notifications/", views_people.notification_list, name="notification_list"),
    path("notifications/count/", views_people.notification_count, name="notification_count"),
    path("notifications/read/", views_people.notifications_read_all, name="notifications_read_all"),
    path(
        "notifications/<int:notification_id>/",
        views_people.notification_open,
        name="notification_open",
    ),
]
