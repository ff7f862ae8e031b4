from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers


class UserPreferencesMiddleware:
    """Show dates and times in the signed-in user's organisation's time zone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        organisation = getattr(user, "organisation", None) if user.is_authenticated else None
        if organisation is not None:
            timezone.activate(zoneinfo.ZoneInfo(organisation.time_zone))
        else:
            timezone.deactivate()
        return self.get_response(request)


class NoStoreMiddleware:
    """`Cache-Control: no-store` on every answer the app itself gives, pages and API alike.

    A case page left in a shared phone's browser cache, or in a proxy's, is a child's record
    read by whoever comes next. Static files never reach this (WhiteNoise answers them first);
    a view that already said no-store (a drawing, an export) keeps its own wording.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "no-store" not in response.get("Cache-Control", ""):
            add_never_cache_headers(response)
        return response
