"""Every write of assessment and planning goes through a service here (DESIGN rule 3).

Each service checks the user's right on the case through the door's permissions, owns its
transaction, validates with full_clean(), writes, and records one audit event. The rules the
practice depends on live here, so that pages and API cannot differ:

- an assessment and a plan go draft → submitted → approved, or back with a comment;
- a supervisor of the case's team decides, and never on something they wrote;
- a plan cannot be submitted while an unmet need of its assessment has no goal;
- approving a plan moves a case in assessment and planning on to intervention;
- an approved plan is never edited: changing it starts the next version, the history stays.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Mapping as MappingType
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.access import case_permissions
from casework.audit import Event, audit_record, changes_between
from casework.hooks import case_event
from casework.models import Case, Person, User
from casework.services import (
    StaleEdit,
    case_transition,
    lock_for_edit,
    refuse_future,
    refuse_unknown_fields,
    require_change,
    save_new_version,
)

from .models import (
    EDITABLE,
    Action,
    Approval,
    Assessment,
    CasePlan,
    ChildVoice,
    Decision,
    Goal,
    Mapping,
    MappingEntry,
    NeedDomain,
    NeedEntry,
    Risk,
    ScaleScore,
    Voice,
)

# --- Shared rules ------------------------------------------------------------------------------


def require_decider(actor: User, case: Case, author_id: int) -> None:
    """Only a supervisor of the case's team decides, and never on their own work."""
    if actor.role != User.Role.SUPERVISOR or "export" not in case_permissions(actor, case):
        raise PermissionDenied(_("Only a supervisor of the case's team can decide."))
    if actor.pk == author_id:
        raise ValidationError(_("You wrote this, so another supervisor must decide on it."))


# --- Needs-led assessment ------------------------------------------------------------------------


@dataclass
class RiskData:
    description: str
    kind: str


@dataclass
class NeedData:
    domain_id: int
    need: str
    met: str
    strengths: str = ""
    analysis: str = ""
    risks: list[RiskData] = field(default_factory=list)


ASSESSMENT_FIELDS = ("participants", "family_views", "summary")


def open_assessment(case: Case) -> Assessment | None:
    """The assessment being written or awaiting a decision, if any."""
    return (
        Assessment.objects.filter(case=case, status__in=(*EDITABLE, Approval.SUBMITTED))
        .order_by("-pk")
        .first()
    )


@transaction.atomic
def assessment_start(
    *, actor: User, case: Case, data: MappingType[str, Any] | None = None
) -> Assessment:
    """Begin an assessment (or a re-assessment). One is open at a time."""
    require_change(actor, case)
    Case.objects.select_for_update().get(pk=case.pk)  # one open assessment, even when racing
    if case.phase == Case.Phase.CLOSED:
        raise ValidationError(_("The case is closed. Re-open it before assessing again."))
    refuse_unknown_fields(data or {}, ASSESSMENT_FIELDS)
    if open_assessment(case) is not None:
        raise ValidationError(
            _("This case already has an assessment in progress. Finish that one first.")
        )
    assessment = Assessment(case=case, author=actor, **(data or {}))
    assessment.full_clean()
    assessment.save()
    audit_record(actor=actor, event=Event.CREATE, obj=assessment, case=case)
    return assessment


def _validate_needs(assessment: Assessment, needs: Sequence[NeedData]) -> list[NeedDomain]:
    # A domain taken out of use stays on the assessments that already have it, and no more.
    already = set(assessment.needs.values_list("domain_id", flat=True))
    domains = {
        pk: domain
        for pk, domain in NeedDomain.objects.in_bulk([n.domain_id for n in needs]).items()
        if domain.is_active or pk in already
    }
    seen: set[int] = set()
    errors: list[str] = []
    for need in needs:
        domain = domains.get(need.domain_id)
        if domain is None:
            errors.append(_("Choose a domain from the list."))
            continue
        if need.domain_id in seen:
            errors.append(_("%(domain)s is assessed twice; keep one.") % {"domain": domain.label})
        seen.add(need.domain_id)
        if not need.need.strip():
            errors.append(_("Say what the child needs for %(domain)s.") % {"domain": domain.label})
        for risk in need.risks:
            if not risk.description.strip():
                errors.append(
                    _("A risk for %(domain)s is empty: describe it or remove it.")
                    % {"domain": domain.label}
                )
    if errors:
        raise ValidationError({"needs": errors})
    return list(domains.values())


