"""The API of assessment and planning: the same door, services and audit trail as the pages.

Built like casework's API (casework/api/views.py):
- a case only through `get_case_for` (404 for forbidden and missing, 403 for seen but not
  changeable), a record inside it only through `get_record_for` on a queryset of that case;
- every successful read leaves exactly one `audit_view` event; writes are the services' and
  they audit themselves; a service's refusal and a stale edit each leave one event here;
- token authentication first, so an anonymous call answers 401.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, QuerySet
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import BaseParser, JSONParser, MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from casework.access import cases_visible_to, get_case_for, get_record_for, users_with_access
from casework.api.serializers import ErrorSerializer, VersionSerializer
from casework.api.views import (
    READ_ERRORS,
    STALE,
    UNAUTHENTICATED,
    WRITE_ERRORS,
    CaseworkAPIView,
    actor_of,
    people_of,
    service_refusals_audited,
    stale_response,
    validation_error_body,
)
from casework.audit import Event, audit_record, audit_view
from casework.models import Case, User
from casework.services import StaleEdit

from .. import services
from ..models import (
    Action,
    Approval,
    Assessment,
    CasePlan,
    ChildVoice,
    Decision,
    Goal,
    Mapping,
    NeedDomain,
    NeedEntry,
    ScaleScore,
)
from . import serializers as api

# --- What each view reads -------------------------------------------------------------------


def assessments_of(case: Case) -> QuerySet[Assessment]:
    return case.assessments.select_related("author", "decided_by")


def assessment_detail_of(case: Case) -> QuerySet[Assessment]:
    """An assessment with its domains, risks and decisions, in a fixed number of queries."""
    return assessments_of(case).prefetch_related(
        Prefetch(
            "needs",
            queryset=NeedEntry.objects.select_related("domain").prefetch_related("risks"),
        ),
        Prefetch("decisions", queryset=Decision.objects.select_related("decided_by")),
    )


def mappings_of(case: Case) -> QuerySet[Mapping]:
    return case.mappings.select_related("author").prefetch_related("entries")


def scores_of(case: Case) -> QuerySet[ScaleScore]:
    """Oldest first: the points of each voice's line, in order."""
    return case.scale_scores.select_related("person", "given_by_user", "recorded_by").order_by(
        "recorded_on", "pk"
    )


def voices_of(case: Case) -> QuerySet[ChildVoice]:
    return case.child_voices.select_related("child", "author")


def plans_of(case: Case) -> QuerySet[CasePlan]:
    return case.plans.select_related("author")


def plan_detail_of(case: Case) -> QuerySet[CasePlan]:
    """A plan version with its goals (their needs and actions) and decisions."""
    return plans_of(case).prefetch_related(
        Prefetch("goals", queryset=Goal.objects.prefetch_related("needs", "actions")),
        Prefetch("decisions", queryset=Decision.objects.select_related("decided_by")),
    )


def assessment_data(case: Case, pk: int) -> Any:
    return api.AssessmentDetailSerializer(assessment_detail_of(case).get(pk=pk)).data


def mapping_data(case: Case, pk: int) -> Any:
    return api.MappingSerializer(mappings_of(case).get(pk=pk)).data


def voice_data(case: Case, pk: int, request: Request) -> Any:
    return api.ChildVoiceSerializer(voices_of(case).get(pk=pk), context={"request": request}).data


def plan_data(case: Case, pk: int) -> Any:
    plan = plan_detail_of(case).get(pk=pk)
    context = {"unmet_needs": services.unmet_needs_without_goal(plan)}
    return api.PlanDetailSerializer(plan, context=context).data


def versioned_write(
    actor: User,
    case: Case,
    record: Any,
    version: int,
    write: Callable[[], object],
    current: Callable[[int], Any],
) -> Response | None:
    """Run a service's write; on a stale version answer 409 with the current record (audited)."""
    try:
        with service_refusals_audited(actor, case, record):
            write()
    except StaleEdit as stale:
        return stale_response(actor, case, stale, version, current(stale.current.pk))
    return None


NO_DRAWING = OpenApiResponse(
    ErrorSerializer, description="Missing, not yours to see, or without a drawing."
)


