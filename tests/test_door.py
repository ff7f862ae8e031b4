"""The need-to-know door (DESIGN.md rules 1 and 2), proved for the fixed cast of conftest.py.

Who may see a case, change it or export it follows from facts alone: the allocated and
covering workers, the team's supervisors, the organisation's administrators. Everyone else
gets the same 404 as for a case that does not exist, and every refusal is on the audit trail.
"""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from casework.access import (
    PERMS,
    Perm,
    case_permissions,
    cases_visible_to,
    get_case_for,
    get_record_for,
)
from casework.models import Allocation, AuditEvent, Case, HomeVisit, Team, User
from casework.services import (
    ChildSeen,
    case_reallocate,
    organisation_sync_administrators,
    team_sync_groups,
    visit_record,
)
from casework.tests.factories import open_case

REFUSED = AuditEvent.Event.REFUSED
NOBODY: frozenset[Perm] = frozenset()


def refusals() -> int:
    count: int = AuditEvent.objects.filter(event=REFUSED).count()
    return count


def assert_shut_out(user: User | AnonymousUser, case: Case) -> None:
    """`user` cannot tell the case exists: 404 for every purpose, absent from every list."""
    for perm in PERMS:
        with pytest.raises(Http404):
            get_case_for(user, case.pk, perm=perm)
        assert not cases_visible_to(user, perm=perm).filter(pk=case.pk).exists()
    assert case_permissions(user, case) == NOBODY


def record_visit(actor: User, case: Case) -> HomeVisit:
    child = case.children.get()
    return visit_record(
        actor=actor,
        case=case,
        data={
            "occurred_at": timezone.now() - datetime.timedelta(hours=2),
            "kind": HomeVisit.Kind.HOME,
            "observations": "Synthetic observation.",
        },
        children=[ChildSeen(child_id=child.pk, seen=True, seen_alone=False)],
    )


# --- Who holds what ------------------------------------------------------------------------


def test_the_allocated_worker_may_view_and_change(case, worker):
    assert get_case_for(worker, case.pk) == case
    assert get_case_for(worker, str(case.pk), perm="change") == case
    assert case_permissions(worker, case) == {"view", "change"}
    assert list(cases_visible_to(worker)) == [case]
    assert list(cases_visible_to(worker, perm="change")) == [case]
    # Exporting the file is for supervisors and administrators: seen, so 403, not 404.
    with pytest.raises(PermissionDenied):
        get_case_for(worker, case.pk, perm="export")


def test_the_covering_worker_may_view_and_change_that_case_only(case, worker, colleague, team_a):
    covered = open_case(
        team=team_a, worker=worker, covering_worker=colleague, family_name="Covered"
    )
    assert get_case_for(colleague, covered.pk, perm="change") == covered
    assert case_permissions(colleague, covered) == {"view", "change"}
    assert list(cases_visible_to(colleague)) == [covered]
    assert_shut_out(colleague, case)


def test_a_colleague_on_the_same_team_cannot_tell_the_case_exists(case, colleague):
    assert colleague.teams.filter(pk=case.team_id).exists()
    assert_shut_out(colleague, case)
    # Exactly as for a case that was never opened.
    with pytest.raises(Http404):
        get_case_for(colleague, case.pk + 1000)


def test_the_team_supervisor_may_view_change_and_export(case, supervisor):
    assert case_permissions(supervisor, case) == {"view", "change", "export"}
    for perm in PERMS:
        assert get_case_for(supervisor, case.pk, perm=perm) == case
        assert list(cases_visible_to(supervisor, perm=perm)) == [case]


def test_the_administrator_may_view_and_export_but_not_change(case, admin_user):
    assert case_permissions(admin_user, case) == {"view", "export"}
    assert get_case_for(admin_user, case.pk) == case
    assert get_case_for(admin_user, case.pk, perm="export") == case
    before = refusals()
    with pytest.raises(PermissionDenied):
        get_case_for(admin_user, case.pk, perm="change")
    assert refusals() == before + 1
    assert list(cases_visible_to(admin_user)) == [case]
    assert not cases_visible_to(admin_user, perm="change").exists()


@pytest.mark.parametrize("who", ["outsider", "chair", "partner"])
def test_people_outside_the_case_get_a_404(case, cast, who):
    assert_shut_out(cast[who], case)


def test_an_anonymous_visitor_gets_a_404(case):
    assert_shut_out(AnonymousUser(), case)


