"""Emergency access ("break the glass"), called in-process: who may take it and what it gives,
who is told (in the app and by e-mail, each once), how it ends (by itself after 8 hours, or
early), and the administrator's review. Every step leaves its mark on the audit trail.

The Celery tasks are plain functions here; time travel moves the access's stored times into
the past (as tests/test_sessions.py does for sessions), so the sweep runs at the real now.
"""

from __future__ import annotations

import datetime
import html
import zoneinfo
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection
from django.db.models import F
from django.http import Http404
from django.template.loader import render_to_string
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import dateformat, timezone, translation

from casework.access import case_permissions, cases_visible_to, get_case_for
from casework.models import (
    AuditEvent,
    Case,
    CaseUserObjectPermission,
    Organisation,
    Team,
    User,
)
from casework.services import team_sync_groups
from casework.tests.factories import OrganisationFactory, TeamFactory, UserFactory, open_case
from reviews.models import Notification
from reviews.services.emergency import on_emergency_access
from reviews.views_people import notification_text
from security import emergency, tasks
from security.emergency import (
    emergency_end,
    emergency_notify,
    emergency_request,
    emergency_review,
    emergency_sweep,
)
from security.models import EmergencyAccess, EmergencyNotice

pytestmark = pytest.mark.django_db

Event = AuditEvent.Event
REASON = "Police called at night: the child is at the district hospital, worker unreachable."
FAMILY = "Bati Synthetic"
HOURS = datetime.timedelta(hours=settings.EMERGENCY_ACCESS_HOURS)


# --- The people and the case ------------------------------------------------------------------


@pytest.fixture
def team_c(organisation: Organisation) -> Team:
    team = TeamFactory.create(name="Team C", organisation=organisation)
    team_sync_groups(team=team)
    return team


@pytest.fixture
def people(cast: dict[str, User], team_b: Team, team_c: Team) -> dict[str, User]:
    """The fixed cast, plus team B's covering worker and second supervisor, and team C's
    supervisor; everyone has an address and reads English unless a test says otherwise."""
    cover = UserFactory.create(username="cover", organisation=team_b.organisation)
    team_b.members.add(cover)
    deputy = UserFactory.create(
        username="deputy", organisation=team_b.organisation, role=User.Role.SUPERVISOR
    )
    team_b.supervisors.add(deputy)
    team_sync_groups(team=team_b)
    stranger = UserFactory.create(
        username="stranger", organisation=team_c.organisation, role=User.Role.SUPERVISOR
    )
    team_c.supervisors.add(stranger)
    team_sync_groups(team=team_c)
    everyone = {**cast, "cover": cover, "deputy": deputy, "stranger": stranger}
    for login, user in everyone.items():
        user.email = f"{login}@example.invalid"
        user.language = "en"
        user.save(update_fields=["email", "language"])
    return everyone


@pytest.fixture
def case_b(people: dict[str, User], team_b: Team) -> Case:
    """Team B's case: `outsider` holds it, `cover` covers; `chair` and `deputy` supervise."""
    return open_case(
        team=team_b, worker=people["outsider"], covering_worker=people["cover"], family_name=FAMILY
    )


TOLD = ["chair", "cover", "deputy", "outsider"]


def take(people: dict[str, User], case: Case, login: str = "supervisor") -> EmergencyAccess:
    return emergency_request(actor=people[login], reference=case.reference, reason=REASON)


def travel(access: EmergencyAccess, delta: datetime.timedelta) -> None:
    """Time passes for the access: its start and end move `delta` into the past."""
    EmergencyAccess.objects.filter(pk=access.pk).update(
        started_at=F("started_at") - delta, expires_at=F("expires_at") - delta
    )


def door_until(case: Case) -> datetime.datetime | None:
    """The end of the asker's emergency access, as the door marked the case it handed out."""
    marked: datetime.datetime | None = getattr(case, "emergency_until", None)
    return marked


def events(event: str, case: Case) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(event=event, case=case).order_by("pk"))


def sent_to(mailoutbox: list[EmailMessage]) -> list[str]:
    return sorted(address for message in mailoutbox for address in message.to)


def logins(users: Any) -> list[str]:
    return sorted(user.username for user in users)


# --- Taking it --------------------------------------------------------------------------------


