"""Emergency access on the web (issue 9): the request form, the banner on every page of the case,
the organisation's report, one access's page (ending early, review), the case's access log and
the 404 page's offer. Services and grants are the lead's (security/emergency.py); these tests
walk the pages as the fixed cast would.

The story: `chair` supervises team B and takes emergency access to a team A case (`case`, whose
worker is `worker` and supervisor `supervisor`); `admin` reviews it.
"""

from __future__ import annotations

import datetime
import html
import re
import zoneinfo
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casework.models import AuditEvent, Case, HomeVisit, Organisation, Team, User
from casework.services import ChildSeen, team_sync_groups, visit_record
from casework.tests.factories import OrganisationFactory, TeamFactory, UserFactory, open_case
from referrals.models import HelpKind, OutgoingReferral
from referrals.services import referral_draft, service_create
from security.emergency import emergency_end, emergency_request, emergency_review
from security.models import EmergencyAccess

pytestmark = pytest.mark.django_db

Event = AuditEvent.Event
REASON = "The police called at night: the child is at the hospital and asks for her aunt."
NEW = reverse("emergency_request")
REPORT = reverse("emergency_list")
BANNER = 'class="emergency-banner" role="alert"'


def client_for(user: User) -> Client:
    client = Client(HTTP_USER_AGENT="pytest-browser")
    client.force_login(user)
    return client


def body(response: Any) -> str:
    return str(response.content.decode())


def main(response: Any) -> str:
    """The page's content, without the parts that change on every answer (the CSRF token)."""
    return body(response).split('<main id="main"', 1)[1].split("</main>", 1)[0]


def take(user: User, case: Case, reason: str = REASON) -> EmergencyAccess:
    return emergency_request(actor=user, reference=case.reference, reason=reason)


def local_hhmm(moment: datetime.datetime, organisation: Organisation) -> str:
    return timezone.localtime(moment, zoneinfo.ZoneInfo(organisation.time_zone)).strftime("%H:%M")


def detail_url(access: EmergencyAccess) -> str:
    return reverse("emergency_detail", args=[access.pk])


def back_in_time(access: EmergencyAccess, hours: float) -> None:
    """As if the access had been taken `hours` earlier (for accesses that ran out)."""
    shift = datetime.timedelta(hours=hours)
    EmergencyAccess.objects.filter(pk=access.pk).update(
        started_at=access.started_at - shift, expires_at=access.expires_at - shift
    )


@pytest.fixture
def team_c(organisation: Organisation) -> Team:
    team = TeamFactory.create(name="Team C", organisation=organisation)
    team_sync_groups(team=team)
    return team


@pytest.fixture
def third(team_c: Team) -> User:
    """Supervisor of a third team: sees neither team A's nor team B's accesses."""
    user = UserFactory.create(
        username="third", organisation=team_c.organisation, role=User.Role.SUPERVISOR
    )
    team_c.supervisors.add(user)
    team_sync_groups(team=team_c)
    return user


@pytest.fixture
def elsewhere_admin(db: None) -> User:
    """An administrator of another agency."""
    organisation = OrganisationFactory.create(name="Other Synthetic Agency")
    return UserFactory.create(
        username="elsewhere", organisation=organisation, role=User.Role.ADMINISTRATOR
    )


@pytest.fixture
def access(case: Case, cast: dict[str, User]) -> EmergencyAccess:
    return take(cast["chair"], case)


# --- The request form -------------------------------------------------------------------------


def test_it_prefills_the_reference_and_says_what_will_happen(cast: dict[str, User]) -> None:
    response = client_for(cast["chair"]).get(NEW, {"reference": "UP-2026-000042"})
    assert response.status_code == 200
    page = body(response)
    assert 'value="UP-2026-000042"' in page
    for promise in [
        "8 hours",
        "You can only view the case",
        "The case's worker and its team's supervisors are told",
        "Every page you open is recorded",
        "An administrator reviews every emergency access",
    ]:
        assert promise in html.unescape(page)


