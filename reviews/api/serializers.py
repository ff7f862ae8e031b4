"""What the review API reads and writes. Explicit fields only; no serializer saves.

As in the other apps' APIs: output serializers render labels next to codes and run no query of
their own (the views prefetch and pass what else they need in the context); input serializers
check only the shape of a request (types, choices, lengths) and refuse unknown fields, so that
the services get typed values and keep the rules. Each choice set has its own schema component,
named so that it never clashes with another app's (`ReviewStatus`, not `Status`).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assessments.api.serializers import MAX_REQUEST_ID, CaseRefSerializer
from assessments.models import Voice
from casework.api.serializers import StrictInputSerializer, UserRefSerializer
from casework.models import LONG_TEXT, Case

from ..models import (
    Closure,
    GoalProgress,
    Notification,
    Participant,
    Review,
    ReviewAddendum,
    ReviewPolicy,
    ReviewScore,
    RuleProgress,
)

# --- Choice sets -----------------------------------------------------------------------------


def _enum(choices: Any, blank: bool = False) -> dict[str, Any]:
    values = [value for value, _label in choices]
    return {"type": "string", "enum": [*values, ""] if blank else values}


@extend_schema_field(_enum(Review.Status.choices), component_name="ReviewStatus")
class ReviewStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Review.Status.choices, **kwargs)


@extend_schema_field(_enum(Review.Decision.choices, blank=True), component_name="ReviewDecision")
class ReviewDecisionField(serializers.ChoiceField):
    """A decision, or "" while none is chosen."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Review.Decision.choices, allow_blank=True, **kwargs)


@extend_schema_field(_enum(Participant.Kind.choices), component_name="ReviewParticipantKind")
class ParticipantKindField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Participant.Kind.choices, **kwargs)


@extend_schema_field(_enum(Participant.Gathered.choices), component_name="ReviewViewsGathered")
class GatheredField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Participant.Gathered.choices, **kwargs)


@extend_schema_field(_enum(GoalProgress.Progress.choices), component_name="ReviewGoalProgress")
class GoalProgressField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=GoalProgress.Progress.choices, **kwargs)


@extend_schema_field(_enum(RuleProgress.Kept.choices), component_name="ReviewRuleKept")
class RuleKeptField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=RuleProgress.Kept.choices, **kwargs)


@extend_schema_field(_enum(Voice.choices), component_name="ReviewScoreVoice")
class ScoreVoiceField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Voice.choices, **kwargs)


@extend_schema_field(_enum(Notification.Kind.choices), component_name="ReviewNotificationKind")
class NotificationKindField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Notification.Kind.choices, **kwargs)


@extend_schema_field(_enum(Case.Risk.choices), component_name="ReviewRiskLevel")
class RiskLevelField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Case.Risk.choices, **kwargs)


def _long_text(**kwargs: Any) -> serializers.CharField:
    """Free text as the models keep it: at most LONG_TEXT characters."""
    options: dict[str, Any] = {
        "required": False,
        "allow_blank": True,
        "max_length": LONG_TEXT,
        **kwargs,
    }
    return serializers.CharField(**options)


def _request_id(**kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_REQUEST_ID, **kwargs)


def _version() -> serializers.IntegerField:
    return serializers.IntegerField(
        min_value=1, help_text=gettext_lazy("The version you read; a newer one answers 409.")
    )


# --- Output: a review and its record ------------------------------------------------------------


