"""Pages of emergency access ("break the glass", security/emergency.py).

Asking for it; ending it from the banner every page of the case carries; the organisation's
report of every access for review; one access's details, where it can be ended early and an
administrator reviews it. Who sees which access is `accesses_visible_to`: anybody else gets the
same audited 404 as for an access that does not exist.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from casework.access import MAX_ID, cases_visible_to
from casework.audit import Event, audit_record, audit_view
from casework.models import AuditEvent, User
from casework.view_helpers import actor_of, add_service_errors, refuse

from . import emergency
from .forms import EmergencyEndForm, EmergencyRequestForm, EmergencyReviewForm
from .models import EmergencyAccess

ACCESSES_PER_PAGE = 25
PAGES_OPENED_PER_PAGE = 50
# The report's filters: the query string's value -> the rows it keeps.
SHOW = ("all", "open", "review")


def _refuse(actor: User, request: HttpRequest, why: str) -> Http404:
    """These pages, or this access, do not exist for this person (404); the try is kept."""
    audit_record(
        actor=actor,
        event=Event.REFUSED,
        model=EmergencyAccess,
        object_pk=request.path[:100],
        reason=why,
    )
    return Http404()


def _local_time(moment: datetime.datetime) -> str:
    # The organisation's zone is the active one (casework.middleware.UserPreferencesMiddleware).
    return formats.time_format(timezone.localtime(moment), "H:i")


# --- The pages an access opened ---------------------------------------------------------------


def _pages_opened(access: EmergencyAccess) -> Q:
    """Reads made through the access: its holder's, of its case, marked emergency, while it ran."""
    return Q(
        event=Event.VIEW,
        actor=access.user_id,
        case=access.case_id,
        additional_data__emergency=True,
        timestamp__gte=access.started_at,
        timestamp__lte=access.revoked_at or access.expires_at,
    )


