from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SafetyplansConfig(AppConfig):
    name = "safetyplans"
    verbose_name = _("Safety plans")

    def ready(self) -> None:
        # The case page's safety panel and the demo's networks and plans plug in here.
        from casework.demo import register_demo_extension
        from casework.panels import register_case_panel

        from . import demo, panels

        register_case_panel(panels.SAFETY_PANEL)
        register_demo_extension(demo.demo_safety_load)
