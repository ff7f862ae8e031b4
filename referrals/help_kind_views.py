"""The list of kinds of help at /help-kinds/, kept by the agency's administrators.

Built like the need domains (assessments.views_plan): to anybody but an administrator of the
agency the pages do not exist (an audited 404); a read leaves one audit event, a write is
audited by its service (referrals.services.help_kinds).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from casework.access import MAX_ID
from casework.audit import Event, audit_record, audit_view
from casework.models import User
from casework.view_helpers import actor_of, add_service_errors

from .models import HelpKind
from .services import help_kinds as help_kind_services
from .services.help_kinds import HelpKindData


class HelpKindForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=50,
        required=False,
        help_text=gettext_lazy(
            "Letters, numbers and hyphens; it never changes. Leave blank to make it from the name."
        ),
    )
    name = forms.CharField(label=gettext_lazy("Name in English"), max_length=100)
    name_km = forms.CharField(label=gettext_lazy("Name in Khmer"), max_length=100)
    order = forms.IntegerField(
        label=gettext_lazy("Place in the list"),
        required=False,
        min_value=0,
        max_value=32_000,
        help_text=gettext_lazy("Lower numbers come first. Leave blank to put it at the end."),
    )
    is_active = forms.BooleanField(
        label=gettext_lazy("In use: offer it for services in the directory"),
        required=False,
        initial=True,
    )

    @classmethod
    def for_kind(cls, kind: HelpKind | None, data: Any = None) -> HelpKindForm:
        if kind is None:
            return cls(data)
        form = cls(
            data,
            initial={
                "code": kind.code,
                "name": kind.name,
                "name_km": kind.name_km,
                "order": kind.order,
                "is_active": kind.is_active,
            },
        )
        form.fields["code"].disabled = True
        return form

    def kind_data(self) -> HelpKindData:
        data = self.cleaned_data
        return HelpKindData(
            code="" if self.fields["code"].disabled else data.get("code") or "",
            name=data["name"],
            name_km=data["name_km"],
            order=data.get("order"),
            is_active=bool(data.get("is_active")),
        )


def _help_kind_manager(request: HttpRequest) -> User:
    """Administrators of the agency only; to everyone else the pages do not exist (404)."""
    actor = actor_of(request)
    if not help_kind_services.may_manage_help_kinds(actor):
        audit_record(
            actor=actor,
            event=Event.REFUSED,
            model=HelpKind,
            object_pk=request.path[:100],
            reason="kinds of help are managed by administrators",
        )
        raise Http404
    return actor


def _help_kind_record(actor: User, kind_id: object) -> HelpKind:
    try:
        pk = int(str(kind_id))
        if not 0 < pk <= MAX_ID:
            raise ValueError(pk)
        return HelpKind.objects.get(pk=pk)
    except (ValueError, HelpKind.DoesNotExist):
        audit_record(
            actor=actor,
            event=Event.REFUSED,
            model=HelpKind,
            object_pk=str(kind_id)[:100],
            reason="not found",
        )
        raise Http404 from None


def help_kind_list(request: HttpRequest) -> HttpResponse:
    actor = _help_kind_manager(request)
    kinds = help_kind_services.help_kinds()
    audit_view(
        actor,
        None,
        None,
        model=HelpKind,
        extra={"list": "kinds of help", "count": len(kinds)},
    )
    return render(request, "referrals/help_kinds/list.html", {"kinds": kinds})


@require_http_methods(["GET", "POST"])
def help_kind_new(request: HttpRequest) -> HttpResponse:
    actor = _help_kind_manager(request)
    form = HelpKindForm.for_kind(None, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            kind = help_kind_services.help_kind_save(actor=actor, kind=None, data=form.kind_data())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("%(name)s is added to the kinds of help.") % {"name": kind.label}
            )
            return redirect("help_kind_list")
    if request.method == "GET":
        audit_view(actor, None, None, model=HelpKind, extra={"page": "add a kind of help"})
    return render(request, "referrals/help_kinds/form.html", {"form": form, "kind": None})


@require_http_methods(["GET", "POST"])
def help_kind_edit(request: HttpRequest, kind_id: int) -> HttpResponse:
    actor = _help_kind_manager(request)
    kind = _help_kind_record(actor, kind_id)
    form = HelpKindForm.for_kind(kind, request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                saved = help_kind_services.help_kind_save(
                    actor=actor, kind=kind, data=form.kind_data()
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("%(name)s is saved.") % {"name": saved.label})
                return redirect("help_kind_list")
    else:
        audit_view(actor, kind, None)
    return render(request, "referrals/help_kinds/form.html", {"form": form, "kind": kind})


__all__ = ["HelpKindForm", "help_kind_edit", "help_kind_list", "help_kind_new"]
