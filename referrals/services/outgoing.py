"""Outgoing referrals: drafted by the worker, sent under consent (or a supervisor's
best-interests override), then acknowledged, accepted or declined, and completed by the
service's partner staff; withdrawn by the agency at any stage before it ends.

    draft → sent → acknowledged → accepted → completed
                              ↘ declined
    (any stage not final) → withdrawn
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.access import case_permissions
from casework.audit import Event, audit_record, changes_between
from casework.models import Case, Person, User
from casework.services import StaleEdit, refuse_unknown_fields, require_change, save_new_version

from .. import sharing
from ..models import Consent, HelpKind, OutgoingReferral, Service
from ..selectors import consent_check, is_active_partner

Status = OutgoingReferral.Status

REFERRAL_FIELDS = ("service", "help_kind", "need", "background", "follow_up_on", "shared_fields")


def _check_referral(referral: OutgoingReferral, case: Case, children: Sequence[Person]) -> None:
    errors: dict[str, list[str]] = {}
    referral.need = (referral.need or "").strip()
    referral.background = (referral.background or "").strip()
    if case.phase == Case.Phase.CLOSED:
        raise ValidationError(_("The case is closed. Re-open it before referring."))
    service: Service = referral.service
    kind: HelpKind = referral.help_kind
    if service.directory_of_id != case.team.organisation_id or not service.is_active:
        errors["service"] = [_("Choose a service in use from your organisation's directory.")]
    elif not service.kinds.filter(pk=kind.pk).exists():
        errors["help_kind"] = [
            _("%(service)s does not offer %(kind)s.")
            % {"service": service.name, "kind": kind.label}
        ]
    if not referral.need:
        errors["need"] = [_("Say what the child needs from this service.")]
    try:
        referral.shared_fields = sharing.clean_codes(referral.shared_fields, "shared_fields")
    except ValidationError as error:
        errors.update(error.message_dict)
    if "background" in referral.shared_fields and not referral.background:
        errors.setdefault("background", []).append(
            _("Write the background summary to share, or do not share one.")
        )
    if not children:
        errors["children"] = [_("Choose at least one child to refer.")]
    elif any(child.family_id != case.family_id for child in children):
        errors["children"] = [_("Choose children of this family.")]
    if referral.follow_up_on is not None and referral.follow_up_on < timezone.localdate():
        errors["follow_up_on"] = [_("The follow-up date is in the past.")]
    try:
        referral.full_clean(exclude=["case", "created_by", "children"])
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(m for m in messages if m not in errors.get(name, []))
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def referral_draft(
    *,
    actor: User,
    case: Case,
    service: Service,
    help_kind: HelpKind,
    need: str,
    children: Sequence[Person],
    shared_fields: Sequence[str] | None = None,
    background: str = "",
    follow_up_on: datetime.date | None = None,
) -> OutgoingReferral:
    """Start a referral of children of the case to a service of the directory, for a kind of
    help it offers (anyone who may change the case). `shared_fields` defaults to the
    need-to-know set for the kind (`referrals.sharing.default_fields`). Nothing leaves the
    organisation until `referral_send`."""
    require_change(actor, case)
    referral = OutgoingReferral(
        case=case,
        service=service,
        help_kind=help_kind,
        need=need,
        shared_fields=(
            list(shared_fields)
            if shared_fields is not None
            else sharing.default_fields(help_kind.code)
        ),
        background=background,
        follow_up_on=follow_up_on,
        created_by=actor,
    )
    _check_referral(referral, case, children)
    referral.save()
    referral.children.set(children)
    audit_record(
        actor=actor,
        event=Event.CREATE,
        obj=referral,
        case=case,
        extra={
            "service": service.pk,
            "help_kind": help_kind.code,
            "fields": referral.shared_fields,
            "children": sorted(c.pk for c in children),
        },
    )
    return referral


def _lock(referral: OutgoingReferral, expected_version: int | None) -> OutgoingReferral:
    current = (
        OutgoingReferral.objects.select_for_update()
        .select_related("case__team__organisation", "case__family", "case__worker", "service")
        .get(pk=referral.pk)
    )
    if expected_version is not None and current.version != expected_version:
        raise StaleEdit(current)
    return current


@transaction.atomic
def referral_update(
    *,
    actor: User,
    referral: OutgoingReferral,
    expected_version: int,
    data: Mapping[str, Any],
    children: Sequence[Person] | None = None,
) -> OutgoingReferral:
    """Edit a draft (REFERRAL_FIELDS; `children`, when given, replaces the list)."""
    require_change(actor, referral.case)
    refuse_unknown_fields(data, REFERRAL_FIELDS)
    current = _lock(referral, None)
    if current.status != Status.DRAFT:
        raise ValidationError(_("Only a draft can be edited: this referral has been sent."))
    if current.version != expected_version:
        raise StaleEdit(current)
    before = OutgoingReferral.objects.get(pk=current.pk)
    old_children = sorted(current.children.values_list("pk", flat=True))
    for name, value in data.items():
        setattr(current, name, value)
    new_children = list(children) if children is not None else list(current.children.all())
    _check_referral(current, current.case, new_children)
    save_new_version(current)
    changes = changes_between(before, current)
    if children is not None:
        current.children.set(new_children)
        new_ids = sorted(c.pk for c in new_children)
        if new_ids != old_children:
            changes["children"] = [",".join(map(str, old_children)), ",".join(map(str, new_ids))]
    audit_record(actor=actor, event=Event.CHANGE, obj=current, case=current.case, changes=changes)
    return current


@transaction.atomic
def referral_send(
    *,
    actor: User,
    referral: OutgoingReferral,
    expected_version: int,
    override_reason: str = "",
) -> OutgoingReferral:
    """Send a draft: the consent check is made here, on the server, every time.

    A consent of the case must cover the service (itself, or the kind of help the referral is
    for), every chosen field, and be in force today (not withdrawn, not expired). Without one,
    a social worker is refused with a message naming what is missing; a supervisor of the
    case's team may send only with a written best-interests `override_reason`.

    What is sent is a snapshot: the chosen fields of the chosen children as they are now
    (`shared_data`), and the agency's contact (the allocated worker). One SHARE event on the
    case says what was shared with whom under which consent, or the override and its reason.
    """
    case = referral.case
    require_change(actor, case)
    current = _lock(referral, None)
    if current.status != Status.DRAFT:
        raise ValidationError(_("This referral has already been sent."))
    if current.version != expected_version:
        raise StaleEdit(current)
    case = current.case
    children = list(current.children.order_by("pk"))
    _check_referral(current, case, children)
    # Hold the case's consents still while checking them: a withdrawal being recorded at this
    # moment either lands first (and counts) or waits until this share is on record.
    list(Consent.objects.select_for_update().filter(case=case).values_list("pk", flat=True))
    check = consent_check(case, current.service, current.shared_fields, current.help_kind)
    override_reason = override_reason.strip()
    if check.consent is None:
        perms = case_permissions(actor, case)
        if actor.role != User.Role.SUPERVISOR or "export" not in perms:
            hint = _(
                "Record the family's consent, or ask a supervisor to decide whether sharing "
                "without it is in the child's best interests."
            )
            raise ValidationError(
                {"consent": ValidationError(f"{check.message} {hint}", code="consent_missing")}
            )
        if not override_reason:
            hint = _(
                "To share without consent, write why it is in the child's best interests (for "
                "example, to protect the child)."
            )
            raise ValidationError(
                {
                    "override_reason": ValidationError(
                        f"{check.message} {hint}", code="override_reason_missing"
                    )
                }
            )
    overridden = check.consent is None
    today = timezone.localdate()
    current.shared_data = sharing.snapshot(
        sharing.ShareContext(
            case=case,
            children=children,
            need=current.need,
            background=current.background,
            on=today,
        ),
        current.shared_fields,
    )
    current.contact = {
        "agency": case.team.organisation.name,
        "name": case.worker.display_name,
        "phone": case.worker.phone,
    }
    current.consent = check.consent
    current.override_reason = override_reason if overridden else ""
    current.override_by = actor if overridden else None
    current.status = Status.SENT
    current.sent_at = timezone.now()
    current.sent_by = actor
    save_new_version(current)
    audit_record(
        actor=actor,
        event=Event.SHARE,
        obj=current,
        case=case,
        changes={"status": [Status.DRAFT, Status.SENT]},
        reason=current.override_reason,
        extra={
            "service": current.service_id,
            "service_name": current.service.name,
            "provider": current.service.provider,
            "help_kind": current.help_kind.code,
            "fields": current.shared_fields,
            "children": [c.pk for c in children],
            "consent": check.consent.pk if check.consent is not None else None,
            "override": overridden,
        },
    )
    return current


def _move(
    *,
    actor: User,
    current: OutgoingReferral,
    to: str,
    event: str,
    stamp: str,
    reason: str = "",
    text_field: str | None = None,
) -> OutgoingReferral:
    before = current.status
    current.status = to
    setattr(current, stamp, timezone.now())
    if text_field is not None:
        setattr(current, text_field, reason)
    current.full_clean(exclude=["case", "service", "help_kind", "created_by"])
    save_new_version(current)
    audit_record(
        actor=actor,
        event=event,
        obj=current,
        case=current.case,
        changes={"status": [before, to]},
        reason=reason,
        extra={"service": current.service_id},
    )
    return current


def _partner_lock(
    actor: User, referral: OutgoingReferral, expected_version: int | None
) -> OutgoingReferral:
    """Only an active partner account of the referral's service acts for the service."""
    if (
        not is_active_partner(actor)
        or not referral.service.partner_users.filter(pk=actor.pk).exists()
    ):
        raise PermissionDenied
    current = _lock(referral, None)
    if current.sent_at is None:
        raise PermissionDenied  # a draft does not exist for the service
    if expected_version is not None and current.version != expected_version:
        raise StaleEdit(current)
    return current