def test_a_supervisor_of_another_team_gets_view_for_eight_hours(people, case_b):
    supervisor = people["supervisor"]
    with pytest.raises(Http404):
        get_case_for(supervisor, case_b.pk)
    # The reference is matched whatever its case, as people type it.
    access = emergency_request(
        actor=supervisor, reference=f"  {case_b.reference.lower()} ", reason=REASON
    )
    assert access.user == supervisor
    assert access.case == case_b
    assert access.reason == REASON
    assert access.expires_at - access.started_at == HOURS == datetime.timedelta(hours=8)
    assert access.is_active()
    # View, and nothing more: not change, not export.
    assert list(cases_visible_to(supervisor)) == [case_b]
    assert case_permissions(supervisor, case_b) == {"view"}
    assert not cases_visible_to(supervisor, perm="change").filter(pk=case_b.pk).exists()
    assert not cases_visible_to(supervisor, perm="export").filter(pk=case_b.pk).exists()
    # The grant is a guardian row like any other.
    rows = CaseUserObjectPermission.objects.filter(content_object=case_b, user=supervisor)
    assert list(rows.values_list("permission__codename", flat=True)) == ["view_case"]
    assert supervisor.has_perm("casework.view_case", case_b)
    assert not supervisor.has_perm("casework.change_case", case_b)
    # The door marks the case it hands out, and refuses more than a look.
    opened = get_case_for(supervisor, case_b.pk)
    assert door_until(opened) == access.expires_at
    with pytest.raises(PermissionDenied):
        get_case_for(supervisor, case_b.pk, perm="change")
    with pytest.raises(PermissionDenied):
        get_case_for(supervisor, case_b.pk, perm="export")
    # The case's own people are not marked: they hold it by right.
    assert door_until(get_case_for(people["outsider"], case_b.pk)) is None
    # On the trail: who, which case, why, until when.
    [taken] = events(Event.EMERGENCY, case_b)
    assert taken.actor == supervisor
    assert taken.reason == REASON
    assert taken.additional_data == {"access": access.pk, "until": access.expires_at.isoformat()}


def test_a_look_through_emergency_access_is_audited_as_such(people, case_b):
    take(people, case_b)
    supervisor_client = Client()
    supervisor_client.force_login(people["supervisor"])
    assert supervisor_client.get(reverse("case_detail", args=[case_b.pk])).status_code == 200
    worker_client = Client()
    worker_client.force_login(people["outsider"])
    assert worker_client.get(reverse("case_detail", args=[case_b.pk])).status_code == 200
    views = {
        event.actor.username: event.additional_data
        for event in events(Event.VIEW, case_b)
        if event.actor is not None
    }
    assert views["supervisor"] == {"emergency": True}
    assert not (views["outsider"] or {}).get("emergency")
    # Looking is all it gives: the access page (for those who manage the case) is refused.
    response = supervisor_client.get(reverse("case_access_log", args=[case_b.pk]))
    assert response.status_code == 403


# --- Refusals change nothing ---------------------------------------------------------------------


@pytest.fixture
def nothing_changes(people, case_b) -> Iterator[None]:
    """Whatever the test tries, no access, grant, notice, notification or e-mail follows."""
    on_case_b = CaseUserObjectPermission.objects.filter(content_object=case_b)
    grants = set(on_case_b.values_list("user_id", "permission_id"))
    yield
    assert not EmergencyAccess.objects.exists()
    assert not EmergencyNotice.objects.exists()
    assert not Notification.objects.filter(kind=Notification.Kind.EMERGENCY).exists()
    assert not AuditEvent.objects.filter(event=Event.EMERGENCY).exists()
    assert set(on_case_b.values_list("user_id", "permission_id")) == grants
    with pytest.raises(Http404):
        get_case_for(people["supervisor"], case_b.pk)


def refused(actor: User, reference: str, reason: str = REASON) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as error:
        emergency_request(actor=actor, reference=reference, reason=reason)
    return error.value.message_dict


@pytest.mark.usefixtures("nothing_changes")
def test_a_short_reason_is_refused(people, case_b):
    errors = refused(people["supervisor"], case_b.reference, reason="  urgent, sorry  ")
    assert errors == {"reason": ["Write why you need this case now, in at least 20 characters."]}
    assert refused(people["supervisor"], " ")["reference"] == ["Enter the case reference."]


