from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        # The case file's own sections (cover facts, people, visits, access summary) are the
        # core's; they register here because only this app renders PDFs.
        from casework.documents import register_case_file_section
        from casework.panels import register_case_panel

        from . import panels, sections

        register_case_panel(panels.EXPORTS_PANEL)
        for section in sections.CORE_SECTIONS:
            register_case_file_section(section)