def _refuse_unless(current: OutgoingReferral, allowed: str, message: str) -> None:
    if current.status != allowed:
        now = _("It is %(status)s.") % {"status": current.get_status_display()}
        raise ValidationError(f"{message} {now}", code="wrong_status")


@transaction.atomic
def referral_acknowledge(
    *, actor: User, referral: OutgoingReferral, expected_version: int | None = None
) -> OutgoingReferral:
    """The service says it has received the referral (sent → acknowledged)."""
    current = _partner_lock(actor, referral, expected_version)
    _refuse_unless(current, Status.SENT, _("Only a referral just sent can be acknowledged."))
    return _move(
        actor=actor,
        current=current,
        to=Status.ACKNOWLEDGED,
        event=Event.CHANGE,
        stamp="acknowledged_at",
    )


@transaction.atomic
def referral_accept(
    *, actor: User, referral: OutgoingReferral, expected_version: int | None = None
) -> OutgoingReferral:
    """The service takes the child on (acknowledged → accepted)."""
    current = _partner_lock(actor, referral, expected_version)
    _refuse_unless(current, Status.ACKNOWLEDGED, _("Acknowledge the referral before accepting it."))
    return _move(
        actor=actor, current=current, to=Status.ACCEPTED, event=Event.CHANGE, stamp="decided_at"
    )


