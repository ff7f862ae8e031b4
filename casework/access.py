"""The need-to-know door: who may see and change which case, derived from facts.

Rules 1 and 2 of DESIGN.md live here. Grants are django-guardian object permissions (direct
foreign-key models CaseUserObjectPermission / CaseGroupObjectPermission), but nobody assigns
them by hand: `sync_case_grants` recomputes them from the facts of a case — its allocated and
covering workers, its team's supervisors, its organisation's administrators, and whatever the
phase apps contribute through `register_grant_source` (a review's chair, a referral's
recipient, emergency access). Every service that changes a fact calls it in its transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Literal, TypeGuard, TypeVar

from django.contrib.auth.models import AnonymousUser, Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db import transaction
from django.db.models import Exists, Expression, Model, OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from .models import Case, CaseGroupObjectPermission, CaseUserObjectPermission, User

# The largest primary key a row can have (PostgreSQL bigint).
MAX_ID = 2**63 - 1

Perm = Literal["view", "change", "export"]
PERMS: tuple[Perm, ...] = ("view", "change", "export")
WORKER_PERMS: frozenset[Perm] = frozenset({"view", "change"})
SUPERVISOR_PERMS: frozenset[Perm] = frozenset({"view", "change", "export"})
ADMINISTRATOR_PERMS: frozenset[Perm] = frozenset({"view", "export"})

# A grant source returns {user id: perms} for one case; phase apps register theirs.
GrantSource = Callable[[Case], dict[int, frozenset[Perm]]]
_grant_sources: list[GrantSource] = []


def register_grant_source(source: GrantSource) -> None:
    """Phase apps add facts that grant access (called from their AppConfig.ready())."""
    if source not in _grant_sources:
        _grant_sources.append(source)


# A door annotation is a value the door computes in the same query as the case it hands out,
# for the person asking (security's emergency access puts its end time there, so that every page
# of the case can show the banner without a query of its own): name -> expression for a user.
DoorAnnotation = Callable[[User], Expression | Subquery]
_door_annotations: dict[str, DoorAnnotation] = {}


def register_door_annotation(name: str, annotation: DoorAnnotation) -> None:
    """Apps add an annotation to the case `get_case_for` returns (from AppConfig.ready())."""
    _door_annotations[name] = annotation


def codename(perm: Perm) -> str:
    return f"{perm}_case"


def _permission_ids() -> dict[Perm, int]:
    rows = Permission.objects.filter(
        content_type__app_label="casework", codename__in=[codename(p) for p in PERMS]
    ).values_list("codename", "pk")
    by_codename = dict(rows)
    return {perm: by_codename[codename(perm)] for perm in PERMS}


def user_grants_from_facts(case: Case) -> dict[int, frozenset[Perm]]:
    grants: dict[int, set[Perm]] = {}
    holders = [case.worker_id, case.covering_worker_id]
    for user_id in holders:
        if user_id is not None:
            grants.setdefault(user_id, set()).update(WORKER_PERMS)
    for source in _grant_sources:
        for user_id, perms in source(case).items():
            grants.setdefault(user_id, set()).update(perms)
    return {user_id: frozenset(perms) for user_id, perms in grants.items()}


def group_grants_from_facts(case: Case) -> dict[int, frozenset[Perm]]:
    grants: dict[int, frozenset[Perm]] = {}
    team = case.team
    if team.supervisors_group_id is not None:
        grants[team.supervisors_group_id] = SUPERVISOR_PERMS
    administrators = team.organisation.administrators_group_id
    if administrators is not None:
        grants[administrators] = ADMINISTRATOR_PERMS
    return grants


@transaction.atomic
def sync_case_grants(case: Case) -> None:
    """Make the case's object permissions exactly what its facts say. Safe to run twice."""
    ids = _permission_ids()
    wanted_users = {
        (user_id, ids[perm])
        for user_id, perms in user_grants_from_facts(case).items()
        for perm in perms
    }
    wanted_groups = {
        (group_id, ids[perm])
        for group_id, perms in group_grants_from_facts(case).items()
        for perm in perms
    }
    have_users = set(
        CaseUserObjectPermission.objects.filter(content_object=case).values_list(
            "user_id", "permission_id"
        )
    )
    have_groups = set(
        CaseGroupObjectPermission.objects.filter(content_object=case).values_list(
            "group_id", "permission_id"
        )
    )
    for user_id, permission_id in have_users - wanted_users:
        CaseUserObjectPermission.objects.filter(
            content_object=case, user_id=user_id, permission_id=permission_id
        ).delete()
    CaseUserObjectPermission.objects.bulk_create(
        CaseUserObjectPermission(content_object=case, user_id=user_id, permission_id=perm_id)
        for user_id, perm_id in wanted_users - have_users
    )
    for group_id, permission_id in have_groups - wanted_groups:
        CaseGroupObjectPermission.objects.filter(
            content_object=case, group_id=group_id, permission_id=permission_id
        ).delete()
    CaseGroupObjectPermission.objects.bulk_create(
        CaseGroupObjectPermission(content_object=case, group_id=group_id, permission_id=perm_id)
        for group_id, perm_id in wanted_groups - have_groups
    )


# Permission ids per (Case content type id, perm): they never change while the content type
# stays (ContentType's own cache is keyed the same way, and is cleared when types are remade).
_permission_id_cache: dict[tuple[int, Perm], int] = {}


def _permission_id(perm: Perm) -> int:
    content_type_id = ContentType.objects.get_for_model(Case).pk
    key = (content_type_id, perm)
    if key not in _permission_id_cache:
        _permission_id_cache[key] = Permission.objects.get(
            content_type_id=content_type_id, codename=codename(perm)
        ).pk
    return _permission_id_cache[key]


