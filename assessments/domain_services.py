"""Writes to the list of need domains: add, rename, reorder, take out of use (DESIGN rule 3).

A domain is never deleted: old assessments refer to it, and what a worker wrote years ago must
still read the same. Taking it out of use hides it from new assessments only. Only an
administrator of a child protection agency changes the list.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.db.models.functions import Lower
from django.utils.text import slugify
from django.utils.translation import gettext as _

from casework.audit import Event, audit_record, changes_between
from casework.models import Organisation, User

from .models import NeedDomain


def may_manage_domains(user: object) -> bool:
    """Administrators of an agency (not of a partner service) look after the list."""
    return (
        isinstance(user, User)
        and user.is_active
        and user.role == User.Role.ADMINISTRATOR
        and user.organisation is not None
        and user.organisation.kind == Organisation.Kind.AGENCY
    )


def require_domain_manager(actor: User) -> None:
    if not may_manage_domains(actor):
        raise PermissionDenied(_("Only an administrator of the agency changes the need domains."))


@dataclass
class NeedDomainData:
    name: str
    name_km: str
    order: int | None = None
    is_active: bool = True


def next_order() -> int:
    """Where a new domain goes: after the last one, leaving room to slot others between."""
    last = NeedDomain.objects.aggregate(last=Max("order"))["last"]
    return min((last or 0) + 10, 32_000)


def _unique_code(name: str) -> str:
    base = slugify(name)[:40] or "domain"
    code = base
    number = 2
    while NeedDomain.objects.filter(code=code).exists():
        code = f"{base}-{number}"
        number += 1
    return code


def _check_names(domain: NeedDomain) -> None:
    errors: dict[str, str] = {}
    if not domain.name.strip():
        errors["name"] = _("Enter the domain's name in English.")
    if not domain.name_km.strip():
        errors["name_km"] = _("Enter the domain's name in Khmer.")
    others = NeedDomain.objects.exclude(pk=domain.pk) if domain.pk else NeedDomain.objects.all()
    if (
        domain.name.strip()
        and others.annotate(lower=Lower("name")).filter(lower=domain.name.strip().lower()).exists()
    ):
        errors["name"] = _("There is already a domain with this name.")
    if domain.name_km.strip() and others.filter(name_km=domain.name_km.strip()).exists():
        errors["name_km"] = _("There is already a domain with this name.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def need_domain_save(*, actor: User, domain: NeedDomain | None, data: NeedDomainData) -> NeedDomain:
    """Add a domain (`domain` None) or rename, reorder, or take one out of use / back in."""
    require_domain_manager(actor)
    if domain is None:
        current = NeedDomain(
            code=_unique_code(data.name),
            order=data.order if data.order is not None else next_order(),
        )
        before = None
    else:
        current = NeedDomain.objects.select_for_update().get(pk=domain.pk)
        before = NeedDomain.objects.get(pk=domain.pk)
        if data.order is not None:
            current.order = data.order
    current.name = data.name.strip()
    current.name_km = data.name_km.strip()
    current.is_active = data.is_active
    _check_names(current)
    current.full_clean()
    current.save()
    if before is None:
        audit_record(actor=actor, event=Event.CREATE, obj=current)
    else:
        changes = changes_between(before, current)
        if changes:
            audit_record(actor=actor, event=Event.CHANGE, obj=current, changes=changes)
    return current


@transaction.atomic
def need_domain_move(*, actor: User, domain: NeedDomain, up: bool) -> NeedDomain:
    """Move a domain one place up or down the list (renumbering in tens when orders tie)."""
    require_domain_manager(actor)
    ordered = list(NeedDomain.objects.select_for_update().order_by("order", "name", "pk"))
    index = next((i for i, row in enumerate(ordered) if row.pk == domain.pk), None)
    if index is None:
        raise ValidationError(_("This domain no longer exists."))
    target = index - 1 if up else index + 1
    if not 0 <= target < len(ordered):
        return ordered[index]
    ordered[index], ordered[target] = ordered[target], ordered[index]
    moved = ordered[target]
    for position, row in enumerate(ordered, start=1):
        wanted = position * 10
        if row.order != wanted:
            before = row.order
            row.order = wanted
            row.save(update_fields=["order"])
            audit_record(
                actor=actor,
                event=Event.CHANGE,
                obj=row,
                changes={"order": [str(before), str(wanted)]},
            )
    return moved
