"""Forms of the intake pages: recording a referral, screening it, naming intake workers.

They parse and check input; `referrals.services` decides and writes.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.forms import UserChoiceField, VillageChoiceField
from casework.models import LONG_TEXT, Case, ConcernCategory, Family, Person, Team, User, Village
from casework.widgets import DayMonthYearField

from .models import Intake, IntakePerson, Service
from .selectors import IntakeMatch
from .services import IntakePersonData

MAX_PEOPLE = 6
NAME_FIELDS = ("given_name_km", "family_name_km", "given_name_latin", "family_name_latin")


def organisation_villages(
    organisation_id: int | None, keep: int | None = None
) -> QuerySet[Village]:
    """The villages the organisation's teams cover (and the record's own, if it has one)."""
    return (
        Village.objects.filter(Q(teams__organisation_id=organisation_id) | Q(pk=keep))
        .distinct()
        .order_by("province", "district", "commune", "name")
    )


class ConcernChoiceField(forms.ModelMultipleChoiceField[ConcernCategory]):
    def label_from_instance(self, obj: ConcernCategory) -> str:
        return obj.label


class IntakeForm(forms.Form):
    """What the referrer said: who they are, the family, the concerns, how urgent."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)
    referrer_kind = forms.ChoiceField(
        label=_("Who referred"), choices=Intake.ReferrerKind.choices, widget=forms.RadioSelect
    )
    referrer_name = forms.CharField(label=_("Referrer's name"), required=False, max_length=200)
    referrer_organisation = forms.CharField(
        label=_("Referrer's organisation or role"),
        required=False,
        max_length=200,
        help_text=_("For example “Primary school, teacher” or “village chief”."),
    )
    referrer_contact = forms.CharField(
        label=_("How to reach the referrer"),
        required=False,
        max_length=300,
        help_text=_("A phone number, or where to find them."),
    )
    referrer_confidential = forms.BooleanField(
        label=_("Keep who referred confidential from the family"), required=False, initial=True
    )
    family_name = forms.CharField(label=_("Family name"), required=False, max_length=200)
    village = VillageChoiceField(
        label=_("Village"),
        required=False,
        queryset=Village.objects.none(),
        empty_label=_("Not known yet"),
    )
    address_notes = forms.CharField(
        label=_("How to find the home"),
        required=False,
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    concerns = ConcernChoiceField(
        label=_("Concerns"),
        required=False,
        queryset=ConcernCategory.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"), choices=Intake.Urgency.choices, widget=forms.RadioSelect
    )
    description = forms.CharField(
        label=_("What the referrer said, in their own words"),
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    received_on = DayMonthYearField(
        label=_("Received on"),
        required=False,
        help_text=_("Day, month and year, for example 27 3 2025. Blank means today."),
    )
    received_time = forms.TimeField(
        label=_("Received at (time)"),
        required=False,
        help_text=_("For example 14:30. Blank means now (today) or midday (another day)."),
        widget=forms.TimeInput(attrs={"inputmode": "numeric"}, format="%H:%M"),
    )

    def __init__(
        self, *args: Any, organisation_id: int | None, intake: Intake | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        village = cast(VillageChoiceField, self.fields["village"])
        village.queryset = organisation_villages(
            organisation_id, intake.village_id if intake else None
        )
        kept = list(intake.concerns.values_list("pk", flat=True)) if intake else []
        concerns = cast(ConcernChoiceField, self.fields["concerns"])
        concerns.queryset = ConcernCategory.objects.filter(Q(is_active=True) | Q(pk__in=kept))
        if intake is not None and not self.is_bound:
            local = timezone.localtime(intake.received_at)
            self.initial.update(
                {
                    "version": intake.version,
                    "referrer_kind": intake.referrer_kind,
                    "referrer_name": intake.referrer_name,
                    "referrer_organisation": intake.referrer_organisation,
                    "referrer_contact": intake.referrer_contact,
                    "referrer_confidential": intake.referrer_confidential,
                    "family_name": intake.family_name,
                    "village": intake.village_id,
                    "address_notes": intake.address_notes,
                    "concerns": kept,
                    "urgency": intake.urgency,
                    "description": intake.description,
                    "received_on": local.date(),
                    "received_time": local.time().replace(second=0, microsecond=0),
                }
            )

    def received_at(self) -> datetime.datetime:
        day: datetime.date | None = self.cleaned_data.get("received_on")
        time: datetime.time | None = self.cleaned_data.get("received_time")
        now = timezone.localtime()
        if day is None or (day == now.date() and time is None):
            return (
                now
                if time is None
                else timezone.make_aware(datetime.datetime.combine(now.date(), time))
            )
        return timezone.make_aware(datetime.datetime.combine(day, time or datetime.time(12, 0)))

    def intake_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "received_at": self.received_at(),
            "referrer_kind": data["referrer_kind"],
            "referrer_name": data["referrer_name"],
            "referrer_organisation": data["referrer_organisation"],
            "referrer_contact": data["referrer_contact"],
            "referrer_confidential": bool(data.get("referrer_confidential")),
            "family_name": data["family_name"],
            "village": data.get("village"),
            "address_notes": data["address_notes"],
            "urgency": data["urgency"],
            "description": data["description"],
        }

    def concerns_chosen(self) -> list[ConcernCategory]:
        return list(self.cleaned_data.get("concerns") or [])


class IntakePersonForm(forms.Form):
    """One person the referrer named."""

    given_name_km = forms.CharField(label=_("Given name (Khmer)"), required=False, max_length=100)
    family_name_km = forms.CharField(label=_("Family name (Khmer)"), required=False, max_length=100)
    given_name_latin = forms.CharField(
        label=_("Given name (Latin letters)"), required=False, max_length=100
    )
    family_name_latin = forms.CharField(
        label=_("Family name (Latin letters)"), required=False, max_length=100
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=Person.Sex.choices, initial=Person.Sex.UNKNOWN)
    approximate_age = forms.IntegerField(
        label=_("Approximate age in years"), required=False, min_value=0, max_value=120
    )
    relationship = forms.ChoiceField(
        label=_("Relationship to the family"),
        required=False,
        choices=[("", _("Choose…")), *Person.Relationship.choices],
    )
    is_child_of_concern = forms.BooleanField(
        label=_("A child the referral is about"), required=False
    )

    TELLING_FIELDS = (*NAME_FIELDS, "approximate_age", "relationship", "is_child_of_concern")

    def has_changed(self) -> bool:
        # A row counts when the user typed or chose something; the sex select alone does not.
        return any(self[name].data not in (None, "", False) for name in self.TELLING_FIELDS)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not any((cleaned.get(name) or "").strip() for name in NAME_FIELDS):
            raise ValidationError(_("Enter a name in Khmer script, in Latin letters, or both."))
        if not cleaned.get("relationship"):
            self.add_error("relationship", _("Choose how this person is related to the family."))
        return cleaned

    def person_data(self) -> IntakePersonData:
        data = self.cleaned_data
        return IntakePersonData(
            relationship=data["relationship"],
            given_name_km=data["given_name_km"],
            family_name_km=data["family_name_km"],
            given_name_latin=data["given_name_latin"],
            family_name_latin=data["family_name_latin"],
            sex=data["sex"],
            approximate_age=data["approximate_age"],
            is_child_of_concern=bool(data.get("is_child_of_concern")),
        )


class BaseIntakePeopleFormSet(forms.BaseFormSet):  # type: ignore[type-arg]
    def filled(self) -> list[IntakePersonForm]:
        return [form for form in self.forms if form.has_changed()]

    def clean(self) -> None:
        super().clean()
        if any(form.errors for form in self.forms):
            return
        if not any(form.cleaned_data.get("is_child_of_concern") for form in self.filled()):
            raise ValidationError(_("Name at least one child the referral is about."))

    def people_data(self) -> list[IntakePersonData]:
        return [form.person_data() for form in self.filled()]


def people_formset(data: Any = None, *, intake: Intake | None = None) -> BaseIntakePeopleFormSet:
    """Six rows: the referral's people first (when editing), then empty ones."""
    initial: list[dict[str, Any]] = []
    if intake is not None:
        initial = [
            {
                "given_name_km": p.given_name_km,
                "family_name_km": p.family_name_km,
                "given_name_latin": p.given_name_latin,
                "family_name_latin": p.family_name_latin,
                "sex": p.sex,
                "approximate_age": p.approximate_age,
                "relationship": p.relationship,
                "is_child_of_concern": p.is_child_of_concern,
            }
            for p in intake.people.all()
        ][:MAX_PEOPLE]
    formset_class = forms.formset_factory(
        IntakePersonForm,
        formset=BaseIntakePeopleFormSet,
        extra=MAX_PEOPLE - len(initial),
        max_num=MAX_PEOPLE,
        absolute_max=MAX_PEOPLE,
        validate_max=True,
    )
    return cast(BaseIntakePeopleFormSet, formset_class(data, initial=initial, prefix="people"))


def add_people_errors(formset: BaseIntakePeopleFormSet, errors: dict[str, list[str]]) -> None:
    """The service names a person's problem `person-<n>` (n-th filled row): put it on that row."""
    filled = formset.filled()
    for name, messages in errors.items():
        if name.startswith("person-"):
            index = int(name.removeprefix("person-"))
            if index < len(filled):
                filled[index].add_error(None, messages)


# --- Screening -------------------------------------------------------------------------------


class FamilyChoiceField(forms.ModelChoiceField[Family]):
    def label_from_instance(self, obj: Family) -> str:
        village = obj.village.name if obj.village_id else ""
        return f"{obj.family_name} ({village})" if village else obj.family_name


class CaseChoiceField(forms.ModelChoiceField[Case]):
    def label_from_instance(self, obj: Case) -> str:
        return f"{obj.reference} — {obj.family.family_name} ({obj.get_phase_display()})"


class ServiceChoiceField(forms.ModelChoiceField[Service]):
    def label_from_instance(self, obj: Service) -> str:
        return f"{obj.name} ({obj.provider})" if obj.provider else obj.name


class PersonChoiceField(forms.ModelChoiceField[Person]):
    def label_from_instance(self, obj: Person) -> str:
        return f"{obj.display_name} — {obj.family.family_name}"


class ScreenForm(forms.Form):
    """The screening decision. Which fields matter depends on the decision; the service says
    which are missing."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    decision = forms.ChoiceField(
        label=_("Decision"), choices=Intake.Decision.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=_("Reason for the decision"),
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Always required: what you weighed and why you decided this."),
    )
    team = forms.ModelChoiceField(
        label=_("Team"), required=False, queryset=Team.objects.none(), empty_label=_("Choose…")
    )
    worker = UserChoiceField(
        label=_("Allocated worker"),
        required=False,
        queryset=User.objects.none(),
        empty_label=_("Choose…"),
    )
    tier = forms.ChoiceField(
        label=_("Tier"), required=False, choices=[("", _("Choose…")), *Case.Tier.choices]
    )
    risk_level = forms.ChoiceField(
        label=_("Risk level"), required=False, choices=[("", _("Choose…")), *Case.Risk.choices]
    )
    family = FamilyChoiceField(
        label=_("This is the family on record"),
        required=False,
        queryset=Family.objects.none(),
        empty_label=_("No: a family not on record"),
        help_text=_("Only if you are sure. The new case then joins that family's record."),
    )
    case = CaseChoiceField(
        label=_("Existing case"),
        required=False,
        queryset=Case.objects.none(),
        empty_label=_("Choose…"),
    )
    service = ServiceChoiceField(
        label=_("Service"),
        required=False,
        queryset=Service.objects.none(),
        empty_label=_("Choose…"),
    )

    def __init__(
        self,
        *args: Any,
        intake: Intake,
        people: Sequence[IntakePerson],
        matches: Sequence[IntakeMatch],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        organisation_id = intake.organisation_id
        teams = Team.objects.filter(organisation_id=organisation_id).order_by("name")
        cast(forms.ModelChoiceField, self.fields["team"]).queryset = teams  # type: ignore[type-arg]
        cast(UserChoiceField, self.fields["worker"]).queryset = (
            User.objects.filter(
                Q(teams__organisation_id=organisation_id)
                | Q(supervised_teams__organisation_id=organisation_id),
                is_active=True,
                organisation_id=organisation_id,
            )
            .exclude(role=User.Role.PARTNER)
            .distinct()
            .order_by("first_name", "last_name", "username")
        )
        visible = [m for m in matches if m.visible and m.family is not None]
        family_ids = [m.family.pk for m in visible if m.family is not None]
        case_ids = [c.case.pk for m in visible for c in m.cases]
        cast(FamilyChoiceField, self.fields["family"]).queryset = Family.objects.filter(
            pk__in=family_ids
        ).select_related("village")
        cast(CaseChoiceField, self.fields["case"]).queryset = Case.objects.filter(
            pk__in=case_ids
        ).select_related("family")
        cast(ServiceChoiceField, self.fields["service"]).queryset = Service.objects.filter(
            directory_of_id=organisation_id, is_active=True
        ).order_by("name", "pk")
        self.person_fields: list[tuple[IntakePerson, str]] = []
        on_record = Person.objects.filter(family_id__in=family_ids).select_related("family")
        for person in people:
            name = f"person_{person.pk}"
            self.fields[name] = PersonChoiceField(
                label=person.display_name,
                required=False,
                queryset=on_record,
                empty_label=_("Not on record: add as a new person"),
            )
            self.person_fields.append((person, name))
        if not self.is_bound:
            self.initial["version"] = intake.version

    def mapping_fields(self) -> list[forms.BoundField]:
        """“Who on record is this person?”, one select per person named."""
        return [self[name] for _person, name in self.person_fields]

    def people_on_record(self) -> dict[int, Person]:
        chosen: dict[int, Person] = {}
        for person, name in self.person_fields:
            value = self.cleaned_data.get(name)
            if value is not None:
                chosen[person.pk] = value
        return chosen

    def screen_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "decision": data["decision"],
            "reason": data["reason"],
            "team": data.get("team"),
            "worker": data.get("worker"),
            "tier": data.get("tier") or "",
            "risk_level": data.get("risk_level") or "",
            "family": data.get("family"),
            "people_on_record": self.people_on_record(),
            "case": data.get("case"),
            "service": data.get("service"),
        }


# --- Intake workers --------------------------------------------------------------------------


class IntakeWorkerForm(forms.Form):
    user = UserChoiceField(
        label=_("Add someone who screens referrals"),
        queryset=User.objects.none(),
        empty_label=_("Choose…"),
        help_text=_("Supervisors of a team screen without being named here."),
    )

    def __init__(self, *args: Any, organisation_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(UserChoiceField, self.fields["user"]).queryset = User.objects.filter(
            organisation_id=organisation_id,
            is_active=True,
            role__in=[User.Role.SOCIAL_WORKER, User.Role.SUPERVISOR],
            intake_worker__isnull=True,
        ).order_by("first_name", "last_name", "username")
