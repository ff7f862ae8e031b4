"""What the assessment and planning API reads and writes. Explicit fields only; no serializer saves.

As in casework's API: output serializers render labels next to codes and run no query of their
own (the views prefetch); input serializers check only the shape of a request (types, choices,
lengths) and refuse unknown fields, so that the services get typed values and keep the rules.

Each choice set is declared once, as a field with its own schema component, so that the
OpenAPI schema names it the same wherever it appears (a `status` of an assessment is never
confused with a visit's).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from casework.api.serializers import StrictInputSerializer, UserRefSerializer
from casework.models import LONG_TEXT, Case

from ..models import (
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

# The largest id a request may name (PostgreSQL bigint, with room to spare).
MAX_REQUEST_ID = 2**62

# --- Choice sets -----------------------------------------------------------------------------


def _enum(choices: list[tuple[str, Any]]) -> dict[str, Any]:
    return {"type": "string", "enum": [value for value, _label in choices]}


@extend_schema_field(_enum(Approval.choices), component_name="ApprovalStatus")
class ApprovalStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Approval.choices, **kwargs)


@extend_schema_field(_enum(NeedEntry.Met.choices), component_name="NeedMet")
class NeedMetField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=NeedEntry.Met.choices, **kwargs)


@extend_schema_field(_enum(Risk.Kind.choices), component_name="RiskKind")
class RiskKindField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Risk.Kind.choices, **kwargs)


@extend_schema_field(_enum(Decision.Outcome.choices), component_name="DecisionOutcome")
class DecisionOutcomeField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Decision.Outcome.choices, **kwargs)


@extend_schema_field(_enum(MappingEntry.Column.choices), component_name="MappingColumn")
class MappingColumnField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=MappingEntry.Column.choices, **kwargs)


@extend_schema_field(_enum(MappingEntry.Kind.choices), component_name="MappingEntryKind")
class MappingEntryKindField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=MappingEntry.Kind.choices, **kwargs)


@extend_schema_field(_enum(Voice.choices), component_name="WhoseVoice")
class VoiceField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Voice.choices, **kwargs)


@extend_schema_field(_enum(Action.Who.choices), component_name="ActionWho")
class ActionWhoField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Action.Who.choices, **kwargs)


@extend_schema_field(_enum(Action.Status.choices), component_name="ActionStatus")
class ActionStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Action.Status.choices, **kwargs)


APPROVAL_KINDS = [("assessment", gettext_lazy("Assessment")), ("plan", gettext_lazy("Case plan"))]


@extend_schema_field(_enum(APPROVAL_KINDS), component_name="AwaitingApprovalKind")
class ApprovalKindField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=APPROVAL_KINDS, **kwargs)


@extend_schema_field(OpenApiTypes.BINARY)
class PhotoUploadField(serializers.FileField):
    """An uploaded photo (multipart/form-data). The service checks it is a picture."""


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


# --- Output: reference data ------------------------------------------------------------------


class NeedDomainSerializer(serializers.ModelSerializer[NeedDomain]):
    """An area of a child's life the assessment looks at; `label` is in the reader's language.

    (`label` is added in get_fields: it is also a Field attribute.)
    """

    class Meta:
        model = NeedDomain
        fields = ["id", "code", "name", "name_km", "order"]
        read_only_fields = fields

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        fields = super().get_fields()
        fields["label"] = serializers.CharField(read_only=True)
        return fields


class CaseRefSerializer(serializers.ModelSerializer[Case]):
    family_name = serializers.CharField(source="family.family_name", read_only=True)

    class Meta:
        model = Case
        fields = ["id", "reference", "family_name"]
        read_only_fields = fields


class DecisionSerializer(serializers.ModelSerializer[Decision]):
    outcome = DecisionOutcomeField(read_only=True)
    outcome_label = serializers.CharField(source="get_outcome_display", read_only=True)
    decided_by = UserRefSerializer(read_only=True)

    class Meta:
        model = Decision
        fields = ["id", "outcome", "outcome_label", "comment", "decided_by", "decided_at"]
        read_only_fields = fields


# --- Output: the assessment --------------------------------------------------------------------


class RiskSerializer(serializers.ModelSerializer[Risk]):
    kind = RiskKindField(read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Risk
        fields = ["id", "description", "kind", "kind_label"]
        read_only_fields = fields


class NeedEntrySerializer(serializers.ModelSerializer[NeedEntry]):
    """One domain assessed: the need, whether it is met, strengths, analysis and risks."""

    domain_code = serializers.CharField(source="domain.code", read_only=True)
    domain_label = serializers.CharField(source="domain.label", read_only=True)
    met = NeedMetField(read_only=True)
    met_label = serializers.CharField(source="get_met_display", read_only=True)
    risks = RiskSerializer(many=True, read_only=True)

    class Meta:
        model = NeedEntry
        fields = [
            "id",
            "domain",
            "domain_code",
            "domain_label",
            "need",
            "met",
            "met_label",
            "strengths",
            "analysis",
            "risks",
        ]
        read_only_fields = fields


class AssessmentSerializer(serializers.ModelSerializer[Assessment]):
    status = ApprovalStatusField(read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    author = UserRefSerializer(read_only=True)
    decided_by = UserRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Assessment
        fields = [
            "id",
            "version",
            "status",
            "status_label",
            "author",
            "participants",
            "family_views",
            "summary",
            "created_at",
            "submitted_at",
            "decided_at",
            "decided_by",
        ]
        read_only_fields = fields


class AssessmentDetailSerializer(AssessmentSerializer):
    """The assessment with its domains (needs and risks) and the supervisor's decisions."""

    needs = NeedEntrySerializer(many=True, read_only=True)
    decisions = DecisionSerializer(many=True, read_only=True)

    class Meta(AssessmentSerializer.Meta):
        fields = [*AssessmentSerializer.Meta.fields, "needs", "decisions"]
        read_only_fields = fields


