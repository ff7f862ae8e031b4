"""Small pieces every HTML view of every app uses on its way through the door."""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from functools import cached_property
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import formats
from django.utils.translation import gettext as _

from .audit import Event, audit_record
from .models import Case, User


def actor_of(request: HttpRequest) -> User:
    """The signed-in user (LoginRequiredMiddleware has already turned anybody else away)."""
    user = request.user
    if not isinstance(user, User):  # pragma: no cover - LoginRequiredMiddleware stops this
        raise Http404
    return user


def refuse(actor: User, case: Case, reason: str) -> PermissionDenied:
    """A refusal the door did not see (a role rule): audited like the door's own."""
    audit_record(actor=actor, event=Event.REFUSED, obj=case, case=case, reason=reason)
    return PermissionDenied(reason)


def add_service_errors(form: BaseForm, error: ValidationError) -> None:
    """Show a service's refusal on the form: beside the field it names, else at the top."""
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def posted_version(request: HttpRequest) -> int:
    """The version a form was read at (0, which no record has, when missing or garbled)."""
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return 0


def display_value(instance: models.Model, name: str) -> str:
    """A field's value as a person reads it (choice labels, yes/no, names, local dates)."""
    field = instance._meta.get_field(name)
    value = getattr(instance, name)
    if value in (None, ""):
        return "—"
    choices = getattr(field, "flatchoices", None)
    if choices:
        return str(dict(choices).get(value, value))
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if hasattr(value, "isoformat"):
        return formats.date_format(value, "DATE_FORMAT")
    return str(value)


def conflict_response(
    request: HttpRequest,
    *,
    actor: User,
    case: Case,
    form: BaseForm,
    current: models.Model,
    changed: dict[str, Any],
    template: str,
    context: dict[str, Any],
    form_factory: Callable[..., BaseForm],
    extra_rows: Sequence[dict[str, Any]] = (),
) -> HttpResponse:
    """Somebody saved first: show theirs beside ours, change nothing, offer to save ours (409).

    Only the fields on which the two versions differ are listed: those are what must be
    decided. The form keeps the user's input with the newest version, so saving again is a
    deliberate choice made with both versions in view.
    """
    mine = copy.copy(current)
    for name, value in changed.items():
        setattr(mine, name, value)
    rows = [
        {
            "label": getattr(current._meta.get_field(name), "verbose_name", name),
            "theirs": display_value(current, name),
            "mine": display_value(mine, name),
            "differs": True,
        }
        for name in changed
        if display_value(current, name) != display_value(mine, name)
    ]
    rows += list(extra_rows)
    audit_record(
        actor=actor,
        event=Event.STALE_EDIT,
        obj=current,
        case=case,
        extra={"submitted_version": form.cleaned_data.get("version")},
    )
    data = request.POST.copy()
    data["version"] = str(current.version)  # type: ignore[attr-defined]
    # A copy: validating a model form writes the input onto its instance, and the page's
    # heading must keep showing the saved record.
    resubmit = form_factory(data, instance=copy.copy(current))
    resubmit.is_valid()
    return render(
        request, template, {**context, "case": case, "form": resubmit, "conflict": rows}, status=409
    )


class CappedPaginator(Paginator[Any]):
    """A paginator that counts at most `cap` rows (issue 10: counting an organisation's
    million cases took a second on every page). Beyond the cap the list says "more than N"
    and pages stop there: filters narrow it."""

    def __init__(self, object_list: models.QuerySet[Any], per_page: int, cap: int) -> None:
        super().__init__(object_list, per_page)
        self.rows = object_list
        self.cap = cap

    @cached_property
    def _counted(self) -> int:
        # SELECT COUNT(*) FROM (... LIMIT cap + 1): stops reading after cap + 1 rows.
        return self.rows[: self.cap + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self._counted, self.cap)

    @property
    def capped(self) -> bool:
        return self._counted > self.cap
