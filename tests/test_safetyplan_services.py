"""The intervention phase through its services: the rules the practice depends on.

What a worker and a supervisor would notice: the safety network is named people of this family
or around it, who join in the past and leave with a reason, their commitments passed on; a
safety plan is written in rules each carried by one named person, answering this case's danger
statements and safety goals; it is agreed only once the case plan is approved, by named family
members, and never edited after (a new version carries its rules over, not the people who
left); support delivered is dated, costed in a currency and serves this case's plan; the
attention list shows a supervisor the cases of their team waiting 30 days or more for an agreed
safety plan. Every refusal writes nothing.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from assessments.models import Action, CasePlan, Goal, MappingEntry, NeedDomain, NeedEntry, Voice
from assessments.services import (
    ActionData,
    EntryData,
    GoalData,
    NeedData,
    assessment_decide,
    assessment_start,
    assessment_submit,
    assessment_update,
    mapping_record,
    plan_decide,
    plan_start,
    plan_submit,
    plan_update,
)
from casework.models import AuditEvent, Case, Person, Team, User
from casework.services import StaleEdit, case_transition
from casework.tests.factories import open_case
from safetyplans.models import Intervention, NetworkMember, SafetyPlan, SafetyRule
from safetyplans.selectors import cases_needing_a_safety_plan
from safetyplans.services import (
    RuleData,
    agreed_safety_plan,
    commitments_of,
    current_safety_plan,
    intervention_record,
    intervention_update,
    network_member_add,
    network_member_remove,
    network_member_update,
    safety_plan_agree,
    safety_plan_start,
    safety_plan_update,
)

ROWS = (NetworkMember, SafetyPlan, SafetyRule, Intervention, AuditEvent)


def rows() -> dict[str, Any]:
    counts: dict[str, Any] = {model.__name__: model._default_manager.count() for model in ROWS}
    counts["agreed_people"] = SafetyPlan.agreed_people.through.objects.count()
    counts["agreed_network"] = SafetyPlan.agreed_network.through.objects.count()
    counts["goals"] = Intervention.goals.through.objects.count()
    counts["members"] = sorted(NetworkMember.objects.values_list("pk", "version", "left_on"))
    counts["plans"] = sorted(SafetyPlan.objects.values_list("pk", "version", "status"))
    counts["rules"] = sorted(
        SafetyRule.objects.values_list("pk", "plan", "responsible_member", "responsible_person")
    )
    counts["interventions"] = sorted(Intervention.objects.values_list("pk", "version"))
    return counts


@contextmanager
def refused(
    error: type[Exception] = ValidationError, match: str | None = None
) -> Iterator[pytest.ExceptionInfo[Any]]:
    """The service refuses, and not one row of anything is written or changed."""
    before = rows()
    with pytest.raises(error, match=match) as info:
        yield info
    assert rows() == before


def days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


def mother(case: Case) -> Person:
    return case.family.people.get(relationship=Person.Relationship.MOTHER)


def child(case: Case) -> Person:
    return case.family.people.get(relationship=Person.Relationship.CHILD)


def member(case: Case, actor: User, name: str = "Yay Sokha", **data: Any) -> NetworkMember:
    return network_member_add(
        actor=actor,
        case=case,
        data={"name": name, "relationship": "grandmother next door", **data},
    )


def dangers_and_goals(case: Case, actor: User) -> tuple[int, int, int]:
    """A mapping with a danger statement, a strength and a safety goal: their ids."""
    mapping = mapping_record(
        actor=actor,
        case=case,
        held_on=days_ago(3),
        participants="Mother and child.",
        entries=[
            EntryData(MappingEntry.Column.WORRIES, MappingEntry.Kind.DANGER, "If...", Voice.WORKER),
            EntryData(
                MappingEntry.Column.WORKING_WELL, MappingEntry.Kind.STRENGTH, "Gran.", Voice.WORKER
            ),
            EntryData(
                MappingEntry.Column.NEXT, MappingEntry.Kind.SAFETY_GOAL, "Safe.", Voice.WORKER
            ),
        ],
    )
    kinds = dict(mapping.entries.values_list("kind", "pk"))
    return (
        kinds[MappingEntry.Kind.DANGER],
        kinds[MappingEntry.Kind.STRENGTH],
        kinds[MappingEntry.Kind.SAFETY_GOAL],
    )


def approve_case_plan(case: Case, author: User, decider: User) -> CasePlan:
    """Assessment and plan through their services: the case moves on to intervention."""
    if case.phase == Case.Phase.INTAKE:
        case = case_transition(actor=author, case=case, to=Case.Phase.ASSESSMENT, reason="Go.")
    codes = ("income", "education")
    assessment = assessment_start(actor=author, case=case, data={"summary": "Needs."})
    assessment = assessment_update(
        actor=author,
        case=case,
        assessment=assessment,
        expected_version=assessment.version,
        data={},
        needs=[
            NeedData(
                domain_id=NeedDomain.objects.get(code=code).pk,
                need=f"The child needs {code}.",
                met=NeedEntry.Met.UNMET,
            )
            for code in codes
        ],
    )
    assessment = assessment_submit(
        actor=author, case=case, assessment=assessment, expected_version=assessment.version
    )
    assessment_decide(
        actor=decider,
        case=case,
        assessment=assessment,
        expected_version=assessment.version,
        approve=True,
    )
    plan = plan_start(actor=author, case=case)
    needs = dict(NeedEntry.objects.filter(assessment=assessment).values_list("domain__code", "pk"))
    plan = plan_update(
        actor=author,
        case=case,
        plan=plan,
        expected_version=plan.version,
        family_agreement="Agreed with the mother.",
        goals=[
            GoalData(
                text=f"A goal for {code}.",
                need_ids=[needs[code]],
                actions=[ActionData(what="Something.", who=Action.Who.FAMILY, who_name="mother")],
            )
            for code in codes
        ],
    )
    plan = plan_submit(actor=author, case=case, plan=plan, expected_version=plan.version)
    return plan_decide(
        actor=decider, case=case, plan=plan, expected_version=plan.version, approve=True
    )


def drafted(case: Case, actor: User, rules: list[RuleData]) -> SafetyPlan:
    plan = safety_plan_start(actor=actor, case=case)
    return safety_plan_update(
        actor=actor,
        case=case,
        plan=plan,
        expected_version=plan.version,
        family_language="km",
        for_the_children="Everyone helps keep you safe.",
        rules=rules,
    )


def agree(case: Case, actor: User, plan: SafetyPlan, **kwargs: Any) -> SafetyPlan:
    data: dict[str, Any] = {
        "agreed_on": days_ago(1),
        "people": [mother(case).pk],
        "members": [],
    } | kwargs
    return safety_plan_agree(
        actor=actor, case=case, plan=plan, expected_version=plan.version, **data
    )


def events(obj: Any, event: str) -> Any:
    return AuditEvent.objects.filter(
        event=event,
        content_type__model=obj._meta.model_name,
        object_pk=str(obj.pk),
    )


@pytest.fixture
def other_case(cast: dict[str, User], team_a: Team) -> Case:
    """Another case of the same worker: its family, mappings and plan are not this case's."""
    return open_case(team=team_a, worker=cast["worker"], family_name="Other Family")


