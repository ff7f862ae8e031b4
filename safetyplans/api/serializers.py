"""What the intervention API reads and writes. Explicit fields only; no serializer saves.

As in casework's and assessments' APIs: output serializers render labels next to codes and run
no query of their own (the views prefetch); input serializers check only the shape of a request
(types, choices, lengths) and refuse unknown fields, so that the services get typed values and
keep the rules. Each choice set has its own schema component, named so that it never clashes
with another app's (`SafetyPlanStatus`, not `Status`).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assessments.api.serializers import MAX_REQUEST_ID, CaseRefSerializer
from casework.api.serializers import StrictInputSerializer, UserRefSerializer
from casework.models import LONG_TEXT, Case, Person

from ..models import Intervention, NetworkMember, SafetyPlan, SafetyRule

# --- Choice sets -----------------------------------------------------------------------------


def _enum(choices: Any) -> dict[str, Any]:
    return {"type": "string", "enum": [value for value, _label in choices]}


@extend_schema_field(_enum(SafetyPlan.Status.choices), component_name="SafetyPlanStatus")
class SafetyPlanStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=SafetyPlan.Status.choices, **kwargs)


@extend_schema_field(_enum(settings.LANGUAGES), component_name="FamilyLanguage")
class FamilyLanguageField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=list(settings.LANGUAGES), **kwargs)


@extend_schema_field(_enum(Intervention.Kind.choices), component_name="InterventionKind")
class InterventionKindField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Intervention.Kind.choices, **kwargs)


@extend_schema_field(
    {"type": "string", "enum": [*(v for v, _l in Intervention.Currency.choices), ""]},
    component_name="InterventionCurrency",
)
class CurrencyField(serializers.ChoiceField):
    """A currency code, or "" when there is no amount."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Intervention.Currency.choices, allow_blank=True, **kwargs)


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


def _ids(**kwargs: Any) -> serializers.ListField:
    return serializers.ListField(child=_request_id(), max_length=200, **kwargs)


# --- Output --------------------------------------------------------------------------------


class NetworkPersonRefSerializer(serializers.ModelSerializer[Person]):
    """A family member or child, by id and name."""

    name = serializers.CharField(source="display_name", read_only=True)

    class Meta:
        model = Person
        fields = ["id", "name"]
        read_only_fields = fields


class NetworkMemberSerializer(serializers.ModelSerializer[NetworkMember]):
    """Someone in the children's network; `is_current` is false once they have left."""

    is_current = serializers.BooleanField(read_only=True)
    added_by = UserRefSerializer(read_only=True)

    class Meta:
        model = NetworkMember
        fields = [
            "id",
            "version",
            "person",
            "name",
            "relationship",
            "contact",
            "knows_worries",
            "agreed_to_do",
            "joined_on",
            "is_current",
            "left_on",
            "left_reason",
            "replacement_note",
            "added_by",
            "created_at",
        ]
        read_only_fields = fields


class NetworkMemberRefSerializer(serializers.ModelSerializer[NetworkMember]):
    is_current = serializers.BooleanField(read_only=True)

    class Meta:
        model = NetworkMember
        fields = ["id", "name", "relationship", "is_current"]
        read_only_fields = fields


class SafetyRuleSerializer(serializers.ModelSerializer[SafetyRule]):
    """One rule in the family's words: who carries it, the danger it answers, the goal it
    serves. `responsible_has_left` flags a network member who left after the plan was agreed."""

    responsible_name = serializers.CharField(read_only=True)
    responsible_has_left = serializers.SerializerMethodField()
    danger_text = serializers.SerializerMethodField()
    safety_goal_text = serializers.SerializerMethodField()

    class Meta:
        model = SafetyRule
        fields = [
            "id",
            "text",
            "responsible_member",
            "responsible_person",
            "responsible_name",
            "responsible_has_left",
            "how_known",
            "if_not_kept",
            "danger",
            "danger_text",
            "safety_goal",
            "safety_goal_text",
        ]
        read_only_fields = fields

    def get_responsible_has_left(self, rule: SafetyRule) -> bool:
        member = rule.responsible_member
        return member is not None and not member.is_current

    @extend_schema_field({"type": "string", "nullable": True})
    def get_danger_text(self, rule: SafetyRule) -> str | None:
        return rule.danger.text if rule.danger is not None else None

    @extend_schema_field({"type": "string", "nullable": True})
    def get_safety_goal_text(self, rule: SafetyRule) -> str | None:
        return rule.safety_goal.text if rule.safety_goal is not None else None


