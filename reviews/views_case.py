"""Pages of one case's reviews: the list, a review, the schedule, the chair, closing the case
and its risk level. (The review form the chair fills in is views_review.)

Every view goes the way of casework.case_views: through the door (`get_case_for`,
`get_record_for`), then a form, then a service, then a redirect. A read leaves exactly one audit
event; writes are audited by their service; refusals by the door (or `refuse`).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from casework.access import case_permissions, get_case_for, get_record_for
from casework.audit import audit_view
from casework.models import Case, User
from casework.services import StaleEdit, case_set_risk
from casework.view_helpers import actor_of, add_service_errors, conflict_response, refuse

from . import services
from .forms import AddendumForm, ChairForm, CloseForm, RescheduleForm, RiskForm, ScheduleForm
from .models import Participant, Review
from .selectors import return_flags_for_case, reviews_for_case

INTERVENTION_PHASES = (Case.Phase.INTERVENTION, Case.Phase.FOLLOW_UP)


def case_queryset() -> QuerySet[Case]:
    return Case.objects.select_related("family", "team__organisation", "worker")


def review_queryset(case: Case) -> QuerySet[Review]:
    """A case's reviews with every row the review pages show (a fixed number of queries)."""
    return (
        Review.objects.filter(case=case)
        .select_related("chair", "signed_by", "scheduled_by")
        .prefetch_related(
            Prefetch(
                "participants",
                queryset=Participant.objects.select_related("person", "network_member"),
            ),
            "goal_progress__goal",
            "rule_progress__rule",
            "scores__person",
        )
    )


def _reviews_url(case: Case, anchor: str = "") -> str:
    url = reverse("case_reviews", args=[case.pk])
    return f"{url}#{anchor}" if anchor else url


def _require_team_supervisor(actor: User, case: Case) -> None:
    if not services.is_team_supervisor(actor, case):
        raise refuse(actor, case, "a supervisor of the case's team schedules its reviews")


def _next_policy_date(case: Case) -> datetime.date:
    """The date the policy gives the next review (services.review_schedule's rule)."""
    last = services.last_signed_review(case)
    step = 0 if last is None else last.step + 1
    today = timezone.localdate()
    since = (last.held_on if last is not None and last.held_on else None) or today
    return max(services.policy_date(case, step, since), today)


def _review(actor: User, case: Case, review_id: object) -> Review:
    return get_record_for(
        actor,
        case,
        Review.objects.filter(case=case).select_related("chair", "signed_by", "scheduled_by"),
        review_id,
    )


# --- The list of a case's reviews ---------------------------------------------------------------


def case_reviews(request: HttpRequest, case_id: int) -> HttpResponse:
    """Every review of the case (scheduled, signed off, cancelled) and the policy's cadence."""
    actor = actor_of(request)
    case = get_case_for(actor, case_id, queryset=case_queryset())
    perms = case_permissions(actor, case)
    reviews = list(reviews_for_case(case))
    policy = services.policy_for(case.team.organisation_id)
    is_supervisor = actor.role == User.Role.SUPERVISOR and "export" in perms
    is_supervisor = is_supervisor and services.is_team_supervisor(actor, case)
    open_review = next((r for r in reviews if r.status == Review.Status.SCHEDULED), None)
    signed = [r for r in reviews if r.status == Review.Status.SIGNED]
    next_step = (max(r.step for r in signed) + 1) if signed else 0
    intervals = policy.intervals(case.risk_level)
    upcoming = [policy.interval(case.risk_level, next_step + i) for i in range(4)]
    audit_view(actor, None, case, model=Review, extra={"list": "reviews", "count": len(reviews)})
    return render(
        request,
        "reviews/review_list.html",
        {
            "case": case,
            "reviews": reviews,
            "open_review": open_review,
            "today": timezone.localdate(),
            "policy": policy,
            "intervals": intervals,
            "upcoming": upcoming,
            "is_supervisor": is_supervisor,
            "may_schedule": is_supervisor
            and open_review is None
            and case.phase in INTERVENTION_PHASES,
            "may_close": "change" in perms and case.phase in INTERVENTION_PHASES,
            "may_change_risk": "change" in perms and case.phase != Case.Phase.CLOSED,
        },
    )


# --- One review ---------------------------------------------------------------------------------


def review_detail(request: HttpRequest, case_id: int, review_id: int) -> HttpResponse:
    """A review as recorded, read-only, with its addenda (and the addendum form once signed)."""
    actor = actor_of(request)
    case = get_case_for(actor, case_id, queryset=case_queryset())
    review = get_record_for(
        actor, case, review_queryset(case).prefetch_related("addenda__author"), review_id
    )
    perms = case_permissions(actor, case)
    audit_view(actor, review, case)
    context = _detail_context(actor, case, review, perms)
    return render(request, "reviews/review_detail.html", context)