@pytest.fixture
def planned(case: Case, cast: dict[str, User]) -> Case:
    """The case, in intervention with an approved case plan."""
    approve_case_plan(case, cast["worker"], cast["supervisor"])
    case.refresh_from_db()
    assert case.phase == Case.Phase.INTERVENTION
    return case


# --- The safety network -------------------------------------------------------------------------


def test_a_named_member_joins_with_an_audit_event(case, worker):
    gran = member(case, worker, joined_on=days_ago(10), agreed_to_do="Keeps her door open.")
    assert gran.case == case
    assert gran.added_by == worker
    assert gran.is_current
    assert gran.joined_on == days_ago(10)
    assert events(gran, AuditEvent.Event.CREATE).filter(case=case).count() == 1


def test_a_family_member_of_the_network_takes_their_name(case, worker):
    aunt = member(case, worker, name="", person=mother(case))
    assert aunt.person == mother(case)
    assert aunt.name == mother(case).display_name


def test_a_member_must_be_named(case, worker):
    with refused(match="Name the person"):
        member(case, worker, name="   ")


def test_a_family_member_must_be_of_this_family(case, other_case, worker):
    with refused(match="member of this family"):
        member(case, worker, person=mother(other_case))


def test_a_member_cannot_join_in_the_future(case, worker):
    with refused(match="future"):
        member(case, worker, joined_on=timezone.localdate() + datetime.timedelta(days=1))


def test_unknown_fields_are_refused(case, worker):
    with refused(match="cannot be changed here"):
        member(case, worker, left_on=days_ago(1))


