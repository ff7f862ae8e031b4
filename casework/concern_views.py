"""The list of concern categories at /concerns/, kept by the agency's administrators.

Built like the need domains (assessments.views_plan): to anybody but an administrator of the
agency the pages do not exist (an audited 404); a read leaves one audit event, a write is
audited by its service (casework.concern_services).
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

from . import concern_services
from .access import MAX_ID
from .audit import Event, audit_record, audit_view
from .concern_services import ConcernCategoryData
from .models import ConcernCategory, User
from .view_helpers import actor_of, add_service_errors


class ConcernCategoryForm(forms.Form):
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
        label=gettext_lazy("In use: offer it for new intakes"), required=False, initial=True
    )

    @classmethod
    def for_category(
        cls, category: ConcernCategory | None, data: Any = None
    ) -> ConcernCategoryForm:
        if category is None:
            return cls(data)
        form = cls(
            data,
            initial={
                "code": category.code,
                "name": category.name,
                "name_km": category.name_km,
                "order": category.order,
                "is_active": category.is_active,
            },
        )
        form.fields["code"].disabled = True
        return form

    def category_data(self) -> ConcernCategoryData:
        data = self.cleaned_data
        return ConcernCategoryData(
            code="" if self.fields["code"].disabled else data.get("code") or "",
            name=data["name"],
            name_km=data["name_km"],
            order=data.get("order"),
            is_active=bool(data.get("is_active")),
        )


def _concern_manager(request: HttpRequest) -> User:
    """Administrators of the agency only; to everyone else the pages do not exist (404)."""
    actor = actor_of(request)
    if not concern_services.may_manage_concerns(actor):
        audit_record(
            actor=actor,
            event=Event.REFUSED,
            model=ConcernCategory,
            object_pk=request.path[:100],
            reason="concern categories are managed by administrators",
        )
        raise Http404
    return actor


def _concern_record(actor: User, category_id: object) -> ConcernCategory:
    try:
        pk = int(str(category_id))
        if not 0 < pk <= MAX_ID:
            raise ValueError(pk)
        return ConcernCategory.objects.get(pk=pk)
    except (ValueError, ConcernCategory.DoesNotExist):
        audit_record(
            actor=actor,
            event=Event.REFUSED,
            model=ConcernCategory,
            object_pk=str(category_id)[:100],
            reason="not found",
        )
        raise Http404 from None


def concern_list(request: HttpRequest) -> HttpResponse:
    actor = _concern_manager(request)
    categories = concern_services.concern_categories()
    audit_view(
        actor,
        None,
        None,
        model=ConcernCategory,
        extra={"list": "concern categories", "count": len(categories)},
    )
    return render(request, "casework/concerns/list.html", {"categories": categories})


@require_http_methods(["GET", "POST"])
def concern_new(request: HttpRequest) -> HttpResponse:
    actor = _concern_manager(request)
    form = ConcernCategoryForm.for_category(None, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            category = concern_services.concern_category_save(
                actor=actor, category=None, data=form.category_data()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("%(name)s is added to the concerns.") % {"name": category.label}
            )
            return redirect("concern_list")
    if request.method == "GET":
        audit_view(actor, None, None, model=ConcernCategory, extra={"page": "add a concern"})
    return render(request, "casework/concerns/form.html", {"form": form, "category": None})


@require_http_methods(["GET", "POST"])
def concern_edit(request: HttpRequest, category_id: int) -> HttpResponse:
    actor = _concern_manager(request)
    category = _concern_record(actor, category_id)
    form = ConcernCategoryForm.for_category(category, request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                saved = concern_services.concern_category_save(
                    actor=actor, category=category, data=form.category_data()
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("%(name)s is saved.") % {"name": saved.label})
                return redirect("concern_list")
    else:
        audit_view(actor, category, None)
    return render(request, "casework/concerns/form.html", {"form": form, "category": category})


__all__ = ["ConcernCategoryForm", "concern_edit", "concern_list", "concern_new"]
