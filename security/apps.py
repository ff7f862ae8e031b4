from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SecurityConfig(AppConfig):
    name = "security"
    verbose_name = _("Security")

    def ready(self) -> None:
        # Emergency access is a fact that grants view access, and the door marks the cases it
        # opens so that their pages carry the banner (security/emergency.py).
        from casework.access import register_door_annotation, register_grant_source

        from . import emergency

        register_grant_source(emergency.emergency_grants)
        register_door_annotation("emergency_until", emergency.emergency_until)