@pytest.mark.parametrize("login", ["colleague", "outsider", "chair", "admin", "partner"])
def test_only_those_who_may_change_the_case_add_members(case, cast, login):
    with refused(PermissionDenied):
        member(case, cast[login])


def test_the_supervisor_of_the_team_may_add_a_member(case, supervisor):
    assert member(case, supervisor).added_by == supervisor


def test_an_update_checks_the_version(case, worker):
    gran = member(case, worker)
    updated = network_member_update(
        actor=worker,
        case=case,
        member=gran,
        expected_version=gran.version,
        data={"agreed_to_do": "Takes the children in at night."},
    )
    assert updated.version == gran.version + 1
    assert updated.agreed_to_do == "Takes the children in at night."
    assert events(gran, AuditEvent.Event.CHANGE).count() == 1
    with refused(StaleEdit) as info:
        network_member_update(
            actor=worker,
            case=case,
            member=gran,
            expected_version=gran.version,
            data={"agreed_to_do": "Something else."},
        )
    assert info.value.current.agreed_to_do == "Takes the children in at night."
    assert NetworkMember.objects.get(pk=gran.pk).agreed_to_do == "Takes the children in at night."


def test_an_update_keeps_the_rules_of_membership(case, other_case, worker, outsider):
    gran = member(case, worker)
    with refused(match="member of this family"):
        network_member_update(
            actor=worker,
            case=case,
            member=gran,
            expected_version=gran.version,
            data={"person": mother(other_case)},
        )
    with refused(match="future"):
        network_member_update(
            actor=worker,
            case=case,
            member=gran,
            expected_version=gran.version,
            data={"joined_on": timezone.localdate() + datetime.timedelta(days=3)},
        )
    with refused(PermissionDenied):
        network_member_update(
            actor=outsider, case=case, member=gran, expected_version=gran.version, data={}
        )
    with refused(NetworkMember.DoesNotExist):
        network_member_update(
            actor=worker, case=other_case, member=gran, expected_version=gran.version, data={}
        )


def test_leaving_needs_a_reason_and_keeps_the_history(case, worker):
    gran = member(case, worker, joined_on=days_ago(20))
    with refused(match="why"):
        network_member_remove(
            actor=worker, case=case, member=gran, expected_version=gran.version, reason="  "
        )
    left = network_member_remove(
        actor=worker,
        case=case,
        member=gran,
        expected_version=gran.version,
        reason="Moved to Phnom Penh.",
        left_on=days_ago(2),
    )
    assert not left.is_current
    assert left.left_on == days_ago(2)
    assert left.left_reason == "Moved to Phnom Penh."
    assert NetworkMember.objects.filter(pk=gran.pk).exists()  # the history stays
    assert events(gran, AuditEvent.Event.CHANGE).get().reason == "Moved to Phnom Penh."
    with refused(match="already left"):
        network_member_remove(
            actor=worker, case=case, member=left, expected_version=left.version, reason="Again."
        )
    with refused(match="left the network"):
        network_member_update(
            actor=worker, case=case, member=left, expected_version=left.version, data={}
        )


def test_leaving_is_refused_in_the_future_stale_or_without_permission(case, worker, colleague):
    gran = member(case, worker)
    with refused(match="future"):
        network_member_remove(
            actor=worker,
            case=case,
            member=gran,
            expected_version=gran.version,
            reason="Moving.",
            left_on=timezone.localdate() + datetime.timedelta(days=1),
        )
    with refused(StaleEdit):
        network_member_remove(
            actor=worker, case=case, member=gran, expected_version=gran.version + 1, reason="M."
        )
    with refused(PermissionDenied):
        network_member_remove(
            actor=colleague, case=case, member=gran, expected_version=gran.version, reason="M."
        )


def test_a_member_cannot_leave_before_they_joined(case, worker):
    gran = member(case, worker, joined_on=days_ago(5))
    with refused(match="joined"):
        network_member_remove(
            actor=worker,
            case=case,
            member=gran,
            expected_version=gran.version,
            reason="Moved.",
            left_on=days_ago(10),
        )


