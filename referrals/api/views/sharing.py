"""API views of consent, outgoing referrals and the partners' side."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from casework.access import get_case_for, get_record_for
from casework.api.views import (
    FORBIDDEN,
    INVALID,
    READ_ERRORS,
    STALE,
    UNAUTHENTICATED,
    WRITE_ERRORS,
    actor_of,
    people_of,
    service_refusals_audited,
    stale_response,
)
from casework.audit import audit_view
from casework.models import Case, Person, User
from casework.services import StaleEdit

from ... import services, sharing
from ...models import Consent, HelpKind, OutgoingReferral, Service
from ...selectors import (
    consent_check,
    consents_for_case,
    get_referral_for_partner,
    partner_view,
    referrals_for_case,
    referrals_for_partner,
)
from .. import serializers as api
from .base import PARTNERS_ONLY, ReferralsAPIView, _by_codes, _by_ids, require_partner

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