class AssessmentsAPIView(CaseworkAPIView):
    """Signed in by token or session; the same plumbing as casework's API."""


# --- Need domains ----------------------------------------------------------------------------


class NeedDomainListView(AssessmentsAPIView):
    @extend_schema(
        responses={
            200: api.NeedDomainSerializer(many=True),
            401: UNAUTHENTICATED,
            403: OpenApiResponse(description="Partners do not assess."),
        },
        description="The need domains in use, in order, with their English and Khmer names.",
    )
    def get(self, request: Request) -> Response:
        actor = actor_of(request)
        if actor.role == User.Role.PARTNER:
            audit_record(actor=actor, event=Event.REFUSED, model=NeedDomain, reason="partner")
            raise PermissionDenied
        domains = list(NeedDomain.objects.filter(is_active=True).order_by("order", "name"))
        data = api.NeedDomainSerializer(domains, many=True).data
        extra = {"list": "need-domains", "count": len(domains)}
        audit_view(actor, None, None, model=NeedDomain, extra=extra)
        return Response(data)


# --- Assessments ---------------------------------------------------------------------------------


def need_data(rows: Sequence[dict[str, Any]]) -> list[services.NeedData]:
    return [
        services.NeedData(
            domain_id=row["domain"],
            need=row["need"],
            met=row["met"],
            strengths=row["strengths"],
            analysis=row["analysis"],
            risks=[
                services.RiskData(description=risk["description"], kind=risk["kind"])
                for risk in row["risks"]
            ],
        )
        for row in rows
    ]


class AssessmentListView(AssessmentsAPIView):
    pagination_class = PageNumberPagination

    @extend_schema(
        responses={200: api.AssessmentSerializer(many=True), **READ_ERRORS},
        description="The case's assessments, newest first (without their domains).",
    )
    def get(self, request: Request, case_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id)
        response, count = self.paginate(
            request, assessments_of(case), api.AssessmentSerializer, {"request": request}
        )
        audit_view(
            actor, None, case, model=Assessment, extra={"list": "assessments", "count": count}
        )
        return response

    @extend_schema(
        request=api.AssessmentStartSerializer,
        responses={201: api.AssessmentDetailSerializer, **WRITE_ERRORS},
        description="Start an assessment (or a re-assessment); one is open at a time.",
    )
    def post(self, request: Request, case_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id, perm="change")
        serializer = api.AssessmentStartSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_refusals_audited(actor, case):
            assessment = services.assessment_start(
                actor=actor, case=case, data=dict(serializer.validated_data)
            )
        return Response(assessment_data(case, assessment.pk), status=status.HTTP_201_CREATED)


class AssessmentDetailView(AssessmentsAPIView):
    @extend_schema(responses={200: api.AssessmentDetailSerializer, **READ_ERRORS})
    def get(self, request: Request, case_id: int, assessment_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id)
        assessment = get_record_for(actor, case, assessment_detail_of(case), assessment_id)
        data = api.AssessmentDetailSerializer(assessment).data
        audit_view(actor, assessment, case)
        return Response(data)

    @extend_schema(
        request=api.AssessmentUpdateSerializer,
        responses={200: api.AssessmentDetailSerializer, 409: STALE, **WRITE_ERRORS},
        description=(
            "Edit a draft or returned assessment; `version` must be the one you read. "
            "`needs`, when sent, replaces the domains assessed (and their risks)."
        ),
    )
    def patch(self, request: Request, case_id: int, assessment_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id, perm="change")
        assessment = get_record_for(actor, case, case.assessments.all(), assessment_id)
        serializer = api.AssessmentUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version: int = data.pop("version")
        needs = data.pop("needs", None)
        stale = versioned_write(
            actor,
            case,
            assessment,
            version,
            lambda: services.assessment_update(
                actor=actor,
                case=case,
                assessment=assessment,
                expected_version=version,
                data=data,
                needs=need_data(needs) if needs is not None else None,
            ),
            lambda pk: assessment_data(case, pk),
        )
        return stale or Response(assessment_data(case, assessment.pk))


