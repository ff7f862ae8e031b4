"""Reviews through their services: independent chairs and their temporary grant, recording and
signing off, closure, and families that come back.

What a chair, a worker and a supervisor would notice: the chair is never someone doing the
day-to-day work (each refusal says why), sees the case only while the review is open; only the
chair records and signs, and a signed review is final; a case closes only on a review's decision
and a good enough scale, or a supervisor's written override; a family back within a year with
the same worry is flagged to the supervisors as the revolving door.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from assessments.models import ScaleScore, Voice
from assessments.services import scale_record
from casework.access import case_permissions, cases_visible_to
from casework.models import AuditEvent, Case, ConcernCategory, Person, Team, User
from casework.services import (
    CaseData,
    StaleEdit,
    case_concerns_set,
    case_open,
    case_transition,
)
from casework.tests.factories import OrganisationFactory, UserFactory, open_case
from reviews.models import Closure, Notification, Participant, ReturnFlag, Review
from reviews.services import (
    ClosureData,
    ParticipantData,
    ReviewRecord,
    RuleProgressData,
    ScoreData,
    case_close,
    chair_problem,
    closure_problems,
    eligible_chairs,
    open_review,
    review_addendum_add,
    review_assign_chair,
    review_record,
    review_sign,
    sign_off_problems,
)
from safetyplans.services import RuleData
from tests.test_safetyplan_services import agree, approve_case_plan, drafted, mother

# --- Builders shared by the review tests ---------------------------------------------------------


def today() -> datetime.date:
    return timezone.localdate()


def days(n: int) -> datetime.date:
    return today() + datetime.timedelta(days=n)


def in_intervention(
    team: Team,
    worker: User,
    supervisor: User,
    *,
    risk_level: str = "high",
    children: int = 1,
    covering_worker: User | None = None,
    family_name: str = "Review Family",
) -> Case:
    """A case opened, assessed and planned through the services: in intervention."""
    case = open_case(
        team=team,
        worker=worker,
        risk_level=risk_level,
        children=children,
        covering_worker=covering_worker,
        family_name=family_name,
    )
    approve_case_plan(case, worker, supervisor)
    case.refresh_from_db()
    assert case.phase == Case.Phase.INTERVENTION
    return case


def full_record(case: Case, **overrides: Any) -> ReviewRecord:
    """Everything a review needs before it can be signed off."""
    data: dict[str, Any] = {
        "held_on": today(),
        "place": "The family's home",
        "child_views": "I like it when gran comes.",
        "family_views": "Things are calmer.",
        "decision": Review.Decision.CONTINUE,
        "decision_reasons": "The rules are kept.",
        "participants": [
            *(
                ParticipantData(
                    kind=Participant.Kind.CHILD,
                    person=child,
                    gathered=Participant.Gathered.SEPARATELY,
                )
                for child in case.children.all()
            ),
            ParticipantData(kind=Participant.Kind.FAMILY, person=mother(case)),
        ],
        "scores": [
            ScoreData(Voice.WORKER, 8, "The rules are kept.", given_by_user=case.worker),
        ],
    }
    return ReviewRecord(**(data | overrides))


def chaired(case: Case, supervisor: User, chair: User) -> Review:
    review = open_review(case)
    assert review is not None
    return review_assign_chair(actor=supervisor, case=case, review=review, chair=chair)


def record(case: Case, review: Review, chair: User, **overrides: Any) -> Review:
    return review_record(
        actor=chair,
        case=case,
        review=review,
        data=full_record(case, **overrides),
        expected_version=review.version,
    )


def hold(case: Case, supervisor: User, chair: User, **overrides: Any) -> Review:
    """The open review gets its chair, is recorded in full and signed off."""
    review = record(case, chaired(case, supervisor, chair), chair, **overrides)
    return review_sign(actor=chair, case=case, review=review, expected_version=review.version)


def events(obj: Any, event: str) -> Any:
    return AuditEvent.objects.filter(
        event=event, content_type__model=obj._meta.model_name, object_pk=str(obj.pk)
    )


def concerns() -> tuple[ConcernCategory, ConcernCategory]:
    first, second = ConcernCategory.objects.order_by("order", "pk")[:2]
    return first, second


@pytest.fixture
def high(team_a, cast) -> Case:
    """A high-risk case of team A in intervention, its first review scheduled automatically."""
    return in_intervention(team_a, cast["worker"], cast["supervisor"])


# --- Chairs ------------------------------------------------------------------------------------


def test_the_workers_and_the_team_cannot_chair(team_a, cast, outsider):
    case = in_intervention(team_a, cast["worker"], cast["supervisor"], covering_worker=outsider)
    assert chair_problem(case, cast["worker"]) == (
        "The chair cannot be the case's allocated or covering worker."
    )
    assert chair_problem(case, outsider) == (
        "The chair cannot be the case's allocated or covering worker."
    )
    for login in ("colleague", "supervisor"):
        assert chair_problem(case, cast[login]) == (
            "The chair cannot be a member of the case's team: choose someone independent."
        )


def test_partners_and_other_organisations_cannot_chair(high, cast):
    stranger = UserFactory.create(
        username="stranger",
        organisation=OrganisationFactory.create(name="Elsewhere"),
        role=User.Role.SUPERVISOR,
    )
    for user in (cast["partner"], stranger, cast["admin"]):
        assert chair_problem(high, user) == (
            "The chair must be a social worker or supervisor of this organisation."
        )
    assert chair_problem(high, cast["chair"]) is None


def test_the_chair_list_offers_exactly_whom_the_service_accepts(team_a, cast, outsider):
    case = in_intervention(team_a, cast["worker"], cast["supervisor"], covering_worker=outsider)
    offered = set(eligible_chairs(case))
    everyone = User.objects.exclude(username="AnonymousUser")
    assert offered == {user for user in everyone if chair_problem(case, user) is None}
    assert cast["chair"] in offered


@pytest.mark.parametrize("login", ["worker", "colleague", "supervisor", "partner"])
def test_assigning_a_chair_who_is_not_independent_is_refused(high, cast, login):
    review = open_review(high)
    assert review is not None
    with pytest.raises(ValidationError) as info:
        review_assign_chair(actor=cast["supervisor"], case=high, review=review, chair=cast[login])
    assert "chair" in info.value.message_dict
    review.refresh_from_db()
    assert review.chair is None
    assert not Notification.objects.filter(kind=Notification.Kind.CHAIR).exists()


@pytest.mark.parametrize("login", ["worker", "colleague", "chair", "admin"])
def test_only_a_team_supervisor_assigns_the_chair(high, cast, login):
    review = open_review(high)
    assert review is not None
    with pytest.raises(PermissionDenied):
        review_assign_chair(actor=cast[login], case=high, review=review, chair=cast["chair"])


def test_the_chair_sees_the_case_only_while_the_review_is_open(high, cast, team_b):
    chair = cast["chair"]
    assert case_permissions(chair, high) == frozenset()
    assert not cases_visible_to(chair).filter(pk=high.pk).exists()

    review = chaired(high, cast["supervisor"], chair)
    assert case_permissions(chair, high) == {"view"}
    assert cases_visible_to(chair).filter(pk=high.pk).exists()
    assert not cases_visible_to(chair, perm="change").filter(pk=high.pk).exists()
    assert Notification.objects.filter(user=chair, kind="chair", review=review).count() == 1

    # Another independent chair takes over: the grant moves with the review.
    other = UserFactory.create(username="other-chair", organisation=team_b.organisation)
    team_b.members.add(other)
    review = review_assign_chair(actor=cast["supervisor"], case=high, review=review, chair=other)
    assert case_permissions(chair, high) == frozenset()
    assert case_permissions(other, high) == {"view"}

    review = record(high, review, other)
    review_sign(actor=other, case=high, review=review, expected_version=review.version)
    assert case_permissions(other, high) == frozenset()
    assert not cases_visible_to(other).filter(pk=high.pk).exists()


def test_closing_the_case_cancels_the_open_review_and_its_grant(high, cast):
    review = chaired(high, cast["supervisor"], cast["chair"])
    case_close(
        actor=cast["supervisor"],
        case=high,
        data=ClosureData(
            outcome="The family moved away.",
            follow_up_on=days(30),
            override_reason="Moved to another province; handed over.",
        ),
    )
    review.refresh_from_db()
    assert review.status == Review.Status.CANCELLED
    assert review.cancelled_reason
    assert open_review(high) is None
    assert case_permissions(cast["chair"], high) == frozenset()


# --- Recording and signing off -------------------------------------------------------------------


@pytest.mark.parametrize("login", ["worker", "supervisor", "colleague"])
def test_only_the_chair_records_and_signs(high, cast, login):
    review = chaired(high, cast["supervisor"], cast["chair"])
    with pytest.raises(PermissionDenied):
        review_record(actor=cast[login], case=high, review=review, data=full_record(high))
    review = record(high, review, cast["chair"])
    with pytest.raises(PermissionDenied):
        review_sign(actor=cast[login], case=high, review=review)
    review.refresh_from_db()
    assert review.status == Review.Status.SCHEDULED


def test_a_review_without_a_chair_cannot_be_recorded(high, cast):
    review = open_review(high)
    assert review is not None
    with pytest.raises(PermissionDenied):
        review_record(actor=cast["chair"], case=high, review=review, data=full_record(high))


def test_a_stale_version_is_refused(high, cast):
    chair = cast["chair"]
    review = chaired(high, cast["supervisor"], chair)
    record(high, review, chair)
    with pytest.raises(StaleEdit):
        review_record(
            actor=chair,
            case=high,
            review=review,
            data=full_record(high, place="Elsewhere"),
            expected_version=review.version,
        )
    with pytest.raises(StaleEdit):
        review_sign(actor=chair, case=high, review=review, expected_version=review.version)
    assert Review.objects.get(pk=review.pk).place == "The family's home"


def test_sign_off_lists_everything_missing(team_a, cast):
    case = in_intervention(team_a, cast["worker"], cast["supervisor"], children=2)
    chair = cast["chair"]
    review = chaired(case, cast["supervisor"], chair)
    problems = sign_off_problems(case, review)
    first, second = case.children.order_by("pk")
    assert problems == [
        "Give the date the review was held.",
        f"Say how the views of each child were gathered: {first}, {second}.",
        "Write down the children's views, in their words.",
        "Write down the family's views, in their words.",
        "Record at least one safety scale score.",
        "Choose a decision.",
        "Give the reasons for the decision.",
    ]
    with pytest.raises(ValidationError) as info:
        review_sign(actor=chair, case=case, review=review)
    assert info.value.messages == problems

    # One child's views gathered through a trusted adult; the other's still missing.
    review = record(
        case,
        review,
        chair,
        participants=[
            ParticipantData(
                kind=Participant.Kind.CHILD,
                person=first,
                gathered=Participant.Gathered.TRUSTED_ADULT,
            )
        ],
    )
    assert sign_off_problems(case, review) == [
        f"Say how the views of each child were gathered: {second}."
    ]
    review = record(case, review, chair)
    assert sign_off_problems(case, review) == []


def test_a_record_is_checked_against_the_case(high, team_a, cast):
    elsewhere = in_intervention(team_a, cast["worker"], cast["supervisor"], family_name="Other")
    chair = cast["chair"]
    review = chaired(high, cast["supervisor"], chair)
    other_child = elsewhere.children.get()
    with pytest.raises(ValidationError) as info:
        review_record(
            actor=chair,
            case=high,
            review=review,
            data=full_record(
                high,
                held_on=days(1),
                decision="maybe",
                participants=[ParticipantData(kind=Participant.Kind.CHILD, person=other_child)],
                scores=[ScoreData(Voice.WORKER, 8, "  ")],
            ),
        )
    assert set(info.value.message_dict) == {"held_on", "decision", "participant-0", "score-0"}
    assert Review.objects.get(pk=review.pk).version == review.version


def test_a_signed_review_is_final_and_its_scores_join_the_line(high, cast):
    chair, worker = cast["chair"], cast["worker"]
    gran_rule = agree(
        high,
        worker,
        drafted(
            high, worker, [RuleData("Gran's door is open.", responsible_person_id=mother(high).pk)]
        ),
    ).rules.get()
    held = days(-2)
    review = record(
        high,
        chaired(high, cast["supervisor"], chair),
        chair,
        held_on=held,
        rules=[RuleProgressData(gran_rule, "kept", "Gran says so.")],
        scores=[
            ScoreData(Voice.WORKER, 8, "The rules are kept.", given_by_user=worker),
            ScoreData(Voice.CHILD, 9, "I feel safe.", person=high.children.get()),
        ],
    )
    signed = review_sign(actor=chair, case=high, review=review, expected_version=review.version)
    assert signed.status == Review.Status.SIGNED
    assert signed.signed_by == chair
    assert signed.signed_at is not None
    assert events(signed, AuditEvent.Event.SIGN).count() == 1
    assert signed.rule_progress.get().kept == "kept"
    line = ScaleScore.objects.filter(case=high).order_by("pk")
    assert [(s.voice, s.score, s.recorded_on) for s in line] == [
        (Voice.WORKER, 8, held),
        (Voice.CHILD, 9, held),
    ]
    assert line[0].given_by_user == worker

    with pytest.raises(ValidationError, match="final"):
        review_record(actor=chair, case=high, review=signed, data=full_record(high))
    with pytest.raises(ValidationError, match="already signed"):
        review_sign(actor=chair, case=high, review=signed)
    assert Review.objects.get(pk=signed.pk).version == signed.version

    note = review_addendum_add(actor=chair, case=high, review=signed, text="Gran was ill.")
    assert note.author == chair
    assert review_addendum_add(actor=worker, case=high, review=signed, text="Also.").pk
    with pytest.raises(PermissionDenied):
        review_addendum_add(actor=cast["outsider"], case=high, review=signed, text="No.")
    assert events(signed, AuditEvent.Event.ADDENDUM).count() == 2


def test_an_addendum_is_only_for_a_signed_review(high, cast):
    review = chaired(high, cast["supervisor"], cast["chair"])
    with pytest.raises(ValidationError, match="change the review itself"):
        review_addendum_add(actor=cast["chair"], case=high, review=review, text="Early.")


def test_deciding_to_close_schedules_no_next_review(high, cast):
    signed = hold(high, cast["supervisor"], cast["chair"], decision=Review.Decision.CLOSE)
    assert signed.decision == Review.Decision.CLOSE
    assert open_review(high) is None
    assert Review.objects.filter(case=high).count() == 1


# --- Closure -----------------------------------------------------------------------------------


def closure(**overrides: Any) -> ClosureData:
    data: dict[str, Any] = {
        "outcome": "The children are safe with the grandmother nearby.",
        "follow_up_on": days(90),
        "risk_reduced": True,
        "in_school": True,
        "health_care": True,
    }
    return ClosureData(**(data | overrides))


def worker_score(case: Case, worker: User, score: int) -> ScaleScore:
    return scale_record(actor=worker, case=case, score=score, voice=Voice.WORKER, reason="Seen.")


def test_closing_needs_a_close_decision(high, cast):
    hold(high, cast["supervisor"], cast["chair"])
    with pytest.raises(ValidationError) as info:
        case_close(actor=cast["worker"], case=high, data=closure())
    assert "The last signed review did not decide to close the case." in info.value.messages
    high.refresh_from_db()
    assert high.phase == Case.Phase.INTERVENTION
    assert not Closure.objects.exists()


def test_closing_needs_the_workers_scale_at_the_threshold(high, cast):
    hold(
        high,
        cast["supervisor"],
        cast["chair"],
        decision=Review.Decision.CLOSE,
        scores=[ScoreData(Voice.WORKER, 6, "Nearly there.", given_by_user=cast["worker"])],
    )
    assert closure_problems(high) == ["The worker's latest safety scale score is below 7."]
    with pytest.raises(ValidationError) as info:
        case_close(actor=cast["worker"], case=high, data=closure())
    assert "Only a supervisor of the team can close it anyway, with a reason." in (
        info.value.messages
    )
    worker_score(high, cast["worker"], 7)
    assert closure_problems(high) == []


def test_a_supervisor_overrides_only_with_a_reason(high, cast):
    supervisor = cast["supervisor"]
    with pytest.raises(ValidationError) as info:
        case_close(actor=supervisor, case=high, data=closure())
    assert "override_reason" in info.value.message_dict
    closed = case_close(
        actor=supervisor, case=high, data=closure(override_reason="The family moved abroad.")
    )
    assert closed.override_reason == "The family moved abroad."
    assert closed.review is None
    override = events(closed, AuditEvent.Event.OVERRIDE).get()
    assert override.actor == supervisor
    high.refresh_from_db()
    assert high.phase == Case.Phase.CLOSED


def test_a_worker_closes_when_both_conditions_hold(high, cast):
    first, _second = concerns()
    case_concerns_set(actor=cast["worker"], case=high, concerns=[first])
    signed = hold(high, cast["supervisor"], cast["chair"], decision=Review.Decision.CLOSE)
    closed = case_close(actor=cast["worker"], case=high, data=closure())
    assert closed.review == signed
    assert closed.scale_at_closure == 8
    assert closed.override_reason == ""
    assert closed.concern_codes == [first.code]
    assert closed.follow_up_on == days(90)
    assert not events(closed, AuditEvent.Event.OVERRIDE).exists()
    high.refresh_from_db()
    assert high.phase == Case.Phase.CLOSED
    assert high.closed_on == today()


@pytest.mark.parametrize("follow_up_on", [None, 0, -1])
def test_the_follow_up_check_is_in_the_future(high, cast, follow_up_on):
    hold(high, cast["supervisor"], cast["chair"], decision=Review.Decision.CLOSE)
    when = None if follow_up_on is None else days(follow_up_on)
    with pytest.raises(ValidationError) as info:
        case_close(actor=cast["worker"], case=high, data=closure(follow_up_on=when))
    assert "follow_up_on" in info.value.message_dict


@pytest.mark.parametrize("login", ["colleague", "outsider", "chair", "admin"])
def test_only_those_on_the_case_close_it(high, cast, login):
    with pytest.raises(PermissionDenied):
        case_close(actor=cast[login], case=high, data=closure(override_reason="Because."))


def test_an_intervention_case_is_not_closed_around_the_reviews(high, cast):
    with pytest.raises(ValidationError, match="Close this case from its reviews"):
        case_transition(actor=cast["supervisor"], case=high, to=Case.Phase.CLOSED, reason="Done.")
    high.refresh_from_db()
    assert high.phase == Case.Phase.INTERVENTION
    assert open_review(high) is not None


# --- Families that come back -------------------------------------------------------------------


def closed_with(case: Case, cast: dict[str, User], concern: ConcernCategory) -> Case:
    case_concerns_set(actor=cast["worker"], case=case, concerns=[concern])
    case_close(
        actor=cast["supervisor"], case=case, data=closure(override_reason="Synthetic closure.")
    )
    case.refresh_from_db()
    return case


def reopen(case: Case, worker: User, concern: ConcernCategory) -> Case:
    return case_transition(
        actor=worker,
        case=case,
        to=Case.Phase.ASSESSMENT,
        reason="A new report.",
        reported_concerns=[concern],
    )


def test_the_same_concern_within_a_year_is_the_revolving_door(high, cast):
    first, _second = concerns()
    closed_with(high, cast, first)
    reopen(high, cast["worker"], first)
    flag = ReturnFlag.objects.get(case=high)
    assert flag.kind == ReturnFlag.Kind.REVOLVING_DOOR
    assert flag.previous_case == high
    assert flag.previous_closed_on == today()
    assert flag.repeated_concern_codes == [first.code]
    assert flag.previous_concern_codes == [first.code]
    assert list(
        Notification.objects.filter(case=high, kind="revolving_door").values_list("user", flat=True)
    ) == [cast["supervisor"].pk]


def test_a_different_concern_is_returning(high, cast):
    first, second = concerns()
    closed_with(high, cast, first)
    reopen(high, cast["worker"], second)
    flag = ReturnFlag.objects.get(case=high)
    assert flag.kind == ReturnFlag.Kind.RETURNING
    assert flag.repeated_concern_codes == []
    assert flag.previous_concern_codes == [first.code]
    assert Notification.objects.filter(case=high, kind="returning").count() == 1
    assert not Notification.objects.filter(kind="revolving_door").exists()


def test_the_same_concern_after_a_year_is_returning(high, cast):
    first, _second = concerns()
    closed_with(high, cast, first)
    Case.objects.filter(pk=high.pk).update(closed_on=days(-400))
    reopen(high, cast["worker"], first)
    flag = ReturnFlag.objects.get(case=high)
    assert flag.kind == ReturnFlag.Kind.RETURNING
    assert flag.previous_closed_on == days(-400)
    assert flag.repeated_concern_codes == [first.code]


def test_a_new_case_for_the_same_family_is_flagged(high, cast, team_a):
    first, _second = concerns()
    closed_with(high, cast, first)
    child = high.children.get()
    new = case_open(
        actor=cast["worker"],
        data=CaseData(
            family_name="",
            village_id=high.family.village_id,
            tier="early",
            risk_level="medium",
            team=team_a,
            worker=cast["worker"],
            people=[],
            family=high.family,
            existing_children=[child],
            concerns=[first],
        ),
    )
    flag = ReturnFlag.objects.get(case=new)
    assert flag.previous_case == high
    assert flag.kind == ReturnFlag.Kind.REVOLVING_DOOR
    assert not ReturnFlag.objects.filter(case=high).exists()
    assert Notification.objects.filter(case=new, kind="revolving_door").count() == 1
    assert child.relationship == Person.Relationship.CHILD


def test_a_chair_who_was_replaced_cannot_record_or_sign(high, cast, team_b):
    chair = cast["chair"]
    review = record(high, chaired(high, cast["supervisor"], chair), chair)
    other = UserFactory.create(username="other-chair", organisation=team_b.organisation)
    review_assign_chair(actor=cast["supervisor"], case=high, review=review, chair=other)
    # `review` still names the first chair: the service goes by the review as it is now.
    with pytest.raises(PermissionDenied):
        review_record(actor=chair, case=high, review=review, data=full_record(high))
    with pytest.raises(PermissionDenied):
        review_sign(actor=chair, case=high, review=review)
    assert Review.objects.get(pk=review.pk).status == Review.Status.SCHEDULED


def test_a_workers_score_is_the_workers_not_the_chairs(high, cast):
    chair, worker = cast["chair"], cast["worker"]
    review = chaired(high, cast["supervisor"], chair)
    with pytest.raises(ValidationError) as info:
        record(
            high,
            review,
            chair,
            scores=[ScoreData(Voice.WORKER, 8, "I think so.", given_by_user=chair)],
        )
    assert info.value.message_dict == {"score-0": ["That person does not work on this case."]}
    review = record(high, review, chair, scores=[ScoreData(Voice.WORKER, 8, "Kept.")])
    review_sign(actor=chair, case=high, review=review, expected_version=review.version)
    score = ScaleScore.objects.get(case=high)
    assert (score.voice, score.given_by_user, score.recorded_by) == (Voice.WORKER, worker, chair)
