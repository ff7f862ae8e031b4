"""Review reminders, each sent exactly once (DESIGN rule 6).

1. Claim: for every scheduled review whose due date falls in a reminder's window, insert a
   Reminder row (review, kind, due date). The unique constraint makes the insert the claim:
   two sweeps running at once, or the same sweep retried, leave one row.
2. Deliver: lease unsent reminders in small batches with SELECT ... FOR UPDATE SKIP LOCKED
   (two sweeps, or a sweep and its helpers, take different rows); read what the whole batch
   needs at once; then for each recipient write the Delivery row and the in-app Notification
   and send the e-mail in one transaction. A recipient already delivered is skipped, so a
   retried reminder never reaches anyone twice; one whose e-mail fails keeps the reminder
   unsent for a later sweep, while the others of the batch go on.
3. A worker killed mid-delivery leaves its lease to expire (REVIEW_REMINDER_LEASE_SECONDS);
   the next sweep takes the reminder again and delivers to whoever is still missing.

The e-mail of a recipient whose transaction was cut off between the SMTP hand-off and the
commit can go out again on retry; it carries the same Message-ID (reminder and recipient), so
mail systems and readers can tell it is the same message. Notifications and deliveries are
exactly once.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import zoneinfo
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from casework.models import Organisation, Team, User

from .models import Delivery, Notification, Reminder, Review

logger = logging.getLogger(__name__)

# Days from today to the due date (inclusive bounds; None: no bound) for each kind.
WINDOWS: dict[str, tuple[int | None, int | None]] = {
    Reminder.Kind.DUE_7: (2, 7),
    Reminder.Kind.DUE_1: (1, 1),
    Reminder.Kind.DUE_0: (0, 0),
    Reminder.Kind.OVERDUE_3: (-6, -3),
    Reminder.Kind.OVERDUE_7: (None, -7),
}
OVERDUE = (Reminder.Kind.OVERDUE_3, Reminder.Kind.OVERDUE_7)
BATCH = 25


def local_today(organisation: Organisation) -> datetime.date:
    return timezone.localdate(timezone=zoneinfo.ZoneInfo(organisation.time_zone))


def claim_due_reminders(now: datetime.datetime | None = None) -> int:
    """Insert the reminder rows that are due; returns how many this call claimed."""
    now = now or timezone.now()
    claimed = 0
    organisations = Organisation.objects.filter(
        pk__in=Review.objects.filter(status=Review.Status.SCHEDULED).values(
            "case__team__organisation"
        )
    )
    for organisation in organisations:
        today = timezone.localdate(now, timezone=zoneinfo.ZoneInfo(organisation.time_zone))
        scheduled = Review.objects.filter(
            status=Review.Status.SCHEDULED, case__team__organisation=organisation
        )
        for kind, (low, high) in WINDOWS.items():
            window = Q()
            if low is not None:
                window &= Q(due_on__gte=today + datetime.timedelta(days=low))
            if high is not None:
                window &= Q(due_on__lte=today + datetime.timedelta(days=high))
            # Reviews already claimed for this kind and date are left out here (the unique
            # constraint still decides a race): the open-ended overdue window would otherwise
            # re-offer every overdue review on every sweep (8.5 s at 1M cases).
            claimed_before = Reminder.objects.filter(
                review=OuterRef("pk"), kind=kind, due_on=OuterRef("due_on")
            )
            rows = [
                Reminder(review_id=pk, kind=kind, due_on=due_on, claimed_at=now)
                for pk, due_on in scheduled.filter(window)
                .exclude(Exists(claimed_before))
                .values_list("pk", "due_on")
            ]
            if not rows:
                continue
            before = Reminder.objects.filter(kind=kind, claimed_at=now).count()
            Reminder.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
            claimed += Reminder.objects.filter(kind=kind, claimed_at=now).count() - before
    return claimed


def unsent_count() -> int:
    return Reminder.objects.filter(sent_at__isnull=True).count()


def _lease_batch() -> list[Reminder]:
    now = timezone.now()
    lease = datetime.timedelta(seconds=settings.REVIEW_REMINDER_LEASE_SECONDS)
    with transaction.atomic():
        batch = list(
            Reminder.objects.select_for_update(skip_locked=True)
            .filter(sent_at__isnull=True)
            .filter(Q(leased_until__isnull=True) | Q(leased_until__lt=now))
            .order_by("pk")[:BATCH]
        )
        Reminder.objects.filter(pk__in=[reminder.pk for reminder in batch]).update(
            leased_until=now + lease, attempts=F("attempts") + 1
        )
    return batch


def recipients(
    review: Review, kind: str, supervisors: dict[int, list[User]] | None = None
) -> list[User]:
    """Who hears about this review: the worker and the chair; overdue goes to supervisors.

    `supervisors` holds each team's active supervisors where the caller read them for a whole
    batch (`team_supervisors`); without it they are read here.
    """
    case = review.case
    if kind in OVERDUE:
        if supervisors is None:
            supervisors = team_supervisors({case.team_id})
        people = supervisors.get(case.team_id, [])
    else:
        people = [case.worker]
        if review.chair is not None:
            people.append(review.chair)
    unique = {user.pk: user for user in people if user.is_active}
    return list(unique.values())


def team_supervisors(team_ids: set[int]) -> dict[int, list[User]]:
    """The active supervisors of each team, in one query (their organisation with them: the
    e-mail's language may come from it)."""
    found: dict[int, list[User]] = defaultdict(list)
    if not team_ids:
        return found
    links = (
        Team.supervisors.through.objects.filter(team_id__in=team_ids, user__is_active=True)
        .select_related("user__organisation")
        .order_by("user_id")
    )
    for link in links:
        found[link.team_id].append(link.user)
    return found


def message_id(reminder: Reminder, user: User) -> str:
    domain = settings.REVIEW_REMINDER_MESSAGE_DOMAIN
    return f"<review-reminder-{reminder.pk}-{user.pk}@{domain}>"


@dataclass
class ReminderEmail:
    subject: str
    body: str


def compose(review: Review, kind: str, user: User) -> ReminderEmail:
    """The e-mail, in the recipient's language (their own, else their organisation's)."""
    with translation.override(user.preferred_language):
        context = {
            "user": user,
            "review": review,
            "case": review.case,
            "kind": kind,
            "days_overdue": review.days_overdue(local_today(review.case.team.organisation)),
            "site_url": settings.SITE_URL,
        }
        subject = render_to_string("reviews/email/reminder_subject.txt", context)
        body = render_to_string("reviews/email/reminder.txt", context)
    return ReminderEmail(" ".join(subject.split()), body)


def _deliver_to(
    reminder: Reminder, review: Review, user: User, mail: BaseEmailBackend | None
) -> bool:
    """One recipient's copy: the Delivery row, the in-app notification and the e-mail, in one
    transaction (the e-mail is handed over before the commit, so a crash never loses it).
    False when another sweep delivered it first."""
    with transaction.atomic():
        if not _record_copy(reminder, review, user):
            # The unique (reminder, user) row: a sweep whose lease ran out got there first.
            return False
        if user.email:
            email = compose(review, reminder.kind, user)
            EmailMessage(
                subject=email.subject,
                body=email.body,
                to=[user.email],
                headers={"Message-ID": message_id(reminder, user)},
                connection=mail,
            ).send()
    return True


def _record_copy(reminder: Reminder, review: Review, user: User) -> bool:
    """Insert the recipient's Delivery row, unless they have one, and their notification.

    Two plain statements rather than two ORM saves: at a sweep of 30,000 copies, building and
    compiling the saves cost as much as everything else the database did. `ON CONFLICT DO
    NOTHING RETURNING` is PostgreSQL's and SQLite's (3.35 and later) alike.
    """
    now = timezone.now()
    delivery, notification = Delivery._meta.db_table, Notification._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {delivery} (reminder_id, user_id, delivered_at, message_id) "  # noqa: S608 - table names from our models
            "VALUES (%s, %s, %s, %s) ON CONFLICT (reminder_id, user_id) DO NOTHING RETURNING id",
            [reminder.pk, user.pk, now, message_id(reminder, user)],
        )
        if cursor.fetchone() is None:
            return False
        cursor.execute(
            f"INSERT INTO {notification} (user_id, kind, case_id, review_id, due_on, created_at) "  # noqa: S608
            "VALUES (%s, %s, %s, %s, %s, %s)",
            [user.pk, reminder.kind, review.case_id, review.pk, review.due_on, now],
        )
    return True


