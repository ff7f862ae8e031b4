"""Assessment and planning through their services: the rules the practice depends on.

What a worker and a supervisor would notice: one assessment is open at a time and only the
case's workers write it; only a supervisor of the team decides, never on their own work, and a
return says what to change; a mapping's entries sit in their columns; a scale score is 0 to 10
and is who it says it is; the child's voice belongs to a child of the case and a drawing keeps
nothing but the picture; a plan answers every unmet need before it goes to the supervisor, an
approved plan is never edited (the next version carries its goals over), and its actions are
ticked off. Every refusal writes nothing.
"""

from __future__ import annotations

import datetime
import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from PIL import ExifTags, Image, PngImagePlugin

from assessments.models import (
    LONG_TEXT,
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
from assessments.services import (
    ActionData,
    EntryData,
    GoalData,
    NeedData,
    RiskData,
    action_progress,
    assessment_decide,
    assessment_start,
    assessment_submit,
    assessment_update,
    child_voice_record,
    mapping_record,
    mapping_update,
    plan_decide,
    plan_start,
    plan_submit,
    plan_update,
    scale_record,
)
from casework.models import AuditEvent, Case, Person, User
from casework.services import StaleEdit, case_transition
from casework.tests.factories import open_case

HUGE = "x" * 100_000  # 100 kB, ten times what any long text field takes
assert len(HUGE) > LONG_TEXT

ROWS = (
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


def rows() -> dict[str, int]:
    return {model.__name__: model._default_manager.count() for model in ROWS}


@contextmanager
def refused(
    error: type[Exception] = ValidationError, match: str | None = None
) -> Iterator[pytest.ExceptionInfo[Any]]:
    """The service refuses, and not one row of anything is written."""
    before = rows()
    with pytest.raises(error, match=match) as info:
        yield info
    assert rows() == before


def require_postgresql() -> None:
    if connection.vendor != "postgresql":
        if os.environ.get("CI"):
            pytest.fail("CI runs the suite on PostgreSQL, and this test needs it.")
        pytest.skip("Needs PostgreSQL (the database's own check constraint).")


def events(obj: Any, event: str) -> Any:
    """The audit events of one kind about one record."""
    return AuditEvent.objects.filter(
        event=event,
        content_type__app_label=obj._meta.app_label,
        content_type__model=obj._meta.model_name,
        object_pk=str(obj.pk),
    )


def domain(code: str) -> NeedDomain:
    return NeedDomain.objects.get(code=code)


def need(code: str, met: str = NeedEntry.Met.UNMET, *risks: tuple[str, str]) -> NeedData:
    return NeedData(
        domain_id=domain(code).pk,
        need=f"What the child needs for {code}.",
        met=met,
        strengths="Grandmother next door.",
        risks=[RiskData(description=text, kind=kind) for kind, text in risks],
    )


def days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


def mother(case: Case) -> Person:
    return case.family.people.get(relationship=Person.Relationship.MOTHER)


# --- Building blocks: the happy path, through the services --------------------------------------


def written(
    case: Case, author: User, needs: list[NeedData] | None = None, **data: str
) -> Assessment:
    assessment = assessment_start(actor=author, case=case, data=data)
    return assessment_update(
        actor=author,
        case=case,
        assessment=assessment,
        expected_version=assessment.version,
        data={},
        needs=needs if needs is not None else [need("education")],
    )


def submitted(case: Case, author: User, needs: list[NeedData] | None = None) -> Assessment:
    assessment = written(case, author, needs)
    return assessment_submit(
        actor=author, case=case, assessment=assessment, expected_version=assessment.version
    )


def approved(
    case: Case, author: User, decider: User, needs: list[NeedData] | None = None
) -> Assessment:
    assessment = submitted(case, author, needs)
    return assessment_decide(
        actor=decider,
        case=case,
        assessment=assessment,
        expected_version=assessment.version,
        approve=True,
    )


def needs_of(assessment: Assessment) -> dict[str, int]:
    return dict(NeedEntry.objects.filter(assessment=assessment).values_list("domain__code", "pk"))


def goals_for(assessment: Assessment, *codes: str) -> list[GoalData]:
    ids = needs_of(assessment)
    return [
        GoalData(
            text=f"A goal for {code}.",
            need_ids=[ids[code]],
            actions=[
                ActionData(
                    what=f"Something for {code}.",
                    who=Action.Who.FAMILY,
                    who_name="mother",
                    due_on=timezone.localdate() + datetime.timedelta(days=14),
                )
            ],
        )
        for code in codes
    ]


def plan_written(case: Case, author: User, goals: list[GoalData]) -> CasePlan:
    plan = plan_start(actor=author, case=case)
    return plan_update(
        actor=author,
        case=case,
        plan=plan,
        expected_version=plan.version,
        family_agreement="Agreed with the mother at home.",
        goals=goals,
    )


def plan_submitted(case: Case, author: User, goals: list[GoalData]) -> CasePlan:
    plan = plan_written(case, author, goals)
    return plan_submit(actor=author, case=case, plan=plan, expected_version=plan.version)


def plan_approved(case: Case, author: User, decider: User, goals: list[GoalData]) -> CasePlan:
    plan = plan_submitted(case, author, goals)
    return plan_decide(
        actor=decider, case=case, plan=plan, expected_version=plan.version, approve=True
    )


@pytest.fixture
def in_assessment(case: Case, worker: User) -> Case:
    return case_transition(actor=worker, case=case, to=Case.Phase.ASSESSMENT, reason="Assess.")


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


# --- Starting an assessment ------------------------------------------------------------------


def test_a_worker_starts_a_draft_assessment(case, worker):
    assessment = assessment_start(
        actor=worker,
        case=case,
        data={"participants": "Mother and Child1.", "summary": "First thoughts."},
    )
    assessment.refresh_from_db()
    assert (assessment.status, assessment.author, assessment.case) == ("draft", worker, case)
    assert (assessment.participants, assessment.summary) == (
        "Mother and Child1.",
        "First thoughts.",
    )
    assert (assessment.version, assessment.submitted_at, assessment.decided_by) == (1, None, None)
    event = events(assessment, AuditEvent.Event.CREATE).get()
    assert event.actor == worker


def test_only_one_assessment_is_open_at_a_time(case, worker, supervisor):
    first = written(case, worker)
    with refused(match="already has an assessment in progress"):
        assessment_start(actor=worker, case=case)
    first = assessment_submit(
        actor=worker, case=case, assessment=first, expected_version=first.version
    )
    with refused(match="already has an assessment in progress"):
        assessment_start(actor=worker, case=case)
    assessment_decide(
        actor=supervisor, case=case, assessment=first, expected_version=first.version, approve=True
    )
    # Once decided, a re-assessment may begin.
    again = assessment_start(actor=worker, case=case)
    assert again.status == Approval.DRAFT
    assert Assessment.objects.filter(case=case).count() == 2


def test_a_closed_case_is_not_assessed(case, worker):
    case = case_transition(actor=worker, case=case, to=Case.Phase.CLOSED, reason="Moved away.")
    with refused(match="closed"):
        assessment_start(actor=worker, case=case)


@pytest.mark.parametrize("login", ["colleague", "outsider", "admin", "partner", "chair"])
def test_only_someone_who_may_change_the_case_starts_an_assessment(case, cast, login):
    with refused(PermissionDenied):
        assessment_start(actor=cast[login], case=case)


def test_the_teams_supervisor_and_a_covering_worker_may_write_one(case, cast, team_a):
    assert assessment_start(actor=cast["supervisor"], case=case).author == cast["supervisor"]
    covered = open_case(
        team=team_a, worker=cast["worker"], covering_worker=cast["colleague"], family_name="Cov"
    )
    assert assessment_start(actor=cast["colleague"], case=covered).author == cast["colleague"]


# --- Editing an assessment -------------------------------------------------------------------


def test_needs_are_replaced_domain_by_domain_with_their_risks(case, worker):
    assessment = assessment_start(actor=worker, case=case)
    assessment = assessment_update(
        actor=worker,
        case=case,
        assessment=assessment,
        expected_version=1,
        data={"family_views": "Mother: we manage."},
        needs=[
            need(
                "education",
                NeedEntry.Met.UNMET,
                (Risk.Kind.SURFACE, "Missed most of the month."),
                (Risk.Kind.ROOT, "Needed at home at harvest."),
            ),
            need("housing", NeedEntry.Met.PARTLY, (Risk.Kind.SURFACE, "A leaf shelter.")),
        ],
    )
    assert assessment.version == 2
    assert assessment.family_views == "Mother: we manage."
    education = NeedEntry.objects.get(assessment=assessment, domain__code="education")
    assert sorted(education.risks.values_list("kind", "description")) == [
        ("root", "Needed at home at harvest."),
        ("surface", "Missed most of the month."),
    ]
    assert education.strengths == "Grandmother next door."

    changed = need("education", NeedEntry.Met.PARTLY, (Risk.Kind.ROOT, "Irregular income."))
    assessment = assessment_update(
        actor=worker,
        case=case,
        assessment=assessment,
        expected_version=2,
        data={},
        needs=[changed, need("health", NeedEntry.Met.MET)],
    )
    assert assessment.version == 3
    assert set(needs_of(assessment)) == {"education", "health"}  # housing is gone
    education_after = NeedEntry.objects.get(assessment=assessment, domain__code="education")
    assert education_after.pk == education.pk  # the same domain is kept, not re-created
    assert education_after.met == "partly"
    assert list(education_after.risks.values_list("kind", "description")) == [
        ("root", "Irregular income.")
    ]
    assert Risk.objects.filter(need__assessment=assessment).count() == 1
    assert events(assessment, AuditEvent.Event.CHANGE).count() == 2


def test_leaving_needs_out_keeps_them(case, worker):
    assessment = written(case, worker, [need("education"), need("health", NeedEntry.Met.MET)])
    assessment_update(
        actor=worker,
        case=case,
        assessment=assessment,
        expected_version=assessment.version,
        data={"summary": "Looking past the surface."},
    )
    assert set(needs_of(assessment)) == {"education", "health"}


def test_a_risk_is_a_surface_sign_or_a_root_cause(case, worker):
    assessment = written(case, worker)
    with refused(ValidationError):
        assessment_update(
            actor=worker,
            case=case,
            assessment=assessment,
            expected_version=assessment.version,
            data={},
            needs=[need("education", NeedEntry.Met.UNMET, ("symptom", "Not a kind we know."))],
        )
    assessment.refresh_from_db()
    assert assessment.version == 2


def test_a_stale_edit_is_refused_and_nothing_is_written(case, worker, supervisor):
    assessment = written(case, worker, summary="Mine.")
    version = assessment.version
    assessment_update(
        actor=supervisor,
        case=case,
        assessment=assessment,
        expected_version=version,
        data={"summary": "The supervisor's newer words."},
    )
    with refused(StaleEdit) as info:
        assessment_update(
            actor=worker,
            case=case,
            assessment=assessment,
            expected_version=version,
            data={"summary": "The worker's older form."},
            needs=[need("housing")],
        )
    assert info.value.current.summary == "The supervisor's newer words."
    assessment.refresh_from_db()
    assert assessment.summary == "The supervisor's newer words."
    assert assessment.version == version + 1
    assert set(needs_of(assessment)) == {"education"}


@pytest.mark.parametrize("where", ["summary", "family_views", "need", "strengths", "risk"])
def test_100_kb_of_text_is_refused(case, worker, where):
    assessment = written(case, worker)
    data = {where: HUGE} if where in ("summary", "family_views") else {}
    need_data = need("education", NeedEntry.Met.UNMET, (Risk.Kind.ROOT, "Debt."))
    if where == "need":
        need_data.need = HUGE
    if where == "strengths":
        need_data.strengths = HUGE
    if where == "risk":
        need_data.risks[0].description = HUGE
    with refused(ValidationError):
        assessment_update(
            actor=worker,
            case=case,
            assessment=assessment,
            expected_version=assessment.version,
            data=data,
            needs=[need_data],
        )
    assessment.refresh_from_db()
    assert assessment.version == 2
    assert (
        NeedEntry.objects.get(assessment=assessment).need == "What the child needs for education."
    )


def test_a_domain_assessed_twice_is_refused(case, worker):
    assessment = written(case, worker)
    with refused(match="Housing is assessed twice"):
        assessment_update(
            actor=worker,
            case=case,
            assessment=assessment,
            expected_version=assessment.version,
            data={},
            needs=[need("housing"), need("education"), need("housing", NeedEntry.Met.MET)],
        )


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"need": "   "}, "Say what the child needs for Education"),
        ({"domain_id": 987_654}, "Choose a domain from the list"),
        ({"met": "sometimes"}, "sometimes"),
    ],
)
def test_a_need_must_be_said_in_a_known_domain(case, worker, bad, message):
    assessment = written(case, worker)
    need_data = need("education")
    for name, value in bad.items():
        setattr(need_data, name, value)
    with refused(ValidationError, match=message):
        assessment_update(
            actor=worker,
            case=case,
            assessment=assessment,
            expected_version=assessment.version,
            data={},
            needs=[need_data],
        )


