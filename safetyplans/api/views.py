"""The intervention API: the safety network, the safety plan and the support delivered.

Built like casework's and assessments' APIs:
- a case only through `get_case_for` (404 for forbidden and missing, 403 for seen but not
  changeable), a record inside it only through `get_record_for` on a queryset of that case;
- every successful read leaves exactly one `audit_view` event; writes are the services' and
  they audit themselves; a service's refusal and a stale edit each leave one event here;
- token authentication first, so an anonymous call answers 401.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import F, Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from assessments.api.views import versioned_write
from casework.access import get_case_for, get_record_for
from casework.api.views import (
    READ_ERRORS,
    STALE,
    UNAUTHENTICATED,
    WRITE_ERRORS,
    CaseworkAPIView,
    actor_of,
    people_of,
    service_refusals_audited,
)
from casework.audit import audit_view
from casework.models import Case, Person

from .. import services
from ..models import Intervention, NetworkMember, SafetyPlan, SafetyRule
from ..selectors import cases_needing_a_safety_plan
from . import serializers as api

# --- What each view reads -------------------------------------------------------------------


def members_of(case: Case) -> QuerySet[NetworkMember]:
    """Current members first (by when they joined), then those who left, on any database."""
    return case.network_members.select_related("added_by").order_by(
        F("left_on").asc(nulls_first=True), "joined_on", "pk"
    )


def plans_of(case: Case) -> QuerySet[SafetyPlan]:
    return case.safety_plans.select_related("author")


def plan_detail_of(case: Case) -> QuerySet[SafetyPlan]:
    """A version with its rules (and who carries them) and who agreed, in fixed queries."""
    return plans_of(case).prefetch_related(
        Prefetch(
            "rules",
            queryset=SafetyRule.objects.select_related(
                "responsible_member", "responsible_person", "danger", "safety_goal"
            ),
        ),
        Prefetch("agreed_people", queryset=Person.objects.order_by("pk")),
        Prefetch("agreed_network", queryset=NetworkMember.objects.order_by("pk")),
    )


def interventions_of(case: Case) -> QuerySet[Intervention]:
    return case.interventions.select_related("recorded_by").prefetch_related("goals")


def member_data(case: Case, pk: int) -> Any:
    return api.NetworkMemberSerializer(members_of(case).get(pk=pk)).data


def plan_data(case: Case, pk: int) -> Any:
    return api.SafetyPlanDetailSerializer(plan_detail_of(case).get(pk=pk)).data


def intervention_data(case: Case, pk: int) -> Any:
    return api.InterventionSerializer(interventions_of(case).get(pk=pk)).data


def _family_member(case: Case, person_id: int | None) -> Person | None:
    """One of the family's people, or a 400 on `person` (never a hint of another family's)."""
    if person_id is None:
        return None
    person = people_of(case).filter(pk=person_id).first()
    if person is None:
        raise ValidationError({"person": _("Choose a member of this family, or nobody.")})
    return person


def _member_values(case: Case, values: dict[str, Any]) -> dict[str, Any]:
    data = dict(values)
    if "person" in data:
        data["person"] = _family_member(case, data["person"])
    if "name" in data:
        data["name"] = data["name"].strip()
    return data


class SafetyPlansAPIView(CaseworkAPIView):
    """Signed in by token or session; the same plumbing as casework's API."""


# --- The safety and support network -----------------------------------------------------------


