"""Every write of an export: asking for one, rendering it (once), and deleting it after a day.

At most once, at least once (DESIGN rule 6): a rendering is claimed with a conditional update
and a lease, so a task delivered twice, or two workers, render it once; a worker that died
leaves the lease to run out and the next delivery (or the cleanup sweep, which re-queues what
waited too long) takes it over. A worker that lost its claim throws its file away.
"""

from __future__ import annotations

import datetime
import logging
import os
import stat
import tempfile
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from casework.access import case_permissions
from casework.audit import Event, audit_record
from casework.documents import CaseFileSection, case_document, case_file_section
from casework.models import Case, User
from casework.pdf import PdfUnavailable, RenderedPdf, render_pdf

from .models import CASE_FILE, CaseExport
from .rendering import export_html

log = logging.getLogger(__name__)

Status = CaseExport.Status
# A case file still waiting this long was probably lost on the way to the worker.
REQUEUE_AFTER = datetime.timedelta(minutes=5)


def export_root() -> Path:
    """The private folder export files live in: only this user may list or enter it."""
    root = Path(settings.EXPORT_ROOT)
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    if stat.S_IMODE(root.stat().st_mode) != 0o700:  # made by somebody else (a volume mount)
        try:
            root.chmod(0o700)
        except PermissionError:
            log.warning("export folder %s is not private (mode %o)", root, root.stat().st_mode)
    return root


def export_path(export: CaseExport) -> Path | None:
    if not export.file_name:
        return None
    return export_root() / export.file_name


def _language(language: str) -> str:
    codes = {code for code, _name in settings.LANGUAGES}
    if language not in codes:
        raise ValidationError({"language": _("Choose English or Khmer.")})
    return language


@transaction.atomic
def export_request(
    *,
    actor: User,
    case: Case,
    document: str,
    purpose: str,
    language: str,
    purpose_detail: str = "",
    sections: Sequence[str] = (),
    subject_id: int | None = None,
) -> CaseExport:
    """Ask for a PDF of `case` (already through the door with "export"), for a stated purpose.

    The request is the audited act: it records who, which document, which sections and why.
    The case file is queued for the `pdf` worker; a short document is rendered by the caller
    with `export_render` straight after.
    """
    if "export" not in case_permissions(actor, case):
        raise PermissionDenied
    purpose_detail = purpose_detail.strip()
    if purpose not in CaseExport.Purpose.values:
        raise ValidationError({"purpose": _("Say why you are exporting this case.")})
    if purpose == CaseExport.Purpose.OTHER and not purpose_detail:
        raise ValidationError({"purpose_detail": _("Say in a few words what the export is for.")})
    if len(purpose_detail) > 300:
        raise ValidationError({"purpose_detail": _("Keep the purpose under 300 characters.")})
    language = _language(language)
    if isinstance(sections, str):  # one key, not its letters
        sections = [sections]
    chosen: list[str] = []
    if document == CASE_FILE:
        # One request of this person at a time: two tabs posting together must not both pass
        # the limit below (each would count the other's export as not there yet).
        User.objects.select_for_update().filter(pk=actor.pk).first()
        registered_sections: dict[str, CaseFileSection] = {}
        for key in sections:
            section = case_file_section(key)
            if section is None:
                raise ValidationError({"sections": _("Choose sections from the list.")})
            registered_sections[key] = section
        # They print in the case file's own order, whatever order the form sent them in.
        chosen = sorted(registered_sections, key=lambda k: (registered_sections[k].order, k))
        if not chosen:
            raise ValidationError({"sections": _("Tick at least one section to export.")})
        subject_id = None
        pending = CaseExport.objects.filter(
            requested_by=actor,
            document=CASE_FILE,
            status__in=[Status.QUEUED, Status.RENDERING],
            expires_at__gt=timezone.now(),
        ).count()
        if pending >= settings.EXPORT_MAX_PENDING:
            raise ValidationError(
                _(
                    "You already have %(count)s case files being prepared. Wait for them to "
                    "finish before asking for another."
                )
                % {"count": pending}
            )
    else:
        registered = case_document(document)
        if registered is None:
            raise ValidationError({"document": _("Choose a document from the list.")})
        available = {subject for subject, _label in registered.subjects(case)}
        if subject_id is None or subject_id not in available:
            raise ValidationError({"document": _("That document cannot be exported now.")})
    now = timezone.now()
    export = CaseExport.objects.create(
        case=case,
        requested_by=actor,
        document=document,
        subject_id=subject_id,
        sections=chosen,
        language=language,
        purpose=purpose,
        purpose_detail=purpose_detail,
        expires_at=now + datetime.timedelta(hours=settings.EXPORT_KEEP_HOURS),
    )
    audit_record(
        actor=actor,
        event=Event.EXPORT,
        obj=case,
        case=case,
        reason=export.purpose_text,
        extra={
            "export": str(export.pk),
            "document": document,
            "sections": chosen,
            "subject": subject_id,
            "language": language,
            "purpose": purpose,
        },
    )
    if document == CASE_FILE:
        transaction.on_commit(lambda: export_enqueue(export.pk))
    return export


