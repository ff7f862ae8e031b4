"""Home visits through their services: record, update, sign, add an addendum.

What a worker would notice: a note that cannot be right is refused and nothing is kept of it;
two people editing the same draft never overwrite each other; a signed note never changes
again (on PostgreSQL not even by hand), and corrections are addenda.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from casework.models import (
    LONG_TEXT,
    AuditEvent,
    Case,
    HomeVisit,
    User,
    VisitAddendum,
    VisitChild,
)
from casework.services import (
    ChildSeen,
    StaleEdit,
    visit_addendum_add,
    visit_record,
    visit_sign,
    visit_update,
)
from casework.tests.factories import open_case

TEXT_FIELDS = ("present", "observations", "family_words", "child_words", "agreed")


def require_postgresql() -> None:
    """The database triggers of migration 0003 exist on PostgreSQL only; CI always has it."""
    if connection.vendor != "postgresql":
        if os.environ.get("CI"):
            pytest.fail("CI runs the suite on PostgreSQL, and this test needs it.")
        pytest.skip("Needs PostgreSQL (the triggers of casework migration 0003).")


def rows() -> dict[str, int]:
    """How many of each record a visit service can write."""
    return {
        model.__name__: model._default_manager.count()
        for model in (HomeVisit, VisitChild, VisitAddendum, AuditEvent)
    }


def hours_ago(hours: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(hours=hours)


def visit_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "occurred_at": hours_ago(3),
        "kind": HomeVisit.Kind.HOME,
        "place": "Family home",
        "present": "Mother and the child.",
        "observations": "A calm home; the child was playing outside.",
        "family_words": "Mother: things are better since the last visit.",
        "child_words": "I like my new teacher.",
        "agreed": "Mother will meet the teacher on Monday.",
        "next_visit_on": timezone.localdate() + datetime.timedelta(days=7),
    }
    return data | overrides


def seen(case: Case, *, alone: bool = False) -> list[ChildSeen]:
    return [ChildSeen(child_id=c.pk, seen=True, seen_alone=alone) for c in case.children.all()]


def draft(actor: User, case: Case, **overrides: Any) -> HomeVisit:
    return visit_record(actor=actor, case=case, data=visit_data(**overrides), children=seen(case))


def signed(actor: User, case: Case, **overrides: Any) -> HomeVisit:
    return visit_record(
        actor=actor, case=case, data=visit_data(**overrides), children=seen(case), sign=True
    )


# --- Recording ---------------------------------------------------------------------------------


def test_a_worker_records_a_draft_with_who_was_seen(case, worker):
    child = case.children.get()
    visit = visit_record(
        actor=worker,
        case=case,
        data=visit_data(),
        children=[ChildSeen(child_id=child.pk, seen=True, seen_alone=True)],
    )
    visit.refresh_from_db()
    assert (visit.status, visit.signed_at, visit.version) == (HomeVisit.Status.DRAFT, None, 1)
    assert (visit.author, visit.case) == (worker, case)
    assert visit.child_words == "I like my new teacher."
    assert list(visit.children_seen.values_list("child_id", "seen", "seen_alone")) == [
        (child.pk, True, True)
    ]
    event = AuditEvent.objects.filter(event=AuditEvent.Event.CREATE, case=case).latest("pk")
    assert (event.actor, event.object_pk) == (worker, str(visit.pk))
    assert event.content_type.model_class() is HomeVisit


def test_a_visit_can_be_signed_as_it_is_recorded(case, worker):
    visit = signed(worker, case)
    assert visit.is_signed
    assert visit.signed_at is not None
    assert AuditEvent.objects.filter(
        event=AuditEvent.Event.SIGN, object_pk=str(visit.pk), case=case
    ).exists()


def _future(case: Case, other: Case) -> tuple[dict[str, Any], list[ChildSeen]]:
    return visit_data(occurred_at=timezone.now() + datetime.timedelta(hours=1)), seen(case)


def _before_birth(case: Case, other: Case) -> tuple[dict[str, Any], list[ChildSeen]]:
    born = case.children.get().date_of_birth
    assert born is not None
    the_day_before = datetime.datetime.combine(
        born - datetime.timedelta(days=1), datetime.time(10), tzinfo=timezone.get_current_timezone()
    )
    return visit_data(occurred_at=the_day_before, next_visit_on=born), seen(case)


def _next_before_visit(case: Case, other: Case) -> tuple[dict[str, Any], list[ChildSeen]]:
    visit_day = timezone.localdate(hours_ago(3))
    return visit_data(next_visit_on=visit_day - datetime.timedelta(days=1)), seen(case)


def _alone_not_seen(case: Case, other: Case) -> tuple[dict[str, Any], list[ChildSeen]]:
    child = case.children.get()
    return visit_data(), [ChildSeen(child_id=child.pk, seen=False, seen_alone=True)]


def _child_of_another_case(case: Case, other: Case) -> tuple[dict[str, Any], list[ChildSeen]]:
    return visit_data(), seen(other)


def _mother_is_not_a_child_of_the_case(
    case: Case, other: Case
) -> tuple[dict[str, Any], list[ChildSeen]]:
    mother = case.family.people.exclude(pk__in=case.children.all()).get()
    return visit_data(), [ChildSeen(child_id=mother.pk, seen=True, seen_alone=False)]


def _too_long(case: Case, other: Case) -> tuple[dict[str, Any], list[ChildSeen]]:
    return visit_data(observations="x" * 100_000), seen(case)


def _unknown_kind(case: Case, other: Case) -> tuple[dict[str, Any], list[ChildSeen]]:
    return visit_data(kind="party"), seen(case)


Refusal = Callable[[Case, Case], tuple[dict[str, Any], list[ChildSeen]]]
REFUSALS: list[tuple[Refusal, str]] = [
    (_future, "occurred_at"),
    (_before_birth, "occurred_at"),
    (_next_before_visit, "next_visit_on"),
    (_alone_not_seen, "children"),
    (_child_of_another_case, "children"),
    (_mother_is_not_a_child_of_the_case, "children"),
    (_too_long, "observations"),
    (_unknown_kind, "kind"),
]


@pytest.mark.parametrize(("make", "field"), REFUSALS, ids=[f.__name__[1:] for f, _ in REFUSALS])
@pytest.mark.parametrize("sign", [False, True], ids=["draft", "signed"])
def test_a_visit_that_cannot_be_right_is_refused_and_nothing_is_written(
    case, worker, team_a, make: Refusal, field: str, sign: bool
):
    other = open_case(team=team_a, worker=worker, family_name="Another family")
    data, children = make(case, other)
    before = rows()
    with pytest.raises(ValidationError) as refused:
        visit_record(actor=worker, case=case, data=data, children=children, sign=sign)
    assert field in refused.value.message_dict
    assert rows() == before


def test_the_visit_may_be_on_the_day_the_child_was_born(case, worker):
    born = case.children.get().date_of_birth
    assert born is not None
    on_the_day = datetime.datetime.combine(
        born, datetime.time(10), tzinfo=timezone.get_current_timezone()
    )
    visit = draft(worker, case, occurred_at=on_the_day, next_visit_on=born)
    assert timezone.localdate(visit.occurred_at) == born


@pytest.mark.parametrize("name", TEXT_FIELDS)
def test_free_text_is_limited_to_long_text(case, worker, name):
    at_limit = draft(worker, case, **{name: "ក" * LONG_TEXT})
    assert len(getattr(at_limit, name)) == LONG_TEXT
    before = rows()
    with pytest.raises(ValidationError) as refused:
        draft(worker, case, **{name: "ក" * (LONG_TEXT + 1)})
    assert name in refused.value.message_dict
    assert rows() == before


def test_a_field_outside_the_form_cannot_be_smuggled_in(case, worker):
    before = rows()
    with pytest.raises(ValidationError):
        draft(worker, case, status=HomeVisit.Status.SIGNED)
    with pytest.raises(ValidationError):
        draft(worker, case, author_id=worker.pk + 1)
    assert rows() == before


def test_html_and_script_are_stored_verbatim(case, worker):
    markup = "<script>alert('x')</script><b onclick=\"steal()\">bold</b> & &amp; ស្រី"
    visit = draft(worker, case, observations=markup, child_words=markup, place="<i>home</i>")
    visit.refresh_from_db()
    # Escaping is the template's job: the record keeps exactly what the worker typed.
    assert visit.observations == markup
    assert visit.child_words == markup
    assert visit.place == "<i>home</i>"


@pytest.mark.parametrize("who", ["outsider", "colleague", "admin", "chair", "partner"])
def test_only_someone_who_may_change_the_case_records_a_visit(case, cast, who):
    before = rows()
    with pytest.raises(PermissionDenied):
        draft(cast[who], case)
    assert rows() == before


def test_the_same_child_listed_twice_is_refused(case, worker):
    child = case.children.get()
    twice = [
        ChildSeen(child_id=child.pk, seen=True, seen_alone=False),
        ChildSeen(child_id=child.pk, seen=False, seen_alone=False),
    ]
    before = rows()
    with pytest.raises(ValidationError) as refused:
        visit_record(actor=worker, case=case, data=visit_data(), children=twice)
    assert "children" in refused.value.message_dict
    assert rows() == before


# --- Editing a draft ---------------------------------------------------------------------------


def test_the_author_edits_a_draft_and_the_trail_keeps_before_and_after(case, worker):
    visit = draft(worker, case)
    child = case.children.get()
    updated = visit_update(
        actor=worker,
        case=case,
        visit=visit,
        expected_version=1,
        data={"observations": "The roof has been repaired.", "place": "Grandmother's house"},
        children=[ChildSeen(child_id=child.pk, seen=False, seen_alone=False)],
    )
    assert updated.version == 2
    assert updated.observations == "The roof has been repaired."
    assert list(updated.children_seen.values_list("seen", flat=True)) == [False]
    event = AuditEvent.objects.filter(event=AuditEvent.Event.CHANGE).latest("pk")
    assert (event.actor, event.case, event.object_pk) == (worker, case, str(visit.pk))
    assert event.changes == {
        "observations": [
            "A calm home; the child was playing outside.",
            "The roof has been repaired.",
        ],
        "place": ["Family home", "Grandmother's house"],
    }


def test_a_stale_edit_is_refused_with_the_newer_values_and_writes_nothing(case, worker):
    visit = draft(worker, case)
    opened_by_both = visit.version
    visit_update(
        actor=worker,
        case=case,
        visit=visit,
        expected_version=opened_by_both,
        data={"agreed": "First tab: grandmother joins the next visit."},
        children=seen(case),
    )
    before = rows()
    with pytest.raises(StaleEdit) as stale:
        visit_update(
            actor=worker,
            case=case,
            visit=visit,
            expected_version=opened_by_both,
            data={"agreed": "Second tab: nothing agreed."},
            children=[],
        )
    # The refusal carries what is saved now, so the form can show it.
    current = stale.value.current
    assert isinstance(current, HomeVisit)
    assert current.version == opened_by_both + 1
    assert current.agreed == "First tab: grandmother joins the next visit."
    assert rows() == before
    visit.refresh_from_db()
    assert visit.agreed == "First tab: grandmother joins the next visit."
    assert visit.children_seen.count() == 1


def test_a_stale_signature_is_refused(case, worker):
    visit = draft(worker, case)
    visit_update(
        actor=worker,
        case=case,
        visit=visit,
        expected_version=1,
        data={"agreed": "Changed after the signer opened it."},
        children=seen(case),
    )
    with pytest.raises(StaleEdit):
        visit_sign(actor=worker, case=case, visit=visit, expected_version=1)
    visit.refresh_from_db()
    assert not visit.is_signed


@pytest.mark.parametrize("who", ["supervisor", "colleague"])
def test_only_the_author_may_edit_or_sign_a_draft(case, cast, team_a, who):
    # The colleague covers this case, so may change it: still not someone else's draft.
    covered = open_case(
        team=team_a, worker=cast["worker"], covering_worker=cast["colleague"], family_name="C"
    )
    visit = draft(cast["worker"], covered)
    before = rows()
    with pytest.raises(PermissionDenied):
        visit_update(
            actor=cast[who],
            case=covered,
            visit=visit,
            expected_version=1,
            data={"observations": "Rewritten by someone else."},
            children=seen(covered),
        )
    with pytest.raises(PermissionDenied):
        visit_sign(actor=cast[who], case=covered, visit=visit, expected_version=1)
    assert rows() == before
    visit.refresh_from_db()
    assert (visit.observations, visit.version, visit.is_signed) == (
        "A calm home; the child was playing outside.",
        1,
        False,
    )


def test_an_invalid_edit_leaves_the_draft_as_it_was(case, worker):
    visit = draft(worker, case)
    before = rows()
    with pytest.raises(ValidationError):
        visit_update(
            actor=worker,
            case=case,
            visit=visit,
            expected_version=1,
            data={"occurred_at": timezone.now() + datetime.timedelta(days=1), "agreed": "New"},
            children=[],
        )
    assert rows() == before
    visit.refresh_from_db()
    assert (visit.version, visit.agreed) == (1, "Mother will meet the teacher on Monday.")


# --- Signing -----------------------------------------------------------------------------------


def test_the_author_signs_a_draft_once(case, worker):
    visit = draft(worker, case)
    signed_visit = visit_sign(actor=worker, case=case, visit=visit, expected_version=1)
    assert signed_visit.is_signed
    assert signed_visit.signed_at is not None
    assert signed_visit.version == 2
    with pytest.raises(ValidationError):
        visit_sign(actor=worker, case=case, visit=visit, expected_version=2)


def test_a_signed_visit_cannot_be_updated_through_the_service(case, worker):
    visit = signed(worker, case)
    before = rows()
    with pytest.raises(ValidationError, match="signed"):
        visit_update(
            actor=worker,
            case=case,
            visit=visit,
            expected_version=visit.version,
            data={"observations": "Quietly rewritten."},
            children=seen(case),
        )
    assert rows() == before
    visit.refresh_from_db()
    assert visit.observations == "A calm home; the child was playing outside."


def _raw(sql: str, params: list[Any]) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_on_postgresql_a_signed_visit_cannot_be_changed_even_by_hand(case, worker):
    require_postgresql()
    visit = signed(worker, case)
    with pytest.raises(DatabaseError, match="signed and final"):
        _raw("UPDATE casework_homevisit SET observations = %s WHERE id = %s", ["Edited", visit.pk])
    with pytest.raises(DatabaseError, match="signed and final"):
        _raw("UPDATE casework_homevisit SET status = 'draft' WHERE id = %s", [visit.pk])
    with pytest.raises(DatabaseError, match="signed and final"), transaction.atomic():
        HomeVisit.objects.filter(pk=visit.pk).update(agreed="Edited through the ORM")
    visit.refresh_from_db()
    assert (visit.status, visit.observations) == (
        HomeVisit.Status.SIGNED,
        "A calm home; the child was playing outside.",
    )


def test_on_postgresql_a_signed_visit_cannot_be_deleted(case, worker):
    require_postgresql()
    visit = signed(worker, case)
    with pytest.raises(DatabaseError, match="signed and final"):
        _raw("DELETE FROM casework_homevisit WHERE id = %s", [visit.pk])
    assert HomeVisit.objects.filter(pk=visit.pk).exists()
    assert visit.children_seen.count() == 1


def test_on_postgresql_a_draft_can_still_be_changed(case, worker):
    # The trigger guards signed notes only: drafts are for editing.
    require_postgresql()
    visit = draft(worker, case)
    _raw("UPDATE casework_homevisit SET place = %s WHERE id = %s", ["Rice field", visit.pk])
    visit.refresh_from_db()
    assert visit.place == "Rice field"


# --- Addenda -----------------------------------------------------------------------------------


def test_an_addendum_corrects_a_signed_visit_without_changing_it(case, worker, supervisor):
    visit = signed(worker, case)
    addendum = visit_addendum_add(
        actor=supervisor, case=case, visit=visit, text="  Correction: it was Tuesday.  "
    )
    assert (addendum.text, addendum.author, addendum.visit) == (
        "Correction: it was Tuesday.",
        supervisor,
        visit,
    )
    visit.refresh_from_db()
    assert visit.observations == "A calm home; the child was playing outside."
    event = AuditEvent.objects.get(event=AuditEvent.Event.ADDENDUM)
    assert (event.actor, event.case, event.object_pk) == (supervisor, case, str(addendum.pk))


def test_a_draft_takes_no_addendum(case, worker):
    visit = draft(worker, case)
    before = rows()
    with pytest.raises(ValidationError, match="draft"):
        visit_addendum_add(actor=worker, case=case, visit=visit, text="Something to add.")
    assert rows() == before


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "x" * (LONG_TEXT + 1)])
def test_an_empty_or_overlong_addendum_is_refused(case, worker, text):
    visit = signed(worker, case)
    before = rows()
    with pytest.raises(ValidationError):
        visit_addendum_add(actor=worker, case=case, visit=visit, text=text)
    assert rows() == before


def test_an_addendum_needs_the_right_to_change_the_case(case, worker, colleague, admin_user):
    visit = signed(worker, case)
    before = rows()
    for who in (colleague, admin_user):
        with pytest.raises(PermissionDenied):
            visit_addendum_add(actor=who, case=case, visit=visit, text="Not my case.")
    assert rows() == before


def test_an_addendum_must_be_on_a_visit_of_that_case(case, worker, team_a):
    # The worker holds both cases: a visit of one cannot be annotated through the other.
    other = open_case(team=team_a, worker=worker, family_name="Other family")
    visit = signed(worker, other)
    before = rows()
    with pytest.raises(PermissionDenied):
        visit_addendum_add(actor=worker, case=case, visit=visit, text="Wrong case.")
    assert rows() == before