def test_leaving_with_commitments_asks_what_replaces_them(case, worker, other_case):
    gran = member(case, worker)
    aunt = member(case, worker, name="Aunt Kanha")
    elsewhere = member(other_case, worker, name="Someone else")
    plan = drafted(case, worker, [RuleData("Gran's door is open.", responsible_member_id=gran.pk)])
    assert [r.plan_id for r in commitments_of(gran)] == [plan.pk]
    with refused(match="responsible for 1 rule"):
        network_member_remove(
            actor=worker, case=case, member=gran, expected_version=gran.version, reason="Moved."
        )
    for wrong in (elsewhere, gran):
        with refused(match="someone else"):
            network_member_remove(
                actor=worker,
                case=case,
                member=gran,
                expected_version=gran.version,
                reason="Moved.",
                replaced_by=wrong,
            )
    # Someone who has left replaces nobody.
    gone = member(case, worker, name="Gone")
    gone = network_member_remove(
        actor=worker, case=case, member=gone, expected_version=gone.version, reason="Left."
    )
    with refused(match="someone else"):
        network_member_remove(
            actor=worker,
            case=case,
            member=gran,
            expected_version=gran.version,
            reason="Moved.",
            replaced_by=gone,
        )
    left = network_member_remove(
        actor=worker,
        case=case,
        member=gran,
        expected_version=gran.version,
        reason="Moved.",
        replaced_by=aunt,
    )
    assert "Aunt Kanha" in left.replacement_note
    # The draft's rule passes to the aunt.
    assert list(SafetyRule.objects.filter(plan=plan).values_list("responsible_member", flat=True))
    assert SafetyRule.objects.get(plan=plan).responsible_member == aunt
    assert commitments_of(gran) == []


def test_a_note_can_say_what_replaces_the_commitments(case, worker):
    gran = member(case, worker)
    plan = drafted(case, worker, [RuleData("Gran's door is open.", responsible_member_id=gran.pk)])
    left = network_member_remove(
        actor=worker,
        case=case,
        member=gran,
        expected_version=gran.version,
        reason="Moved.",
        replacement_note="The children sleep at the neighbour's.",
    )
    assert left.replacement_note == "The children sleep at the neighbour's."
    # Without a replacement named, the draft's rule is not reassigned to anyone else.
    assert SafetyRule.objects.get(plan=plan).responsible_member_id == gran.pk


def test_replacing_leaves_an_agreed_plan_as_it_was(planned, worker):
    gran = member(planned, worker)
    aunt = member(planned, worker, name="Aunt Kanha")
    plan = drafted(planned, worker, [RuleData("Door open.", responsible_member_id=gran.pk)])
    plan = agree(planned, worker, plan, members=[gran.pk])
    network_member_remove(
        actor=worker,
        case=planned,
        member=gran,
        expected_version=gran.version,
        reason="Moved.",
        replaced_by=aunt,
    )
    assert SafetyRule.objects.get(plan=plan).responsible_member_id == gran.pk
    assert list(plan.agreed_network.all()) == [gran]


# --- The safety plan ----------------------------------------------------------------------------


def test_one_draft_at_a_time(case, worker):
    plan = safety_plan_start(actor=worker, case=case)
    assert plan.number == 1
    assert plan.status == SafetyPlan.Status.DRAFT
    assert plan.family_language == "km"
    assert plan.author == worker
    assert current_safety_plan(case) == plan
    assert agreed_safety_plan(case) is None
    assert events(plan, AuditEvent.Event.CREATE).count() == 1
    with refused(match="already being written"):
        safety_plan_start(actor=worker, case=case)


def test_starting_needs_permission_and_an_open_case(case, worker, colleague, outsider):
    for actor in (colleague, outsider):
        with refused(PermissionDenied):
            safety_plan_start(actor=actor, case=case)
    case = case_transition(actor=worker, case=case, to=Case.Phase.CLOSED, reason="Safe now.")
    with refused(match="closed"):
        safety_plan_start(actor=worker, case=case)


