"""How long one reminder sweep takes for many due reviews, and a second sweep (which sends nothing).

Run: `DEBUG=1 DATABASE_URL=postgres://postgres:postgres@127.0.0.1:5432/upstream_bench \
.venv/bin/python bench/review_reminders.py [reviews]` — it migrates that database, creates a
synthetic organisation with that many reviews due today (default 2000), each with a worker and
a chair, runs `reviews.reminders.sweep()` twice in-process with Django's in-memory e-mail
backend, prints seconds and counts, and removes what it created. Never point it at a database
holding real records.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")
os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"

import django

django.setup()

from django.core import mail  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from casework.models import Case, Family, Organisation, Team, User, Village  # noqa: E402
from reviews import reminders  # noqa: E402
from reviews.models import Delivery, Notification, Reminder, Review  # noqa: E402

NAME = "Reminder bench (synthetic)"


def build(count: int) -> Organisation:
    organisation = Organisation.objects.create(name=NAME, is_synthetic=True)
    village = Village.objects.create(
        name="Bench village", commune="Bench", district="Bench", province="Bench"
    )
    team = Team.objects.create(name="Bench team", organisation=organisation)
    other = Team.objects.create(name="Bench chairs", organisation=organisation)
    workers = [
        User.objects.create(
            username=f"bench-worker-{i}",
            email=f"bench-worker-{i}@bench.invalid",
            organisation=organisation,
            role=User.Role.SOCIAL_WORKER,
        )
        for i in range(20)
    ]
    chairs = [
        User.objects.create(
            username=f"bench-chair-{i}",
            email=f"bench-chair-{i}@bench.invalid",
            organisation=organisation,
            role=User.Role.SUPERVISOR,
        )
        for i in range(5)
    ]
    team.members.set(workers)
    other.supervisors.set(chairs)
    families = Family.objects.bulk_create(
        Family(family_name=f"Bench {i}", organisation=organisation, village=village)
        for i in range(count)
    )
    cases = Case.objects.bulk_create(
        Case(
            reference=f"BENCH-{i:06d}",
            family=family,
            tier=Case.Tier.EARLY,
            risk_level=Case.Risk.MEDIUM,
            team=team,
            worker=workers[i % len(workers)],
            phase=Case.Phase.INTERVENTION,
        )
        for i, family in enumerate(families)
    )
    today = timezone.localdate()
    Review.objects.bulk_create(
        Review(case=case, due_on=today, chair=chairs[i % len(chairs)])
        for i, case in enumerate(cases)
    )
    return organisation


def remove(organisation: Organisation) -> None:
    with transaction.atomic():
        Notification.objects.filter(case__team__organisation=organisation).delete()
        Delivery.objects.filter(reminder__review__case__team__organisation=organisation).delete()
        Reminder.objects.filter(review__case__team__organisation=organisation).delete()
        Review.objects.filter(case__team__organisation=organisation).delete()
        Case.objects.filter(team__organisation=organisation).delete()
        Family.objects.filter(organisation=organisation).delete()
        Team.objects.filter(organisation=organisation).delete()
        User.objects.filter(organisation=organisation).delete()
        Village.objects.filter(name="Bench village").delete()
        organisation.delete()


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    call_command("migrate", verbosity=0)
    stale = Organisation.objects.filter(name=NAME).first()
    if stale is not None:
        remove(stale)
    organisation = build(count)
    try:
        for label in ("first sweep", "second sweep (sends nothing)"):
            mail.outbox = []
            started = time.perf_counter()
            outcome = reminders.sweep()
            seconds = time.perf_counter() - started
            print(
                f"{label}: {seconds:.2f} s for {count} reviews — claimed {outcome['claimed']}, "
                f"delivered {outcome['delivered']}, e-mails {len(mail.outbox)}"
            )
    finally:
        remove(organisation)


if __name__ == "__main__":
    main()