def _deliver_batch(batch: list[Reminder], mail: BaseEmailBackend) -> int:
    """Deliver a leased batch; returns how many reminders this call finished.

    What every reminder of the batch needs is read at once (reviews with their case, worker,
    chair and organisations; the supervisors of overdue reviews' teams; who already has a
    copy), so each recipient costs only their own transaction.
    """
    reviews = Review.objects.select_related(
        "case__worker__organisation", "case__team__organisation", "chair__organisation"
    ).in_bulk({reminder.review_id for reminder in batch})
    live: list[tuple[Reminder, Review]] = []
    stale: list[int] = []
    for reminder in batch:
        review = reviews.get(reminder.review_id)
        if (
            review is None
            or review.status != Review.Status.SCHEDULED
            or review.due_on != reminder.due_on
        ):
            # Signed, cancelled or moved since it was claimed: nothing to say any more.
            stale.append(reminder.pk)
        else:
            live.append((reminder, review))
    if stale:
        Reminder.objects.filter(pk__in=stale, sent_at__isnull=True).update(
            sent_at=timezone.now(), skipped=True
        )
    supervisors = team_supervisors(
        {review.case.team_id for reminder, review in live if reminder.kind in OVERDUE}
    )
    delivered = set(
        Delivery.objects.filter(reminder__in=[reminder for reminder, _ in live]).values_list(
            "reminder_id", "user_id"
        )
    )
    done: list[int] = []
    for reminder, review in live:
        complete = True
        for user in recipients(review, reminder.kind, supervisors):
            if (reminder.pk, user.pk) in delivered:
                continue
            try:
                _deliver_to(reminder, review, user, mail)
            except Exception:
                # This recipient stays without a copy, so the reminder stays unsent: its lease
                # expires and a later sweep tries them again. The mail connection may be what
                # broke: the next message opens a new one.
                complete = False
                logger.exception(
                    "Review reminder %s could not be delivered to user %s", reminder.pk, user.pk
                )
                with contextlib.suppress(Exception):
                    mail.close()
        if complete:
            done.append(reminder.pk)
    if not done:
        return 0
    # Another sweep may have finished one after this one's lease ran out: count it once.
    return Reminder.objects.filter(pk__in=done, sent_at__isnull=True).update(sent_at=timezone.now())