class NetworkListView(SafetyPlansAPIView):
    pagination_class = PageNumberPagination

    @extend_schema(
        responses={200: api.NetworkMemberSerializer(many=True), **READ_ERRORS},
        description=(
            "The children's safety and support network: current members first, then those who "
            "left (with why, when and what replaces their commitments)."
        ),
    )
    def get(self, request: Request, case_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id)
        response, count = self.paginate(
            request, members_of(case), api.NetworkMemberSerializer, {"request": request}
        )
        audit_view(
            actor, None, case, model=NetworkMember, extra={"list": "network", "count": count}
        )
        return response

    @extend_schema(
        request=api.NetworkMemberCreateSerializer,
        responses={201: api.NetworkMemberSerializer, **WRITE_ERRORS},
        description="Add someone to the network: who they are, what they know, what they do.",
    )
    def post(self, request: Request, case_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id, perm="change")
        serializer = api.NetworkMemberCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = _member_values(case, dict(serializer.validated_data))
        with service_refusals_audited(actor, case):
            member = services.network_member_add(actor=actor, case=case, data=data)
        return Response(member_data(case, member.pk), status=status.HTTP_201_CREATED)


class NetworkDetailView(SafetyPlansAPIView):
    @extend_schema(responses={200: api.NetworkMemberSerializer, **READ_ERRORS})
    def get(self, request: Request, case_id: int, member_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id)
        member = get_record_for(actor, case, members_of(case), member_id)
        data = api.NetworkMemberSerializer(member).data
        audit_view(actor, member, case)
        return Response(data)

    @extend_schema(
        request=api.NetworkMemberUpdateSerializer,
        responses={200: api.NetworkMemberSerializer, 409: STALE, **WRITE_ERRORS},
        description=(
            "Change the fields sent; `version` must be the one you read. Someone who has left "
            "stays as they were."
        ),
    )
    def patch(self, request: Request, case_id: int, member_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id, perm="change")
        member = get_record_for(actor, case, case.network_members.all(), member_id)
        serializer = api.NetworkMemberUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version: int = data.pop("version")
        data = _member_values(case, data)
        stale = versioned_write(
            actor,
            case,
            member,
            version,
            lambda: services.network_member_update(
                actor=actor, case=case, member=member, expected_version=version, data=data
            ),
            lambda pk: member_data(case, pk),
        )
        return stale or Response(member_data(case, member.pk))


class NetworkRemoveView(SafetyPlansAPIView):
    @extend_schema(
        request=api.NetworkMemberRemoveSerializer,
        responses={200: api.NetworkMemberSerializer, 409: STALE, **WRITE_ERRORS},
        description=(
            "Someone leaves the network; their history stays. If they carry rules of the "
            "safety plan, say who takes them over (`replaced_by`, for the plan being written) "
            "or what replaces them (`replacement_note`): otherwise 400 on `replacement_note`."
        ),
    )
    def post(self, request: Request, case_id: int, member_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id, perm="change")
        member = get_record_for(actor, case, case.network_members.all(), member_id)
        serializer = api.NetworkMemberRemoveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        version: int = values["version"]
        replaced_by: NetworkMember | None = None
        if values.get("replaced_by") is not None:
            replaced_by = case.network_members.filter(pk=values["replaced_by"]).first()
            if replaced_by is None:
                raise ValidationError(
                    {"replaced_by": _("Choose someone else who is in this case's network.")}
                )
        stale = versioned_write(
            actor,
            case,
            member,
            version,
            lambda: services.network_member_remove(
                actor=actor,
                case=case,
                member=member,
                expected_version=version,
                reason=values["reason"],
                left_on=values.get("left_on"),
                replaced_by=replaced_by,
                replacement_note=values["replacement_note"],
            ),
            lambda pk: member_data(case, pk),
        )
        return stale or Response(member_data(case, member.pk))


# --- The safety plan --------------------------------------------------------------------------


def rule_data(rows: Sequence[dict[str, Any]]) -> list[services.RuleData]:
    return [
        services.RuleData(
            text=row["text"],
            responsible_member_id=row["responsible_member"],
            responsible_person_id=row["responsible_person"],
            how_known=row["how_known"],
            if_not_kept=row["if_not_kept"],
            danger_id=row["danger"],
            safety_goal_id=row["safety_goal"],
        )
        for row in rows
    ]


