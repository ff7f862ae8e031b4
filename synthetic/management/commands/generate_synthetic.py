from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from synthetic.generator import MIN_USERS, Options, Refused, generate

# Published on purpose: it opens synthetic accounts on benchmark databases only.
DEFAULT_PASSWORD = "upstream-synthetic"  # noqa: S105


def _day(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(_("--as-of takes a date as YYYY-MM-DD.")) from error


class Command(BaseCommand):
    help = (
        "Fill an empty PostgreSQL database with a synthetic organisation: teams, staff, "
        "families and cases in every phase with their visits, assessments, plans, reviews, "
        "referrals, audit trail and grants, for benchmarks. Refuses any database that holds "
        "data it did not generate. Every account gets the same password (--password, default "
        f"{DEFAULT_PASSWORD!r}), and two-step sign-in is off in the synthetic organisations so "
        "that benchmarks can sign in with the password alone."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cases", type=int, required=True, help="How many cases.")
        parser.add_argument(
            "--users", type=int, required=True, help=f"Staff accounts, all roles (>= {MIN_USERS})."
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=1,
            help="The same seed and --as-of write the same rows, ids included (default 1).",
        )
        parser.add_argument(
            "--as-of",
            type=_day,
            default=None,
            help="The day the data is for, YYYY-MM-DD (default: today); dates count back from it.",
        )
        parser.add_argument(
            "--password",
            default=DEFAULT_PASSWORD,
            help=f"The password of every account (default {DEFAULT_PASSWORD!r}).",
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Wipe what an earlier run generated, then generate anew. Without it, a "
            "database that already holds synthetic data is refused.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = options["as_of"] or timezone.localdate()
        try:
            summary = generate(
                Options(
                    cases=options["cases"],
                    users=options["users"],
                    seed=options["seed"],
                    as_of=as_of,
                    password=options["password"],
                    replace=options["replace"],
                ),
                say=self.stdout.write,
            )
        except Refused as refusal:
            raise CommandError(str(refusal)) from refusal
        dataset = summary.dataset
        self.stdout.write(
            self.style.SUCCESS(
                _("Generated %(dataset)s in %(seconds).0f s; the database is %(size)s MB.")
                % {
                    "dataset": dataset,
                    "seconds": dataset.duration.total_seconds(),
                    "size": f"{summary.database_bytes / 2**20:,.0f}",
                }
            )
        )
        self.stdout.write(_("Rows:"))
        for table, count in sorted(summary.rows.items(), key=lambda item: -item[1]):
            if count:
                self.stdout.write(f"  {table:<40} {count:>12,}")
        self.stdout.write(
            _("Sign in with any of these (password: %(password)s):")
            % {"password": options["password"]}
        )
        for role, names in sorted(summary.world.usernames.items()):
            shown = ", ".join(names[:3]) + (f" ... {names[-1]}" if len(names) > 3 else "")
            self.stdout.write(f"  {role:<14} {len(names):>6,}  {shown}")