@pytest.mark.parametrize("who", ["worker", "supervisor", "admin"])
def test_a_deactivated_account_holds_nothing(case, cast, who):
    user = cast[who]
    assert get_case_for(user, case.pk) == case
    user.is_active = False
    user.save(update_fields=["is_active"])
    # Its grants and group memberships are still there, but the door is shut at once.
    assert_shut_out(User.objects.get(pk=user.pk), case)


# --- Grants follow facts ----------------------------------------------------------------------


def test_reallocation_moves_the_grants(case, worker, colleague, supervisor):
    moved = case_reallocate(
        actor=supervisor, case=case, worker=colleague, covering_worker=None, reason="Leave"
    )
    assert moved.worker == colleague
    assert_shut_out(worker, case)
    assert case_permissions(colleague, case) == {"view", "change"}
    assert get_case_for(colleague, case.pk, perm="change") == case
    # The old worker's stale copy of the case no longer lets them write to it either.
    with pytest.raises(PermissionDenied):
        record_visit(worker, case)
    assert record_visit(colleague, moved).author == colleague
    assert Allocation.objects.filter(case=case).count() == 2


def test_the_grants_move_in_the_same_transaction_as_the_allocation(
    case, worker, colleague, supervisor
):
    class Abort(Exception):
        pass

    inside: dict[str, frozenset[Perm]] = {}

    def reallocate_then_fail() -> None:
        with transaction.atomic():
            case_reallocate(
                actor=supervisor, case=case, worker=colleague, covering_worker=None, reason="Leave"
            )
            inside["colleague"] = case_permissions(colleague, case)
            inside["worker"] = case_permissions(worker, case)
            raise Abort

    with pytest.raises(Abort):
        reallocate_then_fail()
    # Inside the transaction the grants already matched the new fact ...
    assert inside == {"colleague": {"view", "change"}, "worker": NOBODY}
    # ... and rolling it back takes the fact and the grants back together.
    case.refresh_from_db()
    assert case.worker == worker
    assert case_permissions(worker, case) == {"view", "change"}
    assert_shut_out(colleague, case)


def test_a_refused_reallocation_leaves_the_grants_alone(case, worker, colleague, supervisor):
    with pytest.raises(ValidationError):
        case_reallocate(
            actor=supervisor, case=case, worker=colleague, covering_worker=None, reason="  "
        )
    with pytest.raises(PermissionDenied):
        # Only a supervisor reallocates, and the worker is not one.
        case_reallocate(
            actor=worker, case=case, worker=colleague, covering_worker=None, reason="Mine"
        )
    assert case_permissions(worker, case) == {"view", "change"}
    assert_shut_out(colleague, case)


def test_a_supervisor_removed_from_the_team_loses_its_cases(case, supervisor, team_a):
    assert get_case_for(supervisor, case.pk, perm="export") == case
    team_a.supervisors.remove(supervisor)
    team_sync_groups(team=team_a)
    assert_shut_out(supervisor, case)


def test_a_supervisor_added_to_the_team_gains_its_cases(case, chair, team_a):
    assert_shut_out(chair, case)
    team_a.supervisors.add(chair)
    team_sync_groups(team=team_a)
    assert case_permissions(chair, case) == {"view", "change", "export"}


def test_an_administrator_who_changes_role_loses_the_organisations_cases(case, admin_user):
    admin_user.role = User.Role.SOCIAL_WORKER
    admin_user.save(update_fields=["role"])
    organisation_sync_administrators(organisation=admin_user.organisation)
    assert_shut_out(admin_user, case)


def test_cases_of_another_team_stay_with_that_team(case, team_b, outsider, chair, worker):
    theirs = open_case(team=team_b, worker=outsider, family_name="Team B family")
    assert list(cases_visible_to(outsider)) == [theirs]
    assert list(cases_visible_to(chair)) == [theirs]
    assert_shut_out(worker, theirs)
    assert_shut_out(outsider, case)


# --- The list is one query ---------------------------------------------------------------------


@pytest.mark.parametrize("who", ["worker", "colleague", "supervisor", "admin", "outsider"])
def test_the_visible_list_is_one_query(
    cast, team_a: Team, team_b: Team, who: str, django_assert_num_queries
):
    worker, colleague = cast["worker"], cast["colleague"]
    for n in range(3):
        open_case(team=team_a, worker=worker, family_name=f"Family {n}")
    open_case(team=team_a, worker=colleague, covering_worker=worker, family_name="Shared")
    open_case(team=team_b, worker=cast["outsider"], family_name="Elsewhere")
    expected = {"worker": 4, "colleague": 1, "supervisor": 4, "admin": 5, "outsider": 1}
    user = User.objects.get(pk=cast[who].pk)
    with django_assert_num_queries(1):
        visible = list(cases_visible_to(user))
    assert len(visible) == expected[who]


