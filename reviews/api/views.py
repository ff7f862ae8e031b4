"""The review API: a case's reviews and closure, the chair's list, notifications, the policy.

Built like casework's, assessments' and safetyplans' APIs:
- a case only through `get_case_for` (404 for forbidden and missing, 403 for seen but not
  changeable), a review only through `get_record_for` on that case's reviews;
- a review's chair holds only view access to the case while the review is scheduled: the
  chair's writes get the case with perm="view" and then require the chair (403 otherwise,
  audited); the services check the same;
- every successful read leaves exactly one `audit_view` event; writes are the services' and
  they audit themselves; a service's refusal and a stale edit each leave one event here;
- token authentication first, so an anonymous call answers 401.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from assessments.api.views import versioned_write
from assessments.models import Goal
from casework import services as casework_services
from casework.access import cases_visible_to, get_case_for, get_record_for
from casework.api.serializers import CaseDetailSerializer
from casework.api.views import (
    CASE_QUERYSET,
    FORBIDDEN,
    INVALID,
    READ_ERRORS,
    STALE,
    UNAUTHENTICATED,
    WRITE_ERRORS,
    CaseworkAPIView,
    actor_of,
    case_detail,
    people_of,
    service_refusals_audited,
)
from casework.audit import Event, audit_record, audit_view
from casework.models import Case, Organisation, User
from safetyplans.models import NetworkMember, SafetyRule

from .. import services
from ..models import (
    Closure,
    Notification,
    Participant,
    Review,
    ReviewAddendum,
    ReviewPolicy,
    ReviewScore,
)
from ..selectors import notifications_for, reviews_chaired_by, reviews_for_case, unread_count
from . import serializers as api

# --- What each view reads -------------------------------------------------------------------


def review_detail_of(case: Case) -> QuerySet[Review]:
    """A review with its whole record, in a fixed number of queries."""
    return reviews_for_case(case).prefetch_related(
        Prefetch(
            "participants",
            queryset=Participant.objects.select_related("person", "network_member"),
        ),
        "goal_progress__goal",
        "rule_progress__rule",
        Prefetch("scores", queryset=ReviewScore.objects.select_related("person", "given_by_user")),
        Prefetch("addenda", queryset=ReviewAddendum.objects.select_related("author")),
    )


def review_data(actor: User, case: Case, pk: int) -> Any:
    review = review_detail_of(case).get(pk=pk)
    problems = (
        services.sign_off_problems(case, review) if review.status == Review.Status.SCHEDULED else []
    )
    context = {"sign_off_problems": problems, "user_id": actor.pk}
    return api.ReviewDetailSerializer(review, context=context).data


def require_chair(actor: User, case: Case, review: Review) -> None:
    """The chair's writes: the door let them see the case, only the chair goes further."""
    with service_refusals_audited(actor, case, review):
        if review.chair_id is None or review.chair_id != actor.pk:
            raise PermissionDenied


def _user_in_organisation(case: Case, user_id: int, field: str) -> User:
    """A user of the case's organisation, or a 400 on `field` (never a hint of anyone else)."""
    user = User.objects.filter(pk=user_id, organisation_id=case.team.organisation_id).first()
    if user is None:
        raise ValidationError({field: [_("Choose somebody of this organisation.")]})
    return user


class ReviewsAPIView(CaseworkAPIView):
    """Signed in by token or session; the same plumbing as casework's API."""


# --- A case's reviews --------------------------------------------------------------------------


class ReviewListView(ReviewsAPIView):
    pagination_class = PageNumberPagination

    @extend_schema(
        responses={200: api.ReviewSerializer(many=True), **READ_ERRORS},
        description="The case's reviews, latest due date first (scheduled, signed, cancelled).",
    )
    def get(self, request: Request, case_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id)
        response, count = self.paginate(
            request, reviews_for_case(case), api.ReviewSerializer, {"request": request}
        )
        audit_view(actor, None, case, model=Review, extra={"list": "reviews", "count": count})
        return response

    @extend_schema(
        request=api.ReviewScheduleSerializer,
        responses={201: api.ReviewDetailSerializer, **WRITE_ERRORS},
        description=(
            "A supervisor of the case's team schedules its next review, with an independent "
            "chair (never the case's workers, never its team) if chosen. Without `due_on` the "
            "review policy gives the date; another date needs `date_reason`. One scheduled "
            "review at a time."
        ),
    )
    def post(self, request: Request, case_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id, perm="change")
        serializer = api.ReviewScheduleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        chair = None
        if values.get("chair") is not None:
            chair = _user_in_organisation(case, values["chair"], "chair")
        with service_refusals_audited(actor, case):
            review = services.review_schedule(
                actor=actor,
                case=case,
                chair=chair,
                due_on=values.get("due_on"),
                date_reason=values["date_reason"],
            )
        return Response(review_data(actor, case, review.pk), status=status.HTTP_201_CREATED)


