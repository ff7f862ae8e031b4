"""Pages for the assessment, the three-column mapping, the safety scale and the child's voice.

The same way as the case pages: through the door (`get_case_for`, `get_record_for`), then a
form, then a service, then a redirect. A read leaves exactly one audit event (`audit_view`);
writes are audited by their services; refusals by the door, or by `_refuse` for a rule of roles
the door cannot see. A stale form is refused with both versions side by side (status 409).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.db.models import Prefetch, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from casework.access import case_permissions, get_case_for, get_record_for
from casework.audit import Event, audit_record, audit_view
from casework.models import Case, User
from casework.services import StaleEdit
from casework.view_helpers import actor_of, add_service_errors, posted_version, refuse

from . import services
from .chart import safety_scale_chart
from .forms_assessment import (
    AssessmentEditForms,
    ChildVoiceForm,
    DecisionForm,
    EntryForm,
    MappingForms,
    ScaleForm,
    error_items,
)
from .models import (
    Approval,
    Assessment,
    ChildVoice,
    Mapping,
    MappingEntry,
    NeedDomain,
    NeedEntry,
    Risk,
    ScaleScore,
)

ASSESSMENTS_LISTED = 10
MAPPINGS_PER_PAGE = 5
VOICES_PER_PAGE = 10
OPEN_STATUSES = (Approval.DRAFT, Approval.RETURNED, Approval.SUBMITTED)


def _case_queryset() -> models.QuerySet[Case]:
    return Case.objects.select_related("family", "team", "worker")


def _overview(case: Case, anchor: str = "") -> str:
    return reverse("assessment_overview", args=[case.pk]) + (f"#{anchor}" if anchor else "")


# --- Stale edits -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConflictRow:
    label: str
    theirs: str
    mine: str
    differs: bool = True


def _as_text(value: Any) -> str:
    if value in (None, ""):
        return "—"
    if hasattr(value, "isoformat"):
        return formats.date_format(value, "DATE_FORMAT")
    return str(value)


def _rows(pairs: Iterable[tuple[Any, Any, Any]]) -> list[ConflictRow]:
    """Only what differs: the values on which the two people disagree are what must be decided."""
    rows = []
    for label, theirs, mine in pairs:
        theirs_text, mine_text = _as_text(theirs), _as_text(mine)
        if theirs_text != mine_text:
            rows.append(ConflictRow(label=str(label), theirs=theirs_text, mine=mine_text))
    return rows


def _field_label(model: type[models.Model], name: str) -> str:
    return str(capfirst(getattr(model._meta.get_field(name), "verbose_name", name)))


def _record_stale(actor: User, case: Case, current: models.Model, submitted: int) -> None:
    audit_record(
        actor=actor,
        event=Event.STALE_EDIT,
        obj=current,
        case=case,
        extra={"submitted_version": submitted},
    )


# --- The one page of a case's assessment and mapping -----------------------------------------


def _need_entries(assessment: Assessment) -> list[NeedEntry]:
    return list(
        NeedEntry.objects.filter(assessment=assessment)
        .select_related("domain")
        .prefetch_related(Prefetch("risks", queryset=Risk.objects.order_by("pk")))
    )


def _mapping_columns(mapping: Mapping) -> list[tuple[str, str, list[MappingEntry]]]:
    entries = list(mapping.entries.all())
    return [
        (column, str(label), [entry for entry in entries if entry.column == column])
        for column, label in MappingEntry.Column.choices
    ]


def assessment_overview(request: HttpRequest, case_id: int) -> HttpResponse:
    """The assessment, the mappings, the safety scale and the children's voices of one case."""
    actor = actor_of(request)
    case = get_case_for(actor, case_id, queryset=_case_queryset())
    perms = case_permissions(actor, case)
    assessments = Assessment.objects.filter(case=case).select_related("author", "decided_by")
    history = list(assessments.order_by("-pk")[:ASSESSMENTS_LISTED])
    chosen = request.GET.get("assessment")
    if chosen:
        assessment: Assessment | None = get_record_for(actor, case, assessments, chosen)
    else:
        assessment = history[0] if history else None
    needs = _need_entries(assessment) if assessment is not None else []
    decisions = (
        list(assessment.decisions.select_related("decided_by")) if assessment is not None else []
    )
    mapping_page = Paginator(
        Mapping.objects.filter(case=case)
        .select_related("author")
        .prefetch_related(Prefetch("entries", queryset=MappingEntry.objects.order_by("pk"))),
        MAPPINGS_PER_PAGE,
    ).get_page(request.GET.get("page"))
    scores = list(ScaleScore.objects.filter(case=case).select_related("person", "given_by_user"))
    voice_page = Paginator(
        ChildVoice.objects.filter(case=case).select_related("child", "author"), VOICES_PER_PAGE
    ).get_page(request.GET.get("voices"))
    newest = history[0] if history else None
    may_change = "change" in perms
    editable = assessment is not None and assessment.is_editable and may_change
    audit_view(actor, assessment or case, case, extra={"page": "assessment"})
    context = {
        "case": case,
        "perms": perms,
        "assessment": assessment,
        "is_newest": assessment is not None and newest is not None and assessment.pk == newest.pk,
        "history": history,
        "needs": needs,
        "decisions": decisions,
        "may_start": may_change
        and case.phase != Case.Phase.CLOSED
        and (newest is None or newest.status not in OPEN_STATUSES),
        "may_edit": editable,
        "may_submit": editable and bool(needs),
        "may_decide": assessment is not None
        and assessment.status == Approval.SUBMITTED
        and actor.role == User.Role.SUPERVISOR
        and "export" in perms
        and assessment.author_id != actor.pk,
        "decision_form": DecisionForm(),
        "mapping_page": mapping_page,
        "mappings": [(m, _mapping_columns(m)) for m in mapping_page.object_list],
        "chart": safety_scale_chart(scores, chart_id="overview-scale-chart"),
        "scores": list(reversed(scores)),
        "voice_page": voice_page,
    }
    return render(request, "assessments/overview.html", context)


