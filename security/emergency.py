"""Emergency access ("break the glass"): a fact that grants view access for a few hours.

A supervisor or administrator who needs a case they have no grant for asks for it with a written
reason. The request is a fact (an `EmergencyAccess` row); the grant follows from it through the
grant source below, like every other grant (DESIGN rule 2). It is loud on purpose:

- the door marks the case with `emergency_until` (a door annotation), so every page of the case
  shows a banner and every read is audited with `emergency` set;
- the case's worker and its team's supervisors are told in the app (the "emergency_access" case
  event, which the reviews app turns into notifications) and by e-mail, each exactly once;
- it appears on the case's access page and in the organisation's report, where an administrator
  reviews it;
- it ends by itself: `emergency_sweep` (Celery beat, every EMERGENCY_ACCESS_SWEEP_SECONDS)
  re-derives the grants of every access past its end; the holder, the case's supervisors or an
  administrator can end it earlier.
"""

from __future__ import annotations

import datetime
import logging
import zoneinfo

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from casework.access import Perm, cases_visible_to, sync_case_grants
from casework.audit import Event, audit_record
from casework.hooks import case_event
from casework.models import Case, User

from .models import EmergencyAccess, EmergencyNotice

logger = logging.getLogger(__name__)

EMERGENCY_PERMS: frozenset[Perm] = frozenset({"view"})
REASON_MIN_LENGTH = 20
ROLES = (User.Role.SUPERVISOR, User.Role.ADMINISTRATOR)


def may_request(user: User | object) -> bool:
    """Supervisors and administrators of an agency may ask; nobody else sees the form."""
    return (
        isinstance(user, User)
        and user.is_active
        and user.organisation_id is not None
        and user.role in ROLES
    )


def _active(now: datetime.datetime | None = None) -> Q:
    return Q(revoked_at__isnull=True, expires_at__gt=now or timezone.now())


# --- The grant and the banner --------------------------------------------------------------


def emergency_grants(case: Case) -> dict[int, frozenset[Perm]]:
    """Grant source: view access for everyone holding an active emergency access to the case."""
    holders = EmergencyAccess.objects.filter(
        _active(), case=case, closed_at__isnull=True, user__is_active=True
    ).values_list("user_id", flat=True)
    return dict.fromkeys(holders, EMERGENCY_PERMS)


def emergency_until(user: User) -> Subquery:
    """Door annotation: when the asker's open emergency access to the case ends (or null).

    Open, not merely active: until the sweep closes an access that ran out (within
    EMERGENCY_ACCESS_SWEEP_SECONDS) its grant still lets the holder in, and what they read in
    that minute is still read through emergency access, so it is audited and bannered as such.
    """
    return Subquery(
        EmergencyAccess.objects.filter(
            case=OuterRef("pk"), user=user, closed_at__isnull=True, revoked_at__isnull=True
        )
        .order_by("-expires_at")
        .values("expires_at")[:1]
    )


# --- Who sees which accesses ------------------------------------------------------------------


def accesses_visible_to(user: User) -> QuerySet[EmergencyAccess]:
    """Administrators: their organisation's; supervisors: their own and their teams' cases'."""
    base = EmergencyAccess.objects.select_related("case", "user", "revoked_by", "reviewed_by")
    if not isinstance(user, User) or not user.is_active or user.organisation_id is None:
        return base.none()
    if user.role == User.Role.ADMINISTRATOR:
        return base.filter(case__team__organisation_id=user.organisation_id)
    if user.role == User.Role.SUPERVISOR:
        return base.filter(
            Q(user=user)
            | Q(
                case__team__supervisors_group__in=user.groups.values("pk"),
                case__team__organisation_id=user.organisation_id,
            )
        )
    return base.filter(user=user)


def may_end(user: User, access: EmergencyAccess) -> bool:
    """The holder, the case's team's supervisors and the organisation's administrators."""
    if access.user_id == user.pk:
        return True
    return accesses_visible_to(user).filter(pk=access.pk).exists()


def _recipients(case: Case, exclude: User) -> list[User]:
    """The case's worker (and covering worker) and its team's supervisors, active, not `exclude`."""
    team = case.team
    people = Q(pk__in=[pk for pk in (case.worker_id, case.covering_worker_id) if pk is not None])
    if team.supervisors_group_id is not None:
        people |= Q(groups=team.supervisors_group_id)
    return list(
        User.objects.filter(people, is_active=True).exclude(pk=exclude.pk).distinct().order_by("pk")
    )


# --- Asking, ending, reviewing -------------------------------------------------------------


def _audit_expired(access: EmergencyAccess) -> None:
    audit_record(
        actor=None,
        event=Event.EMERGENCY_END,
        obj=access.case,
        case=access.case,
        reason="expired",
        extra={"access": access.pk, "holder": access.user_id, "ended": "expired"},
    )


