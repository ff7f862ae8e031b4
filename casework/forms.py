"""Forms for casework pages. They parse and check input; the services decide and write."""

from __future__ import annotations

import datetime
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import LONG_TEXT, Case, Family, HomeVisit, Person, Team, User, Village
from .selectors import Scope, scopes_for, team_ids_of, teams_of
from .services import FAMILY_FIELDS, PERSON_FIELDS, ChildSeen, PersonData
from .widgets import DayMonthYearField

SCOPE_LABELS = {
    Scope.MINE: _("My caseload"),
    Scope.TEAM: _("My team's cases"),
    Scope.ORGANISATION: _("All cases of the organisation"),
}


def villages_for(user: User) -> QuerySet[Village]:
    """The villages a user's teams cover (every village of the organisation for administrators)."""
    if user.role == User.Role.ADMINISTRATOR:
        villages = Village.objects.filter(teams__organisation=user.organisation)
    else:
        villages = Village.objects.filter(teams__in=team_ids_of(user))
    return villages.distinct().order_by("province", "district", "commune", "name")


class VillageChoiceField(forms.ModelChoiceField[Village]):
    def label_from_instance(self, obj: Village) -> str:
        name = f"{obj.name_km} ({obj.name})" if obj.name_km else obj.name
        return f"{name}, {obj.commune}"


class UserChoiceField(forms.ModelChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return obj.display_name


class CaseFilterForm(forms.Form):
    """The caseload's filters and search, read from the query string."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        help_text=_("A reference, or part of a name in Khmer or Latin letters."),
    )
    scope = forms.ChoiceField(label=_("Show"), required=False)
    phase = forms.ChoiceField(
        label=_("Phase"), required=False, choices=[("", _("Open cases")), *Case.Phase.choices]
    )
    tier = forms.ChoiceField(
        label=_("Tier"), required=False, choices=[("", _("Any tier")), *Case.Tier.choices]
    )
    risk_level = forms.ChoiceField(
        label=_("Risk"), required=False, choices=[("", _("Any risk")), *Case.Risk.choices]
    )
    village = VillageChoiceField(
        label=_("Village"),
        required=False,
        queryset=Village.objects.none(),
        empty_label=_("Any village"),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        scope_field = cast(forms.ChoiceField, self.fields["scope"])
        scope_field.choices = [(s, SCOPE_LABELS[s]) for s in scopes_for(user)]
        if user.role == User.Role.ADMINISTRATOR:
            # An organisation covers thousands of villages (11,000 in the 1M-case benchmark,
            # a second to render as options): administrators narrow by province instead.
            del self.fields["village"]
            provinces = (
                Village.objects.filter(teams__organisation=user.organisation)
                .values_list("province", flat=True)
                .distinct()
                .order_by("province")
            )
            self.fields["province"] = forms.ChoiceField(
                label=_("Province"),
                required=False,
                choices=[("", _("Any province")), *((p, p) for p in provinces)],
            )
        else:
            village_field = cast(VillageChoiceField, self.fields["village"])
            village_field.queryset = villages_for(user)


class VersionedForm(forms.ModelForm):  # type: ignore[type-arg]
    """A form for a record people edit: it carries the version the user started from."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None and not self.is_bound:
            self.initial["version"] = self.instance.version

    def changed_values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self._meta.fields or ()}


