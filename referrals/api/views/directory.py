"""API views of the service directory and intake screening."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from casework.access import cases_visible_to
from casework.api.views import (
    INVALID,
    READ_ERRORS,
    STALE,
    WRITE_ERRORS,
    actor_of,
)
from casework.audit import audit_view
from casework.models import ConcernCategory, Family, Person, Team, User, Village
from casework.services import StaleEdit

from ... import services
from ...models import HelpKind, Intake, Service
from ...selectors import (
    get_intake_for,
    get_service_for,
    intake_matches,
    intake_queue,
    intakes_visible_to,
    may_screen,
    services_search,
)
from .. import serializers as api
from .base import (
    ReferralsAPIView,
    _by_codes,
    _by_ids,
    _one,
    refusals_audited,
    refuse_partner,
    stale_outside_case,
)

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
