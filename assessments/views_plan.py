"""Pages of the case plan, the supervisors' approvals queue and the list of need domains.

Every view goes the way of casework.case_views: through the door (`get_case_for`,
`get_record_for`), then a form, then a service, then a redirect (or, for htmx, the one action
row that changed). A read leaves exactly one audit event; writes are audited by their service;
refusals by the door or by `_refuse` here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from casework.access import MAX_ID, Perm, case_permissions, get_case_for, get_record_for
from casework.audit import Event, audit_record, audit_view
from casework.models import Case, User
from casework.services import StaleEdit
from casework.view_helpers import actor_of, add_service_errors, refuse

from . import domain_services, selectors, services
from .forms_plan import (
    ActionProgressForm,
    DecisionForm,
    NeedDomainForm,
    PlanEditForms,
    VersionForm,
)
from .models import Action, Approval, Assessment, CasePlan, Goal, NeedDomain, NeedEntry
from .services import GoalData

# --- Shared helpers ------------------------------------------------------------------------------


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _case_queryset() -> models.QuerySet[Case]:
    return Case.objects.select_related("family", "team", "worker")


def _assessment_url(case: Case) -> str | None:
    # The assessment pages are built separately; until they exist, there is no link to give.
    try:
        return reverse("assessment_overview", args=[case.pk])
    except NoReverseMatch:
        return None


def _plan_record(actor: User, case: Case, plan_id: object) -> CasePlan:
    return get_record_for(
        actor, case, CasePlan.objects.filter(case=case).select_related("assessment"), plan_id
    )


def _may_change(case: Case, perms: frozenset[Perm]) -> bool:
    return "change" in perms and case.phase != Case.Phase.CLOSED


def _may_decide(actor: User, perms: frozenset[Perm], plan: CasePlan | None) -> bool:
    return (
        plan is not None
        and plan.status == Approval.SUBMITTED
        and actor.role == User.Role.SUPERVISOR
        and "export" in perms
        and plan.author_id != actor.pk
    )


# --- The checklist --------------------------------------------------------------------------------


@dataclass
class ActionRow:
    """One action as the checklist shows it, with its progress form for those who may tick."""

    action: Action
    form: ActionProgressForm | None = None
    overdue: bool = False
    saved: bool = False
    stale: bool = False
    # What the user sent when it could not be saved, shown so that it need not be retyped.
    unsaved: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


@dataclass
class GoalRow:
    goal: Goal
    needs: list[NeedEntry]
    actions: list[ActionRow]


def _action_row(
    action: Action, *, may_tick: bool, form: ActionProgressForm | None = None, **extra: Any
) -> ActionRow:
    overdue = (
        action.due_on is not None
        and action.due_on < timezone.localdate()
        and action.status in (Action.Status.TODO, Action.Status.DOING)
    )
    if may_tick and form is None:
        form = ActionProgressForm.for_action(action)
    return ActionRow(action=action, form=form if may_tick else None, overdue=overdue, **extra)


def _checklist(
    plan: CasePlan, *, may_tick: bool, bound: dict[int, ActionProgressForm] | None = None
) -> list[GoalRow]:
    """The plan's goals and actions from the prefetched rows: no query per goal or action."""
    bound = bound or {}
    return [
        GoalRow(
            goal=goal,
            needs=list(goal.needs.all()),
            actions=[
                _action_row(action, may_tick=may_tick, form=bound.get(action.pk))
                for action in goal.actions.all()
            ],
        )
        for goal in plan.goals.all()
    ]


