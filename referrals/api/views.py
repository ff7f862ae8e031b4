"""The referrals API: the directory, intake and screening, consent, outgoing referrals, and the
partner's side.

Built like the other apps' APIs:
- a case only through `get_case_for` (404 for forbidden and missing, 403 for seen but not
  changeable), a record inside it only through `get_record_for` on that case's records;
  a service, an intake or a partner's referral only through their selectors' doors (404);
- a partner works only on `partner/referrals/` and sees only `selectors.partner_view`; every
  other endpoint answers a partner 404, and the partner endpoints answer staff 404;
- every successful read leaves exactly one `audit_view` event; writes are the services' and
  they audit themselves; a service's refusal and a stale edit each leave one event here;
- token authentication first, so an anonymous call answers 401.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from casework.access import cases_visible_to, get_case_for, get_record_for
from casework.api.views import (
    FORBIDDEN,
    INVALID,
    READ_ERRORS,
    STALE,
    UNAUTHENTICATED,
    WRITE_ERRORS,
    CaseworkAPIView,
    actor_of,
    people_of,
    service_refusals_audited,
    stale_response,
)
from casework.audit import Event, audit_record, audit_view
from casework.models import Case, ConcernCategory, Family, Person, Team, User, Village
from casework.services import StaleEdit

from .. import services, sharing
from ..models import Consent, HelpKind, Intake, OutgoingReferral, Service
from ..selectors import (
    consent_check,
    consents_for_case,
    get_intake_for,
    get_referral_for_partner,
    get_service_for,
    intake_matches,
    intake_queue,
    intakes_visible_to,
    is_active_partner,
    may_screen,
    partner_view,
    referrals_for_case,
    referrals_for_partner,
    services_search,
)
from . import serializers as api

M = TypeVar("M", bound=Model)

PARTNERS_ONLY = OpenApiResponse(
    description="Not a referral sent to your service, or you are not a partner account."
)

# --- Plumbing --------------------------------------------------------------------------------


def refuse_partner(actor: User, model: type[Model], pk: object = None) -> None:
    """Partners work only on the referrals sent to their service: anything else is a 404,
    left on the trail like the door's refusals."""
    if actor.role == User.Role.PARTNER:
        audit_record(
            actor=actor,
            event=Event.REFUSED,
            model=model,
            object_pk=None if pk is None else str(pk)[:100],
            reason="partner",
        )
        raise Http404


def require_partner(actor: User, model: type[Model]) -> None:
    """The partner endpoints are for active partner accounts only: staff get a 404."""
    if not is_active_partner(actor):
        audit_record(actor=actor, event=Event.REFUSED, model=model, reason="not a partner")
        raise Http404


@contextmanager
def refusals_audited(actor: User, obj: Model | None, model: type[Model]) -> Iterator[None]:
    """A refusal by a service outside any case, audited like the door's."""
    try:
        yield
    except PermissionDenied:
        audit_record(
            actor=actor,
            event=Event.REFUSED,
            obj=obj,
            model=model,
            reason="refused by service",
        )
        raise


def stale_outside_case(
    actor: User, case: Case | None, stale: StaleEdit, your_version: int, current: Any
) -> Response:
    """409 with the newer values, for records that may belong to no case (the directory)."""
    if case is not None:
        return stale_response(actor, case, stale, your_version, current)
    audit_record(
        actor=actor,
        event=Event.STALE_EDIT,
        obj=stale.current,
        extra={"your_version": your_version, "current_version": stale.current.version},
    )
    return Response(
        {
            "detail": _(
                "Somebody saved a newer version since you read this, so nothing was changed. "
                "Compare with the current values and send your edit again with their version."
            ),
            "your_version": your_version,
            "current": current,
        },
        status=status.HTTP_409_CONFLICT,
    )


