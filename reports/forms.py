"""The export form: which document, which sections, in which language, and why."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from casework.documents import case_documents, case_file_sections
from casework.models import Case

from .models import CASE_FILE, CaseExport


def document_choices(case: Case) -> list[tuple[str, str]]:
    """ "case_file", then one choice per exportable record ("review_minutes:12")."""
    choices = [(CASE_FILE, str(_("The case file")))]
    for document in case_documents():
        for subject_id, label in document.subjects(case):
            choices.append((f"{document.key}:{subject_id}", f"{document.label}: {label}"))
    return choices


def parse_document(value: str) -> tuple[str, int | None]:
    """ "review_minutes:12" → ("review_minutes", 12); "case_file" → ("case_file", None); anything
    garbled → ("", None)."""
    if value == CASE_FILE:
        return CASE_FILE, None
    key, _sep, subject = value.partition(":")
    if not (key and subject.isascii() and subject.isdigit()) or len(subject) > 18:
        return "", None
    return key, int(subject)


class ExportForm(forms.Form):
    document = forms.ChoiceField(label=_("What to export"), widget=forms.RadioSelect)
    sections = forms.MultipleChoiceField(
        label=_("Sections of the case file"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The cover and the table of contents are always included."),
    )
    purpose = forms.ChoiceField(
        label=_("Why are you exporting it?"),
        choices=CaseExport.Purpose.choices,
        widget=forms.RadioSelect,
        help_text=_("It is printed on every page and kept in the case's audit trail."),
    )
    purpose_detail = forms.CharField(
        label=_("The purpose, in your words"),
        required=False,
        max_length=300,
        help_text=_("Required for “Other (say what)”. For a court: the court and the hearing."),
    )
    language = forms.ChoiceField(label=_("Language of the document"), choices=settings.LANGUAGES)

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        document_field = self.fields["document"]
        assert isinstance(document_field, forms.ChoiceField)  # noqa: S101 - declared above
        documents = document_choices(case)
        document_field.choices = documents
        self._document_values = {value for value, _label in documents}
        sections = case_file_sections()
        self._section_help = {s.key: s.help_text for s in sections}
        sections_field = self.fields["sections"]
        assert isinstance(sections_field, forms.ChoiceField)  # noqa: S101 - declared above
        sections_field.choices = [(s.key, str(s.label)) for s in sections]
        self.fields["sections"].initial = [s.key for s in sections if s.default]
        self.fields["document"].initial = CASE_FILE
        self.fields["language"].initial = translation.get_language()

    def document_values(self) -> set[str]:
        """What may be exported now: "case_file" and one value per exportable record."""
        return self._document_values

    def sections_with_help(self) -> list[tuple[Any, Any]]:
        """Each section's checkbox with the section's own hint, in print order."""
        return [(box, self._section_help.get(box.data["value"], "")) for box in self["sections"]]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (
            cleaned.get("purpose") == CaseExport.Purpose.OTHER
            and not cleaned.get("purpose_detail", "").strip()
        ):
            self.add_error("purpose_detail", _("Say in a few words what the export is for."))
        if cleaned.get("document") == CASE_FILE and not cleaned.get("sections"):
            self.add_error("sections", _("Tick at least one section to export."))
        return cleaned
