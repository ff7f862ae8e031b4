"""Every write to casework's records goes through a service here.

Each service owns its transaction, validates with full_clean(), writes, re-derives grants when
it changed a fact that grants access, and records one audit event.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from .access import case_permissions, sync_case_grants
from .audit import Event, audit_record, changes_between
from .hooks import case_event
from .models import (
    Allocation,
    Case,
    CaseReferenceCounter,
    ConcernCategory,
    Family,
    HomeVisit,
    Organisation,
    Person,
    Team,
    User,
    Versioned,
    VisitAddendum,
    VisitChild,
)

V = TypeVar("V", bound=Versioned)


class StaleEdit(Exception):
    """Somebody saved a newer version since this form was opened: nothing was written."""

    def __init__(self, current: Versioned) -> None:
        super().__init__(f"{type(current).__name__} {current.pk} has a newer version")
        self.current = current


# --- Shared by every app's services ------------------------------------------------------


def refuse_unknown_fields(data: Mapping[str, Any], allowed: Iterable[str]) -> None:
    """A write may only touch the fields its service edits; anything else is refused."""
    unknown = set(data) - set(allowed)
    if unknown:
        raise ValidationError(
            _("These fields cannot be changed here: %(fields)s")
            % {"fields": ", ".join(sorted(unknown))}
        )


def refuse_future(day: datetime.date | None, field_name: str) -> None:
    if day is not None and day > timezone.localdate():
        raise ValidationError({field_name: _("This date is in the future.")})


def lock_for_edit(model: type[Any], pk: int, case: Case, expected_version: int | None) -> Any:
    """Lock a record of `case` and refuse it if somebody saved since `expected_version`."""
    current = model._default_manager.select_for_update().get(pk=pk, case=case)
    if expected_version is not None and current.version != expected_version:
        raise StaleEdit(current)
    return current


def save_new_version(obj: Any) -> None:
    """Save an edited record as its next version."""
    obj.version = F("version") + 1
    obj.save()
    obj.refresh_from_db()


# --- People and organisations --------------------------------------------------------------


@transaction.atomic
def user_set_language(*, user: User, language: str) -> None:
    if language not in dict(settings.LANGUAGES):
        raise ValidationError(_("Choose English or Khmer."))
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])


def _ensure_group(current: Group | None, name: str) -> Group:
    if current is not None:
        return current
    group, _created = Group.objects.get_or_create(name=name)
    return group


@transaction.atomic
def team_sync_groups(*, team: Team) -> None:
    """Mirror the team's supervisors into the group that holds their case grants."""
    group = _ensure_group(team.supervisors_group, f"team-{team.pk}-supervisors")
    if team.supervisors_group_id != group.pk:
        team.supervisors_group = group
        team.save(update_fields=["supervisors_group"])
    group.user_set.set(team.supervisors.filter(is_active=True))
    # Cases of this team created before the group existed need the group's grant.
    for case in Case.objects.filter(team=team).select_related("team__organisation"):
        sync_case_grants(case)


@transaction.atomic
def organisation_sync_administrators(*, organisation: Organisation) -> None:
    """Mirror the organisation's active administrators into their grants group."""
    group = _ensure_group(
        organisation.administrators_group, f"organisation-{organisation.pk}-administrators"
    )
    if organisation.administrators_group_id != group.pk:
        organisation.administrators_group = group
        organisation.save(update_fields=["administrators_group"])
        for case in Case.objects.filter(team__organisation=organisation).select_related(
            "team__organisation"
        ):
            sync_case_grants(case)
    group.user_set.set(organisation.users.filter(role=User.Role.ADMINISTRATOR, is_active=True))


# --- Versioned edits ---------------------------------------------------------------------


def _apply_edit(
    *,
    model: type[V],
    pk: int,
    expected_version: int,
    data: Mapping[str, Any],
    allowed: Iterable[str],
) -> tuple[V, V]:
    """Lock the row, refuse a stale version, apply `data`, validate. Returns (before, after)."""
    current = model._default_manager.select_for_update().get(pk=pk)
    if current.version != expected_version:
        raise StaleEdit(current)
    before = model._default_manager.get(pk=pk)
    refuse_unknown_fields(data, allowed)
    for name, value in data.items():
        setattr(current, name, value)
    current.full_clean()
    save_new_version(current)
    return before, current


# --- Cases ---------------------------------------------------------------------------------


def _next_reference(on: datetime.date) -> str:
    counter, _created = CaseReferenceCounter.objects.select_for_update().get_or_create(year=on.year)
    CaseReferenceCounter.objects.filter(pk=counter.pk).update(last=F("last") + 1)
    counter.refresh_from_db()
    return f"UP-{on.year}-{counter.last:06d}"