def deliver_pending() -> int:
    """Deliver every unsent reminder this sweep can lease; returns how many it finished."""
    finished = 0
    # One connection to the mail server for the whole sweep, not one per message (SMTP's
    # handshake and TLS were most of a message's cost); it is opened at the first message.
    mail = get_connection()
    try:
        with _commits_not_waiting_for_disk():
            while batch := _lease_batch():
                try:
                    finished += _deliver_batch(batch, mail)
                except Exception:
                    # The database went away mid-batch, say: left unsent, the leases expire
                    # and a later sweep takes these reminders again.
                    logger.exception("Review reminders %s could not be delivered", batch)
    finally:
        mail.close()
    return finished


@contextlib.contextmanager
def _commits_not_waiting_for_disk() -> Iterator[None]:
    """PostgreSQL's asynchronous commit for this sweep's transactions.

    Each recipient's copy is its own transaction, and waiting for the disk at each commit was
    the largest part of a reminder's cost (0.8 ms of about 3 ms at 1M cases). A commit is still
    atomic and seen by every other session at once, so two sweeps and a killed worker behave
    exactly as before. Only a crash of the PostgreSQL server itself can lose the last fraction
    of a second of commits (at most three times wal_writer_delay, 0.6 s by default): those
    recipients' deliveries and notifications are then written again by the next sweep, and
    their e-mails go out again with the same Message-ID. Nothing is lost either way.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")
    try:
        yield
    finally:
        with contextlib.suppress(Exception), connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


def sweep() -> dict[str, int]:
    """One beat's work: claim what is due, deliver what is unsent."""
    claimed = claim_due_reminders()
    delivered = deliver_pending()
    return {"claimed": claimed, "delivered": delivered}