def export_enqueue(export_id: uuid.UUID | str) -> bool:
    """Hand an export to the `pdf` queue. A broker that is down is not the user's problem: the
    export stays queued and the cleanup sweep hands it over again."""
    from .tasks import render_export

    try:
        # One quick retry, not Celery's default of several seconds inside the user's request.
        render_export.apply_async(
            args=(str(export_id),),
            queue=settings.EXPORT_QUEUE,
            retry_policy={"max_retries": 1, "interval_start": 0, "interval_step": 0.5},
        )
    except Exception:  # the broker is down or unreachable: retried by purge_exports
        log.exception("could not queue export %s; the cleanup sweep will retry", export_id)
        return False
    return True


def _takeable(now: datetime.datetime) -> Q:
    """Waiting, or held by a worker whose lease ran out (it died, or was killed)."""
    return Q(status=Status.QUEUED) | Q(status=Status.RENDERING, lease_until__lt=now)


def _as_pk(export_id: uuid.UUID | str) -> uuid.UUID | None:
    try:
        return export_id if isinstance(export_id, uuid.UUID) else uuid.UUID(str(export_id))
    except ValueError:
        return None


def _claim(export_id: uuid.UUID | str, now: datetime.datetime) -> CaseExport | None:
    """Take the rendering if nobody holds it: one conditional UPDATE, so only one worker wins."""
    pk = _as_pk(export_id)
    if pk is None:  # a garbled message: there is nothing it could be about
        return None
    lease_until = now + datetime.timedelta(seconds=settings.EXPORT_LEASE_SECONDS)
    claimed = (
        CaseExport.objects.filter(_takeable(now), pk=pk, expires_at__gt=now)
        .filter(attempts__lt=settings.EXPORT_MAX_ATTEMPTS)
        .update(
            status=Status.RENDERING,
            lease_until=lease_until,
            attempts=F("attempts") + 1,
            started_at=now,
        )
    )
    if not claimed:
        _give_up_if_exhausted(pk, now)
        return None
    return CaseExport.objects.select_related("requested_by").get(pk=pk)


def _give_up_if_exhausted(pk: uuid.UUID, now: datetime.datetime) -> bool:
    """An export that was tried EXPORT_MAX_ATTEMPTS times (it keeps killing workers) is not
    tried again: it fails, saying so in the exporter's language."""
    exhausted = CaseExport.objects.filter(
        _takeable(now), pk=pk, attempts__gte=settings.EXPORT_MAX_ATTEMPTS
    )
    language = exhausted.values_list("language", flat=True).first()
    if language is None:
        return False
    with translation.override(language):
        message = _("The case file could not be prepared. Try again with fewer sections.")
    return bool(
        exhausted.update(status=Status.FAILED, finished_at=now, lease_until=None, failure=message)
    )


def _fail(export: CaseExport, message: str) -> CaseExport:
    """Record why it failed, unless another worker has taken the rendering over meanwhile."""
    CaseExport.objects.filter(
        pk=export.pk, status=Status.RENDERING, attempts=export.attempts
    ).update(
        status=Status.FAILED, finished_at=timezone.now(), lease_until=None, failure=message[:300]
    )
    return CaseExport.objects.get(pk=export.pk)


def _write(export: CaseExport, content: bytes) -> str:
    """Write the file under a name of its own, atomically, readable by this user only."""
    root = export_root()
    name = f"{export.pk}-{export.attempts}.pdf"
    # mkstemp creates the file with mode 0600 from the start: never readable by others.
    handle, temporary = tempfile.mkstemp(dir=root, prefix=".partial-", suffix=".pdf")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, root / name)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return name


def _render(export: CaseExport) -> tuple[RenderedPdf | None, str]:
    """Lay the export out: the PDF, or None and what to tell the exporter."""
    try:
        return render_pdf(export_html(export)), ""
    except SoftTimeLimitExceeded:
        return None, _("The case file took too long to prepare. Try fewer sections.")
    except PdfUnavailable as error:
        log.error("cannot render PDFs on this machine: %s", error)
        return None, _("PDFs cannot be made on this server yet. Tell your administrator.")
    except LookupError:
        if export.is_case_file:  # a bug in a section (a KeyError), not a withdrawn record
            log.exception("export %s failed", export.pk)
            return None, _("Something went wrong while preparing the file. Try again.")
        # The review was unsigned, the plan replaced: it may not be exported any more.
        return None, _("This document cannot be exported any more. Choose it again.")
    except Exception:
        log.exception("export %s failed", export.pk)
        return None, _("Something went wrong while preparing the file. Try again.")


