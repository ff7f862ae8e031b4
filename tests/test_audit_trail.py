"""The audit trail (DESIGN.md rule 4): append-only, before and after, and from where.

A supervisor reading who opened a child's file must be able to trust that nobody edited or
removed a line, that a change shows what it was before, and where each event came from.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Callable
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.utils import timezone

from casework.access import get_case_for
from casework.audit import AuditContextMiddleware, audit_record
from casework.models import AuditEvent, Case, Family, Person, User
from casework.services import case_reallocate, case_transition, family_update, person_update
from casework.tests.factories import TEST_PASSWORD

LOGIN = "/accounts/login/"
LOGOUT = "/accounts/logout/"
Event = AuditEvent.Event


def require_postgresql() -> None:
    """The database triggers of migration 0003 exist on PostgreSQL only; CI always has it."""
    if connection.vendor != "postgresql":
        if os.environ.get("CI"):
            pytest.fail("CI runs the suite on PostgreSQL, and this test needs it.")
        pytest.skip("Needs PostgreSQL (the triggers of casework migration 0003).")


def _raw(sql: str, params: list[Any]) -> None:
    # In its own savepoint, so the refused statement does not break the test's transaction.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def latest(event: str) -> AuditEvent:
    found: AuditEvent = AuditEvent.objects.filter(event=event).latest("pk")
    return found


# --- Append-only -------------------------------------------------------------------------------


def test_on_postgresql_the_audit_trail_refuses_update_and_delete(case, colleague):
    require_postgresql()
    with pytest.raises(Http404):
        get_case_for(colleague, case.pk)
    event = latest(Event.REFUSED)
    as_written = AuditEvent.objects.filter(pk=event.pk).values().get()
    count = AuditEvent.objects.count()
    with pytest.raises(DatabaseError, match="append-only"):
        _raw("UPDATE casework_auditevent SET actor_id = NULL WHERE id = %s", [event.pk])
    with pytest.raises(DatabaseError, match="append-only"):
        _raw("UPDATE casework_auditevent SET reason = %s", ["tidied up"])
    with pytest.raises(DatabaseError, match="append-only"):
        _raw("DELETE FROM casework_auditevent WHERE id = %s", [event.pk])
    with pytest.raises(DatabaseError, match="append-only"):
        _raw("DELETE FROM casework_auditevent", [])
    assert AuditEvent.objects.count() == count
    assert AuditEvent.objects.filter(pk=event.pk).values().get() == as_written
    assert as_written["actor_id"] == colleague.pk


def test_on_postgresql_the_orm_cannot_rewrite_or_remove_an_event_either(case, colleague):
    require_postgresql()
    with pytest.raises(Http404):
        get_case_for(colleague, case.pk)
    event = latest(Event.REFUSED)
    event.actor = None
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        event.save()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.actor == colleague


def test_new_events_can_still_be_appended(case, worker):
    # The triggers refuse changes, not additions: the trail keeps growing.
    count = AuditEvent.objects.count()
    audit_record(actor=worker, event=Event.VIEW, obj=case, case=case)
    audit_record(actor=worker, event=Event.VIEW, obj=case, case=case)
    assert AuditEvent.objects.count() == count + 2


# --- Before and after ---------------------------------------------------------------------------


def test_a_change_records_before_and_after_of_the_fields_changed_only(case, worker):
    family = Family.objects.get(pk=case.family_id)
    family_update(
        actor=worker,
        case=case,
        family=family,
        expected_version=family.version,
        data={
            "phone": "000 000 001",
            "address_notes": "Behind the pagoda, blue door.",
            "family_name": family.family_name,  # unchanged: not on the trail
        },
    )
    event = latest(Event.CHANGE)
    assert (event.actor, event.case, event.object_pk) == (worker, case, str(family.pk))
    assert event.content_type.model_class() is Family
    assert event.changes == {
        "phone": ["", "000 000 001"],
        "address_notes": ["", "Behind the pagoda, blue door."],
    }


def test_a_change_to_a_person_records_the_old_and_new_values(case, worker):
    child = case.children.get()
    person_update(
        actor=worker,
        case=case,
        person=child,
        expected_version=child.version,
        data={"school_status": Person.School.DROPPED_OUT, "given_name_km": "ស្រីល័ក្ខ"},
    )
    event = latest(Event.CHANGE)
    assert (event.object_pk, event.case) == (str(child.pk), case)
    assert event.changes is not None
    assert set(event.changes) == {"school_status", "given_name_km"}
    assert event.changes["given_name_km"] == ["កូន", "ស្រីល័ក្ខ"]
    assert event.changes["school_status"][1] == Person.School.DROPPED_OUT


def test_a_phase_move_and_a_reallocation_record_before_and_after(
    case, worker, colleague, supervisor
):
    case_transition(actor=worker, case=case, to=Case.Phase.ASSESSMENT, reason="First visit done")
    moved = latest(Event.TRANSITION)
    assert moved.changes == {"phase": ["intake", "assessment"]}
    assert (moved.actor, moved.case, moved.reason) == (worker, case, "First visit done")
    case_reallocate(
        actor=supervisor, case=case, worker=colleague, covering_worker=None, reason="Leave"
    )
    allocated = latest(Event.ALLOCATE)
    assert allocated.changes is not None
    assert allocated.changes["worker"] == [worker.pk, colleague.pk]
    assert (allocated.actor, allocated.reason) == (supervisor, "Leave")


# --- Signing in and out -------------------------------------------------------------------------


def test_signing_in_and_out_leaves_events_with_address_and_browser(worker):
    client = Client(REMOTE_ADDR="203.0.113.7", HTTP_USER_AGENT="Mozilla/5.0 (Android 14) Phone")
    response = client.post(LOGIN, {"username": "worker", "password": TEST_PASSWORD})
    assert response.status_code == 302
    login = latest(Event.LOGIN)
    assert (login.actor, login.remote_addr) == (worker, "203.0.113.7")
    assert login.user_agent == "Mozilla/5.0 (Android 14) Phone"
    assert login.timestamp > timezone.now() - datetime.timedelta(minutes=1)

    response = client.post(LOGOUT)
    assert response.status_code in (200, 302)
    logout = latest(Event.LOGOUT)
    assert (logout.actor, logout.remote_addr, logout.user_agent) == (
        worker,
        "203.0.113.7",
        "Mozilla/5.0 (Android 14) Phone",
    )
    assert logout.pk > login.pk


@pytest.mark.parametrize("username", ["worker", "nobody-by-this-name"])
def test_a_failed_sign_in_is_recorded_without_the_password(worker, username):
    client = Client(REMOTE_ADDR="198.51.100.23", HTTP_USER_AGENT="curl/8.5")
    before = AuditEvent.objects.filter(event=Event.LOGIN_FAILED).count()
    response = client.post(LOGIN, {"username": username, "password": "guess-Mekong-1"})
    assert response.status_code == 200  # the form again, with an error
    assert AuditEvent.objects.filter(event=Event.LOGIN_FAILED).count() == before + 1
    failed = latest(Event.LOGIN_FAILED)
    assert failed.actor is None
    assert failed.additional_data == {"username": username}
    assert (failed.remote_addr, failed.user_agent) == ("198.51.100.23", "curl/8.5")
    stored = AuditEvent.objects.filter(pk=failed.pk).values().get()
    assert "guess-Mekong-1" not in repr(stored)
    assert not AuditEvent.objects.filter(event=Event.LOGIN).exists()


def test_a_deactivated_account_cannot_sign_in_and_the_attempt_is_recorded(worker):
    worker.is_active = False
    worker.save(update_fields=["is_active"])
    response = Client().post(LOGIN, {"username": "worker", "password": TEST_PASSWORD})
    assert response.status_code == 200
    assert latest(Event.LOGIN_FAILED).additional_data == {"username": "worker"}
    assert not AuditEvent.objects.filter(event=Event.LOGIN).exists()


# --- Where an event came from -------------------------------------------------------------------


def run_in_request(view: Callable[[], object], **meta: Any) -> HttpResponse:
    """Run `view` inside the audit middleware, as a real request would."""
    request = RequestFactory(**meta).get("/cases/1/")

    def get_response(request: HttpRequest) -> HttpResponse:
        view()
        return HttpResponse("ok")

    return AuditContextMiddleware(get_response)(request)


def refuse(user: User, case: Case) -> None:
    with pytest.raises(Http404):
        get_case_for(user, case.pk)


def test_an_event_made_in_a_request_carries_its_address_and_browser(case, colleague):
    run_in_request(
        lambda: refuse(colleague, case),
        REMOTE_ADDR="2001:db8::42",
        HTTP_USER_AGENT="Upstream field phone",
    )
    event = latest(Event.REFUSED)
    assert (event.actor, event.remote_addr, event.user_agent) == (
        colleague,
        "2001:db8::42",
        "Upstream field phone",
    )


def test_the_address_is_the_connections_not_a_header_the_client_chose(case, colleague):
    run_in_request(
        lambda: refuse(colleague, case),
        REMOTE_ADDR="192.0.2.10",
        HTTP_X_FORWARDED_FOR="10.9.8.7",
        HTTP_X_REAL_IP="10.9.8.7",
    )
    assert latest(Event.REFUSED).remote_addr == "192.0.2.10"


def test_a_very_long_browser_string_is_cut_not_lost(case, colleague):
    run_in_request(
        lambda: refuse(colleague, case), REMOTE_ADDR="192.0.2.11", HTTP_USER_AGENT="A" * 5000
    )
    event = latest(Event.REFUSED)
    assert event.user_agent == "A" * 300
    assert event.remote_addr == "192.0.2.11"


def test_an_event_outside_a_request_has_no_address_and_none_leaks_from_the_last(
    case, colleague, worker
):
    run_in_request(lambda: None, REMOTE_ADDR="192.0.2.12", HTTP_USER_AGENT="Earlier request")
    # A background job (or the next thing this thread does) is not that request.
    refuse(colleague, case)
    event = latest(Event.REFUSED)
    assert (event.remote_addr, event.user_agent) == (None, "")
    Client(REMOTE_ADDR="192.0.2.13").post(LOGIN, {"username": "worker", "password": "wrong"})
    audit_record(actor=worker, event=Event.VIEW, obj=case, case=case)
    assert (latest(Event.VIEW).remote_addr, latest(Event.VIEW).user_agent) == (None, "")