def _with_pages_opened(accesses: QuerySet[EmergencyAccess]) -> QuerySet[EmergencyAccess]:
    """Each access with how many pages its holder opened through it (`_pages_opened`), counted
    in the same query as the accesses themselves: a page of the report costs no query per row."""
    count = (
        AuditEvent.objects.filter(
            event=Event.VIEW,
            actor=OuterRef("user"),
            case=OuterRef("case"),
            additional_data__emergency=True,
            timestamp__gte=OuterRef("started_at"),
            timestamp__lte=Coalesce(OuterRef("revoked_at"), OuterRef("expires_at")),
        )
        .order_by()
        .values("case")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return accesses.annotate(pages_opened=Coalesce(Subquery(count, output_field=IntegerField()), 0))


# --- Rows as people read them -------------------------------------------------------------------


@dataclass(frozen=True)
class AccessRow:
    access: EmergencyAccess
    state: str  # "open", "ended" (ended early by someone) or "expired"
    case_visible: bool


def _state(access: EmergencyAccess, now: datetime.datetime) -> str:
    if access.revoked_at is not None:
        return "ended"
    return "open" if access.expires_at > now else "expired"


def _rows(actor: User, accesses: list[EmergencyAccess]) -> list[AccessRow]:
    """Rows for a page of accesses, with one query for which cases the viewer may open."""
    now = timezone.now()
    case_ids = {access.case_id for access in accesses}
    visible = (
        set(cases_visible_to(actor).filter(pk__in=case_ids).values_list("pk", flat=True))
        if case_ids
        else set()
    )
    return [
        AccessRow(access=access, state=_state(access, now), case_visible=access.case_id in visible)
        for access in accesses
    ]


# --- Asking for emergency access ----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def request_access(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not emergency.may_request(actor):
        raise _refuse(actor, request, "emergency access is for supervisors and administrators")
    if request.method == "POST":
        form = EmergencyRequestForm(request.POST)
    else:
        form = EmergencyRequestForm(initial={"reference": request.GET.get("reference", "")[:20]})
    if request.method == "POST" and form.is_valid():
        try:
            access = emergency.emergency_request(
                actor=actor,
                reference=form.cleaned_data["reference"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.warning(
                request,
                _(
                    "You have emergency access to case %(reference)s until %(time)s. Everything "
                    "you open is recorded, and the case's worker and supervisors have been told."
                )
                % {"reference": access.case.reference, "time": _local_time(access.expires_at)},
            )
            return redirect("case_detail", case_id=access.case_id)
    return render(
        request,
        "security/emergency_request.html",
        {"form": form, "hours": settings.EMERGENCY_ACCESS_HOURS},
    )


@require_POST
def case_access_end(request: HttpRequest, case_id: int) -> HttpResponse:
    """The banner's button: end the asker's own emergency access to this case."""
    actor = actor_of(request)
    access = None
    if 0 < case_id <= MAX_ID:
        # The asker's own record of access, not the case: nobody learns anything about a case
        # from here that they did not already hold.
        access = (
            EmergencyAccess.objects.filter(case_id=case_id, user=actor)
            .select_related("case")
            .order_by("-started_at", "-pk")
            .first()
        )
    if access is None:
        raise _refuse(actor, request, "no emergency access to this case")
    try:
        emergency.emergency_end(actor=actor, access_id=access.pk)
    except ValidationError:
        messages.info(
            request,
            _("Your emergency access to case %(reference)s had already ended.")
            % {"reference": access.case.reference},
        )
    else:
        messages.success(
            request,
            _("Your emergency access to case %(reference)s has ended.")
            % {"reference": access.case.reference},
        )
    return redirect("dashboard")


# --- The organisation's report ------------------------------------------------------------------


@require_GET
def access_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not emergency.may_request(actor):
        raise _refuse(actor, request, "the emergency access report is for supervisors and admins")
    show = request.GET.get("show", "all")
    if show not in SHOW:
        show = "all"
    accesses = emergency.accesses_visible_to(actor)
    if show == "open":
        accesses = accesses.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())
    elif show == "review":
        accesses = accesses.filter(reviewed_at__isnull=True)
    paginator = Paginator(_with_pages_opened(accesses), ACCESSES_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    rows = _rows(actor, list(page.object_list))
    audit_view(
        actor,
        None,
        None,
        model=EmergencyAccess,
        extra={"list": show, "page": page.number, "count": paginator.count},
    )
    filters = [
        ("all", _("All")),
        ("open", _("Open now")),
        ("review", _("Waiting for review")),
    ]
    return render(
        request,
        "security/emergency_list.html",
        {"page": page, "rows": rows, "show": show, "filters": filters},
    )


# --- One access -----------------------------------------------------------------------------


def _visible_access(actor: User, request: HttpRequest, access_id: int) -> EmergencyAccess:
    access = None
    if 0 < access_id <= MAX_ID:
        access = (
            _with_pages_opened(emergency.accesses_visible_to(actor)).filter(pk=access_id).first()
        )
    if access is None:
        raise _refuse(actor, request, "not found")
    return access


def _detail(
    request: HttpRequest,
    actor: User,
    access: EmergencyAccess,
    *,
    end_form: EmergencyEndForm | None = None,
    review_form: EmergencyReviewForm | None = None,
) -> HttpResponse:
    [row] = _rows(actor, [access])
    opened = (
        AuditEvent.objects.filter(_pages_opened(access))
        .select_related("content_type")
        .order_by("timestamp", "pk")
    )
    pages = Paginator(opened, PAGES_OPENED_PER_PAGE).get_page(request.GET.get("page"))
    audit_view(actor, access, access.case, extra={"page": "emergency access"})
    is_admin = actor.role == User.Role.ADMINISTRATOR
    context = {
        "row": row,
        "access": access,
        "pages": pages,
        "opened": list(pages.object_list),
        "is_holder": access.user_id == actor.pk,
        "end_form": end_form or EmergencyEndForm(),
        "review_form": (review_form or EmergencyReviewForm())
        if is_admin and access.reviewed_at is None
        else None,
    }
    return render(request, "security/emergency_detail.html", context)


def _already_done(
    request: HttpRequest, access: EmergencyAccess, error: ValidationError
) -> HttpResponse:
    """Ended or reviewed meanwhile (another tab, another person): say so on the fresh page."""
    messages.error(request, " ".join(error.messages))
    return redirect("emergency_detail", access_id=access.pk)


@require_GET
def access_detail(request: HttpRequest, access_id: int) -> HttpResponse:
    actor = actor_of(request)
    return _detail(request, actor, _visible_access(actor, request, access_id))


@require_POST
def access_end(request: HttpRequest, access_id: int) -> HttpResponse:
    actor = actor_of(request)
    access = _visible_access(actor, request, access_id)
    form = EmergencyEndForm(request.POST)
    if form.is_valid():
        try:
            emergency.emergency_end(
                actor=actor, access_id=access.pk, reason=form.cleaned_data["revoke_reason"]
            )
        except PermissionDenied:  # pragma: no cover - whoever sees an access may end it
            raise _refuse(actor, request, "may not end") from None
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                return _already_done(request, access, error)
            add_service_errors(form, error)
        else:
            messages.success(request, _("The emergency access has ended."))
            return redirect("emergency_detail", access_id=access.pk)
    return _detail(request, actor, access, end_form=form)


@require_POST
def access_review(request: HttpRequest, access_id: int) -> HttpResponse:
    actor = actor_of(request)
    access = _visible_access(actor, request, access_id)
    if actor.role != User.Role.ADMINISTRATOR:
        raise refuse(actor, access.case, "emergency access is reviewed by administrators")
    form = EmergencyReviewForm(request.POST)
    if form.is_valid():
        try:
            emergency.emergency_review(
                actor=actor, access_id=access.pk, note=form.cleaned_data["review_note"]
            )
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                return _already_done(request, access, error)
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your review is saved."))
            return redirect("emergency_detail", access_id=access.pk)
    return _detail(request, actor, access, review_form=form)
