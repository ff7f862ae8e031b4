"""The people-level review pages: the supervisor's dashboard, the chair's list, the
notifications and the bell, and the organisation's review policy — seen by each of the cast."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from assessments.models import ScaleScore, Voice
from casework.access import sync_case_grants
from casework.models import AuditEvent, Case, Team, User
from casework.tests.factories import open_case
from reviews import services
from reviews.dashboard import review_dashboard, supervised_cases
from reviews.forms_people import parse_intervals
from reviews.models import Notification, ReturnFlag, Review, ReviewPolicy
from reviews.views_people import example_schedule, notification_text

pytestmark = pytest.mark.django_db

CAST = ["worker", "colleague", "supervisor", "outsider", "chair", "admin", "partner"]


def client_for(user: User | None) -> Client:
    client = Client(HTTP_USER_AGENT="pytest-browser")
    if user is not None:
        client.force_login(user)
    return client


def body(response: Any) -> str:
    return str(response.content.decode())


def new_events(before: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(pk__gt=before).order_by("pk"))


def last_event_pk() -> int:
    last = AuditEvent.objects.order_by("-pk").first()
    return last.pk if last else 0


def today() -> datetime.date:
    return timezone.localdate()


def days(n: int) -> datetime.date:
    return today() + datetime.timedelta(days=n)


# --- Setting up -----------------------------------------------------------------------------------


def in_phase(case: Case, phase: str = Case.Phase.INTERVENTION, since_days: int = 10) -> Case:
    Case.objects.filter(pk=case.pk).update(
        phase=phase, phase_since=timezone.now() - datetime.timedelta(days=since_days)
    )
    case.refresh_from_db()
    return case


def review_on(case: Case, due_on: datetime.date, chair: User | None = None) -> Review:
    review = Review.objects.create(case=case, due_on=due_on, chair=chair)
    if chair is not None:
        sync_case_grants(case)
    return review


def worker_score(case: Case, by: User, score: int, days_ago: int) -> ScaleScore:
    return ScaleScore.objects.create(
        case=case,
        score=score,
        voice=Voice.WORKER,
        given_by_user=by,
        recorded_on=days(-days_ago),
        reason="Synthetic reason",
        recorded_by=by,
    )


def new_case(team: Team, worker: User, name: str, **kwargs: Any) -> Case:
    return in_phase(open_case(team=team, worker=worker, family_name=name), **kwargs)


def policy_of(user: User) -> ReviewPolicy:
    assert user.organisation_id is not None
    return services.policy_for(user.organisation_id)


# --- Every URL, everybody -------------------------------------------------------------------------


def get_urls() -> list[str]:
    return [
        reverse("review_dashboard"),
        reverse("reviews_to_chair"),
        reverse("notification_list"),
        reverse("notification_count"),
        reverse("review_policy"),
    ]


def test_every_page_requires_login(cast: dict[str, User], case: Case) -> None:
    note = Notification.objects.create(user=cast["worker"], kind="due_7", case=case)
    client = client_for(None)
    urls = [*get_urls(), reverse("notification_open", args=[note.pk])]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url
    for url in [reverse("notifications_read_all"), reverse("review_policy")]:
        response = client.post(url, {})
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url
    note.refresh_from_db()
    assert note.read_at is None


# who -> status (missing: 200); every page view leaves exactly one audit event, none for the count.
PAGE_STATUS: dict[str, dict[str, int]] = {
    "review_dashboard": {"partner": 404},
    "reviews_to_chair": {"partner": 404},
    "notification_list": {},
    "review_policy": {who: 404 for who in CAST if who != "admin"},
}


@pytest.mark.parametrize("who", CAST)
@pytest.mark.parametrize("name", sorted(PAGE_STATUS))
def test_permission_matrix(who: str, name: str, cast: dict[str, User]) -> None:
    client = client_for(cast[who])
    before = last_event_pk()
    response = client.get(reverse(name))
    status = PAGE_STATUS[name].get(who, 200)
    assert response.status_code == status, (who, name)
    assert [e.event for e in new_events(before)] == ["view" if status == 200 else "refused"]


@pytest.mark.parametrize("who", CAST)
def test_the_bell_count_answers_everyone_without_an_audit_event(
    who: str, cast: dict[str, User]
) -> None:
    client = client_for(cast[who])
    before = last_event_pk()
    response = client.get(reverse("notification_count"))
    assert response.status_code == 200
    assert new_events(before) == []


@pytest.mark.parametrize("who", [w for w in CAST if w != "admin"])
def test_nobody_but_an_administrator_changes_the_policy(who: str, cast: dict[str, User]) -> None:
    policy = policy_of(cast["admin"])
    client = client_for(cast[who])
    before = last_event_pk()
    response = client.post(
        reverse("review_policy"),
        {
            "version": policy.version,
            "high_intervals": "1",
            "medium_intervals": "1",
            "low_intervals": "1",
            "cap_days": "7",
            "closure_threshold": "1",
        },
    )
    assert response.status_code == 404
    assert [e.event for e in new_events(before)] == ["refused"]
    policy.refresh_from_db()
    assert policy.high_intervals == [7, 14, 14, 30, 30, 60, 90]
    assert policy.version == 1


# --- The dashboard --------------------------------------------------------------------------------


@pytest.fixture
def board_cases(cast: dict[str, User], team_a: Team, team_b: Team) -> dict[str, Case]:
    """One team A case for every dashboard category, and a team B case with all of them."""
    worker, supervisor = cast["worker"], cast["supervisor"]
    cases = {
        "overdue": new_case(team_a, worker, "Overdue Household"),
        "due": new_case(team_a, worker, "Due Household"),
        "later": new_case(team_a, worker, "Later Household"),
        "fell": new_case(team_a, worker, "Fell Household"),
        "rose": new_case(team_a, worker, "Rose Household"),
        "unscheduled": new_case(team_a, worker, "Unscheduled Household", since_days=40),
        "assessing": new_case(team_a, worker, "Assessing Household", phase=Case.Phase.ASSESSMENT),
        "returning": new_case(team_a, worker, "Returning Household"),
        "seen": new_case(team_a, worker, "Seen Household"),
        "closed": new_case(team_a, worker, "Closed Household", phase=Case.Phase.CLOSED),
        "team_b": new_case(team_b, cast["outsider"], "Team B Household"),
    }
    review_on(cases["overdue"], days(-5), chair=cast["chair"])
    review_on(cases["due"], days(3))  # no chair
    review_on(cases["later"], days(20), chair=cast["chair"])
    review_on(cases["fell"], days(30), chair=cast["chair"])
    review_on(cases["rose"], days(30), chair=cast["chair"])
    review_on(cases["returning"], days(30), chair=cast["chair"])
    review_on(cases["seen"], days(30), chair=cast["chair"])
    worker_score(cases["fell"], worker, 6, days_ago=20)
    worker_score(cases["fell"], worker, 4, days_ago=2)
    worker_score(cases["rose"], worker, 4, days_ago=20)
    worker_score(cases["rose"], worker, 6, days_ago=2)
    ReturnFlag.objects.create(
        case=cases["returning"],
        previous_case=cases["closed"],
        kind=ReturnFlag.Kind.REVOLVING_DOOR,
        previous_closed_on=days(-60),
    )
    ReturnFlag.objects.create(
        case=cases["seen"],
        previous_case=cases["closed"],
        kind=ReturnFlag.Kind.RETURNING,
        previous_closed_on=days(-400),
        seen_by=supervisor,
        seen_at=timezone.now(),
    )
    # Team B has everything too: an overdue review without a chair, a falling scale,
    # an unscheduled case and an unseen flag.
    review_on(cases["team_b"], days(-2))
    worker_score(cases["team_b"], cast["outsider"], 8, days_ago=9)
    worker_score(cases["team_b"], cast["outsider"], 3, days_ago=1)
    other_b = new_case(team_b, cast["outsider"], "Team B Unscheduled")
    ReturnFlag.objects.create(
        case=other_b, previous_case=cases["team_b"], kind=ReturnFlag.Kind.RETURNING
    )
    return cases


def section(page: str, name: str) -> str:
    start = page.index(f'id="{name}"')
    end = page.find("</section>", start)
    return page[start:end]


def test_the_dashboard_shows_each_category(
    cast: dict[str, User], board_cases: dict[str, Case]
) -> None:
    client = client_for(cast["supervisor"])
    before = last_event_pk()
    response = client.get(reverse("review_dashboard"))
    assert response.status_code == 200
    page = body(response)
    ref = {name: case.reference for name, case in board_cases.items()}

    overdue = section(page, "overdue")
    assert ref["overdue"] in overdue
    assert "5 days overdue" in overdue
    assert ref["due"] not in overdue

    due = section(page, "due-this-week")
    assert ref["due"] in due
    assert ref["overdue"] not in due
    assert ref["later"] not in due
    assert "No chair yet" in due

    fell = section(page, "scale-fell")
    assert ref["fell"] in fell
    assert "6 → 4" in fell
    assert ref["rose"] not in fell

    unscheduled = section(page, "no-review")
    assert ref["unscheduled"] in unscheduled
    assert ref["assessing"] not in unscheduled
    assert ref["closed"] not in unscheduled
    assert ref["due"] not in unscheduled

    no_chair = section(page, "no-chair")
    assert ref["due"] in no_chair
    assert ref["overdue"] not in no_chair

    returning = section(page, "returning")
    assert ref["returning"] in returning
    assert "Revolving door" in returning
    assert ref["seen"] not in returning

    # Every row links to its case.
    for name in ("overdue", "due", "fell", "unscheduled", "returning"):
        assert reverse("case_detail", args=[board_cases[name].pk]) in page
    # Team B's cases are not this supervisor's.
    assert "Team B" not in page
    events = new_events(before)
    assert [e.event for e in events] == ["view"]
    assert events[0].additional_data == {"list": "review dashboard", "count": 5}


def test_overdue_reviews_come_oldest_first(cast: dict[str, User], team_a: Team) -> None:
    newer = new_case(team_a, cast["worker"], "Newer Household")
    older = new_case(team_a, cast["worker"], "Older Household")
    review_on(newer, days(-2))
    review_on(older, days(-9))
    board = review_dashboard(cast["supervisor"])
    assert [row.review.case_id for row in board.overdue] == [older.pk, newer.pk]
    assert [row.days for row in board.overdue] == [9, 2]


def test_a_supervisor_of_team_b_never_sees_team_a(
    cast: dict[str, User], board_cases: dict[str, Case]
) -> None:
    page = body(client_for(cast["chair"]).get(reverse("review_dashboard")))
    for name, case in board_cases.items():
        if name != "team_b":
            assert case.reference not in page, name
    assert board_cases["team_b"].reference in section(page, "overdue")
    assert board_cases["team_b"].reference in section(page, "scale-fell")
    assert "Team B Unscheduled" in section(page, "no-review")
    assert "Team B Unscheduled" in section(page, "returning")


@pytest.mark.parametrize("who", ["worker", "colleague", "outsider", "admin"])
def test_the_dashboard_is_empty_for_everyone_but_supervisors(
    who: str, cast: dict[str, User], board_cases: dict[str, Case]
) -> None:
    client = client_for(cast[who])
    before = last_event_pk()
    page = body(client.get(reverse("review_dashboard")))
    assert "This page is for supervisors" in page
    for case in board_cases.values():
        assert case.reference not in page
    assert new_events(before)[0].additional_data["count"] == 0
    assert not supervised_cases(cast[who]).exists()


def many_cases(team: Team, worker: User, chair: User, count: int) -> None:
    for index in range(count):
        case = new_case(team, worker, f"Many {index}")
        kind = index % 4
        if kind == 0:
            review_on(case, days(-index - 1))
        elif kind == 1:
            review_on(case, days(index % 7), chair=chair)
        elif kind == 2:
            worker_score(case, worker, 7, days_ago=10)
            worker_score(case, worker, 5, days_ago=1)
        else:
            other = new_case(team, worker, f"Earlier {index}", phase=Case.Phase.CLOSED)
            ReturnFlag.objects.create(case=case, previous_case=other, kind="returning")


@pytest.mark.parametrize("count", [5, 50])
def test_the_dashboard_takes_the_same_queries_however_many_cases(
    count: int,
    cast: dict[str, User],
    team_a: Team,
    django_assert_max_num_queries: Callable[..., Any],
) -> None:
    many_cases(team_a, cast["worker"], cast["chair"], count)
    client = client_for(cast["supervisor"])
    client.get(reverse("review_dashboard"))
    # Session, user, organisation, shell teams, the supervised teams' ids, four sections
    # (reviews, falling scales, unscheduled cases, flags); the audit event.
    with django_assert_max_num_queries(9):
        response = client.get(reverse("review_dashboard"))
    page = body(response)
    assert page.count('class="review-row') >= count


# --- The chair's list -----------------------------------------------------------------------------


@pytest.fixture
def chaired(cast: dict[str, User], case: Case) -> Review:
    in_phase(case)
    return services.review_schedule(actor=cast["supervisor"], case=case, chair=cast["chair"])


def test_the_chair_sees_the_reviews_they_chair(
    cast: dict[str, User], case: Case, chaired: Review
) -> None:
    client = client_for(cast["chair"])
    before = last_event_pk()
    page = body(client.get(reverse("reviews_to_chair")))
    assert case.reference in page
    assert case.team.name in page
    assert cast["worker"].display_name in page
    assert str(case.family.village) in page
    assert chaired.due_on.strftime("%-d %b %Y") in page
    link = reverse("review_record", kwargs={"case_id": case.pk, "review_id": chaired.pk})
    assert f'href="{link}"' in page
    events = new_events(before)
    assert [e.event for e in events] == ["view"]
    assert events[0].additional_data == {"list": "reviews to chair", "count": 1}


@pytest.mark.parametrize("who", ["worker", "colleague", "supervisor", "outsider", "admin"])
def test_nobody_else_sees_the_chairs_reviews(
    who: str, cast: dict[str, User], case: Case, chaired: Review
) -> None:
    page = body(client_for(cast[who]).get(reverse("reviews_to_chair")))
    assert case.reference not in page
    assert "You chair no open review." in page


def test_a_signed_or_cancelled_review_leaves_the_list(
    cast: dict[str, User], case: Case, chaired: Review
) -> None:
    Review.objects.filter(pk=chaired.pk).update(status=Review.Status.CANCELLED)
    page = body(client_for(cast["chair"]).get(reverse("reviews_to_chair")))
    assert case.reference not in page


def test_the_chairs_list_takes_the_same_queries_however_many(
    cast: dict[str, User],
    team_a: Team,
    django_assert_max_num_queries: Callable[..., Any],
) -> None:
    for index in range(12):
        review_on(new_case(team_a, cast["worker"], f"Chaired {index}"), days(index), cast["chair"])
    client = client_for(cast["chair"])
    client.get(reverse("reviews_to_chair"))
    with django_assert_max_num_queries(7):
        page = body(client.get(reverse("reviews_to_chair")))
    assert page.count('data-section="chair"') == 12


# --- Notifications and the bell -------------------------------------------------------------------


def test_notifications_are_only_the_users_own_and_newest_first(
    cast: dict[str, User], case: Case
) -> None:
    mine_old = Notification.objects.create(
        user=cast["worker"],
        kind=Notification.Kind.DUE_7,
        case=case,
        due_on=days(7),
        created_at=timezone.now() - datetime.timedelta(days=6),
    )
    Notification.objects.create(
        user=cast["worker"], kind=Notification.Kind.DUE_1, case=case, due_on=days(1)
    )
    Notification.objects.create(
        user=cast["supervisor"], kind=Notification.Kind.OVERDUE_3, case=case, due_on=days(-3)
    )
    page = body(client_for(cast["worker"]).get(reverse("notification_list")))
    tomorrow = f"Review of {case.reference} due tomorrow ({days(1).strftime('%-d %b %Y')})"
    week = f"Review of {case.reference} due on {days(7).strftime('%-d %b %Y')}"
    assert tomorrow in page
    assert week in page
    assert page.index(tomorrow) < page.index(week)
    assert "overdue" not in page
    assert reverse("notification_open", args=[mine_old.pk]) in page
    other = body(client_for(cast["outsider"]).get(reverse("notification_list")))
    assert "You have no notifications." in other


def test_the_text_is_composed_in_the_readers_language(cast: dict[str, User], case: Case) -> None:
    note = Notification.objects.create(
        user=cast["worker"], kind=Notification.Kind.DUE_0, case=case, due_on=days(0)
    )
    assert notification_text(note).startswith(f"Review of {case.reference} due today")
    for kind in Notification.Kind.values:
        note.kind = kind
        assert case.reference in notification_text(note)
    with translation.override("km"):
        assert case.reference in notification_text(note)


def test_a_case_the_user_can_no_longer_see_has_no_link(
    cast: dict[str, User], case: Case, team_b: Team
) -> None:
    theirs = open_case(team=team_b, worker=cast["outsider"], family_name="Elsewhere")
    note = Notification.objects.create(
        user=cast["worker"], kind=Notification.Kind.CHAIR, case=theirs, due_on=days(4)
    )
    client = client_for(cast["worker"])
    page = body(client.get(reverse("notification_list")))
    assert f"You were asked to chair the review of {theirs.reference}" in page
    assert reverse("notification_open", args=[note.pk]) not in page
    assert reverse("case_detail", args=[theirs.pk]) not in page
    assert "you can no longer open this case" in page
    # Opening it anyway marks it read and goes back to the list, not to the case.
    response = client.get(reverse("notification_open", args=[note.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("notification_list")
    note.refresh_from_db()
    assert note.read_at is not None


def test_opening_a_notification_marks_it_read_and_goes_to_the_case(
    cast: dict[str, User], case: Case
) -> None:
    note = Notification.objects.create(
        user=cast["worker"], kind=Notification.Kind.DUE_1, case=case, due_on=days(1)
    )
    other = Notification.objects.create(user=cast["worker"], kind="due_0", case=case)
    response = client_for(cast["worker"]).get(reverse("notification_open", args=[note.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("case_detail", args=[case.pk])
    note.refresh_from_db()
    other.refresh_from_db()
    assert note.read_at is not None
    assert other.read_at is None


def test_the_chair_notification_opens_the_review(
    cast: dict[str, User], case: Case, chaired: Review
) -> None:
    note = Notification.objects.get(user=cast["chair"], kind=Notification.Kind.CHAIR)
    client = client_for(cast["chair"])
    response = client.get(reverse("notification_open", args=[note.pk]))
    target = reverse("review_record", kwargs={"case_id": case.pk, "review_id": chaired.pk})
    assert response["Location"] == target
    assert client.get(target).status_code == 200


@pytest.mark.parametrize("who", ["colleague", "supervisor", "outsider", "admin", "partner"])
def test_somebody_elses_notification_is_an_audited_404(
    who: str, cast: dict[str, User], case: Case
) -> None:
    note = Notification.objects.create(user=cast["worker"], kind="due_0", case=case)
    client = client_for(cast[who])
    before = last_event_pk()
    response = client.get(reverse("notification_open", args=[note.pk]))
    assert response.status_code == 404
    assert [e.event for e in new_events(before)] == ["refused"]
    note.refresh_from_db()
    assert note.read_at is None
    huge = client.get(f"/notifications/{'9' * 25}/")
    assert huge.status_code == 404


def test_mark_all_read_touches_only_the_users_own(cast: dict[str, User], case: Case) -> None:
    for kind in ("due_7", "due_1", "due_0"):
        Notification.objects.create(user=cast["worker"], kind=kind, case=case)
    theirs = Notification.objects.create(user=cast["supervisor"], kind="due_0", case=case)
    client = client_for(cast["worker"])
    assert "Mark all as read" in body(client.get(reverse("notification_list")))
    assert client.get(reverse("notifications_read_all")).status_code == 405
    response = client.post(reverse("notifications_read_all"))
    assert response.status_code == 302
    assert not Notification.objects.filter(user=cast["worker"], read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert "Mark all as read" not in body(client.get(reverse("notification_list")))


def test_the_bell_fragment_counts_unread(
    cast: dict[str, User], case: Case, django_assert_max_num_queries: Callable[..., Any]
) -> None:
    client = client_for(cast["worker"])
    assert body(client.get(reverse("notification_count"))).strip() == ""
    for kind in ("due_7", "due_1", "due_0"):
        Notification.objects.create(user=cast["worker"], kind=kind, case=case)
    Notification.objects.create(
        user=cast["worker"], kind="chair", case=case, read_at=timezone.now()
    )
    Notification.objects.create(user=cast["supervisor"], kind="due_0", case=case)
    # Session, user, organisation (time zone), the count: no audit, no shell.
    with django_assert_max_num_queries(3):
        fragment = body(client.get(reverse("notification_count")))
    assert 'data-unread="3"' in fragment
    assert "3 new" in fragment
    assert "<html" not in fragment


def test_the_notifications_take_the_same_queries_however_many(
    cast: dict[str, User], team_a: Team, django_assert_max_num_queries: Callable[..., Any]
) -> None:
    for index in range(20):
        case = open_case(team=team_a, worker=cast["worker"], family_name=f"Noted {index}")
        Notification.objects.create(user=cast["worker"], kind="due_7", case=case, due_on=days(7))
    client = client_for(cast["worker"])
    client.get(reverse("notification_list"))
    with django_assert_max_num_queries(7):
        page = body(client.get(reverse("notification_list")))
    assert page.count('class="notification unread"') == 20


def test_every_page_has_a_bell_that_costs_no_query(
    cast: dict[str, User], case: Case, django_assert_max_num_queries: Callable[..., Any]
) -> None:
    Notification.objects.create(user=cast["worker"], kind="due_0", case=case)
    page = body(client_for(cast["worker"]).get(reverse("dashboard")))
    assert f'href="{reverse("notification_list")}"' in page
    assert f'hx-get="{reverse("notification_count")}"' in page
    assert 'hx-trigger="load, every 120s"' in page
    assert "1 new" not in page  # loaded by htmx, not by the page
    assert reverse("reviews_to_chair") in page
    assert reverse("review_dashboard") not in page
    supervisor_page = body(client_for(cast["supervisor"]).get(reverse("dashboard")))
    assert reverse("review_dashboard") in supervisor_page
    admin_page = body(client_for(cast["admin"]).get(reverse("dashboard")))
    assert reverse("reviews_to_chair") not in admin_page


# --- The review policy ----------------------------------------------------------------------------


def policy_post(policy: ReviewPolicy, **changes: str) -> dict[str, str]:
    data = {
        "version": str(policy.version),
        "high_intervals": "7, 14, 14, 30, 30, 60, 90",
        "medium_intervals": "14, 30, 60, 90",
        "low_intervals": "30, 60, 90",
        "cap_days": "90",
        "closure_threshold": "7",
    }
    data.update(changes)
    return data


def test_the_policy_page_shows_the_defaults_and_an_example(cast: dict[str, User]) -> None:
    page = body(client_for(cast["admin"]).get(reverse("review_policy")))
    assert 'value="7, 14, 14, 30, 30, 60, 90"' in page
    assert "High risk: 7, 21, 35, 65, 95, 155, 245, 335 … days after intervention starts" in page
    assert "Low risk: 30, 90, 180, 270" in page


def test_an_administrator_changes_the_policy(cast: dict[str, User]) -> None:
    policy = policy_of(cast["admin"])
    client = client_for(cast["admin"])
    before = last_event_pk()
    response = client.post(
        reverse("review_policy"),
        policy_post(policy, high_intervals="5,10 , 20", cap_days="60", closure_threshold="8"),
    )
    assert response.status_code == 302
    policy.refresh_from_db()
    assert policy.high_intervals == [5, 10, 20]
    assert (policy.cap_days, policy.closure_threshold, policy.version) == (60, 8, 2)
    events = new_events(before)
    assert [e.event for e in events] == ["change"]
    assert set(events[0].changes or {}) == {"high_intervals", "cap_days", "closure_threshold"}
    assert "High risk: 5, 15, 35, 55, 75" in body(client.get(reverse("review_policy")))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("high_intervals", "7, fourteen", "Write whole numbers of days separated by commas"),
        ("medium_intervals", "", "This field is required."),
        ("low_intervals", "30, 0", "Each number of days must be from 1 to 365."),
        ("low_intervals", "30, 400", "Each number of days must be from 1 to 365."),
        ("high_intervals", "7, -1", "Write whole numbers of days separated by commas"),
        ("high_intervals", ",".join(["7"] * 31), "Give at most 30 numbers"),
        ("cap_days", "3", "greater than or equal to 7"),
        ("closure_threshold", "11", "less than or equal to 10"),
    ],
)
def test_a_bad_policy_is_refused_with_a_clear_message(
    field: str, value: str, message: str, cast: dict[str, User]
) -> None:
    policy = policy_of(cast["admin"])
    client = client_for(cast["admin"])
    before = last_event_pk()
    response = client.post(reverse("review_policy"), policy_post(policy, **{field: value}))
    assert response.status_code == 200
    assert message in body(response)
    assert new_events(before) == []
    policy.refresh_from_db()
    assert policy.version == 1
    assert policy.cap_days == 90
    assert policy.high_intervals == [7, 14, 14, 30, 30, 60, 90]


def test_a_stale_policy_edit_is_a_409_that_changes_nothing(cast: dict[str, User]) -> None:
    admin = cast["admin"]
    policy = policy_of(admin)
    assert admin.organisation is not None
    services.policy_update(
        actor=admin, organisation=admin.organisation, data={"cap_days": 60}, expected_version=1
    )
    client = client_for(admin)
    before = last_event_pk()
    response = client.post(reverse("review_policy"), policy_post(policy, cap_days="120"))
    assert response.status_code == 409
    page = body(response)
    assert "Someone else saved this record" in page
    assert '<td data-version="theirs">60</td>' in page
    assert '<td data-version="mine">120' in page
    assert 'name="version" value="2"' in page
    assert [e.event for e in new_events(before)] == ["stale_edit"]
    policy.refresh_from_db()
    assert (policy.cap_days, policy.version) == (60, 2)


def test_intervals_are_parsed_and_the_example_follows_the_policy() -> None:
    assert parse_intervals(" 7,14 30 ") == [7, 14, 30]
    policy = ReviewPolicy(high_intervals=[7, 14], cap_days=10)
    assert example_schedule(policy, "high", 4) == [7, 17, 27, 37]