def test_fields_outside_the_form_are_refused(case, worker):
    assessment = written(case, worker)
    with refused(match="cannot be changed here: author, status"):
        assessment_update(
            actor=worker,
            case=case,
            assessment=assessment,
            expected_version=assessment.version,
            data={"status": "approved", "author": None},
        )
    assessment.refresh_from_db()
    assert assessment.status == Approval.DRAFT


def test_a_submitted_assessment_is_not_edited(case, worker):
    assessment = submitted(case, worker)
    with refused(match="awaiting approval and can no longer be edited"):
        assessment_update(
            actor=worker,
            case=case,
            assessment=assessment,
            expected_version=assessment.version,
            data={"summary": "A late thought."},
        )


@pytest.mark.parametrize("login", ["colleague", "outsider", "admin"])
def test_only_the_cases_workers_edit_an_assessment(case, cast, login):
    assessment = written(case, cast["worker"])
    with refused(PermissionDenied):
        assessment_update(
            actor=cast[login],
            case=case,
            assessment=assessment,
            expected_version=assessment.version,
            data={"summary": "Not mine to write."},
        )


# --- Submitting and deciding --------------------------------------------------------------------


def test_an_assessment_needs_at_least_one_domain_before_submitting(case, worker):
    assessment = assessment_start(actor=worker, case=case)
    with refused(match="Assess at least one domain"):
        assessment_submit(actor=worker, case=case, assessment=assessment, expected_version=1)
    assessment.refresh_from_db()
    assert (assessment.status, assessment.submitted_at) == (Approval.DRAFT, None)

    assessment = assessment_update(
        actor=worker,
        case=case,
        assessment=assessment,
        expected_version=1,
        data={},
        needs=[need("education")],
    )
    done = assessment_submit(actor=worker, case=case, assessment=assessment, expected_version=2)
    assert done.status == Approval.SUBMITTED
    assert done.submitted_at is not None
    assert events(done, AuditEvent.Event.SUBMIT).exists()
    with refused(match="Only a draft or a returned assessment"):
        assessment_submit(actor=worker, case=case, assessment=done, expected_version=done.version)


