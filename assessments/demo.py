"""The demo's assessments, mappings, scale scores, children's voices and plans.

For each demo case, what a real caseload would show at its phase (the stories are in
`demo_data`), written through the services exactly as a worker and their supervisor would:
the case's worker writes, the supervisor of the case's team decides. Running it twice adds
nothing: a case that already has any of these records is left alone.

The demo never moves a case. casework's demo has set every phase already: a plan is approved
only for a case already past assessment and planning (where approval moves nothing), and a
case whose phase is not the one its story was written for is skipped. A closed case's
assessment and plan are started as the case stood before it closed (see `case_as_it_stood`),
never by re-opening it, so its history stays the one casework's demo wrote.
"""

from __future__ import annotations

import datetime

from django.db.models import Exists, OuterRef
from django.utils import timezone

from casework.demo import DEMO_LOGINS
from casework.models import Case, Organisation, Person, User

from .demo_data import (
    DEMO_CASEWORK,
    DemoAssessment,
    DemoCaseWork,
    DemoChildVoice,
    DemoMapping,
    DemoPlan,
    DemoScore,
)
from .models import (
    Action,
    Approval,
    Assessment,
    CasePlan,
    ChildVoice,
    Mapping,
    NeedDomain,
    NeedEntry,
    ScaleScore,
    Voice,
)
from .services import (
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
    plan_decide,
    plan_start,
    plan_submit,
    plan_update,
    scale_record,
)

# A plan may be approved only where approving it cannot move the case on to intervention.
PLAN_APPROVAL_PHASES = (Case.Phase.INTERVENTION, Case.Phase.FOLLOW_UP, Case.Phase.CLOSED)


class _Writer:
    """Writes one case's story through the services."""

    def __init__(
        self,
        spec: DemoCaseWork,
        case: Case,
        users: dict[str, User],
        domains: dict[str, int],
        today: datetime.date,
    ) -> None:
        self.spec = spec
        self.case = case
        self.today = today
        self.author = users[spec.author] if spec.author else case.worker
        decider = next(
            login.username
            for login in DEMO_LOGINS
            if login.role == User.Role.SUPERVISOR and login.team == case.team.name
        )
        self.decider = users[decider]
        self.users = users
        self.people = {p.given_name_latin: p for p in case.family.people.all()}
        self.domains = domains

    def day(self, days_ago: int) -> datetime.date:
        return self.today - datetime.timedelta(days=days_ago)

    def case_as_it_stood(self) -> Case:
        """The case as it stood when its records were written.

        A closed case's assessment and plan were written before it closed; the services refuse
        to start new ones on a closed case, so they are started on a copy of the case showing
        the phase it was in then. The copy is never saved: the stored case stays closed.
        """
        if self.spec.worked_in is None or self.case.phase != Case.Phase.CLOSED:
            return self.case
        then = Case.objects.get(pk=self.case.pk)
        then.phase = self.spec.worked_in
        return then

    def write(self) -> None:
        spec = self.spec
        for mapping in spec.mappings:
            self.mapping(mapping)
        for score in spec.scores:
            self.score(score)
        for voice in spec.voices:
            self.child_voice(voice)
        if spec.assessment is not None:
            self.assessment(spec.assessment)
            for plan in spec.plans:
                self.plan(plan)

    # --- The pieces ---------------------------------------------------------------------------

    def mapping(self, spec: DemoMapping) -> None:
        mapping_record(
            actor=self.author,
            case=self.case,
            held_on=self.day(spec.days_ago),
            participants=spec.participants,
            entries=[
                EntryData(e.column, e.kind, e.text, e.voice, e.voice_name) for e in spec.entries
            ],
        )

    def score(self, spec: DemoScore) -> None:
        person: Person | None = None
        given_by: User | None = None
        voice_name = ""
        actor = self.author
        if spec.voice in (Voice.FAMILY, Voice.CHILD):
            person = self.people[spec.who]
        elif spec.voice in (Voice.WORKER, Voice.SUPERVISOR):
            given_by = self.users[spec.who]
            if spec.voice == Voice.SUPERVISOR:
                actor = given_by  # the supervisor records their own answer
        else:
            voice_name = spec.who
        scale_record(
            actor=actor,
            case=self.case,
            score=spec.score,
            voice=spec.voice,
            reason=spec.reason,
            recorded_on=self.day(spec.days_ago),
            person=person,
            given_by_user=given_by,
            voice_name=voice_name,
        )

    def child_voice(self, spec: DemoChildVoice) -> None:
        child_voice_record(
            actor=self.author,
            case=self.case,
            child_id=self.people[spec.child].pk,
            data={
                "recorded_on": self.day(spec.days_ago),
                "worries": spec.worries,
                "good_things": spec.good_things,
                "wishes": spec.wishes,
                "safe_means": spec.safe_means,
                "safety_network": spec.safety_network,
                "helped_by": spec.helped_by,
            },
        )

    def assessment(self, spec: DemoAssessment) -> Assessment:
        case = self.case
        assessment = assessment_start(
            actor=self.author,
            case=self.case_as_it_stood(),
            data={
                "participants": spec.participants,
                "family_views": spec.family_views,
                "summary": spec.summary,
            },
        )
        assessment = assessment_update(
            actor=self.author,
            case=case,
            assessment=assessment,
            expected_version=assessment.version,
            data={},
            needs=[
                NeedData(
                    domain_id=self.domains[need.domain],
                    need=need.need,
                    met=need.met,
                    strengths=need.strengths,
                    analysis=need.analysis,
                    risks=[RiskData(description=text, kind=kind) for kind, text in need.risks],
                )
                for need in spec.needs
            ],
        )
        if spec.status == Approval.DRAFT:
            return assessment
        assessment = assessment_submit(
            actor=self.author,
            case=case,
            assessment=assessment,
            expected_version=assessment.version,
        )
        if spec.status in (Approval.APPROVED, Approval.RETURNED):
            assessment = assessment_decide(
                actor=self.decider,
                case=case,
                assessment=assessment,
                expected_version=assessment.version,
                approve=spec.status == Approval.APPROVED,
                comment=spec.comment,
            )
        return assessment

    def plan(self, spec: DemoPlan) -> None:
        case = self.case
        plan = plan_start(actor=self.author, case=self.case_as_it_stood())
        needs = dict(
            NeedEntry.objects.filter(assessment=plan.assessment).values_list("domain__code", "pk")
        )
        plan = plan_update(
            actor=self.author,
            case=case,
            plan=plan,
            expected_version=plan.version,
            family_agreement=spec.family_agreement,
            goals=[
                GoalData(
                    text=goal.text,
                    need_ids=[needs[code] for code in goal.needs],
                    actions=[
                        ActionData(
                            what=action.what,
                            who=action.who,
                            who_name=action.who_name,
                            due_on=(
                                self.today + datetime.timedelta(days=action.due_in_days)
                                if action.due_in_days is not None
                                else None
                            ),
                        )
                        for action in goal.actions
                    ],
                )
                for goal in spec.goals
            ],
        )
        if spec.status == Approval.DRAFT:
            return
        plan = plan_submit(actor=self.author, case=case, plan=plan, expected_version=plan.version)
        if spec.status != Approval.APPROVED or case.phase not in PLAN_APPROVAL_PHASES:
            return
        plan = plan_decide(
            actor=self.decider,
            case=case,
            plan=plan,
            expected_version=plan.version,
            approve=True,
            comment=spec.comment,
        )
        # Ticked off on the visits since: what is under way, done or dropped.
        written = Action.objects.filter(goal__plan=plan).order_by("goal__pk", "pk")
        wanted = [action for goal in spec.goals for action in goal.actions]
        for action, action_spec in zip(written, wanted, strict=True):
            if action_spec.status != Action.Status.TODO:
                action_progress(
                    actor=self.author,
                    case=case,
                    action=action,
                    expected_version=action.version,
                    status=action_spec.status,
                    outcome=action_spec.outcome,
                )