@dataclass
class PersonData:
    relationship: str
    given_name_km: str = ""
    family_name_km: str = ""
    given_name_latin: str = ""
    family_name_latin: str = ""
    sex: str = Person.Sex.UNKNOWN
    date_of_birth: datetime.date | None = None
    estimated_age: int | None = None
    disability: str = ""
    school_status: str = ""
    concerned: bool = False  # one of the children the case is about


@dataclass
class CaseData:
    family_name: str
    village_id: int
    tier: str
    risk_level: str
    team: Team
    worker: User
    people: list[PersonData]
    covering_worker: User | None = None
    address_notes: str = ""
    phone: str = ""
    languages: str = ""
    opened_on: datetime.date | None = None
    reason: str = ""
    concerns: list[ConcernCategory] = field(default_factory=list)
    # Opening a new case for a family already on record: `family` is reused (family_name,
    # village_id and the contact fields are then ignored) and `existing_children` are among
    # the children concerned, beside any new `people`.
    family: Family | None = None
    existing_children: list[Person] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


def _check_allocation(team: Team, worker: User, covering: User | None) -> None:
    members = set(team.members.values_list("pk", flat=True)) | set(
        team.supervisors.values_list("pk", flat=True)
    )
    if worker.pk not in members or not worker.is_active:
        raise ValidationError({"worker": _("The allocated worker must be on the case's team.")})
    if covering is not None:
        if covering.pk == worker.pk:
            raise ValidationError(
                {"covering_worker": _("The covering worker must be someone else.")}
            )
        if (
            covering.organisation_id != team.organisation_id
            or covering.role == User.Role.PARTNER
            or not covering.is_active
        ):
            raise ValidationError(
                {"covering_worker": _("The covering worker must work for this organisation.")}
            )


@transaction.atomic
def case_open(*, actor: User, data: CaseData) -> Case:
    """Open a case: the family, its people, the children concerned, and the allocation."""
    if actor.organisation_id != data.team.organisation_id or actor.role not in (
        User.Role.SUPERVISOR,
        User.Role.ADMINISTRATOR,
        User.Role.SOCIAL_WORKER,
    ):
        raise PermissionDenied
    if not any(person.concerned for person in data.people) and not data.existing_children:
        raise ValidationError(_("Choose at least one child the case is about."))
    _check_allocation(data.team, data.worker, data.covering_worker)
    if data.family is not None:
        # A family the organisation already knows comes back: a new case, the same people.
        family = data.family
        if family.organisation_id != data.team.organisation_id:
            raise PermissionDenied
        if any(child.family_id != family.pk for child in data.existing_children):
            raise ValidationError(_("The children must belong to the family."))
    else:
        family = Family(
            family_name=data.family_name,
            organisation_id=data.team.organisation_id,
            village_id=data.village_id,
            address_notes=data.address_notes,
            phone=data.phone,
            languages=data.languages,
        )
        family.full_clean()
        family.save()
    people: list[Person] = []
    for index, person_data in enumerate(data.people):
        values = {k: v for k, v in vars(person_data).items() if k != "concerned"}
        person = Person(family=family, **values)
        try:
            person.full_clean(exclude=["family"])
        except ValidationError as error:
            raise ValidationError({f"person-{index}": error.messages}) from error
        person.save()
        people.append(person)
    opened_on = data.opened_on or timezone.localdate()
    if opened_on > timezone.localdate():
        raise ValidationError({"opened_on": _("A case cannot be opened in the future.")})
    case = Case(
        reference=_next_reference(opened_on),
        family=family,
        tier=data.tier,
        risk_level=data.risk_level,
        team=data.team,
        worker=data.worker,
        covering_worker=data.covering_worker,
        opened_on=opened_on,
    )
    case.full_clean()
    case.save()
    case.children.set(
        [p for p, d in zip(people, data.people, strict=True) if d.concerned]
        + list(data.existing_children)
    )
    case.concerns.set(data.concerns)
    Allocation.objects.create(
        case=case,
        worker=data.worker,
        covering_worker=data.covering_worker,
        allocated_by=actor,
        reason=data.reason,
    )
    sync_case_grants(case)
    audit_record(actor=actor, event=Event.CREATE, obj=case, case=case, reason=data.reason)
    case_event("opened", case=case, actor=actor)
    return case


def require_change(actor: User, case: Case) -> None:
    if "change" not in case_permissions(actor, case):
        raise PermissionDenied