def _record_from_rows(review: Review) -> dict[str, list[Any]]:
    """The lists of the record as they stand (a PATCH without a list keeps its rows)."""
    return {
        "participants": [
            services.ParticipantData(
                kind=p.kind,
                person=p.person,
                network_member=p.network_member,
                name=p.name,
                role=p.role,
                gathered=p.gathered,
                note=p.note,
            )
            for p in review.participants.all()
        ],
        "goals": [
            services.GoalProgressData(goal=g.goal, progress=g.progress, note=g.note)
            for g in review.goal_progress.all()
        ],
        "rules": [
            services.RuleProgressData(rule=r.rule, kept=r.kept, note=r.note)
            for r in review.rule_progress.all()
        ],
        "scores": [
            services.ScoreData(
                voice=s.voice,
                score=s.score,
                reason=s.reason,
                person=s.person,
                given_by_user=s.given_by_user,
                voice_name=s.voice_name,
            )
            for s in review.scores.all()
        ],
    }


def _pick(rows: dict[int, Any], pk: int | None, field: str, message: str) -> Any:
    if pk is None:
        return None
    if pk not in rows:
        raise ValidationError({field: [message]})
    return rows[pk]


def _record_lists(case: Case, values: dict[str, Any]) -> dict[str, list[Any]]:
    """The lists sent, with their ids looked up within this case only (400 otherwise)."""
    lists: dict[str, list[Any]] = {}
    people = {p.pk: p for p in people_of(case)}
    if "participants" in values:
        members = {m.pk: m for m in NetworkMember.objects.filter(case=case)}
        lists["participants"] = [
            services.ParticipantData(
                kind=row["kind"],
                person=_pick(
                    people, row["person"], "participants", _("Choose a member of this family.")
                ),
                network_member=_pick(
                    members,
                    row["network_member"],
                    "participants",
                    _("Choose a member of this case's safety network."),
                ),
                name=row["name"],
                role=row["role"],
                gathered=row["gathered"],
                note=row["note"],
            )
            for row in values["participants"]
        ]
    if "goals" in values:
        goals = {g.pk: g for g in Goal.objects.filter(plan__case=case)}
        lists["goals"] = [
            services.GoalProgressData(
                goal=_pick(goals, row["goal"], "goals", _("That goal is not in this case's plan.")),
                progress=row["progress"],
                note=row["note"],
            )
            for row in values["goals"]
        ]
    if "rules" in values:
        rules = {r.pk: r for r in SafetyRule.objects.filter(plan__case=case)}
        lists["rules"] = [
            services.RuleProgressData(
                rule=_pick(
                    rules, row["rule"], "rules", _("That rule is not in this case's safety plan.")
                ),
                kept=row["kept"],
                note=row["note"],
            )
            for row in values["rules"]
        ]
    if "scores" in values:
        lists["scores"] = [
            services.ScoreData(
                voice=row["voice"],
                score=row["score"],
                reason=row["reason"],
                person=_pick(people, row["person"], "scores", _("Choose a member of this family.")),
                given_by_user=(
                    _user_in_organisation(case, row["given_by_user"], "scores")
                    if row["given_by_user"] is not None
                    else None
                ),
                voice_name=row["voice_name"],
            )
            for row in values["scores"]
        ]
    return lists


RECORD_FIELDS = (*services.RECORD_TEXT, "held_on", "next_due_on")