def _close_expired(case: Case, now: datetime.datetime) -> None:
    """Close the case's accesses that ran out but were not swept yet, as the sweep would.

    Their grants go at once: the request that called this asks next whether its actor can
    still see the case, and a grant the sweep has not removed yet must not answer that.
    """
    expired = list(
        EmergencyAccess.objects.select_for_update(of=("self",)).filter(
            case=case, closed_at__isnull=True, revoked_at__isnull=True, expires_at__lte=now
        )
    )
    for access in expired:
        access.case = case
        access.closed_at = now
        access.save(update_fields=["closed_at"])
        _audit_expired(access)
    if expired:
        sync_case_grants(case)


def emergency_request(*, actor: User, reference: str, reason: str) -> EmergencyAccess:
    """Give `actor` view access to the case with this reference for EMERGENCY_ACCESS_HOURS.

    Refused with a message (and nothing written) when the reason is too short, the case is not
    in the actor's organisation, or the actor can already see it.
    """
    if not may_request(actor) or actor.organisation_id is None:
        raise PermissionDenied
    organisation_id: int = actor.organisation_id
    reason = reason.strip()
    reference = reference.strip().upper()
    errors: dict[str, str] = {}
    if len(reason) < REASON_MIN_LENGTH:
        errors["reason"] = _(
            "Write why you need this case now, in at least %(count)d characters."
        ) % {"count": REASON_MIN_LENGTH}
    if not reference:
        errors["reference"] = _("Enter the case reference.")
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    with transaction.atomic():
        # Locking the case serialises two requests for it (and the grants written below).
        case = (
            Case.objects.select_for_update(of=("self",))
            .select_related("team__organisation")
            .filter(reference__iexact=reference, team__organisation_id=organisation_id)
            .first()
        )
        access = None if case is None else _take(actor=actor, case=case, reason=reason, now=now)
    if access is None:
        # Recorded outside the transaction above, which a refusal would roll back: somebody
        # trying references is noticed, as at the door.
        audit_record(
            actor=actor,
            event=Event.REFUSED,
            model=Case,
            object_pk=reference[:100],
            reason="emergency access: no such case in the organisation",
        )
        raise ValidationError(
            {"reference": _("There is no case with this reference in your organisation.")}
        )
    return access


def _take(*, actor: User, case: Case, reason: str, now: datetime.datetime) -> EmergencyAccess:
    """emergency_request's writes, in its transaction, with the case locked."""
    _close_expired(case, now)
    current = EmergencyAccess.objects.filter(
        _active(now), case=case, user=actor, closed_at__isnull=True
    ).first()
    if current is not None:
        local = timezone.localtime(current.expires_at, _zone(case))
        raise ValidationError(
            {
                "reference": _("You already have emergency access to this case until %(time)s.")
                % {"time": local.strftime("%H:%M")}
            }
        )
    if cases_visible_to(actor).filter(pk=case.pk).exists():
        raise ValidationError(
            {"reference": _("You can already open this case: emergency access is not needed.")}
        )
    access = EmergencyAccess.objects.create(
        case=case,
        user=actor,
        reason=reason,
        started_at=now,
        expires_at=now + datetime.timedelta(hours=settings.EMERGENCY_ACCESS_HOURS),
    )
    recipients = _recipients(case, exclude=actor)
    EmergencyNotice.objects.bulk_create(
        EmergencyNotice(access=access, user=user) for user in recipients
    )
    sync_case_grants(case)
    audit_record(
        actor=actor,
        event=Event.EMERGENCY,
        obj=case,
        case=case,
        reason=reason,
        extra={"access": access.pk, "until": access.expires_at.isoformat()},
    )
    case_event(
        "emergency_access",
        case=case,
        actor=actor,
        access=access,
        recipients=[user.pk for user in recipients],
    )
    transaction.on_commit(lambda: _enqueue_notices(access.pk))
    return access


def emergency_end(*, actor: User, access_id: int, reason: str = "") -> EmergencyAccess:
    """End an emergency access now. The holder needs no reason; anyone else must give one."""
    reason = reason.strip()
    with transaction.atomic():
        access = (
            EmergencyAccess.objects.select_for_update(of=("self",))
            .select_related("case__team")
            .filter(pk=access_id)
            .first()
        )
        if access is None or not may_end(actor, access):
            raise PermissionDenied
        now = timezone.now()
        if not access.is_active(now) or access.closed_at is not None:
            raise ValidationError(_("This emergency access has already ended."))
        if access.user_id != actor.pk and not reason:
            raise ValidationError({"revoke_reason": _("Say why you are ending this access.")})
        access.revoked_at = now
        access.revoked_by = actor
        access.revoke_reason = reason
        access.closed_at = now
        access.save(update_fields=["revoked_at", "revoked_by", "revoke_reason", "closed_at"])
        sync_case_grants(access.case)
        audit_record(
            actor=actor,
            event=Event.EMERGENCY_END,
            obj=access.case,
            case=access.case,
            reason=reason or "ended by the holder",
            extra={"access": access.pk, "holder": access.user_id, "ended": "revoked"},
        )
    return access