def test_a_stale_submit_is_refused(case, worker):
    assessment = written(case, worker)
    with refused(StaleEdit):
        assessment_submit(actor=worker, case=case, assessment=assessment, expected_version=1)


@pytest.mark.parametrize("login", ["worker", "colleague", "chair", "admin", "outsider"])
def test_only_a_supervisor_of_the_team_decides(case, cast, login):
    assessment = submitted(case, cast["worker"])
    with refused(PermissionDenied):
        assessment_decide(
            actor=cast[login],
            case=case,
            assessment=assessment,
            expected_version=assessment.version,
            approve=True,
        )
    assessment.refresh_from_db()
    assert assessment.status == Approval.SUBMITTED


def test_the_supervisor_approves(case, worker, supervisor):
    assessment = submitted(case, worker)
    decided = assessment_decide(
        actor=supervisor,
        case=case,
        assessment=assessment,
        expected_version=assessment.version,
        approve=True,
        comment="  Clear analysis.  ",
    )
    assert decided.status == Approval.APPROVED
    assert (decided.decided_by, decided.decided_at is not None) == (supervisor, True)
    decision = Decision.objects.get(assessment=decided)
    assert (decision.outcome, decision.comment, decision.decided_by) == (
        "approved",
        "Clear analysis.",
        supervisor,
    )
    event = events(decided, AuditEvent.Event.APPROVE).get()
    assert (event.actor, event.reason) == (supervisor, "Clear analysis.")


def test_a_supervisor_never_decides_on_their_own_work(case, supervisor):
    assessment = submitted(case, supervisor)
    with refused(ValidationError, match="another supervisor must decide"):
        assessment_decide(
            actor=supervisor,
            case=case,
            assessment=assessment,
            expected_version=assessment.version,
            approve=True,
        )


def test_a_return_says_what_to_change(case, worker, supervisor):
    assessment = submitted(case, worker)
    with refused(ValidationError, match="Say what needs to change"):
        assessment_decide(
            actor=supervisor,
            case=case,
            assessment=assessment,
            expected_version=assessment.version,
            approve=False,
            comment="   ",
        )
    returned = assessment_decide(
        actor=supervisor,
        case=case,
        assessment=assessment,
        expected_version=assessment.version,
        approve=False,
        comment="Add the household income.",
    )
    assert returned.status == Approval.RETURNED
    assert Decision.objects.get(assessment=returned).comment == "Add the household income."
    assert events(returned, AuditEvent.Event.RETURN).get().reason == ("Add the household income.")
    # The worker edits it (back to a draft) and submits it again.
    edited = assessment_update(
        actor=worker,
        case=case,
        assessment=returned,
        expected_version=returned.version,
        data={},
        needs=[need("education"), need("income", NeedEntry.Met.PARTLY)],
    )
    assert edited.status == Approval.DRAFT
    again = assessment_submit(
        actor=worker, case=case, assessment=edited, expected_version=edited.version
    )
    assert again.status == Approval.SUBMITTED


def test_only_a_submitted_assessment_is_decided(case, worker, supervisor):
    assessment = written(case, worker)
    with refused(match="Only a submitted assessment"):
        assessment_decide(
            actor=supervisor,
            case=case,
            assessment=assessment,
            expected_version=assessment.version,
            approve=True,
        )


def test_approval_supersedes_the_previous_one_and_keeps_the_history(case, worker, supervisor):
    first = approved(case, worker, supervisor)
    second = submitted(case, worker, [need("education"), need("housing")])
    second = assessment_decide(
        actor=supervisor,
        case=case,
        assessment=second,
        expected_version=second.version,
        approve=False,
        comment="Say what the grandparents do.",
    )
    second = assessment_update(
        actor=worker,
        case=case,
        assessment=second,
        expected_version=second.version,
        data={"summary": "The grandparents live next door."},
    )
    second = assessment_submit(
        actor=worker, case=case, assessment=second, expected_version=second.version
    )
    first.refresh_from_db()
    assert first.status == Approval.APPROVED  # still in force while the next one is decided
    second = assessment_decide(
        actor=supervisor,
        case=case,
        assessment=second,
        expected_version=second.version,
        approve=True,
    )
    first.refresh_from_db()
    assert (first.status, second.status) == (Approval.SUPERSEDED, Approval.APPROVED)
    assert Assessment.objects.filter(case=case, status=Approval.APPROVED).count() == 1
    assert list(first.decisions.values_list("outcome", flat=True)) == ["approved"]
    assert list(second.decisions.order_by("pk").values_list("outcome", "comment")) == [
        ("returned", "Say what the grandparents do."),
        ("approved", ""),
    ]


# --- Three-column mapping ---------------------------------------------------------------------