def test_case_permissions_is_one_query(case, supervisor, django_assert_num_queries):
    with django_assert_num_queries(1):
        perms = case_permissions(supervisor, case)
    assert perms == {"view", "change", "export"}


# --- Every refusal is on the trail -------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "perm", "refusal"),
    [
        ("colleague", "view", Http404),
        ("outsider", "change", Http404),
        ("chair", "export", Http404),
        ("partner", "view", Http404),
        ("admin", "change", PermissionDenied),
        ("worker", "export", PermissionDenied),
    ],
)
def test_each_refusal_leaves_exactly_one_audit_event(case, cast, who, perm, refusal):
    user = cast[who]
    before = AuditEvent.objects.count()
    with pytest.raises(refusal):
        get_case_for(user, case.pk, perm=perm)
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.latest("pk")
    assert event.event == REFUSED
    assert event.actor == user
    assert event.object_pk == str(case.pk)
    assert event.content_type.model_class() is Case


def test_an_allowed_reach_is_not_a_refusal(case, worker, supervisor):
    before = refusals()
    get_case_for(worker, case.pk, perm="change")
    get_case_for(supervisor, case.pk, perm="export")
    list(cases_visible_to(worker))
    assert refusals() == before


@pytest.mark.parametrize("ident", ["abc", "1 OR 1=1", "", "12abc", "-", "x" * 300])
def test_an_id_that_is_not_a_number_is_an_audited_404(case, worker, ident):
    before = AuditEvent.objects.count()
    with pytest.raises(Http404):
        get_case_for(worker, ident)
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.latest("pk")
    assert (event.event, event.actor) == (REFUSED, worker)
    # What was tried is kept (cut short if it is long), so probing is visible.
    if len(ident) <= 100:
        assert event.object_pk == ident
    else:
        assert event.object_pk
        assert ident.startswith(event.object_pk)


def test_a_missing_case_is_an_audited_404(case, worker):
    with pytest.raises(Http404):
        get_case_for(worker, case.pk + 999)
    event = AuditEvent.objects.latest("pk")
    assert (event.event, event.actor, event.object_pk) == (REFUSED, worker, str(case.pk + 999))


def test_a_record_of_another_case_is_an_audited_404(case, worker, team_a):
    other_case = open_case(team=team_a, worker=worker, family_name="Other")
    mine = record_visit(worker, case)
    theirs = record_visit(worker, other_case)
    assert get_record_for(worker, case, case.visits.all(), str(mine.pk)) == mine
    before = AuditEvent.objects.count()
    with pytest.raises(Http404):
        get_record_for(worker, case, case.visits.all(), theirs.pk)
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.latest("pk")
    assert (event.event, event.actor, event.case) == (REFUSED, worker, case)
    assert event.object_pk == str(theirs.pk)
    assert event.content_type.model_class() is HomeVisit


@pytest.mark.parametrize("ident", ["abc", "", "1.5", "x" * 300])
def test_a_record_id_that_is_not_a_number_is_an_audited_404(case, worker, ident):
    before = AuditEvent.objects.count()
    with pytest.raises(Http404):
        get_record_for(worker, case, case.visits.all(), ident)
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.latest("pk")
    assert (event.event, event.case) == (REFUSED, case)


@pytest.mark.parametrize("ident", ["9" * 20, str(2**63), "-5", "0"])
def test_an_id_no_row_can_have_is_an_audited_404(case, worker, ident):
    # Beyond PostgreSQL's bigint, or not positive: refused like any other, never a crash.
    before = AuditEvent.objects.count()
    with pytest.raises(Http404):
        get_case_for(worker, ident)
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.latest("pk")
    assert (event.event, event.actor, event.object_pk) == (REFUSED, worker, ident)
    with pytest.raises(Http404):
        get_record_for(worker, case, case.visits.all(), ident)
    assert AuditEvent.objects.filter(event=REFUSED, case=case).latest("pk").object_pk == ident


# str.isdigit() also accepts digits int() refuses, such as "²": such an id in a URL must still
# be an audited 404, not a crash that records nothing.
@pytest.mark.parametrize("ident", ["\u00b2", "\u2460"])
def test_a_digit_that_is_not_a_number_is_an_audited_404(case, worker, ident):
    with pytest.raises(Http404):
        get_case_for(worker, ident)
    event = AuditEvent.objects.latest("pk")
    assert (event.event, event.object_pk) == (REFUSED, ident)
