"""Writes to the list of concern categories: add, rename, reorder, take out of use (DESIGN rule 3).

A category is never deleted: cases and intakes refer to it, and the revolving-door flag compares
cases by it. Taking it out of use hides it from new intakes only; cases that have it keep it.
Only an administrator of a child protection agency changes the list (as with need domains).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.db.models.functions import Lower
from django.utils.text import slugify
from django.utils.translation import gettext as _

from .audit import Event, audit_record, changes_between
from .models import ConcernCategory, Organisation, User


def may_manage_concerns(user: object) -> bool:
    """Administrators of an agency (not of a partner service) look after the list."""
    return (
        isinstance(user, User)
        and user.is_active
        and user.role == User.Role.ADMINISTRATOR
        and user.organisation is not None
        and user.organisation.kind == Organisation.Kind.AGENCY
    )


def require_concern_manager(actor: User) -> None:
    if not may_manage_concerns(actor):
        raise PermissionDenied(_("Only an administrator of the agency changes the concerns."))


@dataclass
class ConcernCategoryData:
    name: str
    name_km: str
    code: str = ""
    order: int | None = None
    is_active: bool = True


def concern_categories() -> list[ConcernCategory]:
    """Every category, in use or not, in the order intake shows them."""
    return list(ConcernCategory.objects.order_by("order", "name", "pk"))


def next_order() -> int:
    """Where a new category goes: after the last one, leaving room to slot others between."""
    last = ConcernCategory.objects.aggregate(last=Max("order"))["last"]
    return min((last or 0) + 10, 32_000)


def _new_code(data: ConcernCategoryData) -> str:
    wanted = slugify(data.code.strip())[:50]
    if data.code.strip():
        if not wanted:
            raise ValidationError({"code": _("Use only letters, numbers and hyphens in the code.")})
        if ConcernCategory.objects.filter(code=wanted).exists():
            raise ValidationError({"code": _("There is already a concern with this code.")})
        return wanted
    base = slugify(data.name)[:40] or "concern"
    code = base
    number = 2
    while ConcernCategory.objects.filter(code=code).exists():
        code = f"{base}-{number}"
        number += 1
    return code


def _check_names(category: ConcernCategory) -> None:
    errors: dict[str, str] = {}
    if not category.name.strip():
        errors["name"] = _("Enter the concern's name in English.")
    if not category.name_km.strip():
        errors["name_km"] = _("Enter the concern's name in Khmer.")
    others = ConcernCategory.objects.exclude(pk=category.pk)
    name = category.name.strip().lower()
    if name and others.annotate(lower=Lower("name")).filter(lower=name).exists():
        errors["name"] = _("There is already a concern with this name.")
    if category.name_km.strip() and others.filter(name_km=category.name_km.strip()).exists():
        errors["name_km"] = _("There is already a concern with this name.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def concern_category_save(
    *, actor: User, category: ConcernCategory | None, data: ConcernCategoryData
) -> ConcernCategory:
    """Add a category (`category` None) or rename, reorder, or take one out of use / back in.

    The code is chosen once, when the category is added (from the name unless given), and
    never changes after.
    """
    require_concern_manager(actor)
    if category is None:
        current = ConcernCategory(
            order=data.order if data.order is not None else next_order(),
        )
        before = None
    else:
        current = ConcernCategory.objects.select_for_update().get(pk=category.pk)
        before = ConcernCategory.objects.get(pk=category.pk)
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
