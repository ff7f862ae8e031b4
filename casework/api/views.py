"""The API's views: the same door, services and audit trail as the HTML pages.

- One case is fetched only with `get_case_for` (404 for forbidden and missing, 403 for seen
  but not changeable: the door audits both), a record inside it only with `get_record_for`,
  and lists only through `caseload` / `cases_visible_to`.
- Every successful read leaves exactly one `audit_view` event; writes are the services' and
  they audit themselves. A service's own refusal (say, signing somebody else's note) and a
  stale edit each leave one event here, since the service's transaction rolled back.
- Token authentication comes first so that an anonymous request answers 401, not 403; the
  views are exempt from LoginRequiredMiddleware so that DRF gives that answer.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from axes.utils import reset as axes_reset
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model, Prefetch, QuerySet
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django_otp import user_has_device
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authentication import BaseAuthentication, SessionAuthentication
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import NotAuthenticated, NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView, exception_handler

from .. import mfa, services
from ..access import case_permissions, get_case_for, get_record_for
from ..audit import Event, audit_record, audit_view
from ..lockout import LOCKED_OUT_STATUS, lockout_message
from ..models import Case, HomeVisit, Person, User, VisitAddendum, VisitChild
from ..selectors import CaseFilters, caseload
from . import serializers as api
from .authentication import ExpiringTokenAuthentication, token_for
from .pagination import CappedCasePagination

# --- Plumbing ------------------------------------------------------------------------------


def validation_error_body(error: DjangoValidationError) -> dict[str, list[str]]:
    """A service's ValidationError as DRF shapes its own: {field: [messages]}."""
    if hasattr(error, "error_dict"):
        return {
            ("non_field_errors" if name == NON_FIELD_ERRORS else name): list(messages)
            for name, messages in error.message_dict.items()
        }
    return {"non_field_errors": list(error.messages)}


def api_exception_handler(exc: Exception, context: Mapping[str, Any]) -> Response | None:
    """DRF's handler (Http404 → 404, PermissionDenied → 403), plus services' ValidationError."""
    if isinstance(exc, DjangoValidationError):
        return Response(validation_error_body(exc), status=status.HTTP_400_BAD_REQUEST)
    return exception_handler(exc, dict(context))


def actor_of(request: Request) -> User:
    user = request.user
    if not isinstance(user, User):
        raise NotAuthenticated
    return user


@contextmanager
def service_refusals_audited(actor: User, case: Case, obj: Model | None = None) -> Iterator[None]:
    """A refusal by a service (after the door let the user in) is audited like the door's."""
    try:
        yield
    except PermissionDenied:
        audit_record(
            actor=actor,
            event=Event.REFUSED,
            obj=obj if obj is not None else case,
            case=case,
            reason="refused by service",
        )
        raise


