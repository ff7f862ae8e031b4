"""Pages of the intervention phase: the safety network, the safety plan, the support delivered,
the family's own page of the plan and the supervisors' attention list.

Every view goes the way of casework.case_views: through the door (`get_case_for`,
`get_record_for`), then a form, then a service, then a redirect. A read leaves exactly one audit
event; writes are audited by their service; refusals by the door.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from assessments.models import Approval, Goal, MappingEntry
from assessments.selectors import plan_in_force
from casework.access import MAX_ID, Perm, case_permissions, get_case_for, get_record_for
from casework.audit import Event, audit_record, audit_view
from casework.models import Case, Person, User
from casework.services import StaleEdit
from casework.view_helpers import actor_of, add_service_errors, conflict_response

from . import services
from .forms import (
    AgreeForm,
    InterventionForm,
    NetworkMemberForm,
    RemoveMemberForm,
    RuleChoices,
    RuleFormSet,
    SafetyPlanForm,
    rule_choices,
    rule_initial,
)
from .models import Intervention, NetworkMember, SafetyPlan, SafetyRule
from .selectors import cases_needing_a_safety_plan
from .services import RuleData

# --- Shared helpers ------------------------------------------------------------------------------


def _case_queryset() -> QuerySet[Case]:
    return Case.objects.select_related("family", "team__organisation", "worker")


def _may_change(case: Case, perms: frozenset[Perm]) -> bool:
    return "change" in perms and case.phase != Case.Phase.CLOSED


def _overview(case: Case, anchor: str = "") -> HttpResponse:
    url = reverse("safety_overview", args=[case.pk])
    return redirect(f"{url}#{anchor}" if anchor else url)


def _plans(case: Case) -> QuerySet[SafetyPlan]:
    """Plans with everything their pages show, in a fixed number of queries."""
    return (
        SafetyPlan.objects.filter(case=case)
        .select_related("author")
        .prefetch_related(
            Prefetch(
                "rules",
                queryset=SafetyRule.objects.select_related(
                    "responsible_member", "responsible_person", "danger", "safety_goal"
                ),
            ),
            Prefetch("agreed_people", queryset=Person.objects.order_by("pk")),
            Prefetch("agreed_network", queryset=NetworkMember.objects.order_by("pk")),
        )
    )


def _current_plan(case: Case) -> SafetyPlan | None:
    """services.current_safety_plan's rule, with the rows the page shows."""
    return _plans(case).exclude(status=SafetyPlan.Status.SUPERSEDED).order_by("-number").first()


def _people(case: Case) -> list[Person]:
    return list(Person.objects.filter(family_id=case.family_id).order_by("pk"))


def _current_members(case: Case) -> list[NetworkMember]:
    return list(NetworkMember.objects.filter(case=case, left_on__isnull=True))


def _case_goals(case: Case) -> list[Goal]:
    """The goals support may serve: those of the plan in force or being written."""
    return list(
        Goal.objects.filter(plan__case=case)
        .exclude(plan__status=Approval.SUPERSEDED)
        .order_by("plan__number", "pk")
    )


def amount_text(amount: Decimal | None, currency: str) -> str:
    """“400,000 KHR”: riel has no cents; dollars show them only when there are some."""
    if amount is None:
        return ""
    places = 0 if currency == "KHR" or amount == amount.to_integral_value() else 2
    number = formats.number_format(amount, places, use_l10n=True, force_grouping=True)
    return f"{number} {currency}".strip()


# --- The overview ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SupportRow:
    item: Intervention
    amount: str
    goals: list[Goal]


def _support_rows(case: Case) -> list[SupportRow]:
    items = Intervention.objects.filter(case=case).prefetch_related(
        Prefetch("goals", queryset=Goal.objects.order_by("pk"))
    )
    return [
        SupportRow(item=i, amount=amount_text(i.amount, i.currency), goals=list(i.goals.all()))
        for i in items
    ]