@pytest.mark.parametrize("who", ["worker", "colleague", "outsider", "partner"])
def test_it_does_not_exist_for_other_roles(who: str, cast: dict[str, User], case: Case) -> None:
    client = client_for(cast[who])
    before = AuditEvent.objects.count()
    assert client.get(NEW).status_code == 404
    response = client.post(NEW, {"reference": case.reference, "reason": REASON})
    assert response.status_code == 404
    assert not EmergencyAccess.objects.exists()
    refusals = AuditEvent.objects.order_by("pk")[before:]
    assert [event.event for event in refusals] == [Event.REFUSED, Event.REFUSED]
    assert all(event.actor == cast[who] for event in refusals)


def test_it_opens_the_case_and_says_until_when(
    cast: dict[str, User], case: Case, organisation: Organisation
) -> None:
    client = client_for(cast["chair"])
    assert client.get(reverse("case_detail", args=[case.pk])).status_code == 404
    response = client.post(NEW, {"reference": case.reference.lower(), "reason": REASON})
    assert response.status_code == 302
    assert response["Location"] == reverse("case_detail", args=[case.pk])
    access = EmergencyAccess.objects.get()
    assert (access.user, access.case, access.reason) == (cast["chair"], case, REASON)
    page = body(client.get(response["Location"]))
    until = local_hhmm(access.expires_at, organisation)
    assert f"You have emergency access to case {case.reference} until {until}" in page
    assert BANNER in page


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"reference": " ", "reason": REASON}, "reference", "Enter the case reference."),
        ({"reference": "UP-1999-999999", "reason": REASON}, "reference", "There is no case"),
        ({"reason": "Urgent."}, "reason", "in at least 20 characters"),
        ({"reason": ""}, "reason", "in at least 20 characters"),
    ],
)
def test_it_shows_what_to_fix_and_changes_nothing(
    data: dict[str, str], field: str, message: str, cast: dict[str, User], case: Case
) -> None:
    data = {"reference": case.reference, **data}
    response = client_for(cast["chair"]).post(NEW, data)
    assert response.status_code == 200
    page = body(response)
    assert "There is a problem" in page
    assert f'href="#id_{field}"' in page  # the summary leads to the field
    assert message in page
    assert data["reason"] in page  # what was typed is kept
    assert not EmergencyAccess.objects.exists()
    assert not AuditEvent.objects.filter(event=Event.EMERGENCY).exists()


def test_it_refuses_a_case_of_another_organisation_as_if_missing(
    cast: dict[str, User], elsewhere_admin: User
) -> None:
    other_team = TeamFactory.create(name="Far team", organisation=elsewhere_admin.organisation)
    other_worker = UserFactory.create(username="far", organisation=elsewhere_admin.organisation)
    other_team.members.add(other_worker)
    other_case = open_case(team=other_team, worker=other_worker)
    response = client_for(cast["chair"]).post(
        NEW, {"reference": other_case.reference, "reason": REASON}
    )
    assert "There is no case with this reference in your organisation." in body(response)
    assert not EmergencyAccess.objects.exists()


def test_it_refuses_a_case_the_asker_already_sees(cast: dict[str, User], case: Case) -> None:
    response = client_for(cast["supervisor"]).post(
        NEW, {"reference": case.reference, "reason": REASON}
    )
    assert "You can already open this case" in body(response)
    assert not EmergencyAccess.objects.exists()


def test_it_refuses_a_second_access_while_the_first_runs(
    cast: dict[str, User], case: Case, access: EmergencyAccess, organisation: Organisation
) -> None:
    response = client_for(cast["chair"]).post(NEW, {"reference": case.reference, "reason": REASON})
    until = local_hhmm(access.expires_at, organisation)
    assert f"You already have emergency access to this case until {until}." in body(response)
    assert EmergencyAccess.objects.count() == 1


def test_its_errors_are_in_the_users_language(cast: dict[str, User], case: Case) -> None:
    client = client_for(cast["chair"])
    client.cookies["django_language"] = "km"
    response = client.post(NEW, {"reference": case.reference, "reason": "Urgent."})
    page = body(response)
    assert '<html lang="km"' in page
    assert "មានបញ្ហា" in page  # "There is a problem"
    assert not EmergencyAccess.objects.exists()


# --- The banner -------------------------------------------------------------------------------