ENTRIES = [
    EntryData("worries", "past_harm", "Bruises seen last month.", Voice.WORKER),
    EntryData("worries", "danger", "If he drinks again she may be hurt.", Voice.WORKER),
    EntryData("working_well", "existing_safety", "My door is open.", Voice.NETWORK, "aunt"),
    EntryData("working_well", "strength", "I take my brother to the aunt.", Voice.CHILD, "Child1"),
    EntryData("next", "safety_goal", "The children sleep safely every night.", Voice.FAMILY),
]


def test_a_mapping_is_recorded_in_its_three_columns(case, worker):
    mapping = mapping_record(
        actor=worker, case=case, held_on=days_ago(2), participants="Mother.", entries=ENTRIES
    )
    assert (mapping.author, mapping.held_on, mapping.version) == (worker, days_ago(2), 1)
    assert list(mapping.entries.order_by("pk").values_list("column", "kind", "voice_name")) == [
        ("worries", "past_harm", ""),
        ("worries", "danger", ""),
        ("working_well", "existing_safety", "aunt"),
        ("working_well", "strength", "Child1"),
        ("next", "safety_goal", ""),
    ]
    assert events(mapping, AuditEvent.Event.CREATE).exists()


@pytest.mark.parametrize(
    ("column", "kind"),
    [("worries", "strength"), ("working_well", "danger"), ("next", "past_harm"), ("nowhere", "x")],
)
def test_a_kind_belongs_to_its_column(case, worker, column, kind):
    with refused(match="does not belong under"):
        mapping_record(
            actor=worker,
            case=case,
            held_on=days_ago(1),
            participants="",
            entries=[*ENTRIES, EntryData(column, kind, "Misplaced.", Voice.WORKER)],
        )


@pytest.mark.parametrize(
    "entries", [[], [EntryData("worries", "danger", "   ", Voice.WORKER)]], ids=["none", "blank"]
)
def test_a_mapping_has_at_least_one_entry(case, worker, entries):
    with refused(match="at least one worry"):
        mapping_record(
            actor=worker, case=case, held_on=days_ago(1), participants="", entries=entries
        )


def test_a_mapping_entry_has_a_known_voice_and_fits(case, worker):
    with refused(ValidationError):
        mapping_record(
            actor=worker,
            case=case,
            held_on=days_ago(1),
            participants="",
            entries=[EntryData("worries", "danger", "Somebody said it.", "neighbourhood")],
        )
    with refused(ValidationError):
        mapping_record(
            actor=worker,
            case=case,
            held_on=days_ago(1),
            participants="",
            entries=[EntryData("worries", "danger", HUGE, Voice.WORKER)],
        )


def test_a_mapping_is_not_held_in_the_future(case, worker):
    with refused(match="in the future"):
        mapping_record(
            actor=worker, case=case, held_on=days_ago(-1), participants="", entries=ENTRIES
        )


def test_editing_a_mapping_replaces_its_entries_with_a_version_check(case, worker):
    mapping = mapping_record(
        actor=worker, case=case, held_on=days_ago(5), participants="Mother.", entries=ENTRIES
    )
    updated = mapping_update(
        actor=worker,
        case=case,
        mapping=mapping,
        expected_version=1,
        held_on=days_ago(4),
        participants="Mother and aunt.",
        entries=[EntryData("next", "next_step", "Meet the father.", Voice.WORKER)],
    )
    assert (updated.version, updated.held_on, updated.participants) == (
        2,
        days_ago(4),
        "Mother and aunt.",
    )
    assert list(updated.entries.values_list("text", flat=True)) == ["Meet the father."]
    assert MappingEntry.objects.count() == 1
    with refused(StaleEdit):
        mapping_update(
            actor=worker,
            case=case,
            mapping=mapping,
            expected_version=1,
            held_on=days_ago(4),
            participants="An old form.",
            entries=ENTRIES,
        )
    with refused(match="does not belong under"):
        mapping_update(
            actor=worker,
            case=case,
            mapping=mapping,
            expected_version=2,
            held_on=days_ago(4),
            participants="",
            entries=[EntryData("next", "strength", "Misplaced.", Voice.WORKER)],
        )
    with refused(match="in the future"):
        mapping_update(
            actor=worker,
            case=case,
            mapping=mapping,
            expected_version=2,
            held_on=days_ago(-3),
            participants="",
            entries=ENTRIES,
        )
    assert list(MappingEntry.objects.values_list("text", flat=True)) == ["Meet the father."]


@pytest.mark.parametrize("login", ["colleague", "outsider", "admin"])
def test_only_the_cases_workers_map(case, cast, login):
    with refused(PermissionDenied):
        mapping_record(
            actor=cast[login], case=case, held_on=days_ago(1), participants="", entries=ENTRIES
        )


# --- The safety scale -------------------------------------------------------------------------


def score(case: Case, actor: User, **overrides: Any) -> ScaleScore:
    values: dict[str, Any] = {
        "score": 6,
        "voice": Voice.WORKER,
        "reason": "The aunt's door is open at night.",
        "recorded_on": days_ago(1),
    }
    return scale_record(actor=actor, case=case, **(values | overrides))


@pytest.mark.parametrize("value", [0, 10])
def test_a_score_is_0_to_10(case, worker, value):
    assert score(case, worker, score=value).score == value


@pytest.mark.parametrize("value", [-1, 11, 100])
def test_a_score_outside_0_to_10_is_refused(case, worker, value):
    with refused(ValidationError):
        score(case, worker, score=value)


def test_the_database_itself_refuses_a_score_above_10(case, worker):
    require_postgresql()
    with transaction.atomic(), pytest.raises(IntegrityError, match="scale_score_0_to_10"):
        ScaleScore.objects.create(
            case=case,
            score=11,
            voice=Voice.WORKER,
            given_by_user=worker,
            reason="Written past the service.",
            recorded_by=worker,
        )
    assert not ScaleScore.objects.exists()


def test_the_worker_voice_is_the_actor_unless_said_otherwise(case, worker, supervisor):
    row = score(case, worker, person=mother(case))
    assert (row.given_by_user, row.person, row.recorded_by) == (worker, None, worker)
    assert row.voice_key == f"user-{worker.pk}"
    on_behalf = score(case, supervisor, given_by_user=worker)
    assert (on_behalf.given_by_user, on_behalf.recorded_by) == (worker, supervisor)
    event = events(row, AuditEvent.Event.CREATE).get()
    assert event.changes == {"score": ["", "6"]}


def test_a_worker_voice_works_on_the_case(case, worker, outsider):
    with refused(match="does not work on this case"):
        score(case, worker, given_by_user=outsider)


def test_a_supervisors_score_is_given_by_a_supervisor(case, worker, supervisor):
    with refused(match="Only a supervisor"):
        score(case, worker, voice=Voice.SUPERVISOR)
    row = score(case, supervisor, voice=Voice.SUPERVISOR)
    assert row.given_by_user == supervisor


