"""The intake pages (queue, recording, correcting, screening, intake workers) and the service
directory's pages, seen by each of the cast."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from casework.models import AuditEvent, Case, ConcernCategory, Person, Team, User, Village
from casework.services import case_transition
from casework.tests.factories import VillageFactory, open_case
from referrals.models import HelpKind, Intake, IntakeWorker, Service
from referrals.services import (
    IntakePersonData,
    intake_record,
    intake_update,
    intake_worker_add,
    service_create,
    service_update,
)

pytestmark = pytest.mark.django_db

CAST = ["worker", "colleague", "supervisor", "outsider", "chair", "admin", "partner"]


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


def new_events(before: int) -> list[str]:
    return list(
        AuditEvent.objects.filter(pk__gt=before).order_by("pk").values_list("event", flat=True)
    )


def concern(code: str) -> ConcernCategory:
    return ConcernCategory.objects.get(code=code)


def kind(code: str) -> HelpKind:
    return HelpKind.objects.get(code=code)


# --- Fixtures ------------------------------------------------------------------------------------


@pytest.fixture
def village(team_a: Team) -> Village:
    place = VillageFactory.create(name="Prey Synthetic", commune="Synthetic commune")
    team_a.villages.add(place)
    return place


def siblings() -> list[IntakePersonData]:
    return [
        IntakePersonData(
            relationship=Person.Relationship.CHILD,
            given_name_latin=name,
            family_name_latin="Sok",
            sex=Person.Sex.FEMALE,
            approximate_age=age,
            is_child_of_concern=True,
        )
        for name, age in (("Chanthy", 11), ("Bopha", 8), ("Nary", 5))
    ]


def record(actor: User, village: Village | None, **data: Any) -> Intake:
    return intake_record(
        actor=actor,
        data={
            "referrer_kind": Intake.ReferrerKind.COMMUNITY,
            "referrer_name": "Village chief Synthetic",
            "referrer_contact": "012 000 111",
            "family_name": "Sok",
            "village": village,
            "urgency": Intake.Urgency.URGENT,
            "description": "Three children alone at home for a week.",
        }
        | data,
        people=siblings(),
        concerns=[concern("neglect")],
    )


@pytest.fixture
def intake(cast: dict[str, User], village: Village) -> Intake:
    return record(cast["worker"], village)


@pytest.fixture
def temple(cast: dict[str, User], village: Village) -> Service:
    return service_create(
        actor=cast["admin"],
        data={"name": "Temple meals", "provider": "Wat Synthetic", "eligibility": "Any family."},
        kinds=[kind("food")],
        villages=[village],
        partner_users=[cast["partner"]],
    )


@pytest.fixture
def paper(cast: dict[str, User]) -> Service:
    return service_create(
        actor=cast["admin"],
        data={"name": "Commune scholarship", "area_notes": "The whole commune."},
        kinds=[kind("education")],
    )


def intake_post(village: Village | None, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "referrer_kind": "community",
        "referrer_name": "Village chief Synthetic",
        "referrer_organisation": "",
        "referrer_contact": "012 000 111",
        "referrer_confidential": "on",
        "family_name": "Sok",
        "village": str(village.pk) if village else "",
        "address_notes": "Behind the pagoda.",
        "concerns": [str(concern("neglect").pk), str(concern("school_dropout").pk)],
        "urgency": "urgent",
        "description": "Three children alone at home.",
        "received_on_0": "",
        "received_on_1": "",
        "received_on_2": "",
        "received_time": "",
        "people-TOTAL_FORMS": "6",
        "people-INITIAL_FORMS": "0",
        "people-MIN_NUM_FORMS": "0",
        "people-MAX_NUM_FORMS": "6",
    }
    for index, (name, age) in enumerate((("Chanthy", 11), ("Bopha", 8), ("Nary", 5))):
        data |= {
            f"people-{index}-given_name_latin": name,
            f"people-{index}-family_name_latin": "Sok",
            f"people-{index}-sex": "female",
            f"people-{index}-approximate_age": str(age),
            f"people-{index}-relationship": "child",
            f"people-{index}-is_child_of_concern": "on",
        }
    for index in range(3, 6):
        data[f"people-{index}-sex"] = "unknown"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


# --- Every URL, everybody ------------------------------------------------------------------------


def page_urls(intake: Intake, temple: Service) -> dict[str, str]:
    return {
        "intake_queue": reverse("intake_queue"),
        "intake_new": reverse("intake_new"),
        "intake_workers": reverse("intake_workers"),
        "intake_detail": reverse("intake_detail", args=[intake.pk]),
        "intake_screen": reverse("intake_screen", args=[intake.pk]),
        "service_list": reverse("service_list"),
        "service_new": reverse("service_new"),
        "service_detail": reverse("service_detail", args=[temple.pk]),
        "service_edit": reverse("service_edit", args=[temple.pk]),
    }


def test_every_page_requires_login(intake: Intake, temple: Service) -> None:
    client = client_for(None)
    for url in page_urls(intake, temple).values():
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302, url
            assert response["Location"].startswith(reverse("login")), url


NOT_INTAKE = {"admin": 404, "partner": 404}
NOT_MANAGER = {"worker": 404, "colleague": 404, "outsider": 404, "partner": 404}
# who -> status (missing: 200). The worker recorded the intake; supervisor and chair screen.
PAGE_STATUS: dict[str, dict[str, int]] = {
    "intake_queue": NOT_INTAKE,
    "intake_new": NOT_INTAKE,
    "intake_workers": {who: 404 for who in CAST if who != "admin"},
    "intake_detail": {"colleague": 404, "outsider": 404, **NOT_INTAKE},
    "intake_screen": {"worker": 404, "colleague": 404, "outsider": 404, **NOT_INTAKE},
    "service_list": {"partner": 404},
    "service_detail": {"partner": 404},
    "service_new": NOT_MANAGER,
    "service_edit": NOT_MANAGER,
}


@pytest.mark.parametrize("who", CAST)
@pytest.mark.parametrize("name", sorted(PAGE_STATUS))
def test_permission_matrix(
    who: str, name: str, cast: dict[str, User], intake: Intake, temple: Service
) -> None:
    url = page_urls(intake, temple)[name]
    client = client_for(cast[who])
    before = last_event_pk()
    response = client.get(url)
    status = PAGE_STATUS[name].get(who, 200)
    assert response.status_code == status, (who, name)
    assert new_events(before) == ["view" if status == 200 else "refused"], (who, name)


def test_the_nav_shows_intake_and_services_by_role(cast: dict[str, User]) -> None:
    for who in ("worker", "supervisor"):
        page = body(client_for(cast[who]).get(reverse("dashboard")))
        assert reverse("intake_queue") in page
        assert reverse("service_list") in page
    admin_page = body(client_for(cast["admin"]).get(reverse("dashboard")))
    assert f'href="{reverse("intake_queue")}"' not in admin_page
    assert reverse("intake_workers") in admin_page
    # A partner's home page is the portal (the dashboard sends them there).
    partner_page = body(client_for(cast["partner"]).get(reverse("dashboard"), follow=True))
    assert reverse("partner_referral_list") in partner_page
    for url in (reverse("intake_queue"), reverse("service_list"), reverse("case_list")):
        assert f'href="{url}"' not in partner_page


# --- The queue -----------------------------------------------------------------------------------


def test_the_queue_shows_urgency_age_referrer_village_and_concerns(
    cast: dict[str, User], intake: Intake, village: Village
) -> None:
    Intake.objects.filter(pk=intake.pk).update(
        received_at=intake.received_at - datetime.timedelta(days=3)
    )
    record(cast["worker"], village, urgency=Intake.Urgency.IMMEDIATE, family_name="Keo")
    page = body(client_for(cast["supervisor"]).get(reverse("intake_queue")))
    assert page.index("Keo") < page.index("Sok")  # immediate first
    assert "Immediate: the same day" in page
    assert "waiting 3 days" in page
    assert "waiting 0 hours" in page
    assert "A community member" in page
    assert "Prey Synthetic" in page
    assert "Neglect" in page
    assert reverse("intake_screen", args=[intake.pk]) in page


def test_a_worker_sees_only_what_they_recorded(cast: dict[str, User], intake: Intake) -> None:
    page = body(client_for(cast["worker"]).get(reverse("intake_queue")))
    assert 'data-section="queue"' not in page
    assert reverse("intake_detail", args=[intake.pk]) in page
    colleague_page = body(client_for(cast["colleague"]).get(reverse("intake_queue")))
    assert reverse("intake_detail", args=[intake.pk]) not in colleague_page


@pytest.mark.parametrize("count", [1, 12])
def test_the_queue_takes_the_same_queries_however_many(
    count: int,
    cast: dict[str, User],
    village: Village,
    django_assert_max_num_queries: Callable[..., Any],
) -> None:
    for index in range(count):
        record(cast["supervisor"], village, family_name=f"Family {index}")
    client = client_for(cast["supervisor"])
    client.get(reverse("intake_queue"))
    with django_assert_max_num_queries(16):
        response = client.get(reverse("intake_queue"))
    assert body(response).count('class="intake-row urgency') == 2 * count


# --- Recording and correcting --------------------------------------------------------------------


def test_a_worker_records_a_referral_through_the_page(
    cast: dict[str, User], village: Village
) -> None:
    client = client_for(cast["worker"])
    before = last_event_pk()
    response = client.post(reverse("intake_new"), intake_post(village))
    intake = Intake.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("intake_detail", args=[intake.pk])
    assert intake.referrer_confidential
    assert intake.village == village
    assert intake.recorded_by == cast["worker"]
    assert sorted(p.given_name_latin for p in intake.people.all()) == ["Bopha", "Chanthy", "Nary"]
    assert {c.code for c in intake.concerns.all()} == {"neglect", "school_dropout"}
    assert new_events(before) == ["create"]


def test_the_form_defaults_to_confidential_and_offers_the_teams_villages(
    cast: dict[str, User], village: Village
) -> None:
    elsewhere = VillageFactory.create(name="Far Synthetic")
    page = body(client_for(cast["worker"]).get(reverse("intake_new")))
    assert 'name="referrer_confidential" id="id_referrer_confidential" checked' in page
    assert "Prey Synthetic" in page
    assert "Far Synthetic" not in page
    assert elsewhere.pk
    assert page.count('name="people-') >= 6 * 8
    assert "Record the referral" in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {f"people-{i}-is_child_of_concern": None for i in range(3)},
            "Name at least one child the referral is about.",
        ),
        (
            {"referrer_kind": "anonymous"},
            "An anonymous referral has no referrer&#x27;s name",
        ),
        ({"description": ""}, "This field is required."),
        ({"received_on_0": "1", "received_on_1": "1", "received_on_2": "2100"}, "in the future"),
    ],
)
def test_a_bad_referral_is_refused_with_a_message_and_nothing_saved(
    changes: dict[str, Any], message: str, cast: dict[str, User], village: Village
) -> None:
    client = client_for(cast["worker"])
    before = last_event_pk()
    response = client.post(reverse("intake_new"), intake_post(village, **changes))
    assert response.status_code == 200
    assert message in body(response)
    assert Intake.objects.count() == 0
    assert new_events(before) == []


def test_the_form_speaks_the_users_language(cast: dict[str, User], village: Village) -> None:
    client = client_for(cast["worker"])
    client.cookies["django_language"] = "km"
    response = client.post(
        reverse("intake_new"),
        intake_post(village, **{f"people-{i}-is_child_of_concern": None for i in range(3)}),
        HTTP_ACCEPT_LANGUAGE="km",
    )
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "km"
    assert Intake.objects.count() == 0


def edit_post(intake: Intake, village: Village, **changes: Any) -> dict[str, Any]:
    data = intake_post(village, version=str(intake.version), **changes)
    data["people-INITIAL_FORMS"] = "3"
    return data


def test_the_recorder_corrects_the_referral_while_it_waits(
    cast: dict[str, User], intake: Intake, village: Village
) -> None:
    client = client_for(cast["worker"])
    before = last_event_pk()
    response = client.post(
        reverse("intake_detail", args=[intake.pk]),
        edit_post(intake, village, urgency="immediate"),
    )
    assert response.status_code == 302
    intake.refresh_from_db()
    assert (intake.urgency, intake.version) == ("immediate", 2)
    assert new_events(before) == ["change"]


def test_a_stale_correction_is_a_409_that_changes_nothing(
    cast: dict[str, User], intake: Intake, village: Village
) -> None:
    form = edit_post(intake, village, urgency="immediate")
    intake_update(
        actor=cast["supervisor"],
        intake=intake,
        expected_version=1,
        data={"urgency": Intake.Urgency.ROUTINE},
    )
    client = client_for(cast["worker"])
    before = last_event_pk()
    response = client.post(reverse("intake_detail", args=[intake.pk]), form)
    assert response.status_code == 409
    page = body(response)
    assert "Someone else saved this record" in page
    assert '<td data-version="theirs">Routine</td>' in page
    assert 'name="version" value="2"' in page
    assert new_events(before) == ["stale_edit"]
    intake.refresh_from_db()
    assert (intake.urgency, intake.version) == ("routine", 2)


# --- Screening -----------------------------------------------------------------------------------


def screen_post(intake: Intake, **changes: Any) -> dict[str, Any]:
    return {"version": str(intake.version), "reason": "", **changes}


def test_opening_a_case_allocates_it_with_the_referrals_children(
    cast: dict[str, User], intake: Intake, team_a: Team
) -> None:
    page = body(client_for(cast["supervisor"]).get(reverse("intake_screen", args=[intake.pk])))
    assert "No family on record matches this referral." in page
    assert "Record the decision" in page
    response = client_for(cast["supervisor"]).post(
        reverse("intake_screen", args=[intake.pk]),
        screen_post(
            intake,
            decision="open_case",
            reason="Three young children alone: open a case.",
            team=str(team_a.pk),
            worker=str(cast["worker"].pk),
            tier="crisis",
            risk_level="high",
        ),
    )
    intake.refresh_from_db()
    assert intake.case is not None
    assert response.status_code == 302
    assert response["Location"] == reverse("case_detail", args=[intake.case.pk])
    case = intake.case
    assert (case.worker, case.team, case.tier, case.risk_level) == (
        cast["worker"],
        team_a,
        "crisis",
        "high",
    )
    assert sorted(p.given_name_latin for p in case.children.all()) == ["Bopha", "Chanthy", "Nary"]
    assert intake.decision == "open_case"
    assert not intake.is_awaiting
    # Screened: the screening page sends back to the referral.
    again = client_for(cast["supervisor"]).get(reverse("intake_screen", args=[intake.pk]))
    assert again.status_code == 302


def test_opening_a_case_needs_an_allocation(cast: dict[str, User], intake: Intake) -> None:
    client = client_for(cast["supervisor"])
    before = last_event_pk()
    response = client.post(
        reverse("intake_screen", args=[intake.pk]),
        screen_post(intake, decision="open_case", reason="Open it."),
    )
    assert response.status_code == 200
    page = body(response)
    assert "Choose the worker the case is allocated to." in page
    assert "Choose the team the case goes to." in page
    assert Case.objects.count() == 0
    assert new_events(before) == ["view"]  # the page shown again, matches and all


def test_no_further_action_needs_a_reason(cast: dict[str, User], intake: Intake) -> None:
    client = client_for(cast["supervisor"])
    url = reverse("intake_screen", args=[intake.pk])
    response = client.post(url, screen_post(intake, decision="no_further_action"))
    assert response.status_code == 200
    assert "This field is required." in body(response)
    intake.refresh_from_db()
    assert intake.is_awaiting
    response = client.post(
        url, screen_post(intake, decision="no_further_action", reason="Already resolved.")
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("intake_detail", args=[intake.pk])
    intake.refresh_from_db()
    assert (intake.decision, intake.decision_reason) == ("no_further_action", "Already resolved.")


def test_signposting_to_a_service_of_the_directory(
    cast: dict[str, User], intake: Intake, temple: Service
) -> None:
    response = client_for(cast["chair"]).post(
        reverse("intake_screen", args=[intake.pk]),
        screen_post(intake, decision="signpost", reason="Meals will do.", service=str(temple.pk)),
    )
    assert response.status_code == 302
    intake.refresh_from_db()
    assert (intake.decision, intake.service) == ("signpost", temple)


def test_adding_to_a_matched_case(cast: dict[str, User], team_a: Team, village: Village) -> None:
    case = open_case(team=team_a, worker=cast["worker"], family_name="Sok", village=village)
    intake = record(cast["worker"], village)
    client = client_for(cast["supervisor"])
    page = body(client.get(reverse("intake_screen", args=[intake.pk])))
    assert f'data-match-case="{case.pk}"' in page
    response = client.post(
        reverse("intake_screen", args=[intake.pk]),
        screen_post(intake, decision="add_to_case", reason="Same family.", case=str(case.pk)),
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("case_detail", args=[case.pk])
    assert concern("neglect") in case.concerns.all()


def test_a_closed_case_is_marked_and_the_family_on_record_can_be_chosen(
    cast: dict[str, User], team_a: Team, village: Village
) -> None:
    old = open_case(team=team_a, worker=cast["worker"], family_name="Sok", village=village)
    case_transition(actor=cast["supervisor"], case=old, to=Case.Phase.CLOSED, reason="Safe now.")
    intake = record(cast["worker"], village)
    client = client_for(cast["supervisor"])
    page = body(client.get(reverse("intake_screen", args=[intake.pk])))
    assert "returning: every case closed" in page
    chanthy = intake.people.get(given_name_latin="Chanthy")
    child_on_record = old.children.get()
    response = client.post(
        reverse("intake_screen", args=[intake.pk]),
        screen_post(
            intake,
            decision="open_case",
            reason="The family is back.",
            team=str(team_a.pk),
            worker=str(cast["worker"].pk),
            tier="early",
            risk_level="medium",
            family=str(old.family_id),
            **{f"person_{chanthy.pk}": str(child_on_record.pk)},
        ),
    )
    assert response.status_code == 302
    intake.refresh_from_db()
    assert intake.case is not None
    assert intake.case.family_id == old.family_id
    assert child_on_record in intake.case.children.all()


def test_a_match_in_another_team_shows_only_whom_to_ask(
    cast: dict[str, User], team_b: Team, village: Village
) -> None:
    hidden = open_case(team=team_b, worker=cast["outsider"], family_name="Sok", village=village)
    intake = record(cast["worker"], village)
    page = body(client_for(cast["supervisor"]).get(reverse("intake_screen", args=[intake.pk])))
    assert "Possible match in team Team B — ask" in page
    assert cast["chair"].display_name in page
    assert hidden.reference not in page
    assert f'data-match-case="{hidden.pk}"' not in page


def test_a_stale_screening_is_a_409_that_decides_nothing(
    cast: dict[str, User], intake: Intake
) -> None:
    post = screen_post(intake, decision="no_further_action", reason="Nothing to do.")
    intake_update(
        actor=cast["worker"], intake=intake, expected_version=1, data={"urgency": "routine"}
    )
    client = client_for(cast["supervisor"])
    before = last_event_pk()
    response = client.post(reverse("intake_screen", args=[intake.pk]), post)
    assert response.status_code == 409
    assert 'name="version" value="2"' in body(response)
    assert new_events(before) == ["stale_edit"]
    intake.refresh_from_db()
    assert intake.is_awaiting


@pytest.mark.parametrize("who", ["worker", "colleague", "admin", "partner"])
def test_a_non_screener_cannot_post_a_decision(
    who: str, cast: dict[str, User], intake: Intake
) -> None:
    response = client_for(cast[who]).post(
        reverse("intake_screen", args=[intake.pk]),
        screen_post(intake, decision="no_further_action", reason="No."),
    )
    assert response.status_code == 404
    intake.refresh_from_db()
    assert intake.is_awaiting


def test_a_designated_intake_worker_screens(cast: dict[str, User], intake: Intake) -> None:
    intake_worker_add(actor=cast["admin"], user=cast["colleague"])
    response = client_for(cast["colleague"]).get(reverse("intake_screen", args=[intake.pk]))
    assert response.status_code == 200


# --- Intake workers ------------------------------------------------------------------------------


def test_an_administrator_adds_and_removes_intake_workers(cast: dict[str, User]) -> None:
    client = client_for(cast["admin"])
    response = client.post(reverse("intake_workers"), {"user": str(cast["colleague"].pk)})
    assert response.status_code == 302
    assert IntakeWorker.objects.filter(user=cast["colleague"]).exists()
    page = body(client.get(reverse("intake_workers")))
    assert cast["colleague"].display_name in page
    response = client.post(reverse("intake_worker_remove", args=[cast["colleague"].pk]))
    assert response.status_code == 302
    assert not IntakeWorker.objects.exists()
    # A partner cannot be chosen.
    response = client.post(reverse("intake_workers"), {"user": str(cast["partner"].pk)})
    assert response.status_code == 200
    assert not IntakeWorker.objects.exists()


@pytest.mark.parametrize("who", [w for w in CAST if w != "admin"])
def test_nobody_else_changes_the_intake_workers(who: str, cast: dict[str, User]) -> None:
    intake_worker_add(actor=cast["admin"], user=cast["colleague"])
    client = client_for(cast[who])
    assert (
        client.post(reverse("intake_workers"), {"user": str(cast["worker"].pk)}).status_code == 404
    )
    remove = reverse("intake_worker_remove", args=[cast["colleague"].pk])
    assert client.post(remove).status_code == 404
    assert list(IntakeWorker.objects.values_list("user", flat=True)) == [cast["colleague"].pk]


# --- The directory -------------------------------------------------------------------------------


def test_the_directory_is_searched_by_need_village_and_words(
    cast: dict[str, User], temple: Service, paper: Service, village: Village
) -> None:
    client = client_for(cast["worker"])
    page = body(client.get(reverse("service_list")))
    assert "Temple meals" in page
    assert "Commune scholarship" in page
    assert "Receives referrals in Upstream" in page
    assert "Referrals on paper" in page
    assert "Any family." in page
    assert "The whole commune." in page
    food = body(client.get(reverse("service_list"), {"need": kind("food").pk}))
    assert "Temple meals" in food
    assert "Commune scholarship" not in food
    words = body(client.get(reverse("service_list"), {"q": "scholarship"}))
    assert "Temple meals" not in words
    assert "Commune scholarship" in words
    other = VillageFactory.create()
    cast["worker"].teams.first().villages.add(other)  # type: ignore[union-attr]
    elsewhere = body(client.get(reverse("service_list"), {"village": other.pk}))
    assert "Temple meals" not in elsewhere
    assert "Commune scholarship" in elsewhere


@pytest.mark.parametrize("count", [1, 10])
def test_the_directory_takes_the_same_queries_however_many(
    count: int, cast: dict[str, User], django_assert_max_num_queries: Callable[..., Any]
) -> None:
    for index in range(count):
        service_create(
            actor=cast["admin"],
            data={"name": f"Service {index}"},
            kinds=[kind("food")],
            partner_users=[cast["partner"]],
        )
    client = client_for(cast["worker"])
    client.get(reverse("service_list"))
    with django_assert_max_num_queries(14):
        response = client.get(reverse("service_list"))
    assert body(response).count("data-receives") == count


def test_a_supervisor_adds_a_service_with_partner_accounts(cast: dict[str, User]) -> None:
    response = client_for(cast["supervisor"]).post(
        reverse("service_new"),
        {
            "name": "Legal aid",
            "provider": "Synthetic lawyers",
            "kinds": [str(kind("legal").pk)],
            "partner_users": [str(cast["partner"].pk)],
            "is_active": "on",
        },
    )
    service = Service.objects.get()
    assert response.status_code == 302
    assert list(service.partner_users.all()) == [cast["partner"]]
    assert service.receives_in_upstream


def test_a_service_needs_a_kind_of_help(cast: dict[str, User]) -> None:
    response = client_for(cast["admin"]).post(reverse("service_new"), {"name": "Nothing"})
    assert response.status_code == 200
    assert "Choose at least one kind of help the service offers." in body(response)
    assert not Service.objects.exists()


def test_a_stale_service_edit_is_a_409(cast: dict[str, User], temple: Service) -> None:
    service_update(
        actor=cast["admin"], service=temple, expected_version=1, data={"phone": "011 111 111"}
    )
    client = client_for(cast["supervisor"])
    before = last_event_pk()
    response = client.post(
        reverse("service_edit", args=[temple.pk]),
        {
            "version": "1",
            "name": "Temple meals",
            "phone": "099 999 999",
            "kinds": [str(kind("food").pk)],
            "is_active": "on",
        },
    )
    assert response.status_code == 409
    page = body(response)
    assert '<td data-version="theirs">011 111 111</td>' in page
    assert new_events(before) == ["stale_edit"]
    temple.refresh_from_db()
    assert (temple.phone, temple.version) == ("011 111 111", 2)
