"""Exporting a case as PDF: the form, the progress page, the download.

Every view goes through the door with "export" (a worker without it gets the door's 403; a
stranger to the case its 404), and an export is only ever shown to the person who asked for
it: anybody else, even a colleague on the case, gets the same 404 as for an export that never
existed.
"""

from __future__ import annotations

import datetime
import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from casework.access import get_case_for
from casework.audit import Event, audit_record, audit_view
from casework.documents import case_document
from casework.models import Case, User
from casework.view_helpers import actor_of, add_service_errors

from . import services
from .forms import ExportForm, parse_document
from .models import CaseExport


def _case_queryset() -> QuerySet[Case]:
    return Case.objects.select_related("family", "team__organisation", "worker")


def _recent_exports(case: Case, actor: User) -> list[CaseExport]:
    return list(
        CaseExport.objects.filter(
            case=case,
            requested_by=actor,
            requested_at__gte=timezone.now() - datetime.timedelta(days=7),
        )[:20]
    )


def _export_for(actor: User, case: Case, export_id: str) -> CaseExport:
    """The actor's own export of this case, or an audited 404."""
    try:
        pk = uuid.UUID(str(export_id))
        return CaseExport.objects.get(pk=pk, case=case, requested_by=actor)
    except (ValueError, CaseExport.DoesNotExist):
        audit_record(
            actor=actor,
            event=Event.REFUSED,
            model=CaseExport,
            object_pk=str(export_id)[:100],
            case=case,
            reason="not found",
        )
        raise Http404 from None


def _preselected(case: Case, form: ExportForm, document: str) -> dict[str, str]:
    """`?document=review_minutes:12` (a link from the review's page) preselects that document,
    its usual purpose and its language, if it is one the form offers. Anything else: nothing."""
    if document not in form.document_values():
        return {}
    key, subject_id = parse_document(document)
    registered = case_document(key)
    if registered is None or subject_id is None:
        return {}
    initial = {"document": document, "purpose": registered.default_purpose}
    if registered.language is not None:
        try:
            language = registered.language(case, subject_id)
        except LookupError:
            language = None
        if language:
            initial["language"] = language
    return initial


@require_http_methods(["GET", "POST"])
def export_new(request: HttpRequest, case_id: int) -> HttpResponse:
    actor = actor_of(request)
    case = get_case_for(actor, case_id, perm="export", queryset=_case_queryset())
    form = ExportForm(request.POST if request.method == "POST" else None, case=case)
    if request.method == "GET":
        form.initial.update(_preselected(case, form, request.GET.get("document", "")))
    if request.method == "POST" and form.is_valid():
        document, subject_id = parse_document(form.cleaned_data["document"])
        # The language is the exporter's choice (issue 8); a document's own language (the
        # family's plan in the family's language) is only what the form suggests.
        language = form.cleaned_data["language"]
        try:
            with transaction.atomic():
                export = services.export_request(
                    actor=actor,
                    case=case,
                    document=document,
                    subject_id=subject_id,
                    sections=form.cleaned_data["sections"],
                    purpose=form.cleaned_data["purpose"],
                    purpose_detail=form.cleaned_data["purpose_detail"],
                    language=language,
                )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if not export.is_case_file:
                # A few pages: rendered now, so the download is ready on the next page.
                services.export_render(export.pk)
            else:
                messages.success(
                    request, _("The case file is being prepared. This page shows when it is ready.")
                )
            return redirect("export_status", case_id=case.pk, export_id=export.pk)
    if request.method == "GET":
        audit_view(actor, case, case, extra={"page": "export"})
    return render(
        request,
        "reports/export_form.html",
        {"case": case, "form": form, "exports": _recent_exports(case, actor)},
    )


@require_GET
def export_status(request: HttpRequest, case_id: int, export_id: str) -> HttpResponse:
    """Where an export stands; while it is being prepared htmx asks again every two seconds."""
    actor = actor_of(request)
    case = get_case_for(actor, case_id, perm="export", queryset=_case_queryset())
    export = _export_for(actor, case, export_id)
    template = "reports/export_status.html"
    if getattr(request, "htmx", False):
        template += "#status"  # only the status box, which htmx swaps in place
    response = render(
        request,
        template,
        {"case": case, "export": export, "available": _available(export)},
    )
    # The same address answers the whole page or the box: a cache must keep them apart; and
    # neither is kept at all (it names the case and the purpose).
    patch_vary_headers(response, ["HX-Request"])
    patch_cache_control(response, no_store=True, private=True)
    return response


def _available(export: CaseExport) -> bool:
    return export.status == CaseExport.Status.READY and export.expires_at > timezone.now()


@require_GET
def export_download(request: HttpRequest, case_id: int, export_id: str) -> HttpResponseBase:
    actor = actor_of(request)
    case = get_case_for(actor, case_id, perm="export", queryset=_case_queryset())
    export = _export_for(actor, case, export_id)
    path = services.export_path(export)
    handle = None
    if _available(export) and path is not None:
        try:
            handle = path.open("rb")  # once open, the cleanup deleting it does not matter
        except FileNotFoundError:
            handle = None
    if handle is None:
        audit_record(
            actor=actor, event=Event.REFUSED, obj=export, case=case, reason="expired or not ready"
        )
        raise Http404
    audit_view(actor, export, case, extra={"page": "export download", "export": str(export.pk)})
    stamp = timezone.localtime(export.requested_at).strftime("%Y%m%d-%H%M")
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"{case.reference}-{export.document}-{stamp}.pdf",
        content_type="application/pdf",
    )
    response["Cache-Control"] = "no-store, private"
    response["X-Content-Type-Options"] = "nosniff"
    return response