class FamilyForm(VersionedForm):
    village = VillageChoiceField(label=_("Village"), queryset=Village.objects.none())

    class Meta:
        model = Family
        fields = list(FAMILY_FIELDS)
        widgets = {"address_notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        village_field = cast(VillageChoiceField, self.fields["village"])
        # The family's own village stays a choice even if the team no longer covers it.
        village_field.queryset = Village.objects.filter(
            Q(pk__in=villages_for(user).values("pk")) | Q(pk=self.instance.village_id)
        ).order_by("province", "district", "commune", "name")


class PersonForm(VersionedForm):
    date_of_birth = DayMonthYearField(
        label=_("Date of birth"),
        required=False,
        help_text=_("For example 27 3 2019. Leave blank and give an estimated age if unknown."),
    )

    class Meta:
        model = Person
        fields = list(PERSON_FIELDS)
        widgets = {"disability": forms.TextInput()}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        name_fields = ("given_name_km", "family_name_km", "given_name_latin", "family_name_latin")
        if not any((cleaned.get(name) or "").strip() for name in name_fields):
            raise ValidationError(_("Enter a name in Khmer script, in Latin letters, or both."))
        return cleaned


class NewPersonForm(forms.ModelForm):  # type: ignore[type-arg]
    """A person added to a family (when opening a case, or later)."""

    date_of_birth = DayMonthYearField(
        label=_("Date of birth"),
        required=False,
        help_text=_("For example 27 3 2019. Leave blank and give an estimated age if unknown."),
    )
    concerned = forms.BooleanField(
        label=_("The case is about this child"), required=False, initial=False
    )

    class Meta:
        model = Person
        fields = list(PERSON_FIELDS)
        widgets = {"disability": forms.TextInput()}

    # A block counts as filled in when the user typed something or chose a relationship;
    # the selects' defaults (sex "not known") alone leave a spare block empty.
    TELLING_FIELDS = (
        "given_name_km",
        "family_name_km",
        "given_name_latin",
        "family_name_latin",
        "relationship",
        "estimated_age",
        "disability",
        "concerned",
    )

    def has_changed(self) -> bool:
        if any(self[name].data not in (None, "", False) for name in self.TELLING_FIELDS):
            return True
        return any(part for part in (self["date_of_birth"].data or []) if part)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        name_fields = ("given_name_km", "family_name_km", "given_name_latin", "family_name_latin")
        if not any((cleaned.get(name) or "").strip() for name in name_fields):
            raise ValidationError(_("Enter a name in Khmer script, in Latin letters, or both."))
        if cleaned.get("concerned") and cleaned.get("relationship") not in (
            Person.Relationship.CHILD,
            Person.Relationship.SIBLING,
            Person.Relationship.RELATIVE,
            Person.Relationship.OTHER,
        ):
            self.add_error("concerned", _("A case is about children: check the relationship."))
        return cleaned

    def person_data(self) -> PersonData:
        data = self.cleaned_data
        return PersonData(
            relationship=data["relationship"],
            given_name_km=data["given_name_km"],
            family_name_km=data["family_name_km"],
            given_name_latin=data["given_name_latin"],
            family_name_latin=data["family_name_latin"],
            sex=data["sex"],
            date_of_birth=data["date_of_birth"],
            estimated_age=data["estimated_age"],
            disability=data["disability"],
            school_status=data["school_status"],
            concerned=bool(data.get("concerned")),
        )


class BaseOpenPeopleFormSet(forms.BaseFormSet):  # type: ignore[type-arg]
    def clean(self) -> None:
        super().clean()
        if any(form.errors for form in self.forms):
            return
        filled = [form for form in self.forms if form.has_changed()]
        if not filled:
            raise ValidationError(_("Add the people of the household, at least one child."))
        if not any(form.cleaned_data.get("concerned") for form in filled):
            raise ValidationError(_("Choose at least one child the case is about."))


OpenPeopleFormSet = forms.formset_factory(
    NewPersonForm, formset=BaseOpenPeopleFormSet, extra=3, max_num=12, validate_max=True
)


class OpenCaseForm(forms.Form):
    family_name = forms.CharField(label=_("Family name"), max_length=200)
    village = VillageChoiceField(label=_("Village"), queryset=Village.objects.none())
    address_notes = forms.CharField(
        label=_("How to find the home"),
        required=False,
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    phone = forms.CharField(label=_("Phone"), required=False, max_length=40)
    languages = forms.CharField(
        label=_("Languages spoken"),
        required=False,
        max_length=200,
        help_text=_("For example: Khmer, Cham."),
    )
    tier = forms.ChoiceField(label=_("Tier"), choices=Case.Tier.choices)
    risk_level = forms.ChoiceField(label=_("Risk level"), choices=Case.Risk.choices)
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none())
    worker = UserChoiceField(label=_("Allocated worker"), queryset=User.objects.none())
    covering_worker = UserChoiceField(
        label=_("Covering worker"),
        required=False,
        queryset=User.objects.none(),
        help_text=_("Someone who covers during leave or shares visits."),
    )
    reason = forms.CharField(
        label=_("Why the case is opened"),
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What was reported, by whom, and what worries you."),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        teams = teams_of(user)
        if user.role == User.Role.ADMINISTRATOR:
            teams = Team.objects.filter(organisation=user.organisation)
        colleagues = User.objects.filter(
            Q(teams__in=teams.values("pk")) | Q(supervised_teams__in=teams.values("pk")),
            is_active=True,
        ).distinct()
        self.fields["village"].queryset = villages_for(user)  # type: ignore[attr-defined]
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]
        self.fields["worker"].queryset = colleagues  # type: ignore[attr-defined]
        self.fields["covering_worker"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            organisation=user.organisation, is_active=True
        ).exclude(role=User.Role.PARTNER)
        if not self.is_bound:
            self.initial.setdefault("worker", user.pk)
            first_team = teams.first()
            if first_team is not None:
                self.initial.setdefault("team", first_team.pk)


class VisitForm(forms.ModelForm):  # type: ignore[type-arg]
    """A contact with the family, one column, for a phone. Children seen are extra fields."""

    occurred_on = DayMonthYearField(label=_("Date of the visit"))
    occurred_time = forms.TimeField(
        label=_("Time"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    next_visit_on = DayMonthYearField(label=_("Next visit"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    class Meta:
        model = HomeVisit
        fields = [
            "kind",
            "place",
            "present",
            "observations",
            "family_words",
            "child_words",
            "agreed",
        ]
        widgets = {
            "present": forms.Textarea(attrs={"rows": 2}),
            "observations": forms.Textarea(attrs={"rows": 5}),
            "family_words": forms.Textarea(attrs={"rows": 3}),
            "child_words": forms.Textarea(attrs={"rows": 3}),
            "agreed": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, children: list[Person], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.children = children
        visit: HomeVisit = self.instance
        seen_before = {}
        if visit.pk is not None:
            seen_before = {entry.child_id: entry for entry in visit.children_seen.all()}
            local = timezone.localtime(visit.occurred_at)
            self.initial.update(
                occurred_on=local.date(),
                occurred_time=local.time().replace(second=0, microsecond=0),
                next_visit_on=visit.next_visit_on,
                version=visit.version,
            )
        else:
            now = timezone.localtime()
            self.initial.setdefault("occurred_on", now.date())
            self.initial.setdefault("occurred_time", now.time().replace(second=0, microsecond=0))
            self.initial.setdefault("kind", HomeVisit.Kind.HOME)
        for child in children:
            entry = seen_before.get(child.pk)
            self.fields[f"child_{child.pk}_seen"] = forms.BooleanField(
                label=_("Seen"), required=False, initial=entry.seen if entry else False
            )
            self.fields[f"child_{child.pk}_alone"] = forms.BooleanField(
                label=_("Seen alone"), required=False, initial=entry.seen_alone if entry else False
            )

    def child_rows(self) -> list[tuple[Person, forms.BoundField, forms.BoundField]]:
        return [
            (child, self[f"child_{child.pk}_seen"], self[f"child_{child.pk}_alone"])
            for child in self.children
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        day = cleaned.get("occurred_on")
        time = cleaned.get("occurred_time")
        if isinstance(day, datetime.date) and isinstance(time, datetime.time):
            cleaned["occurred_at"] = timezone.make_aware(datetime.datetime.combine(day, time))
        return cleaned

    def visit_data(self) -> dict[str, Any]:
        data = {name: self.cleaned_data[name] for name in self._meta.fields or ()}
        data["occurred_at"] = self.cleaned_data["occurred_at"]
        data["next_visit_on"] = self.cleaned_data.get("next_visit_on")
        return data

    def children_seen(self) -> list[ChildSeen]:
        return [
            ChildSeen(
                child_id=child.pk,
                seen=bool(self.cleaned_data.get(f"child_{child.pk}_seen")),
                seen_alone=bool(self.cleaned_data.get(f"child_{child.pk}_alone")),
            )
            for child in self.children
        ]


class AddendumForm(forms.Form):
    text = forms.CharField(
        label=_("Addendum"),
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("A correction or something learned later. The signed note stays as it was."),
    )


class TransitionForm(forms.Form):
    to = forms.ChoiceField(label=_("Move to"), choices=Case.Phase.choices)
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        to_field = cast(forms.ChoiceField, self.fields["to"])
        to_field.choices = [(phase.value, phase.label) for phase in case.next_phases]


class ReallocateForm(forms.Form):
    worker = UserChoiceField(label=_("Allocated worker"), queryset=User.objects.none())
    covering_worker = UserChoiceField(
        label=_("Covering worker"), required=False, queryset=User.objects.none()
    )
    reason = forms.CharField(
        label=_("Why the case is reallocated"),
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        team_people = User.objects.filter(
            Q(teams=case.team_id) | Q(supervised_teams=case.team_id), is_active=True
        ).distinct()
        self.fields["worker"].queryset = team_people  # type: ignore[attr-defined]
        self.fields["covering_worker"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            organisation=case.team.organisation, is_active=True
        ).exclude(role=User.Role.PARTNER)
        if not self.is_bound:
            self.initial.update(worker=case.worker_id, covering_worker=case.covering_worker_id)
