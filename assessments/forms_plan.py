"""Forms of the case plan pages and of the need domains. They parse and check input only.

The services in assessments.services decide and write. The plan form is a small family of
forms: the family's agreement, a formset of goals, and inside each goal a fixed number of
action rows (three, or one more than it has). Blank goals and blank action rows are ignored,
so a worker on a phone fills in what they need and leaves the rest; to add more, they save and
come back, and a fresh blank row is waiting.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from casework.models import LONG_TEXT
from casework.widgets import DayMonthYearField

from .domain_services import NeedDomainData
from .models import Action, CasePlan, NeedDomain, NeedEntry
from .services import ActionData, GoalData

ACTION_ROWS = 3  # action rows shown under a goal with fewer actions than this
MAX_ACTIONS = 30  # action rows accepted per goal, however many a request claims
MAX_GOALS = 20


def _anchor(field: forms.BoundField) -> str:
    # Several inputs (day/month/year, checkboxes) have no single label target: take the first.
    return field.id_for_label or f"{field.auto_id}_0"


def need_label(need: NeedEntry) -> str:
    return f"{need.domain.label}: {need.need}"


class VersionForm(forms.Form):
    """The version a button was pressed on (submit): a stale page changes nothing."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ActionForm(forms.Form):
    """One row of a goal: who does what by when, and how it is going."""

    what = forms.CharField(
        label=_("What will be done"),
        required=False,
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    who = forms.ChoiceField(
        label=_("Who does it"),
        required=False,
        choices=[("", _("Choose who")), *Action.Who.choices],
    )
    who_name = forms.CharField(
        label=_("Their name or role"),
        required=False,
        max_length=200,
        help_text=_("For example “grandmother”, “teacher”, “Commune Council”."),
    )
    due_on = DayMonthYearField(
        label=_("By when"), required=False, help_text=_("For example 30 6 2026.")
    )
    status = forms.ChoiceField(
        label=_("How it is going"), required=False, choices=Action.Status.choices
    )
    outcome = forms.CharField(
        label=_("What came of it"),
        required=False,
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    remove = forms.BooleanField(label=_("Remove this action"), required=False)

    def __init__(self, *args: Any, existing: bool = False, number: int = 1, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.existing = existing
        self.number = number
        self.initial.setdefault("status", Action.Status.TODO)

    def _raw(self, name: str) -> Any:
        return self[name].data if self.is_bound else self.initial.get(name)

    def is_blank(self) -> bool:
        """Nothing typed or chosen in this row (the status alone does not count)."""
        if not self.is_bound:
            return not self.initial.get("what")
        texts = [self._raw(name) or "" for name in ("what", "who", "who_name", "outcome")]
        date_parts = self._raw("due_on") or []
        return not any(str(text).strip() for text in texts) and not any(
            str(part or "").strip() for part in date_parts
        )

    def is_dropped(self) -> bool:
        return self.is_blank() or bool(self.is_bound and self.cleaned_data.get("remove"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.is_blank() or cleaned.get("remove"):
            return cleaned
        if not (cleaned.get("what") or "").strip() and "what" not in self.errors:
            self.add_error("what", _("Say what will be done, or empty the whole row."))
        if not cleaned.get("who") and "who" not in self.errors:
            self.add_error("who", _("Choose who does it."))
        return cleaned

    def action_data(self) -> ActionData | None:
        if self.is_dropped():
            return None
        data = self.cleaned_data
        return ActionData(
            what=data["what"],
            who=data["who"],
            who_name=data.get("who_name") or "",
            due_on=data.get("due_on"),
            status=data.get("status") or Action.Status.TODO,
            outcome=data.get("outcome") or "",
        )


class GoalForm(forms.Form):
    """A goal, the needs of the assessment it answers, and its action rows."""

    text = forms.CharField(
        label=_("Goal"),
        required=False,
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What will be different for the child, in words the family uses."),
    )
    needs = forms.TypedMultipleChoiceField(
        label=_("The needs it answers"),
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick each need of the assessment this goal answers."),
    )
    action_rows = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, needs: list[NeedEntry], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        needs_field = cast(forms.TypedMultipleChoiceField, self.fields["needs"])
        needs_field.choices = [(need.pk, need_label(need)) for need in needs]
        initial_actions: list[dict[str, Any]] = list(self.initial.get("actions") or [])
        if self.is_bound:
            try:
                rows = int(self.data.get(self.add_prefix("action_rows")) or ACTION_ROWS)
            except (TypeError, ValueError):
                rows = ACTION_ROWS
        else:
            rows = max(ACTION_ROWS, len(initial_actions) + 1)
        rows = min(max(rows, 1), MAX_ACTIONS)
        self.initial["action_rows"] = rows
        self.actions = [
            ActionForm(
                self.data if self.is_bound else None,
                prefix=self.add_prefix(f"action-{index}"),
                initial=initial_actions[index] if index < len(initial_actions) else None,
                existing=index < len(initial_actions),
                number=index + 1,
            )
            for index in range(rows)
        ]

    def action_groups(self) -> tuple[list[ActionForm], list[ActionForm]]:
        """The rows to show open, and the spare blank ones to fold away on a small screen."""
        shown = [a for a in self.actions if a.existing or not a.is_blank() or a.errors]
        spare = [a for a in self.actions if a not in shown]
        if not shown and spare:
            shown, spare = spare[:1], spare[1:]
        return shown, spare

    def is_blank(self) -> bool:
        if not self.is_bound:
            return not self.initial.get("text")
        return (
            not (self["text"].data or "").strip()
            and not self["needs"].data
            and all(action.is_blank() for action in self.actions)
        )

    def has_changed(self) -> bool:
        # Actions live outside this form's own fields: typing only an action still counts.
        return super().has_changed() or any(not action.is_blank() for action in self.actions)

    def is_valid(self) -> bool:
        valid = super().is_valid()
        if self.is_blank():
            return valid
        # Every row is checked (not just up to the first problem), so all errors show at once.
        rows_valid = [action.is_valid() for action in self.actions]
        return all(rows_valid) and valid

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.is_blank() or cleaned.get("DELETE"):
            return cleaned
        if not (cleaned.get("text") or "").strip() and "text" not in self.errors:
            self.add_error("text", _("Write the goal, or empty the whole goal to leave it out."))
        return cleaned

    def is_dropped(self) -> bool:
        return self.is_blank() or bool(self.cleaned_data.get("DELETE"))

    def goal_data(self) -> GoalData:
        return GoalData(
            text=self.cleaned_data["text"],
            need_ids=list(self.cleaned_data.get("needs") or []),
            actions=[data for action in self.actions if (data := action.action_data())],
        )


class BaseGoalFormSet(forms.BaseFormSet):  # type: ignore[type-arg]
    def goals(self) -> list[GoalData]:
        return [form.goal_data() for form in self.forms if not form.is_dropped()]


def goal_formset(
    data: Any, *, plan: CasePlan, needs: list[NeedEntry], goals_initial: list[dict[str, Any]]
) -> BaseGoalFormSet:
    formset_class = forms.formset_factory(
        GoalForm,
        formset=BaseGoalFormSet,
        extra=1 if goals_initial else 2,
        can_delete=True,
        can_delete_extra=False,
        max_num=MAX_GOALS,
        absolute_max=MAX_GOALS,
        validate_max=True,
    )
    return cast(
        BaseGoalFormSet,
        formset_class(data, prefix="goals", initial=goals_initial, form_kwargs={"needs": needs}),
    )


class PlanForm(forms.Form):
    family_agreement = forms.CharField(
        label=_("How the family took part"),
        required=False,
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Plans are made with the family: who took part, what they agreed, and what they "
            "said in their own words."
        ),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class PlanEditForms:
    """The whole plan form: the family's agreement and the goals with their actions."""

    def __init__(self, data: Any, *, plan: CasePlan, needs: list[NeedEntry]) -> None:
        goals_initial = [
            {
                "text": goal.text,
                "needs": [need.pk for need in goal.needs.all()],
                "actions": [
                    {
                        "what": action.what,
                        "who": action.who,
                        "who_name": action.who_name,
                        "due_on": action.due_on,
                        "status": action.status,
                        "outcome": action.outcome,
                    }
                    for action in goal.actions.all()
                ],
            }
            for goal in plan.goals.all()
        ]
        self.plan_form = PlanForm(
            data,
            initial={"family_agreement": plan.family_agreement, "version": plan.version},
        )
        self.goals = goal_formset(data, plan=plan, needs=needs, goals_initial=goals_initial)

    def is_valid(self) -> bool:
        plan_valid = self.plan_form.is_valid()
        goals_valid = self.goals.is_valid()
        return plan_valid and goals_valid

    def add_service_error(self, error: ValidationError) -> None:
        """A service's refusal: beside the field it names, else at the top of the form."""
        if hasattr(error, "error_dict"):
            for name, messages in error.message_dict.items():
                field = name if name in self.plan_form.fields else None
                self.plan_form.add_error(field, messages)
        else:
            self.plan_form.add_error(None, error.messages)

    def error_summary(self) -> list[tuple[str, str]]:
        """Every problem, each with the id of the input it is about (GOV.UK error summary)."""
        found: list[tuple[str, str]] = [
            ("", str(message)) for message in self.plan_form.non_field_errors()
        ]
        found += [("", str(message)) for message in self.goals.non_form_errors()]
        for field in self.plan_form:
            found += [(_anchor(field), f"{field.label}: {e}") for e in field.errors]
        for number, goal in enumerate(self.goals.forms, start=1):
            if not goal.is_bound or goal.is_blank():
                continue
            goal_name = _("Goal %(number)s") % {"number": number}
            found += [("", f"{goal_name}: {e}") for e in goal.non_field_errors()]
            for field in goal:
                found += [(_anchor(field), f"{goal_name}: {e}") for e in field.errors]
            for index, action in enumerate(goal.actions, start=1):
                if action.is_blank() or not hasattr(action, "cleaned_data"):
                    continue
                action_name = _("Goal %(goal)s, action %(action)s") % {
                    "goal": number,
                    "action": index,
                }
                for field in action:
                    found += [
                        (_anchor(field), f"{action_name}: {field.label}: {e}") for e in field.errors
                    ]
        return found

    def family_agreement(self) -> str:
        return str(self.plan_form.cleaned_data.get("family_agreement") or "")

    def version(self) -> int:
        return int(self.plan_form.cleaned_data["version"])


# --- Ticking off actions and deciding ------------------------------------------------------------


class ActionProgressForm(forms.Form):
    """Progress on one action during a visit: how it is going and what came of it."""

    status = forms.ChoiceField(
        label=_("How it is going"), choices=Action.Status.choices, widget=forms.RadioSelect
    )
    outcome = forms.CharField(
        label=_("What came of it"),
        required=False,
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What happened, in a few words. The family can read this."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    @classmethod
    def for_action(cls, action: Action, data: Any = None) -> ActionProgressForm:
        return cls(
            data,
            prefix=f"progress-{action.pk}",
            initial={"status": action.status, "outcome": action.outcome, "version": action.version},
        )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Your decision"),
        choices=[("approve", _("Approve")), ("return", _("Return for changes"))],
        error_messages={"required": _("Choose to approve the plan or to return it.")},
    )
    comment = forms.CharField(
        label=_("Your comments"),
        required=False,
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "To return the plan, say what needs to change. The worker reads this with the family."
        ),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


# --- Need domains -------------------------------------------------------------------------------


class NeedDomainForm(forms.Form):
    name = forms.CharField(label=_("Name in English"), max_length=100)
    name_km = forms.CharField(label=_("Name in Khmer"), max_length=100)
    order = forms.IntegerField(
        label=_("Place in the list"),
        required=False,
        min_value=0,
        max_value=32_000,
        help_text=_("Lower numbers come first. Leave blank to put it at the end."),
    )
    is_active = forms.BooleanField(
        label=_("In use: offer it in new assessments"), required=False, initial=True
    )

    @classmethod
    def for_domain(cls, domain: NeedDomain | None, data: Any = None) -> NeedDomainForm:
        if domain is None:
            return cls(data)
        return cls(
            data,
            initial={
                "name": domain.name,
                "name_km": domain.name_km,
                "order": domain.order,
                "is_active": domain.is_active,
            },
        )

    def domain_data(self) -> NeedDomainData:
        data = self.cleaned_data
        return NeedDomainData(
            name=data["name"],
            name_km=data["name_km"],
            order=data.get("order"),
            is_active=bool(data.get("is_active")),
        )