@pytest.mark.usefixtures("nothing_changes")
def test_an_unknown_case_and_another_organisations_case_get_the_same_answer(people, case_b):
    elsewhere = OrganisationFactory.create(name="Another Synthetic Agency")
    their_team = TeamFactory.create(name="Their team", organisation=elsewhere)
    team_sync_groups(team=their_team)
    their_worker = UserFactory.create(username="theirs", organisation=elsewhere)
    their_team.members.add(their_worker)
    their_case = open_case(team=their_team, worker=their_worker, family_name="Far Synthetic")
    unknown = refused(people["supervisor"], "NO-SUCH-REF")
    foreign = refused(people["supervisor"], their_case.reference)
    assert (
        unknown
        == foreign
        == {"reference": ["There is no case with this reference in your organisation."]}
    )
    # Somebody trying references is noticed, as at the door (the refusal is not rolled back).
    tries = AuditEvent.objects.filter(event=Event.REFUSED, actor=people["supervisor"])
    assert sorted(tries.values_list("object_pk", flat=True)) == sorted(
        ["NO-SUCH-REF", their_case.reference]
    )
    assert not tries.exclude(case=None).exists()
    with pytest.raises(Http404):
        get_case_for(people["supervisor"], their_case.pk)


def test_a_case_already_visible_is_refused(people, case, case_b):
    before = AuditEvent.objects.count()
    # Team A's own case, for its supervisor; any case of the organisation, for the administrator.
    assert refused(people["supervisor"], case.reference) == {
        "reference": ["You can already open this case: emergency access is not needed."]
    }
    assert refused(people["admin"], case_b.reference) == {
        "reference": ["You can already open this case: emergency access is not needed."]
    }
    assert not EmergencyAccess.objects.exists()
    assert AuditEvent.objects.count() == before


def test_a_second_request_while_one_is_active_is_refused(people, case_b):
    access = take(people, case_b)
    local = timezone.localtime(access.expires_at, zoneinfo.ZoneInfo("Asia/Phnom_Penh"))
    assert refused(people["supervisor"], case_b.reference) == {
        "reference": [f"You already have emergency access to this case until {local:%H:%M}."]
    }
    assert EmergencyAccess.objects.count() == 1
    assert len(events(Event.EMERGENCY, case_b)) == 1
    assert Notification.objects.filter(kind=Notification.Kind.EMERGENCY).count() == len(TOLD)


@pytest.mark.usefixtures("nothing_changes")
@pytest.mark.parametrize("login", ["worker", "outsider", "partner"])
def test_workers_and_partners_may_not_ask(people, case_b, login):
    with pytest.raises(PermissionDenied):
        emergency_request(actor=people[login], reference=case_b.reference, reason=REASON)


@pytest.mark.usefixtures("nothing_changes")
def test_a_deactivated_supervisor_may_not_ask(people, case_b):
    people["supervisor"].is_active = False
    people["supervisor"].save(update_fields=["is_active"])
    with pytest.raises(PermissionDenied):
        take(people, case_b)


# --- Who is told ---------------------------------------------------------------------------------


def test_the_case_worker_cover_and_team_supervisors_are_told_in_the_app(people, case_b):
    access = take(people, case_b)
    notes = Notification.objects.filter(kind=Notification.Kind.EMERGENCY)
    assert logins(note.user for note in notes) == TOLD
    started_on = timezone.localtime(access.started_at, zoneinfo.ZoneInfo("Asia/Phnom_Penh"))
    for note in notes:
        assert note.case == case_b
        assert note.actor == people["supervisor"]
        assert note.due_on == started_on.date()
        assert note.read_at is None
    # The requester, the requester's own team and the administrator are not told.
    assert not Notification.objects.filter(
        user__username__in=["supervisor", "worker", "colleague", "admin", "stranger"]
    ).exists()
    text = notification_text(notes.get(user=people["chair"]))
    date = dateformat.format(started_on.date(), "j M Y")
    assert text == (
        f"{people['supervisor'].display_name} took emergency access to {case_b.reference} on {date}"
    )


