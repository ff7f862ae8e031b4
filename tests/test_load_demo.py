from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Q
from django.utils import timezone

from casework.access import case_permissions, cases_visible_to, get_case_for
from casework.models import (
    Allocation,
    AuditEvent,
    Case,
    CaseGroupObjectPermission,
    CaseUserObjectPermission,
    Family,
    HomeVisit,
    Organisation,
    Person,
    Team,
    User,
    VisitAddendum,
    VisitChild,
)
from reviews.models import Review


def returning_case() -> Case:
    """The demo's 13th case: the Sok family back through the revolving door (a new case
    opened yesterday by the reviews demo, for the children of a case closed weeks ago)."""
    case = Case.objects.select_related("family").get(return_flags__isnull=False)
    assert case.family.family_name.startswith("Sok")
    assert case.phase == Case.Phase.INTAKE
    assert Case.objects.filter(family=case.family, phase=Case.Phase.CLOSED).exists()
    return case


def chairing(user: User) -> set[int]:
    """The cases whose open review this user chairs: the chair sees them until sign-off."""
    return set(
        Review.objects.filter(chair=user, status=Review.Status.SCHEDULED).values_list(
            "case", flat=True
        )
    )


def snapshot() -> dict[str, object]:
    return {
        "organisations": sorted(Organisation.objects.values_list("name", "kind", "is_synthetic")),
        "teams": sorted(
            (
                team.name,
                sorted(u.username for u in team.members.all()),
                sorted(u.username for u in team.supervisors.all()),
            )
            for team in Team.objects.all()
        ),
        "users": sorted(
            User.objects.exclude(username="AnonymousUser").values_list(
                "username", "role", "organisation__name", "password"
            )
        ),
        "cases": sorted(
            Case.objects.values_list(
                "reference",
                "family__family_name",
                "phase",
                "team__name",
                "worker__username",
                "covering_worker__username",
                "version",
            )
        ),
        "rows": {
            model.__name__: model._default_manager.count()
            for model in (
                Family,
                Person,
                Allocation,
                HomeVisit,
                VisitChild,
                VisitAddendum,
                AuditEvent,
                CaseUserObjectPermission,
                CaseGroupObjectPermission,
            )
        },
    }


@pytest.fixture
def demo(settings, db):
    settings.DEBUG = True
    call_command("load_demo", verbosity=0)


@pytest.mark.django_db
def test_it_creates_the_demo_cast(settings):
    settings.DEBUG = True
    call_command("load_demo")
    usernames = set(User.objects.values_list("username", flat=True))
    expected = {"worker", "colleague", "supervisor", "outsider", "chair", "admin", "partner"}
    assert expected <= usernames
    team_a = Team.objects.get(name__startswith="Team A")
    team_b = Team.objects.get(name__startswith="Team B")
    assert {u.username for u in team_a.members.all()} == {"worker", "colleague"}
    assert {u.username for u in team_a.supervisors.all()} == {"supervisor"}
    assert {u.username for u in team_b.members.all()} == {"outsider"}
    assert {u.username for u in team_b.supervisors.all()} == {"chair"}
    partner = User.objects.select_related("organisation").get(username="partner")
    assert partner.organisation is not None
    assert partner.organisation.kind == Organisation.Kind.PARTNER
    assert User.objects.get(username="worker").check_password("upstream-demo")
    assert not User.objects.filter(is_superuser=True).exists()
    assert all(org.is_synthetic for org in Organisation.objects.all())


def test_it_opens_thirteen_cases_over_both_teams_and_every_phase(demo):
    cases = Case.objects.select_related("team", "family__village")
    # Casework's twelve, and the returning Sok family's new case (the reviews demo's).
    assert cases.count() == 13
    assert cases.exclude(pk=returning_case().pk).count() == 12
    assert {case.team.name[:6] for case in cases} == {"Team A", "Team B"}
    by_phase = dict(Case.objects.values_list("phase").annotate(n=Count("pk")))
    for phase in ("intake", "assessment", "intervention", "follow_up"):
        assert by_phase.get(phase, 0) >= 2, phase
    assert by_phase.get("closed", 0) >= 1
    assert len(set(cases.values_list("tier", flat=True))) == 3
    assert len(set(cases.values_list("risk_level", flat=True))) == 3
    for case in cases:
        # Each family lives in one of its team's villages and has 2-5 people, children first.
        assert case.family.village in case.team.villages.all(), case.reference
        assert 2 <= case.family.people.count() <= 5, case.reference
        assert case.children.exists(), case.reference
        assert case.family.organisation.is_synthetic
    closed = Case.objects.filter(phase=Case.Phase.CLOSED)
    assert all(c.closed_on is not None and c.closure_reason for c in closed)


