from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from casework.demo import DEMO_ORGANISATION, demo_load


class Command(BaseCommand):
    help = "Create (or refresh) the synthetic demo organisation, its teams and demo logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Load the demo even with DEBUG off (a demo or training server).",
        )

    def handle(self, *args: Any, force: bool = False, **options: Any) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG is off: this looks like a real deployment, and demo accounts with a "
                "known password do not belong there. Use --force on a demo server."
            )
        password = os.environ.get("DEMO_PASSWORD") or "upstream-demo"
        logins = demo_load(password=password)
        self.stdout.write(self.style.SUCCESS(f"Demo organisation ready: {DEMO_ORGANISATION}"))
        self.stdout.write(f"Demo logins (password: {password}):")
        for login in logins:
            self.stdout.write(f"  {login.username:<11} {login.description}")