@pytest.fixture
def case_pages(case: Case, cast: dict[str, User]) -> dict[str, str]:
    """A page of the case from each app, readable with view access alone."""
    child = case.children.get()
    visit = visit_record(
        actor=cast["worker"],
        case=case,
        data={
            "occurred_at": timezone.now() - datetime.timedelta(days=1),
            "kind": HomeVisit.Kind.HOME,
            "observations": "Calm home.",
        },
        children=[ChildSeen(child_id=child.pk, seen=True, seen_alone=True)],
        sign=True,
    )
    food = HelpKind.objects.get(code="food")
    service = service_create(
        actor=cast["admin"],
        data={"name": "Temple meals", "provider": "Wat Synthetic committee"},
        kinds=[food],
    )
    referral: OutgoingReferral = referral_draft(
        actor=cast["worker"],
        case=case,
        service=service,
        help_kind=food,
        need="A daily meal for the child.",
        children=[child],
    )
    return {
        "case_detail": reverse("case_detail", args=[case.pk]),
        "visit_detail": reverse("visit_detail", args=[case.pk, visit.pk]),
        "assessment_overview": reverse("assessment_overview", args=[case.pk]),
        "safety_overview": reverse("safety_overview", args=[case.pk]),
        "case_reviews": reverse("case_reviews", args=[case.pk]),
        "referral_detail": reverse("referral_detail", args=[case.pk, referral.pk]),
    }


PAGES = [
    "case_detail",
    "visit_detail",
    "assessment_overview",
    "safety_overview",
    "case_reviews",
    "referral_detail",
]


@pytest.mark.parametrize("name", PAGES)
def test_every_page_of_the_case_carries_the_banner_for_the_holder(
    name: str,
    case_pages: dict[str, str],
    cast: dict[str, User],
    access: EmergencyAccess,
    organisation: Organisation,
) -> None:
    response = client_for(cast["chair"]).get(case_pages[name])
    assert response.status_code == 200
    page = body(response)
    assert page.count(BANNER) == 1
    until = local_hhmm(access.expires_at, organisation)
    assert f"You are viewing this case with emergency access until {until}." in page
    assert "Everything you open is recorded." in page
    end = reverse("case_emergency_end", args=[access.case_id])
    assert re.search(rf'<form method="post" action="{end}">\s*<input type="hidden"', page)
    assert "End emergency access now" in page
    # ...and the read is recorded as made through emergency access.
    last = AuditEvent.objects.filter(actor=cast["chair"]).latest("pk")
    assert last.event == Event.VIEW
    assert last.additional_data
    assert last.additional_data.get("emergency") is True


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("who", ["worker", "supervisor", "admin"])
def test_no_banner_for_those_who_see_the_case_anyway(
    name: str, who: str, case_pages: dict[str, str], cast: dict[str, User], access: EmergencyAccess
) -> None:
    response = client_for(cast[who]).get(case_pages[name])
    assert response.status_code == 200
    assert BANNER not in body(response)
    assert "emergency access until" not in body(response)


