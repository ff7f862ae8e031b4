"""The review pages that belong to people rather than to one case: the supervisor's dashboard,
the chair's list, the notifications (and the bell's count) and the organisation's policy.

Lists go through scoped selectors and leave one audit event each, like casework's case list.
Writes go through services, which audit them. Partners never hold cases: the case lists do not
exist for them (404, audited like the door's refusals).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from casework.access import MAX_ID, cases_visible_to
from casework.audit import Event, audit_record, audit_view
from casework.models import Case, User
from casework.services import StaleEdit
from casework.view_helpers import actor_of, add_service_errors

from . import dashboard, selectors, services
from .forms_people import INTERVAL_FIELDS, PolicyForm, intervals_text
from .models import Notification, Review, ReviewPolicy

NOTIFICATIONS_PER_PAGE = 50
EXAMPLE_REVIEWS = 8


def _refuse_role(actor: User, model: type[models.Model], request: HttpRequest, why: str) -> Http404:
    """A page this role can never use: it does not exist for them (404), and the try is kept."""
    audit_record(
        actor=actor, event=Event.REFUSED, model=model, object_pk=request.path[:100], reason=why
    )
    return Http404()


def _staff(request: HttpRequest, model: type[models.Model]) -> User:
    """Anybody who may hold cases (partners reach what is shared with them by referral)."""
    actor = actor_of(request)
    if actor.role == User.Role.PARTNER or actor.organisation_id is None:
        raise _refuse_role(actor, model, request, "review lists are for the agency's staff")
    return actor


def review_url(case_id: int, review_id: int) -> str:
    """The chair's review form."""
    return reverse("review_record", kwargs={"case_id": case_id, "review_id": review_id})


# --- The supervisor's dashboard --------------------------------------------------------------


def review_dashboard(request: HttpRequest) -> HttpResponse:
    """Reviews due and overdue, falling scales, cases without a review, chairs and returns."""
    actor = _staff(request, Case)
    board = dashboard.review_dashboard(actor)
    audit_view(
        actor,
        None,
        None,
        model=Case,
        extra={"list": "review dashboard", "count": len(board.case_ids)},
    )
    return render(
        request,
        "reviews/people/dashboard.html",
        {"board": board, "is_supervisor": actor.role == User.Role.SUPERVISOR},
    )


# --- The chair's list ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ChairRow:
    review: Review
    url: str
    # Days until due (negative: overdue).
    days: int

    @property
    def overdue(self) -> int:
        return max(-self.days, 0)


def reviews_to_chair(request: HttpRequest) -> HttpResponse:
    """The open reviews this user chairs, soonest first."""
    actor = _staff(request, Review)
    today = dashboard.today_for(actor)
    reviews = selectors.reviews_chaired_by(actor).select_related("case__family__village")
    rows = [
        ChairRow(
            review=review,
            url=review_url(review.case_id, review.pk),
            days=(review.due_on - today).days,
        )
        for review in reviews
    ]
    audit_view(
        actor, None, None, model=Review, extra={"list": "reviews to chair", "count": len(rows)}
    )
    return render(request, "reviews/people/chairing.html", {"rows": rows, "today": today})


# --- Notifications ------------------------------------------------------------------------------


def _date_text(value: datetime.date | None) -> str:
    return formats.date_format(value, "j M Y") if value is not None else ""