def _group_ids(user: User) -> list[int] | QuerySet[Any]:
    """The user's groups: the ids loaded with the signed-in user, else a subquery."""
    loaded: list[int] | None = getattr(user, "door_group_ids", None)
    if loaded is not None:
        return [group_id for group_id in loaded if group_id is not None]
    return User.groups.through.objects.filter(user_id=user.pk).values("group_id")


def _granted(user: User, perm: Perm) -> Q:
    """Cases on which `user` holds `perm`, directly or through one of their groups.

    The permission and the groups are constants in the SQL, not subqueries: with them PostgreSQL
    probes the grant index per case as it walks a list's order (the newest page of a million
    cases in a millisecond); with subqueries it hashes every grant first (bench/, issue 10).
    """
    permission_id = _permission_id(perm)
    granted = Q(
        Exists(
            CaseUserObjectPermission.objects.filter(
                content_object=OuterRef("pk"), user_id=user.pk, permission_id=permission_id
            )
        )
    )
    group_ids = _group_ids(user)
    if not isinstance(group_ids, list) or group_ids:
        granted |= Q(
            Exists(
                CaseGroupObjectPermission.objects.filter(
                    content_object=OuterRef("pk"),
                    group_id__in=group_ids,
                    permission_id=permission_id,
                )
            )
        )
    return granted


def _may_hold_cases(user: User | AnonymousUser) -> TypeGuard[User]:
    # Partners reach what is shared with them through referrals, never through cases.
    return isinstance(user, User) and user.is_active and user.role != User.Role.PARTNER


def cases_visible_to(
    user: User | AnonymousUser,
    *,
    perm: Perm = "view",
    queryset: QuerySet[Case] | None = None,
) -> QuerySet[Case]:
    """Every case `user` may see (or change, or export): one SQL query, no per-row checks."""
    base = queryset if queryset is not None else Case.objects.all()
    if not _may_hold_cases(user):
        return base.none()
    return base.filter(_granted(user, perm))


def case_permissions(user: User | AnonymousUser, case: Case) -> frozenset[Perm]:
    """What `user` may do with this case, in one query."""
    if not _may_hold_cases(user):
        return frozenset()
    group_ids = Group.objects.filter(user=user).values("pk")
    direct = CaseUserObjectPermission.objects.filter(content_object=case, user=user)
    via_groups = CaseGroupObjectPermission.objects.filter(content_object=case, group__in=group_ids)
    codenames = set(
        direct.values_list("permission__codename", flat=True).union(
            via_groups.values_list("permission__codename", flat=True)
        )
    )
    return frozenset(p for p in PERMS if codename(p) in codenames)


def get_case_for(
    user: User | AnonymousUser,
    case_id: int | str,
    *,
    perm: Perm = "view",
    queryset: QuerySet[Case] | None = None,
) -> Case:
    """The one door to a case. Missing and forbidden both answer 404; seen but not allowed, 403.

    Every refusal leaves an audit event, so that somebody trying references is noticed.
    """
    from .audit import Event, audit_record

    actor = user if isinstance(user, User) else None
    try:
        pk: int | None = int(case_id)
    except (TypeError, ValueError):
        pk = None
    if pk is not None and not 0 < pk <= MAX_ID:
        pk = None  # an id no row can have (PostgreSQL would refuse to compare it)
    case = None
    if pk is not None:
        visible = cases_visible_to(user, queryset=queryset).filter(pk=pk)
        if _may_hold_cases(user) and _door_annotations:
            visible = visible.annotate(
                **{name: make(user) for name, make in _door_annotations.items()}
            )
        case = visible.first()
    if case is None:
        # A refused reach of a real case goes on that case's trail, so the people responsible
        # for it see who tried; the person refused sees the same 404 either way.
        existing = Case.objects.filter(pk=pk).first() if pk is not None else None
        audit_record(
            actor=actor,
            event=Event.REFUSED,
            model=Case,
            object_pk=str(case_id)[:100],
            case=existing,
            reason="not found" if existing is None else "no grant",
        )
        raise Http404
    if perm != "view" and perm not in case_permissions(user, case):
        audit_record(actor=actor, event=Event.REFUSED, obj=case, case=case, reason=f"needs {perm}")
        raise PermissionDenied
    return case


def users_with_access(case: Case) -> QuerySet[User]:
    """Everybody who may view the case today (for the supervisor's 'who can see this')."""
    return User.objects.filter(
        Q(
            pk__in=CaseUserObjectPermission.objects.filter(
                content_object=case, permission__codename="view_case"
            ).values("user_id")
        )
        | Q(
            groups__in=CaseGroupObjectPermission.objects.filter(
                content_object=case, permission__codename="view_case"
            ).values("group_id")
        )
    ).distinct()


def resync_grants(cases: Iterable[Case]) -> None:
    for case in cases:
        sync_case_grants(case)


M = TypeVar("M", bound=Model)


def get_record_for(user: User | AnonymousUser, case: Case, queryset: QuerySet[M], pk: object) -> M:
    """A record that belongs to `case` (already through the door), or an audited 404.

    `queryset` must already be limited to the case (e.g. case.visits.all()), so that an id from
    another case answers exactly like a missing one.
    """
    from .audit import Event, audit_record

    try:
        record_id = int(str(pk))
        if not 0 < record_id <= MAX_ID:
            raise ValueError(record_id)
        return queryset.get(pk=record_id)
    except (ValueError, ObjectDoesNotExist):
        audit_record(
            actor=user if isinstance(user, User) else None,
            event=Event.REFUSED,
            model=queryset.model,
            object_pk=str(pk)[:100],
            case=case,
            reason="not found",
        )
        raise Http404 from None
