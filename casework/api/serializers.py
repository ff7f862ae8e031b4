"""What the API reads and writes. Explicit fields only; no serializer ever saves.

Output serializers render names and labels next to codes. Input serializers only check the
shape of a request (types, choices, lengths) so that services get typed values; the rules
(a visit in the future, a person without a name, a signed note) are the services' to enforce.
Text goes out exactly as it was stored: JSON is not HTML, escaping is the client's job.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import (
    LONG_TEXT,
    Case,
    Family,
    HomeVisit,
    Person,
    User,
    Village,
    VisitAddendum,
    VisitChild,
)
from ..selectors import Scope
from ..services import PERSON_FIELDS, VISIT_FIELDS


class StrictInputSerializer(serializers.Serializer[Any]):
    """Refuses fields it does not know, so that a typo is never silently ignored."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {name: [_("This field cannot be set here.")] for name in unknown}
                )
        return super().to_internal_value(data)


# --- Output --------------------------------------------------------------------------------


class UserRefSerializer(serializers.ModelSerializer[User]):
    name = serializers.CharField(source="display_name", read_only=True)

    class Meta:
        model = User
        fields = ["id", "name"]
        read_only_fields = fields


class VillageSerializer(serializers.ModelSerializer[Village]):
    class Meta:
        model = Village
        fields = ["id", "name", "name_km", "commune", "district", "province"]
        read_only_fields = fields


class PhaseSerializer(serializers.Serializer[Case.Phase]):
    """A phase's code and its name. (Declared in get_fields: `label` is also a Field attribute.)"""

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        return {
            "value": serializers.CharField(read_only=True),
            "label": serializers.CharField(read_only=True),
        }


class CaseListSerializer(serializers.ModelSerializer[Case]):
    """One row of a caseload: everything comes from the selector's joins and prefetch."""

    family_name = serializers.CharField(source="family.family_name", read_only=True)
    village = VillageSerializer(source="family.village", read_only=True)
    phase_label = serializers.CharField(source="get_phase_display", read_only=True)
    tier_label = serializers.CharField(source="get_tier_display", read_only=True)
    risk_level_label = serializers.CharField(source="get_risk_level_display", read_only=True)
    team = serializers.CharField(source="team.name", read_only=True)
    worker = UserRefSerializer(read_only=True)
    covering_worker = UserRefSerializer(read_only=True, allow_null=True)
    children = serializers.ManyRelatedField(
        child_relation=serializers.PrimaryKeyRelatedField[Person](read_only=True), read_only=True
    )
    child_names = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "id",
            "reference",
            "version",
            "family_name",
            "village",
            "phase",
            "phase_label",
            "tier",
            "tier_label",
            "risk_level",
            "risk_level_label",
            "team",
            "worker",
            "covering_worker",
            "opened_on",
            "closed_on",
            "children",
            "child_names",
        ]
        read_only_fields = fields

    def get_child_names(self, case: Case) -> list[str]:
        return [child.display_name for child in case.children.all()]


class FamilySerializer(serializers.ModelSerializer[Family]):
    village = VillageSerializer(read_only=True)

    class Meta:
        model = Family
        fields = ["id", "version", "family_name", "village", "address_notes", "phone", "languages"]
        read_only_fields = fields


class PersonSerializer(serializers.ModelSerializer[Person]):
    """A member of the family. `concerned`: one of the children the case is about."""

    display_name = serializers.CharField(read_only=True)
    sex_label = serializers.CharField(source="get_sex_display", read_only=True)
    school_status_label = serializers.CharField(source="get_school_status_display", read_only=True)
    relationship_label = serializers.CharField(source="get_relationship_display", read_only=True)
    concerned = serializers.SerializerMethodField()

    class Meta:
        model = Person
        fields = [
            "id",
            "version",
            "display_name",
            "given_name_km",
            "family_name_km",
            "given_name_latin",
            "family_name_latin",
            "sex",
            "sex_label",
            "date_of_birth",
            "estimated_age",
            "disability",
            "school_status",
            "school_status_label",
            "relationship",
            "relationship_label",
            "concerned",
        ]
        read_only_fields = fields

    def get_concerned(self, person: Person) -> bool:
        children_ids: frozenset[int] = self.context.get("children_ids", frozenset())
        return person.pk in children_ids


class CaseDetailSerializer(CaseListSerializer):
    """The case page's summary, with the family, its people, where it may go and what you may do.

    Needs `people` (the family's members, in order), `children_ids` and `permissions` in the
    context: the view reads them once, so that the serializer runs no query of its own.
    """

    family = FamilySerializer(read_only=True)
    people = serializers.SerializerMethodField()
    next_phases = PhaseSerializer(many=True, read_only=True)
    closure_reason = serializers.CharField(read_only=True)
    permissions = serializers.SerializerMethodField()

    class Meta(CaseListSerializer.Meta):
        fields = [
            *CaseListSerializer.Meta.fields,
            "closure_reason",
            "family",
            "people",
            "next_phases",
            "permissions",
        ]
        read_only_fields = fields

    @extend_schema_field(PersonSerializer(many=True))
    def get_people(self, case: Case) -> Any:
        return PersonSerializer(self.context["people"], many=True, context=self.context).data

    def get_permissions(self, case: Case) -> list[str]:
        return sorted(self.context["permissions"])


