"""generate_synthetic: a synthetic organisation on PostgreSQL, repeatable, usable, and never
written over real data. Small sizes here; bench/ runs it at a million cases."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import DataError, connection
from django.db.models import Q
from django.urls import reverse

from casework.access import cases_visible_to, sync_case_grants
from casework.models import (
    AuditEvent,
    Case,
    CaseGroupObjectPermission,
    CaseUserObjectPermission,
    Organisation,
    Person,
    User,
)
from casework.tests.factories import open_case
from reviews.models import Closure, Reminder, Review
from synthetic.cases import CaseMaker
from synthetic.models import SyntheticDataset
from synthetic.tables import Tables

AS_OF = datetime.date(2026, 3, 16)
PASSWORD = "synthetic-test-password"

pytestmark = pytest.mark.django_db

FINGERPRINTED = (
    "casework_user",
    "casework_team",
    "casework_family",
    "casework_person",
    "casework_case",
    "casework_homevisit",
    "casework_visitchild",
    "casework_auditevent",
    "assessments_assessment",
    "assessments_scalescore",
    "safetyplans_safetyplan",
    "reviews_review",
    "reviews_reminder",
    "referrals_outgoingreferral",
    "casework_caseuserobjectpermission",
    "casework_casegroupobjectpermission",
)


def generate(*extra: str, cases: int = 300, users: int = 40, seed: int = 7) -> str:
    out = io.StringIO()
    call_command(
        "generate_synthetic",
        f"--cases={cases}",
        f"--users={users}",
        f"--seed={seed}",
        f"--as-of={AS_OF.isoformat()}",
        f"--password={PASSWORD}",
        *extra,
        stdout=out,
    )
    return out.getvalue()


def fingerprint() -> dict[str, str]:
    """Every row of the main tables, ids included, in id order, hashed table by table."""
    found = {}
    with connection.cursor() as cursor:
        for table in FINGERPRINTED:
            cursor.execute(
                f"SELECT count(*), md5(string_agg(t::text, '|' ORDER BY t.id)) FROM {table} t"  # noqa: S608
            )
            count, digest = cursor.fetchone()
            found[table] = f"{count}:{digest}"
    return found


def grants_of(case: Case) -> tuple[set[tuple[int, int]], set[tuple[int, int]]]:
    users = set(
        CaseUserObjectPermission.objects.filter(content_object=case).values_list(
            "user_id", "permission_id"
        )
    )
    groups = set(
        CaseGroupObjectPermission.objects.filter(content_object=case).values_list(
            "group_id", "permission_id"
        )
    )
    return users, groups


# --- Repeatable ----------------------------------------------------------------------------------


def test_the_same_seed_and_day_write_the_same_rows_ids_included():
    generate()
    first = fingerprint()
    generate("--replace")
    again = fingerprint()
    assert first == again
    assert int(first["casework_case"].split(":")[0]) == 300

    generate("--replace", seed=8)
    other = fingerprint()
    changed = [table for table in FINGERPRINTED if other[table] != first[table]]
    assert "casework_case" in changed
    assert "casework_person" in changed
    assert "casework_caseuserobjectpermission" in changed


def test_it_marks_the_database_and_says_how_to_sign_in():
    output = generate()
    dataset = SyntheticDataset.objects.get()
    assert (dataset.seed, dataset.cases, dataset.users, dataset.as_of) == (7, 300, 40, AS_OF)
    assert dataset.row_counts["casework_case"] == 300
    assert "worker00001" in output
    assert "supervisor0001" in output
    assert "admin01" in output
    assert PASSWORD in output
    # The synthetic organisations need no second factor, so a benchmark signs in with the
    # password alone.
    assert not Organisation.objects.filter(Q(mfa_required=True) | Q(mfa_for_everyone=True))
    assert Organisation.objects.filter(is_synthetic=False).count() == 0


# --- Never over real data ----------------------------------------------------------------------


def test_it_refuses_a_database_with_data_it_did_not_generate(team_a, worker):
    case = open_case(team=team_a, worker=worker)
    before = (Case.objects.count(), Person.objects.count(), User.objects.count())

    with pytest.raises(CommandError, match="not marked synthetic"):
        generate()
    with pytest.raises(CommandError, match="not marked synthetic"):
        generate("--replace")

    assert (Case.objects.count(), Person.objects.count(), User.objects.count()) == before
    assert Case.objects.get() == case
    assert not SyntheticDataset.objects.exists()
    assert User.objects.filter(username="worker").exists()


def test_it_refuses_to_generate_twice_without_replace():
    generate(cases=50)
    before = fingerprint()
    with pytest.raises(CommandError, match="--replace"):
        generate(cases=80, seed=9)
    assert fingerprint() == before
    assert SyntheticDataset.objects.count() == 1


def test_a_failure_half_way_leaves_the_database_as_it_was(monkeypatch):
    generate(cases=60)
    before = fingerprint()
    make = CaseMaker.make

    def make_then_break(self: CaseMaker) -> None:
        make(self)
        if self.t.case.next_id == 30:
            self.t.visit_child.rows.append("not a row")  # refused by COPY, in its thread

    monkeypatch.setattr(CaseMaker, "make", make_then_break)
    with pytest.raises(DataError):
        generate("--replace", cases=80, seed=9)
    assert fingerprint() == before
    assert SyntheticDataset.objects.get().cases == 60


def test_it_refuses_sqlite(monkeypatch):
    monkeypatch.setattr(connection, "vendor", "sqlite")
    with pytest.raises(CommandError, match="needs PostgreSQL"):
        generate()


def test_it_refuses_too_few_users():
    with pytest.raises(CommandError, match="at least one case and 10 users"):
        generate(users=5)
    assert not SyntheticDataset.objects.exists()


# --- Usable data ---------------------------------------------------------------------------------


@pytest.fixture
def synthetic() -> None:
    generate(cases=400, users=45)


def test_every_phase_tier_and_risk_appears(synthetic):
    assert set(Case.objects.values_list("phase", flat=True)) == set(Case.Phase.values)
    assert set(Case.objects.values_list("tier", flat=True)) == set(Case.Tier.values)
    assert set(Case.objects.values_list("risk_level", flat=True)) == set(Case.Risk.values)
    # Families of one to five children, every case about at least one of them.
    assert not Case.objects.filter(children__isnull=True).exists()
    assert Person.objects.filter(relationship="child", date_of_birth__gt=AS_OF).count() == 0


def test_reviews_are_due_some_overdue_and_closed_cases_closed_through_one(synthetic):
    open_reviews = Review.objects.filter(status=Review.Status.SCHEDULED)
    assert open_reviews.filter(due_on__lt=AS_OF).exists()  # overdue
    assert open_reviews.filter(due_on__gte=AS_OF).exists()  # due
    # Only cases doing the work have an open review, and at most one.
    assert set(open_reviews.values_list("case__phase", flat=True)) <= {"intervention", "follow_up"}
    assert open_reviews.count() == open_reviews.values("case").distinct().count()
    assert not Review.objects.filter(held_on__gt=AS_OF).exists()
    # A case that had begun the work closed through a signed review that decided so.
    for closure in Closure.objects.select_related("review", "case"):
        assert closure.case.phase == Case.Phase.CLOSED
        assert closure.review is not None
        assert closure.review.decision == Review.Decision.CLOSE
    # The reminders earlier sweeps would have sent were sent, none for later.
    assert Reminder.objects.exists()
    assert not Reminder.objects.filter(sent_at__isnull=True).exists()
    assert not Reminder.objects.filter(claimed_at__date__gte=AS_OF).exists()


def test_everyone_sees_exactly_the_cases_their_facts_give_them(synthetic):
    all_cases = set(Case.objects.values_list("pk", flat=True))
    chairing = Q(reviews__chair=None)  # replaced per user below
    for user in User.objects.filter(is_superuser=False).exclude(organisation=None):
        visible = set(cases_visible_to(user).values_list("pk", flat=True))
        chairing = Q(reviews__chair=user, reviews__status=Review.Status.SCHEDULED)
        if user.role == User.Role.SOCIAL_WORKER:
            mine = Q(worker=user) | Q(covering_worker=user) | chairing
        elif user.role == User.Role.SUPERVISOR:
            mine = Q(team__supervisors=user) | chairing
        elif user.role == User.Role.ADMINISTRATOR:
            assert visible == all_cases, user.username
            continue
        else:
            assert visible == set(), user.username  # partners reach no case through cases
            continue
        expected = set(Case.objects.filter(mine).values_list("pk", flat=True))
        assert visible == expected, user.username
    worker = User.objects.get(username="worker00001")
    assert cases_visible_to(worker).exists()


def test_the_bulk_grants_are_what_sync_case_grants_derives(synthetic):
    sample = list(Case.objects.order_by("pk").select_related("team__organisation")[::7])
    assert len(sample) > 50
    for case in sample:
        before = grants_of(case)
        assert before[0], case.reference  # the allocated worker, at least
        assert before[1], case.reference  # the supervisors' and administrators' groups
        sync_case_grants(case)
        assert grants_of(case) == before, case.reference


def test_every_foreign_key_points_at_a_row(synthetic):
    """Rows are loaded without foreign-key checks: check them all here."""
    tables = sorted({table.name for table in Tables()})
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text, fa.attname
            FROM pg_constraint c
            JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
            JOIN pg_attribute fa ON fa.attrelid = c.confrelid AND fa.attnum = c.confkey[1]
            WHERE c.contype = 'f' AND c.conrelid::regclass::text = ANY(%s)
            """,
            [tables],
        )
        foreign_keys = cursor.fetchall()
        assert len(foreign_keys) > 100
        broken = []
        for table, column, target, target_column in foreign_keys:
            cursor.execute(
                f"SELECT count(*) FROM {table} t WHERE t.{column} IS NOT NULL AND NOT EXISTS "  # noqa: S608
                f"(SELECT 1 FROM {target} r WHERE r.{target_column} = t.{column})"
            )
            if cursor.fetchone()[0]:
                broken.append(f"{table}.{column}")
    assert broken == []


