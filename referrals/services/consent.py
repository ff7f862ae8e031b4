"""Consent to share: recorded per case, never deleted; a withdrawal stops future sharing."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.audit import Event, audit_record
from casework.models import Case, Person, User
from casework.services import refuse_future, require_change

from .. import sharing
from ..models import Consent, HelpKind, Service


@transaction.atomic
def consent_record(
    *,
    actor: User,
    case: Case,
    given_by: Person,
    given_by_kind: str,
    information: Sequence[str],
    purpose: str,
    given_on: datetime.date,
    how_explained: str,
    services: Sequence[Service] = (),
    kinds: Sequence[HelpKind] = (),
    expires_on: datetime.date | None = None,
    child_age: int | None = None,
    understanding: str = "",
) -> Consent:
    """Record a consent to share (anyone who may change the case).

    Who gave it (a member of the case's family; a child's consent notes their age — taken from
    their record when not given — and how they showed they understood), to which recipients
    (named services of the organisation's directory and/or kinds of service), which kinds of
    information (codes of `referrals.sharing.CATALOGUE`), for what purpose, from when
    (`given_on`, not in the future) until when (`expires_on`, the last day, after `given_on`),
    and how it was explained.
    """
    require_change(actor, case)
    errors: dict[str, list[str]] = {}
    if given_by.family_id != case.family_id:
        errors["given_by"] = [_("Choose a member of this family.")]
    try:
        codes = sharing.clean_codes(information, "information")
    except ValidationError as error:
        errors.update(error.message_dict)
        codes = []
    if not services and not kinds:
        errors["services"] = [
            _("Say who may receive the information: services or kinds of service.")
        ]
    organisation_id = case.team.organisation_id
    if any(s.directory_of_id != organisation_id for s in services):
        errors.setdefault("services", []).append(
            _("Choose services from your organisation's directory.")
        )
    retired = [k.label for k in kinds if not k.is_active]
    if retired:
        errors["kinds"] = [_("No longer in use: %(kinds)s") % {"kinds": ", ".join(retired)}]
    understanding = understanding.strip()
    if given_by_kind == Consent.GivenBy.CHILD:
        if child_age is None and given_by.family_id == case.family_id:
            child_age = given_by.age_on(given_on)
        if child_age is None:
            errors["child_age"] = [_("Note the child's age.")]
        if not understanding:
            errors["understanding"] = [_("Note how the child showed they understood.")]
    else:
        child_age = None
    if expires_on is not None and expires_on <= given_on:
        errors["expires_on"] = [_("The consent must end after the day it was given.")]
    consent = Consent(
        case=case,
        given_by=given_by,
        given_by_kind=given_by_kind,
        child_age=child_age,
        understanding=understanding,
        information=codes,
        purpose=purpose.strip(),
        given_on=given_on,
        expires_on=expires_on,
        how_explained=how_explained.strip(),
        recorded_by=actor,
    )
    try:
        consent.full_clean(exclude=["recorded_by"])
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(m for m in messages if m not in errors.get(name, []))
    try:
        refuse_future(given_on, "given_on")
    except ValidationError as error:
        errors.setdefault("given_on", []).extend(error.message_dict["given_on"])
    if errors:
        raise ValidationError(errors)
    consent.save()
    consent.services.set(services)
    consent.kinds.set(kinds)
    audit_record(
        actor=actor,
        event=Event.CREATE,
        obj=consent,
        case=case,
        extra={
            "given_by": given_by.pk,
            "services": sorted(s.pk for s in services),
            "kinds": sorted(k.code for k in kinds),
            "information": codes,
            "expires_on": expires_on.isoformat() if expires_on else None,
        },
    )
    return consent


@transaction.atomic
def consent_withdraw(
    *,
    actor: User,
    consent: Consent,
    withdrawn_by: Person,
    withdrawn_on: datetime.date | None = None,
    note: str = "",
) -> Consent:
    """Record that a family member withdrew their consent (anyone who may change the case).
    From `withdrawn_on` (default today, never in the future) it covers no new share; what was
    already sent is not recalled (withdraw those referrals separately)."""
    case = consent.case
    require_change(actor, case)
    current = Consent.objects.select_for_update().get(pk=consent.pk)
    if current.is_withdrawn:
        raise ValidationError(
            _("This consent was already withdrawn on %(day)s.")
            % {"day": current.withdrawn_on.isoformat() if current.withdrawn_on else ""}
        )
    if withdrawn_by.family_id != case.family_id:
        raise ValidationError({"withdrawn_by": _("Choose a member of this family.")})
    day = withdrawn_on or timezone.localdate()
    refuse_future(day, "withdrawn_on")
    if day < current.given_on:
        raise ValidationError(
            {"withdrawn_on": _("A consent cannot be withdrawn before it was given.")}
        )
    current.withdrawn_on = day
    current.withdrawn_by_person = withdrawn_by
    current.withdrawn_recorded_by = actor
    current.withdrawal_note = note.strip()
    current.full_clean()
    current.save()
    audit_record(
        actor=actor,
        event=Event.WITHDRAW,
        obj=current,
        case=case,
        changes={"withdrawn_on": [None, day.isoformat()]},
        reason=current.withdrawal_note,
        extra={"withdrawn_by": withdrawn_by.pk},
    )
    return current