# --- The assessment: start, edit, submit, decide -----------------------------------------------


@require_POST
def assessment_start(request: HttpRequest, case_id: int) -> HttpResponse:
    actor = actor_of(request)
    case = get_case_for(actor, case_id, perm="change")
    try:
        assessment = services.assessment_start(actor=actor, case=case)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(_overview(case, "assessment"))
    messages.success(
        request, _("The assessment is started. Write it with the family, domain by domain.")
    )
    return redirect("assessment_edit", case_id=case.pk, assessment_id=assessment.pk)


def _edit_forms(data: Any, assessment: Assessment) -> AssessmentEditForms:
    entries = {entry.domain_id: entry for entry in _need_entries(assessment)}
    # Every domain in use, and any retired one this assessment already covers (kept, not lost).
    domains = list(
        NeedDomain.objects.filter(Q(is_active=True) | Q(pk__in=list(entries))).order_by(
            "order", "name"
        )
    )
    return AssessmentEditForms(data, assessment=assessment, domains=domains, entries=entries)


def _need_text(need: services.NeedData | NeedEntry | None) -> str:
    if need is None:
        return ""
    if isinstance(need, NeedEntry):
        met = need.get_met_display()
        risks = [(risk.description, risk.get_kind_display()) for risk in need.risks.all()]
    else:
        met = str(dict(NeedEntry.Met.choices).get(need.met, need.met))
        kinds = dict(Risk.Kind.choices)
        risks = [(risk.description, str(kinds.get(risk.kind, risk.kind))) for risk in need.risks]
    parts = [f"{met}: {need.need}"]
    if need.strengths:
        parts.append(f"{_('Strengths')}: {need.strengths}")
    if need.analysis:
        parts.append(f"{_('Analysis')}: {need.analysis}")
    parts += [f"{kind}: {description}" for description, kind in risks]
    return " · ".join(parts)


def _assessment_conflict(
    request: HttpRequest,
    *,
    actor: User,
    case: Case,
    edit: AssessmentEditForms,
    current: Assessment,
) -> HttpResponse:
    """Somebody saved first: show theirs beside ours, change nothing, offer to save ours."""
    mine = edit.form.cleaned_data
    saved = {entry.domain_id: entry for entry in _need_entries(current)}
    rows = _rows(
        (_field_label(Assessment, name), getattr(current, name), mine[name])
        for name in services.ASSESSMENT_FIELDS
    )
    rows += _rows(
        (block.domain.label, _need_text(saved.get(block.domain.pk)), _need_text(block.need_data()))
        for block in edit.blocks
    )
    _record_stale(actor, case, current, mine["version"])
    data = request.POST.copy()
    data["version"] = str(current.version)
    resubmit = _edit_forms(data, current)
    resubmit.is_valid()
    return render(
        request,
        "assessments/assessment_form.html",
        {
            "case": case,
            "assessment": current,
            "edit": resubmit,
            "errors": [],
            "conflict": rows,
        },
        status=409,
    )