def _by_codes(model: type[M], codes: Sequence[str], field: str) -> list[M]:
    """Rows of a code-keyed list (kinds of help, concerns), or a 400 on `field`."""
    wanted = list(dict.fromkeys(codes))
    found = {row.code: row for row in model._default_manager.filter(code__in=wanted)}  # type: ignore[attr-defined]
    unknown = [code for code in wanted if code not in found]
    if unknown:
        raise ValidationError(
            {field: _("Unknown codes: %(codes)s") % {"codes": ", ".join(unknown)}}
        )
    return [found[code] for code in wanted]


def _by_ids(queryset: QuerySet[M], ids: Sequence[int], field: str, message: str) -> list[M]:
    """Rows among `queryset` (already scoped), or a 400 on `field` (never a hint of others)."""
    wanted = list(dict.fromkeys(ids))
    found = {row.pk: row for row in queryset.filter(pk__in=wanted)}
    if len(found) != len(wanted):
        raise ValidationError({field: message})
    return [found[pk] for pk in wanted]


def _one(queryset: QuerySet[M], pk: int | None, field: str, message: str) -> M | None:
    if pk is None:
        return None
    return _by_ids(queryset, [pk], field, message)[0]


class ReferralsAPIView(CaseworkAPIView):
    """Signed in by token or session; the same plumbing as casework's API."""


# --- The directory -----------------------------------------------------------------------------


def service_rows(actor: User) -> QuerySet[Service]:
    return services_search(actor, include_inactive=True).prefetch_related("partner_users")


def service_data(actor: User, pk: int) -> Any:
    return api.ServiceSerializer(service_rows(actor).get(pk=pk)).data


def _service_lists(actor: User, values: dict[str, Any]) -> dict[str, Any]:
    lists: dict[str, Any] = {}
    if "kinds" in values:
        lists["kinds"] = _by_codes(HelpKind, values.pop("kinds"), "kinds")
    if "villages" in values:
        lists["villages"] = _by_ids(
            Village.objects.all(),
            values.pop("villages"),
            "villages",
            _("Choose villages from the list."),
        )
    if "partner_users" in values:
        lists["partner_users"] = _by_ids(
            User.objects.filter(role=User.Role.PARTNER),
            values.pop("partner_users"),
            "partner_users",
            _("Choose partner accounts."),
        )
    return lists


class ServiceListView(ReferralsAPIView):
    pagination_class = PageNumberPagination

    @extend_schema(
        parameters=[api.ServiceSearchSerializer],
        responses={200: api.ServiceSerializer(many=True), 400: INVALID, **READ_ERRORS},
        description=(
            "Your organisation's directory of services in use, by kind of help (`need`), "
            "village (services listing it first, then those naming no village) and words."
        ),
    )
    def get(self, request: Request) -> Response:
        actor = actor_of(request)
        refuse_partner(actor, Service)
        query = api.ServiceSearchSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        need = _by_codes(HelpKind, [params["need"]], "need")[0] if params.get("need") else None
        village = _one(
            Village.objects.all(), params.get("village"), "village", _("Unknown village.")
        )
        rows = services_search(
            actor, need=need, village=village, text=params.get("q", "")
        ).prefetch_related("partner_users")
        response, count = self.paginate(request, rows, api.ServiceSerializer, {})
        audit_view(
            actor,
            None,
            None,
            model=Service,
            extra={"list": "services", "q": params.get("q", ""), "count": count},
        )
        return response

    @extend_schema(
        request=api.ServiceCreateSerializer,
        responses={201: api.ServiceSerializer, **WRITE_ERRORS},
        description="Administrators and supervisors add a service to the directory.",
    )
    def post(self, request: Request) -> Response:
        actor = actor_of(request)
        refuse_partner(actor, Service)
        serializer = api.ServiceCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        lists = _service_lists(actor, data)
        with refusals_audited(actor, None, Service):
            service = services.service_create(actor=actor, data=data, **lists)
        return Response(service_data(actor, service.pk), status=status.HTTP_201_CREATED)