class ParticipantSerializer(serializers.ModelSerializer[Participant]):
    """Somebody who took part, or whose views were gathered (and how)."""

    kind = ParticipantKindField(read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    gathered = GatheredField(read_only=True)
    gathered_label = serializers.CharField(source="get_gathered_display", read_only=True)
    display_name = serializers.CharField(source="__str__", read_only=True)

    class Meta:
        model = Participant
        fields = [
            "id",
            "kind",
            "kind_label",
            "person",
            "network_member",
            "name",
            "display_name",
            "role",
            "gathered",
            "gathered_label",
            "note",
        ]
        read_only_fields = fields


class GoalProgressSerializer(serializers.ModelSerializer[GoalProgress]):
    goal_text = serializers.CharField(source="goal.text", read_only=True)
    progress = GoalProgressField(read_only=True)
    progress_label = serializers.CharField(source="get_progress_display", read_only=True)

    class Meta:
        model = GoalProgress
        fields = ["id", "goal", "goal_text", "progress", "progress_label", "note"]
        read_only_fields = fields


class RuleProgressSerializer(serializers.ModelSerializer[RuleProgress]):
    rule_text = serializers.CharField(source="rule.text", read_only=True)
    kept = RuleKeptField(read_only=True)
    kept_label = serializers.CharField(source="get_kept_display", read_only=True)

    class Meta:
        model = RuleProgress
        fields = ["id", "rule", "rule_text", "kept", "kept_label", "note"]
        read_only_fields = fields


class ReviewScoreSerializer(serializers.ModelSerializer[ReviewScore]):
    """One voice's answer to the scaling question (0 to 10) and why."""

    voice = ScoreVoiceField(read_only=True)
    voice_label = serializers.CharField(source="get_voice_display", read_only=True)
    person_name = serializers.SerializerMethodField()
    given_by_user = UserRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = ReviewScore
        fields = [
            "id",
            "voice",
            "voice_label",
            "person",
            "person_name",
            "given_by_user",
            "voice_name",
            "score",
            "reason",
        ]
        read_only_fields = fields

    @extend_schema_field({"type": "string", "nullable": True})
    def get_person_name(self, score: ReviewScore) -> str | None:
        return score.person.display_name if score.person is not None else None


class ReviewAddendumSerializer(serializers.ModelSerializer[ReviewAddendum]):
    author = UserRefSerializer(read_only=True)

    class Meta:
        model = ReviewAddendum
        fields = ["id", "author", "created_at", "text"]
        read_only_fields = fields


class ReviewSerializer(serializers.ModelSerializer[Review]):
    """A review as listed: when, who chairs it, where it stands, what it decided."""

    status = ReviewStatusField(read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    chair = UserRefSerializer(read_only=True, allow_null=True)
    scheduled_by = UserRefSerializer(read_only=True, allow_null=True)
    signed_by = UserRefSerializer(read_only=True, allow_null=True)
    decision = ReviewDecisionField(read_only=True)
    decision_label = serializers.CharField(source="get_decision_display", read_only=True)
    days_overdue = serializers.SerializerMethodField()

    class Meta:
        model = Review
        fields = [
            "id",
            "version",
            "step",
            "due_on",
            "days_overdue",
            "status",
            "status_label",
            "chair",
            "scheduled_by",
            "date_reason",
            "restarted_because",
            "held_on",
            "decision",
            "decision_label",
            "next_due_on",
            "signed_at",
            "signed_by",
            "created_at",
        ]
        read_only_fields = fields

    def get_days_overdue(self, review: Review) -> int:
        """Days past the due date while scheduled (0 otherwise)."""
        return review.days_overdue() if review.status == Review.Status.SCHEDULED else 0


class ReviewDetailSerializer(ReviewSerializer):
    """The whole record. `sign_off_problems`: what is still missing before the chair can sign
    (empty once signed); `you_chair`: whether you are its chair."""

    participants = ParticipantSerializer(many=True, read_only=True)
    goal_progress = GoalProgressSerializer(many=True, read_only=True)
    rule_progress = RuleProgressSerializer(many=True, read_only=True)
    scores = ReviewScoreSerializer(many=True, read_only=True)
    addenda = ReviewAddendumSerializer(many=True, read_only=True)
    sign_off_problems = serializers.SerializerMethodField()
    you_chair = serializers.SerializerMethodField()

    class Meta(ReviewSerializer.Meta):
        fields = [
            *ReviewSerializer.Meta.fields,
            "place",
            "child_views",
            "family_views",
            "network_views",
            "professional_views",
            "decision_reasons",
            "next_date_reason",
            "cancelled_reason",
            "participants",
            "goal_progress",
            "rule_progress",
            "scores",
            "addenda",
            "sign_off_problems",
            "you_chair",
        ]
        read_only_fields = fields

    def get_sign_off_problems(self, review: Review) -> list[str]:
        problems: list[str] = self.context.get("sign_off_problems", [])
        return problems

    def get_you_chair(self, review: Review) -> bool:
        user_id = self.context.get("user_id")
        return user_id is not None and review.chair_id == user_id


class ChairedReviewSerializer(ReviewSerializer):
    """A review you chair, with the case it is about."""

    case = CaseRefSerializer(read_only=True)

    class Meta(ReviewSerializer.Meta):
        fields = [*ReviewSerializer.Meta.fields, "case"]
        read_only_fields = fields


# --- Output: closure, notifications, policy -----------------------------------------------------


class ClosureSerializer(serializers.ModelSerializer[Closure]):
    """A closure of the case: its outcome, and when somebody checks back."""

    closed_by = UserRefSerializer(read_only=True)

    class Meta:
        model = Closure
        fields = [
            "id",
            "review",
            "risk_reduced",
            "in_school",
            "health_care",
            "outcome",
            "follow_up_on",
            "scale_at_closure",
            "override_reason",
            "closed_by",
            "closed_at",
            "follow_up_done_at",
        ]
        read_only_fields = fields


class ClosureStatusSerializer(serializers.Serializer[Any]):
    """Whether the case can be closed now, why not, and its past closures (newest first)."""

    can_close = serializers.BooleanField(
        read_only=True,
        help_text=gettext_lazy("True when nothing stands in the way (no override needed)."),
    )
    closure_problems = serializers.ListField(child=serializers.CharField(), read_only=True)
    closure_threshold = serializers.IntegerField(read_only=True)
    latest_worker_score = serializers.IntegerField(read_only=True, allow_null=True)
    closures = ClosureSerializer(many=True, read_only=True)


class NotificationSerializer(serializers.ModelSerializer[Notification]):
    """One of your notifications. `case` and `review` are null once you no longer see the
    case (the kind and the date stay)."""

    kind = NotificationKindField(read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    case = serializers.SerializerMethodField()
    review = serializers.SerializerMethodField()
    is_read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "kind_label",
            "case",
            "review",
            "due_on",
            "created_at",
            "read_at",
            "is_read",
        ]
        read_only_fields = fields

    def _visible(self, row: Notification) -> bool:
        visible: frozenset[int] = self.context.get("visible_case_ids", frozenset())
        return row.case_id is not None and row.case_id in visible

    @extend_schema_field(CaseRefSerializer(allow_null=True))
    def get_case(self, row: Notification) -> Any:
        if not self._visible(row):
            return None
        return CaseRefSerializer(row.case).data

    @extend_schema_field({"type": "integer", "nullable": True})
    def get_review(self, row: Notification) -> int | None:
        return row.review_id if self._visible(row) else None

    def get_is_read(self, row: Notification) -> bool:
        return row.read_at is not None


class NotificationPageSerializer(serializers.Serializer[Any]):
    """A page of your notifications, newest first, with how many are unread in all."""

    count = serializers.IntegerField(read_only=True)
    unread = serializers.IntegerField(read_only=True)
    next = serializers.URLField(read_only=True, allow_null=True)
    previous = serializers.URLField(read_only=True, allow_null=True)
    results = NotificationSerializer(many=True, read_only=True)


class NotificationsMarkedSerializer(serializers.Serializer[Any]):
    marked = serializers.IntegerField(read_only=True)
    unread = serializers.IntegerField(read_only=True)


class ReviewPolicySerializer(serializers.ModelSerializer[ReviewPolicy]):
    """Days between reviews by risk level (frequent first, then spaced; past the end the last
    interval repeats), never more than `cap_days`; the scale needed to close a case."""

    class Meta:
        model = ReviewPolicy
        fields = [
            "id",
            "version",
            "high_intervals",
            "medium_intervals",
            "low_intervals",
            "cap_days",
            "closure_threshold",
            "updated_at",
        ]
        read_only_fields = fields


# --- Input --------------------------------------------------------------------------------------


class ReviewScheduleSerializer(StrictInputSerializer):
    chair = _request_id(
        required=False,
        allow_null=True,
        help_text=gettext_lazy("Someone independent of the case; leave out to choose later."),
    )
    due_on = serializers.DateField(
        required=False, help_text=gettext_lazy("Leave out for the date the review policy gives.")
    )
    date_reason = _long_text(
        default="", help_text=gettext_lazy("Needed when the date differs from the policy's.")
    )


class ChairAssignSerializer(StrictInputSerializer):
    version = _version()
    chair = _request_id()


class RescheduleSerializer(StrictInputSerializer):
    version = _version()
    due_on = serializers.DateField()
    reason = _long_text(required=True)


class ReviewSignSerializer(StrictInputSerializer):
    version = _version()


class ReviewAddendumCreateSerializer(StrictInputSerializer):
    text = _long_text(required=True, allow_blank=False)


class ParticipantInputSerializer(StrictInputSerializer):
    kind = ParticipantKindField()
    person = _request_id(
        required=False,
        allow_null=True,
        default=None,
        help_text=gettext_lazy("For a family member or a child: one of the family's people."),
    )
    network_member = _request_id(
        required=False,
        allow_null=True,
        default=None,
        help_text=gettext_lazy("For a network member: one of the case's network."),
    )
    name = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=200,
        help_text=gettext_lazy("For a professional."),
    )
    role = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    gathered = GatheredField(required=False, default=Participant.Gathered.PRESENT)
    note = _long_text(default="")


class GoalProgressInputSerializer(StrictInputSerializer):
    goal = _request_id(help_text=gettext_lazy("A goal of the case's approved plan."))
    progress = GoalProgressField()
    note = _long_text(default="")


class RuleProgressInputSerializer(StrictInputSerializer):
    rule = _request_id(help_text=gettext_lazy("A rule of the agreed safety plan."))
    kept = RuleKeptField()
    note = _long_text(default="")


class ScoreInputSerializer(StrictInputSerializer):
    voice = ScoreVoiceField()
    score = serializers.IntegerField(min_value=0, max_value=10)
    reason = _long_text(required=True)
    person = _request_id(
        required=False,
        allow_null=True,
        default=None,
        help_text=gettext_lazy("For a child's or a family member's score."),
    )
    given_by_user = _request_id(
        required=False,
        allow_null=True,
        default=None,
        help_text=gettext_lazy("For a worker's or a supervisor's score: a user of the agency."),
    )
    voice_name = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=200,
        help_text=gettext_lazy("For a network member's or a professional's score."),
    )


