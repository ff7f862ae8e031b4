"""Seals over the audit trail: a hash chain that shows whether sealed events were changed.

Each seal covers the audit events after the previous seal's last one, up to its own last one, in
id order. See `security/seals.py` for how seals are made and checked, and what they prove.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


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