@transaction.atomic
def assessment_update(
    *,
    actor: User,
    case: Case,
    assessment: Assessment,
    expected_version: int,
    data: MappingType[str, Any],
    needs: Sequence[NeedData] | None = None,
) -> Assessment:
    """Edit a draft or returned assessment; `needs` replaces the domains assessed."""
    require_change(actor, case)
    current: Assessment = lock_for_edit(Assessment, assessment.pk, case, expected_version)
    if not current.is_editable:
        raise ValidationError(
            _("This assessment is %(status)s and can no longer be edited.")
            % {"status": current.get_status_display().lower()}
        )
    before = Assessment.objects.get(pk=current.pk)
    refuse_unknown_fields(data, ASSESSMENT_FIELDS)
    for name, value in data.items():
        setattr(current, name, value)
    current.full_clean()
    changes = changes_between(before, current)
    if needs is not None:
        _validate_needs(current, needs)
        kept: list[int] = []
        for need_data in needs:
            entry = NeedEntry.objects.filter(
                assessment=current, domain_id=need_data.domain_id
            ).first() or NeedEntry(assessment=current, domain_id=need_data.domain_id)
            entry.need = need_data.need.strip()
            entry.met = need_data.met
            entry.strengths = need_data.strengths
            entry.analysis = need_data.analysis
            entry.full_clean(exclude=["assessment"])
            entry.save()
            entry.risks.all().delete()
            for risk_data in need_data.risks:
                risk = Risk(
                    need=entry, description=risk_data.description.strip(), kind=risk_data.kind
                )
                risk.full_clean(exclude=["need"])
                risk.save()
            kept.append(entry.pk)
        NeedEntry.objects.filter(assessment=current).exclude(pk__in=kept).delete()
        changes["needs"] = ["", ", ".join(str(n.domain_id) for n in needs)]
    if current.status == Approval.RETURNED:
        current.status = Approval.DRAFT
    save_new_version(current)
    audit_record(actor=actor, event=Event.CHANGE, obj=current, case=case, changes=changes)
    return current


@transaction.atomic
def assessment_submit(
    *, actor: User, case: Case, assessment: Assessment, expected_version: int
) -> Assessment:
    require_change(actor, case)
    current: Assessment = lock_for_edit(Assessment, assessment.pk, case, expected_version)
    if not current.is_editable:
        raise ValidationError(_("Only a draft or a returned assessment can be submitted."))
    if not current.needs.exists():
        raise ValidationError(_("Assess at least one domain before submitting."))
    current.status = Approval.SUBMITTED
    current.submitted_at = timezone.now()
    save_new_version(current)
    audit_record(actor=actor, event=Event.SUBMIT, obj=current, case=case)
    return current


@transaction.atomic
def assessment_decide(
    *,
    actor: User,
    case: Case,
    assessment: Assessment,
    expected_version: int,
    approve: bool,
    comment: str = "",
) -> Assessment:
    """A supervisor approves the assessment, or returns it with a comment saying what to change."""
    require_decider(actor, case, assessment.author_id)
    current: Assessment = lock_for_edit(Assessment, assessment.pk, case, expected_version)
    if current.status != Approval.SUBMITTED:
        raise ValidationError(_("Only a submitted assessment can be approved or returned."))
    if not approve and not comment.strip():
        raise ValidationError({"comment": _("Say what needs to change before it is approved.")})
    decision = Decision(
        assessment=current,
        outcome=Decision.Outcome.APPROVED if approve else Decision.Outcome.RETURNED,
        comment=comment.strip(),
        decided_by=actor,
    )
    decision.full_clean()
    decision.save()
    if approve:
        Assessment.objects.filter(case=case, status=Approval.APPROVED).update(
            status=Approval.SUPERSEDED
        )
    current.status = Approval.APPROVED if approve else Approval.RETURNED
    current.decided_at = timezone.now()
    current.decided_by = actor
    save_new_version(current)
    audit_record(
        actor=actor,
        event=Event.APPROVE if approve else Event.RETURN,
        obj=current,
        case=case,
        reason=comment.strip(),
    )
    return current