def notification_text(notification: Notification) -> str:
    """The notification in the reader's (the active) language, from its kind, case and date."""
    reference = notification.case.reference if notification.case is not None else "—"
    due = _date_text(notification.due_on)
    values = {"reference": reference, "date": due}
    kind = notification.kind
    if kind == Notification.Kind.DUE_7:
        return _("Review of %(reference)s due on %(date)s") % values
    if kind == Notification.Kind.DUE_1:
        return _("Review of %(reference)s due tomorrow (%(date)s)") % values
    if kind == Notification.Kind.DUE_0:
        return _("Review of %(reference)s due today (%(date)s)") % values
    if kind == Notification.Kind.OVERDUE_3:
        return _("Review of %(reference)s is 3 days overdue (due %(date)s)") % values
    if kind == Notification.Kind.OVERDUE_7:
        return _("Review of %(reference)s is 7 days overdue (due %(date)s)") % values
    if kind == Notification.Kind.CHAIR:
        if due:
            return _("You were asked to chair the review of %(reference)s on %(date)s") % values
        return _("You were asked to chair the review of %(reference)s") % values
    if kind == Notification.Kind.ESCALATED:
        return _("A review escalated %(reference)s") % values
    if kind == Notification.Kind.REVOLVING_DOOR:
        return (
            _("Revolving door: %(reference)s is back with the same concern within a year") % values
        )
    if kind == Notification.Kind.RETURNING:
        return _("A family has come back: %(reference)s") % values
    if kind == Notification.Kind.EMERGENCY:
        # The list selects the actor with the notification (no query per row); a notification
        # whose actor's account was removed still says what happened.
        if notification.actor is not None:
            return _("%(name)s took emergency access to %(reference)s on %(date)s") % {
                **values,
                "name": notification.actor.display_name,
            }
        return _("Emergency access was taken to %(reference)s on %(date)s") % values
    return str(notification.get_kind_display())


@dataclass(frozen=True)
class NotificationRow:
    notification: Notification
    text: str
    # None: the user can no longer see the case (the text stays, the link goes).
    url: str | None


def _notification_target(
    notification: Notification, visible: set[int], access_logs: set[int] | None = None
) -> str | None:
    """Where the notification leads: None when its case is no longer visible to the reader.

    `access_logs`: the cases whose access page the reader may open (an emergency access is
    looked into there, where its reason is); without it, the case's own page.
    """
    if notification.case_id is None or notification.case_id not in visible:
        return None
    if notification.review_id is not None and notification.kind == Notification.Kind.CHAIR:
        return review_url(notification.case_id, notification.review_id)
    if notification.kind == Notification.Kind.EMERGENCY and notification.case_id in (
        access_logs or set()
    ):
        return reverse("case_access_log", args=[notification.case_id])
    return reverse("case_detail", args=[notification.case_id])


def _access_logs_open_to(actor: User, case_ids: set[int]) -> set[int]:
    """The cases among these whose access page `actor` may open: the page asks for change or
    export (casework.case_views.case_access_log), so a chair or a holder of emergency access
    who can only view is sent to the case page instead."""
    if not case_ids:
        return set()
    may_change = cases_visible_to(actor, perm="change").filter(pk__in=case_ids)
    may_export = cases_visible_to(actor, perm="export").filter(pk__in=case_ids)
    return set(
        may_change.values_list("pk", flat=True).union(may_export.values_list("pk", flat=True))
    )


def notification_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    # The actor: the person an emergency-access notification names, in the same query.
    paginator = Paginator(
        selectors.notifications_for(actor).select_related("actor"), NOTIFICATIONS_PER_PAGE
    )
    page = paginator.get_page(request.GET.get("page"))
    notifications = list(page.object_list)
    case_ids = {n.case_id for n in notifications if n.case_id is not None}
    visible = set(
        cases_visible_to(actor).filter(pk__in=case_ids).values_list("pk", flat=True)
        if case_ids
        else []
    )
    rows = [
        NotificationRow(
            notification=n,
            text=notification_text(n),
            url=(
                reverse("notification_open", args=[n.pk])
                if _notification_target(n, visible)
                else None
            ),
        )
        for n in notifications
    ]
    unread = sum(1 for n in notifications if n.read_at is None)
    audit_view(
        actor,
        None,
        None,
        model=Notification,
        extra={"list": "notifications", "page": page.number, "count": paginator.count},
    )
    return render(
        request,
        "reviews/people/notifications.html",
        {"page": page, "rows": rows, "unread_on_page": unread},
    )


