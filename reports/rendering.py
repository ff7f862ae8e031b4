"""From an export row to the HTML WeasyPrint lays out: the case file, or a short document.

Everything here runs inside `translation.override(export.language)`, so the headings, the
dates and the watermark come out in the language the exporter chose.
"""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from casework.documents import case_document, case_file_section
from casework.models import Case

from .models import CaseExport


def case_for_export(export: CaseExport) -> Case:
    return Case.objects.select_related(
        "family", "team__organisation", "worker", "covering_worker"
    ).get(pk=export.case_id)


def watermark(export: CaseExport) -> str:
    """The sentence every page carries."""
    exported_on = formats.date_format(timezone.localtime(export.requested_at), "DATE_FORMAT")
    return _("Confidential — exported by %(name)s on %(date)s for %(purpose)s") % {
        "name": export.requested_by.display_name,
        "date": exported_on,
        "purpose": export.purpose_text,
    }


def _common(export: CaseExport, case: Case) -> dict[str, Any]:
    return {
        "export": export,
        "case": case,
        "exporter": export.requested_by,
        "watermark": watermark(export),
        "language": export.language,
        "generated_at": timezone.localtime(),
    }


def export_html(export: CaseExport) -> str:
    """The whole document as HTML, in the export's language."""
    with translation.override(export.language):
        case = case_for_export(export)
        context = _common(export, case)
        if export.is_case_file:
            rendered = []
            for key in export.sections:
                section = case_file_section(key)
                if section is None:  # an app that was removed since the export was asked for
                    continue
                section_context = {"case": case, "section": section, **section.context(case)}
                rendered.append(
                    {
                        "key": section.key,
                        "label": str(section.label),
                        "html": render_to_string(section.template, section_context),
                    }
                )
            context["sections"] = rendered
            context["cover_children"] = list(case.children.order_by("pk"))
            return render_to_string("reports/case_file.html", context)
        document = case_document(export.document)
        if document is None or export.subject_id is None:
            raise LookupError(f"no such document: {export.document}")
        context.update(document.context(case, export.subject_id))
        context["document_label"] = str(document.label)
        return render_to_string(document.template, context)