def _detail_context(
    actor: User,
    case: Case,
    *,
    page_errors: list[str] | None = None,
    decide_form: DecisionForm | None = None,
    bound: dict[int, ActionProgressForm] | None = None,
) -> dict[str, Any]:
    perms = case_permissions(actor, case)
    plan = selectors.plan_for_page(case)
    may_change = _may_change(case, perms)
    context: dict[str, Any] = {
        "case": case,
        "plan": plan,
        "perms": perms,
        "may_change": may_change,
        "page_errors": page_errors or [],
        "assessment_url": _assessment_url(case),
        "history_url": reverse("plan_history", args=[case.pk]),
    }
    if plan is None:
        assessment = selectors.latest_assessment(case)
        context |= {"assessment": assessment, "may_start": may_change and assessment is not None}
        return context
    decisions = list(plan.decisions.all())
    may_decide = _may_decide(actor, perms, plan)
    if decide_form is not None and not may_decide:
        # The decision form is not shown to this user (the author, say): its errors go on top.
        context["page_errors"] = [
            *context["page_errors"],
            *(str(e) for errors in decide_form.errors.values() for e in errors),
        ]
    context |= {
        "goal_rows": _checklist(plan, may_tick=may_change, bound=bound),
        "latest_decision": decisions[0] if decisions else None,
        "in_force": (selectors.plan_in_force(case) if plan.status != Approval.APPROVED else None),
        "unmet": services.unmet_needs_without_goal(plan) if plan.is_editable else [],
        "may_edit": may_change and plan.is_editable,
        "may_submit": may_change and plan.is_editable,
        "may_start": may_change and plan.status == Approval.APPROVED,
        "may_decide": may_decide,
        "own_plan_waiting": (
            plan.status == Approval.SUBMITTED
            and actor.role == User.Role.SUPERVISOR
            and "export" in perms
            and plan.author_id == actor.pk
        ),
        "assessment_approved": plan.assessment.status == Approval.APPROVED,
        "decide_form": decide_form
        or (DecisionForm(initial={"version": plan.version}) if may_decide else None),
        "submit_form_version": plan.version,
    }
    return context


def _render_detail(
    request: HttpRequest, actor: User, case: Case, *, status: int = 200, **extra: Any
) -> HttpResponse:
    return render(
        request,
        "assessments/plan_detail.html",
        _detail_context(actor, case, **extra),
        status=status,
    )


# --- The plan page --------------------------------------------------------------------------------


def plan_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    """The plan in force or being written, as a checklist to work through with the family."""
    actor = actor_of(request)
    case = get_case_for(actor, case_id, queryset=_case_queryset())
    context = _detail_context(actor, case)
    plan: CasePlan | None = context["plan"]
    if plan is not None:
        audit_view(actor, plan, case)
    else:
        audit_view(actor, case, case, extra={"page": "plan"})
    return render(request, "assessments/plan_detail.html", context)


@require_POST
def plan_start(request: HttpRequest, case_id: int) -> HttpResponse:
    actor = actor_of(request)
    case = get_case_for(actor, case_id, perm="change", queryset=_case_queryset())
    try:
        plan = services.plan_start(actor=actor, case=case)
    except ValidationError as error:
        return _render_detail(request, actor, case, status=400, page_errors=error.messages)
    if plan.number == 1:
        messages.success(
            request, _("The plan is started. Write the goals and actions with the family.")
        )
    else:
        messages.success(
            request,
            _(
                "Version %(number)s of the plan is started from the one in force. That one "
                "stays in force until this version is approved."
            )
            % {"number": plan.number},
        )
    return redirect("plan_edit", case_id=case.pk, plan_id=plan.pk)


@require_POST
def plan_submit(request: HttpRequest, case_id: int, plan_id: int) -> HttpResponse:
    actor = actor_of(request)
    case = get_case_for(actor, case_id, perm="change", queryset=_case_queryset())
    plan = _plan_record(actor, case, plan_id)
    form = VersionForm(request.POST)
    if not form.is_valid():
        return _render_detail(
            request,
            actor,
            case,
            status=400,
            page_errors=[_("The page was out of date. Read the plan again, then submit.")],
        )
    try:
        services.plan_submit(
            actor=actor, case=case, plan=plan, expected_version=form.cleaned_data["version"]
        )
    except StaleEdit as stale:
        audit_record(actor=actor, event=Event.STALE_EDIT, obj=stale.current, case=case)
        messages.error(
            request,
            _(
                "The plan changed after you opened it. Nothing was sent: read it again, "
                "then submit."
            ),
        )
        return redirect("plan_detail", case_id=case.pk)
    except ValidationError as error:
        return _render_detail(request, actor, case, status=400, page_errors=error.messages)
    messages.success(
        request,
        _("The plan is sent to a supervisor for approval. You will see their decision here."),
    )
    return redirect("plan_detail", case_id=case.pk)


