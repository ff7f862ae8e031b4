"""What the referrals API reads and writes. Explicit fields only; no serializer saves.

As in the other apps' APIs: output serializers render labels next to codes and run no query of
their own (the views prefetch); input serializers check only the shape of a request and refuse
unknown fields, so that the services get typed values and keep the rules. Choice sets have
their own schema components, named so that they never clash with another app's.

A partner's representation of a referral is `referrals.selectors.partner_view`, and nothing
else: `PartnerReferralSerializer` only documents its shape and returns it as it is.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assessments.api.serializers import MAX_REQUEST_ID
from casework.api.serializers import StrictInputSerializer, UserRefSerializer, VillageSerializer
from casework.models import LONG_TEXT, Case, Person

from .. import sharing
from ..models import Consent, HelpKind, Intake, IntakePerson, OutgoingReferral, Service
from ..selectors import partner_view

# --- Choice sets -----------------------------------------------------------------------------


def _enum(choices: Any) -> dict[str, Any]:
    return {"type": "string", "enum": [value for value, _label in choices]}


@extend_schema_field(_enum(Intake.ReferrerKind.choices), component_name="IntakeReferrerKind")
class ReferrerKindField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Intake.ReferrerKind.choices, **kwargs)


@extend_schema_field(_enum(Intake.Urgency.choices), component_name="IntakeUrgency")
class UrgencyField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Intake.Urgency.choices, **kwargs)


@extend_schema_field(_enum(Intake.Status.choices), component_name="IntakeStatus")
class IntakeStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Intake.Status.choices, **kwargs)


@extend_schema_field(
    {"type": "string", "enum": [*(v for v, _l in Intake.Decision.choices), ""]},
    component_name="IntakeDecision",
)
class IntakeDecisionField(serializers.ChoiceField):
    """A screening decision ("" while the referral awaits screening)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Intake.Decision.choices, **kwargs)


@extend_schema_field(_enum(Person.Relationship.choices), component_name="IntakePersonRelationship")
class RelationshipField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Person.Relationship.choices, **kwargs)


@extend_schema_field(_enum(Person.Sex.choices), component_name="IntakePersonSex")
class SexField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Person.Sex.choices, **kwargs)


@extend_schema_field(_enum(Consent.GivenBy.choices), component_name="ConsentGivenBy")
class GivenByField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Consent.GivenBy.choices, **kwargs)


@extend_schema_field(_enum(OutgoingReferral.Status.choices), component_name="ReferralStatus")
class ReferralStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=OutgoingReferral.Status.choices, **kwargs)


@extend_schema_field(
    {"type": "string", "enum": list(sharing.FIELD_CODES)}, component_name="ShareableField"
)
class ShareableFieldField(serializers.ChoiceField):
    """A code of the catalogue of shareable information (referrals.sharing)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=list(sharing.FIELD_CODES), **kwargs)


@extend_schema_field(_enum(Case.Tier.choices), component_name="IntakeCaseTier")
class TierField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Case.Tier.choices, **kwargs)


@extend_schema_field(_enum(Case.Risk.choices), component_name="IntakeCaseRisk")
class RiskField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Case.Risk.choices, **kwargs)


def _long_text(**kwargs: Any) -> serializers.CharField:
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


def _codes(**kwargs: Any) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.SlugField(max_length=50), max_length=100, **kwargs
    )


def _fields(**kwargs: Any) -> serializers.ListField:
    return serializers.ListField(
        child=ShareableFieldField(), max_length=len(sharing.FIELD_CODES) * 2, **kwargs
    )


# --- Output: reference data --------------------------------------------------------------------


class HelpKindSerializer(serializers.ModelSerializer[HelpKind]):
    """A kind of help; `label` is in the reader's language."""

    label = serializers.CharField(read_only=True)  # type: ignore[assignment]  # a field named like Field.label

    class Meta:
        model = HelpKind
        fields = ["code", "label", "name", "name_km"]
        read_only_fields = fields


class ReferralPersonRefSerializer(serializers.ModelSerializer[Person]):
    name = serializers.CharField(source="display_name", read_only=True)

    class Meta:
        model = Person
        fields = ["id", "name"]
        read_only_fields = fields


class SharedItemSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field named like Field.label
    value = serializers.JSONField()
    text = serializers.CharField()


class SharedFieldSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field named like Field.label


# --- Output: the directory ---------------------------------------------------------------------


class ServiceSerializer(serializers.ModelSerializer[Service]):
    """A service of the directory. `receives_in_upstream`: it has active partner accounts
    (otherwise referrals go on paper)."""

    kinds = HelpKindSerializer(many=True, read_only=True)
    villages = VillageSerializer(many=True, read_only=True)
    receives_in_upstream = serializers.SerializerMethodField()
    partner_users = UserRefSerializer(many=True, read_only=True)

    class Meta:
        model = Service
        fields = [
            "id",
            "version",
            "name",
            "provider",
            "description",
            "kinds",
            "villages",
            "area_notes",
            "eligibility",
            "contact_name",
            "phone",
            "address",
            "receives_in_upstream",
            "partner_users",
            "is_active",
        ]
        read_only_fields = fields

    def get_receives_in_upstream(self, service: Service) -> bool:
        return any(user.is_active for user in service.partner_users.all())


class ServiceRefSerializer(serializers.ModelSerializer[Service]):
    class Meta:
        model = Service
        fields = ["id", "name", "provider"]
        read_only_fields = fields


# --- Output: intake ------------------------------------------------------------------------------


class IntakePersonSerializer(serializers.ModelSerializer[IntakePerson]):
    relationship = RelationshipField(read_only=True)
    sex = SexField(read_only=True)
    name = serializers.CharField(source="display_name", read_only=True)

    class Meta:
        model = IntakePerson
        fields = [
            "id",
            "name",
            "given_name_km",
            "family_name_km",
            "given_name_latin",
            "family_name_latin",
            "sex",
            "approximate_age",
            "relationship",
            "is_child_of_concern",
        ]
        read_only_fields = fields


class ConcernRefSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field named like Field.label


class IntakeSerializer(serializers.ModelSerializer[Intake]):
    """An incoming referral, with its urgency and how many days it has waited (`age_days`)."""

    referrer_kind = ReferrerKindField(read_only=True)
    urgency = UrgencyField(read_only=True)
    urgency_label = serializers.CharField(source="get_urgency_display", read_only=True)
    status = IntakeStatusField(read_only=True)
    village = VillageSerializer(read_only=True, allow_null=True)
    people = IntakePersonSerializer(many=True, read_only=True)
    concerns = serializers.SerializerMethodField()
    age_days = serializers.IntegerField(read_only=True)
    recorded_by = UserRefSerializer(read_only=True)

    class Meta:
        model = Intake
        fields = [
            "id",
            "version",
            "received_at",
            "age_days",
            "urgency",
            "urgency_label",
            "status",
            "referrer_kind",
            "family_name",
            "village",
            "people",
            "concerns",
            "recorded_by",
        ]
        read_only_fields = fields

    @extend_schema_field(ConcernRefSerializer(many=True))
    def get_concerns(self, intake: Intake) -> list[dict[str, str]]:
        return [{"code": c.code, "label": str(c.label)} for c in intake.concerns.all()]


class IntakeDetailSerializer(IntakeSerializer):
    """The whole referral: who referred and how to reach them, what they said, and (once
    screened) the decision, its reason and the case or service it led to."""

    decision = IntakeDecisionField(read_only=True)
    decided_by = UserRefSerializer(read_only=True, allow_null=True)
    service = ServiceRefSerializer(read_only=True, allow_null=True)

    class Meta(IntakeSerializer.Meta):
        fields = [
            *IntakeSerializer.Meta.fields,
            "referrer_name",
            "referrer_organisation",
            "referrer_contact",
            "referrer_confidential",
            "address_notes",
            "description",
            "decision",
            "decision_reason",
            "decided_by",
            "decided_at",
            "case",
            "service",
        ]
        read_only_fields = fields


class MatchedCaseSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(source="case.pk")
    reference = serializers.CharField()
    phase = serializers.CharField()
    phase_label = serializers.CharField()
    is_closed = serializers.BooleanField()
    team = serializers.CharField()
    worker = serializers.CharField()


class ElsewhereSerializer(serializers.Serializer[Any]):
    team = serializers.CharField()
    supervisors = serializers.ListField(child=serializers.CharField())


class MatchFamilySerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(source="pk")
    family_name = serializers.CharField()


class IntakeMatchSerializer(serializers.Serializer[Any]):
    """A family on record that may be the one referred. When `visible` is false you may see
    none of its cases: only the teams and whom to ask (`elsewhere`)."""

    score = serializers.IntegerField()
    visible = serializers.BooleanField()
    all_closed = serializers.BooleanField()
    family = MatchFamilySerializer(allow_null=True)
    people = ReferralPersonRefSerializer(many=True)
    why = serializers.ListField(child=serializers.CharField())
    cases = MatchedCaseSerializer(many=True)
    elsewhere = ElsewhereSerializer(many=True)


# --- Output: consent -------------------------------------------------------------------------


class ConsentSerializer(serializers.ModelSerializer[Consent]):
    """A consent to share. `in_force` says whether it covers a share made today."""

    given_by = ReferralPersonRefSerializer(read_only=True)
    given_by_kind = GivenByField(read_only=True)
    services = ServiceRefSerializer(many=True, read_only=True)
    kinds = HelpKindSerializer(many=True, read_only=True)
    information = serializers.ListField(child=ShareableFieldField(), read_only=True)
    in_force = serializers.SerializerMethodField()
    recorded_by = UserRefSerializer(read_only=True)
    withdrawn_by_person = ReferralPersonRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Consent
        fields = [
            "id",
            "given_by",
            "given_by_kind",
            "child_age",
            "understanding",
            "services",
            "kinds",
            "information",
            "purpose",
            "given_on",
            "expires_on",
            "how_explained",
            "in_force",
            "recorded_by",
            "recorded_at",
            "withdrawn_on",
            "withdrawn_by_person",
            "withdrawal_note",
        ]
        read_only_fields = fields

    def get_in_force(self, consent: Consent) -> bool:
        return consent.in_force_on(self.context["today"])


# --- Output: outgoing referrals ----------------------------------------------------------------


class ReferralSerializer(serializers.ModelSerializer[OutgoingReferral]):
    """A referral of children of the case to a service, and where it stands."""

    service = ServiceRefSerializer(read_only=True)
    help_kind = HelpKindSerializer(read_only=True)
    status = ReferralStatusField(read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    children = ReferralPersonRefSerializer(many=True, read_only=True)
    shared_fields = serializers.ListField(child=ShareableFieldField(), read_only=True)
    is_override = serializers.BooleanField(read_only=True)
    override_by = UserRefSerializer(read_only=True, allow_null=True)
    sent_by = UserRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = OutgoingReferral
        fields = [
            "id",
            "version",
            "status",
            "status_label",
            "service",
            "help_kind",
            "need",
            "children",
            "shared_fields",
            "background",
            "follow_up_on",
            "consent",
            "is_override",
            "override_reason",
            "override_by",
            "sent_at",
            "sent_by",
            "acknowledged_at",
            "decided_at",
            "completed_at",
            "withdrawn_at",
            "decline_reason",
            "outcome",
            "withdraw_reason",
            "created_at",
        ]
        read_only_fields = fields


class ConsentCheckSerializer(serializers.Serializer[Any]):
    """Whether a consent in force covers the service, the purpose and every chosen field."""

    covered = serializers.BooleanField()
    consent = serializers.IntegerField(allow_null=True)
    missing = serializers.ListField(child=ShareableFieldField())
    message = serializers.CharField()


class SharePreviewSerializer(serializers.Serializer[Any]):
    """What the service receives (or received): the chosen fields, per child and in general."""

    shared_fields = SharedFieldSerializer(many=True)
    children = serializers.ListField(child=SharedItemSerializer(many=True))
    information = SharedItemSerializer(many=True)


class ReferralDetailSerializer(ReferralSerializer):
    """A referral with, for a draft, the consent check as it stands today; and the preview of
    what would be shared (or, once sent, what was)."""

    consent_check = serializers.SerializerMethodField()
    preview = serializers.SerializerMethodField()

    class Meta(ReferralSerializer.Meta):
        fields = [*ReferralSerializer.Meta.fields, "consent_check", "preview"]
        read_only_fields = fields

    @extend_schema_field(ConsentCheckSerializer(allow_null=True))
    def get_consent_check(self, referral: OutgoingReferral) -> Any:
        return self.context["consent_check"]

    @extend_schema_field(SharePreviewSerializer)
    def get_preview(self, referral: OutgoingReferral) -> Any:
        return self.context["preview"]


class PartnerServiceSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    provider = serializers.CharField()


class PartnerAgencySerializer(serializers.Serializer[Any]):
    name = serializers.CharField()
    contact_name = serializers.CharField()
    contact_phone = serializers.CharField()


class PartnerReferralSerializer(serializers.Serializer[Any]):
    """A referral as its service sees it: only what was shared when it was sent, never the
    case. Exactly `referrals.selectors.partner_view`."""

    id = serializers.IntegerField()
    status = ReferralStatusField()
    status_label = serializers.CharField()
    service = PartnerServiceSerializer()
    help_kind = SharedFieldSerializer()
    agency = PartnerAgencySerializer()
    shared_fields = SharedFieldSerializer(many=True)
    children = serializers.ListField(child=SharedItemSerializer(many=True))
    information = SharedItemSerializer(many=True)
    sent_at = serializers.DateTimeField(allow_null=True)
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)
    withdrawn_at = serializers.DateTimeField(allow_null=True)
    decline_reason = serializers.CharField()
    outcome = serializers.CharField()
    withdraw_reason = serializers.CharField()

    def to_representation(self, instance: Any) -> Any:
        return partner_view(instance)