def test_a_family_voice_is_a_person_of_the_family(case, worker, team_a):
    with refused(match="member of this family"):
        score(case, worker, voice=Voice.FAMILY)
    other = open_case(team=team_a, worker=worker, family_name="Other Family")
    with refused(match="member of this family"):
        score(case, worker, voice=Voice.FAMILY, person=mother(other))
    row = score(case, worker, voice=Voice.FAMILY, person=mother(case), given_by_user=worker)
    assert (row.person, row.given_by_user) == (mother(case), None)


def test_a_child_voice_is_a_child_of_the_case(case, worker, team_a):
    with refused(match="one of the children the case is about"):
        score(case, worker, voice=Voice.CHILD, person=mother(case))
    other = open_case(team=team_a, worker=worker, family_name="Other Family")
    with refused(match="member of this family"):
        score(case, worker, voice=Voice.CHILD, person=other.children.get())
    child = case.children.get()
    row = score(case, worker, voice=Voice.CHILD, person=child, score=8)
    assert (row.person, row.voice_key) == (child, f"person-{child.pk}")


@pytest.mark.parametrize("voice", [Voice.NETWORK, Voice.PROFESSIONAL])
def test_a_network_or_professional_voice_needs_a_name(case, worker, voice):
    with refused(match="Say who gave the score"):
        score(case, worker, voice=voice, voice_name="  ")
    row = score(case, worker, voice=voice, voice_name=" grandmother next door ")
    assert (row.voice_name, row.given_by_user, row.person) == ("grandmother next door", None, None)


def test_a_score_says_why(case, worker):
    with refused(match="what makes it this number"):
        score(case, worker, reason="   ")


def test_a_score_is_not_given_in_the_future(case, worker):
    with refused(match="in the future"):
        score(case, worker, recorded_on=days_ago(-1))
    assert score(case, worker, recorded_on=None).recorded_on == timezone.localdate()


@pytest.mark.parametrize("login", ["colleague", "outsider", "admin", "partner"])
def test_only_someone_who_may_change_the_case_records_a_score(case, cast, login):
    with refused(PermissionDenied):
        score(case, cast[login], voice=Voice.NETWORK, voice_name="neighbour")


# --- The child's voice ------------------------------------------------------------------------

HOUSES = {
    "worries": "The night of the broken pot.",
    "good_things": "School and the mango tree.",
    "wishes": "Papa never drinks again.",
}


def picture(kind: str = "JPEG", size: tuple[int, int] = (60, 40), **save: Any) -> bytes:
    image = Image.new("RGB", size, (200, 120, 40))
    buffer = io.BytesIO()
    image.save(buffer, format=kind, **save)
    return buffer.getvalue()


def phone_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Model] = "Phone 3000"
    exif[ExifTags.Base.ImageDescription] = "Drawing by Child1 Synthetic Family"
    exif[ExifTags.Base.DateTime] = "2024:05:01 10:00:00"
    return exif


def upload(data: bytes, name: str = "Child1_drawing.jpg", kind: str = "image/jpeg") -> Any:
    return SimpleUploadedFile(name, data, content_type=kind)


def test_the_childs_voice_is_recorded_with_their_age_then(case, worker):
    child = case.children.get()  # born on 1 March 2015
    on_the_eve = child_voice_record(
        actor=worker,
        case=case,
        child_id=child.pk,
        data=HOUSES | {"recorded_on": datetime.date(2023, 2, 28), "helped_by": "the worker"},
    )
    on_the_day = child_voice_record(
        actor=worker,
        case=case,
        child_id=child.pk,
        data=HOUSES | {"recorded_on": datetime.date(2023, 3, 1)},
    )
    assert (on_the_eve.age_at_recording, on_the_day.age_at_recording) == (7, 8)
    on_the_eve.refresh_from_db()
    assert (on_the_eve.author, on_the_eve.child, on_the_eve.worries) == (
        worker,
        child,
        "The night of the broken pot.",
    )
    assert not on_the_eve.drawing
    assert (
        AuditEvent.objects.filter(event=AuditEvent.Event.CREATE, case=case)
        .filter(content_type__model="childvoice")
        .count()
        == 2
    )


def test_the_voice_is_a_child_of_the_case(case, worker, team_a):
    with refused(match="one of the children the case is about"):
        child_voice_record(actor=worker, case=case, child_id=mother(case).pk, data=HOUSES)
    other = open_case(team=team_a, worker=worker, family_name="Other Family")
    with refused(match="one of the children the case is about"):
        child_voice_record(actor=worker, case=case, child_id=other.children.get().pk, data=HOUSES)


def test_the_child_said_something_on_a_day_not_yet_to_come(case, worker):
    child = case.children.get()
    with refused(match="at least one thing the child said"):
        child_voice_record(
            actor=worker, case=case, child_id=child.pk, data={"helped_by": "the worker"}
        )
    with refused(match="in the future"):
        child_voice_record(
            actor=worker, case=case, child_id=child.pk, data=HOUSES | {"recorded_on": days_ago(-1)}
        )
    with refused(match="cannot be changed here: author"):
        child_voice_record(
            actor=worker, case=case, child_id=child.pk, data=HOUSES | {"author": None}
        )
    with refused(ValidationError):
        child_voice_record(
            actor=worker, case=case, child_id=child.pk, data=HOUSES | {"wishes": HUGE}
        )


@pytest.mark.parametrize("login", ["colleague", "outsider", "admin", "partner"])
def test_only_the_cases_workers_record_a_childs_voice(case, cast, login):
    with refused(PermissionDenied):
        child_voice_record(
            actor=cast[login], case=case, child_id=case.children.get().pk, data=HOUSES
        )


def test_a_drawing_is_kept_as_a_png_without_its_metadata(case, worker, media):
    photo = picture("JPEG", exif=phone_exif())
    with Image.open(io.BytesIO(photo)) as original:
        assert original.getexif()[ExifTags.Base.Model] == "Phone 3000"  # the test can fail
    voice = child_voice_record(
        actor=worker,
        case=case,
        child_id=case.children.get().pk,
        data=HOUSES,
        drawing=upload(photo),
    )
    voice.refresh_from_db()
    name = voice.drawing.name
    assert name is not None
    assert name.startswith(f"drawings/case-{case.pk}/")
    assert name.endswith(".png")
    assert "Child1" not in name  # never the uploaded name
    stored = media / name
    assert stored.is_file()
    with Image.open(stored) as kept:
        assert kept.format == "PNG"
        assert kept.size == (60, 40)
        assert dict(kept.getexif()) == {}
        assert "exif" not in kept.info
    assert b"Phone 3000" not in stored.read_bytes()
    assert b"Child1" not in stored.read_bytes()


