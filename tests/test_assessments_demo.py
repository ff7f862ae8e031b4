"""The demo's assessment and planning records: what each phase of a real caseload shows.

After `load_demo`, intake cases have at most a draft assessment; cases in assessment and
planning have assessments awaiting the supervisor or returned with a comment, a mapping and a
few scores; cases in intervention and follow-up have the whole cycle (approved assessment,
mappings over time, a rising scale in several voices, children's three houses, an approved
plan answering every unmet need); closed cases have everything approved. The assessments demo
never moves a case, and running it twice adds nothing.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections import defaultdict

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, QuerySet
from django.test import override_settings
from django.utils import timezone

import assessments.demo
from assessments.demo_data import DEMO_CASEWORK
from assessments.models import (
    Action,
    Approval,
    Assessment,
    CasePlan,
    ChildVoice,
    Decision,
    Goal,
    Mapping,
    MappingEntry,
    NeedDomain,
    NeedEntry,
    Risk,
    ScaleScore,
    Voice,
)
from assessments.services import unmet_needs_without_goal
from casework.demo import DEMO_LOGINS
from casework.demo_data import DEMO_CASES
from casework.models import AuditEvent, Case, User
from reviews.models import Review

# The phase casework's demo leaves each case in, from its own data.
EXPECTED_PHASE = {
    spec.family_name: (spec.path[-1][0] if spec.path else Case.Phase.INTAKE) for spec in DEMO_CASES
}
SUPERVISOR_OF = {
    login.team: login.username for login in DEMO_LOGINS if login.role == User.Role.SUPERVISOR
}
WORKING = (Case.Phase.INTERVENTION, Case.Phase.FOLLOW_UP)
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

MODELS = (
    Assessment,
    NeedEntry,
    Risk,
    Decision,
    Mapping,
    MappingEntry,
    ScaleScore,
    ChildVoice,
    CasePlan,
    Goal,
    Action,
    AuditEvent,
)


def counts() -> dict[str, int]:
    return {model.__name__: model._default_manager.count() for model in MODELS}


def casework_cases() -> QuerySet[Case]:
    """Casework's twelve demo cases: all but the returning Sok family's new case, which the
    reviews demo opens (and the assessments demo has no story for)."""
    returning = Case.objects.filter(return_flags__isnull=False)
    assert [c.family.family_name[:3] for c in returning.select_related("family")] == ["Sok"]
    return Case.objects.exclude(pk__in=returning.values("pk"))


def cases_in(*phases: str) -> list[Case]:
    cases = list(
        Case.objects.filter(phase__in=phases)
        .select_related("family", "team", "worker", "covering_worker")
        .order_by("pk")
    )
    assert cases, phases
    return cases


def approved_assessment(case: Case) -> Assessment:
    return Assessment.objects.get(case=case, status=Approval.APPROVED)


def approved_plan(case: Case) -> CasePlan:
    return CasePlan.objects.get(case=case, status=Approval.APPROVED)


@pytest.fixture(scope="class")
def loaded_demo(django_db_setup, django_db_blocker):
    """The demo, loaded once for a class of read-only tests and rolled back after them."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with override_settings(DEBUG=True, PASSWORD_HASHERS=FAST_HASHERS):
                call_command("load_demo", verbosity=0)
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


# --- The stories and the phases ---------------------------------------------------------------


def test_every_demo_case_has_a_story_for_its_phase():
    """The stories are written for the phases casework's demo sets; a mismatch writes nothing."""
    for spec in DEMO_CASEWORK:
        assert EXPECTED_PHASE[spec.family_name] == spec.phase, spec.family_name
        for plan in spec.plans:
            if plan.status == Approval.APPROVED:
                assert spec.phase not in (Case.Phase.INTAKE, Case.Phase.ASSESSMENT)