# --- Three-column mapping ---------------------------------------------------------------------


@dataclass
class EntryData:
    column: str
    kind: str
    text: str
    voice: str
    voice_name: str = ""


def _mapping_entries(mapping: Mapping, entries: Sequence[EntryData]) -> None:
    errors: list[str] = []
    if not any(entry.text.strip() for entry in entries):
        errors.append(_("Write at least one worry, strength or next step."))
    rows = []
    for entry in entries:
        if not entry.text.strip():
            continue
        if entry.kind not in MappingEntry.KINDS_BY_COLUMN.get(entry.column, ()):
            errors.append(
                _("“%(kind)s” does not belong under “%(column)s”.")
                % {
                    "kind": dict(MappingEntry.Kind.choices).get(entry.kind, entry.kind),
                    "column": dict(MappingEntry.Column.choices).get(entry.column, entry.column),
                }
            )
            continue
        row = MappingEntry(
            mapping=mapping,
            column=entry.column,
            kind=entry.kind,
            text=entry.text.strip(),
            voice=entry.voice,
            voice_name=entry.voice_name.strip(),
        )
        try:
            row.full_clean(exclude=["mapping"])
        except ValidationError as error:
            errors.extend(error.messages)
        rows.append(row)
    if errors:
        raise ValidationError({"entries": errors})
    MappingEntry.objects.filter(mapping=mapping).delete()
    MappingEntry.objects.bulk_create(rows)


@transaction.atomic
def mapping_record(
    *,
    actor: User,
    case: Case,
    held_on: datetime.date,
    participants: str,
    entries: Sequence[EntryData],
) -> Mapping:
    require_change(actor, case)
    refuse_future(held_on, "held_on")
    mapping = Mapping(case=case, author=actor, held_on=held_on, participants=participants)
    mapping.full_clean()
    mapping.save()
    _mapping_entries(mapping, entries)
    audit_record(actor=actor, event=Event.CREATE, obj=mapping, case=case)
    return mapping


@transaction.atomic
def mapping_update(
    *,
    actor: User,
    case: Case,
    mapping: Mapping,
    expected_version: int,
    held_on: datetime.date,
    participants: str,
    entries: Sequence[EntryData],
) -> Mapping:
    require_change(actor, case)
    current: Mapping = lock_for_edit(Mapping, mapping.pk, case, expected_version)
    refuse_future(held_on, "held_on")
    before = Mapping.objects.get(pk=current.pk)
    current.held_on = held_on
    current.participants = participants
    current.full_clean()
    _mapping_entries(current, entries)
    save_new_version(current)
    audit_record(
        actor=actor,
        event=Event.CHANGE,
        obj=current,
        case=case,
        changes=changes_between(before, current) | {"entries": ["", str(len(entries))]},
    )
    return current


# --- Safety scale ---------------------------------------------------------------------------------