class VisitChildSerializer(serializers.ModelSerializer[VisitChild]):
    name = serializers.CharField(source="child.display_name", read_only=True)

    class Meta:
        model = VisitChild
        fields = ["child", "name", "seen", "seen_alone"]
        read_only_fields = fields


class AddendumSerializer(serializers.ModelSerializer[VisitAddendum]):
    author = UserRefSerializer(read_only=True)

    class Meta:
        model = VisitAddendum
        fields = ["id", "author", "created_at", "text"]
        read_only_fields = fields


class VisitSerializer(serializers.ModelSerializer[HomeVisit]):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    author = UserRefSerializer(read_only=True)
    children = VisitChildSerializer(source="children_seen", many=True, read_only=True)
    addenda = AddendumSerializer(many=True, read_only=True)

    class Meta:
        model = HomeVisit
        fields = [
            "id",
            "version",
            "status",
            "status_label",
            "signed_at",
            "author",
            "created_at",
            "occurred_at",
            "kind",
            "kind_label",
            "place",
            "present",
            "observations",
            "family_words",
            "child_words",
            "agreed",
            "next_visit_on",
            "children",
            "addenda",
        ]
        read_only_fields = fields


class StaleEditSerializer(serializers.Serializer[Any]):
    """409: somebody saved a newer version; nothing was written."""

    detail = serializers.CharField()
    your_version = serializers.IntegerField()
    current = serializers.DictField()


class ErrorSerializer(serializers.Serializer[Any]):
    detail = serializers.CharField()


# --- Input ---------------------------------------------------------------------------------


class CaseListQuerySerializer(serializers.Serializer[Any]):
    """The caseload's filters (query parameters)."""

    scope = serializers.ChoiceField(
        choices=[
            (Scope.MINE, gettext_lazy("Cases I hold or cover")),
            (Scope.TEAM, gettext_lazy("My teams' cases")),
            (Scope.ORGANISATION, gettext_lazy("The organisation's cases")),
        ],
        required=False,
        allow_blank=True,
        help_text=gettext_lazy("Which list; leave out for your usual one."),
    )
    phase = serializers.ChoiceField(choices=Case.Phase.choices, required=False, allow_blank=True)
    tier = serializers.ChoiceField(choices=Case.Tier.choices, required=False, allow_blank=True)
    risk_level = serializers.ChoiceField(
        choices=Case.Risk.choices, required=False, allow_blank=True
    )
    village = serializers.IntegerField(required=False, min_value=1, max_value=2**62)
    q = serializers.CharField(required=False, allow_blank=True, max_length=200)
    include_closed = serializers.BooleanField(required=False, default=False)


# The phases a case can move to (a case never moves back into intake).
TARGET_PHASES = [
    (phase.value, phase.label)
    for phase in Case.Phase
    if any(phase in targets for targets in Case.TRANSITIONS.values())
]


class TransitionSerializer(StrictInputSerializer):
    to = serializers.ChoiceField(choices=TARGET_PHASES)
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=LONG_TEXT
    )


class VersionSerializer(StrictInputSerializer):
    version = serializers.IntegerField(min_value=1)


class PersonCreateSerializer(StrictInputSerializer, serializers.ModelSerializer[Person]):
    concerned = serializers.BooleanField(
        required=False,
        default=False,
        help_text=gettext_lazy("One of the children the case is about."),
    )

    class Meta:
        model = Person
        fields = [*PERSON_FIELDS, "concerned"]


class PersonUpdateSerializer(StrictInputSerializer, serializers.ModelSerializer[Person]):
    """Only the fields sent change; `version` is the one you read."""

    version = serializers.IntegerField(min_value=1)

    class Meta:
        model = Person
        fields = [*PERSON_FIELDS, "version"]
        extra_kwargs = {name: {"required": False} for name in PERSON_FIELDS}


class ChildSeenSerializer(StrictInputSerializer):
    child = serializers.IntegerField(min_value=1, max_value=2**62)
    seen = serializers.BooleanField()
    seen_alone = serializers.BooleanField(required=False, default=False)


def _distinct_children(value: list[dict[str, Any]]) -> list[dict[str, Any]]:
    ids = [entry["child"] for entry in value]
    if len(ids) != len(set(ids)):
        raise serializers.ValidationError(_("Each child can be listed only once."))
    return value


class VisitCreateSerializer(StrictInputSerializer, serializers.ModelSerializer[HomeVisit]):
    children = ChildSeenSerializer(many=True, required=False, default=list)
    sign = serializers.BooleanField(
        required=False,
        default=False,
        help_text=gettext_lazy("Sign the note now: it becomes final."),
    )

    class Meta:
        model = HomeVisit
        fields = [*VISIT_FIELDS, "children", "sign"]

    def validate_children(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return _distinct_children(value)


class VisitUpdateSerializer(StrictInputSerializer, serializers.ModelSerializer[HomeVisit]):
    """Only the fields sent change; without `children`, who was seen stays as it was."""

    children = ChildSeenSerializer(many=True, required=False)
    version = serializers.IntegerField(min_value=1)

    class Meta:
        model = HomeVisit
        fields = [*VISIT_FIELDS, "children", "version"]
        extra_kwargs = {name: {"required": False} for name in VISIT_FIELDS}

    def validate_children(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return _distinct_children(value)


class AddendumCreateSerializer(StrictInputSerializer, serializers.ModelSerializer[VisitAddendum]):
    class Meta:
        model = VisitAddendum
        fields = ["text"]