class ReviewDetailView(ReviewsAPIView):
    @extend_schema(responses={200: api.ReviewDetailSerializer, **READ_ERRORS})
    def get(self, request: Request, case_id: int, review_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id)
        review = get_record_for(actor, case, review_detail_of(case), review_id)
        problems = (
            services.sign_off_problems(case, review)
            if review.status == Review.Status.SCHEDULED
            else []
        )
        context = {"sign_off_problems": problems, "user_id": actor.pk}
        data = api.ReviewDetailSerializer(review, context=context).data
        audit_view(actor, review, case)
        return Response(data)

    @extend_schema(
        request=api.ReviewRecordSerializer,
        responses={200: api.ReviewDetailSerializer, 409: STALE, **WRITE_ERRORS},
        description=(
            "The chair records the review while it is scheduled (as often as needed); "
            "`version` must be the one you read. Only the fields sent change; `participants`, "
            "`goals`, `rules` and `scores`, when sent, each replace all their rows. A problem "
            "with one row answers 400 on `participant-N`, `goal-N`, `rule-N` or `score-N`. "
            "Anyone but the chair: 403. A signed review is final (400): add an addendum."
        ),
    )
    def patch(self, request: Request, case_id: int, review_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id)
        review = get_record_for(actor, case, review_detail_of(case), review_id)
        require_chair(actor, case, review)
        serializer = api.ReviewRecordSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        version: int = values.pop("version")
        lists = _record_from_rows(review) | _record_lists(case, values)
        fields: dict[str, Any] = {
            name: values.get(name, getattr(review, name)) for name in RECORD_FIELDS
        }
        fields.update(lists)
        record = services.ReviewRecord(**fields)
        stale = versioned_write(
            actor,
            case,
            review,
            version,
            lambda: services.review_record(
                actor=actor, case=case, review=review, data=record, expected_version=version
            ),
            lambda pk: review_data(actor, case, pk),
        )
        return stale or Response(review_data(actor, case, review.pk))


class ReviewChairView(ReviewsAPIView):
    @extend_schema(
        request=api.ChairAssignSerializer,
        responses={200: api.ReviewDetailSerializer, 409: STALE, **WRITE_ERRORS},
        description=(
            "A supervisor of the case's team chooses (or changes) the chair of a scheduled "
            "review: someone independent of the case, who sees it until the review is signed."
        ),
    )
    def post(self, request: Request, case_id: int, review_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id, perm="change")
        review = get_record_for(actor, case, Review.objects.filter(case=case), review_id)
        serializer = api.ChairAssignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        version: int = serializer.validated_data["version"]
        chair = _user_in_organisation(case, serializer.validated_data["chair"], "chair")
        stale = versioned_write(
            actor,
            case,
            review,
            version,
            lambda: services.review_assign_chair(
                actor=actor, case=case, review=review, chair=chair, expected_version=version
            ),
            lambda pk: review_data(actor, case, pk),
        )
        return stale or Response(review_data(actor, case, review.pk))


class ReviewRescheduleView(ReviewsAPIView):
    @extend_schema(
        request=api.RescheduleSerializer,
        responses={200: api.ReviewDetailSerializer, 409: STALE, **WRITE_ERRORS},
        description="The chair or a supervisor of the team moves the review, with a reason.",
    )
    def post(self, request: Request, case_id: int, review_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id)
        review = get_record_for(actor, case, Review.objects.filter(case=case), review_id)
        serializer = api.RescheduleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        version: int = values["version"]

        def write() -> None:
            try:
                services.review_reschedule(
                    actor=actor,
                    case=case,
                    review=review,
                    due_on=values["due_on"],
                    reason=values["reason"],
                    expected_version=version,
                )
            except ValidationError as error:
                # The service names the reason `date_reason`, as on the review; here it is
                # `reason`.
                if hasattr(error, "error_dict") and "date_reason" in error.error_dict:
                    error.error_dict["reason"] = error.error_dict.pop("date_reason")
                raise

        stale = versioned_write(
            actor, case, review, version, write, lambda pk: review_data(actor, case, pk)
        )
        return stale or Response(review_data(actor, case, review.pk))


class ReviewSignView(ReviewsAPIView):
    @extend_schema(
        request=api.ReviewSignSerializer,
        responses={
            200: api.ReviewDetailSerializer,
            400: OpenApiResponse(
                description=(
                    "Invalid: {field: [messages]}; `sign_off_problems` lists what is still "
                    "missing from the record. Nothing was written."
                )
            ),
            401: UNAUTHENTICATED,
            403: FORBIDDEN,
            404: READ_ERRORS[404],
            409: STALE,
        },
        description=(
            "The chair signs the review off: it becomes final (addenda only), its scores join "
            "the case's safety scale, the next review is scheduled from the policy (unless the "
            "decision is to close) and the chair's access to the case ends."
        ),
    )
    def post(self, request: Request, case_id: int, review_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id)
        review = get_record_for(actor, case, Review.objects.filter(case=case), review_id)
        require_chair(actor, case, review)
        serializer = api.ReviewSignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        version: int = serializer.validated_data["version"]

        def write() -> None:
            try:
                services.review_sign(
                    actor=actor, case=case, review=review, expected_version=version
                )
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    raise
                problems = services.sign_off_problems(case, Review.objects.get(pk=review.pk))
                if problems:
                    raise ValidationError({"sign_off_problems": problems}) from error
                raise

        stale = versioned_write(
            actor, case, review, version, write, lambda pk: review_data(actor, case, pk)
        )
        return stale or Response(review_data(actor, case, review.pk))