# --- Output: mapping, scale, child's voice ---------------------------------------------------


class MappingEntrySerializer(serializers.ModelSerializer[MappingEntry]):
    column = MappingColumnField(read_only=True)
    column_label = serializers.CharField(source="get_column_display", read_only=True)
    kind = MappingEntryKindField(read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    voice = VoiceField(read_only=True)
    voice_label = serializers.CharField(source="get_voice_display", read_only=True)

    class Meta:
        model = MappingEntry
        fields = [
            "id",
            "column",
            "column_label",
            "kind",
            "kind_label",
            "text",
            "voice",
            "voice_label",
            "voice_name",
        ]
        read_only_fields = fields


class MappingSerializer(serializers.ModelSerializer[Mapping]):
    author = UserRefSerializer(read_only=True)
    entries = MappingEntrySerializer(many=True, read_only=True)

    class Meta:
        model = Mapping
        fields = ["id", "version", "held_on", "participants", "author", "created_at", "entries"]
        read_only_fields = fields


class ScaleScoreSerializer(serializers.ModelSerializer[ScaleScore]):
    """One point on the safety scale. `line` groups the points of one voice into a line."""

    voice = VoiceField(read_only=True)
    voice_label = serializers.CharField(source="get_voice_display", read_only=True)
    who = serializers.CharField(source="voice_label", read_only=True)
    line = serializers.CharField(source="voice_key", read_only=True)
    given_by_user = UserRefSerializer(read_only=True, allow_null=True)
    recorded_by = UserRefSerializer(read_only=True)

    class Meta:
        model = ScaleScore
        fields = [
            "id",
            "score",
            "voice",
            "voice_label",
            "who",
            "line",
            "person",
            "given_by_user",
            "voice_name",
            "recorded_on",
            "reason",
            "recorded_by",
            "created_at",
        ]
        read_only_fields = fields


class ChildVoiceSerializer(serializers.ModelSerializer[ChildVoice]):
    """The child's own words. `drawing`: where to fetch the photo of the drawing, if any.

    Needs `request` in the context to make the drawing's address absolute.
    """

    child_name = serializers.CharField(source="child.display_name", read_only=True)
    author = UserRefSerializer(read_only=True)
    drawing = serializers.SerializerMethodField()

    class Meta:
        model = ChildVoice
        fields = [
            "id",
            "version",
            "child",
            "child_name",
            "recorded_on",
            "age_at_recording",
            "worries",
            "good_things",
            "wishes",
            "safe_means",
            "safety_network",
            "helped_by",
            "drawing",
            "author",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_drawing(self, voice: ChildVoice) -> str | None:
        if not voice.drawing:
            return None
        from django.urls import reverse

        path = reverse(
            "assessments_api:child-voice-drawing",
            kwargs={"case_id": voice.case_id, "voice_id": voice.pk},
        )
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


# --- Output: the case plan ------------------------------------------------------------------------


class ActionSerializer(serializers.ModelSerializer[Action]):
    who = ActionWhoField(read_only=True)
    who_label = serializers.CharField(source="get_who_display", read_only=True)
    status = ActionStatusField(read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Action
        fields = [
            "id",
            "version",
            "what",
            "who",
            "who_label",
            "who_name",
            "due_on",
            "status",
            "status_label",
            "outcome",
        ]
        read_only_fields = fields


class GoalSerializer(serializers.ModelSerializer[Goal]):
    """A goal, the needs (need entries of the plan's assessment) it answers, and its actions."""

    needs = serializers.ManyRelatedField(
        child_relation=serializers.PrimaryKeyRelatedField[NeedEntry](read_only=True),
        read_only=True,
    )
    actions = ActionSerializer(many=True, read_only=True)

    class Meta:
        model = Goal
        fields = ["id", "text", "needs", "actions"]
        read_only_fields = fields


class NeedRefSerializer(serializers.ModelSerializer[NeedEntry]):
    domain_label = serializers.CharField(source="domain.label", read_only=True)

    class Meta:
        model = NeedEntry
        fields = ["id", "domain", "domain_label"]
        read_only_fields = fields


class PlanSerializer(serializers.ModelSerializer[CasePlan]):
    status = ApprovalStatusField(read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    author = UserRefSerializer(read_only=True)

    class Meta:
        model = CasePlan
        fields = [
            "id",
            "number",
            "version",
            "status",
            "status_label",
            "assessment",
            "family_agreement",
            "author",
            "created_at",
            "submitted_at",
            "decided_at",
        ]
        read_only_fields = fields


class PlanDetailSerializer(PlanSerializer):
    """One version of the plan with its goals and actions, its decisions, and the unmet needs
    of its assessment that no goal answers yet (context `unmet_needs`, read by the view)."""

    goals = GoalSerializer(many=True, read_only=True)
    decisions = DecisionSerializer(many=True, read_only=True)
    unmet_needs_without_goal = serializers.SerializerMethodField()

    class Meta(PlanSerializer.Meta):
        fields = [*PlanSerializer.Meta.fields, "goals", "decisions", "unmet_needs_without_goal"]
        read_only_fields = fields

    @extend_schema_field(NeedRefSerializer(many=True))
    def get_unmet_needs_without_goal(self, plan: CasePlan) -> Any:
        return NeedRefSerializer(self.context["unmet_needs"], many=True).data


# --- Output: what awaits a decision -----------------------------------------------------------


class AwaitingApprovalSerializer(serializers.Serializer[Any]):
    """A submitted assessment or plan version that the reader may approve or return."""

    kind = ApprovalKindField(read_only=True)
    id = serializers.IntegerField(read_only=True)
    version = serializers.IntegerField(read_only=True)
    number = serializers.IntegerField(
        read_only=True, allow_null=True, help_text=gettext_lazy("The plan's version number.")
    )
    case = CaseRefSerializer(read_only=True)
    author = UserRefSerializer(read_only=True)
    submitted_at = serializers.DateTimeField(read_only=True)


# --- Input --------------------------------------------------------------------------------------


class RiskInputSerializer(StrictInputSerializer):
    description = _long_text(required=True)
    kind = RiskKindField()


class NeedInputSerializer(StrictInputSerializer):
    domain = _request_id(help_text=gettext_lazy("A need domain's id (see /need-domains/)."))
    need = _long_text(required=True)
    met = NeedMetField()
    strengths = _long_text(default="")
    analysis = _long_text(default="")
    risks = RiskInputSerializer(many=True, required=False, default=list)


class AssessmentStartSerializer(StrictInputSerializer):
    participants = _long_text()
    family_views = _long_text()
    summary = _long_text()


class AssessmentUpdateSerializer(StrictInputSerializer):
    """Only the fields sent change. `needs`, when sent, replaces the domains assessed."""

    version = serializers.IntegerField(min_value=1)
    participants = _long_text()
    family_views = _long_text()
    summary = _long_text()
    needs = NeedInputSerializer(many=True, required=False)


class DecideSerializer(StrictInputSerializer):
    version = serializers.IntegerField(min_value=1)
    approve = serializers.BooleanField(
        help_text=gettext_lazy("true: approve; false: return for changes (say what, in comment).")
    )
    comment = _long_text(default="")


class EntryInputSerializer(StrictInputSerializer):
    column = MappingColumnField()
    kind = MappingEntryKindField()
    text = _long_text(required=True)
    voice = VoiceField()
    voice_name = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class MappingCreateSerializer(StrictInputSerializer):
    held_on = serializers.DateField(required=False, help_text=gettext_lazy("Leave out for today."))
    participants = _long_text(default="")
    entries = EntryInputSerializer(many=True)


class MappingUpdateSerializer(StrictInputSerializer):
    """Only the fields sent change. `entries`, when sent, replaces all the entries."""

    version = serializers.IntegerField(min_value=1)
    held_on = serializers.DateField(required=False)
    participants = _long_text()
    entries = EntryInputSerializer(many=True, required=False)


class ScaleScoreCreateSerializer(StrictInputSerializer):
    score = serializers.IntegerField(min_value=0, max_value=10)
    voice = VoiceField()
    person = _request_id(
        required=False,
        allow_null=True,
        help_text=gettext_lazy("For a family member or a child: one of the family's people."),
    )
    given_by_user = _request_id(
        required=False,
        allow_null=True,
        help_text=gettext_lazy("For a worker or a supervisor; leave out for yourself."),
    )
    voice_name = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=200,
        help_text=gettext_lazy("For a network member or another professional."),
    )
    recorded_on = serializers.DateField(
        required=False, help_text=gettext_lazy("Leave out for today.")
    )
    reason = _long_text(required=True)


class ChildVoiceCreateSerializer(StrictInputSerializer):
    """JSON, or multipart/form-data when a photo of the child's drawing comes along."""

    child = _request_id(help_text=gettext_lazy("One of the children the case is about."))
    recorded_on = serializers.DateField(
        required=False, help_text=gettext_lazy("Leave out for today.")
    )
    worries = _long_text()
    good_things = _long_text()
    wishes = _long_text()
    safe_means = _long_text()
    safety_network = _long_text()
    helped_by = serializers.CharField(required=False, allow_blank=True, max_length=200)
    drawing = PhotoUploadField(
        required=False,
        help_text=gettext_lazy("A photo of the child's drawing: JPEG, PNG or WebP (multipart)."),
    )


class ChildVoiceUpdateSerializer(StrictInputSerializer):
    """Only the fields sent change; `version` is the one you read."""

    version = serializers.IntegerField(min_value=1)
    recorded_on = serializers.DateField(required=False)
    worries = _long_text()
    good_things = _long_text()
    wishes = _long_text()
    safe_means = _long_text()
    safety_network = _long_text()
    helped_by = serializers.CharField(required=False, allow_blank=True, max_length=200)
    drawing = PhotoUploadField(
        required=False, help_text=gettext_lazy("A new photo of the drawing (multipart).")
    )
    remove_drawing = serializers.BooleanField(required=False, default=False)


class ActionInputSerializer(StrictInputSerializer):
    what = _long_text(required=True)
    who = ActionWhoField()
    who_name = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    due_on = serializers.DateField(required=False, allow_null=True, default=None)
    status = ActionStatusField(required=False, default=Action.Status.TODO)
    outcome = _long_text(default="")


class GoalInputSerializer(StrictInputSerializer):
    text = _long_text(required=True)
    needs = serializers.ListField(
        child=_request_id(),
        required=False,
        default=list,
        help_text=gettext_lazy("Ids of the needs (of the plan's assessment) this goal answers."),
    )
    actions = ActionInputSerializer(many=True, required=False, default=list)


class PlanStartSerializer(StrictInputSerializer):
    """Nothing to send: the new version rests on the latest assessment."""


class PlanUpdateSerializer(StrictInputSerializer):
    """Only the fields sent change. `goals`, when sent, replaces all goals and their actions."""

    version = serializers.IntegerField(min_value=1)
    family_agreement = _long_text()
    goals = GoalInputSerializer(many=True, required=False)


class ActionProgressSerializer(StrictInputSerializer):
    version = serializers.IntegerField(min_value=1)
    status = ActionStatusField()
    outcome = _long_text()