def test_the_date_is_the_day_it_started_where_the_organisation_works(people, case_b):
    # 23:30 in UTC is the next morning in Phnom Penh.
    organisation = case_b.team.organisation
    organisation.time_zone = "Asia/Phnom_Penh"
    organisation.save(update_fields=["time_zone"])
    access = take(people, case_b)
    late = datetime.datetime(2026, 3, 9, 23, 30, tzinfo=datetime.UTC)
    EmergencyAccess.objects.filter(pk=access.pk).update(started_at=late, expires_at=late + HOURS)
    Notification.objects.all().delete()
    access.refresh_from_db()
    on_emergency_access(
        case=case_b, actor=people["supervisor"], access=access, recipients=[people["chair"].pk]
    )
    assert Notification.objects.get().due_on == datetime.date(2026, 3, 10)


def test_the_bell_leads_to_the_access_page_for_those_who_may_read_it(people, case_b):
    take(people, case_b)
    chair = people["chair"]
    note = Notification.objects.get(user=chair, kind=Notification.Kind.EMERGENCY)
    client = Client()
    client.force_login(chair)
    page = client.get(reverse("notification_list")).content.decode()
    assert f"took emergency access to {case_b.reference}" in page
    assert html.escape(people["supervisor"].display_name) in page
    response = client.get(reverse("notification_open", args=[note.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("case_access_log", args=[case_b.pk])
    # The access page shows the reason to the case's supervisor.
    log = client.get(response["Location"])
    assert log.status_code == 200
    note.refresh_from_db()
    assert note.read_at is not None
    # The case's worker manages the case, so the access page is theirs too.
    worker_note = Notification.objects.get(user=people["outsider"])
    worker_client = Client()
    worker_client.force_login(people["outsider"])
    response = worker_client.get(reverse("notification_open", args=[worker_note.pk]))
    assert response["Location"] == reverse("case_access_log", args=[case_b.pk])


def test_a_reader_who_may_only_look_is_sent_to_the_case_page(people, case_b):
    # The holder of an emergency access can view the case but not read its access page.
    take(people, case_b)
    holder = people["supervisor"]
    note = Notification.objects.create(
        user=holder, kind=Notification.Kind.EMERGENCY, case=case_b, actor=people["deputy"]
    )
    client = Client()
    client.force_login(holder)
    response = client.get(reverse("notification_open", args=[note.pk]))
    assert response["Location"] == reverse("case_detail", args=[case_b.pk])
    # Once the access has ended, the case is gone from the bell's links.
    emergency_end(actor=holder, access_id=EmergencyAccess.objects.get().pk)
    response = client.get(reverse("notification_open", args=[note.pk]))
    assert response["Location"] == reverse("notification_list")


def test_the_notification_list_names_people_without_a_query_each(people, case_b, team_c):
    chair = people["chair"]
    client = Client()
    client.force_login(chair)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("notification_list")).status_code == 200
        return len(captured)

    take(people, case_b)
    queries()  # the first request fills per-process caches (content types, the session)
    one = queries()
    for login in ("stranger", "worker", "colleague"):
        Notification.objects.create(
            user=chair, kind=Notification.Kind.EMERGENCY, case=case_b, actor=people[login]
        )
    assert queries() == one
    page = client.get(reverse("notification_list")).content.decode()
    for login in ("stranger", "worker", "colleague"):
        assert html.escape(people[login].display_name) in page


def languages_while_rendering(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str | None]]:
    seen: list[tuple[str, str | None]] = []
    render = render_to_string

    def spy(template: str, context: dict[str, Any], *args: Any, **kwargs: Any) -> str:
        if template.endswith("emergency_subject.txt"):
            seen.append((context["user"].username, translation.get_language()))
        return render(template, context, *args, **kwargs)

    monkeypatch.setattr(emergency, "render_to_string", spy)
    return seen


def test_each_person_told_gets_one_email_in_their_language(
    people, case_b, mailoutbox, monkeypatch, django_capture_on_commit_callbacks
):
    people["chair"].language = "km"
    people["chair"].save(update_fields=["language"])
    # `cover` has no language of their own: their organisation's is used.
    people["cover"].language = ""
    people["cover"].save(update_fields=["language"])
    organisation = case_b.team.organisation
    organisation.language = "km"
    organisation.save(update_fields=["language"])
    seen = languages_while_rendering(monkeypatch)
    # On commit the request queues the task; here the task runs at once.
    monkeypatch.setattr(tasks.notify_emergency_access, "delay", tasks.notify_emergency_access)
    with django_capture_on_commit_callbacks(execute=True):
        access = take(people, case_b)
    assert sent_to(mailoutbox) == [f"{login}@example.invalid" for login in TOLD]
    assert sorted(seen) == [("chair", "km"), ("cover", "km"), ("deputy", "en"), ("outsider", "en")]
    by_address = {message.to[0]: message for message in mailoutbox}
    english = by_address["outsider@example.invalid"]
    assert english.subject == f"Emergency access to case {case_b.reference}"
    holder = people["supervisor"].display_name
    assert f"{holder} took emergency access to case {case_b.reference}" in english.body
    assert reverse("case_access_log", args=[case_b.pk]) in english.body
    for message in mailoutbox:
        assert case_b.reference in message.subject
        assert message.extra_headers["Message-ID"] == (
            f"<emergency-{access.pk}-{User.objects.get(email=message.to[0]).pk}"
            f"@{settings.REVIEW_REMINDER_MESSAGE_DOMAIN}>"
        )
        # Nothing about the family, and not the reason (that is on the access page).
        text = f"{message.subject}\n{message.body}"
        assert FAMILY not in text
        assert "Child1" not in text
        for person in case_b.family.people.all():
            assert person.family_name_latin not in text
        assert REASON not in text
        assert "hospital" not in text
    assert not EmergencyNotice.objects.filter(emailed_at__isnull=True).exists()
    # Running the task again, or the sweep after it, sends nothing more.
    assert emergency_notify(access.pk) == 0
    later = timezone.now() + datetime.timedelta(minutes=5)
    assert emergency_sweep(later) == {"ended": 0, "emailed": 0}
    assert len(mailoutbox) == len(TOLD)
    assert Notification.objects.filter(kind=Notification.Kind.EMERGENCY).count() == len(TOLD)


def test_the_email_gives_times_where_the_organisation_works(people, case_b, mailoutbox):
    organisation = case_b.team.organisation
    organisation.time_zone = "America/Lima"
    organisation.save(update_fields=["time_zone"])
    access = take(people, case_b)
    emergency_notify(access.pk)
    lima = zoneinfo.ZoneInfo("America/Lima")
    started = dateformat.format(timezone.localtime(access.started_at, lima), "j M Y H:i")
    until = dateformat.format(timezone.localtime(access.expires_at, lima), "j M Y H:i")
    for message in mailoutbox:
        assert f"on {started}." in message.body
        assert f"until {until}." in message.body


class RefusingBackend(BaseEmailBackend):
    """An SMTP server that is down."""

    def send_messages(self, email_messages: Any) -> int:
        raise ConnectionRefusedError("SMTP is down")


def test_a_failed_email_stays_owed_and_the_sweep_sends_it(people, case_b, mailoutbox, settings):
    access = take(people, case_b)
    settings.EMAIL_BACKEND = "tests.test_emergency_access.RefusingBackend"
    # Every message is tried, none is lost, none holds up another.
    assert emergency_notify(access.pk) == 0
    assert EmergencyNotice.objects.filter(access=access, emailed_at__isnull=True).count() == 4
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # Within a minute of the request, the sweep leaves the messages to the task.
    assert emergency_sweep() == {"ended": 0, "emailed": 0}
    assert mailoutbox == []
    later = timezone.now() + datetime.timedelta(minutes=2)
    assert emergency_sweep(later) == {"ended": 0, "emailed": len(TOLD)}
    assert sent_to(mailoutbox) == [f"{login}@example.invalid" for login in TOLD]
    assert emergency_sweep(later) == {"ended": 0, "emailed": 0}
    assert len(mailoutbox) == len(TOLD)


def test_one_refused_address_does_not_hold_up_the_others(people, case_b, mailoutbox, monkeypatch):
    access = take(people, case_b)
    send = EmailMessage.send

    def flaky(message: EmailMessage, *args: Any, **kwargs: Any) -> int:
        if message.to == ["chair@example.invalid"]:
            raise ConnectionError("mailbox unavailable")
        return send(message, *args, **kwargs)

    monkeypatch.setattr(EmailMessage, "send", flaky)
    assert emergency_notify(access.pk) == 3
    assert "chair@example.invalid" not in sent_to(mailoutbox)
    owed = EmergencyNotice.objects.filter(emailed_at__isnull=True)
    assert logins(notice.user for notice in owed) == ["chair"]
    monkeypatch.setattr(EmailMessage, "send", send)
    assert emergency_sweep(timezone.now() + datetime.timedelta(minutes=2))["emailed"] == 1
    assert sent_to(mailoutbox) == [f"{login}@example.invalid" for login in TOLD]


# --- Ending by itself ----------------------------------------------------------------------------


def test_it_ends_by_itself_after_eight_hours(people, case_b):
    supervisor = people["supervisor"]
    access = take(people, case_b)
    EmergencyNotice.objects.update(emailed_at=timezone.now())
    # Nearly eight hours on, nothing changes.
    travel(access, HOURS - datetime.timedelta(minutes=1))
    assert emergency_sweep() == {"ended": 0, "emailed": 0}
    assert door_until(get_case_for(supervisor, case_b.pk)) is not None
    assert not events(Event.EMERGENCY_END, case_b)
    # Past the end, the grant stays until the sweep (at most a minute): what the holder reads
    # then is still marked as read through emergency access.
    travel(access, datetime.timedelta(minutes=2))
    assert door_until(get_case_for(supervisor, case_b.pk)) is not None
    assert emergency_sweep() == {"ended": 1, "emailed": 0}
    with pytest.raises(Http404):
        get_case_for(supervisor, case_b.pk)
    assert not cases_visible_to(supervisor).filter(pk=case_b.pk).exists()
    assert not CaseUserObjectPermission.objects.filter(user=supervisor).exists()
    access.refresh_from_db()
    assert access.closed_at is not None
    assert access.revoked_at is None
    [ended] = events(Event.EMERGENCY_END, case_b)
    assert ended.actor is None
    assert ended.reason == "expired"
    assert ended.additional_data == {
        "access": access.pk,
        "holder": supervisor.pk,
        "ended": "expired",
    }
    # A second sweep finds nothing to do.
    assert emergency_sweep() == {"ended": 0, "emailed": 0}
    assert len(events(Event.EMERGENCY_END, case_b)) == 1
    # The case's own people kept their access throughout.
    assert get_case_for(people["outsider"], case_b.pk, perm="change") == case_b
    assert get_case_for(people["chair"], case_b.pk, perm="export") == case_b


def test_asking_again_just_after_it_ran_out_starts_a_new_one(people, case_b):
    first = take(people, case_b)
    travel(first, HOURS + datetime.timedelta(seconds=30))
    # The sweep has not run yet; the old access is closed (and audited) as it would have been.
    second = take(people, case_b)
    assert second.pk != first.pk
    first.refresh_from_db()
    assert first.closed_at is not None
    [ended] = events(Event.EMERGENCY_END, case_b)
    assert ended.additional_data == {
        "access": first.pk,
        "holder": people["supervisor"].pk,
        "ended": "expired",
    }
    assert door_until(get_case_for(people["supervisor"], case_b.pk)) == second.expires_at
    assert emergency_sweep()["ended"] == 0


def test_the_sweep_runs_every_minute_from_beat():
    entries = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "security.tasks.end_emergency_accesses"
    ]
    assert len(entries) == 1
    assert entries[0]["schedule"] == 60
    assert tasks.end_emergency_accesses.name == "security.tasks.end_emergency_accesses"