def safety_overview(request: HttpRequest, case_id: int) -> HttpResponse:
    """The network, the safety plan in force or being written, and the support delivered."""
    actor = actor_of(request)
    case = get_case_for(actor, case_id, queryset=_case_queryset())
    perms = case_permissions(actor, case)
    members = list(NetworkMember.objects.filter(case=case))
    plan = _current_plan(case)
    in_force = None
    if plan is not None and plan.status == SafetyPlan.Status.DRAFT:
        in_force = (
            SafetyPlan.objects.filter(case=case, status=SafetyPlan.Status.AGREED)
            .only("pk", "number", "agreed_on")
            .first()
        )
    may_change = _may_change(case, perms)
    audit_view(actor, case, case, extra={"page": "safety"})
    return render(
        request,
        "safetyplans/overview.html",
        {
            "case": case,
            "current_members": [m for m in members if m.is_current],
            "former_members": [m for m in members if not m.is_current],
            "plan": plan,
            "in_force": in_force,
            "support": _support_rows(case),
            "may_change": may_change,
            "may_start": may_change and (plan is None or plan.status == SafetyPlan.Status.AGREED),
            # Supervisors and administrators may export the family's plan as a PDF.
            "may_export": "export" in perms,
        },
    )


# --- The network ----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def network_member_new(request: HttpRequest, case_id: int) -> HttpResponse:
    actor = actor_of(request)
    case = get_case_for(actor, case_id, perm="change", queryset=_case_queryset())
    form = NetworkMemberForm(request.POST or None, people=_people(case))
    if request.method == "POST" and form.is_valid():
        try:
            member = services.network_member_add(actor=actor, case=case, data=form.member_data())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("%(name)s is in the safety network.") % {"name": member.name}
            )
            return _overview(case, "network")
    if request.method == "GET":
        audit_view(actor, case, case, extra={"page": "add a network member"})
    return render(request, "safetyplans/member_form.html", {"case": case, "form": form})


def _member(actor: User, case: Case, member_id: object) -> NetworkMember:
    return get_record_for(actor, case, NetworkMember.objects.filter(case=case), member_id)


def _has_left(request: HttpRequest, case: Case, member: NetworkMember) -> HttpResponse:
    messages.error(
        request,
        _("%(name)s has left the network; their record stays as it was.") % {"name": member.name},
    )
    return _overview(case, "network")


