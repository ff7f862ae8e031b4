"""The security app's records: seals over the audit trail, and emergency access.

Seals: each covers the audit events after the previous seal's last one, up to its own last one,
in id order. See `security/seals.py` for how seals are made and checked, and what they prove.

Emergency access ("break the glass"): see `security/emergency.py`.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.models import Case


class AuditSeal(models.Model):
    """One link of the chain. Append-only: on PostgreSQL a trigger refuses UPDATE and DELETE."""

    # 1, 2, 3… without gaps: a missing number is a deleted seal.
    sequence = models.PositiveBigIntegerField(_("sequence number"), unique=True)
    first_event_id = models.BigIntegerField(_("first audit event"), unique=True)
    last_event_id = models.BigIntegerField(_("last audit event"), unique=True)
    event_count = models.PositiveIntegerField(_("number of audit events"))
    # Ids between the first and the last that held no event when sealed (a transaction that
    # rolled back used them), as [from, to] pairs: an event there now was added afterwards.
    gaps = models.JSONField(_("unused ids"), default=list, blank=True)
    # The first 8 bytes of each sealed event's SHA-256, in id order: they only say *which*
    # event changed when the seal no longer matches; events_hash is what proves it.
    event_digests = models.BinaryField(_("digests of each event"))
    events_hash = models.CharField(_("hash of the sealed events"), max_length=64)
    # The previous seal's seal_hash, or 64 zeros for the first seal; unique, so the chain
    # cannot fork.
    previous_hash = models.CharField(_("hash of the previous seal"), max_length=64, unique=True)
    seal_hash = models.CharField(_("hash of this seal"), max_length=64, unique=True)
    sealed_at = models.DateTimeField(_("sealed at"))
    # How events are written out before hashing (security.seals.SEALED_FIELDS); a new column
    # in the audit table means a new format, so that older seals still verify.
    format = models.PositiveSmallIntegerField(_("format"), default=1)

    class Meta:
        verbose_name = _("audit seal")
        verbose_name_plural = _("audit seals")
        ordering = ["sequence"]
        constraints = [
            models.CheckConstraint(
                condition=Q(sequence__gte=1), name="audit_seal_sequence_from_one"
            ),
            models.CheckConstraint(
                condition=Q(first_event_id__lte=F("last_event_id")),
                name="audit_seal_range_in_order",
            ),
            models.CheckConstraint(condition=Q(event_count__gte=1), name="audit_seal_not_empty"),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} ({self.first_event_id}-{self.last_event_id})"


class EmergencyAccess(models.Model):
    """A supervisor's or administrator's time-limited view of a case they had no grant for.

    A fact like any other: while it is active (not revoked, not past `expires_at`), the grant
    source in `security/emergency.py` gives its holder view access. `closed_at` is set once the
    grants have been re-derived after it ended (by revocation, or by the periodic sweep after
    expiry), so at most one open access exists per person and case.
    """

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person given access"),
        on_delete=models.PROTECT,
        related_name="emergency_accesses",
    )
    reason = models.TextField(_("reason"))
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    expires_at = models.DateTimeField(_("ends"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    revoke_reason = models.TextField(_("why it was ended early"), blank=True)
    closed_at = models.DateTimeField(_("grants removed"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    review_note = models.TextField(_("review note"), blank=True)

    class Meta:
        verbose_name = _("emergency access")
        verbose_name_plural = _("emergency accesses")
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "user"],
                condition=Q(closed_at__isnull=True),
                name="emergency_access_one_open_per_person",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("started_at")), name="emergency_access_ends_later"
            ),
        ]
        indexes = [
            # The door's banner lookup and the grant source: open accesses of a case.
            models.Index(
                fields=["case", "user"],
                condition=Q(closed_at__isnull=True),
                name="emergency_access_open",
            ),
            # The sweep: open accesses by end time.
            models.Index(
                fields=["expires_at"],
                condition=Q(closed_at__isnull=True),
                name="emergency_access_to_close",
            ),
        ]

    def __str__(self) -> str:
        return _("Emergency access #%(number)s") % {"number": self.pk}

    def is_active(self, now: datetime.datetime | None = None) -> bool:
        return self.revoked_at is None and self.expires_at > (now or timezone.now())


class EmergencyNotice(models.Model):
    """Who is told about an emergency access, and whether their e-mail has gone (sent once)."""

    access = models.ForeignKey(EmergencyAccess, on_delete=models.CASCADE, related_name="notices")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["access", "user"], name="emergency_notice_once")
        ]

    def __str__(self) -> str:
        return f"{self.access_id} → {self.user_id}"