def test_every_demo_person_has_a_khmer_and_a_latin_name(demo):
    people = list(Person.objects.all())
    assert all(p.name_km and p.name_latin for p in people)
    khmer = [p.given_name_km for p in people]
    assert all(any("\u1780" <= ch <= "\u17ff" for ch in name) for name in khmer)
    # Invented names, varied: no two people share a given name.
    assert len(set(khmer)) == len(khmer)
    assert len({p.given_name_latin for p in people}) == len(people)


def test_it_records_home_visits_signed_and_draft_in_the_past(demo):
    now = timezone.now()
    visits = HomeVisit.objects.select_related("case__team")
    assert visits.count() >= 24
    assert all(v.occurred_at < now for v in visits)
    assert all(timezone.is_aware(v.occurred_at) for v in visits)
    # Every case has visits, but the returning Sok case, reported by the school yesterday.
    assert set(Case.objects.filter(visits__isnull=True)) == {returning_case()}
    for team in Team.objects.all():
        team_visits = visits.filter(case__team=team)
        assert team_visits.filter(status=HomeVisit.Status.SIGNED).count() >= 3, team.name
        assert team_visits.filter(status=HomeVisit.Status.DRAFT).exists(), team.name
    signed = visits.filter(status=HomeVisit.Status.SIGNED)
    assert all(v.signed_at is not None for v in signed)
    assert all(
        v.next_visit_on is None or v.next_visit_on >= timezone.localdate(v.occurred_at)
        for v in visits
    )
    # The child's own voice and what was agreed are filled in, not afterthoughts.
    home = visits.filter(kind=HomeVisit.Kind.HOME)
    assert all(v.observations and v.family_words and v.child_words and v.agreed for v in home)
    seen = VisitChild.objects.filter(seen=True)
    assert seen.filter(seen_alone=True).exists()
    assert not VisitChild.objects.filter(seen=False, seen_alone=True).exists()
    assert seen.values("visit").distinct().count() >= 20
    # Addenda correct signed visits only.
    addenda = VisitAddendum.objects.select_related("visit")
    assert addenda.count() >= 3
    assert all(a.visit.is_signed for a in addenda)


def test_it_writes_through_the_services_so_the_audit_trail_is_real(demo):
    for case in Case.objects.all():
        events = AuditEvent.objects.filter(case=case)
        opened = events.filter(event=AuditEvent.Event.CREATE, content_type__model="case")
        assert list(opened.values_list("object_pk", flat=True)) == [str(case.pk)]
        created = events.filter(
            event=AuditEvent.Event.CREATE, content_type__model__in=("case", "homevisit")
        )
        assert created.count() == 1 + case.visits.count()
        moves = events.filter(event=AuditEvent.Event.TRANSITION).count()
        if case.phase == Case.Phase.INTAKE:
            assert moves == 0, case.reference
        else:
            assert moves >= 1, case.reference
        signs = events.filter(event=AuditEvent.Event.SIGN)
        assert signs.filter(content_type__model="homevisit").count() == (
            case.visits.filter(status=HomeVisit.Status.SIGNED).count()
        )
        # The other signatures are reviews signed off by their chairs (the reviews demo).
        assert signs.exclude(content_type__model="homevisit").count() == (
            Review.objects.filter(case=case, status=Review.Status.SIGNED).count()
        )
        assert Allocation.objects.filter(case=case).count() == 1