@transaction.atomic
def referral_decline(
    *,
    actor: User,
    referral: OutgoingReferral,
    reason: str,
    expected_version: int | None = None,
) -> OutgoingReferral:
    """The service cannot help, and says why (acknowledged → declined)."""
    current = _partner_lock(actor, referral, expected_version)
    _refuse_unless(current, Status.ACKNOWLEDGED, _("Acknowledge the referral before declining it."))
    if not reason.strip():
        raise ValidationError({"decline_reason": _("Say why the service declines the referral.")})
    return _move(
        actor=actor,
        current=current,
        to=Status.DECLINED,
        event=Event.CHANGE,
        stamp="decided_at",
        reason=reason.strip(),
        text_field="decline_reason",
    )


@transaction.atomic
def referral_complete(
    *,
    actor: User,
    referral: OutgoingReferral,
    outcome: str,
    expected_version: int | None = None,
) -> OutgoingReferral:
    """The service records the outcome of its work (accepted → completed)."""
    current = _partner_lock(actor, referral, expected_version)
    _refuse_unless(current, Status.ACCEPTED, _("Only an accepted referral can be completed."))
    if not outcome.strip():
        raise ValidationError({"outcome": _("Record the outcome for the child.")})
    return _move(
        actor=actor,
        current=current,
        to=Status.COMPLETED,
        event=Event.CHANGE,
        stamp="completed_at",
        reason=outcome.strip(),
        text_field="outcome",
    )


@transaction.atomic
def referral_withdraw(
    *,
    actor: User,
    referral: OutgoingReferral,
    reason: str,
    expected_version: int | None = None,
) -> OutgoingReferral:
    """The agency withdraws a referral that has not ended (anyone who may change the case),
    with a reason; the service then sees it withdrawn. A withdrawn draft was never sent."""
    require_change(actor, referral.case)
    current = _lock(referral, expected_version)
    if current.is_final:
        raise ValidationError(
            _("This referral has ended (%(status)s): it cannot be withdrawn.")
            % {"status": current.get_status_display()}
        )
    if not reason.strip():
        raise ValidationError({"withdraw_reason": _("Say why the referral is withdrawn.")})
    return _move(
        actor=actor,
        current=current,
        to=Status.WITHDRAWN,
        event=Event.WITHDRAW,
        stamp="withdrawn_at",
        reason=reason.strip(),
        text_field="withdraw_reason",
    )


@transaction.atomic
def referral_follow_up_set(
    *,
    actor: User,
    referral: OutgoingReferral,
    expected_version: int,
    follow_up_on: datetime.date | None,
) -> OutgoingReferral:
    """When the worker will check how the referral is going (any stage before it ends)."""
    require_change(actor, referral.case)
    current = _lock(referral, expected_version)
    if current.is_final:
        raise ValidationError(_("This referral has ended: there is nothing to follow up."))
    if follow_up_on is not None and follow_up_on < timezone.localdate():
        raise ValidationError({"follow_up_on": _("The follow-up date is in the past.")})
    before = current.follow_up_on
    current.follow_up_on = follow_up_on
    save_new_version(current)
    audit_record(
        actor=actor,
        event=Event.CHANGE,
        obj=current,
        case=current.case,
        changes={
            "follow_up_on": [
                before.isoformat() if before else None,
                follow_up_on.isoformat() if follow_up_on else None,
            ]
        },
    )
    return current
