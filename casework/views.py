from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseRedirect,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import activate
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import user_has_device

from . import mfa
from .models import User
from .selectors import teams_of
from .services import user_set_language


def dashboard(request: HttpRequest) -> HttpResponse:
    if getattr(request.user, "role", None) == User.Role.PARTNER:
        # A partner's home is the referrals sent to their service.
        return redirect("partner_referral_list")
    teams = teams_of(request.user).prefetch_related("villages", "supervisors")
    return render(request, "casework/dashboard.html", {"teams": teams})


def _set_language_cookie(response: HttpResponse, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 60 * 60,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
    )


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        # A worker who chose Khmer once gets Khmer on every device they sign in from.
        language = form.get_user().preferred_language
        activate(language)
        _set_language_cookie(response, language)
        return response


@login_not_required
@require_POST
def language_switch(request: HttpRequest) -> HttpResponse:
    """Switch the interface language; remembered on the account as well as in a cookie."""
    language = request.POST.get("language", "")
    if language not in dict(settings.LANGUAGES):
        return HttpResponseBadRequest("Unknown language")
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("dashboard")
    if isinstance(request.user, User):
        user_set_language(user=request.user, language=language)
    response = HttpResponseRedirect(next_url)
    _set_language_cookie(response, language)
    return response


# --- Multi-factor authentication (casework.mfa) --------------------------------------------


def _next_url(request: HttpRequest) -> str:
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    return reverse("dashboard")


def mfa_verify(request: HttpRequest) -> HttpResponse:
    """Ask for a code from the authenticator app, or a recovery code, after the password."""
    user = request.user
    if not isinstance(user, User):
        raise Http404
    if mfa.is_verified(user) or not mfa.must_verify(user):
        return redirect(_next_url(request))
    if not user_has_device(user, confirmed=True):
        return redirect("mfa_setup")
    error = ""
    if request.method == "POST":
        code = request.POST.get("code", "")
        waiting = mfa.throttled(user, code)  # before this attempt counts
        device = mfa.match_code(user, code)
        if device is not None:
            otp_login(request, device)
            return redirect(_next_url(request))
        mfa.code_refused(user, method="session")
        if waiting:
            error = _("Too many wrong codes. Wait a minute, then try again.")
        else:
            error = _("That code is not right. Try the newest code, or a recovery code.")
    return render(
        request,
        "registration/mfa_verify.html",
        {"error": error, "next": _next_url(request)},
        status=400 if error else 200,
    )


def mfa_setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app: QR code (rendered here) and key, then one code to confirm."""
    user = request.user
    if not isinstance(user, User):
        raise Http404
    if not mfa.must_verify(user) or mfa.is_verified(user):
        return redirect("dashboard")
    if user_has_device(user, confirmed=True):
        return redirect("mfa_verify")
    device = mfa.pending_totp_device(user)
    error = ""
    if request.method == "POST":
        if device.verify_token("".join(request.POST.get("code", "").split())):
            codes = mfa.enrolment_confirm(user, device)
            otp_login(request, device)
            request.session[mfa.RECOVERY_CODES_SESSION_KEY] = codes
            return redirect("mfa_recovery_codes")
        mfa.code_refused(user, method="enrolment")
        error = _("That code is not right. Check the time on your phone and try the newest code.")
    return render(
        request,
        "registration/mfa_setup.html",
        {
            "error": error,
            "qr": mfa.qr_data_uri(device.config_url),
            "secret": mfa.secret_text(device),
        },
        status=400 if error else 200,
    )


def mfa_recovery_codes(request: HttpRequest) -> HttpResponse:
    """The recovery codes, shown once: the session forgets them as the page is drawn."""
    codes = request.session.pop(mfa.RECOVERY_CODES_SESSION_KEY, None)
    if not codes:
        return redirect("dashboard")
    return render(request, "registration/mfa_recovery_codes.html", {"codes": codes})


def mfa_reset(request: HttpRequest, user_id: int) -> HttpResponse:
    """An administrator removes a user's devices (lost phone): they enrol again next time."""
    actor = request.user
    if not isinstance(actor, User):
        raise Http404
    if actor.role != User.Role.ADMINISTRATOR or actor.organisation_id is None:
        raise Http404
    target = get_object_or_404(User, pk=user_id, organisation_id=actor.organisation_id)
    error = ""
    if request.method == "POST":
        reason = request.POST.get("reason", "").strip()
        if reason:
            mfa.mfa_reset(actor=actor, user=target, reason=reason)
            messages.success(
                request,
                _("Two-step sign-in was reset for %(name)s.") % {"name": target.display_name},
            )
            return redirect("dashboard")
        error = _("Write why the reset is needed.")
    return render(
        request,
        "registration/mfa_reset.html",
        {"target": target, "error": error},
        status=400 if error else 200,
    )