@transaction.atomic
def scale_record(
    *,
    actor: User,
    case: Case,
    score: int,
    voice: str,
    reason: str,
    recorded_on: datetime.date | None = None,
    person: Person | None = None,
    given_by_user: User | None = None,
    voice_name: str = "",
    chaired_review: bool = False,
) -> ScaleScore:
    """Record one voice's answer to the scaling question. Scores are never edited: a new
    answer is a new point on the line.

    `chaired_review`: the caller (reviews, at sign-off) has checked that `actor` chairs an open
    review of this case; a chair holds only view access to the case.
    """
    if not chaired_review:
        require_change(actor, case)
    day = recorded_on or timezone.localdate()
    refuse_future(day, "recorded_on")
    errors: dict[str, list[str]] = {}
    if voice in (Voice.FAMILY, Voice.CHILD):
        if person is None or person.family_id != case.family_id:
            errors.setdefault("person", []).append(
                _("Choose the member of this family who gave the score.")
            )
        elif voice == Voice.CHILD and not case.children.filter(pk=person.pk).exists():
            errors.setdefault("person", []).append(
                _("Choose one of the children the case is about.")
            )
        given_by_user = None
    elif voice in (Voice.WORKER, Voice.SUPERVISOR):
        given_by_user = given_by_user or actor
        if not case_permissions(given_by_user, case):
            errors.setdefault("given_by_user", []).append(
                _("That person does not work on this case.")
            )
        if voice == Voice.SUPERVISOR and given_by_user.role != User.Role.SUPERVISOR:
            errors.setdefault("voice", []).append(
                _("Only a supervisor gives a supervisor's score.")
            )
        person = None
    else:
        person = None
        given_by_user = None
        if not voice_name.strip():
            errors.setdefault("voice_name", []).append(_("Say who gave the score."))
    if not reason.strip():
        errors.setdefault("reason", []).append(_("Say why: what makes it this number?"))
    if errors:
        raise ValidationError(errors)
    row = ScaleScore(
        case=case,
        score=score,
        voice=voice,
        person=person,
        given_by_user=given_by_user,
        voice_name=voice_name.strip(),
        recorded_on=day,
        reason=reason.strip(),
        recorded_by=actor,
    )
    row.full_clean()
    row.save()
    audit_record(
        actor=actor, event=Event.CREATE, obj=row, case=case, changes={"score": ["", str(score)]}
    )
    case_event("scale_recorded", case=case, actor=actor, score=row)
    return row


# --- The child's voice ----------------------------------------------------------------------------

VOICE_FIELDS = (
    "recorded_on",
    "worries",
    "good_things",
    "wishes",
    "safe_means",
    "safety_network",
    "helped_by",
)
DRAWING_FORMATS = {"PNG", "JPEG", "WEBP"}