def rules_as_they_are(plan: SafetyPlan) -> list[services.RuleData]:
    return [
        services.RuleData(
            text=rule.text,
            responsible_member_id=rule.responsible_member_id,
            responsible_person_id=rule.responsible_person_id,
            how_known=rule.how_known,
            if_not_kept=rule.if_not_kept,
            danger_id=rule.danger_id,
            safety_goal_id=rule.safety_goal_id,
        )
        for rule in plan.rules.all()
    ]


class SafetyPlanListView(SafetyPlansAPIView):
    pagination_class = PageNumberPagination

    @extend_schema(
        responses={200: api.SafetyPlanSerializer(many=True), **READ_ERRORS},
        description="Every version of the safety plan, newest first (without their rules).",
    )
    def get(self, request: Request, case_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id)
        response, count = self.paginate(
            request, plans_of(case), api.SafetyPlanSerializer, {"request": request}
        )
        audit_view(
            actor, None, case, model=SafetyPlan, extra={"list": "safety-plans", "count": count}
        )
        return response

    @extend_schema(
        request=api.SafetyPlanStartSerializer,
        responses={201: api.SafetyPlanDetailSerializer, **WRITE_ERRORS},
        description=(
            "Start the safety plan, or a new version of the agreed one (its rules carried over, "
            "without anyone who has left the network). One draft at a time."
        ),
    )
    def post(self, request: Request, case_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id, perm="change")
        api.SafetyPlanStartSerializer(data=request.data).is_valid(raise_exception=True)
        with service_refusals_audited(actor, case):
            plan = services.safety_plan_start(actor=actor, case=case)
        return Response(plan_data(case, plan.pk), status=status.HTTP_201_CREATED)


class SafetyPlanDetailView(SafetyPlansAPIView):
    @extend_schema(responses={200: api.SafetyPlanDetailSerializer, **READ_ERRORS})
    def get(self, request: Request, case_id: int, plan_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id)
        plan = get_record_for(actor, case, plan_detail_of(case), plan_id)
        data = api.SafetyPlanDetailSerializer(plan).data
        audit_view(actor, plan, case)
        return Response(data)

    @extend_schema(
        request=api.SafetyPlanUpdateSerializer,
        responses={200: api.SafetyPlanDetailSerializer, 409: STALE, **WRITE_ERRORS},
        description=(
            "Edit the draft; `version` must be the one you read. `rules`, when sent, replaces "
            "all the rules (which get new ids). An agreed plan is never edited: start a new "
            "version."
        ),
    )
    def patch(self, request: Request, case_id: int, plan_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id, perm="change")
        plan = get_record_for(actor, case, plan_detail_of(case), plan_id)
        serializer = api.SafetyPlanUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        version: int = values["version"]
        rules = rule_data(values["rules"]) if "rules" in values else rules_as_they_are(plan)
        stale = versioned_write(
            actor,
            case,
            plan,
            version,
            lambda: services.safety_plan_update(
                actor=actor,
                case=case,
                plan=plan,
                expected_version=version,
                family_language=values.get("family_language", plan.family_language),
                for_the_children=values.get("for_the_children", plan.for_the_children),
                rules=rules,
            ),
            lambda pk: plan_data(case, pk),
        )
        return stale or Response(plan_data(case, plan.pk))


class SafetyPlanAgreeView(SafetyPlansAPIView):
    @extend_schema(
        request=api.SafetyPlanAgreeSerializer,
        responses={200: api.SafetyPlanDetailSerializer, 409: STALE, **WRITE_ERRORS},
        description=(
            "Record that the family (and the network) agreed the draft: it is in force from "
            "now and the version before is superseded. Only once the case plan is approved "
            "(otherwise 400 saying so); every rule needs someone responsible."
        ),
    )
    def post(self, request: Request, case_id: int, plan_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id, perm="change")
        plan = get_record_for(actor, case, case.safety_plans.all(), plan_id)
        serializer = api.SafetyPlanAgreeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        version: int = values["version"]
        stale = versioned_write(
            actor,
            case,
            plan,
            version,
            lambda: services.safety_plan_agree(
                actor=actor,
                case=case,
                plan=plan,
                expected_version=version,
                agreed_on=values.get("agreed_on") or timezone.localdate(),
                people=values["people"],
                members=values["members"],
            ),
            lambda pk: plan_data(case, pk),
        )
        return stale or Response(plan_data(case, plan.pk))


