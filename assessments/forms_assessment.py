"""Forms for the assessment pages. They parse and check input; the services decide and write.

Labels come from the models' own (translated) field names where those read well, so that a
page, the API and the audit trail call a thing by the same name.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.db import models
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from casework.models import LONG_TEXT, Person, User
from casework.widgets import DayMonthYearField

from .models import (
    Assessment,
    ChildVoice,
    Mapping,
    MappingEntry,
    NeedDomain,
    NeedEntry,
    Risk,
    ScaleScore,
    Voice,
)
from .services import ASSESSMENT_FIELDS, VOICE_FIELDS, EntryData, NeedData, RiskData

RISK_ROWS = 3  # risk rows per domain (more when an assessment already has more)
ENTRY_ROWS = 3  # empty rows per column of a new mapping
MORE_ENTRY_ROWS = 2  # empty rows added under the saved ones when a mapping is edited
MAX_ENTRIES = 40  # per column; a mapping is a conversation, not a database


def _model_field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    return cast("models.Field[Any, Any]", model._meta.get_field(name))


def _label(model: type[models.Model], name: str) -> StrOrPromise:
    return capfirst(_model_field(model, name).verbose_name) or name


def long_text(
    model: type[models.Model],
    name: str,
    *,
    rows: int = 3,
    help_text: StrOrPromise | None = None,
) -> forms.CharField:
    """A free-text answer: optional here (the service says what is missing), 10,000 at most."""
    model_field = _model_field(model, name)
    return forms.CharField(
        label=_label(model, name),
        help_text=model_field.help_text if help_text is None else help_text,
        required=False,
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


@dataclass(frozen=True)
class ErrorItem:
    """One line of the error summary: what is wrong, and the field it links to."""

    href: str
    text: str


def error_items(forms_with_context: Iterable[tuple[forms.BaseForm, str]]) -> list[ErrorItem]:
    """The GOV.UK error summary for several forms at once (a page of blocks and rows).

    Each form comes with words that say where it is on the page ("Education", "Worries,
    row 2"), so that a message makes sense out of place. Radio buttons link to their first
    option (a group of radios has no single element for a label).
    """
    items: list[ErrorItem] = []
    for form, where in forms_with_context:
        prefix = f"{where} — " if where else ""
        for error in form.non_field_errors():
            items.append(ErrorItem(href="", text=f"{prefix}{error}"))
        for bound in form:
            for error in bound.errors:
                target = bound.id_for_label or f"{bound.auto_id}_0"
                items.append(ErrorItem(href=f"#{target}", text=f"{prefix}{bound.label}: {error}"))
    return items


def is_radio(bound: forms.BoundField) -> bool:
    return isinstance(bound.field.widget, forms.RadioSelect)


# --- The assessment --------------------------------------------------------------------------


class AssessmentForm(forms.Form):
    """The assessment's general part: who took part, the family's words, the analysis."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    participants = long_text(Assessment, "participants", rows=2)
    family_views = long_text(Assessment, "family_views", rows=4)
    summary = long_text(Assessment, "summary", rows=5)

    def service_data(self) -> dict[str, str]:
        return {name: self.cleaned_data[name] for name in ASSESSMENT_FIELDS}


class NeedForm(forms.Form):
    """One domain of the assessment. Left blank, the domain is simply not assessed."""

    need = long_text(NeedEntry, "need", rows=2)
    met = forms.ChoiceField(
        label=_label(NeedEntry, "met"),
        choices=NeedEntry.Met.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    strengths = long_text(
        NeedEntry,
        "strengths",
        rows=2,
        help_text=_("What keeps the child safe or well here: people, habits, resources."),
    )
    analysis = long_text(
        NeedEntry,
        "analysis",
        rows=3,
        help_text=_("Look past the surface signs: what lies behind them?"),
    )

    def __init__(
        self, *args: Any, domain: NeedDomain, risk_rows: int = RISK_ROWS, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.domain = domain
        self.risk_count = risk_rows
        self.blank = False
        for index in range(risk_rows):
            self.fields[f"risk_{index}"] = forms.CharField(
                label=gettext("Risk %(number)s") % {"number": index + 1},
                required=False,
                max_length=LONG_TEXT,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            self.fields[f"risk_{index}_kind"] = forms.ChoiceField(
                label=_label(Risk, "kind"),
                choices=Risk.Kind.choices,
                required=False,
                widget=forms.RadioSelect,
            )

    def risk_rows(self) -> list[tuple[int, forms.BoundField, forms.BoundField]]:
        return [
            (index + 1, self[f"risk_{index}"], self[f"risk_{index}_kind"])
            for index in range(self.risk_count)
        ]

    def saved_state(self) -> str:
        """What the folded block says about the domain: met, partly met, unmet or nothing."""
        met = self.initial.get("met")
        return str(NeedEntry.Met(met).label) if met else ""

    def is_open(self) -> bool:
        """Show the block unfolded: it has content, or something to fix."""
        if self.is_bound:
            return bool(self.errors) or not self.blank
        return bool(self.initial.get("need"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        texts = [
            cleaned.get("need"),
            cleaned.get("strengths"),
            cleaned.get("analysis"),
            *(cleaned.get(f"risk_{index}") for index in range(self.risk_count)),
        ]
        self.blank = not any(texts) and not cleaned.get("met")
        if self.blank:
            return cleaned
        if not cleaned.get("need"):
            self.add_error(
                "need",
                gettext("Say what the child needs, or clear this domain to leave it out."),
            )
        if not cleaned.get("met"):
            self.add_error("met", gettext("Say whether this need is met, partly met or unmet."))
        for index in range(self.risk_count):
            if cleaned.get(f"risk_{index}") and not cleaned.get(f"risk_{index}_kind"):
                self.add_error(
                    f"risk_{index}_kind",
                    gettext("Say whether this risk is a surface sign or a root cause."),
                )
        return cleaned

    def need_data(self) -> NeedData | None:
        if self.blank:
            return None
        data = self.cleaned_data
        return NeedData(
            domain_id=self.domain.pk,
            need=data["need"],
            met=data["met"],
            strengths=data["strengths"],
            analysis=data["analysis"],
            risks=[
                RiskData(description=data[f"risk_{index}"], kind=data[f"risk_{index}_kind"])
                for index in range(self.risk_count)
                if data.get(f"risk_{index}")
            ],
        )


def need_initial(entry: NeedEntry | None) -> dict[str, Any]:
    if entry is None:
        return {}
    initial: dict[str, Any] = {
        "need": entry.need,
        "met": entry.met,
        "strengths": entry.strengths,
        "analysis": entry.analysis,
    }
    for index, risk in enumerate(entry.risks.all()):
        initial[f"risk_{index}"] = risk.description
        initial[f"risk_{index}_kind"] = risk.kind
    return initial


class AssessmentEditForms:
    """The whole edit page: the general form and one block per domain, checked together."""

    def __init__(
        self,
        data: Any,
        *,
        assessment: Assessment,
        domains: Sequence[NeedDomain],
        entries: dict[int, NeedEntry],
    ) -> None:
        self.form = AssessmentForm(
            data,
            initial={
                "version": assessment.version,
                **{name: getattr(assessment, name) for name in ASSESSMENT_FIELDS},
            },
        )
        self.blocks: list[NeedForm] = []
        for domain in domains:
            entry = entries.get(domain.pk)
            saved_risks = len(entry.risks.all()) if entry is not None else 0
            self.blocks.append(
                NeedForm(
                    data,
                    prefix=f"need-{domain.code}",
                    domain=domain,
                    risk_rows=max(RISK_ROWS, saved_risks),
                    initial=need_initial(entry),
                )
            )

    def is_valid(self) -> bool:
        results = [self.form.is_valid(), *(block.is_valid() for block in self.blocks)]
        return all(results)

    def needs(self) -> list[NeedData]:
        return [need for block in self.blocks if (need := block.need_data()) is not None]

    def errors(self) -> list[ErrorItem]:
        return error_items(
            [(self.form, ""), *((block, str(block.domain.label)) for block in self.blocks)]
        )


class DecisionForm(forms.Form):
    """A supervisor's decision: the button pressed says which; a return needs a comment."""

    decision = forms.ChoiceField(
        choices=[("approve", _("Approve")), ("return", _("Return for changes"))]
    )
    comment = forms.CharField(
        label=_("Comment for the worker"),
        help_text=_("To return the assessment, say what needs to change."),
        required=False,
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


# --- The three-column mapping -------------------------------------------------------------------


class MappingForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)
    held_on = DayMonthYearField(label=_label(Mapping, "held_on"))
    participants = long_text(
        Mapping,
        "participants",
        rows=2,
        help_text=_("The family members, the child and anyone else who took part."),
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"].required = editing
        if not self.is_bound:
            self.initial.setdefault("held_on", timezone.localdate())


VOICE_CHOICES = [("", _("Choose whose view it is")), *Voice.choices]


class EntryForm(forms.Form):
    """One row of a column: what was said, what kind of thing it is, and whose view it is."""

    text = long_text(MappingEntry, "text", rows=2, help_text="")
    kind = forms.ChoiceField(label=_label(MappingEntry, "kind"), required=False)
    voice = forms.ChoiceField(
        label=_label(MappingEntry, "voice"), choices=VOICE_CHOICES, required=False
    )
    voice_name = forms.CharField(
        label=_label(MappingEntry, "voice_name"),
        help_text=_model_field(MappingEntry, "voice_name").help_text,
        max_length=200,
        required=False,
    )

    def __init__(self, *args: Any, column: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.column = column
        names = dict(MappingEntry.Kind.choices)
        kind_field = cast(forms.ChoiceField, self.fields["kind"])
        kind_field.choices = [
            ("", gettext("Choose what kind of entry it is")),
            *((kind, names[kind]) for kind in MappingEntry.KINDS_BY_COLUMN[column]),
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("text"):
            return cleaned  # an empty row is left out, whatever its selects say
        if not cleaned.get("kind"):
            self.add_error("kind", gettext("Choose what kind of entry it is."))
        if not cleaned.get("voice"):
            self.add_error("voice", gettext("Choose whose view it is."))
        return cleaned

    def entry_data(self) -> EntryData | None:
        data = self.cleaned_data
        if not data.get("text"):
            return None
        return EntryData(
            column=self.column,
            kind=data["kind"],
            text=data["text"],
            voice=data["voice"],
            voice_name=data["voice_name"],
        )


class MappingForms:
    """The mapping page: date and participants, and a set of rows under each column."""

    def __init__(self, data: Any, *, mapping: Mapping | None = None) -> None:
        initial_by_column: dict[str, list[dict[str, str]]] = {}
        if mapping is not None:
            for entry in mapping.entries.all():
                initial_by_column.setdefault(entry.column, []).append(
                    {
                        "text": entry.text,
                        "kind": entry.kind,
                        "voice": entry.voice,
                        "voice_name": entry.voice_name,
                    }
                )
        self.form = MappingForm(
            data,
            editing=mapping is not None,
            initial=(
                {
                    "version": mapping.version,
                    "held_on": mapping.held_on,
                    "participants": mapping.participants,
                }
                if mapping is not None
                else None
            ),
        )
        self.columns: list[tuple[str, StrOrPromise, forms.BaseFormSet[EntryForm]]] = []
        for column, label in MappingEntry.Column.choices:
            initial = initial_by_column.get(column, [])
            formset_class = forms.formset_factory(
                EntryForm,
                extra=MORE_ENTRY_ROWS if mapping is not None else ENTRY_ROWS,
                max_num=MAX_ENTRIES,
                validate_max=True,
                absolute_max=MAX_ENTRIES,
            )
            formset = formset_class(
                data, prefix=column, initial=initial or None, form_kwargs={"column": column}
            )
            self.columns.append((column, label, formset))

    def is_valid(self) -> bool:
        results = [self.form.is_valid(), *(formset.is_valid() for _c, _l, formset in self.columns)]
        return all(results)

    def entries(self) -> list[EntryData]:
        return [
            entry
            for _column, _label, formset in self.columns
            for form in formset.forms
            if (entry := form.entry_data()) is not None
        ]

    def errors(self) -> list[ErrorItem]:
        items = error_items([(self.form, "")])
        for _column, label, formset in self.columns:
            for error in formset.non_form_errors():
                items.append(ErrorItem(href="", text=f"{label} — {error}"))
            items += error_items(
                (form, gettext("%(column)s, row %(number)s") % {"column": label, "number": n})
                for n, form in enumerate(formset.forms, start=1)
            )
        return items


# --- The safety scale --------------------------------------------------------------------------


class PersonChoiceField(forms.ModelChoiceField[Person]):
    def label_from_instance(self, obj: Person) -> str:
        return f"{obj.display_name} ({obj.get_relationship_display()})"


class ScaleForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_label(ScaleScore, "score"),
        help_text=_model_field(ScaleScore, "score").help_text,
        choices=[(str(value), str(value)) for value in range(11)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    voice = forms.ChoiceField(
        label=_label(ScaleScore, "voice"), choices=Voice.choices, widget=forms.RadioSelect
    )
    person = PersonChoiceField(
        label=_("Which family member or child"),
        help_text=_("For a score given by a member of the family or by a child."),
        queryset=Person.objects.none(),
        required=False,
        empty_label=_("Nobody of the family"),
    )
    voice_name = forms.CharField(
        label=_label(ScaleScore, "voice_name"),
        help_text=_("For a safety network member or another professional, e.g. “teacher”."),
        max_length=200,
        required=False,
    )
    recorded_on = DayMonthYearField(label=_label(ScaleScore, "recorded_on"))
    reason = long_text(
        ScaleScore,
        "reason",
        rows=3,
        help_text=_("In their words: what makes it this number, and not one lower?"),
    )

    def __init__(self, *args: Any, people: Sequence[Person], actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        person_field = cast(PersonChoiceField, self.fields["person"])
        person_field.queryset = Person.objects.filter(pk__in=[p.pk for p in people]).order_by("pk")
        if not self.is_bound:
            self.initial.setdefault("recorded_on", timezone.localdate())
            self.initial.setdefault(
                "voice",
                Voice.SUPERVISOR if actor.role == User.Role.SUPERVISOR else Voice.WORKER,
            )


# --- The child's voice --------------------------------------------------------------------------


class ChildChoiceField(forms.ModelChoiceField[Person]):
    def label_from_instance(self, obj: Person) -> str:
        return obj.display_name


class ChildVoiceForm(forms.Form):
    """The three houses and what safety means, in the child's own words, with a drawing."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    child = ChildChoiceField(
        label=_("Child"), queryset=Person.objects.none(), widget=forms.RadioSelect
    )
    recorded_on = DayMonthYearField(label=_label(ChildVoice, "recorded_on"))
    worries = long_text(
        ChildVoice, "worries", help_text=_("What worries the child, in the child's own words.")
    )
    good_things = long_text(
        ChildVoice, "good_things", help_text=_("What is good in the child's life.")
    )
    wishes = long_text(ChildVoice, "wishes", help_text=_("What the child would like to happen."))
    safe_means = long_text(ChildVoice, "safe_means", rows=2)
    safety_network = long_text(ChildVoice, "safety_network", rows=2)
    helped_by = forms.CharField(
        label=_label(ChildVoice, "helped_by"),
        help_text=_model_field(ChildVoice, "helped_by").help_text,
        max_length=200,
        required=False,
    )
    drawing = forms.FileField(
        label=_label(ChildVoice, "drawing"),
        help_text=_(
            "Optional. A photo (JPEG, PNG or WebP) of what the child drew. It stays inside "
            "Upstream and only people working on the case can see it."
        ),
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    remove_drawing = forms.BooleanField(label=_("Remove the photo of the drawing"), required=False)

    def __init__(
        self,
        *args: Any,
        children: Sequence[Person],
        voice: ChildVoice | None = None,
        **kwargs: Any,
    ) -> None:
        if voice is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "version": voice.version,
                **{name: getattr(voice, name) for name in VOICE_FIELDS},
            }
        super().__init__(*args, **kwargs)
        self.voice = voice
        if voice is None:
            del self.fields["version"]
            del self.fields["remove_drawing"]
            child_field = cast(ChildChoiceField, self.fields["child"])
            child_field.queryset = Person.objects.filter(
                pk__in=[child.pk for child in children]
            ).order_by("pk")
            if not self.is_bound:
                self.initial.setdefault("recorded_on", timezone.localdate())
                if len(children) == 1:
                    self.initial.setdefault("child", children[0].pk)
        else:
            del self.fields["child"]  # a voice stays the voice of the child who spoke
            if not voice.drawing:
                del self.fields["remove_drawing"]

    def voice_data(self) -> dict[str, str | datetime.date]:
        return {name: self.cleaned_data[name] for name in VOICE_FIELDS}