def emergency_review(*, actor: User, access_id: int, note: str) -> EmergencyAccess:
    """An administrator records that an emergency access was looked at, and what they found."""
    note = note.strip()
    if not isinstance(actor, User) or actor.role != User.Role.ADMINISTRATOR:
        raise PermissionDenied
    with transaction.atomic():
        access = (
            accesses_visible_to(actor).select_for_update(of=("self",)).filter(pk=access_id).first()
        )
        if access is None:
            raise PermissionDenied
        if not note:
            raise ValidationError({"review_note": _("Write what you found.")})
        if access.reviewed_at is not None:
            raise ValidationError(_("Someone has already reviewed this emergency access."))
        access.reviewed_at = timezone.now()
        access.reviewed_by = actor
        access.review_note = note
        access.save(update_fields=["reviewed_at", "reviewed_by", "review_note"])
        audit_record(
            actor=actor,
            event=Event.EMERGENCY_REVIEW,
            obj=access.case,
            case=access.case,
            reason=note,
            extra={"access": access.pk, "holder": access.user_id},
        )
    return access


# --- The sweep: ending accesses that ran out ---------------------------------------------------


def emergency_sweep(now: datetime.datetime | None = None) -> dict[str, int]:
    """Re-derive the grants of every access past its end, and send e-mails still owed.

    Safe to run twice at once: each access is taken under a row lock that the other skips.
    """
    now = now or timezone.now()
    due = list(
        EmergencyAccess.objects.filter(closed_at__isnull=True, expires_at__lte=now)
        .order_by("expires_at", "pk")
        .values_list("pk", flat=True)
    )
    ended = 0
    for access_id in due:
        with transaction.atomic():
            access = (
                EmergencyAccess.objects.select_for_update(of=("self",), skip_locked=True)
                .select_related("case")
                .filter(pk=access_id, closed_at__isnull=True)
                .first()
            )
            if access is None:
                continue
            access.closed_at = now
            access.save(update_fields=["closed_at"])
            sync_case_grants(access.case)
            _audit_expired(access)
            ended += 1
    # E-mails the on-commit task did not send (a broker down, a worker killed): a minute's grace
    # so that the sweep does not race the task it would duplicate.
    owed = (
        EmergencyNotice.objects.filter(
            emailed_at__isnull=True, access__started_at__lte=now - datetime.timedelta(minutes=1)
        )
        .values_list("access_id", flat=True)
        .distinct()
    )
    emailed = sum(emergency_notify(access_id) for access_id in list(owed))
    return {"ended": ended, "emailed": emailed}


# --- E-mail ----------------------------------------------------------------------------------


def _zone(case: Case) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(case.team.organisation.time_zone)


def message_id(notice: EmergencyNotice) -> str:
    """The same notice always has the same Message-ID, so a resent copy is known as one."""
    domain = settings.REVIEW_REMINDER_MESSAGE_DOMAIN
    return f"<emergency-{notice.access_id}-{notice.user_id}@{domain}>"


def _compose(notice: EmergencyNotice) -> EmailMessage:
    access = notice.access
    case = access.case
    zone = _zone(case)
    # The `date` filter shows times in the active time zone (a worker's is the server's), so
    # the organisation's zone is made the active one, as the pages do for their readers.
    with translation.override(notice.user.preferred_language), timezone.override(zone):
        context = {
            "user": notice.user,
            "holder": access.user,
            "case": case,
            "started": timezone.localtime(access.started_at, zone),
            "until": timezone.localtime(access.expires_at, zone),
            "site_url": settings.SITE_URL,
        }
        subject = render_to_string("security/email/emergency_subject.txt", context).strip()
        body = render_to_string("security/email/emergency.txt", context)
    return EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        to=[notice.user.email],
        headers={"Message-ID": message_id(notice)},
    )


def emergency_notify(access_id: int) -> int:
    """E-mail everyone still owed a message about this access, each once; returns how many.

    A message the mail server refuses stays owed (the sweep tries it again) and does not hold
    up the others'.
    """
    sent = 0
    failed: list[int] = []
    while True:
        with transaction.atomic():
            # The row lock is held while the message is handed over: a second sender skips it, and
            # a sender that dies leaves it unsent for the sweep (same Message-ID if resent).
            notice = (
                EmergencyNotice.objects.select_for_update(of=("self",), skip_locked=True)
                .select_related(
                    "user__organisation", "access__user", "access__case__team__organisation"
                )
                .filter(access_id=access_id, emailed_at__isnull=True)
                .exclude(pk__in=failed)
                .order_by("pk")
                .first()
            )
            if notice is None:
                return sent
            if notice.user.email:
                try:
                    _compose(notice).send()
                except Exception:
                    logger.exception(
                        "Could not e-mail user %s about emergency access %s; the sweep retries",
                        notice.user_id,
                        access_id,
                    )
                    failed.append(notice.pk)
                    continue
                sent += 1
            notice.emailed_at = timezone.now()
            notice.save(update_fields=["emailed_at"])


def _enqueue_notices(access_id: int) -> None:
    from .tasks import notify_emergency_access

    try:
        notify_emergency_access.delay(access_id)
    except Exception:
        # The broker is down: the sweep sends what is owed once it is back.
        logger.exception("Could not queue the e-mails of emergency access %s", access_id)