def _detail_context(
    actor: User, case: Case, review: Review, perms: frozenset[Any], form: AddendumForm | None = None
) -> dict[str, Any]:
    may_add = review.status == Review.Status.SIGNED and (
        "change" in perms or review.chair_id == actor.pk
    )
    return {
        "case": case,
        "review": review,
        "today": timezone.localdate(),
        "is_chair": review.chair_id == actor.pk and not review.is_final,
        "addendum_form": (form or AddendumForm()) if may_add else None,
        # Supervisors and administrators export the minutes of a signed review as PDF.
        "may_export_minutes": review.status == Review.Status.SIGNED and "export" in perms,
    }


@require_POST
def review_addendum(request: HttpRequest, case_id: int, review_id: int) -> HttpResponse:
    actor = actor_of(request)
    case = get_case_for(actor, case_id, queryset=case_queryset())
    review = get_record_for(
        actor, case, review_queryset(case).prefetch_related("addenda__author"), review_id
    )
    perms = case_permissions(actor, case)
    if review.chair_id != actor.pk and "change" not in perms:
        raise refuse(actor, case, "needs change")
    form = AddendumForm(request.POST)
    if form.is_valid():
        try:
            services.review_addendum_add(
                actor=actor, case=case, review=review, text=form.cleaned_data["text"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The addendum is added beneath the review."))
            url = reverse("review_detail", args=[case.pk, review.pk])
            return redirect(f"{url}#addenda")
    return render(
        request,
        "reviews/review_detail.html",
        _detail_context(actor, case, review, perms, form),
    )


# --- The schedule -------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def review_schedule(request: HttpRequest, case_id: int) -> HttpResponse:
    """A supervisor of the team schedules the next review and may choose its chair."""
    actor = actor_of(request)
    case = get_case_for(actor, case_id, queryset=case_queryset())
    _require_team_supervisor(actor, case)
    policy_due = _next_policy_date(case)
    form = ScheduleForm(request.POST or None, case=case, initial={"due_on": policy_due})
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.review_schedule(
                    actor=actor,
                    case=case,
                    chair=data["chair"],
                    due_on=data["due_on"],
                    date_reason=data["date_reason"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The review is scheduled."))
                return redirect(_reviews_url(case))
    else:
        audit_view(actor, case, case, extra={"page": "schedule a review"})
    return render(
        request,
        "reviews/schedule_form.html",
        {
            "case": case,
            "form": form,
            "policy_due": policy_due,
            "open_review": services.open_review(case),
        },
    )


def _open(request: HttpRequest, case: Case, review: Review) -> HttpResponse | None:
    if review.is_final:
        messages.error(request, _("Only a scheduled review can be changed."))
        return redirect(_reviews_url(case))
    return None


@require_http_methods(["GET", "POST"])
def review_assign_chair(request: HttpRequest, case_id: int, review_id: int) -> HttpResponse:
    """A supervisor of the team chooses (or changes) the independent chair."""
    actor = actor_of(request)
    case = get_case_for(actor, case_id, queryset=case_queryset())
    review = _review(actor, case, review_id)
    _require_team_supervisor(actor, case)
    if (closed := _open(request, case, review)) is not None:
        return closed
    form = ChairForm(
        request.POST or None,
        case=case,
        initial={"version": review.version, "chair": review.chair_id},
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                services.review_assign_chair(
                    actor=actor,
                    case=case,
                    review=review,
                    chair=form.cleaned_data["chair"],
                    expected_version=form.cleaned_data["version"],
                )
            except StaleEdit as stale:
                return conflict_response(
                    request,
                    actor=actor,
                    case=case,
                    form=form,
                    current=stale.current,
                    changed={"chair": form.cleaned_data["chair"]},
                    template="reviews/chair_form.html",
                    context={"review": stale.current},
                    form_factory=lambda data, instance: ChairForm(data, case=case),
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("%(name)s chairs the review.")
                    % {"name": form.cleaned_data["chair"].display_name},
                )
                return redirect(_reviews_url(case))
    else:
        audit_view(actor, review, case, extra={"page": "choose the chair"})
    return render(
        request, "reviews/chair_form.html", {"case": case, "review": review, "form": form}
    )


@require_http_methods(["GET", "POST"])
def review_reschedule(request: HttpRequest, case_id: int, review_id: int) -> HttpResponse:
    """The chair or a supervisor of the team moves the review, with a reason."""
    actor = actor_of(request)
    case = get_case_for(actor, case_id, queryset=case_queryset())
    review = _review(actor, case, review_id)
    if review.chair_id != actor.pk:
        _require_team_supervisor(actor, case)
    if (closed := _open(request, case, review)) is not None:
        return closed
    form = RescheduleForm(
        request.POST or None, initial={"version": review.version, "due_on": review.due_on}
    )
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.review_reschedule(
                    actor=actor,
                    case=case,
                    review=review,
                    due_on=data["due_on"],
                    reason=data["date_reason"],
                    expected_version=data["version"],
                )
            except StaleEdit as stale:
                return conflict_response(
                    request,
                    actor=actor,
                    case=case,
                    form=form,
                    current=stale.current,
                    changed={"due_on": data["due_on"], "date_reason": data["date_reason"]},
                    template="reviews/reschedule_form.html",
                    context={"review": stale.current},
                    form_factory=lambda data, instance: RescheduleForm(data),
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The review is moved."))
                return redirect(_reviews_url(case))
    else:
        audit_view(actor, review, case, extra={"page": "reschedule"})
    return render(
        request, "reviews/reschedule_form.html", {"case": case, "review": review, "form": form}
    )


@require_POST
def return_flag_seen(request: HttpRequest, case_id: int, flag_id: int) -> HttpResponse:
    """A supervisor of the team has looked at the returning / revolving-door flag."""
    actor = actor_of(request)
    case = get_case_for(actor, case_id, queryset=case_queryset())
    flag = get_record_for(actor, case, return_flags_for_case(case), flag_id)
    _require_team_supervisor(actor, case)
    services.return_flag_seen(actor=actor, case=case, flag=flag)
    messages.success(request, _("Marked as seen."))
    return redirect(reverse("case_detail", args=[case.pk]) + "#panel-reviews")


# --- Closing the case and its risk level --------------------------------------------------------


@require_http_methods(["GET", "POST"])
def case_close(request: HttpRequest, case_id: int) -> HttpResponse:
    """Close the case: what the reviews say, the outcome, and when someone checks back."""
    actor = actor_of(request)
    case = get_case_for(actor, case_id, perm="change", queryset=case_queryset())
    problems = services.closure_problems(case)
    may_override = bool(problems) and services.is_team_supervisor(actor, case)
    form = CloseForm(request.POST or None)
    if not may_override:
        del form.fields["override_reason"]
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.case_close(
                    actor=actor,
                    case=case,
                    data=services.ClosureData(
                        outcome=data["outcome"],
                        follow_up_on=data["follow_up_on"],
                        risk_reduced=data["risk_reduced"],
                        in_school=data["in_school"],
                        health_care=data["health_care"],
                        override_reason=data.get("override_reason", ""),
                    ),
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The case is closed."))
                return redirect("case_detail", case_id=case.pk)
    else:
        audit_view(actor, case, case, extra={"page": "close the case"})
    return render(
        request,
        "reviews/close_form.html",
        {
            "case": case,
            "form": form,
            "problems": problems,
            "may_override": may_override,
            "last_review": services.last_signed_review(case),
            "worker_score": services.latest_worker_score(case),
            "open_phase": case.phase in INTERVENTION_PHASES,
        },
    )


@require_http_methods(["GET", "POST"])
def case_risk(request: HttpRequest, case_id: int) -> HttpResponse:
    """The worker or a supervisor changes the case's risk level, with a reason."""
    actor = actor_of(request)
    case = get_case_for(actor, case_id, perm="change", queryset=case_queryset())
    form = RiskForm(
        request.POST or None, initial={"version": case.version, "risk_level": case.risk_level}
    )
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                updated = case_set_risk(
                    actor=actor,
                    case=case,
                    risk_level=data["risk_level"],
                    reason=data["reason"],
                    expected_version=data["version"],
                )
            except StaleEdit as stale:
                return conflict_response(
                    request,
                    actor=actor,
                    case=case,
                    form=form,
                    current=stale.current,
                    changed={"risk_level": data["risk_level"]},
                    template="reviews/risk_form.html",
                    context={},
                    form_factory=lambda data, instance: RiskForm(data),
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("The risk level is now %(risk)s.")
                    % {"risk": updated.get_risk_level_display()},
                )
                return redirect("case_detail", case_id=case.pk)
    else:
        audit_view(actor, case, case, extra={"page": "risk level"})
    return render(request, "reviews/risk_form.html", {"case": case, "form": form})