def stale_response(
    actor: User, case: Case, stale: services.StaleEdit, your_version: int, current: Any
) -> Response:
    """409 with the newer values: nothing was written, the client compares and retries."""
    audit_record(
        actor=actor,
        event=Event.STALE_EDIT,
        obj=stale.current,
        case=case,
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


def visits_of(case: Case) -> QuerySet[HomeVisit]:
    """A case's visits with who was seen and the addenda, in a fixed number of queries."""
    return case.visits.select_related("author").prefetch_related(
        Prefetch(
            "children_seen", queryset=VisitChild.objects.select_related("child").order_by("pk")
        ),
        Prefetch("addenda", queryset=VisitAddendum.objects.select_related("author")),
    )


def people_of(case: Case) -> QuerySet[Person]:
    return Person.objects.filter(family_id=case.family_id).order_by("pk")


def children_ids(case: Case) -> frozenset[int]:
    return frozenset(case.children.values_list("pk", flat=True))


CASE_QUERYSET = Case.objects.select_related(
    "family__village", "team", "worker", "covering_worker"
).prefetch_related("children")

NOT_FOUND = OpenApiResponse(api.ErrorSerializer, description="Missing, or not yours to see.")
FORBIDDEN = OpenApiResponse(
    api.ErrorSerializer, description="You may see this case but not change it."
)
UNAUTHENTICATED = OpenApiResponse(api.ErrorSerializer, description="Not signed in.")
INVALID = OpenApiResponse(description="Invalid input: {field: [messages]}; nothing was written.")
LOCKED_OUT = OpenApiResponse(
    api.ErrorSerializer,
    description="Too many failed sign-ins with this username or from this address; try later.",
)
STALE = OpenApiResponse(
    api.StaleEditSerializer, description="A newer version exists; nothing was written."
)
# The largest primary key PostgreSQL stores (bigint).
MAX_ID = 2**63 - 1

READ_ERRORS = {401: UNAUTHENTICATED, 404: NOT_FOUND}
WRITE_ERRORS = {400: INVALID, 401: UNAUTHENTICATED, 403: FORBIDDEN, 404: NOT_FOUND}


@method_decorator(login_not_required, name="dispatch")
class CaseworkAPIView(APIView):
    """Signed in by token or session; DRF (not the login redirect) answers anonymous calls."""

    authentication_classes: Sequence[type[BaseAuthentication]] = [
        ExpiringTokenAuthentication,
        SessionAuthentication,
    ]
    permission_classes: Sequence[type[BasePermission]] = [IsAuthenticated]

    def get_exception_handler(self) -> Callable[[Exception, Mapping[str, Any]], Response | None]:
        return api_exception_handler

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if any(isinstance(value, int) and value > MAX_ID for value in kwargs.values()):
            # No record has such an id, and the audit trail cannot store it as one: refused
            # like any other missing record, with the path kept instead.
            audit_record(
                actor=actor_of(request),
                event=Event.REFUSED,
                model=Case,
                reason="not found",
                extra={"path": request.path[:300]},
            )
            raise NotFound
        # As the HTML pages do: dates and times in the organisation's zone (a token-signed
        # request was still anonymous when the middleware looked).
        organisation = getattr(request.user, "organisation", None)
        if organisation is not None:
            timezone.activate(zoneinfo.ZoneInfo(organisation.time_zone))

    def paginate(
        self,
        request: Request,
        queryset: QuerySet[Any],
        serializer_class: type[BaseSerializer[Any]],
        context: dict[str, Any],
    ) -> tuple[Response, int]:
        """One page of `queryset` and the total count."""
        paginator = (getattr(self, "pagination_class", None) or PageNumberPagination)()
        page = paginator.paginate_queryset(queryset, request, view=self)
        if page is None:  # pagination switched off in the settings
            rows = list(queryset)
            return Response(serializer_class(rows, many=True, context=context).data), len(rows)
        data = serializer_class(page, many=True, context=context).data
        count = paginator.page.paginator.count if paginator.page is not None else len(page)
        return paginator.get_paginated_response(data), count


# --- Cases ---------------------------------------------------------------------------------


def case_detail(actor: User, case: Case, request: Request) -> Any:
    context = {
        "request": request,
        "people": list(people_of(case)),
        "children_ids": frozenset(child.pk for child in case.children.all()),
        "permissions": case_permissions(actor, case),
    }
    return api.CaseDetailSerializer(case, context=context).data


class CaseListView(CaseworkAPIView):
    pagination_class = CappedCasePagination

    @extend_schema(
        parameters=[api.CaseListQuerySerializer],
        responses={200: api.CaseListSerializer(many=True), 400: INVALID, 401: UNAUTHENTICATED},
        description="Your caseload (or your team's, or your organisation's), filtered.",
    )
    def get(self, request: Request) -> Response:
        actor = actor_of(request)
        query = api.CaseListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        filters = CaseFilters(
            scope=params.get("scope", ""),
            phase=params.get("phase", ""),
            tier=params.get("tier", ""),
            risk_level=params.get("risk_level", ""),
            village=params.get("village"),
            q=params.get("q", ""),
            include_closed=params.get("include_closed", False),
        )
        response, count = self.paginate(
            request, caseload(actor, filters), api.CaseListSerializer, {"request": request}
        )
        extra: dict[str, Any] = {"list": "cases", "q": filters.q, "count": count}
        if isinstance(response.data, dict) and response.data.get("count_capped"):
            extra["count_capped"] = True  # more matched than were counted
        audit_view(actor, None, None, model=Case, extra=extra)
        return response


class CaseDetailView(CaseworkAPIView):
    @extend_schema(responses={200: api.CaseDetailSerializer, **READ_ERRORS})
    def get(self, request: Request, case_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id, queryset=CASE_QUERYSET)
        data = case_detail(actor, case, request)
        audit_view(actor, case, case)
        return Response(data)


class CaseTransitionView(CaseworkAPIView):
    @extend_schema(
        request=api.TransitionSerializer,
        responses={200: api.CaseDetailSerializer, **WRITE_ERRORS},
        description="Move the case to another phase (closing needs a reason).",
    )
    def post(self, request: Request, case_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id, perm="change")
        serializer = api.TransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_refusals_audited(actor, case):
            services.case_transition(
                actor=actor,
                case=case,
                to=serializer.validated_data["to"],
                reason=serializer.validated_data["reason"],
            )
        return Response(case_detail(actor, CASE_QUERYSET.get(pk=case.pk), request))


# --- People --------------------------------------------------------------------------------


class PersonListView(CaseworkAPIView):
    pagination_class = PageNumberPagination

    @extend_schema(responses={200: api.PersonSerializer(many=True), **READ_ERRORS})
    def get(self, request: Request, case_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id)
        context = {"request": request, "children_ids": children_ids(case)}
        response, count = self.paginate(request, people_of(case), api.PersonSerializer, context)
        audit_view(actor, None, case, model=Person, extra={"list": "people", "count": count})
        return response

    @extend_schema(
        request=api.PersonCreateSerializer,
        responses={201: api.PersonSerializer, **WRITE_ERRORS},
        description="Add a member of the family (`concerned`: a child the case is about).",
    )
    def post(self, request: Request, case_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id, perm="change")
        serializer = api.PersonCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_refusals_audited(actor, case):
            person = services.person_add(
                actor=actor, case=case, data=services.PersonData(**serializer.validated_data)
            )
        context = {"request": request, "children_ids": children_ids(case)}
        return Response(
            api.PersonSerializer(person, context=context).data, status=status.HTTP_201_CREATED
        )


class PersonDetailView(CaseworkAPIView):
    @extend_schema(responses={200: api.PersonSerializer, **READ_ERRORS})
    def get(self, request: Request, case_id: int, person_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id)
        person = get_record_for(actor, case, people_of(case), person_id)
        context = {"request": request, "children_ids": children_ids(case)}
        data = api.PersonSerializer(person, context=context).data
        audit_view(actor, person, case)
        return Response(data)

    @extend_schema(
        request=api.PersonUpdateSerializer,
        responses={200: api.PersonSerializer, 409: STALE, **WRITE_ERRORS},
        description="Change the fields sent; `version` must be the one you read.",
    )
    def patch(self, request: Request, case_id: int, person_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id, perm="change")
        person = get_record_for(actor, case, people_of(case), person_id)
        serializer = api.PersonUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version: int = data.pop("version")
        context = {"request": request, "children_ids": children_ids(case)}
        try:
            with service_refusals_audited(actor, case, person):
                person = services.person_update(
                    actor=actor, case=case, person=person, expected_version=version, data=data
                )
        except services.StaleEdit as stale:
            current = api.PersonSerializer(
                people_of(case).get(pk=stale.current.pk), context=context
            ).data
            return stale_response(actor, case, stale, version, current)
        return Response(api.PersonSerializer(person, context=context).data)


# --- Home visits ---------------------------------------------------------------------------


def children_seen(entries: list[dict[str, Any]]) -> list[services.ChildSeen]:
    return [
        services.ChildSeen(
            child_id=entry["child"], seen=entry["seen"], seen_alone=entry["seen_alone"]
        )
        for entry in entries
    ]


class VisitListView(CaseworkAPIView):
    pagination_class = PageNumberPagination

    @extend_schema(responses={200: api.VisitSerializer(many=True), **READ_ERRORS})
    def get(self, request: Request, case_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id)
        response, count = self.paginate(
            request, visits_of(case), api.VisitSerializer, {"request": request}
        )
        audit_view(actor, None, case, model=HomeVisit, extra={"list": "visits", "count": count})
        return response

    @extend_schema(
        request=api.VisitCreateSerializer,
        responses={201: api.VisitSerializer, **WRITE_ERRORS},
        description="Record a contact as a draft, or signed straight away with `sign`.",
    )
    def post(self, request: Request, case_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id, perm="change")
        serializer = api.VisitCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        children = children_seen(data.pop("children"))
        sign: bool = data.pop("sign")
        with service_refusals_audited(actor, case):
            visit = services.visit_record(
                actor=actor, case=case, data=data, children=children, sign=sign
            )
        return Response(
            api.VisitSerializer(visits_of(case).get(pk=visit.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class VisitDetailView(CaseworkAPIView):
    @extend_schema(responses={200: api.VisitSerializer, **READ_ERRORS})
    def get(self, request: Request, case_id: int, visit_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id)
        visit = get_record_for(actor, case, visits_of(case), visit_id)
        data = api.VisitSerializer(visit).data
        audit_view(actor, visit, case)
        return Response(data)

    @extend_schema(
        request=api.VisitUpdateSerializer,
        responses={200: api.VisitSerializer, 409: STALE, **WRITE_ERRORS},
        description=(
            "Edit a draft you wrote; `version` must be the one you read. A signed visit is "
            "final (400): add an addendum instead."
        ),
    )
    def patch(self, request: Request, case_id: int, visit_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id, perm="change")
        visit = get_record_for(actor, case, visits_of(case), visit_id)
        serializer = api.VisitUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version: int = data.pop("version")
        if "children" in data:
            children = children_seen(data.pop("children"))
        else:
            children = [
                services.ChildSeen(child_id=row.child_id, seen=row.seen, seen_alone=row.seen_alone)
                for row in visit.children_seen.all()
            ]
        try:
            with service_refusals_audited(actor, case, visit):
                services.visit_update(
                    actor=actor,
                    case=case,
                    visit=visit,
                    expected_version=version,
                    data=data,
                    children=children,
                )
        except services.StaleEdit as stale:
            current = api.VisitSerializer(visits_of(case).get(pk=stale.current.pk)).data
            return stale_response(actor, case, stale, version, current)
        return Response(api.VisitSerializer(visits_of(case).get(pk=visit.pk)).data)


class VisitSignView(CaseworkAPIView):
    @extend_schema(
        request=api.VersionSerializer,
        responses={200: api.VisitSerializer, 409: STALE, **WRITE_ERRORS},
        description="Sign a draft you wrote: the note becomes final.",
    )
    def post(self, request: Request, case_id: int, visit_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id, perm="change")
        visit = get_record_for(actor, case, visits_of(case), visit_id)
        serializer = api.VersionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        version: int = serializer.validated_data["version"]
        try:
            with service_refusals_audited(actor, case, visit):
                services.visit_sign(actor=actor, case=case, visit=visit, expected_version=version)
        except services.StaleEdit as stale:
            current = api.VisitSerializer(visits_of(case).get(pk=stale.current.pk)).data
            return stale_response(actor, case, stale, version, current)
        return Response(api.VisitSerializer(visits_of(case).get(pk=visit.pk)).data)


class VisitAddendumView(CaseworkAPIView):
    @extend_schema(
        request=api.AddendumCreateSerializer,
        responses={201: api.AddendumSerializer, **WRITE_ERRORS},
        description="Add a correction or addition to a signed visit.",
    )
    def post(self, request: Request, case_id: int, visit_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id, perm="change")
        visit = get_record_for(actor, case, case.visits.all(), visit_id)
        serializer = api.AddendumCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_refusals_audited(actor, case, visit):
            addendum = services.visit_addendum_add(
                actor=actor, case=case, visit=visit, text=serializer.validated_data["text"]
            )
        return Response(api.AddendumSerializer(addendum).data, status=status.HTTP_201_CREATED)


# --- Sign-in -------------------------------------------------------------------------------


def otp_of(data: object) -> str:
    value = data.get("otp", "") if isinstance(data, Mapping) else ""
    return value if isinstance(value, str) else ""


@method_decorator(login_not_required, name="dispatch")
class TokenView(ObtainAuthToken):
    """POST a username and password, get the token for `Authorization: Token <key>`.

    No session is read here (so no CSRF cookie is needed). Signing in leaves an audit event;
    a failed attempt is audited by the sign-in signal receiver. Failures count towards the
    same lockout as the sign-in page's (casework.lockout): 429 while it lasts. A user who
    needs two-step sign-in (casework.mfa) sends `otp` too, a TOTP or recovery code: 400
    without it or with a wrong one (audited, and throttled by django-otp).
    """

    authentication_classes: Sequence[type[BaseAuthentication]] = []

    @extend_schema(
        request=inline_serializer(
            "TokenRequest",
            {
                "username": serializers.CharField(),
                "password": serializers.CharField(style={"input_type": "password"}),
                "otp": serializers.CharField(
                    required=False,
                    help_text="A TOTP or recovery code, for people two-step sign-in applies to.",
                ),
            },
        ),
        responses={
            200: inline_serializer("TokenResponse", {"token": serializers.CharField()}),
            400: INVALID,
            429: LOCKED_OUT,
        },
        auth=[],
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid():
            # Set by django-axes on this request when the failure locked, or met a lockout.
            if getattr(request, "axes_locked_out", False):
                return Response({"detail": lockout_message()}, status=LOCKED_OUT_STATUS)
            raise ValidationError(serializer.errors)
        user: User = serializer.validated_data["user"]
        if mfa.must_verify(user):
            # Two-step sign-in (casework.mfa): the code comes with the password.
            refusal = self.otp_refusal(user, otp_of(request.data))
            if refusal is not None:
                return refusal
        # As signing in on the page does (no session here, so Django does not announce it).
        axes_reset(username=user.get_username())
        token = token_for(user)  # a new one once the last has expired
        audit_record(actor=user, event=Event.LOGIN, obj=user, extra={"method": "token"})
        return Response({"token": token.key})

    @staticmethod
    def otp_refusal(user: User, code: str) -> Response | None:
        """None when `code` is a good TOTP or recovery code; otherwise the 400 to answer."""
        if not user_has_device(user, confirmed=True):
            message = _("Set up two-step sign-in in the browser before asking for a token.")
        elif not code.strip():
            message = _("Two-step sign-in is required: send the code as otp.")
        elif mfa.match_code(user, code) is None:
            mfa.code_refused(user, method="token")
            message = _("That code is not right.")
        else:
            return None
        return Response({"otp": [message]}, status=status.HTTP_400_BAD_REQUEST)


class TokenRevokeView(CaseworkAPIView):
    """POST (signed in by the token itself, or by session) to revoke your API token at once."""

    @extend_schema(request=None, responses={204: None, 401: UNAUTHENTICATED})
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = actor_of(request)
        services.user_token_revoke(actor=user, user=user)
        return Response(status=status.HTTP_204_NO_CONTENT)
