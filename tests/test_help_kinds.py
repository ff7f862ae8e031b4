"""The list of kinds of help at /help-kinds/, seen by each of the cast (like need domains)."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.test import Client
from django.urls import reverse

from casework.models import AuditEvent, User
from referrals.forms_directory import ServiceForm
from referrals.models import HelpKind
from referrals.services import HelpKindData, help_kind_save, service_create

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


def kind(code: str) -> HelpKind:
    return HelpKind.objects.get(code=code)


def pages() -> list[str]:
    return [
        reverse("help_kind_list"),
        reverse("help_kind_new"),
        reverse("help_kind_edit", args=[kind("food").pk]),
    ]


def state() -> list[tuple[Any, ...]]:
    return list(
        HelpKind.objects.order_by("pk").values_list(
            "pk", "code", "name", "name_km", "order", "is_active"
        )
    )


def test_it_requires_login() -> None:
    client = client_for(None)
    before = state()
    for method, url in [("get", url) for url in pages()] + [
        ("post", reverse("help_kind_new")),
        ("post", reverse("help_kind_edit", args=[kind("food").pk])),
    ]:
        response = getattr(client, method)(url, {"name": "Play", "name_km": "លេង"})
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url
    assert state() == before


@pytest.mark.parametrize("who", CAST)
def test_kinds_of_help_are_for_the_agencys_administrators_only(
    who: str, cast: dict[str, User]
) -> None:
    client = client_for(cast[who])
    for url in pages():
        before = last_event_pk()
        response = client.get(url)
        assert response.status_code == (200 if who == "admin" else 404), url
        events = new_events(before)
        assert [e.event for e in events] == ["view" if who == "admin" else "refused"], url
    before_state = state()
    for url, data in [
        (reverse("help_kind_new"), {"name": "Cash", "name_km": "ប្រាក់", "is_active": "on"}),
        (
            reverse("help_kind_edit", args=[kind("food").pk]),
            {"name": "Meals", "name_km": "អាហារ", "is_active": "on"},
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
    link = f'href="{reverse("help_kind_list")}"'
    assert link in body(client_for(cast["admin"]).get(reverse("dashboard")))
    assert link not in body(client_for(cast["supervisor"]).get(reverse("dashboard")))


def test_an_administrator_adds_renames_reorders_and_retires_a_kind_of_help(
    cast: dict[str, User],
) -> None:
    client = client_for(cast["admin"])
    before = last_event_pk()
    response = client.post(
        reverse("help_kind_new"),
        {"name": "Birth registration", "name_km": "ការចុះសំបុត្រកំណើត", "is_active": "on"},
    )
    assert response.status_code == 302
    added = HelpKind.objects.get(name="Birth registration")
    assert added.code == "birth-registration"
    assert added.is_active
    assert added.order > max(c.order for c in HelpKind.objects.exclude(pk=added.pk))
    assert [(e.event, e.case) for e in new_events(before)] == [("create", None)]

    edit = reverse("help_kind_edit", args=[added.pk])
    before = last_event_pk()
    changed = {"name": "Birth papers", "name_km": "សំបុត្រកំណើត", "order": "5", "is_active": "on"}
    client.post(edit, {**changed, "code": "ignored"})
    added.refresh_from_db()
    assert (added.code, added.name, added.name_km, added.order) == (
        "birth-registration",  # the code never changes
        "Birth papers",
        "សំបុត្រកំណើត",
        5,
    )
    events = new_events(before)
    assert [e.event for e in events] == ["change"]
    assert set(events[0].changes) == {"name", "name_km", "order"}
    page = body(client.get(reverse("help_kind_list")))
    assert page.index("Birth papers") < page.index("Food")

    before = last_event_pk()
    client.post(edit, {"name": "Birth papers", "name_km": "សំបុត្រកំណើត", "order": "5"})  # unticked
    added.refresh_from_db()
    assert not added.is_active
    assert [e.event for e in new_events(before)] == ["change"]
    assert "Not in use" in body(client.get(reverse("help_kind_list")))

    before = last_event_pk()
    client.post(edit, {"name": "Birth papers", "name_km": "សំបុត្រកំណើត", "order": "5"})  # no change
    assert new_events(before) == []  # nothing changed, nothing recorded


def test_a_chosen_code_is_kept_and_a_duplicate_is_refused(cast: dict[str, User]) -> None:
    client = client_for(cast["admin"])
    response = client.post(
        reverse("help_kind_new"), {"code": "Cash_transfer", "name": "Cash", "name_km": "ក"}
    )
    assert response.status_code == 302
    assert kind("cash_transfer").name == "Cash"
    before = state()
    for data, message in [
        (
            {"code": "food", "name": "Other", "name_km": "ខ"},
            "There is already a kind of help with this code.",
        ),
        ({"name": "food", "name_km": "ខ"}, "There is already a kind of help with this name."),
        (
            {"name": "Other", "name_km": "អាហារ"},
            "There is already a kind of help with this name.",
        ),
        ({"code": "!!!", "name": "Other", "name_km": "ខ"}, "Use only letters, numbers and hyphens"),
        ({"name": "Other", "name_km": ""}, "This field is required."),
        ({"name": "Other", "name_km": "   "}, "This field is required."),
        ({"name": "Other", "name_km": "ខ", "order": "-1"}, "greater than or equal to 0"),
    ]:
        response = client.post(reverse("help_kind_new"), data)
        assert response.status_code == 200, data
        assert message in body(response), data
    assert state() == before


def test_the_service_itself_checks_the_khmer_name_and_who_asks(cast: dict[str, User]) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        help_kind_save(actor=cast["admin"], kind=None, data=HelpKindData(name="X", name_km=" "))
    assert error.value.message_dict["name_km"] == ["Enter the name of the kind of help in Khmer."]
    with pytest.raises(PermissionDenied):
        help_kind_save(
            actor=cast["supervisor"], kind=None, data=HelpKindData(name="X", name_km="ក")
        )


def test_a_kind_of_help_that_does_not_exist_is_an_audited_404(cast: dict[str, User]) -> None:
    client = client_for(cast["admin"])
    before = last_event_pk()
    assert client.get(reverse("help_kind_edit", args=[10**9])).status_code == 404
    assert client.get(f"/help-kinds/{'9' * 25}/").status_code == 404
    assert [e.event for e in new_events(before)] == ["refused", "refused"]


def test_html_in_a_name_is_shown_escaped(cast: dict[str, User]) -> None:
    client = client_for(cast["admin"])
    client.post(reverse("help_kind_new"), {"name": "<b>x</b>", "name_km": "ក", "is_active": "on"})
    page = body(client.get(reverse("help_kind_list")))
    assert "<b>x</b>" not in page
    assert "&lt;b&gt;x&lt;/b&gt;" in page


def test_a_kind_out_of_use_leaves_new_services_but_stays_on_old_ones(
    cast: dict[str, User],
) -> None:
    food = kind("food")
    admin = cast["admin"]
    temple = service_create(actor=admin, data={"name": "Temple meals"}, kinds=[food])
    organisation_id = admin.organisation_id
    assert food in offered(ServiceForm(organisation_id=organisation_id), "kinds")
    client_for(admin).post(
        reverse("help_kind_edit", args=[food.pk]),
        {"name": food.name, "name_km": food.name_km, "order": food.order},
    )
    food.refresh_from_db()
    assert not food.is_active
    choices = offered(ServiceForm(organisation_id=organisation_id), "kinds")
    assert food not in choices
    assert kind("health") in choices
    kept = offered(ServiceForm(organisation_id=organisation_id, service=temple), "kinds")
    assert food in kept
    assert list(temple.kinds.all()) == [food]