class ServiceDetailView(ReferralsAPIView):
    @extend_schema(responses={200: api.ServiceSerializer, **READ_ERRORS})
    def get(self, request: Request, service_id: int) -> Response:
        actor = actor_of(request)
        refuse_partner(actor, Service, service_id)
        service = get_service_for(actor, service_id)
        data = service_data(actor, service.pk)
        audit_view(actor, service, None)
        return Response(data)

    @extend_schema(
        request=api.ServiceUpdateSerializer,
        responses={200: api.ServiceSerializer, 409: STALE, **WRITE_ERRORS},
        description=(
            "Administrators and supervisors change the fields sent; `version` must be the one "
            "you read. `is_active: false` takes it out of searches and new referrals."
        ),
    )
    def patch(self, request: Request, service_id: int) -> Response:
        actor = actor_of(request)
        refuse_partner(actor, Service, service_id)
        service = get_service_for(actor, service_id)
        serializer = api.ServiceUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version: int = data.pop("version")
        lists = _service_lists(actor, data)
        try:
            with refusals_audited(actor, service, Service):
                services.service_update(
                    actor=actor, service=service, expected_version=version, data=data, **lists
                )
        except StaleEdit as stale:
            return stale_outside_case(
                actor, None, stale, version, service_data(actor, stale.current.pk)
            )
        return Response(service_data(actor, service.pk))


# --- Intake --------------------------------------------------------------------------------------


def intake_rows(actor: User) -> QuerySet[Intake]:
    return (
        intakes_visible_to(actor)
        .select_related("village", "recorded_by", "decided_by", "service")
        .prefetch_related("people", "concerns")
    )


def intake_data(actor: User, pk: int) -> Any:
    return api.IntakeDetailSerializer(intake_rows(actor).get(pk=pk)).data


def _intake_values(values: dict[str, Any]) -> dict[str, Any]:
    """The service's keyword arguments from a request: `data`, and the lists when sent."""
    data = dict(values)
    out: dict[str, Any] = {}
    if "people" in data:
        out["people"] = [services.IntakePersonData(**row) for row in data.pop("people")]
    if "concerns" in data:
        out["concerns"] = _by_codes(ConcernCategory, data.pop("concerns"), "concerns")
    if "village" in data:
        data["village"] = _one(
            Village.objects.all(), data["village"], "village", _("Unknown village.")
        )
    out["data"] = data
    return out


class IntakeListView(ReferralsAPIView):
    pagination_class = PageNumberPagination

    @extend_schema(
        responses={200: api.IntakeSerializer(many=True), **READ_ERRORS},
        description=(
            "For screeners, the screening queue: referrals awaiting screening, most urgent "
            "first, the longest waiting first within an urgency. For others, the referrals "
            "they recorded."
        ),
    )
    def get(self, request: Request) -> Response:
        actor = actor_of(request)
        refuse_partner(actor, Intake)
        screener = may_screen(actor)
        rows = (
            intake_queue(actor) if screener else intake_rows(actor).order_by("-received_at", "-pk")
        )
        response, count = self.paginate(request, rows, api.IntakeSerializer, {})
        audit_view(
            actor,
            None,
            None,
            model=Intake,
            extra={"list": "intake queue" if screener else "intake recorded", "count": count},
        )
        return response

    @extend_schema(
        request=api.IntakeCreateSerializer,
        responses={201: api.IntakeDetailSerializer, **WRITE_ERRORS},
        description=(
            "Record a referral received by your organisation (social workers and supervisors). "
            "Name at least one child it is about."
        ),
    )
    def post(self, request: Request) -> Response:
        actor = actor_of(request)
        refuse_partner(actor, Intake)
        serializer = api.IntakeCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = _intake_values(dict(serializer.validated_data))
        with refusals_audited(actor, None, Intake):
            intake = services.intake_record(actor=actor, **values)
        return Response(intake_data(actor, intake.pk), status=status.HTTP_201_CREATED)