def test_a_case_in_assessment_never_gets_an_approved_plan(settings, db, monkeypatch):
    """Even if the data asked for one: approving would move the case on to intervention."""
    settings.DEBUG = True
    yin = next(spec for spec in DEMO_CASEWORK if spec.family_name.startswith("Yin"))
    assert yin.phase == Case.Phase.ASSESSMENT
    eager = dataclasses.replace(
        yin, plans=tuple(dataclasses.replace(p, status=Approval.APPROVED) for p in yin.plans)
    )
    monkeypatch.setattr(
        assessments.demo,
        "DEMO_CASEWORK",
        tuple(eager if spec is yin else spec for spec in DEMO_CASEWORK),
    )
    call_command("load_demo", verbosity=0)
    case = Case.objects.get(family__family_name=yin.family_name)
    assert case.phase == Case.Phase.ASSESSMENT
    assert list(CasePlan.objects.filter(case=case).values_list("status", flat=True)) == [
        Approval.SUBMITTED
    ]


def test_a_story_written_for_another_phase_is_not_written(settings, db, monkeypatch):
    settings.DEBUG = True
    heng = next(spec for spec in DEMO_CASEWORK if spec.family_name.startswith("Heng"))
    moved = dataclasses.replace(heng, phase=Case.Phase.FOLLOW_UP)
    monkeypatch.setattr(
        assessments.demo,
        "DEMO_CASEWORK",
        tuple(moved if spec is heng else spec for spec in DEMO_CASEWORK),
    )
    call_command("load_demo", verbosity=0)
    case = Case.objects.get(family__family_name=heng.family_name)
    assert case.phase == Case.Phase.INTERVENTION
    assert not Assessment.objects.filter(case=case).exists()
    assert not ScaleScore.objects.filter(case=case).exists()
    assert Assessment.objects.exclude(case=case).exists()


def test_without_the_standard_need_domains_it_writes_nothing(settings, db):
    """A database emptied after its migrations (as a browser test's is) still loads the demo."""
    settings.DEBUG = True
    NeedDomain.objects.filter(code="housing").update(is_active=False)
    call_command("load_demo", verbosity=0)
    # Casework's twelve, and the Sok family's return (casework's demo closed its first case).
    assert Case.objects.count() == 13
    assert {name: n for name, n in counts().items() if name != "AuditEvent"} == dict.fromkeys(
        [m.__name__ for m in MODELS if m is not AuditEvent], 0
    )


# --- Running twice, and quickly ----------------------------------------------------------------


@pytest.mark.django_db
def test_a_second_run_adds_nothing(settings):
    settings.DEBUG = True
    call_command("load_demo", verbosity=0)
    first = counts()
    phases = dict(Case.objects.values_list("pk", "phase"))
    assert first["Assessment"] >= 10
    assert first["ScaleScore"] >= 80
    call_command("load_demo", verbosity=0)
    assert counts() == first
    assert dict(Case.objects.values_list("pk", "phase")) == phases


