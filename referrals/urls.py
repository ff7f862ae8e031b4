"""Pages of the referrals app: consent and outgoing referrals on a case (urls_case); intake,
the service directory and the partners' portal (urls_people)."""

from __future__ import annotations

from django.urls import URLPattern

from . import urls_case, urls_people

urlpatterns: list[URLPattern] = [*urls_case.urlpatterns, *urls_people.urlpatterns]
