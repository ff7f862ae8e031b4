from __future__ import annotations

from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class SuperuserAdminSite(AdminSite):
    """The admin is a set-up tool: organisations, teams, villages and user accounts.

    Records about children are never registered here, and only superusers get in: staff
    status alone is not enough, because the admin bypasses the need-to-know door.
    """

    site_header = _("Upstream set-up")
    site_title = _("Upstream set-up")
    index_title = _("Organisations, teams and users")

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_superuser)

    def login(
        self, request: HttpRequest, extra_context: dict[str, object] | None = None
    ) -> HttpResponse:
        # One sign-in page for everybody, so that every protection on it covers the admin too.
        # (Imported here: this module is loaded as an app config, before the app registry.)
        from django.contrib.auth.views import redirect_to_login

        if request.user.is_authenticated:
            # Signed in but not a superuser: the set-up screens do not exist for them.
            raise Http404
        return redirect_to_login(request.GET.get("next") or reverse("admin:index"))

    # The middleware that sends anonymous visitors to sign in must let this one through.
    login.login_required = False  # type: ignore[attr-defined]


class UpstreamAdminConfig(AdminConfig):
    default_site = "casework.admin_site.SuperuserAdminSite"