@transaction.atomic
def case_transition(
    *,
    actor: User,
    case: Case,
    to: str,
    reason: str = "",
    reported_concerns: Iterable[ConcernCategory] | None = None,
) -> Case:
    """Move the case to another phase, only along the allowed transitions.

    `reported_concerns`: when a closed case is reopened because of a new report, what that
    report is about (the revolving-door check compares it with the concerns at closure).
    """
    require_change(actor, case)
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if to not in Case.TRANSITIONS[locked.phase]:
        raise ValidationError(
            _("A case in %(phase)s cannot move to %(to)s.")
            % {"phase": locked.get_phase_display(), "to": Case.Phase(to).label}
        )
    if to == Case.Phase.CLOSED and not reason.strip():
        raise ValidationError({"reason": _("Say why the case is being closed.")})
    before_phase = locked.phase
    closed_on_before = locked.closed_on
    # Phase apps may refuse (closing needs a review's decision) before anything is written.
    case_event(
        "phase_changing", case=locked, actor=actor, before=before_phase, after=to, reason=reason
    )
    updates: dict[str, Any] = {
        "phase": to,
        "phase_since": timezone.now(),
        "version": F("version") + 1,
    }
    if to == Case.Phase.CLOSED:
        updates |= {"closed_on": timezone.localdate(), "closure_reason": reason.strip()}
    elif before_phase == Case.Phase.CLOSED:
        updates |= {"closed_on": None}
    Case.objects.filter(pk=locked.pk).update(**updates)
    locked.refresh_from_db()
    audit_record(
        actor=actor,
        event=Event.TRANSITION,
        obj=locked,
        case=locked,
        changes={"phase": [before_phase, to]},
        reason=reason,
    )
    case_event(
        "phase_changed",
        case=locked,
        actor=actor,
        before=before_phase,
        after=to,
        reason=reason,
        closed_on_before=closed_on_before,
        reported_concerns=list(reported_concerns or []),
    )
    return locked


RISK_ORDER = {Case.Risk.LOW: 0, Case.Risk.MEDIUM: 1, Case.Risk.HIGH: 2}


@transaction.atomic
def case_set_risk(
    *, actor: User, case: Case, risk_level: str, reason: str, expected_version: int | None = None
) -> Case:
    """Change the case's risk level (worker or supervisor), always with a reason."""
    require_change(actor, case)
    if risk_level not in Case.Risk.values:
        raise ValidationError({"risk_level": _("Choose low, medium or high.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the risk level changes.")})
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleEdit(locked)
    before = locked.risk_level
    if before == risk_level:
        return locked
    Case.objects.filter(pk=locked.pk).update(risk_level=risk_level, version=F("version") + 1)
    locked.refresh_from_db()
    audit_record(
        actor=actor,
        event=Event.CHANGE,
        obj=locked,
        case=locked,
        changes={"risk_level": [before, risk_level]},
        reason=reason.strip(),
    )
    case_event(
        "risk_changed",
        case=locked,
        actor=actor,
        before=before,
        after=risk_level,
        reason=reason.strip(),
    )
    return locked


def case_concerns_set(*, actor: User, case: Case, concerns: Iterable[ConcernCategory]) -> None:
    """Say what the case is about (worker or supervisor); audited as a change of concerns."""
    require_change(actor, case)
    wanted = sorted({c.pk for c in concerns})
    before = sorted(case.concerns.values_list("pk", flat=True))
    if wanted == before:
        return
    with transaction.atomic():
        case.concerns.set(wanted)
        audit_record(
            actor=actor,
            event=Event.CHANGE,
            obj=case,
            case=case,
            changes={"concerns": [",".join(map(str, before)), ",".join(map(str, wanted))]},
        )


@transaction.atomic
def case_reallocate(
    *,
    actor: User,
    case: Case,
    worker: User,
    covering_worker: User | None,
    reason: str,
) -> Case:
    """Give the case to another worker (supervisors): the history keeps every allocation."""
    if "export" not in case_permissions(actor, case) or actor.role != User.Role.SUPERVISOR:
        # Reallocation is a supervisor's decision on their own team's case.
        raise PermissionDenied
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the case is being reallocated.")})
    locked = Case.objects.select_for_update().select_related("team").get(pk=case.pk)
    _check_allocation(locked.team, worker, covering_worker)
    before = [locked.worker_id, locked.covering_worker_id]
    locked.worker = worker
    locked.covering_worker = covering_worker
    locked.version = F("version") + 1
    locked.save(update_fields=["worker", "covering_worker", "version", "updated_at"])
    locked.refresh_from_db()
    Allocation.objects.create(
        case=locked,
        worker=worker,
        covering_worker=covering_worker,
        allocated_by=actor,
        reason=reason,
    )
    sync_case_grants(locked)
    audit_record(
        actor=actor,
        event=Event.ALLOCATE,
        obj=locked,
        case=locked,
        changes={
            name: [old, new]
            for name, old, new in (
                ("worker", before[0], worker.pk),
                ("covering_worker", before[1], covering_worker.pk if covering_worker else None),
            )
            if old != new
        },
        reason=reason,
    )
    return locked