class IntakeDetailView(ReferralsAPIView):
    @extend_schema(responses={200: api.IntakeDetailSerializer, **READ_ERRORS})
    def get(self, request: Request, intake_id: int) -> Response:
        actor = actor_of(request)
        intake = get_intake_for(actor, intake_id)
        data = intake_data(actor, intake.pk)
        audit_view(actor, intake, intake.case)
        return Response(data)

    @extend_schema(
        request=api.IntakeUpdateSerializer,
        responses={200: api.IntakeDetailSerializer, 409: STALE, **WRITE_ERRORS},
        description=(
            "Correct a referral while it awaits screening; `version` must be the one you read."
        ),
    )
    def patch(self, request: Request, intake_id: int) -> Response:
        actor = actor_of(request)
        intake = get_intake_for(actor, intake_id)
        serializer = api.IntakeUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version: int = data.pop("version")
        values = _intake_values(data)
        try:
            with refusals_audited(actor, intake, Intake):
                services.intake_update(
                    actor=actor, intake=intake, expected_version=version, **values
                )
        except StaleEdit as stale:
            return stale_outside_case(
                actor, None, stale, version, intake_data(actor, stale.current.pk)
            )
        return Response(intake_data(actor, intake.pk))


def require_screener(actor: User, intake: Intake) -> None:
    with refusals_audited(actor, intake, Intake):
        if not may_screen(actor, intake.organisation):
            raise PermissionDenied


class IntakeMatchesView(ReferralsAPIView):
    @extend_schema(
        responses={
            200: api.IntakeMatchSerializer(many=True),
            403: OpenApiResponse(description="Only screeners look for matches."),
            **READ_ERRORS,
        },
        description=(
            "Families on record that may be the one referred, best first, closed cases "
            "included (`all_closed`: a returning family). Details only of families whose "
            "cases you may see; otherwise only the team and whom to ask."
        ),
    )
    def get(self, request: Request, intake_id: int) -> Response:
        actor = actor_of(request)
        intake = get_intake_for(actor, intake_id)
        require_screener(actor, intake)
        matches = intake_matches(actor, intake)
        data = api.IntakeMatchSerializer(matches, many=True).data
        audit_view(
            actor,
            None,
            None,
            model=Family,
            extra={"list": "intake matches", "intake": intake.pk, "count": len(matches)},
        )
        return Response(data)


class IntakeScreenView(ReferralsAPIView):
    @extend_schema(
        request=api.IntakeScreenSerializer,
        responses={200: api.IntakeDetailSerializer, 409: STALE, **WRITE_ERRORS},
        description=(
            "Screeners decide, once and with a reason: `open_case` (with `team`, `worker`, "
            "`tier`, `risk_level`; `family` and `people_on_record` to join a family on "
            "record), `add_to_case` (`case`), `no_further_action`, or `signpost` (`service`)."
        ),
    )
    def post(self, request: Request, intake_id: int) -> Response:
        actor = actor_of(request)
        intake = get_intake_for(actor, intake_id)
        serializer = api.IntakeScreenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        version: int = values["version"]
        org = intake.organisation_id
        choose = _("Choose from your organisation.")
        team = _one(Team.objects.filter(organisation_id=org), values.get("team"), "team", choose)
        worker = _one(
            User.objects.filter(organisation_id=org, is_active=True),
            values.get("worker"),
            "worker",
            choose,
        )
        family = _one(
            Family.objects.filter(organisation_id=org), values.get("family"), "family", choose
        )
        people_on_record: dict[int, Person] = {}
        for row in values.get("people_on_record", []):
            person = Person.objects.filter(pk=row["person"], family__organisation_id=org).first()
            if person is None:
                raise ValidationError({"people_on_record": choose})
            people_on_record[row["intake_person"]] = person
        case = _one(
            cases_visible_to(actor).filter(team__organisation_id=org),
            values.get("case"),
            "case",
            _("Choose a case you may see."),
        )
        service = _one(
            Service.objects.filter(directory_of_id=org),
            values.get("service"),
            "service",
            _("Choose a service from your organisation's directory."),
        )
        try:
            with refusals_audited(actor, intake, Intake):
                services.intake_screen(
                    actor=actor,
                    intake=intake,
                    expected_version=version,
                    decision=values["decision"],
                    reason=values["reason"],
                    team=team,
                    worker=worker,
                    tier=values.get("tier", ""),
                    risk_level=values.get("risk_level", ""),
                    family=family,
                    people_on_record=people_on_record,
                    case=case,
                    service=service,
                )
        except StaleEdit as stale:
            return stale_outside_case(
                actor, None, stale, version, intake_data(actor, stale.current.pk)
            )
        return Response(intake_data(actor, intake.pk))


