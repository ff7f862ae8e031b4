"""The case plan pages, the approvals queue and the need domains, seen by each of the cast."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessments.models import (
    Action,
    Approval,
    Assessment,
    CasePlan,
    Decision,
    NeedDomain,
    NeedEntry,
)
from assessments.services import (
    ActionData,
    GoalData,
    NeedData,
    assessment_decide,
    assessment_start,
    assessment_submit,
    assessment_update,
    plan_decide,
    plan_start,
    plan_submit,
    plan_update,
)
from casework.models import AuditEvent, Case, Team, User
from casework.services import case_transition
from casework.tests.factories import open_case

pytestmark = pytest.mark.django_db

CAST = ["worker", "colleague", "supervisor", "outsider", "chair", "admin", "partner"]
READ = {"worker": 200, "supervisor": 200, "admin": 200}
CHANGE = {"worker": 200, "supervisor": 200, "admin": 403}
WRITE = {"worker": 302, "supervisor": 302, "admin": 403}
DECIDE = {"worker": 403, "supervisor": 302, "admin": 403}
SCRIPT = '<script>alert("x")</script><b>bold</b>'


def expected(table: dict[str, int], who: str) -> int:
    return table.get(who, 404)


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


# --- Setting up through the services -------------------------------------------------------------


def domain(code: str) -> NeedDomain:
    return NeedDomain.objects.get(code=code)


def assess(case: Case, worker: User, supervisor: User, *, approve: bool = True) -> Assessment:
    """An assessment: education and housing unmet, health met; approved unless told not to."""
    if case.phase == Case.Phase.INTAKE:
        case_transition(actor=worker, case=case, to=Case.Phase.ASSESSMENT)
    assessment = assessment_start(actor=worker, case=case)
    assessment = assessment_update(
        actor=worker,
        case=case,
        assessment=assessment,
        expected_version=assessment.version,
        data={"summary": "Irregular income keeps the eldest child home."},
        needs=[
            NeedData(domain_id=domain("education").pk, need="To learn to read", met="unmet"),
            NeedData(domain_id=domain("health").pk, need="To stay well", met="met"),
            NeedData(domain_id=domain("housing").pk, need="A dry place to sleep", met="unmet"),
        ],
    )
    assessment = assessment_submit(
        actor=worker, case=case, assessment=assessment, expected_version=assessment.version
    )
    if approve:
        assessment = assessment_decide(
            actor=supervisor,
            case=case,
            assessment=assessment,
            expected_version=assessment.version,
            approve=True,
        )
    return assessment


def need(assessment: Assessment, code: str) -> NeedEntry:
    return assessment.needs.get(domain__code=code)


def full_goals(assessment: Assessment) -> list[GoalData]:
    return [
        GoalData(
            text="Sokha goes to school every day",
            need_ids=[need(assessment, "education").pk],
            actions=[
                ActionData(
                    what="Walk Sokha to school in the morning",
                    who=Action.Who.FAMILY,
                    who_name="grandmother",
                    due_on=timezone.localdate() + datetime.timedelta(days=30),
                ),
                ActionData(what="Ask for a scholarship", who=Action.Who.WORKER),
            ],
        ),
        GoalData(
            text="The roof keeps the rain out",
            need_ids=[need(assessment, "housing").pk],
            actions=[ActionData(what="Apply for a housing grant", who=Action.Who.SERVICE)],
        ),
    ]


def write_plan(case: Case, author: User, assessment: Assessment, goals: list[GoalData]) -> CasePlan:
    plan = plan_start(actor=author, case=case)
    return plan_update(
        actor=author,
        case=case,
        plan=plan,
        expected_version=plan.version,
        family_agreement="The mother and grandmother agreed at home.",
        goals=goals,
    )


def submit(case: Case, author: User, plan: CasePlan) -> CasePlan:
    return plan_submit(actor=author, case=case, plan=plan, expected_version=plan.version)


def approve(case: Case, supervisor: User, plan: CasePlan) -> CasePlan:
    return plan_decide(
        actor=supervisor, case=case, plan=plan, expected_version=plan.version, approve=True
    )


@pytest.fixture
def assessment(case: Case, cast: dict[str, User]) -> Assessment:
    return assess(case, cast["worker"], cast["supervisor"])


@pytest.fixture
def draft(case: Case, cast: dict[str, User], assessment: Assessment) -> CasePlan:
    return write_plan(case, cast["worker"], assessment, full_goals(assessment))


@pytest.fixture
def submitted(case: Case, cast: dict[str, User], draft: CasePlan) -> CasePlan:
    return submit(case, cast["worker"], draft)


@pytest.fixture
def approved(case: Case, cast: dict[str, User], submitted: CasePlan) -> CasePlan:
    return approve(case, cast["supervisor"], submitted)


def first_action(plan: CasePlan) -> Action:
    return Action.objects.filter(goal__plan=plan).order_by("pk").first()  # type: ignore[return-value]


def plan_post(
    plan: CasePlan, goals: list[dict[str, Any]], *, agreement: str = "Agreed with the family."
) -> dict[str, Any]:
    """The edit form as a browser would send it, built from plain descriptions of the goals."""
    data: dict[str, Any] = {
        "version": plan.version,
        "family_agreement": agreement,
        "goals-TOTAL_FORMS": str(len(goals)),
        "goals-INITIAL_FORMS": "0",
        "goals-MIN_NUM_FORMS": "0",
        "goals-MAX_NUM_FORMS": "20",
    }
    for index, goal in enumerate(goals):
        prefix = f"goals-{index}"
        data[f"{prefix}-text"] = goal.get("text", "")
        data[f"{prefix}-needs"] = [str(pk) for pk in goal.get("needs", [])]
        actions = goal.get("actions", [])
        data[f"{prefix}-action_rows"] = str(max(3, len(actions)))
        for row, action in enumerate(actions):
            for name, value in action.items():
                data[f"{prefix}-action-{row}-{name}"] = value
    return data


# --- Who gets in --------------------------------------------------------------------------------


def read_pages(case: Case, plan: CasePlan) -> dict[str, tuple[str, dict[str, int]]]:
    return {
        "plan_detail": (reverse("plan_detail", args=[case.pk]), READ),
        "plan_history": (reverse("plan_history", args=[case.pk]), READ),
        "plan_version": (reverse("plan_version", args=[case.pk, plan.pk]), READ),
        "plan_edit": (reverse("plan_edit", args=[case.pk, plan.pk]), CHANGE),
    }


@pytest.mark.parametrize("page_name", ["plan_detail", "plan_history", "plan_version", "plan_edit"])
@pytest.mark.parametrize("who", CAST)
def test_it_answers_each_of_the_cast_by_need_to_know_and_audits_once(
    page_name: str, who: str, case: Case, cast: dict[str, User], draft: CasePlan
) -> None:
    url, table = read_pages(case, draft)[page_name]
    client = client_for(cast[who])
    before = last_event_pk()
    response = client.get(url)
    assert response.status_code == expected(table, who)
    events = new_events(before)
    assert len(events) == 1, [e.event for e in events]
    assert events[0].actor == cast[who]
    assert events[0].event == ("view" if response.status_code == 200 else "refused")
    assert events[0].user_agent == "pytest-browser"
    if response.status_code == 404:
        assert case.reference not in body(response)
        assert "Sokha goes to school" not in body(response)
    if response.status_code == 200:
        assert events[0].case == case
        shown = "Version 1" if page_name == "plan_history" else "Sokha goes to school every day"
        assert shown in body(response)


def test_it_shows_the_plan_page_even_before_there_is_a_plan_and_audits_once(
    case: Case, cast: dict[str, User]
) -> None:
    client = client_for(cast["worker"])
    before = last_event_pk()
    response = client.get(reverse("plan_detail", args=[case.pk]))
    assert response.status_code == 200
    assert [e.event for e in new_events(before)] == ["view"]
    page = body(response)
    assert "There is no plan yet" in page
    assert "An assessment comes first." in page
    assert reverse("plan_start", args=[case.pk]) not in page


def test_it_offers_to_start_a_plan_once_there_is_an_assessment(
    case: Case, cast: dict[str, User], assessment: Assessment
) -> None:
    page = body(client_for(cast["worker"]).get(reverse("plan_detail", args=[case.pk])))
    assert reverse("plan_start", args=[case.pk]) in page
    assert "An assessment comes first." not in page
    admin_page = body(client_for(cast["admin"]).get(reverse("plan_detail", args=[case.pk])))
    assert reverse("plan_start", args=[case.pk]) not in admin_page


def all_urls(case: Case, plan: CasePlan) -> list[tuple[str, str]]:
    action = first_action(plan)
    gets = [url for url, _table in read_pages(case, plan).values()]
    gets += [
        reverse("approvals_queue"),
        reverse("need_domain_list"),
        reverse("need_domain_new"),
        reverse("need_domain_edit", args=[domain("health").pk]),
    ]
    posts = [
        reverse("plan_start", args=[case.pk]),
        reverse("plan_edit", args=[case.pk, plan.pk]),
        reverse("plan_submit", args=[case.pk, plan.pk]),
        reverse("plan_decide", args=[case.pk, plan.pk]),
        reverse("plan_action_progress", args=[case.pk, action.pk]),
        reverse("need_domain_new"),
        reverse("need_domain_move", args=[domain("health").pk]),
    ]
    return [("get", url) for url in gets] + [("post", url) for url in posts]


def test_it_requires_login(case: Case, draft: CasePlan) -> None:
    client = client_for(None)
    for method, url in all_urls(case, draft):
        response = getattr(client, method)(url, {})
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url
    draft.refresh_from_db()
    assert draft.version == 2  # started, then written once: nothing more


def writes(
    case: Case, plans: dict[str, CasePlan]
) -> dict[str, tuple[str, dict[str, Any], dict[str, int]]]:
    draft, submitted, approved = plans["draft"], plans["submitted"], plans["approved"]
    action = first_action(approved)
    return {
        "plan_start": (reverse("plan_start", args=[plans["approved_case"].pk]), {}, WRITE),
        "plan_edit": (
            reverse("plan_edit", args=[case.pk, draft.pk]),
            plan_post(draft, [{"text": "Rewritten goal"}]),
            WRITE,
        ),
        "plan_submit": (
            reverse("plan_submit", args=[case.pk, draft.pk]),
            {"version": draft.version},
            WRITE,
        ),
        "plan_decide": (
            reverse("plan_decide", args=[plans["submitted_case"].pk, submitted.pk]),
            {"version": submitted.version, "decision": "approve"},
            DECIDE,
        ),
        "plan_action_progress": (
            reverse("plan_action_progress", args=[plans["approved_case"].pk, action.pk]),
            {
                f"progress-{action.pk}-version": action.version,
                f"progress-{action.pk}-status": "done",
                f"progress-{action.pk}-outcome": "Walked every day this week.",
            },
            WRITE,
        ),
    }


@pytest.fixture
def plans(case: Case, cast: dict[str, User], team_a: Team, draft: CasePlan) -> dict[str, Any]:
    """Three cases of team A's worker: a draft plan, a submitted plan, and an approved plan."""
    worker, supervisor = cast["worker"], cast["supervisor"]
    second = open_case(team=team_a, worker=worker, family_name="Second Household")
    second_assessment = assess(second, worker, supervisor)
    submitted = submit(
        second, worker, write_plan(second, worker, second_assessment, full_goals(second_assessment))
    )
    third = open_case(team=team_a, worker=worker, family_name="Third Household")
    third_assessment = assess(third, worker, supervisor)
    approved = approve(
        third,
        supervisor,
        submit(
            third, worker, write_plan(third, worker, third_assessment, full_goals(third_assessment))
        ),
    )
    return {
        "draft": draft,
        "submitted": submitted,
        "submitted_case": second,
        "approved": approved,
        "approved_case": third,
    }