def test_the_audit_trail_says_who_opened_each_file(synthetic):
    assert not Case.objects.exclude(
        pk__in=AuditEvent.objects.filter(event="view").values("case_id")
    ).exists()
    assert not Case.objects.exclude(
        pk__in=AuditEvent.objects.filter(event="create").values("case_id")
    ).exists()


def test_a_generated_worker_and_supervisor_use_the_pages(synthetic, client):
    # The sign-in page with the printed password, and no second step (two-step sign-in is off).
    response = client.post(reverse("login"), {"username": "worker00001", "password": PASSWORD})
    assert response.status_code == 302
    response = client.get(response["Location"], follow=True)
    assert response.status_code == 200
    assert response.wsgi_request.user.username == "worker00001"
    assert response.wsgi_request.path not in (reverse("mfa_verify"), reverse("mfa_setup"))
    assert client.get(reverse("dashboard")).status_code == 200
    assert client.get(reverse("case_list")).status_code == 200
    supervisor = User.objects.get(username="supervisor0001")
    client.force_login(supervisor)
    for phase in Case.Phase.values:
        case = cases_visible_to(supervisor).filter(phase=phase).order_by("pk").first()
        if case is None:
            continue
        for name in ("case_detail", "case_access_log", "case_reviews"):
            response = client.get(reverse(name, args=[case.pk]))
            assert response.status_code == 200, (name, phase)
    assert client.get(reverse("review_dashboard")).status_code == 200