def test_text_chunks_of_a_png_are_dropped_too(case, worker, media):
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Child1 Synthetic Family")
    info.add_text("Location", "Village 1")
    photo = picture("PNG", pnginfo=info)
    assert b"Child1 Synthetic Family" in photo
    voice = child_voice_record(
        actor=worker,
        case=case,
        child_id=case.children.get().pk,
        data=HOUSES,
        drawing=upload(photo, "drawing.png", "image/png"),
    )
    stored = (media / voice.drawing.name).read_bytes()
    assert b"Child1 Synthetic Family" not in stored
    assert b"Village 1" not in stored
    with Image.open(io.BytesIO(stored)) as kept:
        assert "Author" not in kept.info
        assert "Location" not in kept.info


def test_a_drawing_photographed_sideways_is_stored_upright(case, worker, media):
    exif = phone_exif()
    exif[ExifTags.Base.Orientation] = 6  # rotate 90° clockwise to view
    voice = child_voice_record(
        actor=worker,
        case=case,
        child_id=case.children.get().pk,
        data=HOUSES,
        drawing=upload(picture("JPEG", size=(60, 40), exif=exif)),
    )
    with Image.open(media / voice.drawing.name) as kept:
        assert kept.size == (40, 60)


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"Dear diary, this is not a picture at all.\n" * 20, "drawing.jpg"),
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "drawing.pdf"),
        (picture("GIF"), "drawing.gif"),
        (picture("JPEG")[:200], "cut-short.jpg"),
    ],
    ids=["text", "pdf", "gif", "truncated"],
)
def test_what_is_not_a_photo_is_refused_with_a_clear_message(case, worker, media, data, name):
    with refused(match="Upload a photo: a JPEG, PNG or WebP picture") as info:
        child_voice_record(
            actor=worker,
            case=case,
            child_id=case.children.get().pk,
            data=HOUSES,
            drawing=upload(data, name),
        )
    assert "drawing" in info.value.message_dict
    assert not media.exists() or not any(media.rglob("*.*"))


def test_a_photo_over_the_size_limit_is_refused(case, worker, media, settings):
    settings.DRAWING_MAX_BYTES = 1024 * 1024
    noisy = Image.frombytes("RGB", (700, 700), os.urandom(700 * 700 * 3))
    buffer = io.BytesIO()
    noisy.save(buffer, format="PNG")
    big = buffer.getvalue()
    assert len(big) > settings.DRAWING_MAX_BYTES
    with refused(match="too large: the limit is 1.0"):
        child_voice_record(
            actor=worker,
            case=case,
            child_id=case.children.get().pk,
            data=HOUSES,
            drawing=upload(big, "drawing.png", "image/png"),
        )
    assert not media.exists() or not any(media.rglob("*.*"))
    # The same photo under a larger limit is taken: it was the size that was refused.
    settings.DRAWING_MAX_BYTES = 4 * 1024 * 1024
    voice = child_voice_record(
        actor=worker,
        case=case,
        child_id=case.children.get().pk,
        data=HOUSES,
        drawing=upload(big, "drawing.png", "image/png"),
    )
    assert (media / voice.drawing.name).is_file()


# --- The case plan ---------------------------------------------------------------------------


def test_a_plan_needs_an_assessment(case, worker):
    with refused(match="Start an assessment first"):
        plan_start(actor=worker, case=case)


def test_a_plan_answers_the_latest_assessment(case, worker):
    assessment = written(case, worker)
    plan = plan_start(actor=worker, case=case)
    assert (plan.number, plan.assessment, plan.status, plan.author) == (
        1,
        assessment,
        Approval.DRAFT,
        worker,
    )
    assert events(plan, AuditEvent.Event.CREATE).exists()


def test_one_editable_version_at_a_time(case, worker, supervisor):
    approved(case, worker, supervisor)
    plan = plan_start(actor=worker, case=case)
    with refused(match="Version 1 of the plan is still being written"):
        plan_start(actor=worker, case=case)
    plan = plan_update(
        actor=worker,
        case=case,
        plan=plan,
        expected_version=plan.version,
        family_agreement="",
        goals=goals_for(plan.assessment, "education"),
    )
    plan_submit(actor=worker, case=case, plan=plan, expected_version=plan.version)
    with refused(match="awaits a decision"):
        plan_start(actor=worker, case=case)


@pytest.mark.parametrize("login", ["colleague", "outsider", "admin"])
def test_only_the_cases_workers_plan(case, cast, login):
    written(case, cast["worker"])
    with refused(PermissionDenied):
        plan_start(actor=cast[login], case=case)


def test_a_closed_case_is_not_planned(case, worker):
    written(case, worker)
    case = case_transition(actor=worker, case=case, to=Case.Phase.CLOSED, reason="Moved away.")
    with refused(match="closed"):
        plan_start(actor=worker, case=case)


def test_goals_link_only_to_needs_of_the_plans_assessment(case, worker, team_a):
    assessment = written(case, worker, [need("education"), need("housing")])
    plan = plan_start(actor=worker, case=case)
    other_case = open_case(team=team_a, worker=worker, family_name="Other Family")
    elsewhere = written(other_case, worker)
    foreign = GoalData(text="Not this case's need.", need_ids=[needs_of(elsewhere)["education"]])
    with refused(match="Goal 2 is linked to a need that is not in this plan's assessment"):
        plan_update(
            actor=worker,
            case=case,
            plan=plan,
            expected_version=plan.version,
            family_agreement="Agreed.",
            goals=[*goals_for(assessment, "education"), foreign],
        )
    plan.refresh_from_db()
    assert (plan.version, plan.family_agreement) == (1, "")


@pytest.mark.parametrize(
    ("goal", "message"),
    [
        (GoalData(text="  "), "Goal 1 is empty"),
        (GoalData(text="A goal.", actions=[ActionData("  ", "family")]), "action of goal 1"),
        (GoalData(text="A goal.", actions=[ActionData("Do.", "nobody")]), "nobody"),
        (GoalData(text=HUGE), "at most"),
    ],
    ids=["empty goal", "empty action", "unknown who", "huge goal"],
)
def test_a_goal_and_its_actions_say_something(case, worker, goal, message):
    written(case, worker)
    plan = plan_start(actor=worker, case=case)
    with refused(ValidationError, match=message):
        plan_update(
            actor=worker,
            case=case,
            plan=plan,
            expected_version=plan.version,
            family_agreement="",
            goals=[goal],
        )