# --- Consent -------------------------------------------------------------------------------------


def consent_data(case: Case, pk: int) -> Any:
    return api.ConsentSerializer(
        consents_for_case(case).get(pk=pk), context={"today": timezone.localdate()}
    ).data


def _family_person(case: Case, pk: int, field: str) -> Person:
    person = people_of(case).filter(pk=pk).first()
    if person is None:
        raise ValidationError({field: _("Choose a member of this family.")})
    return person


class ConsentListView(ReferralsAPIView):
    pagination_class = PageNumberPagination

    @extend_schema(
        responses={200: api.ConsentSerializer(many=True), **READ_ERRORS},
        description="Every consent of the case, newest first, withdrawn ones included.",
    )
    def get(self, request: Request, case_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id)
        response, count = self.paginate(
            request, consents_for_case(case), api.ConsentSerializer, {"today": timezone.localdate()}
        )
        audit_view(actor, None, case, model=Consent, extra={"list": "consents", "count": count})
        return response

    @extend_schema(
        request=api.ConsentCreateSerializer,
        responses={201: api.ConsentSerializer, **WRITE_ERRORS},
        description=(
            "Record a consent to share: who gave it, to which services or kinds of service, "
            "which information, for what, from when until when, and how it was explained."
        ),
    )
    def post(self, request: Request, case_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id, perm="change")
        serializer = api.ConsentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        given_by = _family_person(case, values.pop("given_by"), "given_by")
        chosen_services = _by_ids(
            Service.objects.filter(directory_of_id=case.team.organisation_id),
            values.pop("services"),
            "services",
            _("Choose services from your organisation's directory."),
        )
        kinds = _by_codes(HelpKind, values.pop("kinds"), "kinds")
        with service_refusals_audited(actor, case):
            consent = services.consent_record(
                actor=actor,
                case=case,
                given_by=given_by,
                services=chosen_services,
                kinds=kinds,
                **values,
            )
        return Response(consent_data(case, consent.pk), status=status.HTTP_201_CREATED)


class ConsentWithdrawView(ReferralsAPIView):
    @extend_schema(
        request=api.ConsentWithdrawSerializer,
        responses={200: api.ConsentSerializer, **WRITE_ERRORS},
        description=(
            "A family member withdrew the consent: from that day it covers no new share (what "
            "was sent is not recalled)."
        ),
    )
    def post(self, request: Request, case_id: int, consent_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id, perm="change")
        consent = get_record_for(actor, case, Consent.objects.filter(case=case), consent_id)
        serializer = api.ConsentWithdrawSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        withdrawn_by = _family_person(case, values["withdrawn_by"], "withdrawn_by")
        with service_refusals_audited(actor, case, consent):
            services.consent_withdraw(
                actor=actor,
                consent=consent,
                withdrawn_by=withdrawn_by,
                withdrawn_on=values.get("withdrawn_on"),
                note=values["note"],
            )
        return Response(consent_data(case, consent.pk))


# --- Outgoing referrals --------------------------------------------------------------------------


def referral_rows(case: Case) -> QuerySet[OutgoingReferral]:
    return referrals_for_case(case)