class ReviewAddendumView(ReviewsAPIView):
    @extend_schema(
        request=api.ReviewAddendumCreateSerializer,
        responses={201: api.ReviewAddendumSerializer, **WRITE_ERRORS},
        description="Add a correction or later note to a signed review.",
    )
    def post(self, request: Request, case_id: int, review_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id)
        review = get_record_for(actor, case, Review.objects.filter(case=case), review_id)
        serializer = api.ReviewAddendumCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_refusals_audited(actor, case, review):
            addendum = services.review_addendum_add(
                actor=actor, case=case, review=review, text=serializer.validated_data["text"]
            )
        return Response(api.ReviewAddendumSerializer(addendum).data, status=status.HTTP_201_CREATED)


# --- Closure and risk ----------------------------------------------------------------------------


class ClosureView(ReviewsAPIView):
    @extend_schema(
        responses={200: api.ClosureStatusSerializer, **READ_ERRORS},
        description=(
            "Whether the case can be closed: a signed review deciding to close and the "
            "worker's latest scale at or above the policy's threshold (otherwise a supervisor "
            "of the team may override with a reason); and the case's past closures."
        ),
    )
    def get(self, request: Request, case_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id)
        problems = services.closure_problems(case)
        score = services.latest_worker_score(case)
        closures = list(Closure.objects.filter(case=case).select_related("closed_by"))
        data = api.ClosureStatusSerializer(
            {
                "can_close": not problems,
                "closure_problems": problems,
                "closure_threshold": services.policy_for(
                    case.team.organisation_id
                ).closure_threshold,
                "latest_worker_score": score.score if score is not None else None,
                "closures": closures,
            }
        ).data
        audit_view(
            actor, None, case, model=Closure, extra={"list": "closures", "count": len(closures)}
        )
        return Response(data)

    @extend_schema(
        request=api.ClosureCreateSerializer,
        responses={201: api.ClosureSerializer, **WRITE_ERRORS},
        description=(
            "Close the case with its outcome and a follow-up check date. When `closure_problems` "
            "is not empty only a supervisor of the team can, with `override_reason`."
        ),
    )
    def post(self, request: Request, case_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id, perm="change")
        serializer = api.ClosureCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_refusals_audited(actor, case):
            closure = services.case_close(
                actor=actor, case=case, data=services.ClosureData(**serializer.validated_data)
            )
        return Response(api.ClosureSerializer(closure).data, status=status.HTTP_201_CREATED)


class RiskView(ReviewsAPIView):
    @extend_schema(
        request=api.RiskSetSerializer,
        responses={200: CaseDetailSerializer, 409: STALE, **WRITE_ERRORS},
        description=(
            "Change the case's risk level, with a reason; `version` is the case's. A rise "
            "restarts the review cadence (the scheduled review comes forward)."
        ),
    )
    def post(self, request: Request, case_id: int) -> Response:
        actor = actor_of(request)
        case = get_case_for(actor, case_id, perm="change")
        serializer = api.RiskSetSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        version: int = values["version"]
        stale = versioned_write(
            actor,
            case,
            case,
            version,
            lambda: casework_services.case_set_risk(
                actor=actor,
                case=case,
                risk_level=values["risk_level"],
                reason=values["reason"],
                expected_version=version,
            ),
            lambda pk: case_detail(actor, CASE_QUERYSET.get(pk=pk), request),
        )
        return stale or Response(case_detail(actor, CASE_QUERYSET.get(pk=case.pk), request))


# --- The people's own lists ----------------------------------------------------------------------


class ChairingListView(ReviewsAPIView):
    pagination_class = PageNumberPagination

    @extend_schema(
        responses={200: api.ChairedReviewSerializer(many=True), 401: UNAUTHENTICATED},
        description="The scheduled reviews you chair, soonest first.",
    )
    def get(self, request: Request) -> Response:
        actor = actor_of(request)
        # The serializer names the chair, who scheduled and who signed: joined, not one each.
        rows = reviews_chaired_by(actor).select_related("chair", "scheduled_by", "signed_by")
        response, count = self.paginate(
            request, rows, api.ChairedReviewSerializer, {"request": request}
        )
        audit_view(actor, None, None, model=Review, extra={"list": "chairing", "count": count})
        return response