def _drawing_png(upload: UploadedFile[bytes]) -> ContentFile[bytes]:
    """Check a drawing is a real picture of sensible size, and re-encode it as PNG.

    Re-encoding drops whatever the file carried besides the picture (camera, time, GPS).
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    limit = settings.DRAWING_MAX_BYTES
    if upload.size is None or upload.size > limit:
        raise ValidationError(
            {
                "drawing": _("The photo is too large: the limit is %(size)s.")
                % {"size": filesizeformat(limit)}
            }
        )
    try:
        data = upload.read()
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format
            probe.verify()
        if kind not in DRAWING_FORMATS:
            raise ValidationError({"drawing": _("Upload a photo: a JPEG, PNG or WebP picture.")})
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > 40_000_000:
                raise ValidationError({"drawing": _("The photo has too many pixels.")})
            # Keep the photo the right way up: the rotation is metadata that is about to go.
            upright = ImageOps.exif_transpose(image)
            upright.thumbnail((2000, 2000))
            clean = upright.convert("RGB")
            out = io.BytesIO()
            clean.save(out, format="PNG", optimize=True)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError):
        raise ValidationError(
            {"drawing": _("Upload a photo: a JPEG, PNG or WebP picture.")}
        ) from None
    return ContentFile(out.getvalue(), name="drawing.png")


def _voice_child(case: Case, child_id: int) -> Person:
    child = case.children.filter(pk=child_id).first()
    if child is None:
        raise ValidationError({"child": _("Choose one of the children the case is about.")})
    return child


@transaction.atomic
def child_voice_record(
    *,
    actor: User,
    case: Case,
    child_id: int,
    data: MappingType[str, Any],
    drawing: UploadedFile[bytes] | None = None,
) -> ChildVoice:
    require_change(actor, case)
    child = _voice_child(case, child_id)
    refuse_unknown_fields(data, VOICE_FIELDS)
    voice = ChildVoice(case=case, child=child, author=actor, **data)
    refuse_future(voice.recorded_on, "recorded_on")
    if not any(str(getattr(voice, name)).strip() for name in VOICE_FIELDS[1:6]):
        raise ValidationError(_("Write down at least one thing the child said."))
    voice.age_at_recording = child.age_on(voice.recorded_on)
    if drawing is not None:
        voice.drawing = _drawing_png(drawing)
    voice.full_clean()
    voice.save()
    audit_record(actor=actor, event=Event.CREATE, obj=voice, case=case)
    return voice


@transaction.atomic
def child_voice_update(
    *,
    actor: User,
    case: Case,
    voice: ChildVoice,
    expected_version: int,
    data: MappingType[str, Any],
    drawing: UploadedFile[bytes] | None = None,
    remove_drawing: bool = False,
) -> ChildVoice:
    require_change(actor, case)
    current: ChildVoice = lock_for_edit(ChildVoice, voice.pk, case, expected_version)
    before = ChildVoice.objects.get(pk=current.pk)
    refuse_unknown_fields(data, VOICE_FIELDS)
    for name, value in data.items():
        setattr(current, name, value)
    refuse_future(current.recorded_on, "recorded_on")
    current.age_at_recording = current.child.age_on(current.recorded_on)
    old_drawing = current.drawing.name if current.drawing else ""
    if drawing is not None:
        current.drawing = _drawing_png(drawing)
    elif remove_drawing:
        current.drawing = ""
    current.full_clean()
    save_new_version(current)
    if old_drawing and old_drawing != current.drawing.name:
        storage = current.drawing.storage
        transaction.on_commit(lambda: storage.delete(old_drawing))
    audit_record(
        actor=actor,
        event=Event.CHANGE,
        obj=current,
        case=case,
        changes=changes_between(before, current),
    )
    return current


# --- The case plan --------------------------------------------------------------------------------


@dataclass
class ActionData:
    what: str
    who: str
    who_name: str = ""
    due_on: datetime.date | None = None
    status: str = Action.Status.TODO
    outcome: str = ""


@dataclass
class GoalData:
    text: str
    need_ids: list[int] = field(default_factory=list)
    actions: list[ActionData] = field(default_factory=list)


def current_plan(case: Case) -> CasePlan | None:
    """The newest plan version that is not superseded (being written, awaiting, or in force)."""
    return (
        CasePlan.objects.filter(case=case).exclude(status=Approval.SUPERSEDED).order_by("-number")
    ).first()


def approved_plan(case: Case) -> CasePlan | None:
    return CasePlan.objects.filter(case=case, status=Approval.APPROVED).order_by("-number").first()


def _latest_assessment(case: Case) -> Assessment:
    assessment = (
        Assessment.objects.filter(case=case)
        .exclude(status=Approval.SUPERSEDED)
        .order_by("-pk")
        .first()
    )
    if assessment is None:
        raise ValidationError(_("Start an assessment first: a plan answers the needs it finds."))
    return assessment


def _write_goals(plan: CasePlan, goals: Sequence[GoalData]) -> None:
    needs = set(NeedEntry.objects.filter(assessment=plan.assessment).values_list("pk", flat=True))
    errors: list[str] = []
    for index, goal in enumerate(goals, start=1):
        if not goal.text.strip():
            errors.append(_("Goal %(number)s is empty.") % {"number": index})
        if set(goal.need_ids) - needs:
            errors.append(
                _("Goal %(number)s is linked to a need that is not in this plan's assessment.")
                % {"number": index}
            )
        for action in goal.actions:
            if not action.what.strip():
                errors.append(
                    _("An action of goal %(number)s is empty: say what will be done.")
                    % {"number": index}
                )
    if errors:
        raise ValidationError({"goals": errors})
    Goal.objects.filter(plan=plan).delete()
    for goal_data in goals:
        goal_row = Goal(plan=plan, text=goal_data.text.strip())
        goal_row.full_clean(exclude=["plan"])
        goal_row.save()
        goal_row.needs.set(goal_data.need_ids)
        for action_data in goal_data.actions:
            action_row = Action(
                goal=goal_row,
                what=action_data.what.strip(),
                who=action_data.who,
                who_name=action_data.who_name.strip(),
                due_on=action_data.due_on,
                status=action_data.status,
                outcome=action_data.outcome,
            )
            try:
                action_row.full_clean(exclude=["goal"])
            except ValidationError as error:
                raise ValidationError({"goals": error.messages}) from error
            action_row.save()


def _copy_goals(source: CasePlan, target: CasePlan) -> None:
    """Carry the goals and actions into the next version, relinked to the same domains."""
    by_domain = dict(
        NeedEntry.objects.filter(assessment=target.assessment).values_list("domain_id", "pk")
    )
    for goal in source.goals.prefetch_related("needs", "actions"):
        copy = Goal.objects.create(plan=target, text=goal.text)
        copy.needs.set(
            [by_domain[need.domain_id] for need in goal.needs.all() if need.domain_id in by_domain]
        )
        Action.objects.bulk_create(
            Action(
                goal=copy,
                what=action.what,
                who=action.who,
                who_name=action.who_name,
                due_on=action.due_on,
                status=action.status,
                outcome=action.outcome,
            )
            for action in goal.actions.all()
        )


@transaction.atomic
def plan_start(*, actor: User, case: Case) -> CasePlan:
    """Start the plan, or the next version of an approved one (its goals carried over)."""
    require_change(actor, case)
    Case.objects.select_for_update().get(pk=case.pk)  # one new version at a time
    if case.phase == Case.Phase.CLOSED:
        raise ValidationError(_("The case is closed. Re-open it before planning."))
    existing = current_plan(case)
    if existing is not None and existing.status != Approval.APPROVED:
        raise ValidationError(
            _("Version %(number)s of the plan is still being written or awaits a decision.")
            % {"number": existing.number}
        )
    assessment = _latest_assessment(case)
    number = (existing.number + 1) if existing is not None else 1
    plan = CasePlan(
        case=case,
        number=number,
        assessment=assessment,
        author=actor,
        family_agreement=existing.family_agreement if existing is not None else "",
    )
    plan.full_clean()
    plan.save()
    if existing is not None:
        _copy_goals(existing, plan)
    audit_record(actor=actor, event=Event.CREATE, obj=plan, case=case)
    return plan


@transaction.atomic
def plan_update(
    *,
    actor: User,
    case: Case,
    plan: CasePlan,
    expected_version: int,
    family_agreement: str,
    goals: Sequence[GoalData],
) -> CasePlan:
    require_change(actor, case)
    current: CasePlan = lock_for_edit(CasePlan, plan.pk, case, expected_version)
    if not current.is_editable:
        raise ValidationError(
            _("This version of the plan is %(status)s. Start a new version to change it.")
            % {"status": current.get_status_display().lower()}
        )
    before = CasePlan.objects.get(pk=current.pk)
    current.family_agreement = family_agreement
    current.full_clean()
    _write_goals(current, goals)
    if current.status == Approval.RETURNED:
        current.status = Approval.DRAFT
    save_new_version(current)
    audit_record(
        actor=actor,
        event=Event.CHANGE,
        obj=current,
        case=case,
        changes=changes_between(before, current) | {"goals": ["", str(len(goals))]},
    )
    return current


def unmet_needs_without_goal(plan: CasePlan) -> list[NeedEntry]:
    """The unmet needs of the plan's assessment that no goal of the plan answers yet."""
    return list(
        NeedEntry.objects.filter(assessment=plan.assessment, met=NeedEntry.Met.UNMET)
        .exclude(goals__plan=plan)
        .select_related("domain")
        .order_by("domain__order", "pk")
    )