def _without_records(cases: list[Case]) -> set[int]:
    """The cases that have none of the records this demo writes."""
    case = OuterRef("pk")
    return set(
        Case.objects.filter(pk__in=[c.pk for c in cases])
        .filter(
            ~Exists(Assessment.objects.filter(case=case)),
            ~Exists(Mapping.objects.filter(case=case)),
            ~Exists(ScaleScore.objects.filter(case=case)),
            ~Exists(ChildVoice.objects.filter(case=case)),
            ~Exists(CasePlan.objects.filter(case=case)),
        )
        .values_list("pk", flat=True)
    )


def demo_assessments_load(
    organisation: Organisation, users: dict[str, User], cases: list[Case]
) -> None:
    """Write each demo case's assessment and planning records, once."""
    wanted = {
        need.domain
        for spec in DEMO_CASEWORK
        if spec.assessment is not None
        for need in spec.assessment.needs
    }
    domains = dict(
        NeedDomain.objects.filter(code__in=wanted, is_active=True).values_list("code", "pk")
    )
    if set(domains) != wanted:
        # The need domains every installation starts with are gone or out of use (a test
        # database emptied after its migrations ran, say): no half-told stories.
        return
    by_family = {spec.family_name: spec for spec in DEMO_CASEWORK}
    untouched = _without_records(cases)
    today = timezone.localdate()
    for case in cases:
        spec = by_family.get(case.family.family_name)
        if spec is None or case.pk not in untouched:
            continue
        if case.phase not in (spec.phase, spec.worked_in):
            # The story was written for another phase. (A case whose story ends closed may
            # still be open here: closing after work began is the reviews demo's part.)
            continue
        _Writer(spec, case, users, domains, today).write()
