"""Forms of the service directory: searching it, and keeping it."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from casework.forms import VillageChoiceField
from casework.models import LONG_TEXT, User, Village

from .forms_intake import organisation_villages
from .models import HelpKind, Service
from .services import SERVICE_FIELDS


class HelpKindChoiceField(forms.ModelChoiceField[HelpKind]):
    def label_from_instance(self, obj: HelpKind) -> str:
        return obj.label


class HelpKindMultipleField(forms.ModelMultipleChoiceField[HelpKind]):
    def label_from_instance(self, obj: HelpKind) -> str:
        return obj.label


class VillageMultipleField(forms.ModelMultipleChoiceField[Village]):
    def label_from_instance(self, obj: Village) -> str:
        name = f"{obj.name_km} ({obj.name})" if obj.name_km else obj.name
        return f"{name}, {obj.commune}"


class PartnerMultipleField(forms.ModelMultipleChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        organisation = obj.organisation.name if obj.organisation is not None else ""
        return f"{obj.display_name} ({organisation})" if organisation else obj.display_name


class ServiceSearchForm(forms.Form):
    """Find a service by what the family needs, where it lives, and words."""

    need = HelpKindChoiceField(
        label=_("Kind of help needed"),
        required=False,
        queryset=HelpKind.objects.filter(is_active=True),
        empty_label=_("Any kind of help"),
    )
    village = VillageChoiceField(
        label=_("Village"),
        required=False,
        queryset=Village.objects.none(),
        empty_label=_("Any village"),
    )
    q = forms.CharField(
        label=_("Words"),
        required=False,
        max_length=100,
        help_text=_("Part of the name, the provider, or what they offer."),
    )

    def __init__(self, *args: Any, organisation_id: int | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(VillageChoiceField, self.fields["village"]).queryset = organisation_villages(
            organisation_id
        )


class ServiceForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)
    name = forms.CharField(label=_("Name of the service"), max_length=200)
    provider = forms.CharField(
        label=_("Offered by"),
        required=False,
        max_length=200,
        help_text=_("The organisation or community group, for example “the temple committee”."),
    )
    description = forms.CharField(
        label=_("What they offer"),
        required=False,
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    kinds = HelpKindMultipleField(
        label=_("Kinds of help"),
        queryset=HelpKind.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    villages = VillageMultipleField(
        label=_("Villages covered"),
        required=False,
        queryset=Village.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked if the area is described in words below."),
    )
    area_notes = forms.CharField(
        label=_("Area covered"),
        required=False,
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "For example “the whole province” or “only families registered at the temple”."
        ),
    )
    eligibility = forms.CharField(
        label=_("Who can use it"),
        required=False,
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    contact_name = forms.CharField(label=_("Contact person"), required=False, max_length=200)
    phone = forms.CharField(label=_("Phone"), required=False, max_length=40)
    address = forms.CharField(
        label=_("Address"),
        required=False,
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    partner_users = PartnerMultipleField(
        label=_("Partner accounts"),
        required=False,
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Staff of the service who receive referrals in Upstream. Without any, referrals "
            "go on paper."
        ),
    )
    is_active = forms.BooleanField(
        label=_("In use"),
        required=False,
        initial=True,
        help_text=_("Untick to take the service out of searches and new referrals."),
    )

    def __init__(
        self, *args: Any, organisation_id: int | None, service: Service | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        kinds = list(service.kinds.values_list("pk", flat=True)) if service else []
        villages = list(service.villages.values_list("pk", flat=True)) if service else []
        partners = list(service.partner_users.values_list("pk", flat=True)) if service else []
        cast(HelpKindMultipleField, self.fields["kinds"]).queryset = HelpKind.objects.filter(
            Q(is_active=True) | Q(pk__in=kinds)
        )
        cast(VillageMultipleField, self.fields["villages"]).queryset = Village.objects.filter(
            Q(pk__in=organisation_villages(organisation_id).values("pk")) | Q(pk__in=villages)
        ).order_by("province", "district", "commune", "name")
        cast(PartnerMultipleField, self.fields["partner_users"]).queryset = (
            User.objects.filter(Q(role=User.Role.PARTNER, is_active=True) | Q(pk__in=partners))
            .select_related("organisation")
            .order_by("first_name", "last_name", "username")
        )
        if service is not None and not self.is_bound:
            self.initial.update({name: getattr(service, name) for name in SERVICE_FIELDS})
            self.initial.update(
                {
                    "version": service.version,
                    "kinds": kinds,
                    "villages": villages,
                    "partner_users": partners,
                }
            )

    def service_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in SERVICE_FIELDS}

    def lists(self) -> dict[str, list[Any]]:
        return {
            "kinds": list(self.cleaned_data.get("kinds") or []),
            "villages": list(self.cleaned_data.get("villages") or []),
            "partner_users": list(self.cleaned_data.get("partner_users") or []),
        }


__all__ = ["ServiceForm", "ServiceSearchForm"]