def test_rules_are_written_with_their_links(case, worker):
    danger, _strength, goal = dangers_and_goals(case, worker)
    gran = member(case, worker)
    plan = drafted(
        case,
        worker,
        [
            RuleData(
                "  If Papa drinks, we sleep at Gran's.  ",
                responsible_person_id=mother(case).pk,
                how_known="Gran tells the worker.",
                if_not_kept="Gran calls the village chief.",
                danger_id=danger,
                safety_goal_id=goal,
            ),
            RuleData("Gran's door is open.", responsible_member_id=gran.pk),
            RuleData("Nobody responsible yet: allowed in a draft."),
        ],
    )
    rules = list(plan.rules.all())
    assert [r.text for r in rules] == [
        "If Papa drinks, we sleep at Gran's.",
        "Gran's door is open.",
        "Nobody responsible yet: allowed in a draft.",
    ]
    assert rules[0].responsible_name == mother(case).display_name
    assert rules[1].responsible_name == "Yay Sokha"
    assert rules[0].danger_id == danger
    assert rules[0].safety_goal_id == goal
    assert plan.version == 2
    assert plan.for_the_children == "Everyone helps keep you safe."
    # A second update replaces the rules, not adds to them.
    plan = safety_plan_update(
        actor=worker,
        case=case,
        plan=plan,
        expected_version=plan.version,
        family_language="en",
        for_the_children="",
        rules=[RuleData("Just one.", responsible_member_id=gran.pk)],
    )
    assert list(plan.rules.values_list("text", flat=True)) == ["Just one."]
    assert plan.family_language == "en"


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        ("empty", "is empty"),
        ("two responsible", "not two"),
        ("other family", "choose a member of this family"),
        ("other network", "in the network now"),
    ],
)
def test_rules_are_validated(case, other_case, worker, wrong, message):
    gran = member(case, worker)
    theirs = member(other_case, worker, name="Not ours")
    rule = {
        "empty": RuleData("   ", responsible_member_id=gran.pk),
        "two responsible": RuleData(
            "Two.", responsible_member_id=gran.pk, responsible_person_id=mother(case).pk
        ),
        "other family": RuleData("Other family.", responsible_person_id=mother(other_case).pk),
        "other network": RuleData("Other network.", responsible_member_id=theirs.pk),
    }[wrong]
    plan = drafted(case, worker, [RuleData("A good rule.", responsible_member_id=gran.pk)])
    with refused(match=message):
        safety_plan_update(
            actor=worker,
            case=case,
            plan=plan,
            expected_version=plan.version,
            family_language="km",
            for_the_children="",
            rules=[RuleData("A good rule.", responsible_member_id=gran.pk), rule],
        )
    assert list(plan.rules.values_list("text", flat=True)) == ["A good rule."]


def test_a_member_who_left_carries_no_new_rule(case, worker):
    gran = member(case, worker)
    gran = network_member_remove(
        actor=worker, case=case, member=gran, expected_version=gran.version, reason="Moved."
    )
    plan = safety_plan_start(actor=worker, case=case)
    with refused(match="in the network now"):
        safety_plan_update(
            actor=worker,
            case=case,
            plan=plan,
            expected_version=plan.version,
            family_language="km",
            for_the_children="",
            rules=[RuleData("Gran's door.", responsible_member_id=gran.pk)],
        )


def test_links_must_be_of_the_right_kind_and_this_case(case, other_case, worker):
    danger, strength, goal = dangers_and_goals(case, worker)
    their_danger, _s, their_goal = dangers_and_goals(other_case, worker)
    plan = safety_plan_start(actor=worker, case=case)
    wrong = [
        RuleData("R.", danger_id=goal),
        RuleData("R.", danger_id=strength),
        RuleData("R.", danger_id=their_danger),
        RuleData("R.", safety_goal_id=danger),
        RuleData("R.", safety_goal_id=their_goal),
    ]
    for rule in wrong:
        with refused(match="of this case's mappings"):
            safety_plan_update(
                actor=worker,
                case=case,
                plan=plan,
                expected_version=plan.version,
                family_language="km",
                for_the_children="",
                rules=[rule],
            )


def test_a_stale_update_writes_nothing(case, worker):
    plan = drafted(case, worker, [RuleData("First.", responsible_person_id=mother(case).pk)])
    with refused(StaleEdit) as info:
        safety_plan_update(
            actor=worker,
            case=case,
            plan=plan,
            expected_version=plan.version - 1,
            family_language="km",
            for_the_children="Overwritten?",
            rules=[RuleData("Second.")],
        )
    assert info.value.current.pk == plan.pk
    assert list(plan.rules.values_list("text", flat=True)) == ["First."]


def test_an_update_needs_permission_and_a_valid_language(case, worker, colleague):
    plan = safety_plan_start(actor=worker, case=case)
    with refused(PermissionDenied):
        safety_plan_update(
            actor=colleague,
            case=case,
            plan=plan,
            expected_version=plan.version,
            family_language="km",
            for_the_children="",
            rules=[],
        )
    with refused():
        safety_plan_update(
            actor=worker,
            case=case,
            plan=plan,
            expected_version=plan.version,
            family_language="xx",
            for_the_children="",
            rules=[],
        )


def test_agreeing_needs_an_approved_case_plan(case, worker):
    plan = drafted(case, worker, [RuleData("Rule.", responsible_person_id=mother(case).pk)])
    with refused(match="once the case plan is approved"):
        agree(case, worker, plan)


