"""The directory of services, and who screens incoming referrals."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from casework.audit import Event, audit_record, changes_between
from casework.models import User, Village
from casework.services import StaleEdit, refuse_unknown_fields, save_new_version

from ..models import HelpKind, IntakeWorker, Service
from ..selectors import may_manage_directory

SERVICE_FIELDS = (
    "name",
    "provider",
    "description",
    "area_notes",
    "eligibility",
    "contact_name",
    "phone",
    "address",
    "is_active",
)


def _ids(rows: Sequence[Any]) -> list[int]:
    return sorted({row.pk for row in rows})


def _check_service(
    service: Service,
    kinds: Sequence[HelpKind],
    partner_users: Sequence[User],
    *,
    had_kinds: Sequence[int] = (),
) -> None:
    errors: dict[str, list[str]] = {}
    service.name = (service.name or "").strip()
    service.provider = (service.provider or "").strip()
    if not service.name:
        errors["name"] = [_("Name the service.")]
    if not kinds:
        errors["kinds"] = [_("Choose at least one kind of help the service offers.")]
    retired = [k.label for k in kinds if not k.is_active and k.pk not in had_kinds]
    if retired:
        errors.setdefault("kinds", []).append(
            _("No longer in use: %(kinds)s") % {"kinds": ", ".join(retired)}
        )
    for user in partner_users:
        if user.role != User.Role.PARTNER or not user.is_active:
            errors.setdefault("partner_users", []).append(
                _("%(user)s is not an active partner account.") % {"user": user.display_name}
            )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def service_create(
    *,
    actor: User,
    data: Mapping[str, Any],
    kinds: Sequence[HelpKind],
    villages: Sequence[Village] = (),
    partner_users: Sequence[User] = (),
) -> Service:
    """Add a service to the directory of the actor's organisation (administrators and
    supervisors). `partner_users` are the service's staff with partner accounts, who will
    receive its referrals in Upstream; without any, referrals go on paper."""
    organisation = actor.organisation
    if organisation is None or not may_manage_directory(actor, organisation):
        raise PermissionDenied
    refuse_unknown_fields(data, SERVICE_FIELDS)
    service = Service(directory_of=organisation, **data)
    _check_service(service, kinds, partner_users)
    service.full_clean()
    service.save()
    service.kinds.set(kinds)
    service.villages.set(villages)
    service.partner_users.set(partner_users)
    audit_record(
        actor=actor,
        event=Event.CREATE,
        obj=service,
        extra={
            "kinds": _ids(kinds),
            "villages": _ids(villages),
            "partner_users": _ids(partner_users),
        },
    )
    return service


@transaction.atomic
def service_update(
    *,
    actor: User,
    service: Service,
    expected_version: int,
    data: Mapping[str, Any],
    kinds: Sequence[HelpKind] | None = None,
    villages: Sequence[Village] | None = None,
    partner_users: Sequence[User] | None = None,
) -> Service:
    """Edit a service of the directory (a stale version raises StaleEdit). Lists left as None
    stay as they are; `is_active=False` in `data` takes it out of searches and new referrals."""
    if not may_manage_directory(actor, service.directory_of):
        raise PermissionDenied
    refuse_unknown_fields(data, SERVICE_FIELDS)
    current = Service.objects.select_for_update().get(pk=service.pk)
    if current.version != expected_version:
        raise StaleEdit(current)
    before = Service.objects.get(pk=current.pk)
    had: dict[str, list[Any]] = {
        "kinds": list(current.kinds.all()),
        "villages": list(current.villages.all()),
        "partner_users": list(current.partner_users.all()),
    }
    for name, value in data.items():
        setattr(current, name, value)
    new_kinds = list(kinds) if kinds is not None else had["kinds"]
    new_partners = list(partner_users) if partner_users is not None else had["partner_users"]
    # Accounts already on the service that were since deactivated do not block other edits.
    added_partners = [u for u in new_partners if u.pk not in _ids(had["partner_users"])]
    _check_service(current, new_kinds, added_partners, had_kinds=_ids(had["kinds"]))
    current.full_clean()
    save_new_version(current)
    changes = changes_between(before, current)
    lists: list[tuple[str, Sequence[Any] | None]] = [
        ("kinds", kinds),
        ("villages", villages),
        ("partner_users", partner_users),
    ]
    for name, rows in lists:
        if rows is None:
            continue
        getattr(current, name).set(rows)
        old, new = _ids(had[name]), _ids(rows)
        if old != new:
            changes[name] = [",".join(map(str, old)), ",".join(map(str, new))]
    audit_record(actor=actor, event=Event.CHANGE, obj=current, changes=changes)
    return current


# --- Intake workers --------------------------------------------------------------------------


def _require_administrator(actor: User) -> int:
    """The administrator's organisation id; refuses anybody else."""
    if not (
        actor.is_active
        and actor.role == User.Role.ADMINISTRATOR
        and actor.organisation_id is not None
    ):
        raise PermissionDenied
    return actor.organisation_id


@transaction.atomic
def intake_worker_add(*, actor: User, user: User) -> IntakeWorker:
    """An administrator designates a social worker or supervisor of the organisation to screen
    its incoming referrals (supervisors of a team screen without being designated)."""
    organisation_id = _require_administrator(actor)
    if (
        user.organisation_id != organisation_id
        or not user.is_active
        or user.role not in (User.Role.SOCIAL_WORKER, User.Role.SUPERVISOR)
    ):
        raise ValidationError(
            {"user": _("Choose an active social worker or supervisor of your organisation.")}
        )
    if IntakeWorker.objects.filter(user=user).exists():
        raise ValidationError(
            {"user": _("%(user)s already screens referrals.") % {"user": user.display_name}}
        )
    row = IntakeWorker.objects.create(organisation_id=organisation_id, user=user, added_by=actor)
    audit_record(actor=actor, event=Event.CREATE, obj=row, extra={"user": user.pk})
    return row


@transaction.atomic
def intake_worker_remove(*, actor: User, user: User) -> None:
    """An administrator takes someone off the screening of incoming referrals."""
    organisation_id = _require_administrator(actor)
    row = IntakeWorker.objects.filter(user=user, organisation_id=organisation_id).first()
    if row is None:
        raise ValidationError(
            {"user": _("%(user)s does not screen referrals.") % {"user": user.display_name}}
        )
    audit_record(
        actor=actor,
        event=Event.CHANGE,
        obj=row,
        changes={"intake_worker": [str(user.pk), None]},
    )
    row.delete()
