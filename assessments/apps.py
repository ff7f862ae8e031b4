from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = _("Assessments")

    def ready(self) -> None:
        # The case page's assessment panel and the demo's assessments plug into casework here.
        # So do its sections of the case-file PDF.
        from casework.demo import register_demo_extension
        from casework.documents import register_case_file_section
        from casework.panels import register_case_panel

        from . import demo, panels, report

        register_case_panel(panels.ASSESSMENT_PANEL)
        register_demo_extension(demo.demo_assessments_load)
        for section in report.ASSESSMENT_SECTIONS:
            register_case_file_section(section)