def _preview(referral: OutgoingReferral) -> dict[str, Any]:
    """What the service would receive if the draft were sent now (once sent: what it got)."""
    if referral.was_sent:
        view = partner_view(referral)
        return {key: view[key] for key in ("shared_fields", "children", "information")}
    codes = [code for code in referral.shared_fields if code in sharing.CATALOGUE]
    data = sharing.snapshot(
        sharing.ShareContext(
            case=referral.case,
            children=list(referral.children.all()),
            need=referral.need,
            background=referral.background,
            on=timezone.localdate(),
        ),
        codes,
    )
    children, general = sharing.render(codes, data)
    return {
        "shared_fields": [{"code": code, "label": sharing.label_of(code)} for code in codes],
        "children": [[item.as_dict() for item in child] for child in children],
        "information": [item.as_dict() for item in general],
    }


def referral_data(case: Case, pk: int) -> Any:
    referral = referral_rows(case).select_related("case__family__village").get(pk=pk)
    check = None
    if referral.status == OutgoingReferral.Status.DRAFT:
        result = consent_check(case, referral.service, referral.shared_fields, referral.help_kind)
        check = {
            "covered": result.covered,
            "consent": result.consent.pk if result.consent is not None else None,
            "missing": list(result.missing),
            "message": result.message,
        }
    context = {"consent_check": check, "preview": _preview(referral)}
    return api.ReferralDetailSerializer(referral, context=context).data


def _referral_values(case: Case, values: dict[str, Any]) -> dict[str, Any]:
    data = dict(values)
    if "service" in data:
        data["service"] = _by_ids(
            Service.objects.filter(directory_of_id=case.team.organisation_id),
            [data["service"]],
            "service",
            _("Choose a service in use from your organisation's directory."),
        )[0]
    if "help_kind" in data:
        data["help_kind"] = _by_codes(HelpKind, [data["help_kind"]], "help_kind")[0]
    if "children" in data:
        data["children"] = _by_ids(
            people_of(case), data["children"], "children", _("Choose children of this family.")
        )
    return data


class ReferralListView(ReferralsAPIView):
    pagination_class = PageNumberPagination

    @extend_schema(
        responses={200: api.ReferralSerializer(many=True), **READ_ERRORS},
        description="The case's referrals to services, newest first, with where each stands.",
    )
    def get(self, request: Request, case_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id)
        response, count = self.paginate(
            request, referral_rows(case), api.ReferralSerializer, {"request": request}
        )
        audit_view(
            actor, None, case, model=OutgoingReferral, extra={"list": "referrals", "count": count}
        )
        return response

    @extend_schema(
        request=api.ReferralCreateSerializer,
        responses={201: api.ReferralDetailSerializer, **WRITE_ERRORS},
        description=(
            "Draft a referral of children of the case to a service, for a kind of help it "
            "offers. `shared_fields` defaults to the need-to-know set of the kind. Nothing "
            "leaves the organisation until it is sent."
        ),
    )
    def post(self, request: Request, case_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id, perm="change")
        serializer = api.ReferralCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = _referral_values(case, dict(serializer.validated_data))
        with service_refusals_audited(actor, case):
            referral = services.referral_draft(actor=actor, case=case, **data)
        return Response(referral_data(case, referral.pk), status=status.HTTP_201_CREATED)


class ReferralDetailView(ReferralsAPIView):
    @extend_schema(
        responses={200: api.ReferralDetailSerializer, **READ_ERRORS},
        description=(
            "A referral; for a draft, whether a consent covers it today (and if not, what is "
            "missing), and the preview of exactly what the service would receive."
        ),
    )
    def get(self, request: Request, case_id: int, referral_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id)
        referral = get_record_for(
            actor, case, OutgoingReferral.objects.filter(case=case), referral_id
        )
        data = referral_data(case, referral.pk)
        audit_view(actor, referral, case)
        return Response(data)

    @extend_schema(
        request=api.ReferralUpdateSerializer,
        responses={200: api.ReferralDetailSerializer, 409: STALE, **WRITE_ERRORS},
        description="Edit a draft; `version` must be the one you read.",
    )
    def patch(self, request: Request, case_id: int, referral_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id, perm="change")
        referral = get_record_for(
            actor, case, OutgoingReferral.objects.filter(case=case), referral_id
        )
        serializer = api.ReferralUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = _referral_values(case, dict(serializer.validated_data))
        version: int = data.pop("version")
        children = data.pop("children", None)
        return self.versioned(
            actor,
            case,
            referral,
            version,
            lambda: services.referral_update(
                actor=actor,
                referral=referral,
                expected_version=version,
                data=data,
                children=children,
            ),
        )

    @staticmethod
    def versioned(
        actor: User,
        case: Case,
        referral: OutgoingReferral,
        version: int,
        write: Callable[[], object],
    ) -> Response:
        try:
            with service_refusals_audited(actor, case, referral):
                write()
        except StaleEdit as stale:
            return stale_response(
                actor, case, stale, version, referral_data(case, stale.current.pk)
            )
        return Response(referral_data(case, referral.pk))


