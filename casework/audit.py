"""The audit trail: who did what to which case, when, from where, and why.

Every read and write of a case's records leaves one AuditEvent (django-auditlog's log entry
model, swapped for ours so that each event carries its case). The request's address and
browser are picked up from a context variable that AuditContextMiddleware sets, so services
and the access door need not pass the request around; background jobs simply have none.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.http import HttpRequest, HttpResponse

from .client_ip import client_ip
from .models import AuditEvent, Case, User

Event = AuditEvent.Event


@dataclass(frozen=True)
class RequestContext:
    remote_addr: str | None
    user_agent: str


_request_context: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "upstream_audit_request", default=None
)


def client_address(request: HttpRequest) -> str | None:
    # The connection's address, or behind one of our proxies (TRUSTED_PROXIES) the client's as
    # that proxy reports it: the same function axes counts sign-in failures by, so the two agree.
    return client_ip(request)


class AuditContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _request_context.set(
            RequestContext(
                remote_addr=client_address(request),
                user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
            )
        )
        try:
            return self.get_response(request)
        finally:
            _request_context.reset(token)


_ACTION = {
    Event.CREATE: AuditEvent.Action.CREATE,
    Event.CHANGE: AuditEvent.Action.UPDATE,
    Event.SIGN: AuditEvent.Action.UPDATE,
    Event.TRANSITION: AuditEvent.Action.UPDATE,
    Event.ALLOCATE: AuditEvent.Action.UPDATE,
    Event.ADDENDUM: AuditEvent.Action.CREATE,
    Event.SUBMIT: AuditEvent.Action.UPDATE,
    Event.APPROVE: AuditEvent.Action.UPDATE,
    Event.RETURN: AuditEvent.Action.UPDATE,
}


def changes_between(
    before: models.Model | None, after: models.Model, fields: Iterable[str] | None = None
) -> dict[str, list[Any]]:
    """Field by field, before → after, as text (only the fields that changed)."""
    wanted = set(fields) if fields is not None else None
    changes: dict[str, list[Any]] = {}
    for field in after._meta.concrete_fields:
        if field.name in {"version", "updated_at"} or (wanted and field.name not in wanted):
            continue
        new = field.value_from_object(after)
        old = field.value_from_object(before) if before is not None else None
        if old != new:
            changes[field.name] = [_as_text(old), _as_text(new)]
    return changes


def _as_object_id(pk_text: str) -> int | None:
    # isdigit() alone accepts "²"; and an id beyond bigint is one no row can have.
    if pk_text.isascii() and pk_text.isdigit() and int(pk_text) < 2**63:
        return int(pk_text)
    return None


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


def audit_record(
    *,
    actor: User | None,
    event: str,
    obj: models.Model | None = None,
    model: type[models.Model] | None = None,
    object_pk: str | int | None = None,
    case: Case | None = None,
    changes: dict[str, list[Any]] | None = None,
    reason: str = "",
    extra: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event. Either `obj`, or `model` and `object_pk` for what could not be found."""
    context = _request_context.get()
    if obj is not None:
        model = obj._meta.model  # (not type(obj): request.user is a lazy proxy)
        object_pk = obj.pk
    if model is None:
        model = type(actor) if actor is not None else User
    content_type = ContentType.objects.get_for_model(model)
    pk_text = "" if object_pk is None else str(object_pk)
    event_row: AuditEvent = AuditEvent.objects.create(
        event=event,
        action=_ACTION.get(Event(event), AuditEvent.Action.ACCESS),
        actor=actor,
        actor_email=getattr(actor, "email", None),
        case=case,
        content_type=content_type,
        object_pk=pk_text,
        object_id=(
            int(pk_text)
            if pk_text.isascii() and pk_text.isdigit() and int(pk_text) < 2**63
            else None
        ),
        object_repr=str(obj) if obj is not None else pk_text,
        changes=changes or None,
        reason=reason,
        additional_data=extra or None,
        remote_addr=context.remote_addr if context else None,
        user_agent=context.user_agent if context else "",
    )
    return event_row


def audit_view(
    actor: User | None,
    obj: models.Model | None,
    case: Case | None,
    *,
    model: type[models.Model] | None = None,
    extra: dict[str, Any] | None = None,
) -> AuditEvent:
    """One read: a case, a record of it, or (with `model` and no `obj`) a list of them.

    A read through emergency access (the door marked the case with `emergency_until`) says so.
    """
    if case is not None and getattr(case, "emergency_until", None) is not None:
        extra = {**(extra or {}), "emergency": True}
    return audit_record(actor=actor, event=Event.VIEW, obj=obj, model=model, case=case, extra=extra)