def test_a_stale_plan_edit_is_refused(case, worker):
    assessment = written(case, worker, [need("education"), need("housing")])
    plan = plan_written(case, worker, goals_for(assessment, "education"))
    with refused(StaleEdit):
        plan_update(
            actor=worker,
            case=case,
            plan=plan,
            expected_version=plan.version - 1,
            family_agreement="An older form.",
            goals=goals_for(assessment, "housing"),
        )
    assert list(Goal.objects.filter(plan=plan).values_list("text", flat=True)) == [
        "A goal for education."
    ]


def test_a_plan_is_not_submitted_while_an_unmet_need_has_no_goal(case, worker):
    assessment = written(
        case,
        worker,
        [
            need("education"),
            need("housing"),
            need("health", NeedEntry.Met.PARTLY),
            need("nutrition", NeedEntry.Met.MET),
        ],
    )
    plan = plan_start(actor=worker, case=case)
    with refused(match="Add at least one goal"):
        plan_submit(actor=worker, case=case, plan=plan, expected_version=plan.version)
    plan = plan_update(
        actor=worker,
        case=case,
        plan=plan,
        expected_version=plan.version,
        family_agreement="",
        goals=goals_for(assessment, "education"),
    )
    with refused(match="No goal answers these unmet needs yet: Housing\\.") as info:
        plan_submit(actor=worker, case=case, plan=plan, expected_version=plan.version)
    assert "Education" not in str(info.value)
    assert "Health" not in str(info.value)  # partly met needs may wait
    plan.refresh_from_db()
    assert plan.status == Approval.DRAFT
    # One goal may answer both needs.
    ids = needs_of(assessment)
    plan = plan_update(
        actor=worker,
        case=case,
        plan=plan,
        expected_version=plan.version,
        family_agreement="",
        goals=[GoalData(text="Learn and sleep dry.", need_ids=[ids["education"], ids["housing"]])],
    )
    plan = plan_submit(actor=worker, case=case, plan=plan, expected_version=plan.version)
    assert plan.status == Approval.SUBMITTED
    assert plan.submitted_at is not None


def test_a_plan_is_approved_only_on_an_approved_assessment(in_assessment, worker, supervisor):
    case = in_assessment
    assessment = submitted(case, worker)
    plan = plan_submitted(case, worker, goals_for(assessment, "education"))
    with refused(match="Approve the assessment this plan answers first"):
        plan_decide(
            actor=supervisor, case=case, plan=plan, expected_version=plan.version, approve=True
        )
    case.refresh_from_db()
    assert case.phase == Case.Phase.ASSESSMENT
    plan.refresh_from_db()
    assert plan.status == Approval.SUBMITTED


@pytest.mark.parametrize("login", ["worker", "colleague", "chair", "admin"])
def test_only_a_supervisor_of_the_team_decides_on_a_plan(in_assessment, cast, login):
    case = in_assessment
    assessment = approved(case, cast["worker"], cast["supervisor"])
    plan = plan_submitted(case, cast["worker"], goals_for(assessment, "education"))
    with refused(PermissionDenied):
        plan_decide(
            actor=cast[login], case=case, plan=plan, expected_version=plan.version, approve=True
        )
    case.refresh_from_db()
    assert case.phase == Case.Phase.ASSESSMENT


def test_a_supervisor_never_approves_their_own_plan(in_assessment, worker, supervisor):
    case = in_assessment
    assessment = approved(case, worker, supervisor)
    plan = plan_submitted(case, supervisor, goals_for(assessment, "education"))
    with refused(match="another supervisor must decide"):
        plan_decide(
            actor=supervisor, case=case, plan=plan, expected_version=plan.version, approve=True
        )


def test_approval_moves_a_case_in_assessment_on_to_intervention(in_assessment, worker, supervisor):
    case = in_assessment
    assessment = approved(case, worker, supervisor)
    plan = plan_approved(case, worker, supervisor, goals_for(assessment, "education"))
    assert (plan.status, plan.decided_at is not None) == (Approval.APPROVED, True)
    case.refresh_from_db()
    assert case.phase == Case.Phase.INTERVENTION
    move = AuditEvent.objects.get(case=case, event=AuditEvent.Event.TRANSITION, actor=supervisor)
    assert move.changes == {"phase": ["assessment", "intervention"]}
    assert "version 1" in move.reason
    assert Decision.objects.get(plan=plan).outcome == "approved"


def test_approval_leaves_a_case_further_on_where_it_is(in_assessment, worker, supervisor):
    case = in_assessment
    assessment = approved(case, worker, supervisor)
    plan_approved(case, worker, supervisor, goals_for(assessment, "education"))
    case = case_transition(actor=worker, case=case, to=Case.Phase.FOLLOW_UP, reason="Going well.")
    next_version = plan_start(actor=worker, case=case)
    next_version = plan_submit(
        actor=worker, case=case, plan=next_version, expected_version=next_version.version
    )
    plan_decide(
        actor=supervisor,
        case=case,
        plan=next_version,
        expected_version=next_version.version,
        approve=True,
    )
    case.refresh_from_db()
    assert case.phase == Case.Phase.FOLLOW_UP
    assert AuditEvent.objects.filter(case=case, event=AuditEvent.Event.TRANSITION).count() == 3


def test_a_plan_returned_says_what_to_change(in_assessment, worker, supervisor):
    case = in_assessment
    assessment = approved(case, worker, supervisor)
    plan = plan_submitted(case, worker, goals_for(assessment, "education"))
    with refused(match="Say what needs to change"):
        plan_decide(
            actor=supervisor, case=case, plan=plan, expected_version=plan.version, approve=False
        )
    plan = plan_decide(
        actor=supervisor,
        case=case,
        plan=plan,
        expected_version=plan.version,
        approve=False,
        comment="Who in the family does what?",
    )
    assert plan.status == Approval.RETURNED
    case.refresh_from_db()
    assert case.phase == Case.Phase.ASSESSMENT
    plan = plan_update(
        actor=worker,
        case=case,
        plan=plan,
        expected_version=plan.version,
        family_agreement="The mother walks them to school.",
        goals=goals_for(assessment, "education"),
    )
    assert plan.status == Approval.DRAFT
    plan = plan_submit(actor=worker, case=case, plan=plan, expected_version=plan.version)
    plan = plan_decide(
        actor=supervisor, case=case, plan=plan, expected_version=plan.version, approve=True
    )
    assert list(plan.decisions.order_by("pk").values_list("outcome", "comment")) == [
        ("returned", "Who in the family does what?"),
        ("approved", ""),
    ]


def test_an_approved_plan_is_never_edited(in_assessment, worker, supervisor):
    case = in_assessment
    assessment = approved(case, worker, supervisor)
    plan = plan_approved(case, worker, supervisor, goals_for(assessment, "education"))
    with refused(match="Start a new version to change it"):
        plan_update(
            actor=worker,
            case=case,
            plan=plan,
            expected_version=plan.version,
            family_agreement="Quietly rewritten.",
            goals=[],
        )
    with refused(match="Only a draft or a returned plan"):
        plan_submit(actor=worker, case=case, plan=plan, expected_version=plan.version)
    assert Goal.objects.filter(plan=plan).count() == 1


