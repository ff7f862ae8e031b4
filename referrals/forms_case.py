"""Forms of the consent and referral pages of a case. They check input; the services decide."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.core.validators import MaxLengthValidator
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from casework.forms import VillageChoiceField
from casework.models import LONG_TEXT, Person, Village
from casework.widgets import DayMonthYearField

from . import sharing
from .models import Consent, HelpKind, Service


def _long_text(label: Any, *, required: bool = False, help_text: Any = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=[MaxLengthValidator(LONG_TEXT)],
    )


class PersonChoiceField(forms.ModelChoiceField[Person]):
    def label_from_instance(self, obj: Person) -> str:
        return f"{obj.display_name} ({obj.get_relationship_display()})"


class PeopleChoiceField(forms.ModelMultipleChoiceField[Person]):
    def label_from_instance(self, obj: Person) -> str:
        return f"{obj.display_name} ({obj.get_relationship_display()})"


def service_label(service: Service) -> str:
    kinds = ", ".join(k.label for k in service.kinds.all())
    provider = f" — {service.provider}" if service.provider else ""
    paper = "" if service.partner_users.all() else f" · {_('on paper')}"
    return f"{service.name}{provider} ({kinds}){paper}"


class ServiceChoiceField(forms.ModelChoiceField[Service]):
    def label_from_instance(self, obj: Service) -> str:
        return service_label(obj)


class ServicesChoiceField(forms.ModelMultipleChoiceField[Service]):
    def label_from_instance(self, obj: Service) -> str:
        return service_label(obj)


class KindChoiceField(forms.ModelChoiceField[HelpKind]):
    def label_from_instance(self, obj: HelpKind) -> str:
        return obj.label


class KindsChoiceField(forms.ModelMultipleChoiceField[HelpKind]):
    def label_from_instance(self, obj: HelpKind) -> str:
        return obj.label


def information_field(label: Any, help_text: Any = "") -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label,
        help_text=help_text,
        choices=sharing.field_choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one kind of information.")},
    )


# --- Consent --------------------------------------------------------------------------------


class ConsentForm(forms.Form):
    given_by = PersonChoiceField(label=_("Who gave consent?"), queryset=Person.objects.none())
    given_by_kind = forms.ChoiceField(
        label=_("They are"), choices=Consent.GivenBy.choices, widget=forms.RadioSelect
    )
    child_age = forms.IntegerField(
        label=_("The child's age"),
        required=False,
        min_value=0,
        max_value=25,
        help_text=_("Only for a child's consent. Leave blank to use the age on their record."),
    )
    understanding = _long_text(
        _("How the child showed they understood"),
        help_text=_("Only for a child's consent: what they said back, in their own words."),
    )
    services = ServicesChoiceField(
        label=_("Services that may receive the information"),
        queryset=Service.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    kinds = KindsChoiceField(
        label=_("Or any service of these kinds"),
        queryset=HelpKind.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    information = information_field(_("Information that may be shared"))
    purpose = _long_text(_("Purpose"), required=True, help_text=_("Why the information is shared."))
    given_on = DayMonthYearField(label=_("Given on"), help_text=_("For example 27 3 2024."))
    expires_on = DayMonthYearField(
        label=_("Valid until"),
        required=False,
        help_text=_("The last day the consent covers. Leave blank if it does not expire."),
    )
    how_explained = _long_text(
        _("How it was explained"),
        required=True,
        help_text=_("Where, in which language, who was there, what they were told."),
    )

    def __init__(
        self,
        *args: Any,
        people: QuerySet[Person],
        services: QuerySet[Service],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(PersonChoiceField, self.fields["given_by"]).queryset = people
        cast(ServicesChoiceField, self.fields["services"]).queryset = services
        cast(KindsChoiceField, self.fields["kinds"]).queryset = HelpKind.objects.filter(
            is_active=True
        )

    def consent_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "given_by": data["given_by"],
            "given_by_kind": data["given_by_kind"],
            "child_age": data["child_age"],
            "understanding": data["understanding"],
            "services": list(data["services"]),
            "kinds": list(data["kinds"]),
            "information": list(data["information"]),
            "purpose": data["purpose"],
            "given_on": data["given_on"],
            "expires_on": data["expires_on"],
            "how_explained": data["how_explained"],
        }


class ConsentWithdrawForm(forms.Form):
    withdrawn_by = PersonChoiceField(label=_("Who withdrew it?"), queryset=Person.objects.none())
    withdrawn_on = DayMonthYearField(
        label=_("Withdrawn on"),
        required=False,
        help_text=_("For example 27 3 2024. Leave blank for today."),
    )
    note = _long_text(_("Note"), help_text=_("What they said, and what happens now."))

    def __init__(self, *args: Any, people: QuerySet[Person], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(PersonChoiceField, self.fields["withdrawn_by"]).queryset = people


# --- Outgoing referrals ---------------------------------------------------------------------


class ServiceSearchForm(forms.Form):
    """Narrow the list of services by need and village (a GET form on the referral page)."""

    kind = KindChoiceField(
        label=_("Kind of help needed"),
        queryset=HelpKind.objects.none(),
        required=False,
        empty_label=_("Any kind of help"),
        to_field_name="code",
    )
    village = VillageChoiceField(
        label=_("Village"),
        queryset=Village.objects.none(),
        required=False,
        empty_label=_("Any village"),
    )

    def __init__(self, *args: Any, villages: QuerySet[Village], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(KindChoiceField, self.fields["kind"]).queryset = HelpKind.objects.filter(
            is_active=True
        )
        cast(VillageChoiceField, self.fields["village"]).queryset = villages


SHARED_FIELDS_HELP = _(
    "Need to know: share only what this service needs to help the child. The boxes start "
    "ticked with what this kind of service usually needs — a school gets less than a foster "
    "carer. Untick anything the service does not need."
)


class ReferralForm(forms.Form):
    """A new draft (no version) or an edit of a draft."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)
    service = ServiceChoiceField(label=_("Service"), queryset=Service.objects.none())
    help_kind = KindChoiceField(label=_("Kind of help"), queryset=HelpKind.objects.none())
    need = _long_text(_("What the child needs from this service"), required=True)
    children = PeopleChoiceField(
        label=_("Who is referred"),
        queryset=Person.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one child to refer.")},
    )
    shared_fields = information_field(_("Information to share"), SHARED_FIELDS_HELP)
    background = _long_text(
        _("Background summary for this service"),
        help_text=_("Only what this service needs to know. Shared only if you tick it above."),
    )
    follow_up_on = DayMonthYearField(
        label=_("Follow up on"),
        required=False,
        help_text=_("When you will check how the referral is going. For example 27 3 2024."),
    )

    def __init__(
        self,
        *args: Any,
        people: QuerySet[Person],
        services: QuerySet[Service],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(ServiceChoiceField, self.fields["service"]).queryset = services
        cast(KindChoiceField, self.fields["help_kind"]).queryset = HelpKind.objects.filter(
            is_active=True
        )
        cast(PeopleChoiceField, self.fields["children"]).queryset = people

    def referral_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "service": data["service"],
            "help_kind": data["help_kind"],
            "need": data["need"],
            "shared_fields": list(data["shared_fields"]),
            "background": data["background"],
            "follow_up_on": data["follow_up_on"],
        }


class SendForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    override_reason = _long_text(
        _("Best-interests reason for sharing without consent"),
        help_text=_(
            "Why sharing without the family's consent is in the child's best interests, for "
            "example to protect the child. It is recorded on the case's trail."
        ),
    )


class FollowUpForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    follow_up_on = DayMonthYearField(
        label=_("Follow up on"),
        required=False,
        help_text=_("For example 27 3 2024. Leave blank for no follow-up date."),
    )


class WithdrawForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    reason = _long_text(_("Why is the referral withdrawn?"), required=True)


def people_of(family_id: int) -> QuerySet[Person]:
    return Person.objects.filter(family_id=family_id).order_by("pk")


def children_first(people: Sequence[Person]) -> list[Person]:
    return sorted(people, key=lambda p: (p.relationship != Person.Relationship.CHILD, p.pk))
