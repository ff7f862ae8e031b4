"""The safety network, safety plan, support and attention pages, seen by each of the cast."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessments.models import Approval, CasePlan, Goal, MappingEntry, NeedDomain
from assessments.services import (
    EntryData,
    GoalData,
    NeedData,
    assessment_decide,
    assessment_start,
    assessment_submit,
    assessment_update,
    mapping_record,
    plan_decide,
    plan_start,
    plan_submit,
    plan_update,
)
from casework.models import AuditEvent, Case, Person, Team, User
from casework.services import case_transition
from casework.tests.factories import open_case
from safetyplans import services
from safetyplans.models import Intervention, NetworkMember, SafetyPlan
from safetyplans.services import RuleData
from safetyplans.views import amount_text

pytestmark = pytest.mark.django_db

CAST = ["worker", "colleague", "supervisor", "outsider", "chair", "admin", "partner"]
READ = {"worker": 200, "supervisor": 200, "admin": 200}
CHANGE = {"worker": 200, "supervisor": 200, "admin": 403}
WRITE = {"worker": 302, "supervisor": 302, "admin": 403}
SCRIPT = '<script>alert("x")</script>'
KHMER_SKIP_LINK = "រំលងទៅខ្លឹមសារ"  # "Skip to content", in the site's Khmer catalogue


def expected(table: dict[str, int], who: str) -> int:
    return table.get(who, 404)


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


# --- Setting up through the services -------------------------------------------------------------


def approve_case_plan(case: Case, worker: User, supervisor: User) -> CasePlan:
    """An approved assessment and an approved case plan with one goal, all through services."""
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
            NeedData(
                domain_id=NeedDomain.objects.get(code="education").pk,
                need="To learn to read",
                met="unmet",
            )
        ],
    )
    assessment = assessment_submit(
        actor=worker, case=case, assessment=assessment, expected_version=assessment.version
    )
    assessment = assessment_decide(
        actor=supervisor,
        case=case,
        assessment=assessment,
        expected_version=assessment.version,
        approve=True,
    )
    plan = plan_start(actor=worker, case=case)
    plan = plan_update(
        actor=worker,
        case=case,
        plan=plan,
        expected_version=plan.version,
        family_agreement="Agreed at home.",
        goals=[
            GoalData(
                text="Sokha goes to school every day",
                need_ids=[assessment.needs.get().pk],
            )
        ],
    )
    plan = plan_submit(actor=worker, case=case, plan=plan, expected_version=plan.version)
    return plan_decide(
        actor=supervisor, case=case, plan=plan, expected_version=plan.version, approve=True
    )


@pytest.fixture
def members(case: Case, cast: dict[str, User]) -> list[NetworkMember]:
    worker = cast["worker"]
    return [
        services.network_member_add(
            actor=worker,
            case=case,
            data={
                "name": "Grandmother Sophea",
                "relationship": "grandmother next door",
                "contact": "012 345 678",
                "agreed_to_do": "Takes the children in at night if father drinks",
            },
        ),
        services.network_member_add(
            actor=worker,
            case=case,
            data={"name": "Teacher Dara", "relationship": "teacher"},
        ),
    ]


@pytest.fixture
def entries(case: Case, cast: dict[str, User]) -> dict[str, MappingEntry]:
    mapping = mapping_record(
        actor=cast["worker"],
        case=case,
        held_on=timezone.localdate(),
        participants="Mother, grandmother",
        entries=[
            EntryData(
                column="worries",
                kind="danger",
                text="Father hits the children when drunk",
                voice="worker",
            ),
            EntryData(
                column="next",
                kind="safety_goal",
                text="The children are safe at night",
                voice="family",
            ),
        ],
    )
    return {e.kind: e for e in mapping.entries.all()}


@pytest.fixture
def draft(
    case: Case,
    cast: dict[str, User],
    members: list[NetworkMember],
    entries: dict[str, MappingEntry],
) -> SafetyPlan:
    worker = cast["worker"]
    plan = services.safety_plan_start(actor=worker, case=case)
    return services.safety_plan_update(
        actor=worker,
        case=case,
        plan=plan,
        expected_version=plan.version,
        family_language="en",
        for_the_children="Dad is getting help to stop drinking.",
        rules=[
            RuleData(
                text="If father has been drinking, the children sleep at grandmother's",
                responsible_member_id=members[0].pk,
                how_known="Grandmother tells the worker at each visit",
                if_not_kept="The worker visits the next day",
                danger_id=entries["danger"].pk,
                safety_goal_id=entries["safety_goal"].pk,
            )
        ],
    )


@pytest.fixture
def approved_case_plan(case: Case, cast: dict[str, User]) -> CasePlan:
    return approve_case_plan(case, cast["worker"], cast["supervisor"])


def agree(case: Case, worker: User, plan: SafetyPlan, members: list[NetworkMember]) -> SafetyPlan:
    mother = Person.objects.filter(family_id=case.family_id).order_by("pk").first()
    assert mother is not None
    return services.safety_plan_agree(
        actor=worker,
        case=case,
        plan=plan,
        expected_version=plan.version,
        agreed_on=timezone.localdate(),
        people=[mother.pk],
        members=[members[0].pk],
    )


@pytest.fixture
def agreed(
    case: Case,
    cast: dict[str, User],
    draft: SafetyPlan,
    members: list[NetworkMember],
    approved_case_plan: CasePlan,
) -> SafetyPlan:
    return agree(case, cast["worker"], draft, members)


@pytest.fixture
def support(case: Case, cast: dict[str, User]) -> Intervention:
    return services.intervention_record(
        actor=cast["worker"],
        case=case,
        data={
            "kind": Intervention.Kind.CASH_GRANT,
            "description": "Capital to open a small shop selling vegetables",
            "amount": Decimal("400000"),
            "currency": "KHR",
        },
    )


def member_post(member: NetworkMember | None = None, **changes: Any) -> dict[str, Any]:
    today = timezone.localdate()
    data: dict[str, Any] = {
        "name": member.name if member else "Uncle Vibol",
        "relationship": member.relationship if member else "uncle",
        "contact": "",
        "knows_worries": "",
        "agreed_to_do": "",
        "joined_on_0": today.day,
        "joined_on_1": today.month,
        "joined_on_2": today.year,
        "person": "",
    }
    if member is not None:
        data["version"] = member.version
    return data | changes


def plan_post(plan: SafetyPlan, rules: list[dict[str, Any]], **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "version": plan.version,
        "family_language": "km",
        "for_the_children": "Everyone is helping to keep you safe.",
        "rules-TOTAL_FORMS": str(len(rules) + 2),
        "rules-INITIAL_FORMS": "0",
        "rules-MIN_NUM_FORMS": "0",
        "rules-MAX_NUM_FORMS": "40",
    }
    for index, rule in enumerate(rules):
        for name, value in rule.items():
            data[f"rules-{index}-{name}"] = value
    return data | changes


def support_post(item: Intervention | None = None, **changes: Any) -> dict[str, Any]:
    today = timezone.localdate()
    data: dict[str, Any] = {
        "kind": "food",
        "description": "Rice for a month",
        "amount": "",
        "currency": "",
        "provider": "Temple",
        "started_on_0": today.day,
        "started_on_1": today.month,
        "started_on_2": today.year,
        "outcome": "",
    }
    if item is not None:
        data["version"] = item.version
    return data | changes


# --- Who gets in ---------------------------------------------------------------------------------


def get_pages(
    case: Case, plan: SafetyPlan, members: list[NetworkMember], item: Intervention
) -> dict[str, tuple[str, dict[str, int]]]:
    c = case.pk
    return {
        "safety_overview": (reverse("safety_overview", args=[c]), READ),
        "safety_plan_versions": (reverse("safety_plan_versions", args=[c]), READ),
        "safety_plan_version": (reverse("safety_plan_version", args=[c, plan.pk]), READ),
        "safety_plan_compare": (reverse("safety_plan_compare", args=[c]) + "?a=1&b=1", READ),
        "safety_plan_family": (reverse("safety_plan_family", args=[c]), READ),
        "network_member_new": (reverse("network_member_new", args=[c]), CHANGE),
        "network_member_edit": (
            reverse("network_member_edit", args=[c, members[1].pk]),
            CHANGE,
        ),
        "network_member_remove": (
            reverse("network_member_remove", args=[c, members[1].pk]),
            CHANGE,
        ),
        "safety_plan_edit": (reverse("safety_plan_edit", args=[c, plan.pk]), CHANGE),
        "safety_plan_agree": (reverse("safety_plan_agree", args=[c, plan.pk]), CHANGE),
        "intervention_new": (reverse("intervention_new", args=[c]), CHANGE),
        "intervention_edit": (reverse("intervention_edit", args=[c, item.pk]), CHANGE),
    }


GET_PAGES = [
    "safety_overview",
    "safety_plan_versions",
    "safety_plan_version",
    "safety_plan_compare",
    "safety_plan_family",
    "network_member_new",
    "network_member_edit",
    "network_member_remove",
    "safety_plan_edit",
    "safety_plan_agree",
    "intervention_new",
    "intervention_edit",
]


@pytest.mark.parametrize("page_name", GET_PAGES)
@pytest.mark.parametrize("who", CAST)
def test_it_answers_each_of_the_cast_by_need_to_know_and_audits_once(
    page_name: str,
    who: str,
    case: Case,
    cast: dict[str, User],
    draft: SafetyPlan,
    members: list[NetworkMember],
    support: Intervention,
) -> None:
    url, table = get_pages(case, draft, members, support)[page_name]
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
        assert "Grandmother Sophea" not in body(response)
    if response.status_code == 200:
        assert events[0].case == case


def writes(
    case: Case, plan: SafetyPlan, members: list[NetworkMember], item: Intervention
) -> dict[str, tuple[str, dict[str, Any]]]:
    c = case.pk
    teacher = members[1]
    return {
        "network_member_new": (reverse("network_member_new", args=[c]), member_post()),
        "network_member_edit": (
            reverse("network_member_edit", args=[c, teacher.pk]),
            member_post(teacher, contact="School office"),
        ),
        "network_member_remove": (
            reverse("network_member_remove", args=[c, teacher.pk]),
            {"version": teacher.version, "reason": "Moved to Phnom Penh"},
        ),
        "safety_plan_start": (reverse("safety_plan_start", args=[c]), {}),
        "safety_plan_edit": (
            reverse("safety_plan_edit", args=[c, plan.pk]),
            plan_post(plan, [{"text": "Mother walks the children to school"}]),
        ),
        "intervention_new": (reverse("intervention_new", args=[c]), support_post()),
        "intervention_edit": (
            reverse("intervention_edit", args=[c, item.pk]),
            support_post(item, outcome="The shop opened"),
        ),
    }


@pytest.mark.parametrize(
    "view",
    [
        "network_member_new",
        "network_member_edit",
        "network_member_remove",
        "safety_plan_start",
        "safety_plan_edit",
        "intervention_new",
        "intervention_edit",
    ],
)
@pytest.mark.parametrize("who", CAST)
def test_writes_need_change_permission_and_refusals_change_nothing(
    view: str,
    who: str,
    case: Case,
    cast: dict[str, User],
    draft: SafetyPlan,
    members: list[NetworkMember],
    support: Intervention,
) -> None:
    if view == "safety_plan_start":
        # A draft exists; the start is tried on a case with nothing yet.
        case = open_case(team=Team.objects.get(name="Team A"), worker=cast["worker"])
    url, data = writes(case, draft, members, support)[view]
    counts = (
        NetworkMember.objects.count(),
        SafetyPlan.objects.count(),
        Intervention.objects.count(),
    )
    client = client_for(cast[who])
    before = last_event_pk()
    response = client.post(url, data)
    assert response.status_code == expected(WRITE, who), body(response)[:3000]
    if response.status_code != 302:
        events = new_events(before)
        assert [e.event for e in events] == ["refused"]
        assert counts == (
            NetworkMember.objects.count(),
            SafetyPlan.objects.count(),
            Intervention.objects.count(),
        )


def test_it_requires_login(
    case: Case, draft: SafetyPlan, members: list[NetworkMember], support: Intervention
) -> None:
    client = client_for(None)
    urls = [url for url, _table in get_pages(case, draft, members, support).values()]
    urls.append(reverse("attention_list"))
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url
    for url, data in writes(case, draft, members, support).values():
        response = client.post(url, data)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url
    agree_url = reverse("safety_plan_agree", args=[case.pk, draft.pk])
    assert client.post(agree_url, {})["Location"].startswith(reverse("login"))
    draft.refresh_from_db()
    assert draft.version == 2


def test_a_member_of_another_case_is_an_audited_404(
    case: Case, cast: dict[str, User], members: list[NetworkMember], team_a: Team
) -> None:
    other = open_case(team=team_a, worker=cast["worker"])
    client = client_for(cast["worker"])
    before = last_event_pk()
    response = client.get(reverse("network_member_edit", args=[other.pk, members[0].pk]))
    assert response.status_code == 404
    assert [e.event for e in new_events(before)] == ["refused"]


# --- The overview --------------------------------------------------------------------------------


def test_the_overview_shows_network_plan_and_support(
    case: Case, cast: dict[str, User], agreed: SafetyPlan, support: Intervention
) -> None:
    page = body(client_for(cast["worker"]).get(reverse("safety_overview", args=[case.pk])))
    assert "Grandmother Sophea" in page
    assert "grandmother next door" in page
    assert "012 345 678" in page
    assert "If father has been drinking, the children sleep at grandmother&#x27;s" in page
    assert "Father hits the children when drunk" in page
    assert "The children are safe at night" in page
    assert "400,000 KHR" in page
    assert "Agreed" in page
    assert reverse("safety_plan_family", args=[case.pk]) in page


def test_amounts_are_written_with_their_currency() -> None:
    assert amount_text(Decimal("400000"), "KHR") == "400,000 KHR"
    assert amount_text(Decimal("12.50"), "USD") == "12.50 USD"
    assert amount_text(None, "") == ""


def test_administrators_see_no_buttons_to_change(
    case: Case, cast: dict[str, User], draft: SafetyPlan
) -> None:
    page = body(client_for(cast["admin"]).get(reverse("safety_overview", args=[case.pk])))
    assert reverse("network_member_new", args=[case.pk]) not in page
    assert reverse("safety_plan_edit", args=[case.pk, draft.pk]) not in page


# --- The network ---------------------------------------------------------------------------------


def test_a_worker_adds_a_member_to_the_network(case: Case, cast: dict[str, User]) -> None:
    response = client_for(cast["worker"]).post(
        reverse("network_member_new", args=[case.pk]), member_post()
    )
    assert response.status_code == 302
    assert NetworkMember.objects.get(case=case).name == "Uncle Vibol"


def test_html_is_stored_as_typed_and_shown_escaped(case: Case, cast: dict[str, User]) -> None:
    client = client_for(cast["worker"])
    client.post(
        reverse("network_member_new", args=[case.pk]),
        member_post(name=SCRIPT, agreed_to_do=SCRIPT),
    )
    assert NetworkMember.objects.get(case=case).name == SCRIPT
    page = body(client.get(reverse("safety_overview", args=[case.pk])))
    assert SCRIPT not in page
    assert "&lt;script&gt;" in page


def test_very_long_text_is_refused_and_nothing_is_written(
    case: Case, cast: dict[str, User]
) -> None:
    response = client_for(cast["worker"]).post(
        reverse("network_member_new", args=[case.pk]),
        member_post(agreed_to_do="x" * 100_000),
    )
    assert response.status_code == 200
    assert "There is a problem" in body(response)
    assert not NetworkMember.objects.filter(case=case).exists()


def test_a_stale_member_edit_shows_both_versions_and_changes_nothing(
    case: Case, cast: dict[str, User], members: list[NetworkMember]
) -> None:
    teacher = members[1]
    services.network_member_update(
        actor=cast["supervisor"],
        case=case,
        member=teacher,
        expected_version=teacher.version,
        data={"contact": "Supervisor's number"},
    )
    client = client_for(cast["worker"])
    before = last_event_pk()
    response = client.post(
        reverse("network_member_edit", args=[case.pk, teacher.pk]),
        member_post(teacher, contact="Worker's number"),  # the version read before
    )
    assert response.status_code == 409
    page = body(response)
    assert "Supervisor&#x27;s number" in page
    assert "Worker&#x27;s number" in page
    teacher.refresh_from_db()
    assert teacher.contact == "Supervisor's number"
    assert [e.event for e in new_events(before)] == ["stale_edit"]


def test_removing_a_member_with_commitments_asks_what_replaces_them(
    case: Case, cast: dict[str, User], draft: SafetyPlan, members: list[NetworkMember]
) -> None:
    grandmother = members[0]
    url = reverse("network_member_remove", args=[case.pk, grandmother.pk])
    client = client_for(cast["worker"])
    page = body(client.get(url))
    assert "If father has been drinking" in page  # the rule they carry is shown
    response = client.post(url, {"version": grandmother.version, "reason": "Moved away"})
    assert response.status_code == 200
    assert "Choose who takes them over, or say what replaces them" in body(response)
    grandmother.refresh_from_db()
    assert grandmother.is_current
    response = client.post(
        url,
        {
            "version": grandmother.version,
            "reason": "Moved away",
            "replaced_by": str(members[1].pk),
        },
    )
    assert response.status_code == 302
    grandmother.refresh_from_db()
    assert not grandmother.is_current
    assert draft.rules.get().responsible_member_id == members[1].pk
    page = body(client.get(reverse("safety_overview", args=[case.pk])))
    assert "Moved away" in page
    assert "Replaced by Teacher Dara." in page


# --- The safety plan -----------------------------------------------------------------------------


def test_a_worker_starts_and_writes_a_plan_and_blank_rows_are_ignored(
    case: Case,
    cast: dict[str, User],
    members: list[NetworkMember],
    entries: dict[str, MappingEntry],
) -> None:
    client = client_for(cast["worker"])
    response = client.post(reverse("safety_plan_start", args=[case.pk]))
    plan = SafetyPlan.objects.get(case=case)
    assert response["Location"] == reverse("safety_plan_edit", args=[case.pk, plan.pk])
    page = body(client.get(response["Location"]))
    assert f"member-{members[0].pk}" in page
    assert "person-" in page
    assert "Father hits the children when drunk" in page
    mother = Person.objects.filter(family_id=case.family_id).order_by("pk").first()
    assert mother is not None
    response = client.post(
        reverse("safety_plan_edit", args=[case.pk, plan.pk]),
        plan_post(
            plan,
            [
                {
                    "text": "Grandmother checks the house at night",
                    "responsible": f"member-{members[0].pk}",
                    "danger": str(entries["danger"].pk),
                    "safety_goal": str(entries["safety_goal"].pk),
                },
                {"text": "Mother keeps the phone charged", "responsible": f"person-{mother.pk}"},
            ],
        ),
    )
    assert response.status_code == 302, body(response)[:3000]
    rules = list(plan.rules.order_by("pk"))
    assert [r.text for r in rules] == [
        "Grandmother checks the house at night",
        "Mother keeps the phone charged",
    ]
    assert rules[0].responsible_member_id == members[0].pk
    assert rules[1].responsible_person_id == mother.pk
    assert rules[0].danger_id == entries["danger"].pk


def test_a_stale_plan_edit_shows_both_versions_and_changes_nothing(
    case: Case, cast: dict[str, User], draft: SafetyPlan
) -> None:
    old = plan_post(draft, [{"text": "The worker's rule"}])
    services.safety_plan_update(
        actor=cast["supervisor"],
        case=case,
        plan=draft,
        expected_version=draft.version,
        family_language="en",
        for_the_children="",
        rules=[RuleData(text="The supervisor's rule")],
    )
    client = client_for(cast["worker"])
    before = last_event_pk()
    response = client.post(reverse("safety_plan_edit", args=[case.pk, draft.pk]), old)
    assert response.status_code == 409
    page = body(response)
    assert "The supervisor&#x27;s rule" in page
    assert "The worker&#x27;s rule" in page
    assert [r.text for r in draft.rules.all()] == ["The supervisor's rule"]
    assert [e.event for e in new_events(before)] == ["stale_edit"]


def test_agreeing_without_an_approved_case_plan_shows_the_rule(
    case: Case, cast: dict[str, User], draft: SafetyPlan, members: list[NetworkMember]
) -> None:
    mother = Person.objects.filter(family_id=case.family_id).order_by("pk").first()
    assert mother is not None
    today = timezone.localdate()
    response = client_for(cast["worker"]).post(
        reverse("safety_plan_agree", args=[case.pk, draft.pk]),
        {
            "version": draft.version,
            "agreed_on_0": today.day,
            "agreed_on_1": today.month,
            "agreed_on_2": today.year,
            "people": [str(mother.pk)],
            "members": [str(members[0].pk)],
        },
    )
    assert response.status_code == 200
    assert "A safety plan can only be agreed once the case plan is approved" in body(response)
    draft.refresh_from_db()
    assert draft.status == SafetyPlan.Status.DRAFT


def test_agreeing_records_who_and_when(
    case: Case,
    cast: dict[str, User],
    draft: SafetyPlan,
    members: list[NetworkMember],
    approved_case_plan: CasePlan,
) -> None:
    mother = Person.objects.filter(family_id=case.family_id).order_by("pk").first()
    assert mother is not None
    today = timezone.localdate()
    response = client_for(cast["worker"]).post(
        reverse("safety_plan_agree", args=[case.pk, draft.pk]),
        {
            "version": draft.version,
            "agreed_on_0": today.day,
            "agreed_on_1": today.month,
            "agreed_on_2": today.year,
            "people": [str(mother.pk)],
            "members": [str(members[0].pk)],
        },
    )
    assert response.status_code == 302, body(response)[:3000]
    draft.refresh_from_db()
    assert draft.status == SafetyPlan.Status.AGREED
    assert draft.agreed_on == today
    assert list(draft.agreed_network.all()) == [members[0]]


def test_an_agreed_plan_is_not_edited_and_versions_are_compared(
    case: Case, cast: dict[str, User], agreed: SafetyPlan, members: list[NetworkMember]
) -> None:
    client = client_for(cast["worker"])
    response = client.get(reverse("safety_plan_edit", args=[case.pk, agreed.pk]))
    assert response.status_code == 302
    client.post(reverse("safety_plan_start", args=[case.pk]))
    second = SafetyPlan.objects.get(case=case, number=2)
    services.safety_plan_update(
        actor=cast["worker"],
        case=case,
        plan=second,
        expected_version=second.version,
        family_language="km",
        for_the_children="",
        rules=[
            RuleData(
                text="If father has been drinking, the children sleep at grandmother's",
                responsible_member_id=members[1].pk,
            ),
            RuleData(text="The teacher calls if a child misses school"),
        ],
    )
    versions = body(client.get(reverse("safety_plan_versions", args=[case.pk])))
    assert "Version 2" in versions
    assert "Version 1" in versions
    page = body(client.get(reverse("safety_plan_compare", args=[case.pk]) + "?a=1&b=2"))
    assert "Changed" in page
    assert "Added" in page
    assert "The teacher calls if a child misses school" in page
    assert "Not in this version" in page


def test_comparing_a_version_that_does_not_exist_is_an_audited_404(
    case: Case, cast: dict[str, User], draft: SafetyPlan
) -> None:
    client = client_for(cast["worker"])
    before = last_event_pk()
    response = client.get(reverse("safety_plan_compare", args=[case.pk]) + "?a=1&b=99")
    assert response.status_code == 404
    assert [e.event for e in new_events(before)] == ["refused"]


# --- The family's page ---------------------------------------------------------------------------


def test_the_family_page_is_in_the_plans_language_and_audited(
    case: Case,
    cast: dict[str, User],
    draft: SafetyPlan,
    members: list[NetworkMember],
    approved_case_plan: CasePlan,
) -> None:
    draft = services.safety_plan_update(
        actor=cast["worker"],
        case=case,
        plan=draft,
        expected_version=draft.version,
        family_language="km",
        for_the_children="ប៉ាកំពុងទទួលជំនួយ",
        rules=[RuleData(text="កូនៗគេងនៅផ្ទះយាយ", responsible_member_id=members[0].pk)],
    )
    agree(case, cast["worker"], draft, members)
    client = client_for(cast["worker"])
    before = last_event_pk()
    response = client.get(reverse("safety_plan_family", args=[case.pk]))
    assert response.status_code == 200
    page = body(response)
    assert '<html lang="km"' in page
    assert KHMER_SKIP_LINK in page
    assert "កូនៗគេងនៅផ្ទះយាយ" in page
    assert "Grandmother Sophea" in page
    assert cast["worker"].display_name in page
    assert "Synthetic Agency" in page
    events = new_events(before)
    assert len(events) == 1
    assert events[0].event == "view"
    assert events[0].additional_data == {"page": "family"}
    # The rest of the site stays in the user's own language.
    other = body(client_for(cast["worker"]).get(reverse("safety_overview", args=[case.pk])))
    assert '<html lang="en"' in other


def test_the_family_page_says_when_nothing_is_agreed_yet(
    case: Case, cast: dict[str, User], draft: SafetyPlan
) -> None:
    response = client_for(cast["worker"]).get(reverse("safety_plan_family", args=[case.pk]))
    assert response.status_code == 200
    assert "has not agreed a safety plan yet" in body(response)
    assert "If father has been drinking" not in body(response)


# --- Support delivered ---------------------------------------------------------------------------


def test_support_is_recorded_with_the_goals_it_serves(
    case: Case, cast: dict[str, User], approved_case_plan: CasePlan
) -> None:
    goal = Goal.objects.get(plan=approved_case_plan)
    client = client_for(cast["worker"])
    page = body(client.get(reverse("intervention_new", args=[case.pk])))
    assert "Sokha goes to school every day" in page
    response = client.post(
        reverse("intervention_new", args=[case.pk]),
        support_post(amount="150", currency="USD", goals=[str(goal.pk)]),
    )
    assert response.status_code == 302, body(response)[:3000]
    item = Intervention.objects.get(case=case)
    assert item.amount == Decimal("150")
    assert list(item.goals.all()) == [goal]
    assert "150 USD" in body(client.get(reverse("safety_overview", args=[case.pk])))
    assert approved_case_plan.status == Approval.APPROVED


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"amount": "-5", "currency": "KHR"}, "The amount cannot be negative."),
        ({"amount": "5000"}, "Say whether the amount is in riel or in US dollars."),
        ({"description": "x" * 100_000}, "There is a problem"),
    ],
)
def test_bad_support_is_refused_with_a_clear_message(
    changes: dict[str, str], message: str, case: Case, cast: dict[str, User]
) -> None:
    response = client_for(cast["worker"]).post(
        reverse("intervention_new", args=[case.pk]), support_post(None, **changes)
    )
    assert response.status_code == 200
    assert message in body(response)
    assert not Intervention.objects.filter(case=case).exists()


def test_a_stale_support_edit_answers_409(
    case: Case, cast: dict[str, User], support: Intervention
) -> None:
    services.intervention_update(
        actor=cast["supervisor"],
        case=case,
        intervention=support,
        expected_version=support.version,
        data={"outcome": "The shop sells every day"},
    )
    response = client_for(cast["worker"]).post(
        reverse("intervention_edit", args=[case.pk, support.pk]),
        support_post(support, outcome="Closed after a month"),
    )
    assert response.status_code == 409
    assert "The shop sells every day" in body(response)
    support.refresh_from_db()
    assert support.outcome == "The shop sells every day"


# --- The attention list --------------------------------------------------------------------------


def waiting_cases(team: Team, worker: User, count: int) -> list[Case]:
    cases = []
    for index in range(count):
        case = open_case(team=team, worker=worker, family_name=f"Waiting {index}")
        Case.objects.filter(pk=case.pk).update(
            phase=Case.Phase.INTERVENTION,
            phase_since=timezone.now() - datetime.timedelta(days=40 + index),
        )
        cases.append(case)
    return cases


def test_the_attention_list_shows_a_supervisors_waiting_cases(
    cast: dict[str, User], team_a: Team, team_b: Team
) -> None:
    waiting_cases(team_a, cast["worker"], 2)
    waiting_cases(team_b, cast["outsider"], 1)
    client = client_for(cast["supervisor"])
    before = last_event_pk()
    page = body(client.get(reverse("attention_list")))
    assert "Waiting 0" in page
    assert "Waiting 1" in page
    assert "41 days in intervention" in page
    assert page.count('class="member-card"') == 2
    assert [e.event for e in new_events(before)] == ["view"]


@pytest.mark.parametrize("who", ["worker", "admin", "colleague"])
def test_the_attention_list_is_empty_for_everyone_else(
    who: str, cast: dict[str, User], team_a: Team
) -> None:
    waiting_cases(team_a, cast["worker"], 1)
    response = client_for(cast[who]).get(reverse("attention_list"))
    assert response.status_code == 200
    assert "Waiting 0" not in body(response)


@pytest.mark.parametrize("count", [3, 30])
def test_the_attention_list_takes_the_same_queries_however_many_cases(
    count: int,
    cast: dict[str, User],
    team_a: Team,
    django_assert_max_num_queries: Callable[..., Any],
) -> None:
    waiting_cases(team_a, cast["worker"], count)
    client = client_for(cast["supervisor"])
    client.get(reverse("attention_list"))
    with django_assert_max_num_queries(8):
        response = client.get(reverse("attention_list"))
    assert body(response).count('class="member-card"') == count


# --- The case page's panel -----------------------------------------------------------------------


def test_the_case_page_shows_the_safety_panel(
    case: Case,
    cast: dict[str, User],
    agreed: SafetyPlan,
    support: Intervention,
    django_assert_max_num_queries: Callable[..., Any],
) -> None:
    client = client_for(cast["worker"])
    client.get(reverse("case_detail", args=[case.pk]))
    with django_assert_max_num_queries(16):
        page = body(client.get(reverse("case_detail", args=[case.pk])))
    assert "2 people in the network now" in page
    assert "Version 1 agreed with the family on" in page
    assert "1 record" in page
    assert reverse("safety_overview", args=[case.pk]) in page