def snapshot() -> tuple[Any, ...]:
    return (
        CasePlan.objects.count(),
        sorted(CasePlan.objects.values_list("pk", "version", "status")),
        sorted(Action.objects.values_list("pk", "version", "status", "outcome")),
        Decision.objects.count(),
        sorted(Case.objects.values_list("pk", "phase")),
    )


@pytest.mark.parametrize(
    "write_name", ["plan_start", "plan_edit", "plan_submit", "plan_decide", "plan_action_progress"]
)
@pytest.mark.parametrize("who", CAST)
def test_writes_need_the_right_permission_and_refusals_change_nothing(
    write_name: str, who: str, case: Case, cast: dict[str, User], plans: dict[str, Any]
) -> None:
    url, data, table = writes(case, plans)[write_name]
    before_state = snapshot()
    client = client_for(cast[who])
    before = last_event_pk()
    response = client.post(url, data)
    assert response.status_code == expected(table, who), body(response)[:3000]
    events = new_events(before)
    if response.status_code != 302:
        assert [e.event for e in events] == ["refused"]
        assert events[0].actor == cast[who]
        assert snapshot() == before_state
    else:
        assert snapshot() != before_state
        assert any(e.event not in ("refused", "view") for e in events)


# --- Writing and submitting a plan ----------------------------------------------------------------