def test_agreeing_needs_rules_with_someone_responsible(planned, worker):
    plan = safety_plan_start(actor=worker, case=planned)
    with refused(match="at least one rule"):
        agree(planned, worker, plan)
    plan = safety_plan_update(
        actor=worker,
        case=planned,
        plan=plan,
        expected_version=plan.version,
        family_language="km",
        for_the_children="",
        rules=[RuleData("One.", responsible_person_id=mother(planned).pk), RuleData("Two.")],
    )
    with refused(match=r"responsible for rule\(s\) 2"):
        agree(planned, worker, plan)


def test_agreeing_needs_the_family_members_who_agreed(planned, other_case, worker):
    gran = member(planned, worker)
    elsewhere = member(other_case, worker)
    plan = drafted(planned, worker, [RuleData("One.", responsible_member_id=gran.pk)])
    with refused(match="family members and children who agreed"):
        agree(planned, worker, plan, people=[])
    with refused(match="family members and children who agreed"):
        agree(planned, worker, plan, people=[mother(other_case).pk])
    with refused(match="in the network now"):
        agree(planned, worker, plan, members=[elsewhere.pk])
    with refused(match="future"):
        agree(planned, worker, plan, agreed_on=timezone.localdate() + datetime.timedelta(days=1))
    with refused(StaleEdit):
        safety_plan_agree(
            actor=worker,
            case=planned,
            plan=plan,
            expected_version=plan.version + 1,
            agreed_on=days_ago(1),
            people=[mother(planned).pk],
            members=[],
        )


def test_agreeing_needs_permission(planned, worker, colleague, chair):
    plan = drafted(planned, worker, [RuleData("One.", responsible_person_id=mother(planned).pk)])
    for actor in (colleague, chair):
        with refused(PermissionDenied):
            agree(planned, actor, plan)


def test_an_agreed_plan_is_in_force_and_never_edited(planned, worker):
    gran = member(planned, worker)
    plan = drafted(planned, worker, [RuleData("One.", responsible_member_id=gran.pk)])
    plan = agree(
        planned, worker, plan, people=[mother(planned).pk, child(planned).pk], members=[gran.pk]
    )
    assert plan.status == SafetyPlan.Status.AGREED
    assert plan.agreed_on == days_ago(1)
    assert set(plan.agreed_people.all()) == {mother(planned), child(planned)}
    assert list(plan.agreed_network.all()) == [gran]
    assert agreed_safety_plan(planned) == plan
    assert events(plan, AuditEvent.Event.APPROVE).count() == 1
    with refused(match="not edited"):
        safety_plan_update(
            actor=worker,
            case=planned,
            plan=plan,
            expected_version=plan.version,
            family_language="km",
            for_the_children="",
            rules=[RuleData("Changed.")],
        )
    with refused(match="cannot be agreed again"):
        agree(planned, worker, plan)


def test_a_new_version_copies_the_rules_not_the_members_who_left(planned, worker):
    danger, _strength, goal = dangers_and_goals(planned, worker)
    gran = member(planned, worker)
    aunt = member(planned, worker, name="Aunt Kanha")
    first = drafted(
        planned,
        worker,
        [
            RuleData("Gran's door.", responsible_member_id=gran.pk, danger_id=danger),
            RuleData("Aunt visits.", responsible_member_id=aunt.pk, safety_goal_id=goal),
            RuleData("Mama's rule.", responsible_person_id=mother(planned).pk, how_known="Gran."),
        ],
    )
    first = agree(planned, worker, first, agreed_on=days_ago(10), members=[gran.pk, aunt.pk])
    network_member_remove(
        actor=worker,
        case=planned,
        member=gran,
        expected_version=gran.version,
        reason="Moved.",
        replacement_note="Mama keeps the key.",
    )
    second = safety_plan_start(actor=worker, case=planned)
    assert second.number == 2
    assert second.for_the_children == first.for_the_children
    copied = list(
        second.rules.values_list(
            "text", "responsible_member", "responsible_person", "how_known", "danger", "safety_goal"
        )
    )
    assert copied == [
        ("Gran's door.", None, None, "", danger, None),
        ("Aunt visits.", aunt.pk, None, "", None, goal),
        ("Mama's rule.", None, mother(planned).pk, "Gran.", None, None),
    ]
    # The agreed version is untouched, and stays in force until the new one is agreed.
    assert first.rules.values_list("responsible_member", flat=True).first() == gran.pk
    assert agreed_safety_plan(planned) == first
    assert current_safety_plan(planned) == second
    # The copied rule without a carrier must be given one before the family agrees.
    with refused(match=r"rule\(s\) 1"):
        agree(planned, worker, second)
    second = safety_plan_update(
        actor=worker,
        case=planned,
        plan=second,
        expected_version=second.version,
        family_language="km",
        for_the_children="",
        rules=[RuleData("Mama keeps the key.", responsible_person_id=mother(planned).pk)],
    )
    second = agree(planned, worker, second)
    first.refresh_from_db()
    assert first.status == SafetyPlan.Status.SUPERSEDED
    assert second.status == SafetyPlan.Status.AGREED
    assert agreed_safety_plan(planned) == second
    assert SafetyPlan.objects.filter(case=planned, status=SafetyPlan.Status.AGREED).count() == 1
    # A superseded version is never edited either.
    with refused(match="not edited"):
        safety_plan_update(
            actor=worker,
            case=planned,
            plan=first,
            expected_version=first.version,
            family_language="km",
            for_the_children="",
            rules=[],
        )