@require_POST
def plan_decide(request: HttpRequest, case_id: int, plan_id: int) -> HttpResponse:
    actor = actor_of(request)
    case = get_case_for(actor, case_id, perm="export", queryset=_case_queryset())
    if actor.role != User.Role.SUPERVISOR:
        raise refuse(actor, case, "deciding on a plan is a supervisor's decision")
    plan = _plan_record(actor, case, plan_id)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, actor, case, status=400, decide_form=form)
    approve = form.cleaned_data["decision"] == "approve"
    try:
        decided = services.plan_decide(
            actor=actor,
            case=case,
            plan=plan,
            expected_version=form.cleaned_data["version"],
            approve=approve,
            comment=form.cleaned_data["comment"],
        )
    except StaleEdit as stale:
        audit_record(actor=actor, event=Event.STALE_EDIT, obj=stale.current, case=case)
        messages.error(
            request,
            _("The plan changed after you opened it. Nothing was decided: read it again."),
        )
        return redirect("plan_detail", case_id=case.pk)
    except ValidationError as error:
        add_service_errors(form, error)
        return _render_detail(request, actor, case, status=400, decide_form=form)
    case.refresh_from_db()
    if approve:
        messages.success(
            request,
            _("Version %(number)s of the plan is approved. The case is in %(phase)s.")
            % {"number": decided.number, "phase": case.get_phase_display()},
        )
    else:
        messages.success(
            request,
            _("The plan is returned to %(name)s with your comments.")
            % {"name": decided.author.display_name},
        )
    return redirect("plan_detail", case_id=case.pk)


@require_POST
def plan_action_progress(request: HttpRequest, case_id: int, action_id: int) -> HttpResponse:
    """Tick an action during a visit. With htmx only its row comes back; without, the page."""
    actor = actor_of(request)
    case = get_case_for(actor, case_id, perm="change", queryset=_case_queryset())
    action = get_record_for(
        actor,
        case,
        Action.objects.filter(goal__plan__case=case).select_related("goal__plan"),
        action_id,
    )
    form = ActionProgressForm.for_action(action, request.POST)
    anchor = reverse("plan_detail", args=[case.pk]) + f"#action-{action.pk}"
    htmx = _is_htmx(request)

    def row(fresh: Action, **extra: Any) -> HttpResponse:
        # htmx swaps only 2xx answers, so a refused update answers 200 with its message.
        return render(
            request,
            "assessments/plan_checklist.html#action-row",
            {"case": case, "action_row": _action_row(fresh, may_tick=True, **extra)},
        )

    if not form.is_valid():
        if htmx:
            return row(action, form=form)
        return _render_detail(
            request,
            actor,
            case,
            status=400,
            bound={action.pk: form},
            page_errors=[
                _("The progress was not saved: %(problems)s")
                % {"problems": " ".join(str(e) for errs in form.errors.values() for e in errs)}
            ],
        )
    try:
        updated = services.action_progress(
            actor=actor,
            case=case,
            action=action,
            expected_version=form.cleaned_data["version"],
            status=form.cleaned_data["status"],
            outcome=form.cleaned_data["outcome"],
        )
    except StaleEdit as stale:
        audit_record(actor=actor, event=Event.STALE_EDIT, obj=stale.current, case=case)
        if htmx:
            return row(cast(Action, stale.current), stale=True, unsaved=_unsaved(form))
        messages.error(request, _stale_action_message())
        return redirect(anchor)
    except ValidationError as error:
        if htmx:
            return row(action, errors=error.messages)
        for message in error.messages:
            messages.error(request, message)
        return redirect(anchor)
    if htmx:
        return row(updated, saved=True)
    messages.success(request, _("Progress saved: %(what)s") % {"what": updated.what[:80]})
    return redirect(anchor)