FAMILY_FIELDS = ("family_name", "village", "address_notes", "phone", "languages")
PERSON_FIELDS = (
    "given_name_km",
    "family_name_km",
    "given_name_latin",
    "family_name_latin",
    "sex",
    "date_of_birth",
    "estimated_age",
    "disability",
    "school_status",
    "relationship",
)


@transaction.atomic
def family_update(
    *, actor: User, case: Case, family: Family, expected_version: int, data: Mapping[str, Any]
) -> Family:
    require_change(actor, case)
    if family.pk != case.family_id:
        raise PermissionDenied
    before, after = _apply_edit(
        model=Family,
        pk=family.pk,
        expected_version=expected_version,
        data=data,
        allowed=FAMILY_FIELDS,
    )
    audit_record(
        actor=actor,
        event=Event.CHANGE,
        obj=after,
        case=case,
        changes=changes_between(before, after),
    )
    return after


@transaction.atomic
def person_update(
    *, actor: User, case: Case, person: Person, expected_version: int, data: Mapping[str, Any]
) -> Person:
    require_change(actor, case)
    if person.family_id != case.family_id:
        raise PermissionDenied
    before, after = _apply_edit(
        model=Person,
        pk=person.pk,
        expected_version=expected_version,
        data=data,
        allowed=PERSON_FIELDS,
    )
    audit_record(
        actor=actor,
        event=Event.CHANGE,
        obj=after,
        case=case,
        changes=changes_between(before, after),
    )
    return after


@transaction.atomic
def person_add(*, actor: User, case: Case, data: PersonData) -> Person:
    require_change(actor, case)
    values = {k: v for k, v in vars(data).items() if k != "concerned"}
    person = Person(family_id=case.family_id, **values)
    person.full_clean(exclude=["family"])
    person.save()
    if data.concerned:
        case.children.add(person)
    audit_record(actor=actor, event=Event.CREATE, obj=person, case=case)
    return person


# --- Home visits -------------------------------------------------------------------------

VISIT_FIELDS = (
    "occurred_at",
    "kind",
    "place",
    "present",
    "observations",
    "family_words",
    "child_words",
    "agreed",
    "next_visit_on",
)


@dataclass
class ChildSeen:
    child_id: int
    seen: bool
    seen_alone: bool


def _validate_visit(visit: HomeVisit, case: Case, children: list[ChildSeen]) -> None:
    visit.full_clean(exclude=["case", "author"])
    errors: dict[str, list[str]] = {}
    if visit.occurred_at > timezone.now():
        errors.setdefault("occurred_at", []).append(_("A visit cannot be in the future."))
    visit_day = timezone.localtime(visit.occurred_at).date()
    if visit.next_visit_on is not None and visit.next_visit_on < visit_day:
        errors.setdefault("next_visit_on", []).append(_("The next visit must come after this one."))
    concerned = {child.pk: child for child in case.children.all()}
    listed = [entry.child_id for entry in children]
    if len(listed) != len(set(listed)):
        errors.setdefault("children", []).append(_("Each child can be listed only once."))
    for entry in children:
        child = concerned.get(entry.child_id)
        if child is None:
            errors.setdefault("children", []).append(_("That child is not part of this case."))
            continue
        if entry.seen_alone and not entry.seen:
            errors.setdefault("children", []).append(
                _("%(name)s cannot be seen alone without being seen.")
                % {"name": child.display_name}
            )
        if child.date_of_birth is not None and child.date_of_birth > visit_day:
            errors.setdefault("occurred_at", []).append(
                _("The visit is dated before %(name)s was born.") % {"name": child.display_name}
            )
    if errors:
        raise ValidationError(errors)


def _save_children_seen(visit: HomeVisit, children: list[ChildSeen]) -> None:
    VisitChild.objects.filter(visit=visit).delete()
    VisitChild.objects.bulk_create(
        VisitChild(
            visit=visit, child_id=c.child_id, seen=c.seen, seen_alone=c.seen and c.seen_alone
        )
        for c in children
    )