# --- Ending early --------------------------------------------------------------------------------


def assert_ended_by(access: EmergencyAccess, actor: User, reason: str) -> None:
    access.refresh_from_db()
    assert access.revoked_by == actor
    assert access.revoked_at is not None
    assert access.closed_at == access.revoked_at
    assert access.revoke_reason == reason
    with pytest.raises(Http404):
        get_case_for(access.user, access.case_id)
    [ended] = events(Event.EMERGENCY_END, access.case)
    assert ended.actor == actor
    assert ended.reason == (reason or "ended by the holder")
    assert ended.additional_data == {
        "access": access.pk,
        "holder": access.user_id,
        "ended": "revoked",
    }
    # The sweep does not end it a second time.
    assert emergency_sweep(access.expires_at + datetime.timedelta(minutes=1))["ended"] == 0


def test_the_holder_may_end_it_without_a_reason(people, case_b):
    access = take(people, case_b)
    emergency_end(actor=people["supervisor"], access_id=access.pk)
    assert_ended_by(access, people["supervisor"], "")


def test_the_cases_supervisor_may_end_it_with_a_reason(people, case_b):
    access = take(people, case_b)
    with pytest.raises(ValidationError) as error:
        emergency_end(actor=people["chair"], access_id=access.pk, reason="   ")
    assert error.value.message_dict == {"revoke_reason": ["Say why you are ending this access."]}
    assert get_case_for(people["supervisor"], case_b.pk) == case_b
    emergency_end(actor=people["chair"], access_id=access.pk, reason="The worker is back.")
    assert_ended_by(access, people["chair"], "The worker is back.")


