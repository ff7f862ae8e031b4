"""The partners' portal: the referrals sent to the services a partner account works for.

A partner reads a referral only through `selectors.get_referral_for_partner` (anything else:
404, audited) and only as `selectors.partner_view(referral)` — what was shared when it was sent,
never the case, its reference or its id. The templates get that dictionary and nothing else.
The agency's staff have no portal (404, audited); partners have no staff pages.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from casework.audit import Event, audit_record, audit_view
from casework.models import LONG_TEXT, User
from casework.services import StaleEdit
from casework.view_helpers import actor_of, add_service_errors

from . import selectors, services
from .models import OutgoingReferral
from .views_intake import refuse_role

Status = OutgoingReferral.Status

ACTIONS: dict[str, Any] = {
    "acknowledge": gettext_lazy("Acknowledge receipt"),
    "accept": gettext_lazy("Accept the referral"),
    "decline": gettext_lazy("Decline the referral"),
    "complete": gettext_lazy("Record the outcome"),
}
# What the service may do next, by status.
NEXT: dict[str, tuple[str, ...]] = {
    Status.SENT: ("acknowledge",),
    Status.ACKNOWLEDGED: ("accept", "decline"),
    Status.ACCEPTED: ("complete",),
}


class PartnerActionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    action = forms.ChoiceField(choices=list(ACTIONS.items()))
    decline_reason = forms.CharField(
        label=gettext_lazy("Why the service declines"),
        required=False,
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("The agency's worker reads this to find another way to help."),
    )
    outcome = forms.CharField(
        label=gettext_lazy("Outcome for the child"),
        required=False,
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("What the service did, and how the child is now."),
    )


def _partner(request: HttpRequest) -> User:
    actor = actor_of(request)
    if not selectors.is_active_partner(actor):
        raise refuse_role(actor, OutgoingReferral, request, "the portal is for partner accounts")
    return actor


@require_GET
def partner_referral_list(request: HttpRequest) -> HttpResponse:
    actor = _partner(request)
    views = [selectors.partner_view(r) for r in selectors.referrals_for_partner(actor)]
    audit_view(
        actor,
        None,
        None,
        model=OutgoingReferral,
        extra={"list": "referrals received", "count": len(views)},
    )
    return render(request, "referrals/partner/list.html", {"referrals": views})


def _act(actor: User, referral: OutgoingReferral, form: PartnerActionForm) -> OutgoingReferral:
    data = form.cleaned_data
    action, version = data["action"], data["version"]
    if action == "acknowledge":
        return services.referral_acknowledge(
            actor=actor, referral=referral, expected_version=version
        )
    if action == "accept":
        return services.referral_accept(actor=actor, referral=referral, expected_version=version)
    if action == "decline":
        return services.referral_decline(
            actor=actor,
            referral=referral,
            reason=data.get("decline_reason") or "",
            expected_version=version,
        )
    return services.referral_complete(
        actor=actor, referral=referral, outcome=data.get("outcome") or "", expected_version=version
    )


DONE = {
    "acknowledge": gettext_lazy("You acknowledged the referral."),
    "accept": gettext_lazy("You accepted the referral. The agency's worker can see it."),
    "decline": gettext_lazy("You declined the referral. The agency's worker can see why."),
    "complete": gettext_lazy("The outcome is recorded."),
}


@require_http_methods(["GET", "POST"])
def partner_referral_detail(request: HttpRequest, referral_id: int) -> HttpResponse:
    actor = _partner(request)
    referral = selectors.get_referral_for_partner(actor, referral_id)
    form = PartnerActionForm(request.POST if request.method == "POST" else None)
    conflict: list[dict[str, Any]] | None = None
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            _act(actor, referral, form)
        except StaleEdit as stale:
            current = OutgoingReferral.objects.select_related("service", "help_kind").get(
                pk=stale.current.pk
            )
            audit_record(
                actor=actor,
                event=Event.STALE_EDIT,
                obj=current,
                case=current.case,
                extra={"submitted_version": form.cleaned_data.get("version")},
            )
            conflict = [
                {
                    "label": _("status"),
                    "theirs": str(current.get_status_display()),
                    "mine": str(ACTIONS[form.cleaned_data["action"]]),
                    "differs": True,
                }
            ]
            referral = current
            form = PartnerActionForm()
            status = 409
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, str(DONE[form.cleaned_data["action"]]))
            return redirect("partner_referral_detail", referral_id=referral.pk)
    if request.method == "GET":
        audit_view(actor, referral, referral.case, extra={"page": "partner portal"})
    view = selectors.partner_view(referral)
    return render(
        request,
        "referrals/partner/detail.html",
        {
            "referral": view,
            "version": referral.version,
            "next": NEXT.get(view["status"], ()),
            "form": form,
            "conflict": conflict,
        },
        status=status,
    )