def test_starting_a_plan_leads_to_its_form(
    case: Case, cast: dict[str, User], assessment: Assessment
) -> None:
    client = client_for(cast["worker"])
    response = client.post(reverse("plan_start", args=[case.pk]))
    plan = CasePlan.objects.get(case=case)
    assert response.status_code == 302
    assert response["Location"] == reverse("plan_edit", args=[case.pk, plan.pk])
    page = body(client.get(response["Location"]))
    assert "To learn to read" in page
    assert "(unmet)" in page
    # In every goal block, education and housing are marked unmet; health is met.
    assert page.count("(unmet)") == 2 * page.count('class="goal-block"')
    assert page.count('class="goal-block"') == 2


def test_starting_a_second_plan_while_one_is_written_is_refused_with_the_reason(
    case: Case, cast: dict[str, User], draft: CasePlan
) -> None:
    response = client_for(cast["worker"]).post(reverse("plan_start", args=[case.pk]))
    assert response.status_code == 400
    assert "is still being written or awaits a decision" in body(response)
    assert CasePlan.objects.filter(case=case).count() == 1


def test_a_worker_writes_goals_and_actions_through_the_form(
    case: Case, cast: dict[str, User], assessment: Assessment
) -> None:
    plan = plan_start(actor=cast["worker"], case=case)
    education, housing = need(assessment, "education"), need(assessment, "housing")
    due = timezone.localdate() + datetime.timedelta(days=14)
    data = plan_post(
        plan,
        [
            {
                "text": "Sokha reads a short story by herself",
                "needs": [education.pk],
                "actions": [
                    {
                        "what": "Read together every evening",
                        "who": "family",
                        "who_name": "older sister",
                        "due_on_0": due.day,
                        "due_on_1": due.month,
                        "due_on_2": due.year,
                    },
                    {"what": "", "who": ""},  # a blank row is ignored
                ],
            },
            {"text": "", "needs": [], "actions": []},  # a blank goal is ignored
            {"text": "A dry place to sleep", "needs": [housing.pk]},
        ],
    )
    response = client_for(cast["worker"]).post(reverse("plan_edit", args=[case.pk, plan.pk]), data)
    assert response.status_code == 302, body(response)[:3000]
    goals = list(plan.goals.order_by("pk"))
    assert [g.text for g in goals] == [
        "Sokha reads a short story by herself",
        "A dry place to sleep",
    ]
    assert list(goals[0].needs.all()) == [education]
    action = goals[0].actions.get()
    assert (action.what, action.who, action.who_name, action.due_on) == (
        "Read together every evening",
        "family",
        "older sister",
        due,
    )
    plan.refresh_from_db()
    assert plan.family_agreement == "Agreed with the family."


def test_an_action_without_who_is_refused_beside_the_field_and_nothing_is_written(
    case: Case, cast: dict[str, User], draft: CasePlan
) -> None:
    data = plan_post(
        draft, [{"text": "New goal", "actions": [{"what": "Visit the clinic", "who": ""}]}]
    )
    response = client_for(cast["worker"]).post(reverse("plan_edit", args=[case.pk, draft.pk]), data)
    assert response.status_code == 200
    page = body(response)
    assert "Choose who does it." in page
    assert 'href="#id_goals-0-action-0-who"' in page  # the error summary links to the field
    draft.refresh_from_db()
    assert draft.version == 2
    assert draft.goals.count() == 2


def test_goal_text_is_needed_when_a_goal_has_actions(
    case: Case, cast: dict[str, User], draft: CasePlan
) -> None:
    data = plan_post(draft, [{"text": "", "actions": [{"what": "Visit", "who": "worker"}]}])
    response = client_for(cast["worker"]).post(reverse("plan_edit", args=[case.pk, draft.pk]), data)
    assert response.status_code == 200
    assert "Write the goal, or empty the whole goal to leave it out." in body(response)
    assert draft.goals.count() == 2