def _stale_action_message() -> str:
    return _(
        "Someone updated this action after you opened the page. Nothing was saved: it is "
        "shown as it is now. Update it again if you still need to."
    )


def _unsaved(form: ActionProgressForm) -> dict[str, str]:
    status = form.cleaned_data["status"]
    return {
        "status": str(dict(Action.Status.choices).get(status, status)),
        "outcome": form.cleaned_data["outcome"],
    }


# --- Writing the plan -----------------------------------------------------------------------------


def _plan_for_edit(case: Case, plan_id: int) -> CasePlan | None:
    return selectors.plan_queryset(case).filter(pk=plan_id).first()


def _goal_lines(goals: list[GoalData], needs: dict[int, NeedEntry]) -> list[str]:
    lines: list[str] = []
    for number, goal in enumerate(goals, start=1):
        labels = [needs[pk].domain.label for pk in goal.need_ids if pk in needs]
        line = f"{number}. {goal.text}"
        if labels:
            line += f" ({', '.join(labels)})"
        lines.append(line)
        for action in goal.actions:
            who = str(dict(Action.Who.choices).get(action.who, action.who))
            if action.who_name:
                who += f": {action.who_name}"
            text = f"    · {action.what} — {who}"
            if action.due_on:
                text += " — " + formats.date_format(action.due_on, "DATE_FORMAT")
            lines.append(text)
    return lines or ["—"]


def _saved_goals(plan: CasePlan) -> list[GoalData]:
    goals = Goal.objects.filter(plan=plan).prefetch_related("needs", "actions").order_by("pk")
    return [
        GoalData(
            text=goal.text,
            need_ids=[need.pk for need in goal.needs.all()],
            actions=[
                services.ActionData(
                    what=a.what,
                    who=a.who,
                    who_name=a.who_name,
                    due_on=a.due_on,
                    status=a.status,
                    outcome=a.outcome,
                )
                for a in goal.actions.order_by("due_on", "pk")
            ],
        )
        for goal in goals
    ]


def _edit_context(
    case: Case, plan: CasePlan, forms: PlanEditForms, needs: list[NeedEntry]
) -> dict[str, Any]:
    return {
        "case": case,
        "plan": plan,
        "plan_form": forms.plan_form,
        "goals": forms.goals,
        "needs": needs,
        "unmet_ids": {need.pk for need in needs if need.met == NeedEntry.Met.UNMET},
        "error_summary": forms.error_summary() if forms.plan_form.is_bound else [],
    }


@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, case_id: int, plan_id: int) -> HttpResponse:
    actor = actor_of(request)
    case = get_case_for(actor, case_id, perm="change", queryset=_case_queryset())
    found = _plan_record(actor, case, plan_id)
    plan = _plan_for_edit(case, found.pk) or found
    if not plan.is_editable:
        messages.error(
            request,
            _("This version of the plan is %(status)s. Start a new version to change it.")
            % {"status": plan.get_status_display().lower()},
        )
        return redirect("plan_detail", case_id=case.pk)
    needs = selectors.plan_needs(plan)
    forms = PlanEditForms(request.POST or None, plan=plan, needs=needs)
    if request.method == "POST":
        if forms.is_valid():
            goals = forms.goals.goals()
            try:
                services.plan_update(
                    actor=actor,
                    case=case,
                    plan=plan,
                    expected_version=forms.version(),
                    family_agreement=forms.family_agreement(),
                    goals=goals,
                )
            except StaleEdit as stale:
                return _plan_conflict(
                    request, actor=actor, case=case, stale=stale, forms=forms, needs=needs
                )
            except ValidationError as error:
                forms.add_service_error(error)
            else:
                messages.success(
                    request,
                    _("The plan is saved. Submit it for approval when the family agrees."),
                )
                return redirect("plan_detail", case_id=case.pk)
    else:
        audit_view(actor, plan, case, extra={"page": "edit"})
    return render(request, "assessments/plan_edit.html", _edit_context(case, plan, forms, needs))