@transaction.atomic
def visit_record(
    *,
    actor: User,
    case: Case,
    data: Mapping[str, Any],
    children: list[ChildSeen],
    sign: bool = False,
) -> HomeVisit:
    """Record a contact as a draft (or signed straight away)."""
    require_change(actor, case)
    refuse_unknown_fields(data, VISIT_FIELDS)
    visit = HomeVisit(case=case, author=actor, **data)
    _validate_visit(visit, case, children)
    if sign:
        visit.status = HomeVisit.Status.SIGNED
        visit.signed_at = timezone.now()
    visit.save()
    _save_children_seen(visit, children)
    audit_record(actor=actor, event=Event.CREATE, obj=visit, case=case)
    if sign:
        audit_record(actor=actor, event=Event.SIGN, obj=visit, case=case)
    return visit


@transaction.atomic
def visit_update(
    *,
    actor: User,
    case: Case,
    visit: HomeVisit,
    expected_version: int,
    data: Mapping[str, Any],
    children: list[ChildSeen],
) -> HomeVisit:
    """Edit a draft. A signed visit is final: corrections are addenda."""
    require_change(actor, case)
    current = HomeVisit.objects.select_for_update().get(pk=visit.pk, case=case)
    if current.is_signed:
        raise ValidationError(_("This visit is signed and final. Add an addendum instead."))
    if current.author_id != actor.pk:
        raise PermissionDenied
    if current.version != expected_version:
        raise StaleEdit(current)
    before = HomeVisit.objects.get(pk=current.pk)
    refuse_unknown_fields(data, VISIT_FIELDS)
    for name, value in data.items():
        setattr(current, name, value)
    _validate_visit(current, case, children)
    current.version = F("version") + 1
    current.save()
    current.refresh_from_db()
    _save_children_seen(current, children)
    audit_record(
        actor=actor,
        event=Event.CHANGE,
        obj=current,
        case=case,
        changes=changes_between(before, current),
    )
    return current


@transaction.atomic
def visit_sign(*, actor: User, case: Case, visit: HomeVisit, expected_version: int) -> HomeVisit:
    require_change(actor, case)
    current = HomeVisit.objects.select_for_update().get(pk=visit.pk, case=case)
    if current.is_signed:
        raise ValidationError(_("This visit is already signed."))
    if current.author_id != actor.pk:
        raise PermissionDenied
    if current.version != expected_version:
        raise StaleEdit(current)
    HomeVisit.objects.filter(pk=current.pk).update(
        status=HomeVisit.Status.SIGNED, signed_at=timezone.now(), version=F("version") + 1
    )
    current.refresh_from_db()
    audit_record(actor=actor, event=Event.SIGN, obj=current, case=case)
    return current


@transaction.atomic
def visit_addendum_add(*, actor: User, case: Case, visit: HomeVisit, text: str) -> VisitAddendum:
    require_change(actor, case)
    if visit.case_id != case.pk:
        raise PermissionDenied
    if not visit.is_signed:
        raise ValidationError(_("A draft can still be edited: addenda are for signed visits."))
    addendum = VisitAddendum(visit=visit, author=actor, text=text.strip())
    addendum.full_clean()
    addendum.save()
    audit_record(actor=actor, event=Event.ADDENDUM, obj=addendum, case=case)
    return addendum


# --- Sessions ------------------------------------------------------------------------------


def user_end_sessions(
    *,
    actor: User | None,
    user: User,
    reason: str = "signed out everywhere",
    keep_request: HttpRequest | None = None,
) -> None:
    """End every session and API token of `user` ("sign out everywhere").

    Raising the session epoch changes the hash Django checks each session against, so every
    browser signed in as `user` is signed out on its next request; the API tokens are deleted.
    With `keep_request` (a password change, say) the session making that request is re-signed
    with the new hash and stays open.
    """
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
        user.refresh_from_db(fields=["session_epoch"])
        tokens, _deleted = Token.objects.filter(user=user).delete()
        audit_record(
            actor=actor,
            event=Event.LOGOUT,
            obj=user,
            reason=reason,
            extra={
                "everywhere": True,
                "tokens_revoked": tokens,
                "kept_this_session": bool(keep_request),
            },
        )
    if keep_request is not None:
        update_session_auth_hash(keep_request, user)


@transaction.atomic
def user_token_revoke(*, actor: User, user: User) -> None:
    """Delete `user`'s API token (asking for one again gives a new one)."""
    tokens, _deleted = Token.objects.filter(user=user).delete()
    audit_record(
        actor=actor,
        event=Event.LOGOUT,
        obj=user,
        reason="token revoked",
        extra={"method": "token", "tokens_revoked": tokens},
    )