def test_worker_colleague_and_outsider_see_exactly_their_own_cases(demo):
    worker = User.objects.get(username="worker")
    colleague = User.objects.get(username="colleague")
    outsider = User.objects.get(username="outsider")
    team_a = Team.objects.get(name__startswith="Team A")

    def involved(user: User) -> set[int]:
        return set(
            Case.objects.filter(Q(worker=user) | Q(covering_worker=user)).values_list(
                "pk", flat=True
            )
        )

    def visible(user: User) -> set[int]:
        return set(cases_visible_to(user).values_list("pk", flat=True))

    assert len(involved(worker)) >= 3
    assert visible(worker) == involved(worker)
    assert Case.objects.filter(team=team_a, worker=colleague).count() >= 2
    covered = Case.objects.filter(team=team_a, covering_worker=colleague)
    assert covered.count() == 1
    # Besides their own cases, a user sees only the cases whose open review they chair (the
    # colleague chairs one of team B's), and only to view them.
    assert chairing(colleague)
    assert involved(colleague) <= visible(colleague)
    assert visible(colleague) - involved(colleague) <= chairing(colleague)
    assert visible(colleague) == involved(colleague) | chairing(colleague)
    for pk in chairing(colleague) - involved(colleague):
        assert case_permissions(colleague, Case.objects.get(pk=pk)) == {"view"}
    assert all(case_permissions(colleague, c) == {"view", "change"} for c in covered)
    # The colleague is on the same team but not involved in the worker's cases.
    assert not cases_visible_to(colleague).filter(worker=worker).exists()
    assert Case.objects.filter(team__name__startswith="Team B", worker=outsider).count() >= 4
    assert not cases_visible_to(outsider).filter(team=team_a).exists()
    assert visible(outsider) - involved(outsider) <= chairing(outsider)
    assert visible(outsider) == involved(outsider) | chairing(outsider)


def test_supervisors_and_the_administrator_see_their_scope(demo):
    supervisor = User.objects.get(username="supervisor")
    chair = User.objects.get(username="chair")
    admin = User.objects.get(username="admin")
    partner = User.objects.get(username="partner")
    team_a = Case.objects.filter(team__name__startswith="Team A")
    # A supervisor sees their team's cases, and besides them only the cases of the other team
    # whose open review they chair (each supervisor chairs reviews for the other team).
    supervised = set(cases_visible_to(supervisor))
    assert set(team_a) <= supervised
    assert chairing(supervisor)
    assert {c.pk for c in supervised - set(team_a)} == chairing(supervisor)
    assert not team_a.filter(pk__in=chairing(supervisor)).exists()
    chaired_a = cases_visible_to(chair).filter(team__name__startswith="Team A")
    assert chairing(chair)
    assert set(chaired_a.values_list("pk", flat=True)) == chairing(chair)
    assert all(case_permissions(chair, c) == {"view"} for c in chaired_a)
    assert cases_visible_to(admin).count() == 13
    assert cases_visible_to(admin, perm="change").count() == 0
    assert cases_visible_to(partner).count() == 0
    a_case = team_a.first()
    assert a_case is not None
    assert get_case_for(supervisor, a_case.pk, perm="export") == a_case


@pytest.mark.django_db
def test_it_is_idempotent(settings):
    settings.DEBUG = True
    call_command("load_demo")
    first = snapshot()
    assert HomeVisit.objects.exists()
    call_command("load_demo")
    assert snapshot() == first


@pytest.mark.django_db
def test_it_uses_the_demo_password_from_the_environment(settings, monkeypatch):
    settings.DEBUG = True
    monkeypatch.setenv("DEMO_PASSWORD", "another-demo-password")
    call_command("load_demo")
    assert User.objects.get(username="chair").check_password("another-demo-password")


@pytest.mark.django_db
def test_a_second_run_with_a_new_password_changes_only_the_passwords(settings, monkeypatch):
    settings.DEBUG = True
    call_command("load_demo", verbosity=0)
    before = snapshot()
    monkeypatch.setenv("DEMO_PASSWORD", "a-new-demo-password")
    call_command("load_demo", verbosity=0)
    after = snapshot()
    assert after["cases"] == before["cases"]
    assert after["rows"] == before["rows"]
    assert after["users"] != before["users"]
    for login in ("worker", "colleague", "supervisor", "outsider", "chair", "admin", "partner"):
        user = User.objects.get(username=login)
        assert user.check_password("a-new-demo-password"), login
        assert not user.check_password("upstream-demo"), login


@pytest.mark.django_db
def test_it_refuses_to_run_with_debug_off_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("load_demo")
    assert not User.objects.filter(username="worker").exists()
    call_command("load_demo", "--force")
    assert User.objects.filter(username="worker").exists()
    assert Case.objects.count() == 13  # casework's twelve and the returning Sok family's


@pytest.mark.django_db
def test_it_never_touches_a_real_organisation_of_the_same_name(settings):
    settings.DEBUG = True
    Organisation.objects.create(name="Upstream Demo (synthetic)", is_synthetic=False)
    with pytest.raises(Exception, match="not marked synthetic"):
        call_command("load_demo")
    assert not User.objects.filter(username="worker").exists()
    assert not Case.objects.exists()