def test_the_administrator_may_end_it(people, case_b):
    access = take(people, case_b)
    emergency_end(actor=people["admin"], access_id=access.pk, reason="Not an emergency.")
    assert_ended_by(access, people["admin"], "Not an emergency.")


@pytest.mark.parametrize("login", ["outsider", "cover", "stranger", "worker", "partner"])
def test_others_may_not_end_it(people, case_b, login):
    access = take(people, case_b)
    with pytest.raises(PermissionDenied):
        emergency_end(actor=people[login], access_id=access.pk, reason="I would rather not.")
    access.refresh_from_db()
    assert access.revoked_at is None
    assert access.closed_at is None
    assert get_case_for(people["supervisor"], case_b.pk) == case_b
    assert not events(Event.EMERGENCY_END, case_b)


def test_ending_twice_is_refused(people, case_b):
    access = take(people, case_b)
    emergency_end(actor=people["supervisor"], access_id=access.pk)
    with pytest.raises(ValidationError) as error:
        emergency_end(actor=people["chair"], access_id=access.pk, reason="Again.")
    assert error.value.messages == ["This emergency access has already ended."]
    assert len(events(Event.EMERGENCY_END, case_b)) == 1


def test_an_unknown_access_is_refused(people):
    with pytest.raises(PermissionDenied):
        emergency_end(actor=people["admin"], access_id=987654, reason="Whatever it is.")