def _plan_conflict(
    request: HttpRequest,
    *,
    actor: User,
    case: Case,
    stale: StaleEdit,
    forms: PlanEditForms,
    needs: list[NeedEntry],
) -> HttpResponse:
    """Somebody saved the plan first: both versions side by side, nothing written (409)."""
    current = selectors.plan_queryset(case).get(pk=stale.current.pk)
    by_pk = {need.pk: need for need in needs}
    theirs_goals = _goal_lines(_saved_goals(current), by_pk)
    mine_goals = _goal_lines(forms.goals.goals(), by_pk)
    rows = []
    theirs_agreement = current.family_agreement or "—"
    mine_agreement = forms.family_agreement() or "—"
    if theirs_agreement != mine_agreement:
        rows.append(
            {
                "label": _("How the family took part"),
                "theirs": [theirs_agreement],
                "mine": [mine_agreement],
            }
        )
    if theirs_goals != mine_goals:
        rows.append({"label": _("Goals and actions"), "theirs": theirs_goals, "mine": mine_goals})
    audit_record(
        actor=actor,
        event=Event.STALE_EDIT,
        obj=current,
        case=case,
        extra={"submitted_version": forms.version()},
    )
    # The form keeps what the user typed; its version becomes the newest, so saving again is a
    # deliberate choice made with both versions in view.
    data = request.POST.copy()
    data["version"] = str(current.version)
    resubmit = PlanEditForms(data, plan=current, needs=needs)
    resubmit.is_valid()
    context = _edit_context(case, current, resubmit, needs) | {"conflict": rows}
    if not current.is_editable:
        context["locked"] = True
    return render(request, "assessments/plan_edit.html", context, status=409)


# --- History -------------------------------------------------------------------------------------


def plan_history(request: HttpRequest, case_id: int) -> HttpResponse:
    """Every version of the plan with its decisions: the history stays."""
    actor = actor_of(request)
    case = get_case_for(actor, case_id, queryset=_case_queryset())
    versions = list(selectors.plan_history(case))
    audit_view(
        actor, None, case, model=CasePlan, extra={"list": "plan history", "count": len(versions)}
    )
    return render(request, "assessments/plan_history.html", {"case": case, "versions": versions})


def plan_version(request: HttpRequest, case_id: int, plan_id: int) -> HttpResponse:
    """One version of the plan as it stands, read-only."""
    actor = actor_of(request)
    case = get_case_for(actor, case_id, queryset=_case_queryset())
    plan = get_record_for(actor, case, selectors.plan_queryset(case), plan_id)
    audit_view(actor, plan, case, extra={"page": "version"})
    decisions = list(plan.decisions.all())
    return render(
        request,
        "assessments/plan_version.html",
        {
            "case": case,
            "plan": plan,
            "goal_rows": _checklist(plan, may_tick=False),
            "decisions": decisions,
            "latest_decision": decisions[0] if decisions else None,
        },
    )


# --- The approvals queue --------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueRow:
    item: selectors.AwaitingDecision
    url: str | None
    own: bool


