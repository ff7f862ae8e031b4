"""Every write of the intervention phase goes through a service here (DESIGN rule 3).

The rules the practice depends on:
- a safety plan is agreed only when the case has an approved case plan, with the date and the
  names of the family members, children and network members who agreed;
- an agreed safety plan is never edited: a change is a new version, the old one superseded;
- a commitment is carried by a named member of the network (or of the family); removing a
  member who carries one asks what replaces it;
- the same door, audit trail and version checks as every record.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping as MappingType
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import Approval, Goal, MappingEntry
from assessments.services import approved_plan
from casework.audit import Event, audit_record, changes_between
from casework.models import Case, Person, User
from casework.services import (
    lock_for_edit,
    refuse_future,
    refuse_unknown_fields,
    require_change,
    save_new_version,
)

from .models import Intervention, NetworkMember, SafetyPlan, SafetyRule

# --- The safety and support network ---------------------------------------------------------------

MEMBER_FIELDS = (
    "person",
    "name",
    "relationship",
    "contact",
    "knows_worries",
    "agreed_to_do",
    "joined_on",
)


def _check_member(member: NetworkMember, case: Case) -> None:
    member.name = (member.name or "").strip()
    person = member.person if member.person_id is not None else None
    if person is not None and person.family_id != case.family_id:
        raise ValidationError({"person": _("Choose a member of this family, or nobody.")})
    if not member.name and person is not None:
        member.name = person.display_name
    if not member.name:
        raise ValidationError(
            {"name": _("Name the person: a commitment needs someone who can be asked about it.")}
        )
    refuse_future(member.joined_on, "joined_on")


@transaction.atomic
def network_member_add(*, actor: User, case: Case, data: MappingType[str, Any]) -> NetworkMember:
    require_change(actor, case)
    refuse_unknown_fields(data, MEMBER_FIELDS)
    member = NetworkMember(case=case, added_by=actor, **data)
    _check_member(member, case)
    member.full_clean()
    member.save()
    audit_record(actor=actor, event=Event.CREATE, obj=member, case=case)
    return member


@transaction.atomic
def network_member_update(
    *,
    actor: User,
    case: Case,
    member: NetworkMember,
    expected_version: int,
    data: MappingType[str, Any],
) -> NetworkMember:
    require_change(actor, case)
    refuse_unknown_fields(data, MEMBER_FIELDS)
    current: NetworkMember = lock_for_edit(NetworkMember, member.pk, case, expected_version)
    if not current.is_current:
        raise ValidationError(_("This person has left the network; their record stays as it was."))
    before = NetworkMember.objects.get(pk=current.pk)
    for name, value in data.items():
        setattr(current, name, value)
    _check_member(current, case)
    current.full_clean()
    save_new_version(current)
    audit_record(
        actor=actor,
        event=Event.CHANGE,
        obj=current,
        case=case,
        changes=changes_between(before, current),
    )
    return current


def commitments_of(member: NetworkMember) -> list[SafetyRule]:
    """The rules of the plans in force or being written that this member is responsible for."""
    return list(
        SafetyRule.objects.filter(responsible_member=member)
        .exclude(plan__status=SafetyPlan.Status.SUPERSEDED)
        .select_related("plan")
    )


@transaction.atomic
def network_member_remove(
    *,
    actor: User,
    case: Case,
    member: NetworkMember,
    expected_version: int,
    reason: str,
    left_on: datetime.date | None = None,
    replaced_by: NetworkMember | None = None,
    replacement_note: str = "",
) -> NetworkMember:
    """Someone leaves the network. Their history stays; their commitments must be replaced.

    With `replaced_by`, the rules of a draft plan pass to that member (an agreed plan is never
    edited: its page shows who left and what replaces them, until a new version is agreed).
    """
    require_change(actor, case)
    current: NetworkMember = lock_for_edit(NetworkMember, member.pk, case, expected_version)
    if not current.is_current:
        raise ValidationError(_("This person has already left the network."))
    day = left_on or timezone.localdate()
    refuse_future(day, "left_on")
    errors: dict[str, list[str]] = {}
    if day < current.joined_on:
        errors["left_on"] = [_("They cannot leave before they joined the network.")]
    if not reason.strip():
        errors["reason"] = [_("Say why they are leaving the network.")]
    if replaced_by is not None and (
        replaced_by.case_id != case.pk or not replaced_by.is_current or replaced_by.pk == current.pk
    ):
        errors["replaced_by"] = [_("Choose someone else who is in this case's network.")]
    commitments = commitments_of(current)
    if commitments and replaced_by is None and not replacement_note.strip():
        errors["replacement_note"] = [
            _(
                "%(name)s is responsible for %(count)s rule(s) of the safety plan. Choose who "
                "takes them over, or say what replaces them."
            )
            % {"name": current.name, "count": len(commitments)}
        ]
    if errors:
        raise ValidationError(errors)
    if replaced_by is not None:
        SafetyRule.objects.filter(
            responsible_member=current, plan__status=SafetyPlan.Status.DRAFT
        ).update(responsible_member=replaced_by)
    current.left_on = day
    current.left_reason = reason.strip()
    current.replacement_note = replacement_note.strip() or (
        _("Replaced by %(name)s.") % {"name": replaced_by.name} if replaced_by else ""
    )
    save_new_version(current)
    audit_record(
        actor=actor,
        event=Event.CHANGE,
        obj=current,
        case=case,
        changes={"left_on": ["", day.isoformat()]},
        reason=reason.strip(),
    )
    return current


# --- The safety plan ------------------------------------------------------------------------------


@dataclass
class RuleData:
    text: str
    responsible_member_id: int | None = None
    responsible_person_id: int | None = None
    how_known: str = ""
    if_not_kept: str = ""
    danger_id: int | None = None
    safety_goal_id: int | None = None


def current_safety_plan(case: Case) -> SafetyPlan | None:
    """The draft being written, else the plan in force."""
    return (
        SafetyPlan.objects.filter(case=case)
        .exclude(status=SafetyPlan.Status.SUPERSEDED)
        .order_by("-number")
        .first()
    )


def agreed_safety_plan(case: Case) -> SafetyPlan | None:
    return SafetyPlan.objects.filter(case=case, status=SafetyPlan.Status.AGREED).first()


@transaction.atomic
def safety_plan_start(*, actor: User, case: Case) -> SafetyPlan:
    """Start the safety plan, or a new version of the agreed one (its rules carried over)."""
    require_change(actor, case)
    Case.objects.select_for_update().get(pk=case.pk)
    if case.phase == Case.Phase.CLOSED:
        raise ValidationError(_("The case is closed. Re-open it before planning."))
    if SafetyPlan.objects.filter(case=case, status=SafetyPlan.Status.DRAFT).exists():
        raise ValidationError(_("A new version of the safety plan is already being written."))
    agreed = agreed_safety_plan(case)
    last = SafetyPlan.objects.filter(case=case).order_by("-number").first()
    plan = SafetyPlan(
        case=case,
        number=(last.number + 1) if last is not None else 1,
        author=actor,
        family_language=agreed.family_language if agreed else "km",
        for_the_children=agreed.for_the_children if agreed else "",
    )
    plan.full_clean()
    plan.save()
    if agreed is not None:
        SafetyRule.objects.bulk_create(
            SafetyRule(
                plan=plan,
                text=rule.text,
                # Someone who has left carries nothing into the new version.
                responsible_member=rule.responsible_member
                if rule.responsible_member is not None and rule.responsible_member.is_current
                else None,
                responsible_person=rule.responsible_person,
                how_known=rule.how_known,
                if_not_kept=rule.if_not_kept,
                danger=rule.danger,
                safety_goal=rule.safety_goal,
            )
            for rule in agreed.rules.select_related("responsible_member")
        )
    audit_record(actor=actor, event=Event.CREATE, obj=plan, case=case)
    return plan


def _check_rules(case: Case, rules: Sequence[RuleData]) -> None:
    members = set(
        NetworkMember.objects.filter(case=case, left_on__isnull=True).values_list("pk", flat=True)
    )
    people = set(Person.objects.filter(family_id=case.family_id).values_list("pk", flat=True))
    entries = dict(MappingEntry.objects.filter(mapping__case=case).values_list("pk", "kind"))
    errors: list[str] = []
    for number, rule in enumerate(rules, start=1):
        if not rule.text.strip():
            errors.append(_("Rule %(number)s is empty.") % {"number": number})
        if rule.responsible_member_id is not None and rule.responsible_person_id is not None:
            errors.append(
                _("Rule %(number)s: one person is responsible, not two.") % {"number": number}
            )
        if rule.responsible_member_id is not None and rule.responsible_member_id not in members:
            errors.append(
                _("Rule %(number)s: choose someone who is in the network now.") % {"number": number}
            )
        if rule.responsible_person_id is not None and rule.responsible_person_id not in people:
            errors.append(
                _("Rule %(number)s: choose a member of this family.") % {"number": number}
            )
        if rule.danger_id is not None and entries.get(rule.danger_id) != MappingEntry.Kind.DANGER:
            errors.append(
                _("Rule %(number)s: choose a danger statement of this case's mappings.")
                % {"number": number}
            )
        if (
            rule.safety_goal_id is not None
            and entries.get(rule.safety_goal_id) != MappingEntry.Kind.SAFETY_GOAL
        ):
            errors.append(
                _("Rule %(number)s: choose a safety goal of this case's mappings.")
                % {"number": number}
            )
    if errors:
        raise ValidationError({"rules": errors})


@transaction.atomic
def safety_plan_update(
    *,
    actor: User,
    case: Case,
    plan: SafetyPlan,
    expected_version: int,
    family_language: str,
    for_the_children: str,
    rules: Sequence[RuleData],
) -> SafetyPlan:
    require_change(actor, case)
    current: SafetyPlan = lock_for_edit(SafetyPlan, plan.pk, case, expected_version)
    if not current.is_editable:
        raise ValidationError(
            _("An agreed safety plan is not edited: start a new version to change it.")
        )
    before = SafetyPlan.objects.get(pk=current.pk)
    current.family_language = family_language
    current.for_the_children = for_the_children
    current.full_clean()
    _check_rules(case, rules)
    SafetyRule.objects.filter(plan=current).delete()
    for rule in rules:
        row = SafetyRule(
            plan=current,
            text=rule.text.strip(),
            responsible_member_id=rule.responsible_member_id,
            responsible_person_id=rule.responsible_person_id,
            how_known=rule.how_known.strip(),
            if_not_kept=rule.if_not_kept.strip(),
            danger_id=rule.danger_id,
            safety_goal_id=rule.safety_goal_id,
        )
        try:
            row.full_clean(exclude=["plan"])
        except ValidationError as error:
            raise ValidationError({"rules": error.messages}) from error
        row.save()
    save_new_version(current)
    audit_record(
        actor=actor,
        event=Event.CHANGE,
        obj=current,
        case=case,
        changes=changes_between(before, current) | {"rules": ["", str(len(rules))]},
    )
    return current


@transaction.atomic
def safety_plan_agree(
    *,
    actor: User,
    case: Case,
    plan: SafetyPlan,
    expected_version: int,
    agreed_on: datetime.date,
    people: Sequence[int],
    members: Sequence[int],
) -> SafetyPlan:
    """Record that the family (and the network) agreed the plan: it is in force from now."""
    require_change(actor, case)
    current: SafetyPlan = lock_for_edit(SafetyPlan, plan.pk, case, expected_version)
    if not current.is_editable:
        raise ValidationError(_("This version is not a draft: it cannot be agreed again."))
    if approved_plan(case) is None:
        raise ValidationError(
            _(
                "A safety plan can only be agreed once the case plan is approved: the safety "
                "plan carries out part of it."
            )
        )
    refuse_future(agreed_on, "agreed_on")
    rules = list(current.rules.all())
    errors: dict[str, list[str]] = {}
    if not rules:
        errors["rules"] = [_("Write at least one rule before the family agrees the plan.")]
    without = [
        str(number)
        for number, rule in enumerate(rules, start=1)
        if rule.responsible_member_id is None and rule.responsible_person_id is None
    ]
    if without:
        errors.setdefault("rules", []).append(
            _("Say who is responsible for rule(s) %(numbers)s.") % {"numbers": ", ".join(without)}
        )
    family = set(Person.objects.filter(family_id=case.family_id).values_list("pk", flat=True))
    network = set(
        NetworkMember.objects.filter(case=case, left_on__isnull=True).values_list("pk", flat=True)
    )
    gone = [
        str(number)
        for number, rule in enumerate(rules, start=1)
        if rule.responsible_member_id is not None and rule.responsible_member_id not in network
    ]
    if gone:
        errors.setdefault("rules", []).append(
            _(
                "Rule(s) %(numbers)s: the person responsible has left the network. "
                "Choose someone else."
            )
            % {"numbers": ", ".join(gone)}
        )
    if not people or set(people) - family:
        errors["people"] = [_("Tick the family members and children who agreed.")]
    if set(members) - network:
        errors["members"] = [_("Tick only people who are in the network now.")]
    if errors:
        raise ValidationError(errors)
    SafetyPlan.objects.filter(case=case, status=SafetyPlan.Status.AGREED).update(
        status=SafetyPlan.Status.SUPERSEDED
    )
    current.status = SafetyPlan.Status.AGREED
    current.agreed_on = agreed_on
    save_new_version(current)
    current.agreed_people.set(people)
    current.agreed_network.set(members)
    audit_record(
        actor=actor,
        event=Event.APPROVE,
        obj=current,
        case=case,
        changes={"status": [SafetyPlan.Status.DRAFT, SafetyPlan.Status.AGREED]},
    )
    return current


# --- Support delivered ----------------------------------------------------------------------------

INTERVENTION_FIELDS = (
    "kind",
    "description",
    "amount",
    "currency",
    "provider",
    "started_on",
    "ended_on",
    "outcome",
)


def _check_intervention(row: Intervention, case: Case, goal_ids: Sequence[int]) -> None:
    errors: dict[str, list[str]] = {}
    row.description = (row.description or "").strip()
    if not row.description:
        errors["description"] = [_("Say what was given or done.")]
    if row.amount is not None and not row.currency:
        errors["currency"] = [_("Say whether the amount is in riel or in US dollars.")]
    if row.amount is not None and row.amount < Decimal(0):
        errors["amount"] = [_("The amount cannot be negative.")]
    if row.ended_on is not None and row.ended_on < row.started_on:
        errors["ended_on"] = [_("It cannot end before it started.")]
    if row.started_on > timezone.localdate():
        errors["started_on"] = [_("Record support once it has started.")]
    allowed = set(
        Goal.objects.filter(plan__case=case)
        .exclude(plan__status=Approval.SUPERSEDED)
        .values_list("pk", flat=True)
    )
    if set(goal_ids) - allowed:
        errors["goals"] = [_("Choose goals of this case's plan.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def intervention_record(
    *,
    actor: User,
    case: Case,
    data: MappingType[str, Any],
    goal_ids: Sequence[int] = (),
) -> Intervention:
    require_change(actor, case)
    refuse_unknown_fields(data, INTERVENTION_FIELDS)
    row = Intervention(case=case, recorded_by=actor, **data)
    _check_intervention(row, case, goal_ids)
    row.full_clean()
    row.save()
    row.goals.set(goal_ids)
    audit_record(actor=actor, event=Event.CREATE, obj=row, case=case)
    return row


@transaction.atomic
def intervention_update(
    *,
    actor: User,
    case: Case,
    intervention: Intervention,
    expected_version: int,
    data: MappingType[str, Any],
    goal_ids: Sequence[int] | None = None,
) -> Intervention:
    require_change(actor, case)
    refuse_unknown_fields(data, INTERVENTION_FIELDS)
    current: Intervention = lock_for_edit(Intervention, intervention.pk, case, expected_version)
    before = Intervention.objects.get(pk=current.pk)
    for name, value in data.items():
        setattr(current, name, value)
    goals = (
        list(goal_ids) if goal_ids is not None else list(current.goals.values_list("pk", flat=True))
    )
    _check_intervention(current, case, goals)
    current.full_clean()
    save_new_version(current)
    current.goals.set(goals)
    audit_record(
        actor=actor,
        event=Event.CHANGE,
        obj=current,
        case=case,
        changes=changes_between(before, current),
    )
    return current
