"""What the phase apps put into exported PDFs (DESIGN: the core stays ignorant of who plugs in).

Two registries, filled from each app's AppConfig.ready():

- **Case-file sections.** The case file is a cover, a table of contents and the sections the
  exporter ticks. Each phase contributes its sections (casework: people, home visits, access
  summary; assessments: assessments, mappings, the safety scale chart, the case plan; …). A
  section is a template fragment and a function that builds its context for one case with a
  fixed number of queries, however long the case's history.
- **Short documents.** Review minutes and the family's plan: one record of a case, rendered
  there and then (they are a few pages). `subjects` lists the records that may be exported
  today (signed reviews, the agreed plan), and `context` builds the page for one of them or
  raises `LookupError` when it may not be (not signed, not agreed, another case's).

Both run only after the door let the exporter in with `export`, inside
`translation.override(<the exporter's choice of language>)`. They must not audit: the export
records the one event.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise

from .models import Case

Text = str | Promise


@dataclass(frozen=True)
class CaseFileSection:
    key: str
    order: int
    label: Text
    template: str
    context: Callable[[Case], dict[str, Any]]
    help_text: Text = ""
    # Ticked on the export form unless the exporter unticks it.
    default: bool = True


@dataclass(frozen=True)
class CaseDocument:
    key: str
    label: Text
    template: str
    subjects: Callable[[Case], list[tuple[int, str]]]
    context: Callable[[Case, int], dict[str, Any]]
    # The language the document is written in by default (the family's plan: the family's
    # language); None means the exporter's own language.
    language: Callable[[Case, int], str | None] | None = None
    default_purpose: str = ""


_sections: dict[str, CaseFileSection] = {}
_documents: dict[str, CaseDocument] = {}


def register_case_file_section(section: CaseFileSection) -> None:
    _sections[section.key] = section


def register_case_document(document: CaseDocument) -> None:
    _documents[document.key] = document


def case_file_sections() -> list[CaseFileSection]:
    """Every section the case file can hold, in the order they print."""
    return sorted(_sections.values(), key=lambda s: (s.order, s.key))


def case_file_section(key: str) -> CaseFileSection | None:
    return _sections.get(key)


def case_documents() -> list[CaseDocument]:
    return sorted(_documents.values(), key=lambda d: d.key)


def case_document(key: str) -> CaseDocument | None:
    return _documents.get(key)
