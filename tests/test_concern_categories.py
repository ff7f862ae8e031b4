"""The list of concern categories at /concerns/, seen by each of the cast (like need domains)."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.test import Client
from django.urls import reverse

from casework.concern_services import ConcernCategoryData, concern_category_save
from casework.models import AuditEvent, Case, ConcernCategory, User
from referrals.forms_intake import IntakeForm

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


def new_events(before: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(pk__gt=before).order_by("pk"))


def offered(form: forms.Form, name: str) -> QuerySet[Any]:
    field = form.fields[name]
    assert isinstance(field, forms.ModelMultipleChoiceField)
    assert field.queryset is not None
    return field.queryset


def concern(code: str) -> ConcernCategory:
    return ConcernCategory.objects.get(code=code)


def pages() -> list[str]:
    return [
        reverse("concern_list"),
        reverse("concern_new"),
        reverse("concern_edit", args=[concern("neglect").pk]),
    ]


def state() -> list[tuple[Any, ...]]:
    return list(
        ConcernCategory.objects.order_by("pk").values_list(
            "pk", "code", "name", "name_km", "order", "is_active"
        )
    )


def test_it_requires_login() -> None:
    client = client_for(None)
    before = state()
    for method, url in [("get", url) for url in pages()] + [
        ("post", reverse("concern_new")),
        ("post", reverse("concern_edit", args=[concern("neglect").pk])),
    ]:
        response = getattr(client, method)(url, {"name": "Play", "name_km": "លេង"})
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url
    assert state() == before


@pytest.mark.parametrize("who", CAST)
def test_concerns_are_for_the_agencys_administrators_only(who: str, cast: dict[str, User]) -> None:
    client = client_for(cast[who])
    for url in pages():
        before = last_event_pk()
        response = client.get(url)
        assert response.status_code == (200 if who == "admin" else 404), url
        events = new_events(before)
        assert [e.event for e in events] == ["view" if who == "admin" else "refused"], url
    before_state = state()
    for url, data in [
        (reverse("concern_new"), {"name": "Gambling", "name_km": "ល្បែង", "is_active": "on"}),
        (
            reverse("concern_edit", args=[concern("neglect").pk]),
            {"name": "Neglected", "name_km": "ការធ្វេសប្រហែស", "is_active": "on"},
        ),
    ]:
        before = last_event_pk()
        response = client.post(url, data)
        assert response.status_code == (302 if who == "admin" else 404), url
        written = ["create"] if url.endswith("/new/") else ["change"]
        assert [e.event for e in new_events(before)] == (
            written if who == "admin" else ["refused"]
        ), url
    assert (state() == before_state) == (who != "admin")


def test_the_header_links_to_the_list_for_administrators_only(cast: dict[str, User]) -> None:
    link = f'href="{reverse("concern_list")}"'
    assert link in body(client_for(cast["admin"]).get(reverse("dashboard")))
    assert link not in body(client_for(cast["supervisor"]).get(reverse("dashboard")))


def test_an_administrator_adds_renames_reorders_and_retires_a_concern(
    cast: dict[str, User],
) -> None:
    client = client_for(cast["admin"])
    before = last_event_pk()
    response = client.post(
        reverse("concern_new"),
        {"name": "Online exploitation", "name_km": "ការកេងប្រវ័ញ្ចតាមអនឡាញ", "is_active": "on"},
    )
    assert response.status_code == 302
    added = ConcernCategory.objects.get(name="Online exploitation")
    assert added.code == "online-exploitation"
    assert added.is_active
    assert added.order > max(c.order for c in ConcernCategory.objects.exclude(pk=added.pk))
    assert [(e.event, e.case) for e in new_events(before)] == [("create", None)]

    edit = reverse("concern_edit", args=[added.pk])
    before = last_event_pk()
    changed = {"name": "Online abuse", "name_km": "អនឡាញ", "order": "5", "is_active": "on"}
    client.post(edit, {**changed, "code": "ignored"})
    added.refresh_from_db()
    assert (added.code, added.name, added.name_km, added.order) == (
        "online-exploitation",  # the code never changes
        "Online abuse",
        "អនឡាញ",
        5,
    )
    events = new_events(before)
    assert [e.event for e in events] == ["change"]
    assert set(events[0].changes) == {"name", "name_km", "order"}
    page = body(client.get(reverse("concern_list")))
    assert page.index("Online abuse") < page.index("Neglect")

    before = last_event_pk()
    client.post(edit, {"name": "Online abuse", "name_km": "អនឡាញ", "order": "5"})  # unticked
    added.refresh_from_db()
    assert not added.is_active
    assert [e.event for e in new_events(before)] == ["change"]
    assert "Not in use" in body(client.get(reverse("concern_list")))

    before = last_event_pk()
    client.post(edit, {"name": "Online abuse", "name_km": "អនឡាញ", "order": "5"})  # no change
    assert new_events(before) == []  # nothing changed, nothing recorded


def test_a_chosen_code_is_kept_and_a_duplicate_is_refused(cast: dict[str, User]) -> None:
    client = client_for(cast["admin"])
    response = client.post(
        reverse("concern_new"), {"code": "Gambling_harm", "name": "Gambling", "name_km": "ក"}
    )
    assert response.status_code == 302
    assert concern("gambling_harm").name == "Gambling"
    before = state()
    for data, message in [
        (
            {"code": "neglect", "name": "Other", "name_km": "ខ"},
            "There is already a concern with this code.",
        ),
        ({"name": "neglect", "name_km": "ខ"}, "There is already a concern with this name."),
        (
            {"name": "Other", "name_km": "ការធ្វេសប្រហែស"},
            "There is already a concern with this name.",
        ),
        ({"code": "!!!", "name": "Other", "name_km": "ខ"}, "Use only letters, numbers and hyphens"),
        ({"name": "Other", "name_km": ""}, "This field is required."),
        ({"name": "Other", "name_km": "   "}, "This field is required."),
        ({"name": "Other", "name_km": "ខ", "order": "-1"}, "greater than or equal to 0"),
    ]:
        response = client.post(reverse("concern_new"), data)
        assert response.status_code == 200, data
        assert message in body(response), data
    assert state() == before


def test_the_service_itself_checks_the_khmer_name_and_who_asks(cast: dict[str, User]) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        concern_category_save(
            actor=cast["admin"], category=None, data=ConcernCategoryData(name="X", name_km=" ")
        )
    assert error.value.message_dict["name_km"] == ["Enter the concern's name in Khmer."]
    with pytest.raises(PermissionDenied):
        concern_category_save(
            actor=cast["supervisor"], category=None, data=ConcernCategoryData(name="X", name_km="ក")
        )


def test_a_concern_that_does_not_exist_is_an_audited_404(cast: dict[str, User]) -> None:
    client = client_for(cast["admin"])
    before = last_event_pk()
    assert client.get(reverse("concern_edit", args=[10**9])).status_code == 404
    assert client.get(f"/concerns/{'9' * 25}/").status_code == 404
    assert [e.event for e in new_events(before)] == ["refused", "refused"]


def test_html_in_a_name_is_shown_escaped(cast: dict[str, User]) -> None:
    client = client_for(cast["admin"])
    client.post(reverse("concern_new"), {"name": "<b>x</b>", "name_km": "ក", "is_active": "on"})
    page = body(client.get(reverse("concern_list")))
    assert "<b>x</b>" not in page
    assert "&lt;b&gt;x&lt;/b&gt;" in page


def test_a_concern_out_of_use_leaves_new_intakes_but_stays_on_cases(
    cast: dict[str, User], case: Case
) -> None:
    neglect = concern("neglect")
    case.concerns.add(neglect)
    organisation_id = cast["worker"].organisation_id
    assert neglect in offered(IntakeForm(organisation_id=organisation_id), "concerns")
    client_for(cast["admin"]).post(
        reverse("concern_edit", args=[neglect.pk]),
        {"name": neglect.name, "name_km": neglect.name_km, "order": neglect.order},
    )
    neglect.refresh_from_db()
    assert not neglect.is_active
    choices = offered(IntakeForm(organisation_id=organisation_id), "concerns")
    assert neglect not in choices
    assert concern("physical_abuse") in choices
    assert neglect.label not in body(client_for(cast["worker"]).get(reverse("intake_new")))
    assert list(Case.objects.get(pk=case.pk).concerns.all()) == [neglect]