# --- Support delivered ------------------------------------------------------------------------


class InterventionListView(SafetyPlansAPIView):
    pagination_class = PageNumberPagination

    @extend_schema(
        responses={200: api.InterventionSerializer(many=True), **READ_ERRORS},
        description="The support delivered to the family, most recent first.",
    )
    def get(self, request: Request, case_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id)
        response, count = self.paginate(
            request, interventions_of(case), api.InterventionSerializer, {"request": request}
        )
        audit_view(
            actor, None, case, model=Intervention, extra={"list": "interventions", "count": count}
        )
        return response

    @extend_schema(
        request=api.InterventionCreateSerializer,
        responses={201: api.InterventionSerializer, **WRITE_ERRORS},
        description=(
            "Record support delivered. An `amount` (a decimal string, not negative) needs its "
            "`currency`; `goals` are ids of the case plan's goals it serves."
        ),
    )
    def post(self, request: Request, case_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id, perm="change")
        serializer = api.InterventionCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        goals: list[int] = data.pop("goals", [])
        with service_refusals_audited(actor, case):
            row = services.intervention_record(actor=actor, case=case, data=data, goal_ids=goals)
        return Response(intervention_data(case, row.pk), status=status.HTTP_201_CREATED)


class InterventionDetailView(SafetyPlansAPIView):
    @extend_schema(responses={200: api.InterventionSerializer, **READ_ERRORS})
    def get(self, request: Request, case_id: int, intervention_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id)
        row = get_record_for(actor, case, interventions_of(case), intervention_id)
        data = api.InterventionSerializer(row).data
        audit_view(actor, row, case)
        return Response(data)

    @extend_schema(
        request=api.InterventionUpdateSerializer,
        responses={200: api.InterventionSerializer, 409: STALE, **WRITE_ERRORS},
        description=(
            "Change the fields sent (say, the outcome or the end date); `version` must be the "
            "one you read. `goals`, when sent, replaces the goals it serves."
        ),
    )
    def patch(self, request: Request, case_id: int, intervention_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id, perm="change")
        row = get_record_for(actor, case, case.interventions.all(), intervention_id)
        serializer = api.InterventionUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version: int = data.pop("version")
        goals: list[int] | None = data.pop("goals", None)
        stale = versioned_write(
            actor,
            case,
            row,
            version,
            lambda: services.intervention_update(
                actor=actor,
                case=case,
                intervention=row,
                expected_version=version,
                data=data,
                goal_ids=goals,
            ),
            lambda pk: intervention_data(case, pk),
        )
        return stale or Response(intervention_data(case, row.pk))


# --- The supervisor's attention list ------------------------------------------------------------


class AttentionListView(SafetyPlansAPIView):
    pagination_class = PageNumberPagination

    @extend_schema(
        responses={
            200: api.AttentionSerializer(many=True),
            401: UNAUTHENTICATED,
        },
        description=(
            "Cases of your teams in intervention for 30 days or more without an agreed safety "
            "plan, longest waiting first. For supervisors; empty for everyone else."
        ),
    )
    def get(self, request: Request) -> Response:
        actor = actor_of(request)
        response, count = self.paginate(
            request,
            cases_needing_a_safety_plan(actor),
            api.AttentionSerializer,
            {"request": request},
        )
        audit_view(actor, None, None, model=Case, extra={"list": "attention", "count": count})
        return response
