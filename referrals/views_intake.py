"""Intake pages: the screening queue, recording an incoming referral, correcting it while it
waits, screening it to a decision, and the administrators' list of intake workers.

Reads go through `referrals.selectors` (`get_intake_for` is the door: missing and forbidden both
answer 404) and leave one audit event per page view; writes go through `referrals.services`,
which audit them. A page a role can never use does not exist for it (404, audited like the
door's refusals): intake is for social workers and supervisors, screening for screeners, the
intake workers' list for administrators. Partners never see any of it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from casework.audit import Event, audit_record, audit_view
from casework.models import User
from casework.services import StaleEdit
from casework.view_helpers import actor_of, add_service_errors, display_value

from . import selectors, services
from .forms_intake import (
    BaseIntakePeopleFormSet,
    IntakeForm,
    IntakeWorkerForm,
    ScreenForm,
    add_people_errors,
    people_formset,
)
from .models import Intake, IntakePerson, IntakeWorker

INTAKE_ROLES = (User.Role.SOCIAL_WORKER, User.Role.SUPERVISOR)
MY_RECENT_INTAKES = 30


def refuse_role(actor: User, model: type[models.Model], request: HttpRequest, why: str) -> Http404:
    """A page this role can never use: it does not exist for them (404), and the try is kept."""
    audit_record(
        actor=actor, event=Event.REFUSED, model=model, object_pk=request.path[:100], reason=why
    )
    return Http404()


def _intake_staff(request: HttpRequest) -> User:
    """Social workers and supervisors of an organisation: the people who take referrals."""
    actor = actor_of(request)
    if actor.role not in INTAKE_ROLES or actor.organisation_id is None:
        raise refuse_role(actor, Intake, request, "intake is for social workers and supervisors")
    return actor


def age_text(intake: Intake) -> str:
    """How long the referral has waited: hours on its first day, then days."""
    age = intake.age
    if age.days >= 1:
        return ngettext("%(count)d day", "%(count)d days", age.days) % {"count": age.days}
    hours = max(int(age.total_seconds() // 3600), 0)
    return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}


@dataclass(frozen=True)
class IntakeRow:
    intake: Intake
    age: str
    people: list[IntakePerson]
    concerns: list[str]


def _rows(intakes: Any) -> list[IntakeRow]:
    return [
        IntakeRow(
            intake=intake,
            age=age_text(intake),
            people=list(intake.people.all()),
            concerns=[c.label for c in intake.concerns.all()],
        )
        for intake in intakes
    ]


# --- The queue -------------------------------------------------------------------------------


def intake_queue(request: HttpRequest) -> HttpResponse:
    """Screeners: the referrals awaiting screening, most urgent and longest waiting first.
    Everyone who takes referrals: the ones they recorded recently."""
    actor = _intake_staff(request)
    screener = selectors.may_screen(actor)
    queue = _rows(selectors.intake_queue(actor)) if screener else []
    mine = _rows(
        selectors.intakes_visible_to(actor)
        .filter(recorded_by=actor)
        .select_related("village", "recorded_by")
        .prefetch_related("people", "concerns")
        .order_by("-received_at", "-pk")[:MY_RECENT_INTAKES]
    )
    audit_view(
        actor,
        None,
        None,
        model=Intake,
        extra={"list": "intake queue", "count": len(queue), "mine": len(mine)},
    )
    return render(
        request,
        "referrals/intake/queue.html",
        {"queue": queue, "mine": mine, "is_screener": screener},
    )


# --- Recording and correcting ----------------------------------------------------------------


def _service_errors(
    form: IntakeForm, people: BaseIntakePeopleFormSet, error: ValidationError
) -> None:
    if hasattr(error, "error_dict"):
        by_field = error.message_dict
        add_people_errors(people, by_field)
        rest = {k: v for k, v in by_field.items() if not k.startswith("person-")}
        if "received_at" in rest:
            rest["received_on"] = rest.pop("received_at")
        if rest:
            add_service_errors(form, ValidationError(rest))
    else:
        add_service_errors(form, error)


@require_http_methods(["GET", "POST"])
def intake_new(request: HttpRequest) -> HttpResponse:
    actor = _intake_staff(request)
    organisation = actor.organisation
    if organisation is None or not selectors.may_record_intake(actor, organisation):
        raise refuse_role(actor, Intake, request, "may not record referrals")
    data = request.POST if request.method == "POST" else None
    form = IntakeForm(data, organisation_id=organisation.pk)
    people = people_formset(data)
    if request.method == "POST":
        if form.is_valid() and people.is_valid():
            try:
                intake = services.intake_record(
                    actor=actor,
                    data=form.intake_data(),
                    people=people.people_data(),
                    concerns=form.concerns_chosen(),
                )
            except ValidationError as error:
                _service_errors(form, people, error)
            else:
                messages.success(request, _("The referral is recorded and waits for screening."))
                return redirect("intake_detail", intake_id=intake.pk)
    else:
        audit_view(actor, None, None, model=Intake, extra={"page": "record a referral"})
    return render(request, "referrals/intake/form.html", {"form": form, "people": people})


def _may_edit(actor: User, intake: Intake) -> bool:
    if not intake.is_awaiting:
        return False
    return selectors.may_screen(actor, intake.organisation) or (
        intake.recorded_by_id == actor.pk
        and selectors.may_record_intake(actor, intake.organisation)
    )


def _concern_text(concerns: Any) -> str:
    return ", ".join(sorted(c.label for c in concerns)) or "—"


def _intake_conflict(
    request: HttpRequest,
    actor: User,
    form: IntakeForm,
    people: BaseIntakePeopleFormSet,
    current: Intake,
) -> HttpResponse:
    """Somebody saved the referral first: theirs beside ours, nothing changed (409)."""
    mine = copy.copy(current)
    for name, value in form.intake_data().items():
        setattr(mine, name, value)
    rows: list[dict[str, Any]] = []
    for name in services.INTAKE_FIELDS:
        theirs, ours = display_value(current, name), display_value(mine, name)
        if theirs != ours:
            label = getattr(current._meta.get_field(name), "verbose_name", name)
            rows.append({"label": label, "theirs": theirs, "mine": ours, "differs": True})
    saved_concerns = _concern_text(current.concerns.all())
    my_concerns = _concern_text(form.concerns_chosen())
    if saved_concerns != my_concerns:
        rows.append(
            {"label": _("concerns"), "theirs": saved_concerns, "mine": my_concerns, "differs": True}
        )
    audit_record(
        actor=actor,
        event=Event.STALE_EDIT,
        obj=current,
        extra={"submitted_version": form.cleaned_data.get("version")},
    )
    data = request.POST.copy()
    data["version"] = str(current.version)
    resubmit = IntakeForm(data, organisation_id=current.organisation_id, intake=current)
    resubmit.is_valid()
    context = {
        "intake": current,
        "people_named": list(current.people.all()),
        "concerns": [c.label for c in current.concerns.all()],
        "form": resubmit,
        "people": people,
        "may_edit": True,
        "may_screen": selectors.may_screen(actor, current.organisation),
        "conflict": rows,
        "age": age_text(current),
    }
    return render(request, "referrals/intake/detail.html", context, status=409)


@require_http_methods(["GET", "POST"])
def intake_detail(request: HttpRequest, intake_id: int) -> HttpResponse:
    """The referral as recorded and, while it awaits screening, the form to correct it."""
    actor = _intake_staff(request)
    intake = selectors.get_intake_for(actor, intake_id)
    may_edit = _may_edit(actor, intake)
    if request.method == "POST" and not may_edit:
        messages.error(request, _("This referral has been screened: it can no longer be changed."))
        return redirect("intake_detail", intake_id=intake.pk)
    data = request.POST if request.method == "POST" else None
    form = IntakeForm(data, organisation_id=intake.organisation_id, intake=intake)
    people = people_formset(data, intake=intake)
    if request.method == "POST":
        if form.is_valid() and people.is_valid():
            try:
                services.intake_update(
                    actor=actor,
                    intake=intake,
                    expected_version=form.cleaned_data.get("version") or 0,
                    data=form.intake_data(),
                    people=people.people_data(),
                    concerns=form.concerns_chosen(),
                )
            except StaleEdit as stale:
                current = Intake.objects.select_related("village", "recorded_by").get(
                    pk=stale.current.pk
                )
                return _intake_conflict(request, actor, form, people, current)
            except ValidationError as error:
                _service_errors(form, people, error)
            else:
                messages.success(request, _("The referral is saved."))
                return redirect("intake_detail", intake_id=intake.pk)
    else:
        audit_view(actor, intake, intake.case)
    return render(
        request,
        "referrals/intake/detail.html",
        {
            "intake": intake,
            "people_named": list(intake.people.all()),
            "concerns": [c.label for c in intake.concerns.all()],
            "form": form,
            "people": people,
            "may_edit": may_edit,
            "may_screen": intake.is_awaiting and selectors.may_screen(actor, intake.organisation),
            "conflict": None,
            "age": age_text(intake),
        },
    )


# --- Screening -------------------------------------------------------------------------------


def _after_screening(request: HttpRequest, intake: Intake) -> HttpResponse:
    if intake.case_id is not None:
        if intake.decision == Intake.Decision.OPEN_CASE:
            messages.success(request, _("The case is opened and allocated."))
        else:
            messages.success(request, _("The referral is added to the case."))
        return redirect("case_detail", intake.case_id)
    messages.success(
        request,
        _("The referral is screened: %(decision)s.") % {"decision": intake.get_decision_display()},
    )
    return redirect("intake_detail", intake_id=intake.pk)


@require_http_methods(["GET", "POST"])
def intake_screen(request: HttpRequest, intake_id: int) -> HttpResponse:
    """Likely matches (need to know: other teams' families only as whom to ask), then the
    decision, always with a reason. Each rendering is audited: it shows families on record."""
    actor = _intake_staff(request)
    intake = selectors.get_intake_for(actor, intake_id)
    if not selectors.may_screen(actor, intake.organisation):
        raise refuse_role(actor, Intake, request, "not a screener")
    if not intake.is_awaiting:
        messages.info(request, _("This referral has already been screened."))
        return redirect("intake_detail", intake_id=intake.pk)
    people = list(intake.people.all())
    matches = selectors.intake_matches(actor, intake)
    form = ScreenForm(
        request.POST if request.method == "POST" else None,
        intake=intake,
        people=people,
        matches=matches,
    )
    conflict: list[dict[str, Any]] | None = None
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            screened = services.intake_screen(
                actor=actor,
                intake=intake,
                expected_version=form.cleaned_data["version"],
                **form.screen_kwargs(),
            )
        except StaleEdit as stale:
            current = Intake.objects.get(pk=stale.current.pk)
            audit_record(
                actor=actor,
                event=Event.STALE_EDIT,
                obj=current,
                extra={"submitted_version": form.cleaned_data.get("version")},
            )
            conflict = [
                {
                    "label": _("the referral"),
                    "theirs": _("corrected since you opened it (version %(version)s)")
                    % {"version": current.version},
                    "mine": _("as you read it (version %(version)s)")
                    % {"version": form.cleaned_data["version"]},
                    "differs": True,
                }
            ]
            data = request.POST.copy()
            data["version"] = str(current.version)
            intake = current
            people = list(intake.people.all())
            form = ScreenForm(data, intake=intake, people=people, matches=matches)
            form.is_valid()
            status = 409
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _after_screening(request, screened)
    if status == 200:
        audit_view(actor, intake, None, extra={"page": "screening", "matches": len(matches)})
    return render(
        request,
        "referrals/intake/screen.html",
        {
            "intake": intake,
            "people_named": people,
            "concerns": [c.label for c in intake.concerns.all()],
            "age": age_text(intake),
            "matches": matches,
            "form": form,
            "conflict": conflict,
        },
        status=status,
    )


# --- Intake workers --------------------------------------------------------------------------


def _administrator(request: HttpRequest) -> User:
    actor = actor_of(request)
    if actor.role != User.Role.ADMINISTRATOR or actor.organisation_id is None:
        raise refuse_role(
            actor, IntakeWorker, request, "intake workers are named by administrators"
        )
    return actor


@require_http_methods(["GET", "POST"])
def intake_workers(request: HttpRequest) -> HttpResponse:
    actor = _administrator(request)
    organisation = actor.organisation
    if organisation is None:  # pragma: no cover - _administrator refuses it
        raise Http404
    form = IntakeWorkerForm(
        request.POST if request.method == "POST" else None, organisation_id=organisation.pk
    )
    if request.method == "POST":
        if form.is_valid():
            user = form.cleaned_data["user"]
            try:
                services.intake_worker_add(actor=actor, user=user)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request, _("%(user)s now screens referrals.") % {"user": user.display_name}
                )
                return redirect("intake_workers")
    else:
        audit_view(actor, None, None, model=IntakeWorker, extra={"list": "intake workers"})
    return render(
        request,
        "referrals/intake/workers.html",
        {"workers": list(selectors.intake_workers(organisation).order_by("pk")), "form": form},
    )


@require_POST
def intake_worker_remove(request: HttpRequest, user_id: int) -> HttpResponse:
    actor = _administrator(request)
    organisation_id = actor.organisation_id or 0
    row = (
        IntakeWorker.objects.filter(organisation_id=organisation_id, user_id=user_id)
        .select_related("user")
        .first()
    )
    if row is None:
        raise refuse_role(actor, IntakeWorker, request, "not an intake worker")
    try:
        services.intake_worker_remove(actor=actor, user=row.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("%(user)s no longer screens referrals.") % {"user": row.user.display_name},
        )
    return redirect("intake_workers")


__all__ = [
    "intake_detail",
    "intake_new",
    "intake_queue",
    "intake_screen",
    "intake_worker_remove",
    "intake_workers",
]