class _FormReader(HTMLParser):
    """Reads the values a browser would send from a page's main form."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self._textarea: str | None = None
        self._select: str | None = None
        self._select_value: str | None = None
        self._first_option: str | None = None
        self._in_form = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method") == "post" and "action" not in a:
            self._in_form = True
        if not self._in_form:
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields.append((a["name"], a.get("value", "on")))
            elif kind != "submit":
                self.fields.append((a["name"], a.get("value", "")))
        elif tag == "textarea":
            self._textarea = a["name"]
            self.fields.append((a["name"], ""))
        elif tag == "select":
            self._select, self._select_value, self._first_option = a["name"], None, None
        elif tag == "option" and self._select is not None:
            if self._first_option is None:
                self._first_option = a.get("value", "")
            if "selected" in a:
                self._select_value = a.get("value", "")

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            name, value = self.fields[-1]
            self.fields[-1] = (name, value + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea" and self._textarea is not None:
            name, value = self.fields[-1]
            # A browser drops the one newline that follows <textarea>.
            self.fields[-1] = (name, value[1:] if value.startswith("\n") else value)
            self._textarea = None
        elif tag == "select" and self._select is not None:
            self.fields.append((self._select, self._select_value or self._first_option or ""))
            self._select = None
        elif tag == "form":
            self._in_form = False


def form_values(page: str) -> dict[str, Any]:
    reader = _FormReader()
    reader.feed(page)
    data: dict[str, Any] = {}
    for name, value in reader.fields:
        if name in data:
            data[name] = (
                [*data[name], value] if isinstance(data[name], list) else [data[name], value]
            )
        else:
            data[name] = value
    return data


def test_saving_the_form_unchanged_keeps_every_goal_action_status_and_outcome(
    case: Case, cast: dict[str, User], draft: CasePlan
) -> None:
    action = first_action(draft)
    client = client_for(cast["worker"])
    client.post(
        reverse("plan_action_progress", args=[case.pk, action.pk]),
        {
            f"progress-{action.pk}-version": action.version,
            f"progress-{action.pk}-status": "doing",
            f"progress-{action.pk}-outcome": "Two of five days so far.",
        },
    )

    def shape() -> list[Any]:
        return [
            (
                goal.text,
                sorted(n.pk for n in goal.needs.all()),
                [
                    (a.what, a.who, a.who_name, a.due_on, a.status, a.outcome)
                    for a in goal.actions.order_by("due_on", "pk")
                ],
            )
            for goal in draft.goals.order_by("pk")
        ]

    before = shape()
    url = reverse("plan_edit", args=[case.pk, draft.pk])
    data = form_values(body(client.get(url)))
    assert data["goals-TOTAL_FORMS"] == "3"  # two goals and a blank one
    response = client.post(url, data)
    assert response.status_code == 302, body(response)[:3000]
    assert shape() == before
    assert ("doing", "Two of five days so far.") in [
        (a[4], a[5]) for goal in before for a in goal[2]
    ]


def test_a_goal_and_an_action_can_be_removed(
    case: Case, cast: dict[str, User], draft: CasePlan
) -> None:
    client = client_for(cast["worker"])
    url = reverse("plan_edit", args=[case.pk, draft.pk])
    data = form_values(body(client.get(url)))
    data["goals-0-action-1-remove"] = "on"
    data["goals-1-DELETE"] = "on"
    assert client.post(url, data).status_code == 302
    goals = list(draft.goals.order_by("pk"))
    assert [g.text for g in goals] == ["Sokha goes to school every day"]
    assert goals[0].actions.count() == 1


def test_submit_is_refused_while_an_unmet_need_has_no_goal_and_says_which(
    case: Case, cast: dict[str, User], assessment: Assessment
) -> None:
    goals = full_goals(assessment)[:1]  # education only: housing is unmet and unanswered
    plan = write_plan(case, cast["worker"], assessment, goals)
    client = client_for(cast["worker"])
    detail = body(client.get(reverse("plan_detail", args=[case.pk])))
    assert "Needs that no goal answers yet" in detail
    assert "A dry place to sleep" in detail
    before = last_event_pk()
    response = client.post(
        reverse("plan_submit", args=[case.pk, plan.pk]), {"version": plan.version}
    )
    assert response.status_code == 400
    page = body(response)
    assert "Every unmet need must have a goal" in page
    assert "Housing" in page
    assert "Education" not in page.split("Every unmet need must have a goal")[1].split("</li>")[0]
    plan.refresh_from_db()
    assert plan.status == Approval.DRAFT
    assert plan.version == 2
    assert new_events(before) == []


def test_a_submitted_plan_waits_and_can_no_longer_be_edited(
    case: Case, cast: dict[str, User], draft: CasePlan
) -> None:
    client = client_for(cast["worker"])
    response = client.post(
        reverse("plan_submit", args=[case.pk, draft.pk]), {"version": draft.version}
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Approval.SUBMITTED
    page = body(client.get(reverse("plan_detail", args=[case.pk])))
    assert "Awaiting approval" in page
    assert reverse("plan_edit", args=[case.pk, draft.pk]) not in page
    edit = client.get(reverse("plan_edit", args=[case.pk, draft.pk]))
    assert edit.status_code == 302
    assert edit["Location"] == reverse("plan_detail", args=[case.pk])


def test_a_stale_submit_sends_nothing(case: Case, cast: dict[str, User], draft: CasePlan) -> None:
    response = client_for(cast["worker"]).post(
        reverse("plan_submit", args=[case.pk, draft.pk]), {"version": draft.version - 1}
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Approval.DRAFT


# --- Deciding -------------------------------------------------------------------------------------


def test_approval_moves_the_case_to_intervention(
    case: Case, cast: dict[str, User], submitted: CasePlan
) -> None:
    client = client_for(cast["supervisor"])
    page = body(client.get(reverse("plan_detail", args=[case.pk])))
    assert "Approve the plan" in page
    worker_page = body(client_for(cast["worker"]).get(reverse("plan_detail", args=[case.pk])))
    assert "Approve the plan" not in worker_page
    response = client.post(
        reverse("plan_decide", args=[case.pk, submitted.pk]),
        {"version": submitted.version, "decision": "approve", "comment": ""},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    submitted.refresh_from_db()
    assert case.phase == Case.Phase.INTERVENTION
    assert submitted.status == Approval.APPROVED
    decision = Decision.objects.get(plan=submitted)
    assert decision.decided_by == cast["supervisor"]
    page = body(client.get(response["Location"]))
    assert "The case is in Intervention." in page
    assert "Approved by" in page


def test_returning_needs_a_comment_and_the_worker_reads_it(
    case: Case, cast: dict[str, User], submitted: CasePlan
) -> None:
    client = client_for(cast["supervisor"])
    url = reverse("plan_decide", args=[case.pk, submitted.pk])
    response = client.post(url, {"version": submitted.version, "decision": "return"})
    assert response.status_code == 400
    assert "Say what needs to change before it is approved." in body(response)
    submitted.refresh_from_db()
    assert submitted.status == Approval.SUBMITTED
    response = client.post(
        url,
        {"version": submitted.version, "decision": "return", "comment": "Add the school fees."},
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == Approval.RETURNED
    page = body(client_for(cast["worker"]).get(reverse("plan_detail", args=[case.pk])))
    assert "Returned for changes" in page
    assert "Add the school fees." in page
    assert reverse("plan_edit", args=[case.pk, submitted.pk]) in page


def test_a_supervisor_does_not_decide_on_a_plan_they_wrote(
    case: Case, cast: dict[str, User], assessment: Assessment
) -> None:
    supervisor = cast["supervisor"]
    plan = submit(
        case, supervisor, write_plan(case, supervisor, assessment, full_goals(assessment))
    )
    client = client_for(supervisor)
    page = body(client.get(reverse("plan_detail", args=[case.pk])))
    assert "Approve the plan" not in page
    assert "another supervisor of the team decides" in page
    response = client.post(
        reverse("plan_decide", args=[case.pk, plan.pk]),
        {"version": plan.version, "decision": "approve"},
    )
    assert response.status_code == 400
    assert "another supervisor must decide" in body(response)
    plan.refresh_from_db()
    assert plan.status == Approval.SUBMITTED
    assert not Decision.objects.filter(plan=plan).exists()


def test_a_plan_on_an_unapproved_assessment_cannot_be_approved(
    case: Case, cast: dict[str, User]
) -> None:
    assessment = assess(case, cast["worker"], cast["supervisor"], approve=False)
    plan = submit(
        case, cast["worker"], write_plan(case, cast["worker"], assessment, full_goals(assessment))
    )
    client = client_for(cast["supervisor"])
    assert "Approve the assessment first" in body(
        client.get(reverse("plan_detail", args=[case.pk]))
    )
    response = client.post(
        reverse("plan_decide", args=[case.pk, plan.pk]),
        {"version": plan.version, "decision": "approve"},
    )
    assert response.status_code == 400
    assert "Approve the assessment this plan answers first" in body(response)
    plan.refresh_from_db()
    assert plan.status == Approval.SUBMITTED


# --- Versions and history -------------------------------------------------------------------------


def test_a_new_version_after_approval_keeps_the_old_one_in_history(
    case: Case, cast: dict[str, User], approved: CasePlan
) -> None:
    worker = client_for(cast["worker"])
    response = worker.post(reverse("plan_start", args=[case.pk]))
    second = CasePlan.objects.get(case=case, number=2)
    assert response["Location"] == reverse("plan_edit", args=[case.pk, second.pk])
    assert second.goals.count() == 2  # carried over from version 1
    detail = body(worker.get(reverse("plan_detail", args=[case.pk])))
    assert "Version 2" in detail
    assert "Version 1 stays in force until this version is approved." in detail
    # The approved version is never edited.
    assert worker.get(reverse("plan_edit", args=[case.pk, approved.pk])).status_code == 302
    submit(case, cast["worker"], second)
    approve(case, cast["supervisor"], CasePlan.objects.get(pk=second.pk))
    approved.refresh_from_db()
    assert approved.status == Approval.SUPERSEDED
    history = body(worker.get(reverse("plan_history", args=[case.pk])))
    assert "Version 1" in history
    assert "Version 2" in history
    assert "Replaced by a newer version" in history
    assert history.count("Approved by") == 2
    old = worker.get(reverse("plan_version", args=[case.pk, approved.pk]))
    assert old.status_code == 200
    assert "Sokha goes to school every day" in body(old)
    assert "Update progress" not in body(old)  # read-only


def test_a_plan_of_another_case_is_not_reachable_through_this_case(
    case: Case, cast: dict[str, User], draft: CasePlan, team_a: Team
) -> None:
    other = open_case(team=team_a, worker=cast["worker"], family_name="Other Household")
    client = client_for(cast["worker"])
    before = last_event_pk()
    assert client.get(reverse("plan_version", args=[other.pk, draft.pk])).status_code == 404
    assert client.get(reverse("plan_edit", args=[other.pk, draft.pk])).status_code == 404
    action = first_action(draft)
    response = client.post(
        reverse("plan_action_progress", args=[other.pk, action.pk]),
        {f"progress-{action.pk}-version": 1, f"progress-{action.pk}-status": "done"},
    )
    assert response.status_code == 404
    assert [e.event for e in new_events(before)] == ["refused"] * 3
    assert client.get(f"/cases/{case.pk}/plans/{'9' * 25}/").status_code == 404


# --- Ticking off actions on a visit ---------------------------------------------------------------


def progress(
    action: Action, status: str, outcome: str, version: int | None = None
) -> dict[str, Any]:
    prefix = f"progress-{action.pk}"
    return {
        f"{prefix}-version": action.version if version is None else version,
        f"{prefix}-status": status,
        f"{prefix}-outcome": outcome,
    }


def test_the_plan_in_force_is_a_checklist_a_worker_ticks_without_javascript(
    case: Case, cast: dict[str, User], approved: CasePlan
) -> None:
    action = first_action(approved)
    client = client_for(cast["worker"])
    page = body(client.get(reverse("plan_detail", args=[case.pk])))
    assert "Walk Sokha to school in the morning" in page
    assert "grandmother" in page
    assert "Update progress" in page
    assert f'hx-post="{reverse("plan_action_progress", args=[case.pk, action.pk])}"' in page
    response = client.post(
        reverse("plan_action_progress", args=[case.pk, action.pk]),
        progress(action, "done", "Went every day."),
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"#action-{action.pk}")
    action.refresh_from_db()
    assert (action.status, action.outcome, action.version) == ("done", "Went every day.", 2)
    assert "Went every day." in body(client.get(response["Location"]))
    admin_page = body(client_for(cast["admin"]).get(reverse("plan_detail", args=[case.pk])))
    assert "Update progress" not in admin_page


def test_with_htmx_only_the_actions_row_comes_back(
    case: Case, cast: dict[str, User], approved: CasePlan
) -> None:
    action = first_action(approved)
    response = client_for(cast["worker"]).post(
        reverse("plan_action_progress", args=[case.pk, action.pk]),
        progress(action, "doing", "Started on Monday."),
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    page = body(response)
    assert "<html" not in page
    assert page.strip().startswith("<li")
    assert f'id="action-{action.pk}"' in page
    assert "Saved." in page
    assert "Started on Monday." in page
    assert "Sokha goes to school" not in page  # the goal is not repeated, only the row
    action.refresh_from_db()
    assert action.status == "doing"


@pytest.mark.parametrize("htmx", [True, False])
def test_a_stale_tick_writes_nothing_and_shows_the_action_as_it_is_now(
    htmx: bool, case: Case, cast: dict[str, User], approved: CasePlan
) -> None:
    action = first_action(approved)
    url = reverse("plan_action_progress", args=[case.pk, action.pk])
    headers: dict[str, Any] = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    assert client_for(cast["supervisor"]).post(url, progress(action, "done", "Done!")).status_code
    client = client_for(cast["worker"])
    before = last_event_pk()
    response = client.post(url, progress(action, "dropped", "Not needed", version=1), **headers)
    action.refresh_from_db()
    assert (action.status, action.outcome, action.version) == ("done", "Done!", 2)
    assert [e.event for e in new_events(before)] == ["stale_edit"]
    if htmx:
        assert response.status_code == 200
        page = body(response)
        assert "Nothing was saved" in page
        assert "Done!" in page  # the fresh row
        assert "Not needed" in page  # what they sent, so it need not be retyped
        assert f'name="progress-{action.pk}-version" value="2"' in page
    else:
        assert response.status_code == 302
        page = body(client.get(response["Location"]))
        assert "Nothing was saved" in page
        assert "Done!" in page


def test_a_tick_on_a_replaced_version_is_refused(
    case: Case, cast: dict[str, User], approved: CasePlan
) -> None:
    old_action = first_action(approved)
    second = plan_start(actor=cast["worker"], case=case)
    approve(case, cast["supervisor"], submit(case, cast["worker"], second))
    response = client_for(cast["worker"]).post(
        reverse("plan_action_progress", args=[case.pk, old_action.pk]),
        progress(old_action, "done", "x"),
        HTTP_HX_REQUEST="true",
    )
    assert "This plan version has been replaced" in body(response)
    old_action.refresh_from_db()
    assert old_action.status == "todo"


# --- Bad input ------------------------------------------------------------------------------------


def test_very_long_text_is_refused_and_nothing_is_written(
    case: Case, cast: dict[str, User], draft: CasePlan
) -> None:
    client = client_for(cast["worker"])
    data = plan_post(draft, [{"text": "x" * 100_000}], agreement="y" * 100_000)
    response = client.post(reverse("plan_edit", args=[case.pk, draft.pk]), data)
    assert response.status_code == 200
    assert "at most 10000 characters" in body(response).replace(",", "")
    draft.refresh_from_db()
    assert draft.version == 2
    assert draft.family_agreement == "The mother and grandmother agreed at home."
    action = first_action(draft)
    response = client.post(
        reverse("plan_action_progress", args=[case.pk, action.pk]),
        progress(action, "done", "z" * 100_000),
    )
    assert response.status_code == 400
    assert "at most 10000 characters" in body(response).replace(",", "")
    action.refresh_from_db()
    assert action.outcome == ""


def test_nonsense_in_the_form_is_refused_not_a_crash(
    case: Case, cast: dict[str, User], draft: CasePlan
) -> None:
    client = client_for(cast["worker"])
    data = plan_post(draft, [{"text": "Goal", "needs": ["abc"]}])
    data["goals-0-action_rows"] = "999999999"
    data["goals-TOTAL_FORMS"] = "100000"
    response = client.post(reverse("plan_edit", args=[case.pk, draft.pk]), data)
    assert response.status_code == 200
    action = first_action(draft)
    response = client.post(
        reverse("plan_action_progress", args=[case.pk, action.pk]),
        progress(action, "finished-ish", "", version="x"),  # type: ignore[arg-type]
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "Select a valid choice" in body(response)
    draft.refresh_from_db()
    assert draft.version == 2


def test_html_is_stored_as_typed_and_shown_escaped(
    case: Case, cast: dict[str, User], assessment: Assessment
) -> None:
    plan = plan_start(actor=cast["worker"], case=case)
    data = plan_post(
        plan,
        [
            {
                "text": SCRIPT,
                "needs": [need(assessment, "education").pk, need(assessment, "housing").pk],
                "actions": [{"what": SCRIPT, "who": "family", "who_name": SCRIPT[:200]}],
            }
        ],
        agreement=SCRIPT,
    )
    client = client_for(cast["worker"])
    assert client.post(reverse("plan_edit", args=[case.pk, plan.pk]), data).status_code == 302
    plan.refresh_from_db()
    assert plan.family_agreement == SCRIPT
    for url in (
        reverse("plan_detail", args=[case.pk]),
        reverse("plan_version", args=[case.pk, plan.pk]),
        reverse("plan_edit", args=[case.pk, plan.pk]),
    ):
        page = body(client.get(url))
        assert "<script>alert" not in page, url
        assert "&lt;script&gt;alert" in page, url
    submit(case, cast["worker"], plan)
    supervisor = client_for(cast["supervisor"])
    plan.refresh_from_db()
    supervisor.post(
        reverse("plan_decide", args=[case.pk, plan.pk]),
        {"version": plan.version, "decision": "return", "comment": SCRIPT},
    )
    for url in (reverse("plan_detail", args=[case.pk]), reverse("plan_history", args=[case.pk])):
        page = body(client.get(url))
        assert "<script>alert" not in page
        assert "&lt;script&gt;alert" in page


# --- No lost updates ------------------------------------------------------------------------------


def test_a_stale_plan_edit_shows_both_versions_and_changes_nothing(
    case: Case, cast: dict[str, User], draft: CasePlan
) -> None:
    url = reverse("plan_edit", args=[case.pk, draft.pk])
    first, second = client_for(cast["worker"]), client_for(cast["supervisor"])
    first_data = form_values(body(first.get(url)))
    second_data = form_values(body(second.get(url)))
    first_data["goals-0-text"] = "Sokha goes to school four days a week"
    assert first.post(url, first_data).status_code == 302
    before = last_event_pk()
    second_data["goals-0-text"] = "Sokha goes to the village school"
    response = second.post(url, second_data)
    assert response.status_code == 409
    page = body(response)
    assert "Someone else saved this plan while you were editing it" in page
    assert "Sokha goes to school four days a week" in page
    assert "Sokha goes to the village school" in page
    assert [e.event for e in new_events(before)] == ["stale_edit"]
    draft.refresh_from_db()
    assert draft.version == 3
    assert draft.goals.order_by("pk").first().text == "Sokha goes to school four days a week"  # type: ignore[union-attr]
    # Saving again from the conflict page is a deliberate choice, and then it goes through.
    retry = form_values(page)
    assert retry["version"] == "3"
    assert second.post(url, retry).status_code == 302
    assert draft.goals.order_by("pk").first().text == "Sokha goes to the village school"  # type: ignore[union-attr]


# --- Query counts ---------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 8])
def test_the_plan_page_takes_the_same_queries_however_long_the_plan(
    count: int,
    case: Case,
    cast: dict[str, User],
    assessment: Assessment,
    django_assert_max_num_queries: Callable[..., Any],
) -> None:
    goals = full_goals(assessment) + [
        GoalData(
            text=f"Extra goal {index}",
            need_ids=[need(assessment, "health").pk],
            actions=[ActionData(what=f"Step {index}.{n}", who="worker") for n in range(3)],
        )
        for index in range(count)
    ]
    write_plan(case, cast["worker"], assessment, goals)
    client = client_for(cast["worker"])
    client.get(reverse("plan_detail", args=[case.pk]))
    with django_assert_max_num_queries(14):
        response = client.get(reverse("plan_detail", args=[case.pk]))
    assert body(response).count('class="action-row ') == 3 + 3 * count


# --- The approvals queue --------------------------------------------------------------------------


def test_the_queue_lists_what_waits_for_the_supervisor_oldest_first(
    case: Case, cast: dict[str, User], team_a: Team, submitted: CasePlan
) -> None:
    worker, supervisor = cast["worker"], cast["supervisor"]
    newer = open_case(team=team_a, worker=worker, family_name="Newer Household")
    waiting = assess(newer, worker, supervisor, approve=False)
    client = client_for(supervisor)
    before = last_event_pk()
    response = client.get(reverse("approvals_queue"))
    assert response.status_code == 200
    events = new_events(before)
    assert [e.event for e in events] == ["view"]
    assert events[0].additional_data == {"list": "approvals", "count": 2}
    page = body(response)
    assert page.index(case.reference) < page.index(newer.reference)
    assert "Case plan, version 1" in page
    assert "Assessment" in page
    assert worker.display_name in page
    assert reverse("plan_detail", args=[case.pk]) + "#decide" in page
    assert waiting.status == Approval.SUBMITTED


@pytest.mark.parametrize("who", ["worker", "colleague", "outsider", "chair", "admin", "partner"])
def test_the_queue_shows_nothing_of_team_a_to_anyone_but_its_supervisor(
    who: str, case: Case, cast: dict[str, User], submitted: CasePlan
) -> None:
    client = client_for(cast[who])
    before = last_event_pk()
    response = client.get(reverse("approvals_queue"))
    assert response.status_code == 200
    assert case.reference not in body(response)
    events = new_events(before)
    assert [e.event for e in events] == ["view"]
    assert events[0].additional_data["count"] == 0


def test_the_chair_sees_their_own_teams_items_only(
    case: Case, cast: dict[str, User], team_b: Team, submitted: CasePlan
) -> None:
    theirs = open_case(team=team_b, worker=cast["outsider"], family_name="Team B Household")
    assess(theirs, cast["outsider"], cast["chair"], approve=False)
    page = body(client_for(cast["chair"]).get(reverse("approvals_queue")))
    assert theirs.reference in page
    assert case.reference not in page


@pytest.mark.parametrize("count", [3, 30])
def test_the_queue_takes_the_same_queries_however_many_wait(
    count: int,
    cast: dict[str, User],
    team_a: Team,
    django_assert_max_num_queries: Callable[..., Any],
) -> None:
    worker, supervisor = cast["worker"], cast["supervisor"]
    for index in range(count):
        waiting = open_case(team=team_a, worker=worker, family_name=f"Household {index}")
        assessment = assess(waiting, worker, supervisor, approve=index % 2 == 0)
        if index % 2 == 0:
            submit(waiting, worker, write_plan(waiting, worker, assessment, full_goals(assessment)))
    client = client_for(supervisor)
    client.get(reverse("approvals_queue"))
    # Session, user, two selector queries, the audit event: the same for 3 and for 30.
    with django_assert_max_num_queries(7):
        response = client.get(reverse("approvals_queue"))
    assert body(response).count('class="case-card approval-card"') == count


# --- Need domains ---------------------------------------------------------------------------------


def domain_pages() -> list[str]:
    return [
        reverse("need_domain_list"),
        reverse("need_domain_new"),
        reverse("need_domain_edit", args=[domain("education").pk]),
    ]


@pytest.mark.parametrize("who", CAST)
def test_need_domains_are_for_the_agencys_administrators_only(
    who: str, cast: dict[str, User]
) -> None:
    client = client_for(cast[who])
    for url in domain_pages():
        before = last_event_pk()
        response = client.get(url)
        assert response.status_code == (200 if who == "admin" else 404), url
        events = new_events(before)
        assert [e.event for e in events] == ["view" if who == "admin" else "refused"], url
    before_state = list(NeedDomain.objects.values_list("pk", "name", "order", "is_active"))
    for url, data in [
        (reverse("need_domain_new"), {"name": "Play", "name_km": "លេង", "is_active": "on"}),
        (
            reverse("need_domain_edit", args=[domain("education").pk]),
            {"name": "Learning", "name_km": "ការរៀន"},
        ),
        (reverse("need_domain_move", args=[domain("education").pk]), {"direction": "up"}),
    ]:
        response = client.post(url, data)
        assert response.status_code == (302 if who == "admin" else 404)
    after_state = list(NeedDomain.objects.values_list("pk", "name", "order", "is_active"))
    assert (after_state == before_state) == (who != "admin")


def test_an_administrator_adds_renames_reorders_and_retires_a_domain(
    cast: dict[str, User],
) -> None:
    client = client_for(cast["admin"])
    before = last_event_pk()
    response = client.post(
        reverse("need_domain_new"),
        {"name": "Play and leisure", "name_km": "ការលេង", "is_active": "on"},
    )
    assert response.status_code == 302
    play = NeedDomain.objects.get(name="Play and leisure")
    assert play.code == "play-and-leisure"
    assert play.is_active
    assert play.order > domain("community").order
    assert [(e.event, e.case) for e in new_events(before)] == [("create", None)]

    duplicate = client.post(reverse("need_domain_new"), {"name": "health", "name_km": "x"})
    assert duplicate.status_code == 200
    assert "There is already a domain with this name." in body(duplicate)

    edit = reverse("need_domain_edit", args=[play.pk])
    client.post(edit, {"name": "Play", "name_km": "លេង", "order": "5", "is_active": "on"})
    play.refresh_from_db()
    assert (play.name, play.name_km, play.order) == ("Play", "លេង", 5)
    page = body(client.get(reverse("need_domain_list")))
    assert page.index("Play") < page.index("Safety")

    client.post(reverse("need_domain_move", args=[play.pk]), {"direction": "down"})
    names = list(NeedDomain.objects.order_by("order").values_list("name", flat=True))
    assert names[:2] == ["Safety", "Play"]

    client.post(edit, {"name": "Play", "name_km": "លេង", "order": "20"})  # unticked: retired
    play.refresh_from_db()
    assert not play.is_active
    assert NeedDomain.objects.filter(pk=play.pk).exists()  # never deleted
    assert "Not in use" in body(client.get(reverse("need_domain_list")))


def test_a_domain_that_does_not_exist_is_an_audited_404(cast: dict[str, User]) -> None:
    client = client_for(cast["admin"])
    before = last_event_pk()
    assert client.get(reverse("need_domain_edit", args=[10**9])).status_code == 404
    assert client.get(f"/need-domains/{'9' * 25}/").status_code == 404
    assert [e.event for e in new_events(before)] == ["refused", "refused"]


def test_html_in_a_domain_name_is_shown_escaped(cast: dict[str, User]) -> None:
    client = client_for(cast["admin"])
    client.post(
        reverse("need_domain_new"), {"name": SCRIPT[:100], "name_km": "ក", "is_active": "on"}
    )
    page = body(client.get(reverse("need_domain_list")))
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert" in page
