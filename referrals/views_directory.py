"""The directory of services: searching it by need, village and words, one service's page, and
keeping it (administrators and supervisors, `selectors.may_manage_directory`).

The directory is for the organisation's staff; to partners it does not exist (404, audited).
Each page view leaves one audit event; writes are audited by their services.
"""

from __future__ import annotations

import copy
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from casework.audit import Event, audit_record, audit_view
from casework.models import User
from casework.services import StaleEdit
from casework.view_helpers import actor_of, add_service_errors, display_value

from . import selectors, services
from .forms_directory import ServiceForm, ServiceSearchForm
from .models import Service
from .views_intake import refuse_role

SERVICES_SHOWN = 100


def _staff(request: HttpRequest) -> User:
    actor = actor_of(request)
    if actor.role == User.Role.PARTNER or actor.organisation_id is None:
        raise refuse_role(actor, Service, request, "the directory is for the agency's staff")
    return actor


@require_GET
def service_list(request: HttpRequest) -> HttpResponse:
    actor = _staff(request)
    form = ServiceSearchForm(request.GET or None, organisation_id=actor.organisation_id)
    need, village, text = None, None, ""
    if form.is_bound and form.is_valid():
        need = form.cleaned_data.get("need")
        village = form.cleaned_data.get("village")
        text = (form.cleaned_data.get("q") or "").strip()
    found = selectors.services_search(actor, need=need, village=village, text=text)
    services_found = list(found.prefetch_related("partner_users")[:SERVICES_SHOWN])
    audit_view(
        actor,
        None,
        None,
        model=Service,
        extra={
            "list": "service directory",
            "need": need.code if need else "",
            "village": village.pk if village else None,
            "q": text,
            "count": len(services_found),
        },
    )
    manager = actor.organisation is not None and selectors.may_manage_directory(
        actor, actor.organisation
    )
    return render(
        request,
        "referrals/directory/list.html",
        {
            "form": form,
            "services": [(s, _receives(s)) for s in services_found],
            "may_manage": manager,
            "searched": bool(need or village or text),
        },
    )


def _receives(service: Service) -> bool:
    """`Service.receives_in_upstream` from the prefetched accounts (no query per row)."""
    return any(user.is_active for user in service.partner_users.all())


@require_GET
def service_detail(request: HttpRequest, service_id: int) -> HttpResponse:
    actor = _staff(request)
    service = selectors.get_service_for(actor, service_id)
    audit_view(actor, service, None)
    return render(
        request,
        "referrals/directory/detail.html",
        {
            "service": service,
            "kinds": [k.label for k in service.kinds.all()],
            "villages": list(service.villages.all()),
            "receives": service.receives_in_upstream,
            "may_manage": selectors.may_manage_directory(actor, service.directory_of),
        },
    )


@require_http_methods(["GET", "POST"])
def service_new(request: HttpRequest) -> HttpResponse:
    actor = _staff(request)
    organisation = actor.organisation
    if organisation is None or not selectors.may_manage_directory(actor, organisation):
        raise refuse_role(actor, Service, request, "may not keep the directory")
    form = ServiceForm(
        request.POST if request.method == "POST" else None, organisation_id=organisation.pk
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                service = services.service_create(
                    actor=actor, data=form.service_data(), **form.lists()
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The service is in the directory."))
                return redirect("service_detail", service_id=service.pk)
    else:
        audit_view(actor, None, None, model=Service, extra={"page": "add a service"})
    return render(
        request,
        "referrals/directory/form.html",
        {"form": form, "service": None, "conflict": None},
    )


def _ids_text(rows: Any) -> str:
    return ", ".join(sorted(str(row) for row in rows)) or "—"


def _service_conflict(
    request: HttpRequest, actor: User, form: ServiceForm, current: Service
) -> HttpResponse:
    """Somebody saved the service first: theirs beside ours, nothing changed (409)."""
    mine = copy.copy(current)
    for name, value in form.service_data().items():
        setattr(mine, name, value)
    rows: list[dict[str, Any]] = []
    for name in services.SERVICE_FIELDS:
        theirs, ours = display_value(current, name), display_value(mine, name)
        if theirs != ours:
            label = getattr(current._meta.get_field(name), "verbose_name", name)
            rows.append({"label": label, "theirs": theirs, "mine": ours, "differs": True})
    lists = form.lists()
    for name in ("kinds", "villages", "partner_users"):
        theirs, ours = _ids_text(getattr(current, name).all()), _ids_text(lists[name])
        if theirs != ours:
            label = getattr(Service._meta.get_field(name), "verbose_name", name)
            rows.append({"label": label, "theirs": theirs, "mine": ours, "differs": True})
    audit_record(
        actor=actor,
        event=Event.STALE_EDIT,
        obj=current,
        extra={"submitted_version": form.cleaned_data.get("version")},
    )
    data = request.POST.copy()
    data["version"] = str(current.version)
    resubmit = ServiceForm(data, organisation_id=current.directory_of_id, service=current)
    resubmit.is_valid()
    return render(
        request,
        "referrals/directory/form.html",
        {"form": resubmit, "service": current, "conflict": rows},
        status=409,
    )


@require_http_methods(["GET", "POST"])
def service_edit(request: HttpRequest, service_id: int) -> HttpResponse:
    actor = _staff(request)
    service = selectors.get_service_for(actor, service_id, manage=True)
    form = ServiceForm(
        request.POST if request.method == "POST" else None,
        organisation_id=service.directory_of_id,
        service=service,
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                services.service_update(
                    actor=actor,
                    service=service,
                    expected_version=form.cleaned_data.get("version") or 0,
                    data=form.service_data(),
                    **form.lists(),
                )
            except StaleEdit as stale:
                current = Service.objects.get(pk=stale.current.pk)
                return _service_conflict(request, actor, form, current)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The service is saved."))
                return redirect("service_detail", service_id=service.pk)
    else:
        audit_view(actor, service, None, extra={"page": "edit"})
    return render(
        request,
        "referrals/directory/form.html",
        {"form": form, "service": service, "conflict": None},
    )