class ReferralSendView(ReferralsAPIView):
    @extend_schema(
        request=api.ReferralSendSerializer,
        responses={200: api.ReferralDetailSerializer, 409: STALE, **WRITE_ERRORS},
        description=(
            "Send the draft. A consent in force must cover the service (or the kind of help), "
            "and every chosen field; without one a social worker is refused (400 on "
            "`consent`, saying what is missing) and a supervisor of the case's team may send "
            "only with a written best-interests `override_reason`. One SHARE event records "
            "what went to whom, under which consent or override."
        ),
    )
    def post(self, request: Request, case_id: int, referral_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id, perm="change")
        referral = get_record_for(
            actor, case, OutgoingReferral.objects.filter(case=case), referral_id
        )
        serializer = api.ReferralSendSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        version: int = values["version"]
        return ReferralDetailView.versioned(
            actor,
            case,
            referral,
            version,
            lambda: services.referral_send(
                actor=actor,
                referral=referral,
                expected_version=version,
                override_reason=values["override_reason"],
            ),
        )


class ReferralWithdrawView(ReferralsAPIView):
    @extend_schema(
        request=api.ReferralWithdrawSerializer,
        responses={200: api.ReferralDetailSerializer, 409: STALE, **WRITE_ERRORS},
        description="Withdraw a referral that has not ended, with a reason.",
    )
    def post(self, request: Request, case_id: int, referral_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id, perm="change")
        referral = get_record_for(
            actor, case, OutgoingReferral.objects.filter(case=case), referral_id
        )
        serializer = api.ReferralWithdrawSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        version: int = values["version"]
        return ReferralDetailView.versioned(
            actor,
            case,
            referral,
            version,
            lambda: services.referral_withdraw(
                actor=actor, referral=referral, reason=values["reason"], expected_version=version
            ),
        )


class ReferralFollowUpView(ReferralsAPIView):
    @extend_schema(
        request=api.ReferralFollowUpSerializer,
        responses={200: api.ReferralDetailSerializer, 409: STALE, **WRITE_ERRORS},
        description="When you will check how the referral is going (null: no date).",
    )
    def post(self, request: Request, case_id: int, referral_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id, perm="change")
        referral = get_record_for(
            actor, case, OutgoingReferral.objects.filter(case=case), referral_id
        )
        serializer = api.ReferralFollowUpSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        version: int = values["version"]
        return ReferralDetailView.versioned(
            actor,
            case,
            referral,
            version,
            lambda: services.referral_follow_up_set(
                actor=actor,
                referral=referral,
                expected_version=version,
                follow_up_on=values["follow_up_on"],
            ),
        )


# --- The partner's side --------------------------------------------------------------------------


