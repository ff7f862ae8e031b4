"""Reads of the referrals app that need scoping (DESIGN rule 1: one door per object).

- The directory: `services_search`, `get_service_for`.
- Intake: `may_screen`, `intake_queue`, `get_intake_for`, `intake_matches`.
- Consent: `consent_check`, `consent_covering`.
- Outgoing referrals: `referrals_for_case`, `referrals_for_partner`, `get_referral_for_partner`,
  and `partner_view`, the only representation of a referral a partner ever gets.

Missing and forbidden answer alike (Http404), and a refused reach leaves an audit event. The
reads themselves are audited by the page or endpoint that shows them (`audit_view`).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeGuard

from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.access import MAX_ID, cases_visible_to
from casework.audit import Event, audit_record
from casework.models import Case, Family, Organisation, Person, User, Village

from . import sharing
from .models import Consent, HelpKind, Intake, IntakePerson, IntakeWorker, OutgoingReferral, Service

AnyUser = User | AnonymousUser


def _as_pk(value: object) -> int | None:
    try:
        pk = int(str(value))
    except (TypeError, ValueError):
        return None
    return pk if 0 < pk <= MAX_ID else None


def _staff_of(user: AnyUser, organisation_id: int | None) -> TypeGuard[User]:
    """An active account of the organisation itself (partners work for other organisations)."""
    return (
        isinstance(user, User)
        and user.is_active
        and organisation_id is not None
        and user.organisation_id == organisation_id
        and user.role != User.Role.PARTNER
    )


def is_active_partner(user: AnyUser) -> TypeGuard[User]:
    return isinstance(user, User) and user.is_active and user.role == User.Role.PARTNER


# --- The directory ---------------------------------------------------------------------------


def may_manage_directory(user: AnyUser, organisation: Organisation) -> bool:
    """Administrators and supervisors of the organisation keep its directory of services."""
    return _staff_of(user, organisation.pk) and user.role in (
        User.Role.ADMINISTRATOR,
        User.Role.SUPERVISOR,
    )


def services_search(
    user: AnyUser,
    *,
    need: HelpKind | None = None,
    village: Village | None = None,
    text: str = "",
    include_inactive: bool = False,
) -> QuerySet[Service]:
    """The services a user may look up, narrowed by kind of help, village and free text.

    Staff of an organisation search its own directory; a partner sees only the services they
    receive referrals for; anybody else nothing. With `village`, services that list that village
    come first, followed by those that list no village at all (area described in words); a
    service covering only other villages is left out.
    """
    if is_active_partner(user):
        found = Service.objects.filter(partner_users=user)
    elif (
        isinstance(user, User)
        and user.organisation_id is not None
        and _staff_of(user, user.organisation_id)
    ):
        found = Service.objects.filter(directory_of_id=user.organisation_id)
    else:
        return Service.objects.none()
    if not include_inactive:
        found = found.filter(is_active=True)
    if need is not None:
        found = found.filter(
            Exists(
                Service.kinds.through.objects.filter(service_id=OuterRef("pk"), helpkind_id=need.pk)
            )
        )
    order: list[Any] = ["name", "pk"]
    if village is not None:
        covers = Service.villages.through.objects.filter(service_id=OuterRef("pk"))
        found = found.annotate(
            covers_village=Exists(covers.filter(village_id=village.pk)),
            lists_villages=Exists(covers),
        ).filter(Q(covers_village=True) | Q(lists_villages=False))
        order = ["-covers_village", *order]
    for term in text.split()[:5]:
        term = term[:100]
        found = found.filter(
            Q(name__icontains=term)
            | Q(provider__icontains=term)
            | Q(description__icontains=term)
            | Q(eligibility__icontains=term)
            | Q(area_notes__icontains=term)
        )
    return found.prefetch_related("kinds", "villages").order_by(*order)


def get_service_for(user: AnyUser, service_id: object, *, manage: bool = False) -> Service:
    """One service of the user's directory (or, for a partner, one of theirs), or an audited 404.

    With `manage`, only for those who may edit the directory.
    """
    pk = _as_pk(service_id)
    service = (
        services_search(user, include_inactive=True).filter(pk=pk).first()
        if pk is not None
        else None
    )
    if service is not None and manage and not may_manage_directory(user, service.directory_of):
        service = None
    if service is None:
        audit_record(
            actor=user if isinstance(user, User) else None,
            event=Event.REFUSED,
            model=Service,
            object_pk=str(service_id)[:100],
            reason="not found",
        )
        raise Http404
    return service


# --- Intake ----------------------------------------------------------------------------------


def may_record_intake(user: AnyUser, organisation: Organisation) -> bool:
    """Social workers and supervisors take referrals (people phone in)."""
    return _staff_of(user, organisation.pk) and user.role in (
        User.Role.SOCIAL_WORKER,
        User.Role.SUPERVISOR,
    )


def may_screen(user: AnyUser, organisation: Organisation | None = None) -> bool:
    """Supervisors of a team of the organisation, and the intake workers an administrator named.

    `organisation` defaults to the user's own.
    """
    if not isinstance(user, User):
        return False
    org_id = organisation.pk if organisation is not None else user.organisation_id
    if (
        org_id is None
        or not _staff_of(user, org_id)
        or user.role not in (User.Role.SOCIAL_WORKER, User.Role.SUPERVISOR)
    ):
        return False
    if (
        user.role == User.Role.SUPERVISOR
        and user.supervised_teams.filter(organisation_id=org_id).exists()
    ):
        return True
    return IntakeWorker.objects.filter(user=user, organisation_id=org_id).exists()


def intake_workers(organisation: Organisation) -> QuerySet[IntakeWorker]:
    return IntakeWorker.objects.filter(organisation=organisation).select_related("user")


def _urgency_rank() -> models.Case:
    return models.Case(
        *(models.When(urgency=code, then=rank) for code, rank in Intake.URGENCY_RANK.items()),
        default=len(Intake.URGENCY_RANK),
        output_field=models.IntegerField(),
    )


def intake_queue(user: AnyUser) -> QuerySet[Intake]:
    """Referrals of the user's organisation awaiting screening, most urgent first and, within an
    urgency, the longest waiting first (`Intake.age`). Empty for anyone who may not screen."""
    if not isinstance(user, User) or user.organisation_id is None or not may_screen(user):
        return Intake.objects.none()
    return (
        Intake.objects.filter(organisation_id=user.organisation_id, status=Intake.Status.AWAITING)
        .annotate(urgency_rank=_urgency_rank())
        .select_related("village", "recorded_by")
        .prefetch_related("people", "concerns")
        .order_by("urgency_rank", "received_at", "pk")
    )


def intakes_visible_to(user: AnyUser) -> QuerySet[Intake]:
    """Screeners see every referral of their organisation; others those they recorded."""
    if (
        not isinstance(user, User)
        or user.organisation_id is None
        or not _staff_of(user, user.organisation_id)
    ):
        return Intake.objects.none()
    intakes = Intake.objects.filter(organisation_id=user.organisation_id)
    if not may_screen(user):
        intakes = intakes.filter(recorded_by=user)
    return intakes


def get_intake_for(user: AnyUser, intake_id: object) -> Intake:
    """One incoming referral, through the door: missing and forbidden both answer 404."""
    pk = _as_pk(intake_id)
    intake = (
        intakes_visible_to(user)
        .select_related("village", "recorded_by", "decided_by", "case", "service")
        .filter(pk=pk)
        .first()
        if pk is not None
        else None
    )
    if intake is None:
        existing = Intake.objects.filter(pk=pk).select_related("case").first() if pk else None
        audit_record(
            actor=user if isinstance(user, User) else None,
            event=Event.REFUSED,
            model=Intake,
            object_pk=str(intake_id)[:100],
            case=existing.case if existing is not None else None,
            reason="not found" if existing is None else "not a screener",
        )
        raise Http404
    return intake


@dataclass(frozen=True)
class MatchedCase:
    """A case of a matching family the user may see."""

    case: Case
    reference: str
    phase: str
    phase_label: str
    is_closed: bool
    team: str
    worker: str


@dataclass(frozen=True)
class ElsewhereContact:
    """A possible match in cases the user may not see: only the team and who to ask."""

    team: str
    supervisors: tuple[str, ...]


@dataclass
class IntakeMatch:
    """A family on record that may be the one referred.

    When the user may see none of the family's cases, `visible` is False and only `elsewhere`
    is filled in (team and supervisors to ask), with no name or detail of the family.
    """

    score: int
    visible: bool
    family: Family | None = None
    people: list[Person] = field(default_factory=list)
    why: list[str] = field(default_factory=list)
    cases: list[MatchedCase] = field(default_factory=list)
    elsewhere: list[ElsewhereContact] = field(default_factory=list)

    @property
    def all_closed(self) -> bool:
        """Every case of the family the user can see is closed: a returning family."""
        return bool(self.cases) and all(c.is_closed for c in self.cases)


MATCH_LIMIT = 20
# Enough candidates for a village, never a whole organisation's register.
CANDIDATE_LIMIT = 2000
AGE_TOLERANCE = 2


def _norm(text: str) -> str:
    return " ".join(text.casefold().split())


def _same_name(a: str, b: str) -> bool:
    a, b = _norm(a), _norm(b)
    if len(a) < 2 or len(b) < 2:
        return a == b != ""
    return a in b or b in a


def _tokens(values: Iterable[str]) -> set[str]:
    return {t for value in values for t in _norm(value).split() if len(t) >= 2}


def _person_score(
    wanted: IntakePerson, person: Person, today: datetime.date
) -> tuple[int, set[str]]:
    score, why = 0, set[str]()
    khmer, latin, age = _("Khmer name"), _("Latin name"), _("age")
    if wanted.given_name_km and _same_name(wanted.given_name_km, person.given_name_km):
        score, why = score + 3, why | {khmer}
    if wanted.family_name_km and _same_name(wanted.family_name_km, person.family_name_km):
        score, why = score + 2, why | {khmer}
    if wanted.given_name_latin and _same_name(wanted.given_name_latin, person.given_name_latin):
        score, why = score + 3, why | {latin}
    if wanted.family_name_latin and _same_name(wanted.family_name_latin, person.family_name_latin):
        score, why = score + 2, why | {latin}
    known = person.age_on(today)
    if (
        wanted.approximate_age is not None
        and known is not None
        and abs(known - wanted.approximate_age) <= AGE_TOLERANCE
    ):
        score, why = score + 1, why | {age}
    return score, why


def intake_matches(user: AnyUser, intake: Intake) -> list[IntakeMatch]:
    """Likely matches among the organisation's families and people, best first.

    Compared: Khmer and Latin names (case-insensitive, one containing the other) of the people
    named and the family name, the village, and approximate age (within two years of an age
    from the date of birth or the estimated age). Families whose cases are all closed are found
    too (`IntakeMatch.all_closed`: a returning family). A family counts as a match on a name, or
    on the village together with someone of about the right age.

    Need to know: details only for families with a case the user may see; otherwise only that a
    possible match exists in team X, and who supervises it. Empty for anyone who may not screen
    the referral's organisation.
    """
    if not isinstance(user, User) or not may_screen(user, intake.organisation):
        return []
    today = timezone.localdate()
    wanted = list(intake.people.all())
    tokens = _tokens(
        [intake.family_name]
        + [
            name
            for p in wanted
            for name in (
                p.given_name_km,
                p.family_name_km,
                p.given_name_latin,
                p.family_name_latin,
            )
        ]
    )
    where = Q()
    for token in sorted(tokens)[:20]:
        where |= (
            Q(given_name_km__icontains=token)
            | Q(family_name_km__icontains=token)
            | Q(given_name_latin__icontains=token)
            | Q(family_name_latin__icontains=token)
            | Q(family__family_name__icontains=token)
        )
    if intake.village_id is not None:
        where |= Q(family__village_id=intake.village_id)
    if not where:
        return []
    candidates = list(
        Person.objects.filter(family__organisation_id=intake.organisation_id)
        .filter(where)
        .select_related("family__village")  # the village is shown beside each family
        .order_by("-family_id", "pk")[:CANDIDATE_LIMIT]
    )
    by_family: dict[int, list[Person]] = {}
    families: dict[int, Family] = {}
    for person in candidates:
        by_family.setdefault(person.family_id, []).append(person)
        families[person.family_id] = person.family
    scored: list[tuple[int, Family, list[Person], list[str]]] = []
    village, family_name = _("village"), _("family name")
    for family_id, people in by_family.items():
        family = families[family_id]
        why: set[str] = set()
        score = 0
        matched: dict[int, Person] = {}
        named = False
        if intake.family_name and _same_name(intake.family_name, family.family_name):
            score, why, named = score + 2, why | {family_name}, True
        in_village = intake.village_id is not None and family.village_id == intake.village_id
        if in_village:
            score, why = score + 2, why | {village}
        aged = False
        for wanted_person in wanted:
            best, best_why, best_person = 0, set[str](), None
            for person in people:
                s, w = _person_score(wanted_person, person, today)
                if s > best:
                    best, best_why, best_person = s, w, person
            if best_person is not None:
                score += best
                why |= best_why
                matched[best_person.pk] = best_person
                named = named or bool(best_why - {_("age")})
                aged = aged or _("age") in best_why
        if not (named or (in_village and aged)):
            continue
        order = [family_name, _("Khmer name"), _("Latin name"), village, _("age")]
        scored.append((score, family, list(matched.values()), [r for r in order if r in why]))
    scored.sort(key=lambda row: (-row[0], -row[1].pk))
    scored = scored[: MATCH_LIMIT * 2]
    family_ids = [row[1].pk for row in scored]
    cases_by_family: dict[int, list[Case]] = {}
    for case in (
        Case.objects.filter(family_id__in=family_ids)
        .select_related("team", "worker")
        # Whom to ask about a family in another team: one query for every team, not one each.
        .prefetch_related(
            models.Prefetch(
                "team__supervisors",
                queryset=User.objects.filter(is_active=True).order_by("pk"),
                to_attr="active_supervisors",
            )
        )
        .order_by("-opened_on", "-pk")
    ):
        cases_by_family.setdefault(case.family_id, []).append(case)
    visible = set(
        cases_visible_to(user).filter(family_id__in=family_ids).values_list("pk", flat=True)
    )
    supervisors: dict[int, tuple[str, ...]] = {}
    results: list[IntakeMatch] = []
    hidden: dict[tuple[ElsewhereContact, ...], IntakeMatch] = {}
    for score, family, people, why_list in scored:
        cases = cases_by_family.get(family.pk, [])
        seen = [c for c in cases if c.pk in visible]
        elsewhere: list[ElsewhereContact] = []
        for case in cases:
            if case.pk in visible:
                continue
            if case.team_id not in supervisors:
                supervisors[case.team_id] = tuple(
                    u.display_name
                    for u in case.team.active_supervisors  # type: ignore[attr-defined]
                )
            contact = ElsewhereContact(case.team.name, supervisors[case.team_id])
            if contact not in elsewhere:
                elsewhere.append(contact)
        if seen:
            results.append(
                IntakeMatch(
                    score=score,
                    visible=True,
                    family=family,
                    people=people,
                    why=why_list,
                    cases=[
                        MatchedCase(
                            case=c,
                            reference=c.reference,
                            phase=c.phase,
                            phase_label=str(c.get_phase_display()),
                            is_closed=c.phase == Case.Phase.CLOSED,
                            team=c.team.name,
                            worker=c.worker.display_name,
                        )
                        for c in seen
                    ],
                    elsewhere=elsewhere,
                )
            )
        elif elsewhere:
            key = tuple(elsewhere)
            if key in hidden:
                hidden[key].score = max(hidden[key].score, score)
            else:
                hidden[key] = IntakeMatch(score=score, visible=False, elsewhere=elsewhere)
                results.append(hidden[key])
    results.sort(key=lambda m: (-m.score, not m.visible))
    return results[:MATCH_LIMIT]


# --- Consent ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConsentCheck:
    """Whether a consent covers a share; if not, what is missing, in words a worker can act on.

    `missing` lists the field codes no consent in force covers (every requested field when no
    consent in force names the recipient).
    """

    consent: Consent | None
    missing: tuple[str, ...]
    message: str

    @property
    def covered(self) -> bool:
        return self.consent is not None


def _covers_recipient(consent: Consent, service: Service, purpose_kind: HelpKind | None) -> bool:
    """Named as a service, or named as a kind of service this service offers for the purpose."""
    if any(s.pk == service.pk for s in consent.services.all()):
        return True
    consent_kinds = {k.pk for k in consent.kinds.all()}
    service_kinds = {k.pk for k in service.kinds.all()}
    if purpose_kind is not None:
        return purpose_kind.pk in consent_kinds and purpose_kind.pk in service_kinds
    return bool(consent_kinds & service_kinds)


def consent_check(
    case: Case,
    service: Service,
    fields: Sequence[str],
    purpose_kind: HelpKind | None,
    *,
    on: datetime.date | None = None,
) -> ConsentCheck:
    """Find a consent of the case covering this recipient (the service itself, or one of its
    kinds of help — `purpose_kind`, the kind this referral is for), every requested field, and
    in force on `on` (default today: given by then, not expired, not withdrawn). The most
    recent such consent wins. Otherwise say why not, naming the person and what is missing.
    """
    day = on or timezone.localdate()
    wanted = list(dict.fromkeys(fields))
    consents = list(
        Consent.objects.filter(case=case)
        .select_related("given_by")
        .prefetch_related("services", "kinds")
        .order_by("-given_on", "-pk")
    )
    for_recipient = [c for c in consents if _covers_recipient(c, service, purpose_kind)]
    in_force = [c for c in for_recipient if c.in_force_on(day)]
    for consent in in_force:
        if set(wanted) <= set(consent.information):
            return ConsentCheck(consent, (), "")
    if in_force:
        best = max(in_force, key=lambda c: len(set(wanted) & set(c.information)))
        missing = tuple(code for code in wanted if code not in best.information)
        return ConsentCheck(
            None,
            missing,
            _("The consent from %(person)s (%(day)s) does not cover: %(fields)s.")
            % {
                "person": best.given_by.display_name,
                "day": best.given_on.isoformat(),
                "fields": sharing.labels(missing),
            },
        )
    if for_recipient:
        latest = for_recipient[0]
        if latest.withdrawn_on is not None and latest.withdrawn_on <= day:
            message = _("The consent from %(person)s was withdrawn on %(day)s.") % {
                "person": latest.given_by.display_name,
                "day": latest.withdrawn_on.isoformat(),
            }
        elif latest.expires_on is not None and latest.expires_on < day:
            message = _("The consent from %(person)s expired on %(day)s.") % {
                "person": latest.given_by.display_name,
                "day": latest.expires_on.isoformat(),
            }
        else:
            message = _("The consent from %(person)s only starts on %(day)s.") % {
                "person": latest.given_by.display_name,
                "day": latest.given_on.isoformat(),
            }
        return ConsentCheck(None, tuple(wanted), message)
    kind = purpose_kind.label if purpose_kind is not None else ""
    return ConsentCheck(
        None,
        tuple(wanted),
        (
            _("No consent covers sharing with %(service)s for %(kind)s.")
            % {"service": service.name, "kind": kind}
            if kind
            else _("No consent covers sharing with %(service)s.") % {"service": service.name}
        ),
    )


def consent_covering(
    case: Case,
    service: Service,
    fields: Sequence[str],
    purpose_kind: HelpKind | None,
    *,
    on: datetime.date | None = None,
) -> Consent | None:
    """The consent that covers sharing `fields` with `service` for `purpose_kind` on `on`, or
    None (see `consent_check` for the rules and for why not)."""
    return consent_check(case, service, fields, purpose_kind, on=on).consent


def consents_for_case(case: Case) -> QuerySet[Consent]:
    """Every consent of the case, newest first, withdrawn ones included (for the case page)."""
    return (
        Consent.objects.filter(case=case)
        .select_related("given_by", "recorded_by", "withdrawn_by_person")
        .prefetch_related("services", "kinds")
        .order_by("-given_on", "-pk")
    )


# --- Outgoing referrals ----------------------------------------------------------------------


def referrals_for_case(case: Case) -> QuerySet[OutgoingReferral]:
    """The case's referrals to services, newest first, with their current status (the worker
    sees a partner's acknowledgement, decision and outcome here and in the case's trail)."""
    return (
        OutgoingReferral.objects.filter(case=case)
        .select_related("service", "help_kind", "consent__given_by", "override_by", "sent_by")
        .prefetch_related("children")
        .order_by("-created_at", "-pk")
    )


def referrals_for_partner(user: AnyUser) -> QuerySet[OutgoingReferral]:
    """What a partner account may read: referrals sent (at any later stage, withdrawn included)
    to the services it receives for. Never a draft, never anything for anybody else."""
    if not is_active_partner(user):
        return OutgoingReferral.objects.none()
    return (
        OutgoingReferral.objects.filter(
            service__partner_users=user,
            sent_at__isnull=False,
        )
        .exclude(status=OutgoingReferral.Status.DRAFT)
        .select_related("service", "help_kind")
        .order_by("-sent_at", "-pk")
    )


def get_referral_for_partner(user: AnyUser, referral_id: object) -> OutgoingReferral:
    """The partner's door to one referral: anything not in `referrals_for_partner` — another
    service's, a draft, an unknown id, or any caller who is not an active partner — answers 404
    and leaves a refusal on the trail of the case it belongs to (like casework.access)."""
    pk = _as_pk(referral_id)
    referral = referrals_for_partner(user).filter(pk=pk).first() if pk is not None else None
    if referral is None:
        existing = (
            OutgoingReferral.objects.filter(pk=pk).select_related("case").first()
            if pk is not None
            else None
        )
        audit_record(
            actor=user if isinstance(user, User) else None,
            event=Event.REFUSED,
            model=OutgoingReferral,
            object_pk=str(referral_id)[:100],
            case=existing.case if existing is not None else None,
            reason="not found" if existing is None else "not for this partner",
        )
        raise Http404
    return referral


def partner_view(referral: OutgoingReferral) -> dict[str, Any]:
    """Everything a partner may know about a referral, and nothing more.

    Built only from the snapshot taken when it was sent (shared_fields, shared_data and the
    agency contact), the service, the kind of help, the status and its dates and reasons —
    never from the live case: no case id, no case reference. Pages, the API and the printable
    letter all use this. Labels and texts are in the active language.

    {"id", "status", "status_label", "service": {"id", "name", "provider"},
     "help_kind": {"code", "label"}, "agency": {"name", "contact_name", "contact_phone"},
     "shared_fields": [{"code", "label"}],
     "children": [[{"code", "label", "value", "text"}, ...], ...]  (one list per child),
     "information": [{"code", "label", "value", "text"}, ...]     (about the referral),
     "sent_at", "acknowledged_at", "decided_at", "completed_at", "withdrawn_at",
     "decline_reason", "outcome", "withdraw_reason"}
    """
    codes = [code for code in referral.shared_fields if code in sharing.CATALOGUE]
    data = referral.shared_data if referral.was_sent else {}
    children, general = sharing.render(codes if referral.was_sent else [], data)
    contact = referral.contact or {}
    return {
        "id": referral.pk,
        "status": referral.status,
        "status_label": str(referral.get_status_display()),
        "service": {
            "id": referral.service_id,
            "name": referral.service.name,
            "provider": referral.service.provider,
        },
        "help_kind": {"code": referral.help_kind.code, "label": referral.help_kind.label},
        "agency": {
            "name": contact.get("agency", ""),
            "contact_name": contact.get("name", ""),
            "contact_phone": contact.get("phone", ""),
        },
        "shared_fields": [
            {"code": code, "label": sharing.label_of(code)}
            for code in (codes if referral.was_sent else [])
        ],
        "children": [[item.as_dict() for item in child] for child in children],
        "information": [item.as_dict() for item in general],
        "sent_at": referral.sent_at,
        "acknowledged_at": referral.acknowledged_at,
        "decided_at": referral.decided_at,
        "completed_at": referral.completed_at,
        "withdrawn_at": referral.withdrawn_at,
        "decline_reason": referral.decline_reason,
        "outcome": referral.outcome,
        "withdraw_reason": referral.withdraw_reason,
    }
