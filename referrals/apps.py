from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = _("Referrals")

    def ready(self) -> None:
        # The case page's consent and referrals panel, the case file's section and the demo's
        # part plug in here.
        from casework.demo import register_demo_extension
        from casework.documents import register_case_file_section
        from casework.panels import register_case_panel

        from . import demo, panels, report

        register_case_panel(panels.REFERRALS_PANEL)
        register_case_file_section(report.REFERRALS_SECTION)
        register_demo_extension(demo.demo_referrals_load)
