"""Forms of the review pages. They check input; the services decide (DESIGN rule 3)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from assessments.models import Voice
from casework.forms import UserChoiceField
from casework.models import LONG_TEXT, Case, Person, User
from casework.widgets import DayMonthYearField

from .models import GoalProgress, Participant, Review, RuleProgress
from .services import eligible_chairs

Choices = list[tuple[Any, Any]]


def _long_text(label: Any, *, required: bool = False, help_text: Any = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=[MaxLengthValidator(LONG_TEXT)],
    )


def _date(label: Any, *, required: bool = False, help_text: Any = "") -> DayMonthYearField:
    return DayMonthYearField(
        label=label, required=required, help_text=help_text or _("For example 27 3 2024.")
    )


def _blank(label: Any, choices: Sequence[tuple[Any, Any]]) -> Choices:
    return [("", label), *choices]


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


# --- The schedule -------------------------------------------------------------------------------


class ScheduleForm(forms.Form):
    due_on = _date(_("Date of the review"), required=True)
    chair = UserChoiceField(
        label=_("Chair"),
        required=False,
        queryset=User.objects.none(),
        empty_label=_("Choose the chair later"),
        help_text=_("Someone independent: not the case's workers, nobody in its team."),
    )
    date_reason = _long_text(
        _("Why this date"), help_text=_("Needed when the date differs from the review policy.")
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(UserChoiceField, self.fields["chair"]).queryset = eligible_chairs(case)


class ChairForm(VersionForm):
    chair = UserChoiceField(
        label=_("Chair"),
        queryset=User.objects.none(),
        help_text=_("Someone independent: not the case's workers, nobody in its team."),
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(UserChoiceField, self.fields["chair"]).queryset = eligible_chairs(case)


class RescheduleForm(VersionForm):
    due_on = _date(_("New date of the review"), required=True)
    date_reason = _long_text(_("Why the review moves"), required=True)


# --- The review itself --------------------------------------------------------------------------


class ReviewForm(VersionForm):
    """The review's own fields; the rows (people, goals, rules, scores) are sub-forms."""

    held_on = _date(_("Held on"))
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    child_views = _long_text(_("The children's views, in their words"))
    family_views = _long_text(_("The family's views, in their words"))
    network_views = _long_text(_("What the safety network says"))
    professional_views = _long_text(_("What other professionals say"))
    decision = forms.ChoiceField(
        label=_("Decision"),
        required=False,
        choices=_blank(_("Not decided yet"), Review.Decision.choices),
    )
    decision_reasons = _long_text(_("Reasons for the decision"))
    next_due_on = _date(
        _("Next review"),
        help_text=_("Leave blank to take the date the review policy gives. For example 27 3 2024."),
    )
    next_date_reason = _long_text(_("Why a different next date"))

    FIELDS = (
        "held_on",
        "place",
        "child_views",
        "family_views",
        "network_views",
        "professional_views",
        "decision",
        "decision_reasons",
        "next_due_on",
        "next_date_reason",
    )

    def __init__(self, data: Any = None, *, review: Review | None = None, **kwargs: Any) -> None:
        if review is not None:
            initial = {name: getattr(review, name) for name in self.FIELDS}
            kwargs["initial"] = {**initial, "version": review.version, **kwargs.get("initial", {})}
        super().__init__(data, **kwargs)

    def changed_values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.FIELDS}


class ChildViewsForm(forms.Form):
    """How one child's views were gathered (one per child of the case)."""

    gathered = forms.ChoiceField(
        label=_("How their views were gathered"),
        required=False,
        choices=_blank(_("Not said yet"), Participant.Gathered.choices),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=LONG_TEXT)


class AttendanceForm(forms.Form):
    family = forms.TypedMultipleChoiceField(
        label=_("Family members who took part"),
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )
    network = forms.TypedMultipleChoiceField(
        label=_("Safety network members who took part"),
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, family: Choices, network: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.TypedMultipleChoiceField, self.fields["family"]).choices = family
        cast(forms.TypedMultipleChoiceField, self.fields["network"]).choices = network


class ProfessionalForm(forms.Form):
    name = forms.CharField(label=_("Name"), required=False, max_length=200)
    role = forms.CharField(label=_("Role or organisation"), required=False, max_length=200)
    note = forms.CharField(label=_("Note"), required=False, max_length=LONG_TEXT)


ProfessionalFormSet = forms.formset_factory(ProfessionalForm, extra=0, max_num=50)


class GoalProgressForm(forms.Form):
    progress = forms.ChoiceField(
        label=_("Progress"),
        required=False,
        choices=_blank(_("Not reviewed"), GoalProgress.Progress.choices),
    )
    note = forms.CharField(label=_("What shows it"), required=False, max_length=LONG_TEXT)


class RuleProgressForm(forms.Form):
    kept = forms.ChoiceField(
        label=_("Kept?"),
        required=False,
        choices=_blank(_("Not reviewed"), RuleProgress.Kept.choices),
    )
    note = forms.CharField(label=_("What shows it"), required=False, max_length=LONG_TEXT)


class ScoreForm(forms.Form):
    """One voice's answer to the scaling question; a row without a score is left out."""

    voice = forms.ChoiceField(label=_("Whose voice"), choices=Voice.choices)
    person = forms.TypedChoiceField(
        label=_("Family member or child"), required=False, coerce=int, empty_value=None
    )
    voice_name = forms.CharField(label=_("Name"), required=False, max_length=200)
    score = forms.IntegerField(
        label=_("Score (0 to 10)"), required=False, min_value=0, max_value=10
    )
    reason = forms.CharField(label=_("Why this score"), required=False, max_length=LONG_TEXT)

    def __init__(self, *args: Any, people: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        person = cast(forms.TypedChoiceField, self.fields["person"])
        person.choices = _blank(_("Nobody chosen"), people)

    def is_filled(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return data.get("score") is not None or bool((data.get("reason") or "").strip())


class BaseScoreFormSet(forms.BaseFormSet):  # type: ignore[type-arg]
    def __init__(self, *args: Any, people: Choices, **kwargs: Any) -> None:
        self.people = people
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {**super().get_form_kwargs(index), "people": self.people}


ScoreFormSet = forms.formset_factory(ScoreForm, formset=BaseScoreFormSet, extra=0, max_num=50)


class AddendumForm(forms.Form):
    text = _long_text(_("Addendum"), required=True)


# --- Closing and risk ---------------------------------------------------------------------------


class CloseForm(forms.Form):
    risk_reduced = forms.BooleanField(
        label=_("Risk reduced to an acceptable level"), required=False
    )
    in_school = forms.BooleanField(label=_("The children go to school"), required=False)
    health_care = forms.BooleanField(label=_("The children have health care"), required=False)
    outcome = _long_text(_("Outcome, in a few sentences"), required=True)
    follow_up_on = _date(_("Follow-up check on"), required=True)
    override_reason = _long_text(
        _("Supervisor's reason for closing anyway"),
        help_text=_("Only when the case does not meet the rules for closing yet."),
    )


class RiskForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    risk_level = forms.ChoiceField(label=_("Risk level"), choices=Case.Risk.choices)
    reason = _long_text(_("Why the risk level changes"), required=True)


def person_choices(people: Sequence[Person]) -> Choices:
    return [(p.pk, p.display_name) for p in people]