# --- What the loaded demo shows ----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.usefixtures("loaded_demo")
class TestTheLoadedDemo:
    """Read-only checks of one loaded demo."""

    def test_the_assessments_demo_moves_no_case(self):
        cases = casework_cases().select_related("family")
        assert cases.count() == len(EXPECTED_PHASE) == 12
        for case in cases:
            assert case.phase == EXPECTED_PHASE[case.family.family_name], case.family.family_name
            # Only the transitions casework's demo made: approving a plan moved nothing.
            spec = next(s for s in DEMO_CASES if s.family_name == case.family.family_name)
            transitions = AuditEvent.objects.filter(case=case, event=AuditEvent.Event.TRANSITION)
            assert transitions.count() == len(spec.path), case.family.family_name
        closed = Case.objects.filter(phase=Case.Phase.CLOSED)
        assert all(c.closed_on is not None and c.closure_reason for c in closed)

    def test_intake_cases_have_nothing_or_a_draft_assessment(self):
        intake = cases_in(Case.Phase.INTAKE)
        drafts = 0
        for case in intake:
            statuses = list(Assessment.objects.filter(case=case).values_list("status", flat=True))
            assert statuses in ([], [Approval.DRAFT]), case.family.family_name
            assert not CasePlan.objects.filter(case=case).exists()
            assert not Decision.objects.filter(assessment__case=case).exists()
            if statuses:
                drafts += 1
                assert NeedEntry.objects.filter(assessment__case=case).exists()
        assert 1 <= drafts < len(intake)

    def test_assessment_cases_await_the_supervisor_or_were_returned(self):
        cases = cases_in(Case.Phase.ASSESSMENT)
        statuses: dict[str, int] = defaultdict(int)
        for case in cases:
            name = case.family.family_name
            assessment = Assessment.objects.get(case=case)
            statuses[assessment.status] += 1
            assert assessment.needs.exists(), name
            assert Mapping.objects.filter(case=case).exists(), name
            assert ScaleScore.objects.filter(case=case).count() >= 3, name
            assert not CasePlan.objects.filter(case=case, status=Approval.APPROVED).exists(), name
            if assessment.status == Approval.SUBMITTED:
                assert assessment.submitted_at is not None
                assert not assessment.decisions.exists()
            if assessment.status == Approval.RETURNED:
                decision = assessment.decisions.get()
                assert decision.outcome == Decision.Outcome.RETURNED
                assert len(decision.comment) > 40
                assert decision.decided_by.username == SUPERVISOR_OF[case.team.name]
        assert statuses[Approval.SUBMITTED] >= 1
        assert statuses[Approval.RETURNED] == 1

    def test_working_cases_show_the_whole_cycle(self):
        for case in cases_in(*WORKING):
            name = case.family.family_name
            assessment = approved_assessment(case)
            assert assessment.needs.filter(met=NeedEntry.Met.UNMET).exists(), name
            assert Risk.objects.filter(need__assessment=assessment, kind=Risk.Kind.ROOT).exists()
            assert NeedEntry.objects.filter(assessment=assessment).exclude(strengths="").exists()
            mappings = Mapping.objects.filter(case=case)
            assert 1 <= mappings.count() <= 3, name
            assert len(set(mappings.values_list("held_on", flat=True))) == mappings.count()
            for mapping in mappings:
                columns = set(mapping.entries.values_list("column", flat=True))
                assert MappingEntry.Column.WORRIES in columns, name
                assert MappingEntry.Column.WORKING_WELL in columns, name
            plan = approved_plan(case)
            assert plan.assessment == assessment
            assert plan.family_agreement, name
            assert plan.goals.exists()
            assert Action.objects.filter(goal__plan=plan).exists()
            assert ChildVoice.objects.filter(case=case).exists(), name

    def test_scale_histories_rise_in_several_voices(self):
        for case in cases_in(*WORKING):
            name = case.family.family_name
            # The scores given at a review that escalated the case (Pov's: the lender came
            # back) fall on purpose: the story up to that review still only rises.
            escalated_on = Review.objects.filter(
                case=case, status=Review.Status.SIGNED, decision=Review.Decision.ESCALATE
            ).values("held_on")
            scores = list(
                ScaleScore.objects.filter(case=case)
                .exclude(recorded_on__in=escalated_on)
                .order_by("recorded_on", "pk")
            )
            voices = {s.voice for s in scores}
            assert {Voice.WORKER, Voice.FAMILY, Voice.CHILD, Voice.SUPERVISOR} <= voices, name
            assert len({s.recorded_on for s in scores}) >= 3, name
            by_voice: dict[str, list[int]] = defaultdict(list)
            for score in scores:
                by_voice[score.voice_key].append(score.score)
            rising = 0
            for line in by_voice.values():
                assert line == sorted(line), (name, line)  # never falls back in the demo's story
                rising += line[-1] > line[0]
            assert rising >= 3, name
            first = [s.score for s in scores if s.recorded_on == scores[0].recorded_on]
            last = [s.score for s in scores if s.recorded_on == scores[-1].recorded_on]
            assert sum(last) / len(last) > sum(first) / len(first), name

    def test_scale_scores_are_0_to_10_and_every_voice_is_who_it_says(self):
        scores = ScaleScore.objects.select_related("case__family", "person", "given_by_user")
        assert scores.count() >= 80
        assert all(0 <= s.score <= 10 and s.reason for s in scores)
        for score in scores:
            case = score.case
            if score.voice == Voice.FAMILY:
                assert score.person is not None
                assert score.person.family_id == case.family_id
                assert score.given_by_user is None
            elif score.voice == Voice.CHILD:
                assert score.person is not None
                assert case.children.filter(pk=score.person.pk).exists()
            elif score.voice == Voice.WORKER:
                assert score.given_by_user in (case.worker, case.covering_worker)
            elif score.voice == Voice.SUPERVISOR:
                assert score.given_by_user is not None
                assert score.given_by_user.username == SUPERVISOR_OF[case.team.name]
                assert score.recorded_by == score.given_by_user
            else:
                assert score.voice_name
        by_case = ScaleScore.objects.values("case").annotate(voices=Count("voice", distinct=True))
        assert all(row["voices"] >= 2 for row in by_case)

    def test_children_speak_in_their_own_words(self):
        voices = ChildVoice.objects.select_related("case", "child")
        working_cases = {c.pk for c in cases_in(*WORKING)}
        assert working_cases <= set(voices.values_list("case", flat=True))
        for voice in voices:
            assert voice.case.children.filter(pk=voice.child_id).exists()
            # The three houses, in the child's words.
            assert voice.worries
            assert voice.good_things
            assert voice.wishes
            assert voice.age_at_recording == voice.child.age_on(voice.recorded_on)
            assert voice.age_at_recording is not None
            assert voice.age_at_recording >= 5
            assert not voice.drawing

    def test_every_approved_plan_answers_every_unmet_need(self):
        plans = CasePlan.objects.filter(status__in=(Approval.APPROVED, Approval.SUPERSEDED))
        assert plans.count() >= 7
        for plan in plans:
            assert unmet_needs_without_goal(plan) == []
            unmet = set(plan.assessment.needs.filter(met="unmet").values_list("pk", flat=True))
            linked = set(
                Goal.needs.through.objects.filter(goal__plan=plan).values_list(
                    "needentry", flat=True
                )
            )
            assert unmet <= linked
            # Goals link only to needs of the plan's own assessment.
            assert set(
                NeedEntry.objects.filter(pk__in=linked).values_list("assessment", flat=True)
            ) == {plan.assessment_id}

    def test_actions_are_in_every_state(self):
        statuses = set(
            Action.objects.filter(goal__plan__status=Approval.APPROVED).values_list(
                "status", flat=True
            )
        )
        assert statuses == {"todo", "doing", "done", "dropped"}
        done = Action.objects.filter(status__in=("done", "dropped"), goal__plan__status="approved")
        assert all(a.outcome for a in done)
        # Progress was ticked off through the service, after approval: audited changes.
        assert (
            AuditEvent.objects.filter(
                event=AuditEvent.Event.CHANGE, content_type__model="action"
            ).count()
            >= done.count()
        )

    def test_one_plan_has_a_second_version_with_its_history(self):
        versions = (
            CasePlan.objects.values("case").annotate(n=Count("pk")).filter(n__gte=2).values("case")
        )
        assert len(versions) >= 1
        case = Case.objects.get(pk=versions[0]["case"])
        assert case.phase in WORKING
        plans = list(CasePlan.objects.filter(case=case).order_by("number"))
        assert [p.number for p in plans] == [1, 2]
        assert [p.status for p in plans] == [Approval.SUPERSEDED, Approval.APPROVED]
        assert all(p.decisions.filter(outcome=Decision.Outcome.APPROVED).exists() for p in plans)
        assert plans[1].goals.count() > plans[0].goals.count()

    def test_closed_cases_have_everything_approved(self):
        for case in cases_in(Case.Phase.CLOSED):
            name = case.family.family_name
            assert list(Assessment.objects.filter(case=case).values_list("status", flat=True)) == [
                Approval.APPROVED
            ], name
            assert not CasePlan.objects.filter(case=case).exclude(status=Approval.APPROVED).exists()
            assert Mapping.objects.filter(case=case).exists(), name
            assert ScaleScore.objects.filter(case=case).exists(), name
            assert ChildVoice.objects.filter(case=case).exists(), name
            for plan in CasePlan.objects.filter(case=case):
                assert unmet_needs_without_goal(plan) == []
                assert not Action.objects.filter(
                    goal__plan=plan, status__in=("todo", "doing")
                ).exists()
        assert CasePlan.objects.filter(case__phase=Case.Phase.CLOSED).exists()

    def test_one_case_weighs_insecure_housing_against_its_strengths(self):
        """The Davy case study: a visible risk, outweighed by protective factors."""
        housing = NeedEntry.objects.select_related("assessment__case").get(
            domain__code="housing", assessment__status=Approval.APPROVED, met=NeedEntry.Met.PARTLY
        )
        case = housing.assessment.case
        assert case.phase == Case.Phase.CLOSED
        assert housing.risks.filter(kind=Risk.Kind.SURFACE).exists()
        assert "next door" in housing.strengths or "ten metres" in housing.strengths
        assert "sleep beside" in housing.strengths
        # Everything else the children need is met, so no intervention and no plan.
        others = housing.assessment.needs.exclude(pk=housing.pk)
        assert others.exists()
        assert not others.exclude(met=NeedEntry.Met.MET).exists()
        assert not CasePlan.objects.filter(case=case).exists()
        worries = MappingEntry.objects.filter(mapping__case=case, column="worries")
        strengths = MappingEntry.objects.filter(mapping__case=case, column="working_well")
        assert worries.exists()
        assert strengths.count() >= worries.count()

    def test_the_worker_writes_and_the_teams_supervisor_decides(self):
        decisions = Decision.objects.select_related(
            "assessment__case__team", "plan__case__team", "decided_by"
        )
        assert decisions.count() >= 12
        for decision in decisions:
            thing = decision.assessment or decision.plan
            assert thing is not None
            case = thing.case
            assert decision.decided_by.username == SUPERVISOR_OF[case.team.name]
            assert thing.author != decision.decided_by
            assert thing.author in (case.worker, case.covering_worker)
            assert thing.author.role == User.Role.SOCIAL_WORKER
        for assessment in Assessment.objects.filter(status=Approval.APPROVED):
            assert assessment.decided_by is not None
            assert assessment.decided_by.username == SUPERVISOR_OF[assessment.case.team.name]

    def test_every_date_is_in_the_past(self):
        today = timezone.localdate()
        assert not Mapping.objects.filter(held_on__gt=today).exists()
        assert not ScaleScore.objects.filter(recorded_on__gt=today).exists()
        assert not ChildVoice.objects.filter(recorded_on__gt=today).exists()
        for case in Case.objects.all():
            days = [
                *Mapping.objects.filter(case=case).values_list("held_on", flat=True),
                *ScaleScore.objects.filter(case=case).values_list("recorded_on", flat=True),
                *ChildVoice.objects.filter(case=case).values_list("recorded_on", flat=True),
            ]
            first = min(days, default=today)
            assert first >= case.opened_on, case.reference
        # Actions already done fell due in the past.
        done_due = Action.objects.filter(status="done").exclude(due_on=None)
        assert all(a.due_on is not None and a.due_on < today for a in done_due)
        assert not Decision.objects.filter(decided_at__gt=timezone.now()).exists()

    def test_everything_went_through_the_services(self):
        """Each record has its audit event, on its case."""
        for model, name in (
            (Assessment, "assessment"),
            (Mapping, "mapping"),
            (ScaleScore, "scalescore"),
            (ChildVoice, "childvoice"),
            (CasePlan, "caseplan"),
        ):
            created = AuditEvent.objects.filter(
                event=AuditEvent.Event.CREATE, content_type__model=name
            )
            assert created.count() == model._default_manager.count(), name
        approvals = AuditEvent.objects.filter(
            event=AuditEvent.Event.APPROVE, content_type__app_label="assessments"
        ).count()
        returns = AuditEvent.objects.filter(
            event=AuditEvent.Event.RETURN, content_type__app_label="assessments"
        ).count()
        assert approvals + returns == Decision.objects.count()

    def test_dates_are_relative_to_the_day_the_demo_is_loaded(self):
        newest = ScaleScore.objects.order_by("-recorded_on").first()
        assert newest is not None
        assert timezone.localdate() - newest.recorded_on <= datetime.timedelta(days=7)