@require_http_methods(["GET", "POST"])
def network_member_edit(request: HttpRequest, case_id: int, member_id: int) -> HttpResponse:
    actor = actor_of(request)
    case = get_case_for(actor, case_id, perm="change", queryset=_case_queryset())
    member = _member(actor, case, member_id)
    if not member.is_current:
        return _has_left(request, case, member)
    people = _people(case)
    form = NetworkMemberForm(request.POST or None, instance=member, people=people)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.network_member_update(
                    actor=actor,
                    case=case,
                    member=member,
                    expected_version=form.cleaned_data["version"],
                    data=form.member_data(),
                )
            except StaleEdit as stale:
                return conflict_response(
                    request,
                    actor=actor,
                    case=case,
                    form=form,
                    current=stale.current,
                    changed=form.member_data(),
                    template="safetyplans/member_form.html",
                    context={"member": stale.current},
                    form_factory=lambda data, instance: NetworkMemberForm(
                        data, instance=instance, people=people
                    ),
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The network member's details are saved."))
                return _overview(case, f"member-{member.pk}")
    else:
        audit_view(actor, member, case)
    return render(
        request, "safetyplans/member_form.html", {"case": case, "form": form, "member": member}
    )


@require_http_methods(["GET", "POST"])
def network_member_remove(request: HttpRequest, case_id: int, member_id: int) -> HttpResponse:
    """Someone leaves the network: why, when, and who or what carries their rules now."""
    actor = actor_of(request)
    case = get_case_for(actor, case_id, perm="change", queryset=_case_queryset())
    member = _member(actor, case, member_id)
    if not member.is_current:
        return _has_left(request, case, member)
    others = [m for m in _current_members(case) if m.pk != member.pk]
    form = RemoveMemberForm(
        request.POST or None, others=others, initial={"version": member.version}
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            replaced_by = next((m for m in others if m.pk == data["replaced_by"]), None)
            try:
                services.network_member_remove(
                    actor=actor,
                    case=case,
                    member=member,
                    expected_version=data["version"],
                    reason=data["reason"],
                    left_on=data["left_on"],
                    replaced_by=replaced_by,
                    replacement_note=data["replacement_note"],
                )
            except StaleEdit as stale:
                audit_record(
                    actor=actor,
                    event=Event.STALE_EDIT,
                    obj=stale.current,
                    case=case,
                    extra={"submitted_version": data["version"]},
                )
                member = NetworkMember.objects.get(pk=stale.current.pk)
                if not member.is_current:
                    return _has_left(request, case, member)
                posted = request.POST.copy()
                posted["version"] = str(member.version)
                form = RemoveMemberForm(posted, others=others)
                form.is_valid()
                form.add_error(
                    None,
                    _(
                        "Someone changed %(name)s's details after you opened this page. Nothing "
                        "was saved: check them below, then remove them again if you still need "
                        "to."
                    )
                    % {"name": member.name},
                )
                status = 409
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request, _("%(name)s has left the safety network.") % {"name": member.name}
                )
                return _overview(case, "network")
    else:
        audit_view(actor, member, case, extra={"page": "remove"})
    return render(
        request,
        "safetyplans/member_remove.html",
        {
            "case": case,
            "member": member,
            "form": form,
            "commitments": services.commitments_of(member),
            "has_others": bool(others),
        },
        status=status,
    )


# --- The safety plan ------------------------------------------------------------------------------


@require_POST
def safety_plan_start(request: HttpRequest, case_id: int) -> HttpResponse:
    actor = actor_of(request)
    case = get_case_for(actor, case_id, perm="change", queryset=_case_queryset())
    try:
        plan = services.safety_plan_start(actor=actor, case=case)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return _overview(case, "plan")
    if plan.number == 1:
        messages.success(request, _("The safety plan is started. Write its rules with the family."))
    else:
        messages.success(
            request,
            _(
                "Version %(number)s of the safety plan is started from the agreed one. That one "
                "stays in force until the family agrees this version."
            )
            % {"number": plan.number},
        )
    return redirect("safety_plan_edit", case_id=case.pk, plan_id=plan.pk)


def _entries(case: Case, kind: str) -> list[tuple[int, str]]:
    rows = (
        MappingEntry.objects.filter(mapping__case=case, kind=kind)
        .order_by("-mapping__held_on", "pk")
        .values_list("pk", "text")
    )
    return [(pk, text if len(text) <= 120 else text[:119] + "…") for pk, text in rows]


def _rule_choices(case: Case, members: list[NetworkMember], people: list[Person]) -> RuleChoices:
    return rule_choices(
        members=members,
        people=people,
        dangers=_entries(case, MappingEntry.Kind.DANGER),
        goals=_entries(case, MappingEntry.Kind.SAFETY_GOAL),
    )


def _plan_record(actor: User, case: Case, plan_id: object) -> SafetyPlan:
    return get_record_for(actor, case, _plans(case), plan_id)


def _not_a_draft(request: HttpRequest, case: Case, plan: SafetyPlan) -> HttpResponse:
    messages.error(
        request,
        _("Version %(number)s of the safety plan is %(status)s. Start a new version to change it.")
        % {"number": plan.number, "status": plan.get_status_display().lower()},
    )
    return _overview(case, "plan")


def _rule_lines(
    rules: Sequence[RuleData],
    *,
    members: dict[int, str],
    people: dict[int, str],
    entries: dict[int, str],
) -> list[str]:
    lines: list[str] = []
    for number, rule in enumerate(rules, start=1):
        who = ""
        if rule.responsible_member_id is not None:
            who = members.get(rule.responsible_member_id, "")
        elif rule.responsible_person_id is not None:
            who = people.get(rule.responsible_person_id, "")
        line = f"{number}. {rule.text}"
        if who:
            line += " — " + _("responsible: %(name)s") % {"name": who}
        lines.append(line)
        for label, text in (
            (_("How the network will know"), rule.how_known),
            (_("If it is not kept"), rule.if_not_kept),
            (_("Danger statement"), entries.get(rule.danger_id or 0, "")),
            (_("Safety goal"), entries.get(rule.safety_goal_id or 0, "")),
        ):
            if text:
                lines.append(f"    · {label}: {text}")
    return lines or ["—"]


def _saved_rules(plan: SafetyPlan) -> list[RuleData]:
    return [
        RuleData(
            text=rule.text,
            responsible_member_id=rule.responsible_member_id,
            responsible_person_id=rule.responsible_person_id,
            how_known=rule.how_known,
            if_not_kept=rule.if_not_kept,
            danger_id=rule.danger_id,
            safety_goal_id=rule.safety_goal_id,
        )
        for rule in plan.rules.all()
    ]


def _error_summary(
    form: SafetyPlanForm, rules: RuleFormSet, page_errors: Sequence[str]
) -> list[tuple[str, str]]:
    summary: list[tuple[str, str]] = [("", str(message)) for message in page_errors]
    summary += [("", str(message)) for message in form.non_field_errors()]
    for name, errors in form.errors.items():
        if name != "__all__":
            field = form[name]
            summary += [(field.id_for_label or "", f"{field.label}: {e}") for e in errors]
    summary += [("", str(message)) for message in rules.non_form_errors()]
    for number, row in enumerate(rules.forms, start=1):
        for name, errors in row.errors.items():
            if name == "__all__":
                summary += [("", _("Rule %(n)s: %(e)s") % {"n": number, "e": e}) for e in errors]
                continue
            field = row[name]
            summary += [
                (
                    field.id_for_label or "",
                    _("Rule %(n)s, %(label)s: %(e)s")
                    % {"n": number, "label": str(field.label).lower(), "e": e},
                )
                for e in errors
            ]
    return summary


def _plan_forms(
    data: Any, plan: SafetyPlan, choices: RuleChoices, *, version: int | None = None
) -> tuple[SafetyPlanForm, RuleFormSet]:
    form = SafetyPlanForm(
        data,
        initial={
            "version": version or plan.version,
            "family_language": plan.family_language,
            "for_the_children": plan.for_the_children,
        },
    )
    rules = RuleFormSet(
        data,
        prefix="rules",
        initial=[rule_initial(rule) for rule in plan.rules.all()],
        form_kwargs={"choices": choices},
    )
    return form, rules


@require_http_methods(["GET", "POST"])
def safety_plan_edit(request: HttpRequest, case_id: int, plan_id: int) -> HttpResponse:
    actor = actor_of(request)
    case = get_case_for(actor, case_id, perm="change", queryset=_case_queryset())
    plan = _plan_record(actor, case, plan_id)
    if not plan.is_editable:
        return _not_a_draft(request, case, plan)
    members, people = _current_members(case), _people(case)
    choices = _rule_choices(case, members, people)
    form, rules = _plan_forms(request.POST or None, plan, choices)
    page_errors: list[str] = []
    if request.method == "POST":
        if form.is_valid() and rules.is_valid():
            try:
                services.safety_plan_update(
                    actor=actor,
                    case=case,
                    plan=plan,
                    expected_version=form.cleaned_data["version"],
                    family_language=form.cleaned_data["family_language"],
                    for_the_children=form.cleaned_data["for_the_children"],
                    rules=rules.rules(),
                )
            except StaleEdit as stale:
                return _plan_conflict(
                    request,
                    actor=actor,
                    case=case,
                    stale=stale,
                    form=form,
                    rules=rules,
                    choices=choices,
                    members=members,
                    people=people,
                )
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    for name, errors in error.message_dict.items():
                        if name in form.fields:
                            form.add_error(name, errors)
                        else:
                            page_errors += errors
                else:
                    page_errors += error.messages
            else:
                messages.success(
                    request,
                    _("The safety plan is saved. Record the family's agreement when they agree."),
                )
                return _overview(case, "plan")
    else:
        audit_view(actor, plan, case, extra={"page": "edit"})
    return render(
        request,
        "safetyplans/plan_edit.html",
        {
            "case": case,
            "plan": plan,
            "form": form,
            "rules": rules,
            "error_summary": _error_summary(form, rules, page_errors) if form.is_bound else [],
            "no_network": not members,
        },
    )


def _plan_conflict(
    request: HttpRequest,
    *,
    actor: User,
    case: Case,
    stale: StaleEdit,
    form: SafetyPlanForm,
    rules: RuleFormSet,
    choices: RuleChoices,
    members: list[NetworkMember],
    people: list[Person],
) -> HttpResponse:
    """Somebody saved the safety plan first: both versions side by side, nothing written (409)."""
    current = _plans(case).get(pk=stale.current.pk)
    names = {
        "members": {m.pk: m.name for m in NetworkMember.objects.filter(case=case)},
        "people": {p.pk: p.display_name for p in people},
        "entries": dict(MappingEntry.objects.filter(mapping__case=case).values_list("pk", "text")),
    }
    theirs = _rule_lines(_saved_rules(current), **names)
    mine = _rule_lines(rules.rules(), **names)
    languages = dict(SafetyPlan._meta.get_field("family_language").flatchoices)
    rows: list[dict[str, Any]] = []
    pairs = [
        (
            _("The family's language"),
            [str(languages.get(current.family_language, current.family_language))],
            [str(languages.get(form.cleaned_data["family_language"], ""))],
        ),
        (
            _("Explanation for the children"),
            [current.for_the_children or "—"],
            [form.cleaned_data["for_the_children"] or "—"],
        ),
        (_("Rules"), theirs, mine),
    ]
    for label, their_lines, my_lines in pairs:
        if their_lines != my_lines:
            rows.append({"label": label, "theirs": their_lines, "mine": my_lines})
    audit_record(
        actor=actor,
        event=Event.STALE_EDIT,
        obj=current,
        case=case,
        extra={"submitted_version": form.cleaned_data["version"]},
    )
    data = request.POST.copy()
    data["version"] = str(current.version)
    resubmit, resubmit_rules = _plan_forms(data, current, choices)
    resubmit.is_valid()
    resubmit_rules.is_valid()
    return render(
        request,
        "safetyplans/plan_edit.html",
        {
            "case": case,
            "plan": current,
            "form": resubmit,
            "rules": resubmit_rules,
            "conflict": rows,
            "locked": not current.is_editable,
            "error_summary": [],
            "no_network": not members,
        },
        status=409,
    )


@require_http_methods(["GET", "POST"])
def safety_plan_agree(request: HttpRequest, case_id: int, plan_id: int) -> HttpResponse:
    """The family (and the network) agree the plan: who, and when."""
    actor = actor_of(request)
    case = get_case_for(actor, case_id, perm="change", queryset=_case_queryset())
    plan = _plan_record(actor, case, plan_id)
    if not plan.is_editable:
        return _not_a_draft(request, case, plan)
    people, members = _people(case), _current_members(case)
    form = AgreeForm(
        request.POST or None, people=people, members=members, initial={"version": plan.version}
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.safety_plan_agree(
                    actor=actor,
                    case=case,
                    plan=plan,
                    expected_version=form.cleaned_data["version"],
                    agreed_on=form.cleaned_data["agreed_on"],
                    people=form.cleaned_data["people"],
                    members=form.cleaned_data["members"],
                )
            except StaleEdit as stale:
                audit_record(
                    actor=actor,
                    event=Event.STALE_EDIT,
                    obj=stale.current,
                    case=case,
                    extra={"submitted_version": form.cleaned_data["version"]},
                )
                plan = _plans(case).get(pk=stale.current.pk)
                if not plan.is_editable:
                    return _not_a_draft(request, case, plan)
                posted = request.POST.copy()
                posted["version"] = str(plan.version)
                form = AgreeForm(posted, people=people, members=members)
                form.is_valid()
                form.add_error(
                    None,
                    _(
                        "The safety plan changed after you opened this page. Nothing was "
                        "recorded: read the rules below as they are now, then record the "
                        "agreement again."
                    ),
                )
                status = 409
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("Version %(number)s of the safety plan is agreed and in force.")
                    % {"number": plan.number},
                )
                return _overview(case, "plan")
    else:
        audit_view(actor, plan, case, extra={"page": "agree"})
    return render(
        request,
        "safetyplans/plan_agree.html",
        {
            "case": case,
            "plan": plan,
            "form": form,
            "case_plan_approved": plan_in_force(case) is not None,
        },
        status=status,
    )


def safety_plan_versions(request: HttpRequest, case_id: int) -> HttpResponse:
    """Every version of the safety plan: the history stays."""
    actor = actor_of(request)
    case = get_case_for(actor, case_id, queryset=_case_queryset())
    versions = list(
        SafetyPlan.objects.filter(case=case)
        .select_related("author")
        .annotate(rule_count=Count("rules"))
        .order_by("-number")
    )
    audit_view(
        actor,
        None,
        case,
        model=SafetyPlan,
        extra={"list": "safety plan versions", "count": len(versions)},
    )
    return render(request, "safetyplans/plan_versions.html", {"case": case, "versions": versions})


def safety_plan_version(request: HttpRequest, case_id: int, plan_id: int) -> HttpResponse:
    """One version of the safety plan as it stands, read-only."""
    actor = actor_of(request)
    case = get_case_for(actor, case_id, queryset=_case_queryset())
    plan = _plan_record(actor, case, plan_id)
    audit_view(actor, plan, case, extra={"page": "version"})
    return render(request, "safetyplans/plan_version.html", {"case": case, "plan": plan})


@dataclass(frozen=True)
class CompareRow:
    change: str  # "same", "changed", "added" or "removed": said in words on the page
    left: SafetyRule | None
    right: SafetyRule | None


def _rule_key(rule: SafetyRule) -> tuple[Any, ...]:
    return (
        rule.text,
        rule.responsible_member_id,
        rule.responsible_person_id,
        rule.how_known,
        rule.if_not_kept,
        rule.danger_id,
        rule.safety_goal_id,
    )


def compare_rules(left: Sequence[SafetyRule], right: Sequence[SafetyRule]) -> list[CompareRow]:
    """Rules of two versions, matched by their words: what was added, removed or changed."""
    rows: list[CompareRow] = []
    matcher = difflib.SequenceMatcher(
        a=[r.text.strip() for r in left], b=[r.text.strip() for r in right], autojunk=False
    )
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        olds, news = list(left[i1:i2]), list(right[j1:j2])
        if tag == "equal":
            for old, new in zip(olds, news, strict=True):
                same = _rule_key(old)[1:] == _rule_key(new)[1:]
                rows.append(CompareRow("same" if same else "changed", old, new))
            continue
        paired = min(len(olds), len(news)) if tag == "replace" else 0
        for old, new in zip(olds[:paired], news[:paired], strict=True):
            rows.append(CompareRow("changed", old, new))
        rows += [CompareRow("removed", old, None) for old in olds[paired:]]
        rows += [CompareRow("added", None, new) for new in news[paired:]]
    return rows


def _version_number(raw: str | None) -> int | None:
    try:
        number = int(raw or "")
    except ValueError:
        return None
    return number if 0 < number <= MAX_ID else None


def safety_plan_compare(request: HttpRequest, case_id: int) -> HttpResponse:
    """Two versions side by side (?a=1&b=2): each rule added, removed or changed, in words."""
    actor = actor_of(request)
    case = get_case_for(actor, case_id, queryset=_case_queryset())
    plans = {plan.number: plan for plan in _plans(case).order_by("number")}
    numbers = sorted(plans)
    context: dict[str, Any] = {"case": case, "numbers": numbers, "rows": [], "a": None, "b": None}
    if numbers:
        default_b = numbers[-1]
        default_a = numbers[-2] if len(numbers) > 1 else default_b
        given_a, given_b = request.GET.get("a"), request.GET.get("b")
        a = _version_number(given_a) if given_a else default_a
        b = _version_number(given_b) if given_b else default_b
        if a is None or b is None or a not in plans or b not in plans:
            audit_record(
                actor=actor,
                event=Event.REFUSED,
                model=SafetyPlan,
                object_pk=f"{given_a}/{given_b}"[:100],
                case=case,
                reason="not found",
            )
            raise Http404
        context |= {
            "a": plans[a],
            "b": plans[b],
            "rows": compare_rules(list(plans[a].rules.all()), list(plans[b].rules.all())),
        }
    audit_view(
        actor,
        None,
        case,
        model=SafetyPlan,
        extra={
            "page": "compare",
            "a": getattr(context["a"], "number", None),
            "b": getattr(context["b"], "number", None),
        },
    )
    template = "safetyplans/plan_compare.html"
    if getattr(request, "htmx", False):
        template += "#comparison"
    return render(request, template, context)


# --- The family's page ----------------------------------------------------------------------------


def safety_plan_family(request: HttpRequest, case_id: int) -> HttpResponse:
    """The agreed plan in the family's language, in plain words, to read together and print."""
    actor = actor_of(request)
    case = get_case_for(actor, case_id, queryset=_case_queryset())
    plan = _plans(case).filter(status=SafetyPlan.Status.AGREED).first()
    audit_view(actor, plan or case, case, extra={"page": "family"})
    language = plan.family_language if plan is not None else translation.get_language()
    with translation.override(language):
        return render(
            request,
            "safetyplans/family.html",
            {
                "case": case,
                "plan": plan,
                "worker": case.worker,
                "organisation": case.team.organisation,
            },
        )


# --- Support delivered ----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def intervention_new(request: HttpRequest, case_id: int) -> HttpResponse:
    actor = actor_of(request)
    case = get_case_for(actor, case_id, perm="change", queryset=_case_queryset())
    form = InterventionForm(request.POST or None, goals=_case_goals(case))
    if request.method == "POST" and form.is_valid():
        try:
            services.intervention_record(
                actor=actor, case=case, data=form.intervention_data(), goal_ids=form.goal_ids()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The support is recorded."))
            return _overview(case, "support")
    if request.method == "GET":
        audit_view(actor, case, case, extra={"page": "record support"})
    return render(request, "safetyplans/intervention_form.html", {"case": case, "form": form})


@require_http_methods(["GET", "POST"])
def intervention_edit(request: HttpRequest, case_id: int, intervention_id: int) -> HttpResponse:
    actor = actor_of(request)
    case = get_case_for(actor, case_id, perm="change", queryset=_case_queryset())
    item = get_record_for(
        actor,
        case,
        Intervention.objects.filter(case=case).prefetch_related("goals"),
        intervention_id,
    )
    goals = _case_goals(case)
    form = InterventionForm(request.POST or None, instance=item, goals=goals)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.intervention_update(
                    actor=actor,
                    case=case,
                    intervention=item,
                    expected_version=form.cleaned_data["version"],
                    data=form.intervention_data(),
                    goal_ids=form.goal_ids(),
                )
            except StaleEdit as stale:
                current = Intervention.objects.prefetch_related("goals").get(pk=stale.current.pk)
                theirs = ", ".join(g.text for g in current.goals.all()) or "—"
                mine = ", ".join(g.text for g in form.cleaned_data["goals"]) or "—"
                extra = []
                if theirs != mine:
                    extra.append(
                        {
                            "label": _("Goals of the case plan it serves"),
                            "theirs": theirs,
                            "mine": mine,
                            "differs": True,
                        }
                    )
                return conflict_response(
                    request,
                    actor=actor,
                    case=case,
                    form=form,
                    current=current,
                    changed=form.intervention_data(),
                    extra_rows=extra,
                    template="safetyplans/intervention_form.html",
                    context={"item": current},
                    form_factory=lambda data, instance: InterventionForm(
                        data, instance=instance, goals=goals
                    ),
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The support is saved."))
                return _overview(case, f"support-{item.pk}")
    else:
        audit_view(actor, item, case)
    return render(
        request, "safetyplans/intervention_form.html", {"case": case, "form": form, "item": item}
    )


# --- The supervisors' attention list --------------------------------------------------------------


@dataclass(frozen=True)
class AttentionRow:
    case: Case
    days: int


def attention_list(request: HttpRequest) -> HttpResponse:
    """Cases in intervention for 30 days or more without an agreed safety plan."""
    actor = actor_of(request)
    now = timezone.now()
    rows = [
        AttentionRow(case=case, days=(now - case.phase_since).days)
        for case in cases_needing_a_safety_plan(actor)
    ]
    audit_view(
        actor, None, None, model=Case, extra={"list": "safety plan attention", "count": len(rows)}
    )
    return render(
        request,
        "safetyplans/attention_list.html",
        {"rows": rows, "is_supervisor": actor.role == User.Role.SUPERVISOR},
    )