def test_the_next_version_carries_the_goals_over_relinked(in_assessment, worker, supervisor):
    case = in_assessment
    first_assessment = approved(case, worker, supervisor, [need("education"), need("housing")])
    goals = goals_for(first_assessment, "education", "housing")
    v1 = plan_approved(case, worker, supervisor, goals)
    done = Action.objects.get(goal__plan=v1, what="Something for education.")
    action_progress(
        actor=worker,
        case=case,
        action=done,
        expected_version=done.version,
        status=Action.Status.DONE,
        outcome="Back at school.",
    )
    # A re-assessment: housing is now met, income is new.
    second_assessment = approved(
        case,
        worker,
        supervisor,
        [need("education", NeedEntry.Met.PARTLY), need("housing", NeedEntry.Met.MET)],
    )
    v2 = plan_start(actor=worker, case=case)
    assert (v2.number, v2.assessment, v2.family_agreement) == (
        2,
        second_assessment,
        "Agreed with the mother at home.",
    )
    new_needs = needs_of(second_assessment)
    copied = {g.text: g for g in v2.goals.prefetch_related("needs", "actions")}
    assert set(copied) == {"A goal for education.", "A goal for housing."}
    assert [n.pk for n in copied["A goal for education."].needs.all()] == [new_needs["education"]]
    assert [n.pk for n in copied["A goal for housing."].needs.all()] == [new_needs["housing"]]
    carried = copied["A goal for education."].actions.get()
    assert (carried.status, carried.outcome) == ("done", "Back at school.")
    assert carried.pk != done.pk
    # The approved version is untouched until the new one is approved, then superseded.
    v1.refresh_from_db()
    assert v1.status == Approval.APPROVED
    assert Goal.objects.filter(plan=v1).count() == 2
    v2 = plan_submit(actor=worker, case=case, plan=v2, expected_version=v2.version)
    v2 = plan_decide(
        actor=supervisor, case=case, plan=v2, expected_version=v2.version, approve=True
    )
    v1.refresh_from_db()
    assert (v1.status, v2.status) == (Approval.SUPERSEDED, Approval.APPROVED)
    assert CasePlan.objects.filter(case=case, status=Approval.APPROVED).get() == v2
    assert set(NeedEntry.objects.filter(goals__plan=v1).values_list("assessment", flat=True)) == {
        first_assessment.pk
    }


# --- Ticking off actions --------------------------------------------------------------------------


@pytest.fixture
def plan_in_force(in_assessment, worker, supervisor) -> CasePlan:
    assessment = approved(in_assessment, worker, supervisor)
    return plan_approved(in_assessment, worker, supervisor, goals_for(assessment, "education"))


def test_an_action_of_the_plan_in_force_is_ticked_off(plan_in_force, worker):
    case = plan_in_force.case
    action = Action.objects.get(goal__plan=plan_in_force)
    ticked = action_progress(
        actor=worker,
        case=case,
        action=action,
        expected_version=action.version,
        status=Action.Status.DOING,
        outcome="Talked with the teacher.",
    )
    assert (ticked.status, ticked.outcome, ticked.version) == (
        "doing",
        "Talked with the teacher.",
        2,
    )
    event = events(action, AuditEvent.Event.CHANGE).get()
    assert event.changes["status"] == ["todo", "doing"]
    plan_in_force.refresh_from_db()
    assert plan_in_force.status == Approval.APPROVED  # progress is not a new version


def test_a_stale_tick_is_refused(plan_in_force, worker, supervisor):
    case = plan_in_force.case
    action = Action.objects.get(goal__plan=plan_in_force)
    action_progress(
        actor=supervisor,
        case=case,
        action=action,
        expected_version=1,
        status=Action.Status.DONE,
        outcome="Done.",
    )
    with refused(StaleEdit):
        action_progress(
            actor=worker,
            case=case,
            action=action,
            expected_version=1,
            status=Action.Status.DROPPED,
            outcome="An older form.",
        )
    action.refresh_from_db()
    assert (action.status, action.outcome) == ("done", "Done.")


def test_a_tick_on_a_replaced_version_is_refused(plan_in_force, worker, supervisor):
    case = plan_in_force.case
    old_action = Action.objects.get(goal__plan=plan_in_force)
    v2 = plan_start(actor=worker, case=case)
    v2 = plan_submit(actor=worker, case=case, plan=v2, expected_version=v2.version)
    plan_decide(actor=supervisor, case=case, plan=v2, expected_version=v2.version, approve=True)
    with refused(match="replaced; update the newer one"):
        action_progress(
            actor=worker,
            case=case,
            action=old_action,
            expected_version=old_action.version,
            status=Action.Status.DONE,
            outcome="Too late.",
        )


def test_a_tick_stays_on_its_own_case_and_in_the_list(plan_in_force, cast, team_a):
    case = plan_in_force.case
    action = Action.objects.get(goal__plan=plan_in_force)
    other = open_case(team=team_a, worker=cast["worker"], family_name="Other Family")
    with refused(PermissionDenied):
        action_progress(
            actor=cast["worker"],
            case=other,
            action=action,
            expected_version=action.version,
            status=Action.Status.DONE,
            outcome="Through another door.",
        )
    with refused(PermissionDenied):
        action_progress(
            actor=cast["colleague"],
            case=case,
            action=action,
            expected_version=action.version,
            status=Action.Status.DONE,
            outcome="Not my case.",
        )
    with refused(ValidationError):
        action_progress(
            actor=cast["worker"],
            case=case,
            action=action,
            expected_version=action.version,
            status="finished-ish",
            outcome="",
        )


def test_a_domain_out_of_use_stays_only_where_it_already_is(case, worker, team_a):
    assessment = written(case, worker, [need("housing")])
    NeedDomain.objects.filter(code="housing").update(is_active=False)
    kept = assessment_update(
        actor=worker,
        case=case,
        assessment=assessment,
        expected_version=assessment.version,
        data={},
        needs=[need("housing", NeedEntry.Met.PARTLY)],
    )
    assert NeedEntry.objects.get(assessment=kept).met == NeedEntry.Met.PARTLY
    other = open_case(team=team_a, worker=worker, family_name="Other Family")
    fresh = assessment_start(actor=worker, case=other)
    with refused(match="Choose a domain from the list"):
        assessment_update(
            actor=worker,
            case=other,
            assessment=fresh,
            expected_version=fresh.version,
            data={},
            needs=[need("housing")],
        )