def test_a_plan_is_not_agreed_with_a_rule_carried_by_someone_who_left(planned, worker):
    gran = member(planned, worker)
    plan = drafted(planned, worker, [RuleData("Gran's door.", responsible_member_id=gran.pk)])
    network_member_remove(
        actor=worker,
        case=planned,
        member=gran,
        expected_version=gran.version,
        reason="Moved.",
        replacement_note="We will find someone.",
    )
    plan.refresh_from_db()
    with refused(match="left"):
        agree(planned, worker, plan)


# --- Support delivered --------------------------------------------------------------------------


def grant(**extra: Any) -> dict[str, Any]:
    return {
        "kind": Intervention.Kind.CASH_GRANT,
        "description": "Capital for a small vegetable shop.",
        "amount": Decimal(400_000),
        "currency": Intervention.Currency.KHR,
        "started_on": days_ago(5),
    } | extra


def income_goal(case: Case) -> Goal:
    return Goal.objects.get(plan__case=case, needs__domain__code="income")


def test_support_is_recorded_for_the_plans_goals(planned, worker):
    goal = income_goal(planned)
    row = intervention_record(
        actor=worker,
        case=planned,
        data=grant(outcome="The shop opened.", provider="Village savings group"),
        goal_ids=[goal.pk],
    )
    assert row.amount == 400_000
    assert row.currency == "KHR"
    assert row.recorded_by == worker
    assert list(row.goals.all()) == [goal]
    assert events(row, AuditEvent.Event.CREATE).filter(case=planned).count() == 1


def test_support_without_an_amount_needs_no_currency(case, worker):
    row = intervention_record(
        actor=worker,
        case=case,
        data={"kind": Intervention.Kind.FOOD, "description": "Rice.", "started_on": days_ago(1)},
    )
    assert row.amount is None
    assert row.currency == ""


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (grant(currency=""), "riel or in US dollars"),
        (grant(amount=Decimal(-1)), "negative"),
        (grant(ended_on=days_ago(6)), "end before"),
        (grant(started_on=timezone.localdate() + datetime.timedelta(days=1)), "has started"),
        (grant(currency="EUR"), "valid choice"),
        (grant(description=""), "Say what was given or done"),
        (grant(left_on=days_ago(1)), "cannot be changed here"),
    ],
)
def test_support_is_validated(case, worker, data, message):
    with refused(match=message):
        intervention_record(actor=worker, case=case, data=data)


def test_support_serves_only_this_cases_plan(planned, other_case, worker, supervisor):
    approve_case_plan(other_case, worker, supervisor)
    with refused(match="goals of this case's plan"):
        intervention_record(
            actor=worker, case=planned, data=grant(), goal_ids=[income_goal(other_case).pk]
        )


def test_support_does_not_serve_a_superseded_plan(planned, worker, supervisor):
    old_goal = income_goal(planned)
    new = plan_start(actor=worker, case=planned)
    new = plan_submit(actor=worker, case=planned, plan=new, expected_version=new.version)
    plan_decide(
        actor=supervisor, case=planned, plan=new, expected_version=new.version, approve=True
    )
    with refused(match="goals of this case's plan"):
        intervention_record(actor=worker, case=planned, data=grant(), goal_ids=[old_goal.pk])
    new_goal = Goal.objects.get(plan=new, needs__domain__code="income")
    row = intervention_record(actor=worker, case=planned, data=grant(), goal_ids=[new_goal.pk])
    assert list(row.goals.all()) == [new_goal]