@require_http_methods(["GET", "POST"])
def assessment_edit(request: HttpRequest, case_id: int, assessment_id: int) -> HttpResponse:
    actor = actor_of(request)
    case = get_case_for(actor, case_id, perm="change", queryset=_case_queryset())
    assessment = get_record_for(actor, case, Assessment.objects.filter(case=case), assessment_id)
    if not assessment.is_editable:
        messages.error(
            request,
            _("This assessment is %(status)s and can no longer be edited.")
            % {"status": assessment.get_status_display().lower()},
        )
        return redirect(_overview(case, "assessment"))
    edit = _edit_forms(request.POST or None, assessment)
    if request.method == "POST":
        if edit.is_valid():
            try:
                services.assessment_update(
                    actor=actor,
                    case=case,
                    assessment=assessment,
                    expected_version=edit.form.cleaned_data["version"],
                    data=edit.form.service_data(),
                    needs=edit.needs(),
                )
            except StaleEdit as stale:
                current = Assessment.objects.get(pk=stale.current.pk)
                return _assessment_conflict(
                    request, actor=actor, case=case, edit=edit, current=current
                )
            except ValidationError as error:
                add_service_errors(edit.form, error)
            else:
                messages.success(request, _("The assessment is saved."))
                return redirect(_overview(case, "assessment"))
    else:
        audit_view(actor, assessment, case, extra={"page": "edit"})
    return render(
        request,
        "assessments/assessment_form.html",
        {
            "case": case,
            "assessment": assessment,
            "edit": edit,
            "errors": edit.errors() if edit.form.is_bound else [],
        },
    )


@require_POST
def assessment_submit(request: HttpRequest, case_id: int, assessment_id: int) -> HttpResponse:
    actor = actor_of(request)
    case = get_case_for(actor, case_id, perm="change")
    assessment = get_record_for(actor, case, Assessment.objects.filter(case=case), assessment_id)
    version = posted_version(request)
    try:
        services.assessment_submit(
            actor=actor, case=case, assessment=assessment, expected_version=version
        )
    except StaleEdit as stale:
        _record_stale(actor, case, stale.current, version)
        messages.error(
            request,
            _("The assessment changed after you opened it. Read it again, then submit it."),
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _(
                "The assessment is submitted. A supervisor of the team will approve it or "
                "return it with comments."
            ),
        )
    return redirect(_overview(case, "assessment"))


@require_POST
def assessment_decide(request: HttpRequest, case_id: int, assessment_id: int) -> HttpResponse:
    actor = actor_of(request)
    # Deciding is managing the case: the door asks for the supervisor's grant first.
    case = get_case_for(actor, case_id, perm="export")
    if actor.role != User.Role.SUPERVISOR:
        raise refuse(actor, case, "approving an assessment is a supervisor's decision")
    assessment = get_record_for(actor, case, Assessment.objects.filter(case=case), assessment_id)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose to approve the assessment or to return it."))
        return redirect(_overview(case, "assessment"))
    version = posted_version(request)
    approve = form.cleaned_data["decision"] == "approve"
    try:
        services.assessment_decide(
            actor=actor,
            case=case,
            assessment=assessment,
            expected_version=version,
            approve=approve,
            comment=form.cleaned_data["comment"],
        )
    except StaleEdit as stale:
        _record_stale(actor, case, stale.current, version)
        messages.error(
            request,
            _("The assessment changed after you opened it. Read it again, then decide."),
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("The assessment is approved.")
            if approve
            else _("The assessment is returned to the worker with your comment."),
        )
    return redirect(_overview(case, "assessment"))


# --- The three-column mapping ------------------------------------------------------------------


def _entries_text(entries: Iterable[EntryForm | MappingEntry | services.EntryData]) -> str:
    kinds = dict(MappingEntry.Kind.choices)
    lines = []
    for entry in entries:
        if isinstance(entry, EntryForm):
            data = entry.entry_data()
            if data is None:
                continue
            entry = data
        lines.append(f"{kinds.get(entry.kind, entry.kind)}: {entry.text}")
    return " · ".join(lines)