class PartnerReferralListView(ReferralsAPIView):
    pagination_class = PageNumberPagination

    @extend_schema(
        responses={
            200: api.PartnerReferralSerializer(many=True),
            401: UNAUTHENTICATED,
            404: PARTNERS_ONLY,
        },
        description=(
            "The referrals sent to the services you receive for, newest first: only what was "
            "shared with each."
        ),
    )
    def get(self, request: Request) -> Response:
        actor = actor_of(request)
        require_partner(actor, OutgoingReferral)
        response, count = self.paginate(
            request, referrals_for_partner(actor), api.PartnerReferralSerializer, {}
        )
        audit_view(
            actor,
            None,
            None,
            model=OutgoingReferral,
            extra={"list": "partner referrals", "count": count},
        )
        return response


class PartnerReferralDetailView(ReferralsAPIView):
    @extend_schema(
        responses={200: api.PartnerReferralSerializer, 401: UNAUTHENTICATED, 404: PARTNERS_ONLY},
        description="One referral sent to your service: only what was shared with it.",
    )
    def get(self, request: Request, referral_id: int) -> Response:
        actor = actor_of(request)
        referral = get_referral_for_partner(actor, referral_id)
        data = partner_view(referral)
        audit_view(actor, referral, referral.case)
        return Response(data)


PartnerAct = Callable[[User, OutgoingReferral, dict[str, Any], int | None], object]


def partner_act(
    request: Request, referral_id: int, serializer_class: type[Any], act: PartnerAct
) -> Response:
    actor = actor_of(request)
    referral = get_referral_for_partner(actor, referral_id)
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    values = dict(serializer.validated_data)
    version: int | None = values.get("version")
    try:
        with service_refusals_audited(actor, referral.case, referral):
            act(actor, referral, values, version)
    except StaleEdit as stale:
        current = get_referral_for_partner(actor, stale.current.pk)
        return stale_response(actor, referral.case, stale, version or 0, partner_view(current))
    return Response(partner_view(get_referral_for_partner(actor, referral.pk)))


PARTNER_WRITE = {
    200: api.PartnerReferralSerializer,
    400: INVALID,
    401: UNAUTHENTICATED,
    403: FORBIDDEN,
    404: PARTNERS_ONLY,
    409: STALE,
}


class PartnerAcknowledgeView(ReferralsAPIView):
    @extend_schema(
        request=api.PartnerActSerializer,
        responses=PARTNER_WRITE,
        description="Your service has received the referral (sent → acknowledged).",
    )
    def post(self, request: Request, referral_id: int) -> Response:
        return partner_act(
            request,
            referral_id,
            api.PartnerActSerializer,
            lambda actor, referral, values, version: services.referral_acknowledge(
                actor=actor, referral=referral, expected_version=version
            ),
        )


class PartnerAcceptView(ReferralsAPIView):
    @extend_schema(
        request=api.PartnerActSerializer,
        responses=PARTNER_WRITE,
        description="Your service takes the child on (acknowledged → accepted).",
    )
    def post(self, request: Request, referral_id: int) -> Response:
        return partner_act(
            request,
            referral_id,
            api.PartnerActSerializer,
            lambda actor, referral, values, version: services.referral_accept(
                actor=actor, referral=referral, expected_version=version
            ),
        )


class PartnerDeclineView(ReferralsAPIView):
    @extend_schema(
        request=api.PartnerDeclineSerializer,
        responses=PARTNER_WRITE,
        description="Your service cannot help, and says why (acknowledged → declined).",
    )
    def post(self, request: Request, referral_id: int) -> Response:
        return partner_act(
            request,
            referral_id,
            api.PartnerDeclineSerializer,
            lambda actor, referral, values, version: services.referral_decline(
                actor=actor, referral=referral, reason=values["reason"], expected_version=version
            ),
        )


class PartnerCompleteView(ReferralsAPIView):
    @extend_schema(
        request=api.PartnerCompleteSerializer,
        responses=PARTNER_WRITE,
        description="The outcome of your service's work (accepted → completed).",
    )
    def post(self, request: Request, referral_id: int) -> Response:
        return partner_act(
            request,
            referral_id,
            api.PartnerCompleteSerializer,
            lambda actor, referral, values, version: services.referral_complete(
                actor=actor, referral=referral, outcome=values["outcome"], expected_version=version
            ),
        )