# --- The administrator's review ------------------------------------------------------------------


def test_the_administrator_reviews_it_once(people, case_b):
    access = take(people, case_b)
    for login in ("supervisor", "chair", "outsider"):
        with pytest.raises(PermissionDenied):
            emergency_review(actor=people[login], access_id=access.pk, note="Looks fine.")
    with pytest.raises(ValidationError) as error:
        emergency_review(actor=people["admin"], access_id=access.pk, note="  ")
    assert error.value.message_dict == {"review_note": ["Write what you found."]}
    assert not events(Event.EMERGENCY_REVIEW, case_b)
    emergency_review(
        actor=people["admin"], access_id=access.pk, note="Called the hospital: justified."
    )
    access.refresh_from_db()
    assert access.reviewed_by == people["admin"]
    assert access.reviewed_at is not None
    assert access.review_note == "Called the hospital: justified."
    [reviewed] = events(Event.EMERGENCY_REVIEW, case_b)
    assert reviewed.actor == people["admin"]
    assert reviewed.reason == "Called the hospital: justified."
    assert reviewed.additional_data == {"access": access.pk, "holder": people["supervisor"].pk}
    with pytest.raises(ValidationError) as error:
        emergency_review(actor=people["admin"], access_id=access.pk, note="Second look.")
    assert error.value.messages == ["Someone has already reviewed this emergency access."]
    access.refresh_from_db()
    assert access.review_note == "Called the hospital: justified."
    assert len(events(Event.EMERGENCY_REVIEW, case_b)) == 1


def test_an_administrator_of_another_organisation_may_not_review_or_end(people, case_b):
    access = take(people, case_b)
    elsewhere = OrganisationFactory.create(name="Another Synthetic Agency")
    other_admin = UserFactory.create(
        username="other-admin", organisation=elsewhere, role=User.Role.ADMINISTRATOR
    )
    with pytest.raises(PermissionDenied):
        emergency_review(actor=other_admin, access_id=access.pk, note="Not mine to judge.")
    with pytest.raises(PermissionDenied):
        emergency_end(actor=other_admin, access_id=access.pk, reason="Not mine to end.")