@transaction.atomic
def plan_submit(*, actor: User, case: Case, plan: CasePlan, expected_version: int) -> CasePlan:
    require_change(actor, case)
    current: CasePlan = lock_for_edit(CasePlan, plan.pk, case, expected_version)
    if not current.is_editable:
        raise ValidationError(_("Only a draft or a returned plan can be submitted."))
    if not current.goals.exists():
        raise ValidationError(_("Add at least one goal before submitting the plan."))
    missing = unmet_needs_without_goal(current)
    if missing:
        raise ValidationError(
            _(
                "Every unmet need must have a goal. No goal answers these unmet needs yet: "
                "%(needs)s. Add a goal for each, or link an existing goal to it."
            )
            % {"needs": ", ".join(need.domain.label for need in missing)},
            code="unmet_need_without_goal",
        )
    current.status = Approval.SUBMITTED
    current.submitted_at = timezone.now()
    save_new_version(current)
    audit_record(actor=actor, event=Event.SUBMIT, obj=current, case=case)
    return current


@transaction.atomic
def plan_decide(
    *,
    actor: User,
    case: Case,
    plan: CasePlan,
    expected_version: int,
    approve: bool,
    comment: str = "",
) -> CasePlan:
    """Approve the plan (the case moves on to intervention) or return it with a comment."""
    require_decider(actor, case, plan.author_id)
    current: CasePlan = lock_for_edit(CasePlan, plan.pk, case, expected_version)
    if current.status != Approval.SUBMITTED:
        raise ValidationError(_("Only a submitted plan can be approved or returned."))
    if not approve and not comment.strip():
        raise ValidationError({"comment": _("Say what needs to change before it is approved.")})
    if approve and current.assessment.status != Approval.APPROVED:
        raise ValidationError(
            _("Approve the assessment this plan answers first: the plan rests on it.")
        )
    if approve and unmet_needs_without_goal(current):
        raise ValidationError(_("Every unmet need must have a goal before approval."))
    Decision.objects.create(
        plan=current,
        outcome=Decision.Outcome.APPROVED if approve else Decision.Outcome.RETURNED,
        comment=comment.strip(),
        decided_by=actor,
    )
    if approve:
        CasePlan.objects.filter(case=case, status=Approval.APPROVED).update(
            status=Approval.SUPERSEDED
        )
    current.status = Approval.APPROVED if approve else Approval.RETURNED
    current.decided_at = timezone.now()
    save_new_version(current)
    audit_record(
        actor=actor,
        event=Event.APPROVE if approve else Event.RETURN,
        obj=current,
        case=case,
        reason=comment.strip(),
    )
    case.refresh_from_db()
    if approve and case.phase == Case.Phase.ASSESSMENT:
        case_transition(
            actor=actor,
            case=case,
            to=Case.Phase.INTERVENTION,
            reason=_("Case plan version %(number)s approved.") % {"number": current.number},
        )
    return current


@transaction.atomic
def action_progress(
    *,
    actor: User,
    case: Case,
    action: Action,
    expected_version: int,
    status: str,
    outcome: str,
) -> Action:
    """Tick off an action of the plan in force (or being written): status and outcome only.

    Progress is not a change of plan, so it needs no new version; what is done, by whom and
    by when does.
    """
    require_change(actor, case)
    current = Action.objects.select_for_update().select_related("goal__plan").get(pk=action.pk)
    plan = current.goal.plan
    if plan.case_id != case.pk:
        raise PermissionDenied
    if plan.status == Approval.SUPERSEDED:
        raise ValidationError(_("This plan version has been replaced; update the newer one."))
    if current.version != expected_version:
        raise StaleEdit(current)
    before = Action.objects.get(pk=current.pk)
    current.status = status
    current.outcome = outcome
    current.full_clean()
    save_new_version(current)
    audit_record(
        actor=actor,
        event=Event.CHANGE,
        obj=current,
        case=case,
        changes=changes_between(before, current),
    )
    return current