class AssessmentSubmitView(AssessmentsAPIView):
    @extend_schema(
        request=VersionSerializer,
        responses={200: api.AssessmentDetailSerializer, 409: STALE, **WRITE_ERRORS},
        description="Send the assessment to a supervisor for approval.",
    )
    def post(self, request: Request, case_id: int, assessment_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id, perm="change")
        assessment = get_record_for(actor, case, case.assessments.all(), assessment_id)
        serializer = VersionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        version: int = serializer.validated_data["version"]
        stale = versioned_write(
            actor,
            case,
            assessment,
            version,
            lambda: services.assessment_submit(
                actor=actor, case=case, assessment=assessment, expected_version=version
            ),
            lambda pk: assessment_data(case, pk),
        )
        return stale or Response(assessment_data(case, assessment.pk))


class AssessmentDecideView(AssessmentsAPIView):
    @extend_schema(
        request=api.DecideSerializer,
        responses={200: api.AssessmentDetailSerializer, 409: STALE, **WRITE_ERRORS},
        description=(
            "A supervisor of the case's team approves the submitted assessment, or returns it "
            "with a comment saying what to change; never on their own work."
        ),
    )
    def post(self, request: Request, case_id: int, assessment_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id, perm="change")
        assessment = get_record_for(actor, case, case.assessments.all(), assessment_id)
        serializer = api.DecideSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        version: int = values["version"]
        stale = versioned_write(
            actor,
            case,
            assessment,
            version,
            lambda: services.assessment_decide(
                actor=actor,
                case=case,
                assessment=assessment,
                expected_version=version,
                approve=values["approve"],
                comment=values["comment"],
            ),
            lambda pk: assessment_data(case, pk),
        )
        return stale or Response(assessment_data(case, assessment.pk))


# --- Three-column mappings ------------------------------------------------------------------------


def entry_data(rows: Sequence[dict[str, Any]]) -> list[services.EntryData]:
    return [
        services.EntryData(
            column=row["column"],
            kind=row["kind"],
            text=row["text"],
            voice=row["voice"],
            voice_name=row["voice_name"],
        )
        for row in rows
    ]


class MappingListView(AssessmentsAPIView):
    pagination_class = PageNumberPagination

    @extend_schema(
        responses={200: api.MappingSerializer(many=True), **READ_ERRORS},
        description="The case's three-column mappings, newest first, with their entries.",
    )
    def get(self, request: Request, case_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id)
        response, count = self.paginate(
            request, mappings_of(case), api.MappingSerializer, {"request": request}
        )
        audit_view(actor, None, case, model=Mapping, extra={"list": "mappings", "count": count})
        return response

    @extend_schema(
        request=api.MappingCreateSerializer,
        responses={201: api.MappingSerializer, **WRITE_ERRORS},
        description="Record a mapping: worries, what is working well, what needs to happen.",
    )
    def post(self, request: Request, case_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id, perm="change")
        serializer = api.MappingCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        with service_refusals_audited(actor, case):
            mapping = services.mapping_record(
                actor=actor,
                case=case,
                held_on=values.get("held_on") or timezone.localdate(),
                participants=values["participants"],
                entries=entry_data(values["entries"]),
            )
        return Response(mapping_data(case, mapping.pk), status=status.HTTP_201_CREATED)


class MappingDetailView(AssessmentsAPIView):
    @extend_schema(responses={200: api.MappingSerializer, **READ_ERRORS})
    def get(self, request: Request, case_id: int, mapping_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id)
        mapping = get_record_for(actor, case, mappings_of(case), mapping_id)
        data = api.MappingSerializer(mapping).data
        audit_view(actor, mapping, case)
        return Response(data)

    @extend_schema(
        request=api.MappingUpdateSerializer,
        responses={200: api.MappingSerializer, 409: STALE, **WRITE_ERRORS},
        description=(
            "Change the fields sent; `entries`, when sent, replaces all the entries. "
            "`version` must be the one you read."
        ),
    )
    def patch(self, request: Request, case_id: int, mapping_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id, perm="change")
        mapping = get_record_for(actor, case, mappings_of(case), mapping_id)
        serializer = api.MappingUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        version: int = values["version"]
        if "entries" in values:
            entries = entry_data(values["entries"])
        else:
            entries = [
                services.EntryData(
                    column=row.column,
                    kind=row.kind,
                    text=row.text,
                    voice=row.voice,
                    voice_name=row.voice_name,
                )
                for row in mapping.entries.all()
            ]
        stale = versioned_write(
            actor,
            case,
            mapping,
            version,
            lambda: services.mapping_update(
                actor=actor,
                case=case,
                mapping=mapping,
                expected_version=version,
                held_on=values.get("held_on", mapping.held_on),
                participants=values.get("participants", mapping.participants),
                entries=entries,
            ),
            lambda pk: mapping_data(case, pk),
        )
        return stale or Response(mapping_data(case, mapping.pk))