class ReviewRecordSerializer(StrictInputSerializer):
    """Only the fields sent change; each list, when sent, replaces all its rows."""

    version = _version()
    held_on = serializers.DateField(required=False, allow_null=True)
    place = serializers.CharField(required=False, allow_blank=True, max_length=200)
    child_views = _long_text()
    family_views = _long_text()
    network_views = _long_text()
    professional_views = _long_text()
    decision = ReviewDecisionField(required=False)
    decision_reasons = _long_text()
    next_due_on = serializers.DateField(
        required=False,
        allow_null=True,
        help_text=gettext_lazy("Leave empty for the date the review policy gives."),
    )
    next_date_reason = _long_text()
    participants = serializers.ListField(
        child=ParticipantInputSerializer(), required=False, max_length=200
    )
    goals = serializers.ListField(
        child=GoalProgressInputSerializer(), required=False, max_length=200
    )
    rules = serializers.ListField(
        child=RuleProgressInputSerializer(), required=False, max_length=200
    )
    scores = serializers.ListField(child=ScoreInputSerializer(), required=False, max_length=200)


class ClosureCreateSerializer(StrictInputSerializer):
    outcome = _long_text(required=True)
    follow_up_on = serializers.DateField(
        help_text=gettext_lazy("When somebody checks back with the family (after today).")
    )
    risk_reduced = serializers.BooleanField(required=False, default=False)
    in_school = serializers.BooleanField(required=False, default=False)
    health_care = serializers.BooleanField(required=False, default=False)
    override_reason = _long_text(
        default="",
        help_text=gettext_lazy(
            "A supervisor of the team closing without a review's decision or a high enough "
            "scale: why it is in the child's interest."
        ),
    )


class RiskSetSerializer(StrictInputSerializer):
    version = serializers.IntegerField(
        min_value=1, help_text=gettext_lazy("The case's version you read.")
    )
    risk_level = RiskLevelField()
    reason = _long_text(required=True)


class NotificationsReadSerializer(StrictInputSerializer):
    ids = serializers.ListField(
        child=_request_id(),
        required=False,
        allow_null=True,
        max_length=500,
        help_text=gettext_lazy("Leave out to mark all your notifications read."),
    )


def _intervals(**kwargs: Any) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=365),
        min_length=1,
        max_length=50,
        required=False,
        **kwargs,
    )


class ReviewPolicyUpdateSerializer(StrictInputSerializer):
    """Only the fields sent change."""

    version = _version()
    high_intervals = _intervals()
    medium_intervals = _intervals()
    low_intervals = _intervals()
    cap_days = serializers.IntegerField(required=False, min_value=7, max_value=365)
    closure_threshold = serializers.IntegerField(required=False, min_value=0, max_value=10)