class SafetyPlanSerializer(serializers.ModelSerializer[SafetyPlan]):
    status = SafetyPlanStatusField(read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    family_language = FamilyLanguageField(read_only=True)
    author = UserRefSerializer(read_only=True)

    class Meta:
        model = SafetyPlan
        fields = [
            "id",
            "number",
            "version",
            "status",
            "status_label",
            "family_language",
            "agreed_on",
            "author",
            "created_at",
        ]
        read_only_fields = fields


class SafetyPlanDetailSerializer(SafetyPlanSerializer):
    """One version of the safety plan with its rules, and who agreed it (once agreed)."""

    rules = SafetyRuleSerializer(many=True, read_only=True)
    agreed_people = NetworkPersonRefSerializer(many=True, read_only=True)
    agreed_network = NetworkMemberRefSerializer(many=True, read_only=True)

    class Meta(SafetyPlanSerializer.Meta):
        fields = [
            *SafetyPlanSerializer.Meta.fields,
            "for_the_children",
            "rules",
            "agreed_people",
            "agreed_network",
        ]
        read_only_fields = fields


class InterventionSerializer(serializers.ModelSerializer[Intervention]):
    """Support delivered. `amount` is a decimal string ("150000.00"), with its currency."""

    kind = InterventionKindField(read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, coerce_to_string=True, read_only=True, allow_null=True
    )
    currency = CurrencyField(read_only=True)
    goals = serializers.ManyRelatedField(
        child_relation=serializers.PrimaryKeyRelatedField[Any](read_only=True),
        read_only=True,
        help_text="Ids of the case plan's goals it serves.",
    )
    recorded_by = UserRefSerializer(read_only=True)

    class Meta:
        model = Intervention
        fields = [
            "id",
            "version",
            "kind",
            "kind_label",
            "description",
            "amount",
            "currency",
            "goals",
            "provider",
            "started_on",
            "ended_on",
            "outcome",
            "recorded_by",
            "created_at",
        ]
        read_only_fields = fields


class AttentionSerializer(CaseRefSerializer):
    """A case in intervention for 30 days or more without an agreed safety plan."""

    worker = UserRefSerializer(read_only=True, allow_null=True)
    team_name = serializers.CharField(source="team.name", read_only=True)

    class Meta(CaseRefSerializer.Meta):
        model = Case
        fields = [*CaseRefSerializer.Meta.fields, "worker", "team_name", "phase_since"]
        read_only_fields = fields


# --- Input --------------------------------------------------------------------------------------


class NetworkMemberCreateSerializer(StrictInputSerializer):
    person = _request_id(
        required=False,
        allow_null=True,
        help_text=gettext_lazy("Only if they are a member of the family: one of its people."),
    )
    name = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text=gettext_lazy("Leave out for a family member: their name is used."),
    )
    relationship = serializers.CharField(max_length=200)
    contact = serializers.CharField(required=False, allow_blank=True, max_length=300)
    knows_worries = _long_text()
    agreed_to_do = _long_text()
    joined_on = serializers.DateField(
        required=False, help_text=gettext_lazy("Leave out for today.")
    )


class NetworkMemberUpdateSerializer(NetworkMemberCreateSerializer):
    """Only the fields sent change; `version` is the one you read."""

    version = serializers.IntegerField(min_value=1)
    relationship = serializers.CharField(required=False, max_length=200)


class NetworkMemberRemoveSerializer(StrictInputSerializer):
    version = serializers.IntegerField(min_value=1)
    reason = _long_text(required=True)
    left_on = serializers.DateField(required=False, help_text=gettext_lazy("Leave out for today."))
    replaced_by = _request_id(
        required=False,
        allow_null=True,
        help_text=gettext_lazy(
            "Another current member who takes over their rules in the plan being written."
        ),
    )
    replacement_note = _long_text(
        default="",
        help_text=gettext_lazy("What replaces their commitments, if nobody takes them over."),
    )


class SafetyPlanStartSerializer(StrictInputSerializer):
    """Nothing to send: a new version starts from the agreed one."""


class RuleInputSerializer(StrictInputSerializer):
    text = _long_text(required=True, allow_blank=False)
    responsible_member = _request_id(
        required=False, allow_null=True, default=None, help_text=gettext_lazy("A network member.")
    )
    responsible_person = _request_id(
        required=False, allow_null=True, default=None, help_text=gettext_lazy("A family member.")
    )
    how_known = _long_text(default="")
    if_not_kept = _long_text(default="")
    danger = _request_id(
        required=False,
        allow_null=True,
        default=None,
        help_text=gettext_lazy("A danger statement of the case's mappings."),
    )
    safety_goal = _request_id(
        required=False,
        allow_null=True,
        default=None,
        help_text=gettext_lazy("A safety goal of the case's mappings."),
    )


class SafetyPlanUpdateSerializer(StrictInputSerializer):
    """Only the fields sent change. `rules`, when sent, replaces all the rules."""

    version = serializers.IntegerField(min_value=1)
    family_language = FamilyLanguageField(required=False)
    for_the_children = _long_text()
    rules = serializers.ListField(child=RuleInputSerializer(), required=False, max_length=200)


class SafetyPlanAgreeSerializer(StrictInputSerializer):
    version = serializers.IntegerField(min_value=1)
    agreed_on = serializers.DateField(
        required=False, help_text=gettext_lazy("Leave out for today.")
    )
    people = _ids(help_text=gettext_lazy("The family members and children who agreed."))
    members = _ids(
        required=False,
        default=list,
        help_text=gettext_lazy("The network members who agreed."),
    )


class InterventionCreateSerializer(StrictInputSerializer):
    kind = InterventionKindField()
    description = _long_text(required=True, allow_blank=False)
    amount = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        required=False,
        allow_null=True,
        help_text=gettext_lazy('A decimal string, e.g. "150000.00"; needs a currency.'),
    )
    currency = CurrencyField(required=False)
    goals = _ids(required=False, help_text=gettext_lazy("Ids of the case plan's goals it serves."))
    provider = serializers.CharField(required=False, allow_blank=True, max_length=200)
    started_on = serializers.DateField(
        required=False, help_text=gettext_lazy("Leave out for today.")
    )
    ended_on = serializers.DateField(required=False, allow_null=True)
    outcome = _long_text()


class InterventionUpdateSerializer(InterventionCreateSerializer):
    """Only the fields sent change; `version` is the one you read. `goals`, when sent,
    replaces the goals it serves."""

    version = serializers.IntegerField(min_value=1)
    kind = InterventionKindField(required=False)
    description = _long_text(allow_blank=False)