def _mapping_conflict(
    request: HttpRequest,
    *,
    actor: User,
    case: Case,
    bundle: MappingForms,
    current: Mapping,
) -> HttpResponse:
    mine = bundle.form.cleaned_data
    saved = list(current.entries.order_by("pk"))
    rows = _rows(
        [
            (_field_label(Mapping, "held_on"), current.held_on, mine["held_on"]),
            (_field_label(Mapping, "participants"), current.participants, mine["participants"]),
        ]
    )
    rows += _rows(
        (
            label,
            _entries_text(entry for entry in saved if entry.column == column),
            _entries_text(formset.forms),
        )
        for column, label, formset in bundle.columns
    )
    _record_stale(actor, case, current, mine["version"])
    data = request.POST.copy()
    data["version"] = str(current.version)
    resubmit = MappingForms(data, mapping=current)
    resubmit.is_valid()
    return render(
        request,
        "assessments/mapping_form.html",
        {"case": case, "mapping": current, "bundle": resubmit, "errors": [], "conflict": rows},
        status=409,
    )


@require_http_methods(["GET", "POST"])
def mapping_new(request: HttpRequest, case_id: int) -> HttpResponse:
    actor = actor_of(request)
    case = get_case_for(actor, case_id, perm="change", queryset=_case_queryset())
    bundle = MappingForms(request.POST or None)
    if request.method == "POST":
        if bundle.is_valid():
            data = bundle.form.cleaned_data
            try:
                mapping = services.mapping_record(
                    actor=actor,
                    case=case,
                    held_on=data["held_on"],
                    participants=data["participants"],
                    entries=bundle.entries(),
                )
            except ValidationError as error:
                add_service_errors(bundle.form, error)
            else:
                messages.success(request, _("The three-column mapping is saved."))
                return redirect(_overview(case, f"mapping-{mapping.pk}"))
    else:
        audit_view(actor, case, case, extra={"page": "record a mapping"})
    return render(
        request,
        "assessments/mapping_form.html",
        {
            "case": case,
            "bundle": bundle,
            "errors": bundle.errors() if bundle.form.is_bound else [],
        },
    )


@require_http_methods(["GET", "POST"])
def mapping_edit(request: HttpRequest, case_id: int, mapping_id: int) -> HttpResponse:
    actor = actor_of(request)
    case = get_case_for(actor, case_id, perm="change", queryset=_case_queryset())
    mapping = get_record_for(
        actor,
        case,
        Mapping.objects.filter(case=case).prefetch_related(
            Prefetch("entries", queryset=MappingEntry.objects.order_by("pk"))
        ),
        mapping_id,
    )
    bundle = MappingForms(request.POST or None, mapping=mapping)
    if request.method == "POST":
        if bundle.is_valid():
            data = bundle.form.cleaned_data
            try:
                services.mapping_update(
                    actor=actor,
                    case=case,
                    mapping=mapping,
                    expected_version=data["version"],
                    held_on=data["held_on"],
                    participants=data["participants"],
                    entries=bundle.entries(),
                )
            except StaleEdit as stale:
                current = Mapping.objects.get(pk=stale.current.pk)
                return _mapping_conflict(
                    request, actor=actor, case=case, bundle=bundle, current=current
                )
            except ValidationError as error:
                add_service_errors(bundle.form, error)
            else:
                messages.success(request, _("The three-column mapping is saved."))
                return redirect(_overview(case, f"mapping-{mapping.pk}"))
    else:
        audit_view(actor, mapping, case, extra={"page": "edit"})
    return render(
        request,
        "assessments/mapping_form.html",
        {
            "case": case,
            "mapping": mapping,
            "bundle": bundle,
            "errors": bundle.errors() if bundle.form.is_bound else [],
        },
    )


