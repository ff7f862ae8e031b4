"""Pages of the review phase: a case's reviews and closure (urls_case), and the people's own
lists — dashboard, chair's list, notifications, review policy (urls_people)."""

from __future__ import annotations

from django.urls import URLPattern

from . import urls_case, urls_people

urlpatterns: list[URLPattern] = [*urls_case.urlpatterns, *urls_people.urlpatterns]