# --- Input: the directory ----------------------------------------------------------------------


class ServiceSearchSerializer(serializers.Serializer[Any]):
    """The directory's filters (query parameters)."""

    need = serializers.SlugField(
        required=False,
        allow_blank=True,
        max_length=50,
        help_text=gettext_lazy("The code of a kind of help, e.g. food."),
    )
    village = _request_id(required=False)
    q = serializers.CharField(required=False, allow_blank=True, max_length=200)


class ServiceCreateSerializer(StrictInputSerializer):
    name = serializers.CharField(max_length=200)
    provider = serializers.CharField(required=False, allow_blank=True, max_length=200)
    description = _long_text()
    area_notes = _long_text()
    eligibility = _long_text()
    contact_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=40)
    address = _long_text()
    is_active = serializers.BooleanField(required=False)
    kinds = _codes(help_text=gettext_lazy("Codes of the kinds of help it offers."))
    villages = _ids(required=False, help_text=gettext_lazy("Ids of the villages it covers."))
    partner_users = _ids(
        required=False,
        help_text=gettext_lazy("Ids of the partner accounts that receive its referrals."),
    )


class ServiceUpdateSerializer(ServiceCreateSerializer):
    """Only the fields sent change; lists sent replace the lists. `version` is the one you
    read."""

    version = serializers.IntegerField(min_value=1)
    name = serializers.CharField(required=False, max_length=200)
    kinds = _codes(required=False)


# --- Input: intake -------------------------------------------------------------------------------


class IntakePersonInputSerializer(StrictInputSerializer):
    relationship = RelationshipField()
    given_name_km = serializers.CharField(required=False, allow_blank=True, max_length=100)
    family_name_km = serializers.CharField(required=False, allow_blank=True, max_length=100)
    given_name_latin = serializers.CharField(required=False, allow_blank=True, max_length=100)
    family_name_latin = serializers.CharField(required=False, allow_blank=True, max_length=100)
    sex = SexField(required=False)
    approximate_age = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=120
    )
    is_child_of_concern = serializers.BooleanField(required=False, default=False)


class IntakeCreateSerializer(StrictInputSerializer):
    received_at = serializers.DateTimeField(
        required=False, help_text=gettext_lazy("Leave out for now.")
    )
    referrer_kind = ReferrerKindField()
    referrer_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    referrer_organisation = serializers.CharField(required=False, allow_blank=True, max_length=200)
    referrer_contact = serializers.CharField(required=False, allow_blank=True, max_length=300)
    referrer_confidential = serializers.BooleanField(required=False)
    family_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    village = _request_id(required=False, allow_null=True)
    address_notes = _long_text()
    urgency = UrgencyField()
    description = _long_text(required=True, allow_blank=False)
    concerns = _codes(required=False, help_text=gettext_lazy("Codes of the concerns."))
    people = serializers.ListField(child=IntakePersonInputSerializer(), max_length=50)