# --- The safety scale ---------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def scale_new(request: HttpRequest, case_id: int) -> HttpResponse:
    actor = actor_of(request)
    case = get_case_for(actor, case_id, perm="change", queryset=_case_queryset())
    people = list(case.family.people.order_by("pk"))
    form = ScaleForm(request.POST or None, people=people, actor=actor)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.scale_record(
                    actor=actor,
                    case=case,
                    score=data["score"],
                    voice=data["voice"],
                    reason=data["reason"],
                    recorded_on=data["recorded_on"],
                    person=data["person"],
                    voice_name=data["voice_name"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The score is added to the safety scale."))
                return redirect(_overview(case, "scale"))
    else:
        audit_view(actor, case, case, extra={"page": "record a safety score"})
    return render(
        request,
        "assessments/scale_form.html",
        {"case": case, "form": form, "errors": error_items([(form, "")])},
    )


# --- The child's voice --------------------------------------------------------------------------


def _voice_queryset(case: Case) -> models.QuerySet[ChildVoice]:
    return ChildVoice.objects.filter(case=case).select_related("child")


@require_http_methods(["GET", "POST"])
def child_voice_new(request: HttpRequest, case_id: int) -> HttpResponse:
    actor = actor_of(request)
    case = get_case_for(actor, case_id, perm="change", queryset=_case_queryset())
    children = list(case.children.order_by("pk"))
    form = ChildVoiceForm(request.POST or None, request.FILES or None, children=children)
    if request.method == "POST":
        if form.is_valid():
            try:
                voice = services.child_voice_record(
                    actor=actor,
                    case=case,
                    child_id=form.cleaned_data["child"].pk,
                    data=form.voice_data(),
                    drawing=form.cleaned_data.get("drawing"),
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The child's voice is recorded."))
                return redirect(_overview(case, f"voice-{voice.pk}"))
    else:
        audit_view(actor, case, case, extra={"page": "record a child's voice"})
    return render(
        request,
        "assessments/child_voice_form.html",
        {"case": case, "form": form, "errors": error_items([(form, "")])},
    )


@require_http_methods(["GET", "POST"])
def child_voice_edit(request: HttpRequest, case_id: int, voice_id: int) -> HttpResponse:
    actor = actor_of(request)
    case = get_case_for(actor, case_id, perm="change", queryset=_case_queryset())
    voice = get_record_for(actor, case, _voice_queryset(case), voice_id)
    form = ChildVoiceForm(request.POST or None, request.FILES or None, children=[], voice=voice)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.child_voice_update(
                    actor=actor,
                    case=case,
                    voice=voice,
                    expected_version=form.cleaned_data["version"],
                    data=form.voice_data(),
                    drawing=form.cleaned_data.get("drawing"),
                    remove_drawing=bool(form.cleaned_data.get("remove_drawing")),
                )
            except StaleEdit as stale:
                current = _voice_queryset(case).get(pk=stale.current.pk)
                mine = form.cleaned_data
                rows = _rows(
                    (_field_label(ChildVoice, name), getattr(current, name), mine[name])
                    for name in services.VOICE_FIELDS
                )
                _record_stale(actor, case, current, mine["version"])
                data = request.POST.copy()
                data["version"] = str(current.version)
                resubmit = ChildVoiceForm(data, children=[], voice=current)
                resubmit.is_valid()
                return render(
                    request,
                    "assessments/child_voice_form.html",
                    {
                        "case": case,
                        "voice": current,
                        "form": resubmit,
                        "errors": [],
                        "conflict": rows,
                        "photo_dropped": bool(mine.get("drawing")),
                    },
                    status=409,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The child's voice is saved."))
                return redirect(_overview(case, f"voice-{voice.pk}"))
    else:
        audit_view(actor, voice, case, extra={"page": "edit"})
    return render(
        request,
        "assessments/child_voice_form.html",
        {"case": case, "voice": voice, "form": form, "errors": error_items([(form, "")])},
    )


@require_safe
def child_voice_drawing(request: HttpRequest, case_id: int, voice_id: int) -> FileResponse:
    """The photo of a child's drawing: only through the door, never from a public address."""
    actor = actor_of(request)
    case = get_case_for(actor, case_id)
    with_drawing = ChildVoice.objects.filter(case=case).exclude(drawing="")
    voice = get_record_for(actor, case, with_drawing, voice_id)
    try:
        handle = voice.drawing.storage.open(voice.drawing.name or "", "rb")
    except OSError:
        audit_record(
            actor=actor,
            event=Event.REFUSED,
            obj=voice,
            case=case,
            reason="the drawing's file is missing",
        )
        raise Http404 from None
    audit_view(actor, voice, case, extra={"file": "drawing"})
    response = FileResponse(handle, content_type="image/png", filename="drawing.png")
    # A child's drawing stays out of shared caches and browser history of a shared phone.
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