# --- The safety scale -----------------------------------------------------------------------------


class ScaleScoreListView(AssessmentsAPIView):
    pagination_class = PageNumberPagination

    @extend_schema(
        responses={200: api.ScaleScoreSerializer(many=True), **READ_ERRORS},
        description="Every answer to the scaling question, oldest first (one line per `line`).",
    )
    def get(self, request: Request, case_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id)
        response, count = self.paginate(
            request, scores_of(case), api.ScaleScoreSerializer, {"request": request}
        )
        audit_view(
            actor, None, case, model=ScaleScore, extra={"list": "scale-scores", "count": count}
        )
        return response

    @extend_schema(
        request=api.ScaleScoreCreateSerializer,
        responses={201: api.ScaleScoreSerializer, **WRITE_ERRORS},
        description=(
            "Record one voice's answer, 0 to 10. Scores are never edited or deleted: a new "
            "answer is a new point on the line."
        ),
    )
    def post(self, request: Request, case_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id, perm="change")
        serializer = api.ScaleScoreCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        errors: dict[str, list[str]] = {}
        person = None
        if values.get("person") is not None:
            person = people_of(case).filter(pk=values["person"]).first()
            if person is None:
                errors["person"] = [_("Choose the member of this family who gave the score.")]
        given_by_user = None
        if values.get("given_by_user") is not None:
            given_by_user = users_with_access(case).filter(pk=values["given_by_user"]).first()
            if given_by_user is None:
                errors["given_by_user"] = [_("That person does not work on this case.")]
        if errors:
            raise DjangoValidationError(errors)
        with service_refusals_audited(actor, case):
            score = services.scale_record(
                actor=actor,
                case=case,
                score=values["score"],
                voice=values["voice"],
                reason=values["reason"],
                recorded_on=values.get("recorded_on"),
                person=person,
                given_by_user=given_by_user,
                voice_name=values["voice_name"],
            )
        return Response(
            api.ScaleScoreSerializer(scores_of(case).get(pk=score.pk)).data,
            status=status.HTTP_201_CREATED,
        )


# --- The child's voice ----------------------------------------------------------------------------

VOICE_PARSERS: Sequence[type[BaseParser]] = [JSONParser, MultiPartParser]


class ChildVoiceListView(AssessmentsAPIView):
    pagination_class = PageNumberPagination
    parser_classes = VOICE_PARSERS

    @extend_schema(
        responses={200: api.ChildVoiceSerializer(many=True), **READ_ERRORS},
        description="The child's own words, newest first; a drawing is given as its address.",
    )
    def get(self, request: Request, case_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id)
        response, count = self.paginate(
            request, voices_of(case), api.ChildVoiceSerializer, {"request": request}
        )
        audit_view(
            actor, None, case, model=ChildVoice, extra={"list": "child-voices", "count": count}
        )
        return response

    @extend_schema(
        request={
            "application/json": api.ChildVoiceCreateSerializer,
            "multipart/form-data": api.ChildVoiceCreateSerializer,
        },
        responses={201: api.ChildVoiceSerializer, **WRITE_ERRORS},
        description=(
            "Record what a child said. Send JSON, or multipart/form-data with `drawing`, a "
            "photo of the child's drawing (kept as a PNG without its metadata)."
        ),
    )
    def post(self, request: Request, case_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id, perm="change")
        serializer = api.ChildVoiceCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        child_id: int = data.pop("child")
        drawing = data.pop("drawing", None)
        with service_refusals_audited(actor, case):
            voice = services.child_voice_record(
                actor=actor, case=case, child_id=child_id, data=data, drawing=drawing
            )
        return Response(voice_data(case, voice.pk, request), status=status.HTTP_201_CREATED)


