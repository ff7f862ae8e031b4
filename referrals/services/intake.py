"""Incoming referrals: recording what the referrer said, and screening it to a decision."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.access import case_permissions, cases_visible_to
from casework.audit import Event, audit_record, changes_between
from casework.models import Case, ConcernCategory, Family, Person, Team, User
from casework.services import (
    CaseData,
    PersonData,
    StaleEdit,
    case_concerns_set,
    case_open,
    case_transition,
    refuse_unknown_fields,
    save_new_version,
)

from ..models import Intake, IntakePerson, Service
from ..selectors import may_record_intake, may_screen

INTAKE_FIELDS = (
    "received_at",
    "referrer_kind",
    "referrer_name",
    "referrer_organisation",
    "referrer_contact",
    "referrer_confidential",
    "family_name",
    "village",
    "address_notes",
    "urgency",
    "description",
)


@dataclass
class IntakePersonData:
    """A person named in a referral, as the referrer described them."""

    relationship: str
    given_name_km: str = ""
    family_name_km: str = ""
    given_name_latin: str = ""
    family_name_latin: str = ""
    sex: str = Person.Sex.UNKNOWN
    approximate_age: int | None = None
    is_child_of_concern: bool = False


def _strip(intake: Intake) -> None:
    for name in (
        "referrer_name",
        "referrer_organisation",
        "referrer_contact",
        "family_name",
        "address_notes",
        "description",
    ):
        setattr(intake, name, (getattr(intake, name) or "").strip())


def _check_intake(
    intake: Intake,
    people: Sequence[IntakePersonData],
    concerns: Sequence[ConcernCategory],
    *,
    had_concerns: Sequence[int] = (),
) -> list[IntakePerson]:
    """Validate the referral and its people; returns the unsaved people rows."""
    _strip(intake)
    errors: dict[str, list[str]] = {}
    try:
        intake.full_clean(exclude=["organisation", "recorded_by"])
    except ValidationError as error:
        errors.update(error.message_dict)
    if intake.received_at is not None and intake.received_at > timezone.now():
        errors.setdefault("received_at", []).append(
            _("A referral cannot be received in the future.")
        )
    kind = intake.referrer_kind
    if kind == Intake.ReferrerKind.ANONYMOUS and intake.referrer_name:
        errors.setdefault("referrer_name", []).append(
            _("An anonymous referral has no referrer's name. Choose who referred instead.")
        )
    elif kind == Intake.ReferrerKind.ORGANISATION and not intake.referrer_organisation:
        errors.setdefault("referrer_organisation", []).append(
            _("Name the organisation or service that referred.")
        )
    elif kind not in ("", Intake.ReferrerKind.ANONYMOUS, Intake.ReferrerKind.ORGANISATION) and (
        not intake.referrer_name
    ):
        errors.setdefault("referrer_name", []).append(
            _("Name who referred, or choose “anonymous”.")
        )
    retired = [c.label for c in concerns if not c.is_active and c.pk not in had_concerns]
    if retired:
        errors.setdefault("concerns", []).append(
            _("No longer in use: %(concerns)s") % {"concerns": ", ".join(retired)}
        )
    rows: list[IntakePerson] = []
    for index, data in enumerate(people):
        values = {f.name: getattr(data, f.name) for f in fields(data)}
        row = IntakePerson(**{k: v.strip() if isinstance(v, str) else v for k, v in values.items()})
        problems: list[str] = []
        try:
            row.full_clean(exclude=["intake"])
        except ValidationError as error:
            problems += error.messages
        if not (row.name_km or row.name_latin):
            problems.append(_("Enter a name in Khmer script, in Latin letters, or both."))
        if problems:
            errors[f"person-{index}"] = problems
        rows.append(row)
    if not any(row.is_child_of_concern for row in rows):
        errors.setdefault("people", []).append(_("Name at least one child the referral is about."))
    if errors:
        raise ValidationError(errors)
    return rows


def _may_edit(actor: User, intake: Intake) -> bool:
    return intake.organisation_id == actor.organisation_id and (
        may_screen(actor, intake.organisation)
        or (intake.recorded_by_id == actor.pk and may_record_intake(actor, intake.organisation))
    )


@transaction.atomic
def intake_record(
    *,
    actor: User,
    data: Mapping[str, Any],
    people: Sequence[IntakePersonData],
    concerns: Sequence[ConcernCategory] = (),
) -> Intake:
    """Record a referral received by the actor's organisation (social workers and supervisors:
    people phone in). It waits in the screening queue. `data` takes INTAKE_FIELDS;
    `received_at` defaults to now and cannot be in the future; concerns must be in use."""
    organisation = actor.organisation
    if organisation is None or not may_record_intake(actor, organisation):
        raise PermissionDenied
    refuse_unknown_fields(data, INTAKE_FIELDS)
    intake = Intake(organisation=organisation, recorded_by=actor, **data)
    rows = _check_intake(intake, people, concerns)
    intake.save()
    for row in rows:
        row.intake = intake
    IntakePerson.objects.bulk_create(rows)
    intake.concerns.set(concerns)
    audit_record(
        actor=actor,
        event=Event.CREATE,
        obj=intake,
        extra={"people": len(rows), "concerns": sorted(c.pk for c in concerns)},
    )
    return intake


@transaction.atomic
def intake_update(
    *,
    actor: User,
    intake: Intake,
    expected_version: int,
    data: Mapping[str, Any],
    people: Sequence[IntakePersonData] | None = None,
    concerns: Sequence[ConcernCategory] | None = None,
) -> Intake:
    """Correct a referral while it awaits screening (whoever recorded it, or a screener).
    `people` and `concerns`, when given, replace the lists; a stale version raises StaleEdit."""
    if not _may_edit(actor, intake):
        raise PermissionDenied
    refuse_unknown_fields(data, INTAKE_FIELDS)
    current = Intake.objects.select_for_update().get(pk=intake.pk)
    if not current.is_awaiting:
        raise ValidationError(_("This referral has been screened: it can no longer be changed."))
    if current.version != expected_version:
        raise StaleEdit(current)
    before = Intake.objects.get(pk=current.pk)
    had_concerns = list(current.concerns.all())
    for name, value in data.items():
        setattr(current, name, value)
    new_people = (
        people
        if people is not None
        else [
            IntakePersonData(**{f.name: getattr(row, f.name) for f in fields(IntakePersonData)})
            for row in current.people.all()
        ]
    )
    new_concerns = list(concerns) if concerns is not None else had_concerns
    rows = _check_intake(
        current, new_people, new_concerns, had_concerns=[c.pk for c in had_concerns]
    )
    save_new_version(current)
    changes = changes_between(before, current)
    if people is not None:
        old_count = current.people.count()
        current.people.all().delete()
        for row in rows:
            row.intake = current
        IntakePerson.objects.bulk_create(rows)
        changes["people"] = [str(old_count), str(len(rows))]
    if concerns is not None:
        old, new = sorted(c.pk for c in had_concerns), sorted({c.pk for c in concerns})
        current.concerns.set(new)
        if old != new:
            changes["concerns"] = [",".join(map(str, old)), ",".join(map(str, new))]
    audit_record(actor=actor, event=Event.CHANGE, obj=current, changes=changes)
    return current


# --- Screening -------------------------------------------------------------------------------


def _open_case(
    *,
    actor: User,
    intake: Intake,
    reason: str,
    team: Team | None,
    worker: User | None,
    tier: str,
    risk_level: str,
    family: Family | None,
    people_on_record: Mapping[int, Person],
) -> Case:
    errors: dict[str, list[str]] = {}
    if team is None:
        errors["team"] = [_("Choose the team the case goes to.")]
    if worker is None:
        errors["worker"] = [_("Choose the worker the case is allocated to.")]
    if tier not in Case.Tier.values:
        errors["tier"] = [_("Choose prevention, early intervention or crisis response.")]
    if risk_level not in Case.Risk.values:
        errors["risk_level"] = [_("Choose low, medium or high.")]
    people = list(intake.people.all())
    by_id = {p.pk: p for p in people}
    if family is None:
        if people_on_record:
            errors["people_on_record"] = [
                _("Choose the family on record before matching its people.")
            ]
        if not intake.family_name:
            errors["family_name"] = [_("Give the family's name before opening a case.")]
        if intake.village_id is None:
            errors["village"] = [_("Give the family's village before opening a case.")]
    else:
        if family.organisation_id != intake.organisation_id:
            raise PermissionDenied
        if not cases_visible_to(actor).filter(family=family).exists():
            errors["family"] = [
                _(
                    "You may not see this family's cases. Ask the supervisor of its team to "
                    "screen this referral."
                )
            ]
        for intake_person_id, person in people_on_record.items():
            if intake_person_id not in by_id:
                errors.setdefault("people_on_record", []).append(
                    _("That person is not named in this referral.")
                )
            elif person.family_id != family.pk:
                errors.setdefault("people_on_record", []).append(
                    _("%(name)s is not a member of that family.") % {"name": person.display_name}
                )
    if errors or team is None or worker is None:
        raise ValidationError(errors)
    new_people = [
        PersonData(
            relationship=p.relationship,
            given_name_km=p.given_name_km,
            family_name_km=p.family_name_km,
            given_name_latin=p.given_name_latin,
            family_name_latin=p.family_name_latin,
            sex=p.sex,
            estimated_age=p.approximate_age,
            concerned=p.is_child_of_concern,
        )
        for p in people
        if p.pk not in people_on_record
    ]
    existing_children = [
        person
        for intake_person_id, person in people_on_record.items()
        if by_id[intake_person_id].is_child_of_concern
    ]
    return case_open(
        actor=actor,
        data=CaseData(
            family_name=family.family_name if family is not None else intake.family_name,
            village_id=family.village_id if family is not None else intake.village_id or 0,
            address_notes=intake.address_notes if family is None else "",
            tier=tier,
            risk_level=risk_level,
            team=team,
            worker=worker,
            people=new_people,
            reason=reason,
            concerns=list(intake.concerns.all()),
            family=family,
            existing_children=existing_children,
        ),
    )


def _add_to_case(*, actor: User, intake: Intake, case: Case | None, reason: str) -> Case:
    if case is None:
        raise ValidationError({"case": _("Choose the case the referral is added to.")})
    if case.team.organisation_id != intake.organisation_id or "change" not in case_permissions(
        actor, case
    ):
        raise ValidationError(
            {
                "case": _(
                    "You may not change that case. Ask its worker or its team's supervisor to "
                    "screen this referral."
                )
            }
        )
    if case.phase == Case.Phase.CLOSED:
        # Reopened before the concerns are merged, so that the revolving-door check (reviews)
        # compares what this report is about with what the case was closed on.
        case = case_transition(
            actor=actor,
            case=case,
            to=Case.Phase.ASSESSMENT,
            reason=reason,
            reported_concerns=list(intake.concerns.all()),
        )
    concerns = set(case.concerns.all()) | set(intake.concerns.all())
    case_concerns_set(actor=actor, case=case, concerns=concerns)
    return case


@transaction.atomic
def intake_screen(
    *,
    actor: User,
    intake: Intake,
    expected_version: int,
    decision: str,
    reason: str,
    team: Team | None = None,
    worker: User | None = None,
    tier: str = "",
    risk_level: str = "",
    family: Family | None = None,
    people_on_record: Mapping[int, Person] | None = None,
    case: Case | None = None,
    service: Service | None = None,
) -> Intake:
    """Decide what happens to a referral, always with a reason (screeners only: supervisors of
    a team of the organisation and designated intake workers). Screening happens once.

    - "open_case": a new case from the referral — its people (as new family members), its
      concerns and village — in `team`, allocated to `worker`, with `tier` and `risk_level`.
      With `family` (a match from `intake_matches` whose cases the screener may see) the case
      joins that family's record; `people_on_record` maps IntakePerson ids to the family's
      existing people, who are then not created again (a child of concern among them becomes
      a child of the new case). casework's "opened" hook runs (returning families).
    - "add_to_case": `case` (one the screener may change) gets the referral's concerns; a closed
      case is re-opened to assessment with the reason.
    - "no_further_action".
    - "signpost": to `service`, a service of the organisation's directory in use.
    """
    if intake.organisation_id != actor.organisation_id or not may_screen(
        actor, intake.organisation
    ):
        raise PermissionDenied
    current = Intake.objects.select_for_update().select_related("organisation").get(pk=intake.pk)
    if not current.is_awaiting:
        raise ValidationError(
            _("This referral was already screened on %(day)s: %(decision)s.")
            % {
                "day": timezone.localtime(current.decided_at).date().isoformat()
                if current.decided_at
                else "",
                "decision": current.get_decision_display(),
            },
            code="already_screened",
        )
    if current.version != expected_version:
        raise StaleEdit(current)
    reason = reason.strip()
    errors: dict[str, list[str]] = {}
    if decision not in Intake.Decision.values:
        errors["decision"] = [_("Choose a decision.")]
    if not reason:
        errors["reason"] = [_("Give the reason for the decision.")]
    if errors:
        raise ValidationError(errors)
    result_case: Case | None = None
    result_service: Service | None = None
    if decision == Intake.Decision.OPEN_CASE:
        result_case = _open_case(
            actor=actor,
            intake=current,
            reason=reason,
            team=team,
            worker=worker,
            tier=tier,
            risk_level=risk_level,
            family=family,
            people_on_record=people_on_record or {},
        )
    elif decision == Intake.Decision.ADD_TO_CASE:
        result_case = _add_to_case(actor=actor, intake=current, case=case, reason=reason)
    elif decision == Intake.Decision.SIGNPOST:
        if service is None:
            raise ValidationError({"service": _("Choose the service the family is signposted to.")})
        if service.directory_of_id != current.organisation_id or not service.is_active:
            raise ValidationError(
                {"service": _("Choose a service in use from your organisation's directory.")}
            )
        result_service = service
    current.status = Intake.Status.SCREENED
    current.decision = decision
    current.decision_reason = reason
    current.decided_by = actor
    current.decided_at = timezone.now()
    current.case = result_case
    current.service = result_service
    save_new_version(current)
    audit_record(
        actor=actor,
        event=Event.CHANGE,
        obj=current,
        case=result_case,
        changes={
            "status": [Intake.Status.AWAITING, Intake.Status.SCREENED],
            "decision": ["", decision],
        },
        reason=reason,
        extra={
            "case": result_case.pk if result_case else None,
            "service": result_service.pk if result_service else None,
            "family_on_record": family.pk if family is not None and result_case else None,
        },
    )
    return current
