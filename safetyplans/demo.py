"""The demo's safety networks, safety plans and support delivered.

For each demo case in intervention, follow-up or closed that has an approved case plan, what a
real caseload would show (the stories are in `demo_data`), written through the services exactly
as the case's worker would: the named people of the safety network (one of whom left and was
replaced), the safety plan agreed with the family in their words (in one case in two versions,
the first superseded), and the support delivered. One case in intervention is left with only a
draft safety plan, so that the supervisor's attention list has something to show. Running it
twice adds nothing: a case that already has any of these records is left alone.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef
from django.utils import timezone

from assessments.models import Goal, MappingEntry
from assessments.services import approved_plan
from casework.models import Case, Organisation, User

from .demo_data import DEMO_SAFETY, DemoLeaving, DemoMember, DemoSafety, DemoSafetyPlan
from .models import Intervention, NetworkMember, SafetyPlan
from .services import (
    RuleData,
    intervention_record,
    network_member_add,
    network_member_remove,
    safety_plan_agree,
    safety_plan_start,
    safety_plan_update,
)


class _Writer:
    """Writes one case's network, safety plans and support through the services."""

    def __init__(
        self, spec: DemoSafety, case: Case, users: dict[str, User], today: datetime.date
    ) -> None:
        self.spec = spec
        self.case = case
        self.today = today
        self.author = users[spec.author] if spec.author else case.worker
        self.people = {p.given_name_latin: p.pk for p in case.family.people.all()}
        self.members: dict[str, NetworkMember] = {}
        entries = MappingEntry.objects.filter(mapping__case=case).order_by("mapping__held_on", "pk")
        self.entries = list(entries.values_list("pk", "kind", "text"))
        plan = approved_plan(case)
        self.goals = list(Goal.objects.filter(plan=plan).values_list("pk", "text"))

    def day(self, days_ago: int) -> datetime.date:
        return self.today - datetime.timedelta(days=days_ago)

    def case_as_it_stood(self) -> Case:
        """A closed case's safety plan was written before it closed: see assessments.demo."""
        if self.spec.worked_in is None or self.case.phase != Case.Phase.CLOSED:
            return self.case
        then = Case.objects.get(pk=self.case.pk)
        then.phase = self.spec.worked_in
        return then

    def write(self) -> None:
        for member in self.spec.members:
            self.member(member)
        for plan, changes in self.spec.plans:
            self.safety_plan(plan)
            for leaving in changes:
                self.leave(leaving)
        for support in self.spec.support:
            goal_ids = [self.goal(start) for start in support.goals]
            data: dict[str, Any] = {
                "kind": support.kind,
                "description": support.description,
                "provider": support.provider,
                "started_on": self.day(support.started_days_ago),
                "ended_on": (
                    self.day(support.ended_days_ago) if support.ended_days_ago is not None else None
                ),
                "outcome": support.outcome,
            }
            if support.amount is not None:
                data |= {"amount": Decimal(support.amount), "currency": support.currency}
            intervention_record(actor=self.author, case=self.case, data=data, goal_ids=goal_ids)

    # --- The pieces ---------------------------------------------------------------------------

    def member(self, spec: DemoMember) -> None:
        self.members[spec.key] = network_member_add(
            actor=self.author,
            case=self.case,
            data={
                "person": self.case.family.people.get(pk=self.people[spec.person])
                if spec.person
                else None,
                "name": spec.name,
                "relationship": spec.relationship,
                "contact": spec.contact,
                "knows_worries": spec.knows_worries,
                "agreed_to_do": spec.agreed_to_do,
                "joined_on": self.day(spec.joined_days_ago),
            },
        )

    def leave(self, spec: DemoLeaving) -> None:
        member = self.members[spec.member]
        self.members[spec.member] = network_member_remove(
            actor=self.author,
            case=self.case,
            member=member,
            expected_version=member.version,
            reason=spec.reason,
            left_on=self.day(spec.days_ago),
            replaced_by=self.members[spec.replaced_by] if spec.replaced_by else None,
            replacement_note=spec.replacement_note,
        )

    def entry(self, kind: str, start: str) -> int | None:
        """The case's mapping entry of this kind whose text starts so, if the mappings have it."""
        if not start:
            return None
        return next(
            (pk for pk, k, text in self.entries if k == kind and text.startswith(start)), None
        )

    def goal(self, start: str) -> int:
        return next(pk for pk, text in self.goals if text.startswith(start))

    def safety_plan(self, spec: DemoSafetyPlan) -> None:
        plan = safety_plan_start(actor=self.author, case=self.case_as_it_stood())
        rules = []
        for rule in spec.rules:
            member = self.members.get(rule.responsible)
            rules.append(
                RuleData(
                    text=rule.text,
                    responsible_member_id=member.pk if member is not None else None,
                    responsible_person_id=None
                    if member is not None
                    else self.people[rule.responsible],
                    how_known=rule.how_known,
                    if_not_kept=rule.if_not_kept,
                    danger_id=self.entry(MappingEntry.Kind.DANGER, rule.danger),
                    safety_goal_id=self.entry(MappingEntry.Kind.SAFETY_GOAL, rule.safety_goal),
                )
            )
        plan = safety_plan_update(
            actor=self.author,
            case=self.case,
            plan=plan,
            expected_version=plan.version,
            family_language="km",
            for_the_children=spec.for_the_children,
            rules=rules,
        )
        if spec.agreed_days_ago is None:
            return
        safety_plan_agree(
            actor=self.author,
            case=self.case,
            plan=plan,
            expected_version=plan.version,
            agreed_on=self.day(spec.agreed_days_ago),
            people=[self.people[name] for name in spec.agreed_people],
            members=[self.members[key].pk for key in spec.agreed_network],
        )


def _without_records(cases: list[Case]) -> set[int]:
    """The cases that have none of the records this demo writes."""
    case = OuterRef("pk")
    return set(
        Case.objects.filter(pk__in=[c.pk for c in cases])
        .filter(
            ~Exists(NetworkMember.objects.filter(case=case)),
            ~Exists(SafetyPlan.objects.filter(case=case)),
            ~Exists(Intervention.objects.filter(case=case)),
        )
        .values_list("pk", flat=True)
    )


def demo_safety_load(organisation: Organisation, users: dict[str, User], cases: list[Case]) -> None:
    """Write each demo case's safety network, safety plans and support delivered, once."""
    by_family = {spec.family_name: spec for spec in DEMO_SAFETY}
    untouched = _without_records(cases)
    today = timezone.localdate()
    for case in cases:
        spec = by_family.get(case.family.family_name)
        if (
            spec is None
            or case.pk not in untouched
            or case.phase not in (spec.phase, spec.worked_in)
        ):
            continue
        if approved_plan(case) is None:
            continue  # the assessments demo wrote no approved case plan: nothing to carry out
        _Writer(spec, case, users, today).write()
        if spec.in_phase_days is not None:
            # casework's demo makes all its transitions today, so every demo case has been in
            # its phase for a few seconds and none could ever be overdue. For the one case the
            # story leaves without an agreed safety plan, say when it really entered its phase,
            # so the supervisor's attention list shows it. Only the timestamp changes: no record
            # is written around the services, and only here, only once (the case now has
            # records, so a second run skips it).
            Case.objects.filter(pk=case.pk).update(
                phase_since=timezone.now() - datetime.timedelta(days=spec.in_phase_days)
            )
