from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = _("Reviews")

    def ready(self) -> None:
        # The chair's grant, the schedule's reactions to case facts, the case page's panel,
        # the PDFs' reviews section and minutes, and the demo's reviews plug into casework here.
        from casework.access import register_grant_source
        from casework.demo import register_demo_extension
        from casework.documents import register_case_document, register_case_file_section
        from casework.hooks import register_case_hook
        from casework.panels import register_case_panel

        from . import access, demo, panels, report, services
        from .services import emergency

        register_grant_source(access.chair_grants)
        register_case_panel(panels.REVIEWS_PANEL)
        register_case_file_section(report.REVIEWS_SECTION)
        register_case_document(report.REVIEW_MINUTES)
        register_demo_extension(demo.demo_reviews_load)
        register_case_hook("phase_changing", services.on_phase_changing)
        register_case_hook("phase_changed", services.on_phase_changed)
        register_case_hook("opened", services.on_case_opened)
        register_case_hook("risk_changed", services.on_risk_changed)
        register_case_hook("scale_recorded", services.on_scale_recorded)
        # Emergency access to a case (security) rings the bell of its worker and supervisors.
        register_case_hook("emergency_access", emergency.on_emergency_access)
