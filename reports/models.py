"""Exports of a case as PDF: who asked for which document, why, and where it stands.

An export is a purposeful act (issue 8): it names its purpose, it is audited, and its file lives
for a day. The row outlives the file, so the audit trail and the exporter's list still say what
was exported after the PDF itself has been deleted.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from casework.models import Case, User

CASE_FILE = "case_file"


class CaseExport(models.Model):
    class Purpose(models.TextChoices):
        COURT = "court", _("Court proceedings")
        TRANSFER = "transfer", _("Transfer to another agency")
        AUDIT = "audit", _("Audit or inspection")
        FAMILY = "family", _("The family asked for it")
        OTHER = "other", _("Other (say what)")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to be prepared")
        RENDERING = "rendering", _("Being prepared")
        READY = "ready", _("Ready to download")
        FAILED = "failed", _("Could not be prepared")
        EXPIRED = "expired", _("Deleted after 24 hours")

    # Not a counter: an export's address must not let anybody guess another one's.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="exports")
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    # "case_file", or the key of a registered short document ("review_minutes", "family_plan").
    document = models.CharField(_("document"), max_length=40)
    # The record a short document is about (a review's id); none for the case file.
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    sections = models.JSONField(_("sections"), default=list, blank=True)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    purpose_detail = models.CharField(_("purpose, in your words"), max_length=300, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    # A worker holds a rendering until then; after it, another worker may take it over.
    lease_until = models.DateTimeField(null=True, blank=True)
    requested_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    # The file's name in the private export storage (settings.EXPORT_ROOT); empty once deleted.
    file_name = models.CharField(max_length=100, blank=True)
    pages = models.PositiveIntegerField(null=True, blank=True)
    size_bytes = models.PositiveBigIntegerField(null=True, blank=True)
    # Shown to the exporter: why it failed, in words that help (never a traceback).
    failure = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-requested_at"]
        indexes = [
            models.Index(fields=["case", "requested_by", "-requested_at"]),
            models.Index(fields=["status", "expires_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(purpose="other") | ~Q(purpose_detail=""),
                name="export_other_purpose_said",
            ),
            models.CheckConstraint(
                condition=~Q(status="ready") | ~Q(file_name=""),
                name="export_ready_has_file",
            ),
        ]

    def __str__(self) -> str:
        # Kept as the audit trail's record name: the document and when, not who or why.
        return f"PDF {self.document.replace('_', ' ')}, {self.requested_at:%Y-%m-%d %H:%M} UTC"

    @property
    def is_case_file(self) -> bool:
        return self.document == CASE_FILE

    @property
    def is_pending(self) -> bool:
        return self.status in {self.Status.QUEUED, self.Status.RENDERING}

    @property
    def purpose_text(self) -> str:
        """The purpose as it prints on every page: the exporter's words for "other"."""
        if self.purpose == self.Purpose.OTHER:
            return self.purpose_detail
        label = str(self.get_purpose_display())
        if not self.purpose_detail:
            return label
        return _("%(purpose)s: %(detail)s") % {"purpose": label, "detail": self.purpose_detail}