class ChildVoiceDetailView(AssessmentsAPIView):
    parser_classes = VOICE_PARSERS

    @extend_schema(responses={200: api.ChildVoiceSerializer, **READ_ERRORS})
    def get(self, request: Request, case_id: int, voice_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id)
        voice = get_record_for(actor, case, voices_of(case), voice_id)
        data = api.ChildVoiceSerializer(voice, context={"request": request}).data
        audit_view(actor, voice, case)
        return Response(data)

    @extend_schema(
        request={
            "application/json": api.ChildVoiceUpdateSerializer,
            "multipart/form-data": api.ChildVoiceUpdateSerializer,
        },
        responses={200: api.ChildVoiceSerializer, 409: STALE, **WRITE_ERRORS},
        description=(
            "Change the fields sent; `version` must be the one you read. A new `drawing` "
            "(multipart) replaces the old one; `remove_drawing` removes it."
        ),
    )
    def patch(self, request: Request, case_id: int, voice_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id, perm="change")
        voice = get_record_for(actor, case, voices_of(case), voice_id)
        serializer = api.ChildVoiceUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version: int = data.pop("version")
        drawing = data.pop("drawing", None)
        remove_drawing: bool = data.pop("remove_drawing")
        stale = versioned_write(
            actor,
            case,
            voice,
            version,
            lambda: services.child_voice_update(
                actor=actor,
                case=case,
                voice=voice,
                expected_version=version,
                data=data,
                drawing=drawing,
                remove_drawing=remove_drawing,
            ),
            lambda pk: voice_data(case, pk, request),
        )
        return stale or Response(voice_data(case, voice.pk, request))


class JSONOrNothingNegotiation(BaseContentNegotiation):
    """The drawing answers with a PNG itself; anything else (a refusal) is JSON, whatever the
    client asked for, rather than a 406."""

    def select_parser(self, request: Request, parsers: Iterable[BaseParser]) -> BaseParser | None:
        return None

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        renderer = next(iter(renderers))
        return renderer, str(renderer.media_type)


class ChildVoiceDrawingView(AssessmentsAPIView):
    """The photo of a child's drawing, only through the door, never from MEDIA_ROOT."""

    renderer_classes = [JSONRenderer]
    content_negotiation_class = JSONOrNothingNegotiation

    @extend_schema(
        responses={(200, "image/png"): OpenApiTypes.BINARY, 401: UNAUTHENTICATED, 404: NO_DRAWING},
        description="The photo of the child's drawing (PNG). Not cached; every view is audited.",
    )
    def get(self, request: Request, case_id: int, voice_id: int) -> FileResponse:
        actor = actor_of(request)
        case = get_case_for(actor, case_id)
        voice = get_record_for(actor, case, case.child_voices.all(), voice_id)
        try:
            if not voice.drawing:
                raise FileNotFoundError(voice.pk)
            handle = voice.drawing.open("rb")
        except OSError:
            audit_record(
                actor=actor, event=Event.REFUSED, obj=voice, case=case, reason="no drawing"
            )
            raise NotFound from None
        response = FileResponse(handle, content_type="image/png")
        response["Content-Disposition"] = 'inline; filename="drawing.png"'
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        audit_view(actor, voice, case, extra={"drawing": True})
        return response


# --- The case plan --------------------------------------------------------------------------------


def goal_data(rows: Sequence[dict[str, Any]]) -> list[services.GoalData]:
    return [
        services.GoalData(
            text=row["text"],
            need_ids=list(row["needs"]),
            actions=[
                services.ActionData(
                    what=action["what"],
                    who=action["who"],
                    who_name=action["who_name"],
                    due_on=action["due_on"],
                    status=action["status"],
                    outcome=action["outcome"],
                )
                for action in row["actions"]
            ],
        )
        for row in rows
    ]