@pytest.mark.parametrize("login", ["colleague", "outsider", "chair", "partner"])
def test_support_needs_permission(case, cast, login):
    with refused(PermissionDenied):
        intervention_record(actor=cast[login], case=case, data=grant())


def test_an_update_checks_the_version_and_the_rules(planned, worker, colleague):
    row = intervention_record(actor=worker, case=planned, data=grant())
    updated = intervention_update(
        actor=worker,
        case=planned,
        intervention=row,
        expected_version=row.version,
        data={"ended_on": days_ago(1), "outcome": "Shop open every day."},
        goal_ids=[income_goal(planned).pk],
    )
    assert updated.version == row.version + 1
    assert updated.outcome == "Shop open every day."
    assert list(updated.goals.all()) == [income_goal(planned)]
    assert events(row, AuditEvent.Event.CHANGE).count() == 1
    # Without goal_ids the goals stay as they are.
    again = intervention_update(
        actor=worker,
        case=planned,
        intervention=updated,
        expected_version=updated.version,
        data={"provider": "Savings group"},
    )
    assert list(again.goals.all()) == [income_goal(planned)]
    with refused(StaleEdit):
        intervention_update(
            actor=worker,
            case=planned,
            intervention=row,
            expected_version=row.version,
            data={"outcome": "Overwritten?"},
        )
    for data in (
        {"amount": Decimal(-5)},
        {"currency": ""},
        {"ended_on": days_ago(30)},
        {"started_on": timezone.localdate() + datetime.timedelta(days=2)},
        {"recorded_by": colleague},
    ):
        with refused():
            intervention_update(
                actor=worker,
                case=planned,
                intervention=again,
                expected_version=again.version,
                data=data,
            )
    with refused(PermissionDenied):
        intervention_update(
            actor=colleague,
            case=planned,
            intervention=again,
            expected_version=again.version,
            data={},
        )
    assert Intervention.objects.get(pk=row.pk).outcome == "Shop open every day."


# --- The supervisor's attention list ------------------------------------------------------------


def waiting_since(case: Case, days: int) -> None:
    """The case entered its phase `days` ago (the transition itself happens today in tests)."""
    Case.objects.filter(pk=case.pk).update(
        phase_since=timezone.now() - datetime.timedelta(days=days)
    )


def test_thirty_days_in_intervention_without_an_agreed_plan(planned, cast):
    supervisor = cast["supervisor"]
    assert list(cases_needing_a_safety_plan(supervisor)) == []  # just arrived in intervention
    waiting_since(planned, 29)
    assert list(cases_needing_a_safety_plan(supervisor)) == []
    waiting_since(planned, 31)
    assert list(cases_needing_a_safety_plan(supervisor)) == [planned]
    # A draft is not enough; an agreed plan is.
    plan = drafted(
        planned, cast["worker"], [RuleData("R.", responsible_person_id=mother(planned).pk)]
    )
    assert list(cases_needing_a_safety_plan(supervisor)) == [planned]
    agree(planned, cast["worker"], plan)
    assert list(cases_needing_a_safety_plan(supervisor)) == []


def test_only_the_supervisors_of_the_team_see_it(planned, cast):
    waiting_since(planned, 40)
    assert list(cases_needing_a_safety_plan(cast["supervisor"])) == [planned]
    for login in ("worker", "colleague", "outsider", "chair", "admin", "partner"):
        assert list(cases_needing_a_safety_plan(cast[login])) == [], login


def test_the_chair_sees_their_own_teams_cases_only(planned, cast, team_b):
    theirs = open_case(team=team_b, worker=cast["outsider"], family_name="Team B Family")
    approve_case_plan(theirs, cast["outsider"], cast["chair"])
    waiting_since(planned, 40)
    waiting_since(theirs, 35)
    assert list(cases_needing_a_safety_plan(cast["chair"])) == [theirs]
    # Longest waiting first, for a supervisor of both teams.
    team_b.supervisors.add(cast["supervisor"])
    from casework.services import team_sync_groups

    team_sync_groups(team=team_b)
    assert list(cases_needing_a_safety_plan(cast["supervisor"])) == [planned, theirs]


def test_other_phases_are_not_on_the_list(planned, cast):
    waiting_since(planned, 40)
    case = case_transition(
        actor=cast["worker"], case=planned, to=Case.Phase.FOLLOW_UP, reason="Going well."
    )
    waiting_since(case, 40)
    assert list(cases_needing_a_safety_plan(cast["supervisor"])) == []
