"""A case's review pages (list, review, schedule, chair, record and sign-off, close, risk) and
the case page's reviews panel, seen by each of the cast."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessments.models import CasePlan, Goal
from casework.models import AuditEvent, Case, Person, User
from reviews import services
from reviews.models import Closure, Review
from tests.test_safetyplan_pages import approve_case_plan

pytestmark = pytest.mark.django_db

CAST = ["worker", "colleague", "supervisor", "outsider", "chair", "admin", "partner"]
READ = {"worker": 200, "supervisor": 200, "admin": 200, "chair": 200}
CHAIR_ONLY = {"worker": 403, "supervisor": 403, "admin": 403, "chair": 200}
SUPERVISOR_ONLY = {"worker": 403, "supervisor": 200, "admin": 403, "chair": 403}
CHAIR_OR_SUPERVISOR = {"worker": 403, "supervisor": 200, "admin": 403, "chair": 200}
CHANGE = {"worker": 200, "supervisor": 200, "admin": 403, "chair": 403}


def client_for(user: User | None) -> Client:
    client = Client(HTTP_USER_AGENT="pytest-browser")
    if user is not None:
        client.force_login(user)
    return client


def body(response: Any) -> str:
    return str(response.content.decode())


def last_event_pk() -> int:
    last = AuditEvent.objects.order_by("-pk").first()
    return last.pk if last else 0


def new_events(before: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(pk__gt=before).order_by("pk"))


def date_parts(name: str, day: datetime.date | None) -> dict[str, str]:
    if day is None:
        return {f"{name}_0": "", f"{name}_1": "", f"{name}_2": ""}
    return {f"{name}_0": str(day.day), f"{name}_1": str(day.month), f"{name}_2": str(day.year)}


# --- Set-up through the services ------------------------------------------------------------------


@pytest.fixture
def plan(case: Case, cast: dict[str, User]) -> CasePlan:
    """An approved plan: the case is in intervention with its first review scheduled."""
    return approve_case_plan(case, cast["worker"], cast["supervisor"])


@pytest.fixture
def review(case: Case, plan: CasePlan) -> Review:
    found = services.open_review(case)
    assert found is not None
    return found


@pytest.fixture
def chaired(case: Case, cast: dict[str, User], review: Review) -> Review:
    return services.review_assign_chair(
        actor=cast["supervisor"], case=case, review=review, chair=cast["chair"]
    )


def record_post(case: Case, review: Review, **changes: Any) -> dict[str, Any]:
    """A review ready for sign-off, as the form posts it."""
    child = case.children.get()
    mother = Person.objects.filter(family_id=case.family_id).exclude(pk=child.pk).first()
    assert mother is not None
    goal = Goal.objects.filter(plan__case=case).first()
    assert goal is not None
    data: dict[str, Any] = {
        "version": review.version,
        "action": "save",
        **date_parts("held_on", timezone.localdate()),
        "place": "The family's home",
        "child_views": "I like school now.",
        "family_views": "Things are calmer at home.",
        "network_views": "",
        "professional_views": "",
        "decision": "continue",
        "decision_reasons": "Good progress; keep going.",
        **date_parts("next_due_on", None),
        "next_date_reason": "",
        f"child-{child.pk}-gathered": "present",
        f"child-{child.pk}-note": "",
        "family": [mother.pk],
        "pro-TOTAL_FORMS": "1",
        "pro-INITIAL_FORMS": "0",
        "pro-MIN_NUM_FORMS": "0",
        "pro-MAX_NUM_FORMS": "50",
        "pro-0-name": "Teacher Dara",
        "pro-0-role": "School",
        "pro-0-note": "",
        f"goal-{goal.pk}-progress": "some",
        f"goal-{goal.pk}-note": "Goes four days a week",
        "score-TOTAL_FORMS": "2",
        "score-INITIAL_FORMS": "0",
        "score-MIN_NUM_FORMS": "0",
        "score-MAX_NUM_FORMS": "50",
        "score-0-voice": "worker",
        "score-0-person": "",
        "score-0-voice_name": "",
        "score-0-score": "7",
        "score-0-reason": "School every day, no incidents.",
        "score-1-voice": "family",
        "score-1-person": "",
        "score-1-voice_name": "",
        "score-1-score": "",
        "score-1-reason": "",
    }
    data.update(changes)
    return data


def sign(case: Case, cast: dict[str, User], review: Review, **changes: Any) -> Any:
    return client_for(cast["chair"]).post(
        reverse("review_record", args=[case.pk, review.pk]),
        record_post(case, review, action="sign", **changes),
    )


# --- The permission matrix ------------------------------------------------------------------------


def pages(case: Case, review: Review) -> dict[str, tuple[str, dict[str, int]]]:
    c, r = case.pk, review.pk
    return {
        "case_reviews": (reverse("case_reviews", args=[c]), READ),
        "review_detail": (reverse("review_detail", args=[c, r]), READ),
        "review_record": (reverse("review_record", args=[c, r]), CHAIR_ONLY),
        "review_schedule": (reverse("review_schedule", args=[c]), SUPERVISOR_ONLY),
        "review_assign_chair": (reverse("review_assign_chair", args=[c, r]), SUPERVISOR_ONLY),
        "review_reschedule": (reverse("review_reschedule", args=[c, r]), CHAIR_OR_SUPERVISOR),
        "case_close": (reverse("case_close", args=[c]), CHANGE),
        "case_risk": (reverse("case_risk", args=[c]), CHANGE),
    }


PAGES = [
    "case_reviews",
    "review_detail",
    "review_record",
    "review_schedule",
    "review_assign_chair",
    "review_reschedule",
    "case_close",
    "case_risk",
]


def check_one_event(response: Any, user: User, case: Case, before: int) -> None:
    events = new_events(before)
    assert len(events) == 1, [(e.event, e.reason) for e in events]
    assert events[0].actor == user
    assert events[0].event == ("view" if response.status_code == 200 else "refused")
    assert events[0].user_agent == "pytest-browser"
    if response.status_code == 404:
        assert case.reference not in body(response)
    else:
        assert events[0].case == case


@pytest.mark.parametrize("page_name", PAGES)
@pytest.mark.parametrize("who", CAST)
def test_each_page_answers_the_cast_by_need_to_know_and_audits_once(
    page_name: str, who: str, case: Case, cast: dict[str, User], chaired: Review
) -> None:
    url, table = pages(case, chaired)[page_name]
    client = client_for(cast[who])
    before = last_event_pk()
    response = client.get(url)
    assert response.status_code == table.get(who, 404), body(response)[:2000]
    check_one_event(response, cast[who], case, before)


@pytest.mark.parametrize("page_name", PAGES)
def test_the_chair_sees_nothing_before_being_chosen_nor_after_sign_off(
    page_name: str, case: Case, cast: dict[str, User], review: Review
) -> None:
    url, _table = pages(case, review)[page_name]
    client = client_for(cast["chair"])
    before = last_event_pk()
    response = client.get(url)
    assert response.status_code == 404
    check_one_event(response, cast["chair"], case, before)
    services.review_assign_chair(
        actor=cast["supervisor"], case=case, review=review, chair=cast["chair"]
    )
    review.refresh_from_db()
    assert sign(case, cast, review).status_code == 302
    before = last_event_pk()
    response = client.get(url)
    assert response.status_code == 404
    check_one_event(response, cast["chair"], case, before)


def test_the_review_form_is_only_for_the_chairs_own_review(
    case: Case, cast: dict[str, User], chaired: Review, team_a: Any
) -> None:
    from casework.tests.factories import open_case

    other = open_case(team=team_a, worker=cast["worker"])
    client = client_for(cast["chair"])
    assert client.get(reverse("review_record", args=[case.pk, chaired.pk])).status_code == 200
    assert client.get(reverse("case_reviews", args=[other.pk])).status_code == 404
    # A review id of the chair's case under another case's address is a 404 either way.
    assert client.get(reverse("review_record", args=[other.pk, chaired.pk])).status_code == 404


def test_anonymous_is_sent_to_log_in_everywhere(case: Case, chaired: Review) -> None:
    client = client_for(None)
    urls = [url for url, _t in pages(case, chaired).values()]
    urls += [
        reverse("review_addendum", args=[case.pk, chaired.pk]),
        reverse("return_flag_seen", args=[case.pk, 1]),
    ]
    for url in urls:
        for response in (client.get(url), client.post(url, {})):
            assert response.status_code == 302, url
            assert response["Location"].startswith(reverse("login")), url
    chaired.refresh_from_db()
    assert chaired.status == Review.Status.SCHEDULED


@pytest.mark.parametrize("who", CAST)
def test_posts_by_the_wrong_people_are_refused_and_change_nothing(
    who: str, case: Case, cast: dict[str, User], chaired: Review
) -> None:
    c, r = case.pk, chaired.pk
    today = timezone.localdate()

    def fresh() -> tuple[Review, Case]:
        return Review.objects.get(pk=r), Case.objects.get(pk=c)

    posts: list[tuple[str, Callable[[Review, Case], dict[str, Any]], dict[str, int]]] = [
        (reverse("review_record", args=[c, r]), lambda rv, cs: record_post(cs, rv), CHAIR_ONLY),
        (
            reverse("review_assign_chair", args=[c, r]),
            lambda rv, cs: {"version": rv.version, "chair": cast["chair"].pk},
            SUPERVISOR_ONLY,
        ),
        (
            reverse("review_reschedule", args=[c, r]),
            lambda rv, cs: {
                "version": rv.version,
                **date_parts("due_on", today + datetime.timedelta(days=3)),
                "date_reason": "The family travels",
            },
            CHAIR_OR_SUPERVISOR,
        ),
        (
            reverse("case_risk", args=[c]),
            lambda rv, cs: {"version": cs.version, "risk_level": "high", "reason": "New incident"},
            CHANGE,
        ),
    ]
    client = client_for(cast[who])
    for url, make, table in posts:
        expected = table.get(who, 404)
        current, current_case = fresh()
        before = last_event_pk()
        response = client.post(url, make(current, current_case))
        if expected == 200:
            assert response.status_code == 302, url
            continue
        assert response.status_code == expected, url
        assert [e.event for e in new_events(before)] == ["refused"]
        assert Review.objects.get(pk=r).version == current.version
    case.refresh_from_db()
    assert case.risk_level == ("high" if who in ("worker", "supervisor") else "medium")


# --- The chair's temporary grant, through the pages -------------------------------------------


def test_scheduling_with_a_chair_grants_access_and_sign_off_ends_it(
    case: Case, cast: dict[str, User], review: Review
) -> None:
    supervisor, chair = client_for(cast["supervisor"]), client_for(cast["chair"])
    detail = reverse("case_detail", args=[case.pk])
    assert chair.get(detail).status_code == 404
    page = body(supervisor.get(reverse("review_assign_chair", args=[case.pk, review.pk])))
    assert cast["chair"].display_name in page
    assert cast["colleague"].display_name not in page  # same team: not independent
    response = supervisor.post(
        reverse("review_assign_chair", args=[case.pk, review.pk]),
        {"version": review.version, "chair": cast["chair"].pk},
    )
    assert response.status_code == 302
    assert chair.get(detail).status_code == 200
    assert "Record the review" in body(chair.get(detail))
    review.refresh_from_db()
    response = sign(case, cast, review, decision="close", decision_reasons="Safe now")
    assert response.status_code == 302
    assert response["Location"] == reverse("review_detail", args=[case.pk, review.pk])
    assert chair.get(detail).status_code == 404
    review.refresh_from_db()
    assert review.status == Review.Status.SIGNED
    assert services.open_review(case) is None  # "close": no next review
    signed_page = body(supervisor.get(reverse("review_detail", args=[case.pk, review.pk])))
    assert "I like school now." in signed_page
    assert "Add the addendum" in signed_page
    # The supervisor schedules the next one with a chair from the schedule page.
    schedule = reverse("review_schedule", args=[case.pk])
    page = body(supervisor.get(schedule))
    assert 'name="due_on_0"' in page
    due = timezone.localdate() + datetime.timedelta(days=5)
    response = supervisor.post(
        schedule,
        {**date_parts("due_on", due), "chair": cast["chair"].pk, "date_reason": "Family asked"},
    )
    assert response.status_code == 302, body(response)[:3000]
    assert chair.get(detail).status_code == 200


def test_signing_off_schedules_the_next_review_and_addenda_follow(
    case: Case, cast: dict[str, User], chaired: Review
) -> None:
    assert sign(case, cast, chaired).status_code == 302
    following = services.open_review(case)
    assert following is not None
    assert following.step == 1
    worker = client_for(cast["worker"])
    url = reverse("review_addendum", args=[case.pk, chaired.pk])
    assert worker.post(url, {"text": ""}).status_code == 200
    assert worker.post(url, {"text": "Teacher confirmed attendance."}).status_code == 302
    assert "Teacher confirmed attendance." in body(
        worker.get(reverse("review_detail", args=[case.pk, chaired.pk]))
    )
    # A signed review no longer opens in the form.
    response = client_for(cast["supervisor"]).get(
        reverse("review_record", args=[case.pk, chaired.pk])
    )
    assert response.status_code == 403


# --- Refusals shown, nothing changed ----------------------------------------------------------


def test_sign_off_refused_lists_what_is_missing(
    case: Case, cast: dict[str, User], chaired: Review
) -> None:
    child = case.children.get()
    response = sign(
        case,
        cast,
        chaired,
        child_views="",
        decision="",
        **{f"child-{child.pk}-gathered": ""},
    )
    assert response.status_code == 200
    page = body(response)
    assert "The review cannot be signed off yet" in page
    assert "Write down the children&#x27;s views, in their words." in page
    assert "Choose a decision." in page
    chaired.refresh_from_db()
    assert chaired.status == Review.Status.SCHEDULED
    # What was written is kept (saved), and the form shows the new version.
    assert chaired.family_views == "Things are calmer at home."
    assert f'name="version" value="{chaired.version}"' in page


def test_a_bad_row_is_shown_beside_it_and_nothing_is_saved(
    case: Case, cast: dict[str, User], chaired: Review
) -> None:
    response = client_for(cast["chair"]).post(
        reverse("review_record", args=[case.pk, chaired.pk]),
        record_post(case, chaired, **{"score-1-score": "4", "score-1-reason": "Calmer"}),
    )
    assert response.status_code == 200
    assert "Choose the member of this family who gave the score." in body(response)
    chaired.refresh_from_db()
    assert chaired.place == ""


def test_scheduling_refusals_are_shown_and_nothing_is_created(
    case: Case, cast: dict[str, User], review: Review
) -> None:
    client = client_for(cast["supervisor"])
    response = client.post(
        reverse("review_schedule", args=[case.pk]),
        {**date_parts("due_on", timezone.localdate()), "chair": "", "date_reason": ""},
    )
    assert response.status_code == 200
    assert "This case already has a review scheduled" in body(response)
    response = client.post(
        reverse("review_reschedule", args=[case.pk, review.pk]),
        {
            "version": review.version,
            **date_parts("due_on", timezone.localdate() - datetime.timedelta(days=2)),
            "date_reason": "Oops",
        },
    )
    assert response.status_code == 200
    assert "A review cannot be scheduled in the past." in body(response)
    response = client.post(
        reverse("review_assign_chair", args=[case.pk, review.pk]),
        {"version": review.version, "chair": cast["colleague"].pk},
    )
    assert response.status_code == 200
    assert Review.objects.count() == 1
    review.refresh_from_db()
    assert review.chair is None
    assert review.version == 1


def test_a_schedule_off_the_policy_needs_a_reason(
    case: Case, cast: dict[str, User], chaired: Review
) -> None:
    assert sign(case, cast, chaired, decision="close").status_code == 302
    client = client_for(cast["supervisor"])
    due = timezone.localdate() + datetime.timedelta(days=1)
    response = client.post(
        reverse("review_schedule", args=[case.pk]),
        {**date_parts("due_on", due), "chair": "", "date_reason": ""},
    )
    assert response.status_code == 200
    assert "say why this review is on a different date" in body(response)
    assert services.open_review(case) is None


def test_a_stale_review_form_answers_409_and_changes_nothing(
    case: Case, cast: dict[str, User], chaired: Review
) -> None:
    client = client_for(cast["chair"])
    url = reverse("review_record", args=[case.pk, chaired.pk])
    old = record_post(case, chaired, place="Commune hall")
    assert client.post(url, record_post(case, chaired)).status_code == 302
    response = client.post(url, old)
    assert response.status_code == 409
    page = body(response)
    assert "Someone else saved this record while you were editing it" in page
    assert "Commune hall" in page
    chaired.refresh_from_db()
    assert chaired.place == "The family's home"
    assert AuditEvent.objects.filter(event="stale_edit").exists()


def test_a_stale_risk_form_answers_409(case: Case, cast: dict[str, User]) -> None:
    client = client_for(cast["worker"])
    url = reverse("case_risk", args=[case.pk])
    version = case.version
    data = {"version": version, "risk_level": "high", "reason": "New incident"}
    assert client.post(url, data).status_code == 302
    response = client.post(url, {**data, "risk_level": "low", "reason": "Calmer"})
    assert response.status_code == 409
    case.refresh_from_db()
    assert case.risk_level == "high"


def test_rising_risk_restarts_the_review_cadence(
    case: Case, cast: dict[str, User], review: Review
) -> None:
    services.review_reschedule(
        actor=cast["supervisor"],
        case=case,
        review=review,
        due_on=timezone.localdate() + datetime.timedelta(days=60),
        reason="Later",
    )
    case.refresh_from_db()
    response = client_for(cast["worker"]).post(
        reverse("case_risk", args=[case.pk]),
        {"version": case.version, "risk_level": "high", "reason": "Father back home"},
    )
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.due_on == timezone.localdate() + datetime.timedelta(days=7)
    assert "rose" in review.restarted_because


# --- Closing ----------------------------------------------------------------------------------


def test_closing_needs_the_rules_or_a_supervisors_override(
    case: Case, cast: dict[str, User], review: Review
) -> None:
    url = reverse("case_close", args=[case.pk])
    data = {
        "risk_reduced": "on",
        "in_school": "on",
        "outcome": "The children are safe at home.",
        **date_parts("follow_up_on", timezone.localdate() + datetime.timedelta(days=90)),
    }
    worker = client_for(cast["worker"])
    page = body(worker.get(url))
    assert "The last signed review did not decide to close the case." in page
    assert "override_reason" not in page
    response = worker.post(url, data)
    assert response.status_code == 200
    assert "Only a supervisor of the team can close it anyway" in body(response)
    case.refresh_from_db()
    assert case.phase == Case.Phase.INTERVENTION
    supervisor = client_for(cast["supervisor"])
    assert 'name="override_reason"' in body(supervisor.get(url))
    response = supervisor.post(url, {**data, "override_reason": "Family moved abroad safely."})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.phase == Case.Phase.CLOSED
    assert Closure.objects.get(case=case).in_school


def test_the_case_page_phase_buttons_cannot_close_an_intervention_case(
    case: Case, cast: dict[str, User], review: Review
) -> None:
    client = client_for(cast["worker"])
    response = client.post(
        reverse("case_transition", args=[case.pk]), {"to": "closed", "reason": "Done"}, follow=True
    )
    assert "Close this case from its reviews" in body(response)
    case.refresh_from_db()
    assert case.phase == Case.Phase.INTERVENTION


# --- The panel and the query pins -------------------------------------------------------------


def test_the_panel_shows_the_next_review_and_who_may_act(
    case: Case, cast: dict[str, User], review: Review
) -> None:
    Review.objects.filter(pk=review.pk).update(
        due_on=timezone.localdate() - datetime.timedelta(days=4)
    )
    detail = reverse("case_detail", args=[case.pk])
    supervisor_page = body(client_for(cast["supervisor"]).get(detail))
    assert "No chair yet" in supervisor_page
    assert "4 days overdue" in supervisor_page
    assert reverse("review_assign_chair", args=[case.pk, review.pk]) in supervisor_page
    assert reverse("case_close", args=[case.pk]) in supervisor_page
    worker_page = body(client_for(cast["worker"]).get(detail))
    assert reverse("review_assign_chair", args=[case.pk, review.pk]) not in worker_page
    assert reverse("case_close", args=[case.pk]) in worker_page
    admin_page = body(client_for(cast["admin"]).get(detail))
    assert reverse("case_close", args=[case.pk]) not in admin_page
    assert reverse("case_reviews", args=[case.pk]) in admin_page


@pytest.mark.parametrize("count", [1, 8])
def test_the_list_and_the_form_take_the_same_queries_however_many_reviews(
    count: int,
    case: Case,
    cast: dict[str, User],
    review: Review,
    django_assert_max_num_queries: Callable[..., Any],
) -> None:
    for index in range(count - 1):
        Review.objects.create(
            case=case,
            step=index,
            due_on=timezone.localdate() - datetime.timedelta(days=30 * (index + 1)),
            status=Review.Status.SIGNED,
            held_on=timezone.localdate() - datetime.timedelta(days=30 * (index + 1)),
            decision="continue",
            chair=cast["chair"],
        )
    chaired = services.review_assign_chair(
        actor=cast["supervisor"], case=case, review=review, chair=cast["chair"]
    )
    assert (
        client_for(cast["chair"])
        .post(reverse("review_record", args=[case.pk, chaired.pk]), record_post(case, chaired))
        .status_code
        == 302
    )
    supervisor, chair = client_for(cast["supervisor"]), client_for(cast["chair"])
    reviews_url = reverse("case_reviews", args=[case.pk])
    form_url = reverse("review_record", args=[case.pk, chaired.pk])
    detail_url = reverse("case_detail", args=[case.pk])
    supervisor.get(reviews_url)
    chair.get(form_url)
    with django_assert_max_num_queries(12):
        response = supervisor.get(reviews_url)
    assert body(response).count('class="review-row') == count
    with django_assert_max_num_queries(22):
        assert chair.get(form_url).status_code == 200
    # The case page with its panels (the referrals panel takes 2 of these).
    with django_assert_max_num_queries(16):
        assert supervisor.get(detail_url).status_code == 200


def test_a_returning_family_shows_a_banner_the_supervisor_marks_seen(
    case: Case, cast: dict[str, User], review: Review
) -> None:
    from casework.models import ConcernCategory
    from reviews.models import ReturnFlag

    concern = ConcernCategory.objects.order_by("pk").first()
    assert concern is not None
    flag = ReturnFlag.objects.create(
        case=case,
        previous_case=case,
        kind=ReturnFlag.Kind.REVOLVING_DOOR,
        previous_closed_on=timezone.localdate() - datetime.timedelta(days=40),
        previous_concern_codes=[concern.code],
        repeated_concern_codes=[concern.code],
    )
    detail = reverse("case_detail", args=[case.pk])
    worker_page = body(client_for(cast["worker"]).get(detail))
    assert "Revolving door" in worker_page
    assert concern.name in worker_page
    seen_url = reverse("return_flag_seen", args=[case.pk, flag.pk])
    assert seen_url not in worker_page
    assert client_for(cast["worker"]).post(seen_url).status_code == 403
    supervisor = client_for(cast["supervisor"])
    assert seen_url in body(supervisor.get(detail))
    assert supervisor.post(seen_url).status_code == 302
    flag.refresh_from_db()
    assert flag.seen_by == cast["supervisor"]
    assert "A supervisor has seen this." in body(supervisor.get(detail))