def export_render(export_id: uuid.UUID | str) -> CaseExport | None:
    """Render one export if it is still waiting; safe to call twice, from two workers.

    The exporter goes through the door again: somebody who lost access to the case since they
    asked gets nothing. Returns the export as it ends up, or None when there was nothing to do
    (already rendered, held by another worker, expired, or taken over by another worker).
    """
    now = timezone.now()
    export = _claim(export_id, now)
    if export is None:
        return None
    with translation.override(export.language):
        if "export" not in case_permissions(export.requested_by, Case(pk=export.case_id)):
            return _fail(export, _("You no longer have access to export this case."))
        rendered, failure = _render(export)
        if rendered is None:
            return _fail(export, failure)
        try:
            name = _write(export, rendered.content)
        except SoftTimeLimitExceeded:
            return _fail(export, _("The case file took too long to prepare. Try fewer sections."))
        except OSError:
            log.exception("could not store export %s", export.pk)
            return _fail(export, _("The file could not be stored. Tell your administrator."))
    finished = CaseExport.objects.filter(
        pk=export.pk, status=Status.RENDERING, attempts=export.attempts
    ).update(
        status=Status.READY,
        file_name=name,
        pages=rendered.pages,
        size_bytes=len(rendered.content),
        finished_at=timezone.now(),
        lease_until=None,
        failure="",
    )
    if not finished:
        # Another worker took it over after our lease ran out (theirs stands), or it expired
        # meanwhile and the cleanup marked it: either way this file belongs to nobody.
        (export_root() / name).unlink(missing_ok=True)
        return None
    return CaseExport.objects.get(pk=export.pk)


@dataclass(frozen=True)
class PurgeResult:
    deleted: int
    requeued: int


def _expire(export_id: uuid.UUID, now: datetime.datetime) -> bool:
    """Mark one export expired and delete its file. The row is locked while it is marked, so a
    worker finishing it at that moment either records its file first (deleted here) or finds
    it expired (and deletes its own file)."""
    with transaction.atomic():
        export = (
            CaseExport.objects.select_for_update(skip_locked=True)
            .filter(pk=export_id, expires_at__lte=now)
            .exclude(status=Status.EXPIRED)
            .first()
        )
        if export is None:  # done by another sweep meanwhile
            return False
        name = export.file_name
        CaseExport.objects.filter(pk=export.pk).update(
            status=Status.EXPIRED, file_name="", lease_until=None
        )
    if name:
        (export_root() / name).unlink(missing_ok=True)
    return True


def _delete_orphans(now: datetime.datetime) -> None:
    """Files no row points at (a worker that died between writing and recording, a partial
    write): deleted once they are older than any rendering can take."""
    known = set(CaseExport.objects.exclude(file_name="").values_list("file_name", flat=True))
    cutoff = (now - datetime.timedelta(seconds=settings.EXPORT_HARD_TIME_LIMIT * 2)).timestamp()
    for path in export_root().iterdir():
        if path.name in known:
            continue
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
        except FileNotFoundError:  # deleted by another sweep meanwhile
            continue


def exports_purge(*, now: datetime.datetime | None = None) -> PurgeResult:
    """Delete every export file older than its 24 hours; re-queue exports that waited too long
    (their message was lost, or their worker died). Safe to run twice, or from two beats."""
    now = now or timezone.now()
    due = CaseExport.objects.filter(expires_at__lte=now).exclude(status=Status.EXPIRED)
    deleted = sum(_expire(export_id, now) for export_id in list(due.values_list("pk", flat=True)))
    _delete_orphans(now)
    stale = CaseExport.objects.filter(expires_at__gt=now).filter(
        Q(status=Status.QUEUED, requested_at__lt=now - REQUEUE_AFTER)
        | Q(status=Status.RENDERING, lease_until__lt=now)
    )
    requeued = 0
    for export_id, attempts in list(stale.values_list("pk", "attempts")):
        if attempts >= settings.EXPORT_MAX_ATTEMPTS:
            _give_up_if_exhausted(export_id, now)
        else:
            requeued += export_enqueue(export_id)
    return PurgeResult(deleted=deleted, requeued=requeued)
