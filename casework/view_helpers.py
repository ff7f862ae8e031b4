"""Small pieces every HTML view of every app uses on its way through the door."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import BaseForm
from django.http import Http404, HttpRequest

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