def goals_as_they_are(plan: CasePlan) -> list[services.GoalData]:
    return [
        services.GoalData(
            text=goal.text,
            need_ids=[need.pk for need in goal.needs.all()],
            actions=[
                services.ActionData(
                    what=action.what,
                    who=action.who,
                    who_name=action.who_name,
                    due_on=action.due_on,
                    status=action.status,
                    outcome=action.outcome,
                )
                for action in goal.actions.all()
            ],
        )
        for goal in plan.goals.all()
    ]


class PlanListView(AssessmentsAPIView):
    pagination_class = PageNumberPagination

    @extend_schema(
        responses={200: api.PlanSerializer(many=True), **READ_ERRORS},
        description="Every version of the case's plan, newest first (without their goals).",
    )
    def get(self, request: Request, case_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id)
        response, count = self.paginate(
            request, plans_of(case), api.PlanSerializer, {"request": request}
        )
        audit_view(actor, None, case, model=CasePlan, extra={"list": "plans", "count": count})
        return response

    @extend_schema(
        request=api.PlanStartSerializer,
        responses={201: api.PlanDetailSerializer, **WRITE_ERRORS},
        description=(
            "Start the plan, or the next version of the approved one (its goals carried over). "
            "The new version answers the latest assessment."
        ),
    )
    def post(self, request: Request, case_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id, perm="change")
        api.PlanStartSerializer(data=request.data).is_valid(raise_exception=True)
        with service_refusals_audited(actor, case):
            plan = services.plan_start(actor=actor, case=case)
        return Response(plan_data(case, plan.pk), status=status.HTTP_201_CREATED)


class PlanDetailView(AssessmentsAPIView):
    @extend_schema(responses={200: api.PlanDetailSerializer, **READ_ERRORS})
    def get(self, request: Request, case_id: int, plan_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id)
        plan = get_record_for(actor, case, plan_detail_of(case), plan_id)
        context = {"unmet_needs": services.unmet_needs_without_goal(plan)}
        data = api.PlanDetailSerializer(plan, context=context).data
        audit_view(actor, plan, case)
        return Response(data)

    @extend_schema(
        request=api.PlanUpdateSerializer,
        responses={200: api.PlanDetailSerializer, 409: STALE, **WRITE_ERRORS},
        description=(
            "Edit a draft or returned version; `version` must be the one you read. `goals`, "
            "when sent, replaces all goals and their actions (which get new ids). An approved "
            "version is never edited: start the next one."
        ),
    )
    def patch(self, request: Request, case_id: int, plan_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id, perm="change")
        plan = get_record_for(actor, case, plan_detail_of(case), plan_id)
        serializer = api.PlanUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        version: int = values["version"]
        goals = goal_data(values["goals"]) if "goals" in values else goals_as_they_are(plan)
        stale = versioned_write(
            actor,
            case,
            plan,
            version,
            lambda: services.plan_update(
                actor=actor,
                case=case,
                plan=plan,
                expected_version=version,
                family_agreement=values.get("family_agreement", plan.family_agreement),
                goals=goals,
            ),
            lambda pk: plan_data(case, pk),
        )
        return stale or Response(plan_data(case, plan.pk))


UNMET_NEEDS = OpenApiResponse(
    description=(
        "Invalid input or refused: {field: [messages]}; nothing was written. When an unmet need "
        "has no goal, `unmet_needs` lists those needs (and the message names their domains)."
    )
)


class PlanSubmitView(AssessmentsAPIView):
    @extend_schema(
        request=VersionSerializer,
        responses={200: api.PlanDetailSerializer, 409: STALE, **WRITE_ERRORS, 400: UNMET_NEEDS},
        description="Send the plan version for approval: every unmet need must have a goal.",
    )
    def post(self, request: Request, case_id: int, plan_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id, perm="change")
        plan = get_record_for(actor, case, case.plans.all(), plan_id)
        serializer = VersionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        version: int = serializer.validated_data["version"]
        try:
            stale = versioned_write(
                actor,
                case,
                plan,
                version,
                lambda: services.plan_submit(
                    actor=actor, case=case, plan=plan, expected_version=version
                ),
                lambda pk: plan_data(case, pk),
            )
        except DjangoValidationError as error:
            if getattr(error, "code", None) != "unmet_need_without_goal":
                raise
            body: dict[str, Any] = dict(validation_error_body(error))
            body["unmet_needs"] = api.NeedRefSerializer(
                services.unmet_needs_without_goal(plan), many=True
            ).data
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        return stale or Response(plan_data(case, plan.pk))


