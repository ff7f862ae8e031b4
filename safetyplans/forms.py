"""Forms of the intervention pages. They check input; the services decide (DESIGN rule 3)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from django import forms
from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.models import Goal
from casework.forms import VersionedForm
from casework.models import LONG_TEXT, Person
from casework.widgets import DayMonthYearField

from .models import Intervention, NetworkMember
from .services import INTERVENTION_FIELDS, MEMBER_FIELDS, RuleData

Choices = list[tuple[Any, Any]]


def _long_text(label: str | Any, *, required: bool = False, help_text: Any = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=[MaxLengthValidator(LONG_TEXT)],
    )


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


# --- The network ------------------------------------------------------------------------------


class NetworkMemberForm(VersionedForm):
    """Adding (no version yet) or editing one member of the safety network."""

    joined_on = DayMonthYearField(
        label=_("In the network since"),
        help_text=_("For example 27 3 2024."),
    )

    class Meta:
        model = NetworkMember
        fields = list(MEMBER_FIELDS)
        widgets = {
            "knows_worries": forms.Textarea(attrs={"rows": 3}),
            "agreed_to_do": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, people: Sequence[Person], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            self.fields["version"].required = False
            if not self.is_bound:
                self.initial.setdefault("joined_on", timezone.localdate())
        person = cast(forms.ModelChoiceField, self.fields["person"])  # type: ignore[type-arg]
        person.queryset = Person.objects.filter(pk__in=[p.pk for p in people]).order_by("pk")
        person.empty_label = str(_("Not a member of the family"))
        # The service fills the name from the family member when it is left blank.
        self.fields["name"].required = False
        self.fields["name"].help_text = _(
            "Leave blank for a family member chosen above. A commitment is only worth "
            "something with a name: who exactly?"
        )

    def member_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in MEMBER_FIELDS}


class RemoveMemberForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    reason = _long_text(_("Why are they leaving the network?"), required=True)
    left_on = DayMonthYearField(
        label=_("Left the network on"),
        required=False,
        help_text=_("For example 27 3 2024. Leave blank for today."),
    )
    replaced_by = forms.TypedChoiceField(
        label=_("Who takes over their rules?"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_("Someone else in the network now."),
    )
    replacement_note = _long_text(
        _("Or: what replaces their commitments?"),
        help_text=_("For example “the neighbour will check at night instead”."),
    )

    def __init__(self, *args: Any, others: Sequence[NetworkMember], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: Choices = [("", _("Nobody: I say below what replaces them"))]
        choices += [(str(m.pk), f"{m.name} ({m.relationship})") for m in others]
        cast(forms.TypedChoiceField, self.fields["replaced_by"]).choices = choices


# --- The safety plan --------------------------------------------------------------------------


@dataclass
class RuleChoices:
    """The choices every rule row offers, built once for the whole page (no query per row)."""

    responsible: Choices = field(default_factory=list)
    dangers: Choices = field(default_factory=list)
    goals: Choices = field(default_factory=list)


def rule_choices(
    *,
    members: Sequence[NetworkMember],
    people: Sequence[Person],
    dangers: Sequence[tuple[int, str]],
    goals: Sequence[tuple[int, str]],
) -> RuleChoices:
    responsible: Choices = [("", _("Choose who is responsible"))]
    if members:
        responsible.append(
            (
                _("Safety network"),
                [(f"member-{m.pk}", f"{m.name} ({m.relationship})") for m in members],
            )
        )
    if people:
        responsible.append(
            (_("Family"), [(f"person-{p.pk}", p.display_name) for p in people]),
        )
    return RuleChoices(
        responsible=responsible,
        dangers=[("", _("None chosen"))] + [(str(pk), text) for pk, text in dangers],
        goals=[("", _("None chosen"))] + [(str(pk), text) for pk, text in goals],
    )


class RuleForm(forms.Form):
    text = forms.CharField(
        label=_("The rule, in the family's words"),
        required=False,
        help_text=_(
            "For example “If father has been drinking, the children sleep at grandmother's”."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=[MaxLengthValidator(LONG_TEXT)],
    )
    responsible = forms.ChoiceField(label=_("Who is responsible"), required=False)
    how_known = _long_text(_("How the network will know it is kept"))
    if_not_kept = _long_text(_("What happens if it is not kept"))
    danger = forms.ChoiceField(label=_("The danger statement it answers"), required=False)
    safety_goal = forms.ChoiceField(label=_("The safety goal it serves"), required=False)

    def __init__(self, *args: Any, choices: RuleChoices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["responsible"]).choices = choices.responsible
        cast(forms.ChoiceField, self.fields["danger"]).choices = choices.dangers
        cast(forms.ChoiceField, self.fields["safety_goal"]).choices = choices.goals

    def is_blank(self) -> bool:
        if not self.is_bound:
            return not self.initial.get("text")
        data = getattr(self, "cleaned_data", {})
        return not any(
            str(data.get(name) or "").strip() for name in self.fields if name != "DELETE"
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        others = ("responsible", "how_known", "if_not_kept", "danger", "safety_goal")
        text = str(data.get("text") or "").strip()
        if not text and not data.get("DELETE") and any(data.get(n) for n in others):
            self.add_error("text", _("Write the rule, or clear the whole row."))
        return data

    def rule_data(self) -> RuleData:
        data = self.cleaned_data
        kind, _sep, pk = str(data.get("responsible") or "").partition("-")
        return RuleData(
            text=data["text"].strip(),
            responsible_member_id=int(pk) if kind == "member" and pk.isdigit() else None,
            responsible_person_id=int(pk) if kind == "person" and pk.isdigit() else None,
            how_known=data.get("how_known") or "",
            if_not_kept=data.get("if_not_kept") or "",
            danger_id=int(data["danger"]) if data.get("danger") else None,
            safety_goal_id=int(data["safety_goal"]) if data.get("safety_goal") else None,
        )


BaseRuleFormSet = forms.formset_factory(
    RuleForm, extra=2, can_delete=True, max_num=40, absolute_max=60, validate_max=True
)


class RuleFormSet(BaseRuleFormSet):  # type: ignore[misc,valid-type]
    def rules(self) -> list[RuleData]:
        """The rows kept, in order: blank rows and rows ticked for removal are left out."""
        return [
            form.rule_data()
            for form in self.forms
            if not form.cleaned_data.get("DELETE") and not form.is_blank()
        ]


def rule_initial(rule: Any) -> dict[str, Any]:
    responsible = ""
    if rule.responsible_member_id is not None:
        responsible = f"member-{rule.responsible_member_id}"
    elif rule.responsible_person_id is not None:
        responsible = f"person-{rule.responsible_person_id}"
    return {
        "text": rule.text,
        "responsible": responsible,
        "how_known": rule.how_known,
        "if_not_kept": rule.if_not_kept,
        "danger": str(rule.danger_id or ""),
        "safety_goal": str(rule.safety_goal_id or ""),
    }


class SafetyPlanForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    family_language = forms.ChoiceField(
        label=_("The family's language"),
        choices=settings.LANGUAGES,
        help_text=_("The page for the family is written in this language."),
    )
    for_the_children = _long_text(
        _("Explanation for the children"),
        help_text=_(
            "In words a child understands: what happened, who is worried, and what everyone "
            "is doing about it."
        ),
    )


class AgreeForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    agreed_on = DayMonthYearField(
        label=_("Agreed on"), help_text=_("For example 27 3 2024: the day the family agreed.")
    )
    people = forms.TypedMultipleChoiceField(
        label=_("Family members and children who agreed"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    members = forms.TypedMultipleChoiceField(
        label=_("Network members who agreed"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self,
        *args: Any,
        people: Sequence[Person],
        members: Sequence[NetworkMember],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("agreed_on", timezone.localdate())
        cast(forms.TypedMultipleChoiceField, self.fields["people"]).choices = [
            (p.pk, p.display_name) for p in people
        ]
        cast(forms.TypedMultipleChoiceField, self.fields["members"]).choices = [
            (m.pk, f"{m.name} ({m.relationship})") for m in members
        ]


# --- Support delivered ------------------------------------------------------------------------


class GoalChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.text)


class InterventionForm(VersionedForm):
    started_on = DayMonthYearField(label=_("Started on"), help_text=_("For example 27 3 2024."))
    ended_on = DayMonthYearField(
        label=_("Ended on"),
        required=False,
        help_text=_("Leave blank while it goes on."),
    )
    goals = GoalChoiceField(
        label=_("Goals of the case plan it serves"),
        queryset=Goal.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Intervention
        fields = [*INTERVENTION_FIELDS]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "outcome": forms.Textarea(attrs={"rows": 3}),
            "amount": forms.NumberInput(attrs={"inputmode": "decimal", "min": "0"}),
        }

    def __init__(self, *args: Any, goals: Sequence[Goal], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            self.fields["version"].required = False
            if not self.is_bound:
                self.initial.setdefault("started_on", timezone.localdate())
        elif not self.is_bound:
            self.initial["goals"] = [g.pk for g in self.instance.goals.all()]
        goal_field = cast(GoalChoiceField, self.fields["goals"])
        goal_field.queryset = Goal.objects.filter(pk__in=[g.pk for g in goals]).order_by("pk")
        self.fields["currency"].help_text = _("Needed when you give an amount.")
        self.fields["amount"].help_text = _("Leave blank if no money was given.")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        amount = data.get("amount")
        if amount is not None and not data.get("currency") and "currency" not in self.errors:
            self.add_error("currency", _("Say whether the amount is in riel or in US dollars."))
        if amount is not None and amount < 0 and "amount" not in self.errors:
            self.add_error("amount", _("The amount cannot be negative."))
        return data

    def intervention_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in INTERVENTION_FIELDS}

    def goal_ids(self) -> list[int]:
        return [goal.pk for goal in self.cleaned_data.get("goals") or []]
