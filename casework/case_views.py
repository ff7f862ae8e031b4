"""Pages for cases, families, people and home visits.

Every view goes the same way: through the door (`get_case_for`, `get_record_for`), then a form,
then a service, then a redirect. A read leaves exactly one audit event (`audit_view`); writes are
audited by their service; refusals by the door.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from . import services
from .access import case_permissions, get_case_for, get_record_for
from .audit import Event, audit_record, audit_view
from .forms import (
    AddendumForm,
    CaseFilterForm,
    FamilyForm,
    NewPersonForm,
    OpenCaseForm,
    OpenPeopleFormSet,
    PersonForm,
    ReallocateForm,
    TransitionForm,
    VersionedForm,
    VisitForm,
)
from .models import AuditEvent, Case, HomeVisit, Person, User, VisitAddendum, VisitChild
from .panels import case_panels
from .selectors import CaseFilters, case_audit_trail, caseload, default_scope
from .view_helpers import CappedPaginator, actor_of, add_service_errors, conflict_response, refuse

CASES_PER_PAGE = 25
# A list counts this many cases at most ("more than 1,000"): the filters narrow it.
CASES_COUNTED = 1000
VISITS_PER_PAGE = 20
EVENTS_PER_PAGE = 50


def _case_queryset() -> models.QuerySet[Case]:
    return Case.objects.select_related(
        "family__village", "team__organisation", "worker", "covering_worker"
    )


# --- Lists -----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def case_list(request: HttpRequest) -> HttpResponse:
    """A worker's caseload, a supervisor's team, an administrator's organisation: one page.

    The filters may be in the address (a bookmark, the back button); the search box may hold a
    child's name, so it is only ever sent in a POST body and never put in an address, where
    browser history, proxies and access logs would keep it. An address's `q` is ignored.
    """
    actor = actor_of(request)
    if actor.role == User.Role.PARTNER:
        # Partners reach only what was shared with their service (the partners' portal).
        audit_record(actor=actor, event=Event.REFUSED, model=Case, reason="partner: case list")
        raise Http404
    source = (request.POST if request.method == "POST" else request.GET).copy()
    if request.method != "POST":
        source.pop("q", None)
    form = CaseFilterForm(source or None, user=actor)
    filters = CaseFilters(scope=default_scope(actor))
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        village = data.get("village")
        filters = CaseFilters(
            scope=data.get("scope") or default_scope(actor),
            phase=data.get("phase") or "",
            tier=data.get("tier") or "",
            risk_level=data.get("risk_level") or "",
            village=village.pk if village is not None else None,
            province=data.get("province") or "",
            q=(data.get("q") or "").strip(),
        )
    paginator = CappedPaginator(caseload(actor, filters), CASES_PER_PAGE, CASES_COUNTED)
    page = paginator.get_page(source.get("page"))
    audit_view(
        actor,
        None,
        None,
        model=Case,
        extra={
            "list": filters.scope,
            "q": filters.q,
            "page": page.number,
            "count": paginator.count,
        },
    )
    context = {"form": form, "page": page, "filters": filters}
    htmx = getattr(request, "htmx", None)
    if not htmx or htmx.history_restore_request:
        return render(request, "casework/case_list.html", context)
    response = render(request, "casework/case_list.html#results", context)
    # The address bar follows the filters (and the page, unless a name narrowed the list):
    # everything the search form sent except the name.
    params = {name: source.get(name, "") for name in form.fields if name != "q"}
    if params.get("scope") == default_scope(actor):
        params["scope"] = ""
    if page.number > 1 and not filters.q:
        params["page"] = str(page.number)
    query = urlencode({name: value for name, value in params.items() if value})
    address = reverse("case_list") + (f"?{query}" if query else "")
    response["HX-Push-Url"] = "false" if address == htmx.current_url_abs_path else address
    return response


# --- Opening a case and the case page ----------------------------------------------------------


@require_http_methods(["GET", "POST"])
def case_open(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if actor.role == User.Role.PARTNER or actor.organisation_id is None:
        raise Http404
    form = OpenCaseForm(request.POST or None, user=actor)
    people = OpenPeopleFormSet(request.POST or None, prefix="people")
    if request.method == "POST" and form.is_valid() and people.is_valid():
        data = form.cleaned_data
        try:
            case = services.case_open(
                actor=actor,
                data=services.CaseData(
                    family_name=data["family_name"],
                    village_id=data["village"].pk,
                    address_notes=data["address_notes"],
                    phone=data["phone"],
                    languages=data["languages"],
                    tier=data["tier"],
                    risk_level=data["risk_level"],
                    team=data["team"],
                    worker=data["worker"],
                    covering_worker=data["covering_worker"],
                    reason=data["reason"],
                    people=[p.person_data() for p in people.forms if p.has_changed()],
                ),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("Case %(reference)s is open.") % {"reference": case.reference}
            )
            return redirect("case_detail", case_id=case.pk)
    return render(request, "casework/case_open.html", {"form": form, "people": people})


def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    actor = actor_of(request)
    case = get_case_for(actor, case_id, queryset=_case_queryset())
    perms = case_permissions(actor, case)
    visits = (
        HomeVisit.objects.filter(case=case)
        .select_related("author")
        .prefetch_related(
            Prefetch("children_seen", queryset=VisitChild.objects.select_related("child")),
            Prefetch("addenda", queryset=VisitAddendum.objects.select_related("author")),
        )
    )
    visit_page = Paginator(visits, VISITS_PER_PAGE).get_page(request.GET.get("page"))
    people = list(case.family.people.order_by("pk"))
    concerned = set(case.children.values_list("pk", flat=True))
    audit_view(actor, case, case)
    context = {
        "case": case,
        "perms": perms,
        "people": people,
        "concerned": concerned,
        "visit_page": visit_page,
        "allocations": case.allocations.select_related("worker", "covering_worker", "allocated_by")[
            :5
        ],
        "transition_form": TransitionForm(case=case) if "change" in perms else None,
        "may_see_trail": bool(perms & {"change", "export"}),
        "may_reallocate": "export" in perms and actor.role == User.Role.SUPERVISOR,
        "panels": case_panels(case, actor, perms),
    }
    return render(request, "casework/case_detail.html", context)


@require_POST
def case_transition(request: HttpRequest, case_id: int) -> HttpResponse:
    actor = actor_of(request)
    case = get_case_for(actor, case_id, perm="change")
    form = TransitionForm(request.POST, case=case)
    if form.is_valid():
        try:
            case = services.case_transition(
                actor=actor,
                case=case,
                to=form.cleaned_data["to"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(
                request, _("The case is now in %(phase)s.") % {"phase": case.get_phase_display()}
            )
    else:
        messages.error(request, _("That phase cannot follow the case's current phase."))
    return redirect(reverse("case_detail", args=[case.pk]) + "#phase")


@require_http_methods(["GET", "POST"])
def case_reallocate(request: HttpRequest, case_id: int) -> HttpResponse:
    actor = actor_of(request)
    case = get_case_for(actor, case_id, perm="export", queryset=_case_queryset())
    if actor.role != User.Role.SUPERVISOR:
        raise refuse(actor, case, "reallocation is a supervisor's decision")
    form = ReallocateForm(request.POST or None, case=case)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.case_reallocate(
                    actor=actor,
                    case=case,
                    worker=form.cleaned_data["worker"],
                    covering_worker=form.cleaned_data["covering_worker"],
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The case has been reallocated."))
                return redirect("case_detail", case_id=case.pk)
    else:
        audit_view(actor, case, case, extra={"page": "reallocate"})
    return render(request, "casework/case_reallocate.html", {"case": case, "form": form})


def case_access_log(request: HttpRequest, case_id: int) -> HttpResponse:
    """Who has opened this file: every view and change, by whom, when (DESIGN rule 4)."""
    actor = actor_of(request)
    case = get_case_for(actor, case_id)
    if not case_permissions(actor, case) & {"change", "export"}:
        raise refuse(actor, case, "the access log is for the case's worker and managers")
    page = Paginator(case_audit_trail(case), EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    # Read the page before recording this visit, so the list shows what came before it.
    events = list(page.object_list)
    audit_view(actor, case, case, model=AuditEvent, extra={"page": "access log"})
    # Emergency access events link to the access's own page (security), which supervisors and
    # administrators can open; that page is its own door, so this only spares others a 404.
    context = {
        "case": case,
        "page": page,
        "events": events,
        "emergency_links": actor.role in (User.Role.SUPERVISOR, User.Role.ADMINISTRATOR),
    }
    return render(request, "casework/case_access_log.html", context)


# --- Family and people ------------------------------------------------------------------------


def _conflict(
    request: HttpRequest,
    *,
    actor: User,
    case: Case,
    form: VersionedForm,
    current: models.Model,
    template: str,
    context: dict[str, Any],
) -> HttpResponse:
    """The conflict page for a family or a person (see view_helpers.conflict_response)."""
    form_kwargs = context.pop("form_kwargs", {})
    return conflict_response(
        request,
        actor=actor,
        case=case,
        form=form,
        current=current,
        changed=form.changed_values(),
        template=template,
        context=context,
        form_factory=lambda data, instance: type(form)(data, instance=instance, **form_kwargs),
    )


@require_http_methods(["GET", "POST"])
def family_edit(request: HttpRequest, case_id: int) -> HttpResponse:
    actor = actor_of(request)
    case = get_case_for(actor, case_id, perm="change", queryset=_case_queryset())
    family = case.family
    form = FamilyForm(request.POST or None, instance=family, user=actor)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.family_update(
                    actor=actor,
                    case=case,
                    family=family,
                    expected_version=form.cleaned_data["version"],
                    data=form.changed_values(),
                )
            except services.StaleEdit as stale:
                return _conflict(
                    request,
                    actor=actor,
                    case=case,
                    form=form,
                    current=stale.current,
                    template="casework/family_edit.html",
                    context={"form_kwargs": {"user": actor}},
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The family's details are saved."))
                return redirect("case_detail", case_id=case.pk)
    else:
        audit_view(actor, family, case)
    return render(request, "casework/family_edit.html", {"case": case, "form": form})


@require_http_methods(["GET", "POST"])
def person_add(request: HttpRequest, case_id: int) -> HttpResponse:
    actor = actor_of(request)
    case = get_case_for(actor, case_id, perm="change", queryset=_case_queryset())
    form = NewPersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            person = services.person_add(actor=actor, case=case, data=form.person_data())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("%(name)s is added to the family.") % {"name": person.display_name}
            )
            return redirect(reverse("case_detail", args=[case.pk]) + "#people")
    if request.method == "GET":
        audit_view(actor, case, case, extra={"page": "add a person"})
    return render(request, "casework/person_add.html", {"case": case, "form": form})


@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, case_id: int, person_id: int) -> HttpResponse:
    actor = actor_of(request)
    case = get_case_for(actor, case_id, perm="change", queryset=_case_queryset())
    person = get_record_for(actor, case, Person.objects.filter(family_id=case.family_id), person_id)
    form = PersonForm(request.POST or None, instance=person)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.person_update(
                    actor=actor,
                    case=case,
                    person=person,
                    expected_version=form.cleaned_data["version"],
                    data=form.changed_values(),
                )
            except services.StaleEdit as stale:
                return _conflict(
                    request,
                    actor=actor,
                    case=case,
                    form=form,
                    current=stale.current,
                    template="casework/person_edit.html",
                    context={"person": stale.current},
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request, _("%(name)s's details are saved.") % {"name": person.display_name}
                )
                return redirect(reverse("case_detail", args=[case.pk]) + "#people")
    else:
        audit_view(actor, person, case)
    return render(
        request, "casework/person_edit.html", {"case": case, "person": person, "form": form}
    )


# --- Home visits -----------------------------------------------------------------------------


def _visit_queryset(case: Case) -> models.QuerySet[HomeVisit]:
    return (
        HomeVisit.objects.filter(case=case)
        .select_related("author")
        .prefetch_related(
            Prefetch("children_seen", queryset=VisitChild.objects.select_related("child")),
            Prefetch("addenda", queryset=VisitAddendum.objects.select_related("author")),
        )
    )


@require_http_methods(["GET", "POST"])
def visit_new(request: HttpRequest, case_id: int) -> HttpResponse:
    actor = actor_of(request)
    case = get_case_for(actor, case_id, perm="change", queryset=_case_queryset())
    children = list(case.children.order_by("pk"))
    form = VisitForm(request.POST or None, children=children)
    if request.method == "POST" and form.is_valid():
        sign = "sign" in request.POST
        try:
            visit = services.visit_record(
                actor=actor,
                case=case,
                data=form.visit_data(),
                children=form.children_seen(),
                sign=sign,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The visit is signed and on the timeline.")
                if sign
                else _("The visit is saved as a draft. Sign it when it is complete."),
            )
            return redirect(reverse("case_detail", args=[case.pk]) + f"#visit-{visit.pk}")
    if request.method == "GET":
        audit_view(actor, case, case, extra={"page": "record a visit"})
    return render(request, "casework/visit_form.html", {"case": case, "form": form})


def visit_detail(request: HttpRequest, case_id: int, visit_id: int) -> HttpResponse:
    actor = actor_of(request)
    case = get_case_for(actor, case_id, queryset=_case_queryset())
    visit = get_record_for(actor, case, _visit_queryset(case), visit_id)
    perms = case_permissions(actor, case)
    audit_view(actor, visit, case)
    return render(
        request,
        "casework/visit_detail.html",
        {
            "case": case,
            "visit": visit,
            "may_change": "change" in perms,
            "addendum_form": AddendumForm() if "change" in perms and visit.is_signed else None,
        },
    )


@require_http_methods(["GET", "POST"])
def visit_edit(request: HttpRequest, case_id: int, visit_id: int) -> HttpResponse:
    actor = actor_of(request)
    case = get_case_for(actor, case_id, perm="change", queryset=_case_queryset())
    visit = get_record_for(actor, case, _visit_queryset(case), visit_id)
    if visit.is_signed:
        messages.error(request, _("This visit is signed and final. Add an addendum instead."))
        return redirect("visit_detail", case_id=case.pk, visit_id=visit.pk)
    if visit.author_id != actor.pk:
        raise refuse(actor, case, "only the author edits a draft")
    children = list(case.children.order_by("pk"))
    form = VisitForm(request.POST or None, instance=visit, children=children)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.visit_update(
                    actor=actor,
                    case=case,
                    visit=visit,
                    expected_version=form.cleaned_data.get("version") or 0,
                    data=form.visit_data(),
                    children=form.children_seen(),
                )
                if "sign" in request.POST:
                    current = HomeVisit.objects.get(pk=visit.pk)
                    services.visit_sign(
                        actor=actor, case=case, visit=current, expected_version=current.version
                    )
            except services.StaleEdit:
                audit_record(actor=actor, event=Event.STALE_EDIT, obj=visit, case=case)
                messages.error(
                    request,
                    _(
                        "This draft was saved from another window or device after you opened "
                        "it. Nothing was changed: here is the newer version."
                    ),
                )
                return redirect("visit_edit", case_id=case.pk, visit_id=visit.pk)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The visit is saved."))
                return redirect(reverse("case_detail", args=[case.pk]) + f"#visit-{visit.pk}")
    else:
        audit_view(actor, visit, case, extra={"page": "edit"})
    return render(request, "casework/visit_form.html", {"case": case, "form": form, "visit": visit})


@require_POST
def visit_sign(request: HttpRequest, case_id: int, visit_id: int) -> HttpResponse:
    actor = actor_of(request)
    case = get_case_for(actor, case_id, perm="change")
    visit = get_record_for(actor, case, HomeVisit.objects.filter(case=case), visit_id)
    if visit.author_id != actor.pk:
        raise refuse(actor, case, "only the author signs a visit")
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = 0
    try:
        services.visit_sign(actor=actor, case=case, visit=visit, expected_version=version)
    except services.StaleEdit:
        messages.error(
            request,
            _("This draft changed after you opened it. Read it again, then sign."),
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The visit is signed. It can no longer be changed."))
    return redirect("visit_detail", case_id=case.pk, visit_id=visit.pk)


@require_POST
def visit_addendum(request: HttpRequest, case_id: int, visit_id: int) -> HttpResponse:
    actor = actor_of(request)
    case = get_case_for(actor, case_id, perm="change", queryset=_case_queryset())
    visit = get_record_for(actor, case, _visit_queryset(case), visit_id)
    form = AddendumForm(request.POST)
    if form.is_valid():
        try:
            services.visit_addendum_add(
                actor=actor, case=case, visit=visit, text=form.cleaned_data["text"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The addendum is added beneath the visit."))
            url = reverse("visit_detail", args=[case.pk, visit.pk])
            return redirect(url + "#addenda")
    return render(
        request,
        "casework/visit_detail.html",
        {"case": case, "visit": visit, "may_change": True, "addendum_form": form},
        status=400,
    )