class PlanDecideView(AssessmentsAPIView):
    @extend_schema(
        request=api.DecideSerializer,
        responses={200: api.PlanDetailSerializer, 409: STALE, **WRITE_ERRORS},
        description=(
            "A supervisor of the case's team approves the submitted version (a case in "
            "assessment and planning moves on to intervention) or returns it with a comment; "
            "never on their own work."
        ),
    )
    def post(self, request: Request, case_id: int, plan_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id, perm="change")
        plan = get_record_for(actor, case, case.plans.all(), plan_id)
        serializer = api.DecideSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        version: int = values["version"]
        stale = versioned_write(
            actor,
            case,
            plan,
            version,
            lambda: services.plan_decide(
                actor=actor,
                case=case,
                plan=plan,
                expected_version=version,
                approve=values["approve"],
                comment=values["comment"],
            ),
            lambda pk: plan_data(case, pk),
        )
        return stale or Response(plan_data(case, plan.pk))


class ActionProgressView(AssessmentsAPIView):
    @extend_schema(
        request=api.ActionProgressSerializer,
        responses={200: api.ActionSerializer, 409: STALE, **WRITE_ERRORS},
        description=(
            "Tick off an action: its status and outcome (left out: unchanged). Progress needs "
            "no new version of the plan; `version` is the action's."
        ),
    )
    def post(self, request: Request, case_id: int, plan_id: int, action_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id, perm="change")
        plan = get_record_for(actor, case, case.plans.all(), plan_id)
        action = get_record_for(actor, case, Action.objects.filter(goal__plan=plan), action_id)
        serializer = api.ActionProgressSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        version: int = values["version"]
        stale = versioned_write(
            actor,
            case,
            action,
            version,
            lambda: services.action_progress(
                actor=actor,
                case=case,
                action=action,
                expected_version=version,
                status=values["status"],
                outcome=values.get("outcome", action.outcome),
            ),
            lambda pk: api.ActionSerializer(Action.objects.get(pk=pk)).data,
        )
        return stale or Response(api.ActionSerializer(Action.objects.get(pk=action.pk)).data)


# --- What awaits a decision ----------------------------------------------------------------------


class ApprovalListView(AssessmentsAPIView):
    @extend_schema(
        responses={200: api.AwaitingApprovalSerializer(many=True), 401: UNAUTHENTICATED},
        description=(
            "Submitted assessments and plan versions you may decide on, oldest first: on the "
            "cases of your teams, as a supervisor, and not written by you. Empty for others."
        ),
    )
    def get(self, request: Request) -> Response:
        actor = actor_of(request)
        if actor.role == User.Role.SUPERVISOR:
            cases = cases_visible_to(actor, perm="export")
        else:
            cases = Case.objects.none()
        assessments = (
            Assessment.objects.filter(case__in=cases, status=Approval.SUBMITTED)
            .exclude(author=actor)
            .select_related("case__family", "author")
        )
        plans = (
            CasePlan.objects.filter(case__in=cases, status=Approval.SUBMITTED)
            .exclude(author=actor)
            .select_related("case__family", "author")
        )
        rows: list[dict[str, Any]] = [
            {
                "kind": "assessment",
                "id": a.pk,
                "version": a.version,
                "number": None,
                "case": a.case,
                "author": a.author,
                "submitted_at": a.submitted_at,
            }
            for a in assessments
        ] + [
            {
                "kind": "plan",
                "id": p.pk,
                "version": p.version,
                "number": p.number,
                "case": p.case,
                "author": p.author,
                "submitted_at": p.submitted_at,
            }
            for p in plans
        ]
        rows.sort(key=lambda row: (row["submitted_at"] or timezone.now(), row["kind"], row["id"]))
        data = api.AwaitingApprovalSerializer(rows, many=True).data
        audit_view(
            actor, None, None, model=Assessment, extra={"list": "approvals", "count": len(rows)}
        )
        return Response(data)