def approvals_queue(request: HttpRequest) -> HttpResponse:
    """What waits for this supervisor's decision, oldest first, on their teams' cases."""
    actor = actor_of(request)
    items = selectors.awaiting_decision(actor)
    rows = []
    for item in items:
        if item.kind == "plan":
            url: str | None = reverse("plan_detail", args=[item.case.pk]) + "#decide"
        else:
            url = _assessment_url(item.case)
        rows.append(QueueRow(item=item, url=url, own=item.author.pk == actor.pk))
    audit_view(
        actor,
        None,
        None,
        model=Assessment,
        extra={"list": "approvals", "count": len(rows)},
    )
    return render(
        request,
        "assessments/approval_queue.html",
        {"rows": rows, "is_supervisor": actor.role == User.Role.SUPERVISOR},
    )


# --- Need domains ---------------------------------------------------------------------------------


def _domain_manager(request: HttpRequest) -> User:
    """Administrators of the agency only; to everyone else the pages do not exist (404)."""
    actor = actor_of(request)
    if not domain_services.may_manage_domains(actor):
        audit_record(
            actor=actor,
            event=Event.REFUSED,
            model=NeedDomain,
            object_pk=request.path[:100],
            reason="need domains are managed by administrators",
        )
        raise Http404
    return actor


def _domain_record(actor: User, domain_id: object) -> NeedDomain:
    try:
        pk = int(str(domain_id))
        if not 0 < pk <= MAX_ID:
            raise ValueError(pk)
        return NeedDomain.objects.get(pk=pk)
    except (ValueError, NeedDomain.DoesNotExist):
        audit_record(
            actor=actor,
            event=Event.REFUSED,
            model=NeedDomain,
            object_pk=str(domain_id)[:100],
            reason="not found",
        )
        raise Http404 from None


def need_domain_list(request: HttpRequest) -> HttpResponse:
    actor = _domain_manager(request)
    domains = list(selectors.need_domains())
    audit_view(
        actor, None, None, model=NeedDomain, extra={"list": "need domains", "count": len(domains)}
    )
    return render(request, "assessments/domain_list.html", {"domains": domains})


@require_http_methods(["GET", "POST"])
def need_domain_new(request: HttpRequest) -> HttpResponse:
    actor = _domain_manager(request)
    form = NeedDomainForm.for_domain(None, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            domain = domain_services.need_domain_save(
                actor=actor, domain=None, data=form.domain_data()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("%(name)s is added to the need domains.") % {"name": domain.label}
            )
            return redirect("need_domain_list")
    if request.method == "GET":
        audit_view(actor, None, None, model=NeedDomain, extra={"page": "add a need domain"})
    return render(request, "assessments/domain_form.html", {"form": form, "domain": None})


@require_http_methods(["GET", "POST"])
def need_domain_edit(request: HttpRequest, domain_id: int) -> HttpResponse:
    actor = _domain_manager(request)
    domain = _domain_record(actor, domain_id)
    form = NeedDomainForm.for_domain(domain, request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                saved = domain_services.need_domain_save(
                    actor=actor, domain=domain, data=form.domain_data()
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("%(name)s is saved.") % {"name": saved.label})
                return redirect("need_domain_list")
    else:
        audit_view(actor, domain, None)
    return render(request, "assessments/domain_form.html", {"form": form, "domain": domain})


@require_POST
def need_domain_move(request: HttpRequest, domain_id: int) -> HttpResponse:
    actor = _domain_manager(request)
    domain = _domain_record(actor, domain_id)
    up = request.POST.get("direction") == "up"
    moved = domain_services.need_domain_move(actor=actor, domain=domain, up=up)
    messages.success(
        request,
        (_("%(name)s moved up.") if up else _("%(name)s moved down.")) % {"name": moved.label},
    )
    return redirect(reverse("need_domain_list") + f"#domain-{moved.pk}")


__all__ = [
    "approvals_queue",
    "need_domain_edit",
    "need_domain_list",
    "need_domain_move",
    "need_domain_new",
    "plan_action_progress",
    "plan_decide",
    "plan_detail",
    "plan_edit",
    "plan_history",
    "plan_start",
    "plan_submit",
    "plan_version",
]
