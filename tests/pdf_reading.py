"""Reading our PDFs back in tests: pages, text per page, embedded fonts.

Text comes from pypdf. Khmer text extracted from a PDF is lossy (vowel signs reordered, spaces
inserted: ../shared/FACTS.md), so tests check Khmer through the embedded fonts and by comparing
short words with all whitespace removed; the *content* is checked on the English rendering.
"""

from __future__ import annotations

import io
import re
import subprocess
from dataclasses import dataclass

from pypdf import PdfReader

from casework.models import Case, User
from casework.pdf import render_pdf
from reports.models import CaseExport
from reports.rendering import export_html
from reports.services import export_request


@dataclass(frozen=True)
class ReadPdf:
    content: bytes
    pages: list[str]

    @property
    def text(self) -> str:
        return "\n".join(self.pages)

    def squeezed(self) -> str:
        """All text with whitespace removed (for Khmer words, see the module's docstring)."""
        return re.sub(r"\s+", "", self.text)

    def fonts(self) -> set[str]:
        """Base names of the embedded fonts, without the subset prefix ("Khmer-OS")."""
        names: set[str] = set()
        for page in PdfReader(io.BytesIO(self.content)).pages:
            resources = page.get("/Resources") or {}
            fonts = resources.get("/Font") or {}
            for font in fonts.values():
                base = str(font.get_object().get("/BaseFont", ""))
                names.add(base.lstrip("/").split("+", 1)[-1])
        return names


def read_pdf(content: bytes) -> ReadPdf:
    assert content.startswith(b"%PDF-"), content[:20]
    reader = PdfReader(io.BytesIO(content))
    return ReadPdf(content=content, pages=[page.extract_text() or "" for page in reader.pages])


def pdftotext(content: bytes) -> str:
    """poppler's reading of the text (layout kept), as a second opinion to pypdf's."""
    result = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True
    )
    return result.stdout.decode()


def case_file_pdf(
    case: Case,
    exporter: User,
    sections: list[str],
    *,
    language: str = "en",
    purpose: str = CaseExport.Purpose.COURT,
    purpose_detail: str = "Hearing 7",
) -> ReadPdf:
    """Ask for a case file through the service and render it here (no worker), then read it."""
    export = export_request(
        actor=exporter,
        case=case,
        document="case_file",
        sections=sections,
        purpose=purpose,
        purpose_detail=purpose_detail,
        language=language,
    )
    return read_pdf(render_pdf(export_html(export)).content)


def document_pdf(
    case: Case,
    exporter: User,
    document: str,
    subject_id: int,
    *,
    language: str = "en",
    purpose: str = CaseExport.Purpose.FAMILY,
    purpose_detail: str = "",
) -> ReadPdf:
    """The same for a short document (review minutes, the family's plan)."""
    export = export_request(
        actor=exporter,
        case=case,
        document=document,
        subject_id=subject_id,
        purpose=purpose,
        purpose_detail=purpose_detail,
        language=language,
    )
    return read_pdf(render_pdf(export_html(export)).content)