def test_the_banner_costs_no_query_of_its_own(
    case: Case, cast: dict[str, User], access: EmergencyAccess
) -> None:
    client = client_for(cast["chair"])
    url = reverse("case_detail", args=[case.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert BANNER in body(response)
    asking = [q["sql"] for q in queries.captured_queries if "security_emergencyaccess" in q["sql"]]
    # Only the door's query reads emergency accesses: the case and its end time, together.
    assert len(asking) == 1
    assert '"casework_case"' in asking[0]


def test_ending_from_the_banner_closes_the_case_to_the_holder(
    case: Case, cast: dict[str, User], access: EmergencyAccess
) -> None:
    client = client_for(cast["chair"])
    response = client.post(reverse("case_emergency_end", args=[case.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
    assert f"Your emergency access to case {case.reference} has ended." in body(
        client.get(response["Location"])
    )
    access.refresh_from_db()
    assert access.revoked_by == cast["chair"]
    assert access.closed_at is not None
    assert client.get(reverse("case_detail", args=[case.pk])).status_code == 404
    ended = AuditEvent.objects.filter(event=Event.EMERGENCY_END).get()
    assert ended.additional_data == {
        "access": access.pk,
        "holder": cast["chair"].pk,
        "ended": "revoked",
    }
    # Pressing it again (a second tab) says so instead of failing.
    again = client.post(reverse("case_emergency_end", args=[case.pk]))
    assert again.status_code == 302
    assert "had already ended" in body(client.get(again["Location"]))


def test_ending_from_the_banner_is_only_for_ones_own_access(
    case: Case, cast: dict[str, User], access: EmergencyAccess
) -> None:
    for who in ["worker", "supervisor", "admin", "outsider"]:
        response = client_for(cast[who]).post(reverse("case_emergency_end", args=[case.pk]))
        assert response.status_code == 404
    access.refresh_from_db()
    assert access.is_active()


# --- The organisation's report ------------------------------------------------------------------


@pytest.fixture
def three_accesses(
    case: Case, cast: dict[str, User], team_b: Team, third: User
) -> dict[str, EmergencyAccess]:
    """chair -> team A's case; supervisor -> a team B case; third -> another team B case."""
    b_case = open_case(team=team_b, worker=cast["outsider"], family_name="Synthetic Bati")
    b_other = open_case(team=team_b, worker=cast["outsider"], family_name="Synthetic Other")
    return {
        "chair": take(cast["chair"], case),
        "supervisor": take(cast["supervisor"], b_case),
        "third": take(third, b_other),
    }


def listed(response: Any) -> set[int]:
    return {int(pk) for pk in re.findall(r'href="/emergency-access/(\d+)/"', body(response))}


def test_the_report_shows_each_their_share(
    cast: dict[str, User], third: User, three_accesses: dict[str, EmergencyAccess]
) -> None:
    ids = {who: access.pk for who, access in three_accesses.items()}
    admin = client_for(cast["admin"]).get(REPORT)
    assert admin.status_code == 200
    assert listed(admin) == set(ids.values())
    # Team A's supervisor: their own, and the one on team A's case.
    assert listed(client_for(cast["supervisor"]).get(REPORT)) == {ids["chair"], ids["supervisor"]}
    # Team B's: their own and both on team B's cases.
    assert listed(client_for(cast["chair"]).get(REPORT)) == set(ids.values())
    assert listed(client_for(third).get(REPORT)) == {ids["third"]}


@pytest.mark.parametrize("who", ["worker", "outsider", "colleague", "partner"])
def test_the_report_does_not_exist_for_other_roles(
    who: str, cast: dict[str, User], three_accesses: dict[str, EmergencyAccess]
) -> None:
    client = client_for(cast[who])
    before = AuditEvent.objects.count()
    assert client.get(REPORT).status_code == 404
    assert AuditEvent.objects.order_by("pk")[before:].get().event == Event.REFUSED


def test_the_report_of_another_organisation_is_empty(
    elsewhere_admin: User, three_accesses: dict[str, EmergencyAccess]
) -> None:
    response = client_for(elsewhere_admin).get(REPORT)
    assert response.status_code == 200
    assert listed(response) == set()
    assert "No emergency access to show." in body(response)


def test_the_report_says_how_each_ended_and_how_many_pages_were_opened(
    case: Case,
    cast: dict[str, User],
    three_accesses: dict[str, EmergencyAccess],
) -> None:
    chair_access = three_accesses["chair"]
    chair = client_for(cast["chair"])
    for _ in range(3):
        assert chair.get(reverse("case_detail", args=[case.pk])).status_code == 200
    assert chair.get(reverse("case_access_log", args=[case.pk])).status_code == 403
    b_case = three_accesses["supervisor"].case
    assert client_for(cast["supervisor"]).get(f"/cases/{b_case.pk}/").status_code == 200
    emergency_end(actor=cast["chair"], access_id=three_accesses["supervisor"].pk, reason="Done.")
    back_in_time(three_accesses["third"], hours=9)
    admin = client_for(cast["admin"])
    page = body(admin.get(REPORT))
    rows = {int(pk): row for row, pk in _rows(page)}
    assert "Open now" in rows[chair_access.pk]
    assert 'class="emergency-count">3<' in rows[chair_access.pk]
    ended_row = rows[three_accesses["supervisor"].pk]
    assert f"by {cast['chair'].display_name}" in ended_row
    assert "Ended early" in ended_row
    assert 'class="emergency-count">1<' in ended_row
    assert "Expired on" in rows[three_accesses["third"].pk]
    assert 'class="emergency-count">0<' in rows[three_accesses["third"].pk]
    assert page.count('emergency-badge">Waiting for review') == 3
    # The case links only where the viewer may open the case: the admin sees every case.
    assert f'href="/cases/{case.pk}/"' in rows[chair_access.pk]
    supervisor_page = body(client_for(cast["supervisor"]).get(REPORT))
    supervisor_rows = {int(pk): row for row, pk in _rows(supervisor_page)}
    assert f'href="/cases/{case.pk}/"' in supervisor_rows[chair_access.pk]
    # The supervisor's own access has ended: the reference is shown, not linked.
    assert f'href="/cases/{b_case.pk}/"' not in supervisor_rows[three_accesses["supervisor"].pk]
    assert b_case.reference in supervisor_rows[three_accesses["supervisor"].pk]


def _rows(page: str) -> list[tuple[str, str]]:
    """(row html, access id) for each row of the report."""
    return [
        (row, match.group(1))
        for row in re.findall(r'<tr class="emergency-row.*?</tr>', page, re.S)
        if (match := re.search(r'href="/emergency-access/(\d+)/"', row))
    ]


def test_the_report_filters_open_and_waiting_for_review(
    cast: dict[str, User], three_accesses: dict[str, EmergencyAccess]
) -> None:
    ids = {who: access.pk for who, access in three_accesses.items()}
    back_in_time(three_accesses["third"], hours=9)
    emergency_review(actor=cast["admin"], access_id=ids["supervisor"], note="Good reason.")
    admin = client_for(cast["admin"])
    assert listed(admin.get(REPORT, {"show": "open"})) == {ids["chair"], ids["supervisor"]}
    assert listed(admin.get(REPORT, {"show": "review"})) == {ids["chair"], ids["third"]}
    assert listed(admin.get(REPORT, {"show": "all"})) == set(ids.values())
    assert listed(admin.get(REPORT, {"show": "nonsense"})) == set(ids.values())
    page = body(admin.get(REPORT, {"show": "review"}))
    assert re.search(r'href="\?show=review" aria-current="page"', page)


def test_the_report_is_audited(
    cast: dict[str, User], three_accesses: dict[str, EmergencyAccess]
) -> None:
    client = client_for(cast["admin"])
    before = AuditEvent.objects.count()
    client.get(REPORT, {"show": "open"})
    event = AuditEvent.objects.order_by("pk")[before:].get()
    assert (event.event, event.actor, event.content_type.model) == (
        Event.VIEW,
        cast["admin"],
        "emergencyaccess",
    )
    assert event.additional_data == {"list": "open", "page": 1, "count": 3}


def _many_accesses(team: Team, worker: User, holder: User, count: int) -> None:
    for index in range(count):
        case = open_case(team=team, worker=worker, family_name=f"Synthetic {index}")
        take(holder, case)
        client = client_for(holder)
        client.get(reverse("case_detail", args=[case.pk]))


@pytest.mark.parametrize("count", [1, 12])
def test_the_report_takes_the_same_queries_however_many_rows(
    count: int,
    cast: dict[str, User],
    team_a: Team,
    django_assert_max_num_queries: Callable[..., Any],
) -> None:
    _many_accesses(team_a, cast["worker"], cast["chair"], count)
    client = client_for(cast["admin"])
    client.get(REPORT)
    with django_assert_max_num_queries(9):  # 7 today: a little room, far from one a row
        response = client.get(REPORT)
    assert len(listed(response)) == count
    assert body(response).count('class="emergency-count">1<') == count


# --- One access: details, ending early, review ---------------------------------------------------


def test_the_holder_sees_the_pages_they_opened(
    case: Case, cast: dict[str, User], access: EmergencyAccess
) -> None:
    chair = client_for(cast["chair"])
    chair.get(reverse("case_detail", args=[case.pk]))
    chair.get(reverse("assessment_overview", args=[case.pk]))
    response = chair.get(detail_url(access))
    assert response.status_code == 200
    page = body(response)
    assert REASON in page
    assert page.count("<td><time") == 2  # the two pages opened, each with its time
    assert "Reason for ending" not in page
    assert "Why are you ending it?" not in page
    assert "End emergency access now" in page
    assert "Save the review" not in page


def test_the_holder_ends_it_without_a_reason(
    case: Case, cast: dict[str, User], access: EmergencyAccess
) -> None:
    response = client_for(cast["chair"]).post(reverse("emergency_end", args=[access.pk]))
    assert response.status_code == 302
    access.refresh_from_db()
    assert access.revoked_by == cast["chair"]


def test_a_supervisor_must_say_why_they_end_it(
    case: Case, cast: dict[str, User], access: EmergencyAccess
) -> None:
    client = client_for(cast["supervisor"])
    url = reverse("emergency_end", args=[access.pk])
    page = body(client.post(url, {"revoke_reason": "  "}))
    assert "There is a problem" in page
    assert "Say why you are ending this access." in page
    access.refresh_from_db()
    assert access.is_active()
    response = client.post(url, {"revoke_reason": "The worker is back on duty."})
    assert response.status_code == 302
    assert response["Location"] == detail_url(access)
    page = body(client.get(response["Location"]))
    assert "The emergency access has ended." in page
    assert "Ended early on" in page
    assert "The worker is back on duty." in page
    access.refresh_from_db()
    assert (access.revoked_by, access.revoke_reason) == (
        cast["supervisor"],
        "The worker is back on duty.",
    )
    assert client_for(cast["chair"]).get(f"/cases/{case.pk}/").status_code == 404
    # Ending it again says it is over, and changes nothing.
    again = client.post(url, {"revoke_reason": "Twice."})
    assert again.status_code == 302
    assert "This emergency access has already ended." in body(client.get(again["Location"]))
    access.refresh_from_db()
    assert access.revoke_reason == "The worker is back on duty."


def test_an_administrator_reviews_it(cast: dict[str, User], access: EmergencyAccess) -> None:
    client = client_for(cast["admin"])
    assert "Save the review" in body(client.get(detail_url(access)))
    url = reverse("emergency_review", args=[access.pk])
    page = body(client.post(url, {"review_note": ""}))
    assert "Write what you found." in page
    access.refresh_from_db()
    assert access.reviewed_at is None
    response = client.post(url, {"review_note": "Reason sound; only the case page was read."})
    assert response.status_code == 302
    page = body(client.get(response["Location"]))
    assert "Your review is saved." in page
    assert "Reason sound; only the case page was read." in page
    assert "Save the review" not in page
    access.refresh_from_db()
    assert access.reviewed_by == cast["admin"]
    assert AuditEvent.objects.filter(event=Event.EMERGENCY_REVIEW).count() == 1


def test_a_second_review_is_refused_and_says_why(
    cast: dict[str, User], organisation: Organisation, access: EmergencyAccess
) -> None:
    other_admin = UserFactory.create(
        username="admin2", organisation=organisation, role=User.Role.ADMINISTRATOR
    )
    emergency_review(actor=other_admin, access_id=access.pk, note="Looked at it first.")
    client = client_for(cast["admin"])
    response = client.post(
        reverse("emergency_review", args=[access.pk]), {"review_note": "Me too."}
    )
    assert response.status_code == 302
    page = body(client.get(response["Location"]))
    assert "Someone has already reviewed this emergency access." in page
    assert "Looked at it first." in page
    access.refresh_from_db()
    assert (access.reviewed_by, access.review_note) == (other_admin, "Looked at it first.")


@pytest.mark.parametrize("who", ["supervisor", "chair"])
def test_supervisors_may_not_review(
    who: str, cast: dict[str, User], access: EmergencyAccess
) -> None:
    client = client_for(cast[who])
    assert "Save the review" not in body(client.get(detail_url(access)))
    response = client.post(reverse("emergency_review", args=[access.pk]), {"review_note": "Fine."})
    assert response.status_code == 403
    access.refresh_from_db()
    assert access.reviewed_at is None


@pytest.mark.parametrize("who", ["worker", "outsider", "colleague", "third", "elsewhere"])
def test_an_access_is_missing_for_everyone_else(
    who: str,
    cast: dict[str, User],
    third: User,
    elsewhere_admin: User,
    access: EmergencyAccess,
) -> None:
    user = {**cast, "third": third, "elsewhere": elsewhere_admin}[who]
    client = client_for(user)
    before = AuditEvent.objects.count()
    assert client.get(detail_url(access)).status_code == 404
    end = reverse("emergency_end", args=[access.pk])
    assert client.post(end, {"revoke_reason": "Not mine to end."}).status_code == 404
    review = reverse("emergency_review", args=[access.pk])
    assert client.post(review, {"review_note": "Not mine to review."}).status_code == 404
    assert client.get(reverse("emergency_detail", args=[access.pk + 1000])).status_code == 404
    refused = list(AuditEvent.objects.order_by("pk")[before:])
    assert [event.event for event in refused] == [Event.REFUSED] * 4
    access.refresh_from_db()
    assert access.is_active()
    assert access.reviewed_at is None


def test_the_page_of_an_access_is_audited(cast: dict[str, User], access: EmergencyAccess) -> None:
    client = client_for(cast["admin"])
    before = AuditEvent.objects.count()
    client.get(detail_url(access))
    event = AuditEvent.objects.order_by("pk")[before:].get()
    assert (event.event, event.actor, event.case_id) == (Event.VIEW, cast["admin"], access.case_id)


@pytest.mark.parametrize("opened", [1, 10])
def test_the_page_of_an_access_takes_the_same_queries_however_many_pages_opened(
    opened: int,
    case: Case,
    cast: dict[str, User],
    access: EmergencyAccess,
    django_assert_max_num_queries: Callable[..., Any],
) -> None:
    chair = client_for(cast["chair"])
    for _ in range(opened):
        chair.get(reverse("case_detail", args=[case.pk]))
    client = client_for(cast["admin"])
    client.get(detail_url(access))
    with django_assert_max_num_queries(10):  # 8 today
        response = client.get(detail_url(access))
    assert body(response).count("<td><time") == opened


# --- The case's access log, the navigation and the 404 page ---------------------------------------


def test_the_access_log_makes_emergency_access_stand_out(
    case: Case, cast: dict[str, User], access: EmergencyAccess
) -> None:
    client_for(cast["chair"]).get(reverse("case_detail", args=[case.pk]))
    page = body(client_for(cast["supervisor"]).get(reverse("case_access_log", args=[case.pk])))
    assert 'class="emergency-event"' in page
    assert "EMERGENCY" in page
    assert REASON in page
    assert f'href="{detail_url(access)}"' in page
    assert page.count('class="emergency-view"') == 1
    assert "during emergency access" in page
    # The worker sees the same marks, without a link to a page that is not theirs to open.
    worker_page = body(client_for(cast["worker"]).get(reverse("case_access_log", args=[case.pk])))
    assert "EMERGENCY" in worker_page
    assert REASON in worker_page
    assert "during emergency access" in worker_page
    assert f'href="{detail_url(access)}"' not in worker_page


@pytest.mark.parametrize("views", [1, 15])
def test_the_access_log_takes_the_same_queries_with_emergency_events(
    views: int,
    case: Case,
    cast: dict[str, User],
    access: EmergencyAccess,
    django_assert_max_num_queries: Callable[..., Any],
) -> None:
    chair = client_for(cast["chair"])
    for _ in range(views):
        chair.get(reverse("case_detail", args=[case.pk]))
    client = client_for(cast["supervisor"])
    client.get(reverse("case_access_log", args=[case.pk]))
    with django_assert_max_num_queries(10):  # 8 today
        response = client.get(reverse("case_access_log", args=[case.pk]))
    assert body(response).count('class="emergency-view"') == views


@pytest.mark.parametrize(
    ("who", "shown"),
    [("supervisor", True), ("chair", True), ("admin", True), ("worker", False)],
)
def test_the_header_links_to_the_report(who: str, shown: bool, cast: dict[str, User]) -> None:
    page = body(client_for(cast[who]).get(reverse("dashboard")))
    assert (f'href="{REPORT}"' in page) is shown


def test_a_404_on_a_case_offers_emergency_access_the_same_way_for_a_missing_case(
    case: Case, cast: dict[str, User]
) -> None:
    client = client_for(cast["chair"])
    real = client.get(reverse("case_detail", args=[case.pk]))
    missing = client.get(reverse("case_detail", args=[case.pk + 1000]))
    assert real.status_code == missing.status_code == 404
    offer = f'Need this case in an emergency? <a href="{NEW}">Request emergency access</a>'
    assert offer in body(real)
    assert main(real) == main(missing)
    # Not on a page that is not a case's, nor for a worker.
    assert offer not in body(client.get("/no-such-page/"))
    worker = client_for(cast["worker"])
    assert offer not in body(worker.get(reverse("case_detail", args=[case.pk + 1000])))
