"""Review reminders, each sent exactly once (DESIGN rule 6).

1. Claim: for every scheduled review whose due date falls in a reminder's window, insert a
   Reminder row (review, kind, due date). The unique constraint makes the insert the claim:
   two sweeps running at once, or the same sweep retried, leave one row.
2. Deliver: lease unsent reminders in small batches with SELECT ... FOR UPDATE SKIP LOCKED
   (two sweeps take different rows), then for each recipient write the Delivery row and the
   in-app Notification and send the e-mail in one transaction. A recipient already delivered
   is skipped, so a retried reminder never reaches anyone twice.
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
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from casework.models import Organisation, User

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
        for reminder in batch:
            reminder.leased_until = now + lease
            reminder.attempts += 1
        Reminder.objects.bulk_update(batch, ["leased_until", "attempts"])
    return batch


def recipients(review: Review, kind: str) -> list[User]:
    """Who hears about this review: the worker and the chair; overdue goes to supervisors."""
    case = review.case
    if kind in OVERDUE:
        people = list(case.team.supervisors.filter(is_active=True).order_by("pk"))
    else:
        people = [case.worker]
        if review.chair is not None:
            people.append(review.chair)
    unique = {user.pk: user for user in people if user.is_active}
    return list(unique.values())


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


def _deliver(reminder: Reminder, mail: BaseEmailBackend | None = None) -> bool:
    review = (
        Review.objects.select_related("case__worker", "case__team__organisation", "chair")
        .filter(pk=reminder.review_id)
        .first()
    )
    if (
        review is None
        or review.status != Review.Status.SCHEDULED
        or review.due_on != reminder.due_on
    ):
        # Signed, cancelled or moved since it was claimed: nothing to say any more.
        Reminder.objects.filter(pk=reminder.pk, sent_at__isnull=True).update(
            sent_at=timezone.now(), skipped=True
        )
        return False
    for user in recipients(review, reminder.kind):
        with transaction.atomic():
            _delivery, created = Delivery.objects.get_or_create(
                reminder=reminder, user=user, defaults={"message_id": message_id(reminder, user)}
            )
            if not created:
                continue
            Notification.objects.create(
                user=user,
                kind=reminder.kind,
                case=review.case,
                review=review,
                due_on=review.due_on,
            )
            if user.email:
                email = compose(review, reminder.kind, user)
                EmailMessage(
                    subject=email.subject,
                    body=email.body,
                    to=[user.email],
                    headers={"Message-ID": message_id(reminder, user)},
                    connection=mail,
                ).send()
    # Another sweep may have finished it after this one's lease ran out: count it once.
    finished = Reminder.objects.filter(pk=reminder.pk, sent_at__isnull=True).update(
        sent_at=timezone.now()
    )
    return finished == 1


def deliver_pending() -> int:
    """Deliver every unsent reminder this sweep can lease; returns how many it finished."""
    finished = 0
    # One connection to the mail server for the whole sweep, not one per message (SMTP's
    # handshake and TLS were most of a message's cost); it is opened at the first message.
    mail = get_connection()
    try:
        while batch := _lease_batch():
            for reminder in batch:
                try:
                    if _deliver(reminder, mail):
                        finished += 1
                except Exception:
                    # Left unsent: its lease expires and a later sweep tries again. The mail
                    # connection may be what broke: the next message opens a new one.
                    logger.exception("Review reminder %s could not be delivered", reminder.pk)
                    with contextlib.suppress(Exception):
                        mail.close()
    finally:
        mail.close()
    return finished


def sweep() -> dict[str, int]:
    """One beat's work: claim what is due, deliver what is unsent."""
    claimed = claim_due_reminders()
    delivered = deliver_pending()
    return {"claimed": claimed, "delivered": delivered}
