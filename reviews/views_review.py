"""The review form the chair fills in during the meeting, on a laptop: one page, every section.

Through the door with "view" (the chair's temporary grant), then the chair alone may write:
`review.chair_id == actor.pk`. "Save" records (services.review_record); "Sign off" records, then
signs (services.review_sign), and shows what is still missing when the service refuses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from assessments.models import Goal, Voice
from assessments.services import approved_plan
from casework.access import get_case_for, get_record_for
from casework.audit import audit_view
from casework.models import Case, Person
from casework.services import StaleEdit
from casework.view_helpers import actor_of, conflict_response, refuse
from safetyplans.models import NetworkMember, SafetyRule
from safetyplans.services import agreed_safety_plan

from . import services
from .forms import (
    AttendanceForm,
    ChildViewsForm,
    GoalProgressForm,
    ProfessionalFormSet,
    ReviewForm,
    RuleProgressForm,
    ScoreFormSet,
    person_choices,
)
from .models import Participant, Review
from .services import (
    GoalProgressData,
    ParticipantData,
    ReviewRecord,
    RuleProgressData,
    ScoreData,
)
from .views_case import case_queryset, review_queryset

EXTRA_PROFESSIONALS = 3


@dataclass
class ReviewPage:
    """The main form and every row form of the review page, built from one set of reads."""

    form: ReviewForm
    children: list[tuple[Person, ChildViewsForm]]
    attendance: AttendanceForm
    professionals: Any
    goals: list[tuple[Goal, GoalProgressForm]]
    rules: list[tuple[SafetyRule, RuleProgressForm]]
    scores: Any
    people: dict[int, Person]
    members: dict[int, NetworkMember]
    sign_problems: list[str] = field(default_factory=list)
    # Which row form each service error key ("participant-2", "score-0"...) belongs to.
    rows: dict[str, forms.Form] = field(default_factory=dict)

    def all_forms(self) -> list[forms.Form]:
        return [
            self.form,
            *[f for _c, f in self.children],
            self.attendance,
            *self.professionals.forms,
            *[f for _g, f in self.goals],
            *[f for _r, f in self.rules],
            *self.scores.forms,
        ]

    def is_valid(self) -> bool:
        valid = [f.is_valid() for f in self.all_forms()]
        valid += [self.professionals.is_valid(), self.scores.is_valid()]
        return all(valid)

    @property
    def has_errors(self) -> bool:
        return bool(self.sign_problems) or any(f.errors for f in self.all_forms())

    def error_list(self) -> list[str]:
        listed: list[str] = list(self.sign_problems)
        for form in self.all_forms():
            for name, errors in form.errors.items():
                label = "" if name == "__all__" else f"{form.fields[name].label}: "
                listed += [f"{label}{e}" for e in errors]
        return listed

    def record(self, case: Case) -> ReviewRecord | None:
        """The input as the service takes it (None when a row is incomplete: errors shown)."""
        data = {name: self.form.cleaned_data[name] for name in ReviewForm.FIELDS}
        record = ReviewRecord(**data)
        participants: list[tuple[ParticipantData, forms.Form]] = []
        for child, child_form in self.children:
            gathered = child_form.cleaned_data["gathered"]
            if gathered:
                participants.append(
                    (
                        ParticipantData(
                            kind=Participant.Kind.CHILD,
                            person=child,
                            gathered=gathered,
                            note=child_form.cleaned_data["note"],
                        ),
                        child_form,
                    )
                )
        for pk in self.attendance.cleaned_data["family"]:
            participants.append(
                (
                    ParticipantData(kind=Participant.Kind.FAMILY, person=self.people[pk]),
                    self.attendance,
                )
            )
        for pk in self.attendance.cleaned_data["network"]:
            participants.append(
                (
                    ParticipantData(kind=Participant.Kind.NETWORK, network_member=self.members[pk]),
                    self.attendance,
                )
            )
        for row in self.professionals.forms:
            if (row.cleaned_data.get("name") or "").strip():
                participants.append(
                    (
                        ParticipantData(
                            kind=Participant.Kind.PROFESSIONAL,
                            name=row.cleaned_data["name"],
                            role=row.cleaned_data["role"],
                            note=row.cleaned_data["note"],
                        ),
                        row,
                    )
                )
            elif (row.cleaned_data.get("role") or row.cleaned_data.get("note") or "").strip():
                row.add_error("name", _("Give the professional's name."))
        for index, (participant, owner) in enumerate(participants):
            record.participants.append(participant)
            self.rows[f"participant-{index}"] = owner
        for goal, goal_form in self.goals:
            if goal_form.cleaned_data["progress"]:
                self.rows[f"goal-{len(record.goals)}"] = goal_form
                record.goals.append(
                    GoalProgressData(
                        goal=goal,
                        progress=goal_form.cleaned_data["progress"],
                        note=goal_form.cleaned_data["note"],
                    )
                )
        for rule, rule_form in self.rules:
            if rule_form.cleaned_data["kept"]:
                self.rows[f"rule-{len(record.rules)}"] = rule_form
                record.rules.append(
                    RuleProgressData(
                        rule=rule,
                        kept=rule_form.cleaned_data["kept"],
                        note=rule_form.cleaned_data["note"],
                    )
                )
        for row in self.scores.forms:
            if not row.is_filled():
                continue
            cleaned = row.cleaned_data
            if cleaned["score"] is None:
                row.add_error("score", _("A score is a number from 0 to 10."))
                continue
            person = self.people.get(cleaned["person"]) if cleaned["person"] else None
            self.rows[f"score-{len(record.scores)}"] = row
            record.scores.append(
                ScoreData(
                    voice=cleaned["voice"],
                    score=cleaned["score"],
                    reason=cleaned["reason"],
                    person=person,
                    given_by_user=case.worker if cleaned["voice"] == Voice.WORKER else None,
                    voice_name=cleaned["voice_name"],
                )
            )
        if any(f.errors for f in self.all_forms()):
            return None
        return record

    def show_service_errors(self, error: ValidationError) -> None:
        if not hasattr(error, "error_dict"):
            self.sign_problems = [str(m) for m in error.messages]
            return
        for name, errors in error.message_dict.items():
            if name in self.form.fields:
                self.form.add_error(name, errors)
            elif name in self.rows:
                self.rows[name].add_error(None, errors)
            else:
                self.form.add_error(None, errors)


def build_page(case: Case, review: Review, data: Any = None) -> ReviewPage:
    """Every form of the page, from the saved review (data None) or from the posted input."""
    children = list(case.children.order_by("pk"))
    child_ids = {c.pk for c in children}
    people = list(Person.objects.filter(family_id=case.family_id).order_by("pk"))
    members = list(NetworkMember.objects.filter(case=case).order_by("pk"))
    plan = approved_plan(case)
    goals = list(Goal.objects.filter(plan=plan).order_by("pk")) if plan is not None else []
    safety_plan = agreed_safety_plan(case)
    rules = (
        list(SafetyRule.objects.filter(plan=safety_plan).order_by("pk"))
        if safety_plan is not None
        else []
    )
    saved = list(review.participants.all())
    by_child = {p.person_id: p for p in saved if p.kind == Participant.Kind.CHILD}
    chosen_members = {p.network_member_id for p in saved if p.kind == Participant.Kind.NETWORK}
    shown_members = [m for m in members if m.is_current or m.pk in chosen_members]
    goal_rows = {g.goal_id: g for g in review.goal_progress.all()}
    rule_rows = {r.rule_id: r for r in review.rule_progress.all()}
    form = ReviewForm(data, review=review)
    child_forms = [
        (
            child,
            ChildViewsForm(
                data,
                prefix=f"child-{child.pk}",
                initial={
                    "gathered": getattr(by_child.get(child.pk), "gathered", ""),
                    "note": getattr(by_child.get(child.pk), "note", ""),
                },
            ),
        )
        for child in children
    ]
    attendance = AttendanceForm(
        data,
        family=person_choices([p for p in people if p.pk not in child_ids]),
        network=[(m.pk, f"{m.name} ({m.relationship})") for m in shown_members],
        initial={
            "family": [p.person_id for p in saved if p.kind == Participant.Kind.FAMILY],
            "network": sorted(chosen_members),
        },
    )
    professional_rows = [
        {"name": p.name, "role": p.role, "note": p.note}
        for p in saved
        if p.kind == Participant.Kind.PROFESSIONAL
    ]
    professionals = ProfessionalFormSet(
        data,
        prefix="pro",
        initial=professional_rows + [{}] * EXTRA_PROFESSIONALS,
    )
    goal_forms = [
        (
            goal,
            GoalProgressForm(
                data,
                prefix=f"goal-{goal.pk}",
                initial={
                    "progress": getattr(goal_rows.get(goal.pk), "progress", ""),
                    "note": getattr(goal_rows.get(goal.pk), "note", ""),
                },
            ),
        )
        for goal in goals
    ]
    rule_forms = [
        (
            rule,
            RuleProgressForm(
                data,
                prefix=f"rule-{rule.pk}",
                initial={
                    "kept": getattr(rule_rows.get(rule.pk), "kept", ""),
                    "note": getattr(rule_rows.get(rule.pk), "note", ""),
                },
            ),
        )
        for rule in rules
    ]
    score_rows: list[dict[str, Any]] = [
        {
            "voice": s.voice,
            "person": s.person_id,
            "voice_name": s.voice_name,
            "score": s.score,
            "reason": s.reason,
        }
        for s in review.scores.all()
    ]
    if not score_rows:
        first_child = children[0].pk if children else None
        score_rows = [
            {"voice": Voice.WORKER, "voice_name": case.worker.display_name},
            {"voice": Voice.FAMILY},
            {"voice": Voice.CHILD, "person": first_child},
        ]
    score_rows.append({"voice": Voice.FAMILY})
    scores = ScoreFormSet(
        data,
        prefix="score",
        initial=score_rows,
        people=person_choices(people),  # type: ignore[call-arg]
    )
    return ReviewPage(
        form=form,
        children=child_forms,
        attendance=attendance,
        professionals=professionals,
        goals=goal_forms,
        rules=rule_forms,
        scores=scores,
        people={p.pk: p for p in people},
        members={m.pk: m for m in members},
    )


def _render(
    request: HttpRequest, case: Case, review: Review, page: ReviewPage, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "reviews/review_form.html",
        {"case": case, "review": review, **page_context(page)},
        status=status,
    )


def page_context(page: ReviewPage) -> dict[str, Any]:
    return {
        "form": page.form,
        "page": page,
        "error_list": page.error_list() if page.has_errors else [],
    }


@require_http_methods(["GET", "POST"])
def review_record(request: HttpRequest, case_id: int, review_id: int) -> HttpResponse:
    """The chair records the review (Save) and signs it off (Sign off)."""
    actor = actor_of(request)
    case = get_case_for(actor, case_id, queryset=case_queryset())
    review = get_record_for(actor, case, review_queryset(case), review_id)
    if review.chair_id != actor.pk:
        raise refuse(actor, case, "only the review's chair records it")
    if review.is_final:
        messages.error(request, _("This review is signed off and final: add an addendum instead."))
        return redirect("review_detail", case_id=case.pk, review_id=review.pk)
    if request.method == "GET":
        audit_view(actor, review, case, extra={"page": "record"})
        return _render(request, case, review, build_page(case, review))
    page = build_page(case, review, request.POST)
    record = page.record(case) if page.is_valid() else None
    if record is None:
        return _render(request, case, review, page)
    signing = request.POST.get("action") == "sign"
    try:
        saved = services.review_record(
            actor=actor,
            case=case,
            review=review,
            data=record,
            expected_version=page.form.cleaned_data["version"],
        )
    except StaleEdit as stale:
        current = review_queryset(case).get(pk=stale.current.pk)
        return conflict_response(
            request,
            actor=actor,
            case=case,
            form=page.form,
            current=current,
            changed=page.form.changed_values(),
            template="reviews/review_form.html",
            context={"review": current, **page_context(page), "error_list": []},
            form_factory=lambda data, instance: ReviewForm(data),
        )
    except ValidationError as error:
        page.show_service_errors(error)
        return _render(request, case, review, page)
    if not signing:
        messages.success(request, _("The review is saved. You can go on writing it."))
        return redirect("review_record", case_id=case.pk, review_id=review.pk)
    try:
        services.review_sign(actor=actor, case=case, review=saved, expected_version=saved.version)
    except ValidationError as error:
        # The record is saved; the page shows it as saved, with what sign-off still needs.
        fresh = review_queryset(case).get(pk=review.pk)
        page = build_page(case, fresh)
        page.sign_problems = [str(m) for m in error.messages]
        return _render(request, case, fresh, page)
    messages.success(
        request, _("The review is signed off. It is final now: corrections go in addenda.")
    )
    return redirect("review_detail", case_id=case.pk, review_id=review.pk)
