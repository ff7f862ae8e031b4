"""`python manage.py audit_verify`: recompute the audit seals and say whether the trail is intact.

Exits 0 with a summary when every sealed event and every seal still matches; otherwise names
the first event or seal that does not, and exits 1. See security/seals.py for what it proves.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from security.seals import audit_verify


class Command(BaseCommand):
    # Like Django's own commands, the --help text stays in English; what it reports is
    # translated.
    help = (
        "Check the audit trail against its seals: report the first audit event or seal that "
        "was changed, deleted or added since it was sealed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--head",
            metavar="HASH",
            help=(
                "The hash of a seal noted earlier (from the log or a previous run): fail "
                "unless the chain still holds it."
            ),
        )

    def handle(self, *args: Any, head: str | None = None, **options: Any) -> None:
        result = audit_verify(head=head)
        if not result.intact:
            raise CommandError(
                _("The audit trail is not intact. %(problem)s") % {"problem": result.problem}
            )
        seals = ngettext("%(count)s seal", "%(count)s seals", result.seals) % {
            "count": result.seals
        }
        events = ngettext("%(count)s event", "%(count)s events", result.events) % {
            "count": result.events
        }
        self.stdout.write(
            self.style.SUCCESS(
                _("%(seals)s, %(events)s, chain intact.") % {"seals": seals, "events": events}
            )
        )
        if result.head is not None:
            self.stdout.write(
                _("Newest seal: #%(sequence)s (events up to %(last)s), hash %(hash)s")
                % {
                    "sequence": result.head.sequence,
                    "last": result.head.last_event_id,
                    "hash": result.head.seal_hash,
                }
            )
        self.stdout.write(
            ngettext(
                "%(count)s newer event is not sealed yet.",
                "%(count)s newer events are not sealed yet.",
                result.unsealed,
            )
            % {"count": result.unsealed}
        )