class NotificationListView(ReviewsAPIView):
    pagination_class = PageNumberPagination

    @extend_schema(
        responses={200: api.NotificationPageSerializer, 401: UNAUTHENTICATED},
        description="Your notifications, newest first, and how many are unread.",
    )
    def get(self, request: Request) -> Response:
        actor = actor_of(request)
        paginator = PageNumberPagination()
        # Each notification names its case's family (CaseRefSerializer): joined, not one each.
        rows = notifications_for(actor).select_related("case__family")
        page = paginator.paginate_queryset(rows, request, view=self)
        shown = list(page) if page is not None else list(rows)
        case_ids = {row.case_id for row in shown if row.case_id is not None}
        visible = frozenset(
            cases_visible_to(actor).filter(pk__in=case_ids).values_list("pk", flat=True)
            if case_ids
            else ()
        )
        data = api.NotificationSerializer(
            shown, many=True, context={"visible_case_ids": visible}
        ).data
        count = paginator.page.paginator.count if paginator.page is not None else len(shown)
        body = {
            "count": count,
            "unread": unread_count(actor),
            "next": paginator.get_next_link(),
            "previous": paginator.get_previous_link(),
            "results": data,
        }
        audit_view(
            actor, None, None, model=Notification, extra={"list": "notifications", "count": count}
        )
        return Response(body)


class NotificationsReadView(ReviewsAPIView):
    @extend_schema(
        request=api.NotificationsReadSerializer,
        responses={200: api.NotificationsMarkedSerializer, 400: INVALID, 401: UNAUTHENTICATED},
        description=(
            "Mark your notifications read: those in `ids` (others' ids are ignored), or all."
        ),
    )
    def post(self, request: Request) -> Response:
        actor = actor_of(request)
        serializer = api.NotificationsReadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ids: Sequence[int] | None = serializer.validated_data.get("ids")
        marked = services.notifications_mark_read(user=actor, ids=ids)
        return Response({"marked": marked, "unread": unread_count(actor)})


def own_organisation(actor: User) -> Organisation:
    if actor.organisation is None:
        raise NotFound
    return actor.organisation


class ReviewPolicyView(ReviewsAPIView):
    @extend_schema(
        responses={200: api.ReviewPolicySerializer, 401: UNAUTHENTICATED},
        description="Your organisation's review policy (the defaults until an administrator "
        "changes it).",
    )
    def get(self, request: Request) -> Response:
        actor = actor_of(request)
        policy = services.policy_for(own_organisation(actor).pk)
        data = api.ReviewPolicySerializer(policy).data
        audit_view(actor, policy, None)
        return Response(data)

    @extend_schema(
        request=api.ReviewPolicyUpdateSerializer,
        responses={
            200: api.ReviewPolicySerializer,
            400: INVALID,
            401: UNAUTHENTICATED,
            403: OpenApiResponse(description="Only the organisation's administrators."),
            409: STALE,
        },
        description="Administrators change the fields sent; `version` must be the one you read.",
    )
    def patch(self, request: Request) -> Response:
        actor = actor_of(request)
        organisation = own_organisation(actor)
        if actor.role != User.Role.ADMINISTRATOR:
            # Refused before anything is created for an organisation that has no policy yet.
            audit_record(
                actor=actor,
                event=Event.REFUSED,
                obj=ReviewPolicy.objects.filter(organisation=organisation).first(),
                model=ReviewPolicy,
                reason="needs administrator",
            )
            raise PermissionDenied
        serializer = api.ReviewPolicyUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version: int = data.pop("version")
        try:
            policy = services.policy_update(
                actor=actor,
                organisation=organisation,
                data=data,
                expected_version=version,
            )
        except casework_services.StaleEdit as stale:
            current = ReviewPolicy.objects.get(pk=stale.current.pk)
            audit_record(
                actor=actor,
                event=Event.STALE_EDIT,
                obj=current,
                extra={"your_version": version, "current_version": current.version},
            )
            return Response(
                {
                    "detail": _(
                        "Somebody saved a newer version since you read this, so nothing was "
                        "changed. Compare with the current values and send your edit again "
                        "with their version."
                    ),
                    "your_version": version,
                    "current": api.ReviewPolicySerializer(current).data,
                },
                status=status.HTTP_409_CONFLICT,
            )
        return Response(api.ReviewPolicySerializer(policy).data)
