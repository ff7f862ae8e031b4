"""Writes to the list of kinds of help: add, rename, reorder, take out of use (DESIGN rule 3).

A kind of help is never deleted: services in the directory and referrals refer to it, and what
was recorded must still read the same. Taking it out of use hides it from new choices only;
services that have it keep it. Only an administrator of a child protection agency changes the
list (as with need domains and concerns).
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

from ..models import HelpKind


def may_manage_help_kinds(user: object) -> bool:
    """Administrators of an agency (not of a partner service) look after the list."""
    return (
        isinstance(user, User)
        and user.is_active
        and user.role == User.Role.ADMINISTRATOR
        and user.organisation is not None
        and user.organisation.kind == Organisation.Kind.AGENCY
    )


def require_help_kind_manager(actor: User) -> None:
    if not may_manage_help_kinds(actor):
        raise PermissionDenied(_("Only an administrator of the agency changes the kinds of help."))


@dataclass
class HelpKindData:
    name: str
    name_km: str
    code: str = ""
    order: int | None = None
    is_active: bool = True


def help_kinds() -> list[HelpKind]:
    """Every kind of help, in use or not, in the order the directory shows them."""
    return list(HelpKind.objects.order_by("order", "name", "pk"))


def next_order() -> int:
    """Where a new kind of help goes: after the last one, leaving room to slot others between."""
    last = HelpKind.objects.aggregate(last=Max("order"))["last"]
    return min((last or 0) + 10, 32_000)


def _new_code(data: HelpKindData) -> str:
    wanted = slugify(data.code.strip())[:50]
    if data.code.strip():
        if not wanted:
            raise ValidationError({"code": _("Use only letters, numbers and hyphens in the code.")})
        if HelpKind.objects.filter(code=wanted).exists():
            raise ValidationError({"code": _("There is already a kind of help with this code.")})
        return wanted
    base = slugify(data.name)[:40] or "help"
    code = base
    number = 2
    while HelpKind.objects.filter(code=code).exists():
        code = f"{base}-{number}"
        number += 1
    return code


def _check_names(kind: HelpKind) -> None:
    errors: dict[str, str] = {}
    if not kind.name.strip():
        errors["name"] = _("Enter the name of the kind of help in English.")
    if not kind.name_km.strip():
        errors["name_km"] = _("Enter the name of the kind of help in Khmer.")
    others = HelpKind.objects.exclude(pk=kind.pk)
    name = kind.name.strip().lower()
    if name and others.annotate(lower=Lower("name")).filter(lower=name).exists():
        errors["name"] = _("There is already a kind of help with this name.")
    if kind.name_km.strip() and others.filter(name_km=kind.name_km.strip()).exists():
        errors["name_km"] = _("There is already a kind of help with this name.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def help_kind_save(*, actor: User, kind: HelpKind | None, data: HelpKindData) -> HelpKind:
    """Add a kind of help (`kind` None) or rename, reorder, or take one out of use / back in.

    The code is chosen once, when the kind of help is added (from the name unless given), and
    never changes after.
    """
    require_help_kind_manager(actor)
    if kind is None:
        current = HelpKind(
            order=data.order if data.order is not None else next_order(),
        )
        before = None
    else:
        current = HelpKind.objects.select_for_update().get(pk=kind.pk)
        before = HelpKind.objects.get(pk=kind.pk)
        if data.order is not None:
            current.order = data.order
    current.name = data.name.strip()
    current.name_km = data.name_km.strip()
    current.is_active = data.is_active
    _check_names(current)
    if before is None:
        current.code = _new_code(data)
    current.full_clean()
    current.save()
    if before is None:
        audit_record(actor=actor, event=Event.CREATE, obj=current)
    else:
        changes = changes_between(before, current)
        if changes:
            audit_record(actor=actor, event=Event.CHANGE, obj=current, changes=changes)
    return current
