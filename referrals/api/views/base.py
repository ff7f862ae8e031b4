"""The referrals API: the directory, intake and screening, consent, outgoing referrals, and the
partner's side.

Built like the other apps' APIs:
- a case only through `get_case_for` (404 for forbidden and missing, 403 for seen but not
  changeable), a record inside it only through `get_record_for` on that case's records;
  a service, an intake or a partner's referral only through their selectors' doors (404);
- a partner works only on `partner/referrals/` and sees only `selectors.partner_view`; every
  other endpoint answers a partner 404, and the partner endpoints answer staff 404;
- every successful read leaves exactly one `audit_view` event; writes are the services' and
  they audit themselves; a service's refusal and a stale edit each leave one event here;
- token authentication first, so an anonymous call answers 401.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse
from rest_framework import status
from rest_framework.response import Response

from casework.api.views import (
    CaseworkAPIView,
    stale_response,
)
from casework.audit import Event, audit_record
from casework.models import Case, User
from casework.services import StaleEdit

from ...selectors import (
    is_active_partner,
)

M = TypeVar("M", bound=Model)

PARTNERS_ONLY = OpenApiResponse(
    description="Not a referral sent to your service, or you are not a partner account."
)


# --- Plumbing --------------------------------------------------------------------------------


def refuse_partner(actor: User, model: type[Model], pk: object = None) -> None:
    """Partners work only on the referrals sent to their service: anything else is a 404,
    left on the trail like the door's refusals."""
    if actor.role == User.Role.PARTNER:
        audit_record(
            actor=actor,
            event=Event.REFUSED,
            model=model,
            object_pk=None if pk is None else str(pk)[:100],
            reason="partner",
        )
        raise Http404


def require_partner(actor: User, model: type[Model]) -> None:
    """The partner endpoints are for active partner accounts only: staff get a 404."""
    if not is_active_partner(actor):
        audit_record(actor=actor, event=Event.REFUSED, model=model, reason="not a partner")
        raise Http404


@contextmanager
def refusals_audited(actor: User, obj: Model | None, model: type[Model]) -> Iterator[None]:
    """A refusal by a service outside any case, audited like the door's."""
    try:
        yield
    except PermissionDenied:
        audit_record(
            actor=actor,
            event=Event.REFUSED,
            obj=obj,
            model=model,
            reason="refused by service",
        )
        raise


def stale_outside_case(
    actor: User, case: Case | None, stale: StaleEdit, your_version: int, current: Any
) -> Response:
    """409 with the newer values, for records that may belong to no case (the directory)."""
    if case is not None:
        return stale_response(actor, case, stale, your_version, current)
    audit_record(
        actor=actor,
        event=Event.STALE_EDIT,
        obj=stale.current,
        extra={"your_version": your_version, "current_version": stale.current.version},
    )
    return Response(
        {
            "detail": _(
                "Somebody saved a newer version since you read this, so nothing was changed. "
                "Compare with the current values and send your edit again with their version."
            ),
            "your_version": your_version,
            "current": current,
        },
        status=status.HTTP_409_CONFLICT,
    )


def _by_codes(model: type[M], codes: Sequence[str], field: str) -> list[M]:
    """Rows of a code-keyed list (kinds of help, concerns), or a 400 on `field`."""
    wanted = list(dict.fromkeys(codes))
    found = {row.code: row for row in model._default_manager.filter(code__in=wanted)}  # type: ignore[attr-defined]
    unknown = [code for code in wanted if code not in found]
    if unknown:
        raise ValidationError(
            {field: _("Unknown codes: %(codes)s") % {"codes": ", ".join(unknown)}}
        )
    return [found[code] for code in wanted]


def _by_ids(queryset: QuerySet[M], ids: Sequence[int], field: str, message: str) -> list[M]:
    """Rows among `queryset` (already scoped), or a 400 on `field` (never a hint of others)."""
    wanted = list(dict.fromkeys(ids))
    found = {row.pk: row for row in queryset.filter(pk__in=wanted)}
    if len(found) != len(wanted):
        raise ValidationError({field: message})
    return [found[pk] for pk in wanted]


def _one(queryset: QuerySet[M], pk: int | None, field: str, message: str) -> M | None:
    if pk is None:
        return None
    return _by_ids(queryset, [pk], field, message)[0]


class ReferralsAPIView(CaseworkAPIView):
    """Signed in by token or session; the same plumbing as casework's API."""
