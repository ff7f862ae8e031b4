from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SafetyplansConfig(AppConfig):
    name = "safetyplans"
    verbose_name = _("Safety plans")

    def ready(self) -> None:
        # The case page's safety panel, the demo's networks and plans, and what this phase puts
        # into exported PDFs (two case-file sections, the family's plan) plug in here.
        from casework.demo import register_demo_extension
        from casework.documents import register_case_document, register_case_file_section
        from casework.panels import register_case_panel

        from . import demo, panels, report

        register_case_panel(panels.SAFETY_PANEL)
        register_demo_extension(demo.demo_safety_load)
        for section in report.SECTIONS:
            register_case_file_section(section)
        register_case_document(report.FAMILY_PLAN)