@require_GET
def notification_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Opening a notification marks it read and goes where it points (if still allowed)."""
    actor = actor_of(request)
    notification = (
        Notification.objects.filter(user=actor, pk=notification_id).first()
        if 0 < notification_id <= MAX_ID
        else None
    )
    if notification is None:
        audit_record(
            actor=actor,
            event=Event.REFUSED,
            model=Notification,
            object_pk=str(notification_id)[:100],
            reason="not found",
        )
        raise Http404
    services.notifications_mark_read(user=actor, ids=[notification.pk])
    visible: set[int] = set()
    access_logs: set[int] = set()
    if notification.case_id is not None:
        visible = set(
            cases_visible_to(actor).filter(pk=notification.case_id).values_list("pk", flat=True)
        )
        if visible and notification.kind == Notification.Kind.EMERGENCY:
            access_logs = _access_logs_open_to(actor, visible)
    target = _notification_target(notification, visible, access_logs)
    if target is None:
        messages.info(request, _("You can no longer open this case."))
        return redirect("notification_list")
    return redirect(target)


@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    count = services.notifications_mark_read(user=actor)
    if count:
        messages.success(request, _("All your notifications are marked as read."))
    return redirect("notification_list")


@require_GET
def notification_count(request: HttpRequest) -> HttpResponse:
    """The bell's unread count: a tiny htmx fragment, polled. No audit (it reads no case)."""
    count = selectors.unread_count(actor_of(request))
    return render(request, "reviews/people/_bell_count.html", {"unread": count})


# --- The review policy --------------------------------------------------------------------------


def _policy_admin(request: HttpRequest) -> User:
    """Administrators of the organisation only; to everyone else the page does not exist."""
    actor = actor_of(request)
    if actor.role != User.Role.ADMINISTRATOR or actor.organisation_id is None:
        raise _refuse_role(
            actor, ReviewPolicy, request, "the review policy is set by administrators"
        )
    return actor


def example_schedule(policy: ReviewPolicy, risk: str, count: int = EXAMPLE_REVIEWS) -> list[int]:
    """Days after intervention starts on which the first `count` reviews fall (signed on time)."""
    total = 0
    days = []
    for step in range(count):
        total += policy.interval(risk, step)
        days.append(total)
    return days


def _examples(policy: ReviewPolicy) -> list[dict[str, Any]]:
    return [
        {"risk": label, "days": ", ".join(str(day) for day in example_schedule(policy, risk))}
        for risk, label in Case.Risk.choices[::-1]
    ]


def _policy_value(name: str, value: Any) -> str:
    if name in INTERVAL_FIELDS:
        return intervals_text(list(value))
    return str(value)


def _policy_conflict(
    request: HttpRequest, actor: User, form: PolicyForm, current: ReviewPolicy
) -> HttpResponse:
    """Somebody saved the policy first: theirs beside ours, nothing changed (409)."""
    mine = form.policy_data()
    rows = []
    for name, value in mine.items():
        theirs = _policy_value(name, getattr(current, name))
        ours = _policy_value(name, value)
        if theirs != ours:
            label = form.fields[name].label
            rows.append({"label": label, "theirs": theirs, "mine": ours, "differs": True})
    audit_record(
        actor=actor,
        event=Event.STALE_EDIT,
        obj=current,
        extra={"submitted_version": form.cleaned_data.get("version")},
    )
    data = request.POST.copy()
    data["version"] = str(current.version)
    resubmit = PolicyForm.for_policy(current, data)
    resubmit.is_valid()
    context = {
        "form": resubmit,
        "policy": current,
        "examples": _examples(current),
        "conflict": rows,
    }
    return render(request, "reviews/people/policy.html", context, status=409)


@require_http_methods(["GET", "POST"])
def review_policy(request: HttpRequest) -> HttpResponse:
    actor = _policy_admin(request)
    organisation = actor.organisation
    if organisation is None:  # pragma: no cover - _policy_admin refuses it
        raise Http404
    policy = services.policy_for(organisation.pk)
    form = PolicyForm.for_policy(policy, request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.policy_update(
                    actor=actor,
                    organisation=organisation,
                    data=form.policy_data(),
                    expected_version=form.cleaned_data["version"],
                )
            except StaleEdit as stale:
                current = ReviewPolicy.objects.get(pk=stale.current.pk)
                return _policy_conflict(request, actor, form, current)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The review policy is saved."))
                return redirect("review_policy")
    else:
        audit_view(actor, policy, None)
    return render(
        request,
        "reviews/people/policy.html",
        {"form": form, "policy": policy, "examples": _examples(policy), "conflict": None},
    )


__all__ = [
    "notification_count",
    "notification_list",
    "notification_open",
    "notifications_read_all",
    "review_dashboard",
    "review_policy",
    "reviews_to_chair",
]