class IntakeUpdateSerializer(IntakeCreateSerializer):
    """Only the fields sent change; `people` and `concerns`, when sent, replace the lists."""

    version = serializers.IntegerField(min_value=1)
    referrer_kind = ReferrerKindField(required=False)
    urgency = UrgencyField(required=False)
    description = _long_text(allow_blank=False)
    people = serializers.ListField(
        child=IntakePersonInputSerializer(), max_length=50, required=False
    )


class PersonOnRecordSerializer(StrictInputSerializer):
    intake_person = _request_id(help_text=gettext_lazy("A person named in the referral."))
    person = _request_id(help_text=gettext_lazy("The same person in the family on record."))


class IntakeScreenSerializer(StrictInputSerializer):
    version = serializers.IntegerField(min_value=1)
    decision = IntakeDecisionField()
    reason = _long_text(required=True)
    team = _request_id(required=False, allow_null=True)
    worker = _request_id(required=False, allow_null=True)
    tier = TierField(required=False)
    risk_level = RiskField(required=False)
    family = _request_id(
        required=False,
        allow_null=True,
        help_text=gettext_lazy("Open the case on this family on record (a match)."),
    )
    people_on_record = serializers.ListField(
        child=PersonOnRecordSerializer(), required=False, max_length=50
    )
    case = _request_id(required=False, allow_null=True)
    service = _request_id(required=False, allow_null=True)


# --- Input: consent ----------------------------------------------------------------------------


class ConsentCreateSerializer(StrictInputSerializer):
    given_by = _request_id(help_text=gettext_lazy("A member of this family."))
    given_by_kind = GivenByField()
    child_age = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=25)
    understanding = _long_text(default="")
    services = _ids(required=False, default=list)
    kinds = _codes(required=False, default=list)
    information = _fields()
    purpose = _long_text(required=True)
    given_on = serializers.DateField()
    expires_on = serializers.DateField(required=False, allow_null=True)
    how_explained = _long_text(required=True)


class ConsentWithdrawSerializer(StrictInputSerializer):
    withdrawn_by = _request_id(help_text=gettext_lazy("The family member who withdrew it."))
    withdrawn_on = serializers.DateField(
        required=False, allow_null=True, help_text=gettext_lazy("Leave out for today.")
    )
    note = _long_text(default="")


# --- Input: outgoing referrals -----------------------------------------------------------------


class ReferralCreateSerializer(StrictInputSerializer):
    service = _request_id()
    help_kind = serializers.SlugField(max_length=50)
    need = _long_text(required=True)
    children = _ids()
    shared_fields = _fields(
        required=False,
        help_text=gettext_lazy("Leave out for the need-to-know default of the kind of help."),
    )
    background = _long_text(default="")
    follow_up_on = serializers.DateField(required=False, allow_null=True)


class ReferralUpdateSerializer(ReferralCreateSerializer):
    """Only the fields sent change (a draft only); `version` is the one you read."""

    version = serializers.IntegerField(min_value=1)
    service = _request_id(required=False)
    help_kind = serializers.SlugField(required=False, max_length=50)
    need = _long_text()
    children = _ids(required=False)
    background = _long_text()


class ReferralSendSerializer(StrictInputSerializer):
    version = serializers.IntegerField(min_value=1)
    override_reason = _long_text(
        default="",
        help_text=gettext_lazy(
            "Supervisors only, when no consent covers the share: why sharing is in the child's "
            "best interests."
        ),
    )


class ReferralWithdrawSerializer(StrictInputSerializer):
    version = serializers.IntegerField(min_value=1)
    reason = _long_text(required=True)


class ReferralFollowUpSerializer(StrictInputSerializer):
    version = serializers.IntegerField(min_value=1)
    follow_up_on = serializers.DateField(allow_null=True)


class PartnerActSerializer(StrictInputSerializer):
    version = serializers.IntegerField(
        min_value=1, required=False, help_text=gettext_lazy("The version you read.")
    )


class PartnerDeclineSerializer(PartnerActSerializer):
    reason = _long_text(required=True)


class PartnerCompleteSerializer(PartnerActSerializer):
    outcome = _long_text(required=True)
