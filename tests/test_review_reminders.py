"""Review reminders, called in-process (the real Celery worker has its own tests): each window
claims its reminder once, each recipient hears once, in their own language, and a review that
was signed or a sweep that crashed never makes anyone hear twice."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.mail import EmailMessage
from django.core.mail.backends import locmem
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from casework.models import Case
from reviews import reminders
from reviews.models import Delivery, Notification, Reminder, Review
from reviews.services import ClosureData, case_close
from tests.test_review_services import chaired, hold, in_intervention


@pytest.fixture
def people(cast):
    for login, user in cast.items():
        user.email = f"{login}@example.invalid"
        user.language = "en"
        user.save(update_fields=["email", "language"])
    return cast


@pytest.fixture
def review(team_a, people) -> Review:
    """The open, chaired review of a high-risk case in intervention."""
    case = in_intervention(team_a, people["worker"], people["supervisor"])
    return chaired(case, people["supervisor"], people["chair"])


def due_in(review: Review, days: int) -> Review:
    today = reminders.local_today(review.case.team.organisation)
    Review.objects.filter(pk=review.pk).update(due_on=today + datetime.timedelta(days=days))
    review.refresh_from_db()
    return review


def sent_to(mailoutbox: list[Any]) -> list[str]:
    return sorted(address for message in mailoutbox for address in message.to)


def test_each_window_claims_its_reminder(review):
    expected = {
        8: None,
        7: "due_7",
        5: "due_7",
        2: "due_7",
        1: "due_1",
        0: "due_0",
        -1: None,
        -2: None,
        -3: "overdue_3",
        -6: "overdue_3",
        -7: "overdue_7",
        -30: "overdue_7",
    }
    for offset, kind in expected.items():
        Reminder.objects.all().delete()
        due_in(review, offset)
        assert reminders.claim_due_reminders() == (0 if kind is None else 1), offset
        assert list(Reminder.objects.values_list("kind", "due_on")) == (
            [] if kind is None else [(kind, review.due_on)]
        ), offset
        # Claiming again claims nothing more.
        assert reminders.claim_due_reminders() == 0


def test_signed_and_cancelled_reviews_are_not_reminded(review, people):
    due_in(review, 1)
    hold(review.case, people["supervisor"], people["chair"], decision=Review.Decision.CLOSE)
    assert reminders.claim_due_reminders() == 0


def test_a_sweep_twice_sends_nothing_twice(review, people, mailoutbox):
    due_in(review, 1)
    assert reminders.sweep() == {"claimed": 1, "delivered": 1}
    assert sent_to(mailoutbox) == ["chair@example.invalid", "worker@example.invalid"]
    reminder = Reminder.objects.get()
    assert reminder.sent_at is not None
    assert not reminder.skipped
    assert reminders.sweep() == {"claimed": 0, "delivered": 0}
    assert reminders.deliver_pending() == 0
    assert len(mailoutbox) == 2
    told = Notification.objects.filter(kind="due_1", review=review)
    assert sorted(told.values_list("user", flat=True)) == sorted(
        [people["worker"].pk, people["chair"].pk]
    )
    assert all(n.due_on == review.due_on and n.case == review.case for n in told)
    assert Delivery.objects.filter(reminder=reminder).count() == 2


def test_a_moved_review_is_reminded_again_for_its_new_date(review, people, mailoutbox):
    due_in(review, 1)
    reminders.sweep()
    due_in(review, 0)
    assert reminders.sweep() == {"claimed": 1, "delivered": 1}
    assert Notification.objects.filter(user=people["worker"], kind="due_0").count() == 1
    assert len(mailoutbox) == 4


@pytest.mark.parametrize("days", [-3, -7])
def test_overdue_reviews_go_to_the_teams_supervisors(review, people, mailoutbox, days):
    due_in(review, days)
    reminders.sweep()
    assert sent_to(mailoutbox) == ["supervisor@example.invalid"]
    kind = "overdue_3" if days == -3 else "overdue_7"
    assert list(Notification.objects.filter(kind=kind).values_list("user", flat=True)) == [
        people["supervisor"].pk
    ]
    assert f"{-days} days overdue" in mailoutbox[0].subject
    assert review.case.reference in mailoutbox[0].subject


def test_without_a_chair_only_the_worker_hears(team_a, people, mailoutbox):
    case = in_intervention(team_a, people["worker"], people["supervisor"])
    review = Review.objects.get(case=case, status=Review.Status.SCHEDULED)
    due_in(review, 0)
    reminders.sweep()
    assert sent_to(mailoutbox) == ["worker@example.invalid"]
    assert "No chair has been chosen yet." in mailoutbox[0].body


def test_the_email_is_identified_and_names_the_case(review, people, mailoutbox):
    due_in(review, 7)
    reminders.sweep()
    reminder = Reminder.objects.get()
    by_address = {m.to[0]: m for m in mailoutbox}
    for login in ("worker", "chair"):
        message = by_address[f"{login}@example.invalid"]
        assert message.extra_headers["Message-ID"] == reminders.message_id(reminder, people[login])
        assert message.subject.startswith(f"Review of {review.case.reference} due on")
        assert reverse("case_detail", args=[review.case.pk]) in message.body


def languages_while_rendering(monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    seen: list[str | None] = []
    render = render_to_string

    def spy(*args: Any, **kwargs: Any) -> str:
        seen.append(translation.get_language())
        return render(*args, **kwargs)

    monkeypatch.setattr(reminders, "render_to_string", spy)
    return seen


@pytest.mark.parametrize(
    ("language", "organisation_language", "expected"),
    [("km", "en", "km"), ("en", "km", "en"), ("", "km", "km"), ("", "en", "en")],
)
def test_the_email_is_in_the_recipients_language(
    review, people, mailoutbox, monkeypatch, language, organisation_language, expected
):
    worker = people["worker"]
    worker.language = language
    worker.save(update_fields=["language"])
    worker.organisation.language = organisation_language
    worker.organisation.save(update_fields=["language"])
    # The chair reads English whatever the others read.
    seen = languages_while_rendering(monkeypatch)
    due_in(review, 1)
    reminders.sweep()
    # The worker's subject and body, then the chair's.
    assert seen == [expected, expected, "en", "en"]
    worker.refresh_from_db()
    with translation.override(expected):
        wanted = reminders.compose(review, "due_1", people["chair"])
    by_address = {m.to[0]: m for m in mailoutbox}
    worker_mail = by_address["worker@example.invalid"]
    assert worker_mail.subject == reminders.compose(review, "due_1", worker).subject
    assert review.case.reference in worker_mail.subject
    assert by_address["chair@example.invalid"].subject == wanted.subject
    # compose() itself renders in the recipient's language, whatever is active around it.
    seen.clear()
    with translation.override("en" if expected == "km" else "km"):
        reminders.compose(review, "due_1", worker)
    assert seen == [expected, expected]
    assert translation.get_language() == "en"


def test_a_review_signed_after_claiming_is_skipped(review, people, mailoutbox):
    due_in(review, 0)
    assert reminders.claim_due_reminders() == 1
    hold(review.case, people["supervisor"], people["chair"])
    mailoutbox.clear()
    before = Notification.objects.filter(kind="due_0").count()
    assert reminders.deliver_pending() == 0
    reminder = Reminder.objects.get(kind="due_0", review=review)
    assert reminder.skipped
    assert reminder.sent_at is not None
    assert mailoutbox == []
    assert Notification.objects.filter(kind="due_0").count() == before == 0
    assert not Delivery.objects.exists()
    # A later sweep does not take it up again.
    reminders.sweep()
    assert not Delivery.objects.filter(reminder=reminder).exists()


def test_an_expired_lease_is_finished_by_the_next_sweep(review, people, mailoutbox):
    due_in(review, 1)
    reminders.claim_due_reminders()
    # A sweep leased the reminder, reached the worker, then crashed before the chair.
    batch = reminders._lease_batch()
    assert [r.review_id for r in batch] == [review.pk]
    reminder = batch[0]
    worker = people["worker"]
    Delivery.objects.create(
        reminder=reminder, user=worker, message_id=reminders.message_id(reminder, worker)
    )
    Notification.objects.create(
        user=worker, kind="due_1", case=review.case, review=review, due_on=review.due_on
    )
    # While the lease holds, another sweep leaves it alone.
    assert reminders.deliver_pending() == 0
    assert mailoutbox == []
    Reminder.objects.filter(pk=reminder.pk).update(
        leased_until=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert reminders.sweep() == {"claimed": 0, "delivered": 1}
    assert sent_to(mailoutbox) == ["chair@example.invalid"]
    assert Delivery.objects.filter(reminder=reminder).count() == 2
    for user in (worker, people["chair"]):
        assert Notification.objects.filter(user=user, kind="due_1").count() == 1
    reminder.refresh_from_db()
    assert reminder.sent_at is not None
    assert reminder.attempts == 2


def test_a_failed_email_is_retried_for_that_recipient_only(review, people, mailoutbox, monkeypatch):
    due_in(review, 1)
    send = EmailMessage.send

    def flaky(message: Any, *args: Any, **kwargs: Any) -> int:
        if message.to == ["chair@example.invalid"]:
            raise ConnectionError("SMTP went away")
        return send(message, *args, **kwargs)

    monkeypatch.setattr(EmailMessage, "send", flaky)
    assert reminders.sweep() == {"claimed": 1, "delivered": 0}
    assert sent_to(mailoutbox) == ["worker@example.invalid"]
    assert not Notification.objects.filter(user=people["chair"]).exclude(kind="chair").exists()
    monkeypatch.setattr(EmailMessage, "send", send)
    Reminder.objects.update(leased_until=timezone.now() - datetime.timedelta(seconds=1))
    assert reminders.sweep() == {"claimed": 0, "delivered": 1}
    assert sent_to(mailoutbox) == ["chair@example.invalid", "worker@example.invalid"]
    assert Notification.objects.filter(kind="due_1").count() == 2


def test_a_case_closed_after_claiming_is_skipped(review, people, mailoutbox):
    due_in(review, 0)
    reminders.claim_due_reminders()
    case = Case.objects.get(pk=review.case_id)
    case_close(
        actor=people["supervisor"],
        case=case,
        data=ClosureData(
            outcome="Moved away.",
            follow_up_on=timezone.localdate() + datetime.timedelta(days=30),
            override_reason="Moved to another province.",
        ),
    )
    assert reminders.deliver_pending() == 0
    assert Reminder.objects.get().skipped
    assert mailoutbox == []


class CountingBackend(locmem.EmailBackend):
    """The in-memory backend, counting how many connections the sweep made."""

    opened = 0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        type(self).opened += 1


def test_a_sweep_talks_to_the_mail_server_over_one_connection(team_a, people, mailoutbox, settings):
    settings.EMAIL_BACKEND = f"{__name__}.CountingBackend"
    CountingBackend.opened = 0
    for _ in range(3):
        case = in_intervention(team_a, people["worker"], people["supervisor"])
        due_in(chaired(case, people["supervisor"], people["chair"]), 1)

    assert reminders.sweep() == {"claimed": 3, "delivered": 3}

    assert len(mailoutbox) == 6  # worker and chair, three reviews
    assert CountingBackend.opened == 1


def test_a_second_sweep_does_not_offer_overdue_reviews_again(review, people, mailoutbox):
    due_in(review, -10)
    assert reminders.claim_due_reminders() == 1
    with CaptureQueriesContext(connection) as queries:
        assert reminders.claim_due_reminders() == 0
    # Nothing left to insert: no INSERT was even tried for the reminder already claimed.
    assert not [q for q in queries.captured_queries if q["sql"].startswith("INSERT")]
