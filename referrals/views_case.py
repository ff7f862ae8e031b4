"""The staff's pages of consent and outgoing referrals on a case.

Every view goes the way of casework.case_views: through the door (`get_case_for`,
`get_record_for`), then a form, then a service, then a redirect. A page read leaves exactly one
audit event; writes are audited by their service; refusals by the door. Partners never get
here (the door gives them no case): they read referrals through `selectors.partner_view` only,
and so does the printable letter on this side.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Case as When_
from django.db.models import IntegerField, Prefetch, QuerySet, Value, When
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from casework.access import Perm, case_permissions, get_case_for, get_record_for
from casework.audit import Event, audit_record, audit_view
from casework.forms import villages_for
from casework.models import Case, Person, User
from casework.services import StaleEdit
from casework.view_helpers import actor_of, add_service_errors, conflict_response, refuse

from . import services, sharing
from .forms_case import (
    ConsentForm,
    ConsentWithdrawForm,
    FollowUpForm,
    ReferralForm,
    SendForm,
    ServiceSearchForm,
    WithdrawForm,
)
from .models import Consent, HelpKind, OutgoingReferral, Service
from .selectors import consent_check, partner_view, services_search

Status = OutgoingReferral.Status

# --- Shared helpers -------------------------------------------------------------------------


def _case_queryset() -> QuerySet[Case]:
    return Case.objects.select_related("family__village", "team__organisation", "worker")


def _may_change(case: Case, perms: frozenset[Perm]) -> bool:
    return "change" in perms and case.phase != Case.Phase.CLOSED


def _may_override(actor: User, perms: frozenset[Perm]) -> bool:
    """Who the server lets send without consent (referral_send): a supervisor of the case."""
    return actor.role == User.Role.SUPERVISOR and "export" in perms


def _case_page(case: Case) -> HttpResponse:
    return redirect(reverse("case_detail", args=[case.pk]) + "#panel-referrals")


def _people(case: Case) -> QuerySet[Person]:
    """The family, children first."""
    child_first = When_(
        When(relationship=Person.Relationship.CHILD, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return Person.objects.filter(family_id=case.family_id).order_by(child_first, "pk")


def _services(actor: User) -> QuerySet[Service]:
    """The directory as the user may search it, with what the choice labels show."""
    return services_search(actor).prefetch_related(
        Prefetch("partner_users", queryset=User.objects.filter(is_active=True))
    )


def _referrals(case: Case) -> QuerySet[OutgoingReferral]:
    return (
        OutgoingReferral.objects.filter(case=case)
        .select_related(
            "service",
            "help_kind",
            "consent__given_by",
            "override_by",
            "sent_by",
            "created_by",
        )
        .prefetch_related(
            Prefetch("children", queryset=Person.objects.order_by("pk")), "service__kinds"
        )
    )


def _referral(actor: User, case: Case, referral_id: object) -> OutgoingReferral:
    return get_record_for(actor, case, _referrals(case), referral_id)


def _detail_url(case: Case, referral: OutgoingReferral) -> str:
    return reverse("referral_detail", args=[case.pk, referral.pk])


# --- Consent --------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def consent_new(request: HttpRequest, case_id: int) -> HttpResponse:
    actor = actor_of(request)
    case = get_case_for(actor, case_id, perm="change", queryset=_case_queryset())
    form = ConsentForm(
        request.POST or None,
        people=_people(case),
        services=_services(actor),
        initial={"given_on": timezone.localdate(), "given_by_kind": Consent.GivenBy.CAREGIVER},
    )
    if request.method == "POST" and form.is_valid():
        try:
            consent = services.consent_record(actor=actor, case=case, **form.consent_data())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The consent from %(person)s is recorded.")
                % {"person": consent.given_by.display_name},
            )
            return _case_page(case)
    if request.method == "GET":
        audit_view(actor, case, case, extra={"page": "record consent"})
    return render(request, "referrals/case/consent_form.html", {"case": case, "form": form})


@require_http_methods(["GET", "POST"])
def consent_withdraw(request: HttpRequest, case_id: int, consent_id: int) -> HttpResponse:
    actor = actor_of(request)
    case = get_case_for(actor, case_id, perm="change", queryset=_case_queryset())
    consent = get_record_for(
        actor,
        case,
        Consent.objects.filter(case=case)
        .select_related("given_by")
        .prefetch_related("services", "kinds"),
        consent_id,
    )
    if consent.is_withdrawn:
        messages.error(request, _("This consent has already been withdrawn."))
        return _case_page(case)
    form = ConsentWithdrawForm(
        request.POST or None, people=_people(case), initial={"withdrawn_by": consent.given_by_id}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.consent_withdraw(
                actor=actor,
                consent=consent,
                withdrawn_by=data["withdrawn_by"],
                withdrawn_on=data["withdrawn_on"],
                note=data["note"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The withdrawal is recorded: this consent covers no new sharing."),
            )
            return _case_page(case)
    if request.method == "GET":
        audit_view(actor, consent, case, extra={"page": "withdraw consent"})
    return render(
        request,
        "referrals/case/consent_withdraw.html",
        {
            "case": case,
            "consent": consent,
            "form": form,
            "information": sharing.labels(consent.information),
        },
    )


# --- A new referral and editing a draft ------------------------------------------------------


def _kind_for(search: ServiceSearchForm, service: Service | None) -> HelpKind | None:
    if search.is_bound and search.is_valid() and search.cleaned_data["kind"] is not None:
        kind: HelpKind = search.cleaned_data["kind"]
        return kind
    if service is not None:
        return next(iter(service.kinds.all()), None)
    return None


def _form_context(kind: HelpKind | None) -> dict[str, Any]:
    """The search box and the need-to-know explanation around the referral form."""
    codes = sharing.default_fields(kind.code if kind else None)
    return {
        "kind": kind,
        "default_labels": sharing.labels(codes),
        "defaults_by_kind": [
            {"label": k.label, "fields": sharing.labels(sharing.default_fields(k.code))}
            for k in HelpKind.objects.filter(is_active=True)
        ],
    }


@require_http_methods(["GET", "POST"])
def referral_new(request: HttpRequest, case_id: int) -> HttpResponse:
    """Choose a service (searching by need and village), the children, what to share: a draft."""
    actor = actor_of(request)
    case = get_case_for(actor, case_id, perm="change", queryset=_case_queryset())
    directory = _services(actor)
    searched = "kind" in request.GET or "village" in request.GET
    search = ServiceSearchForm(
        request.GET if searched else None,
        villages=villages_for(actor),
        initial={"village": case.family.village_id},
    )
    shown = directory
    if searched and search.is_valid():
        shown = services_search(
            actor, need=search.cleaned_data["kind"], village=search.cleaned_data["village"]
        ).prefetch_related(Prefetch("partner_users", queryset=User.objects.filter(is_active=True)))
    prefilled = None
    if request.GET.get("service", "").isdigit():
        prefilled = directory.filter(pk=int(request.GET["service"])).first()
    kind = _kind_for(search, prefilled)
    initial: dict[str, Any] = {
        "shared_fields": sharing.default_fields(kind.code if kind else None),
        "help_kind": kind.pk if kind else None,
        "service": prefilled.pk if prefilled else None,
    }
    people = _people(case)
    children = [p.pk for p in people if p.relationship == Person.Relationship.CHILD]
    initial["children"] = children if len(children) == 1 else []
    form = ReferralForm(
        request.POST or None,
        people=people,
        services=directory if request.method == "POST" else shown,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.referral_data()
        try:
            referral = services.referral_draft(
                actor=actor, case=case, children=list(form.cleaned_data["children"]), **data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The referral is saved as a draft. Check what will be shared, then send it."),
            )
            return redirect(_detail_url(case, referral))
    if request.method == "GET":
        audit_view(actor, case, case, extra={"page": "new referral"})
    return render(
        request,
        "referrals/case/referral_form.html",
        {
            "case": case,
            "form": form,
            "search": search,
            "found": len(shown) if searched else None,
            **_form_context(kind),
        },
    )


@require_http_methods(["GET", "POST"])
def referral_edit(request: HttpRequest, case_id: int, referral_id: int) -> HttpResponse:
    actor = actor_of(request)
    case = get_case_for(actor, case_id, perm="change", queryset=_case_queryset())
    referral = _referral(actor, case, referral_id)
    if referral.status != Status.DRAFT:
        messages.error(request, _("Only a draft can be edited: this referral has been sent."))
        return redirect(_detail_url(case, referral))
    people = _people(case)
    directory = _services(actor)

    def make_form(data: Any, instance: Any = None) -> BaseForm:
        source = instance or referral
        form = ReferralForm(
            data,
            people=people,
            services=directory,
            initial={
                "version": source.version,
                "service": source.service_id,
                "help_kind": source.help_kind_id,
                "need": source.need,
                "children": [c.pk for c in referral.children.all()],
                "shared_fields": source.shared_fields,
                "background": source.background,
                "follow_up_on": source.follow_up_on,
            },
        )
        form.fields["version"].required = True
        return form

    form = make_form(request.POST or None)
    context = {
        "referral": referral,
        "search": None,
        **_form_context(referral.help_kind),
    }
    if request.method == "POST" and form.is_valid():
        data = form.referral_data()  # type: ignore[attr-defined]
        try:
            services.referral_update(
                actor=actor,
                referral=referral,
                expected_version=form.cleaned_data["version"],
                data=data,
                children=list(form.cleaned_data["children"]),
            )
        except StaleEdit as stale:
            current = cast(OutgoingReferral, stale.current)
            return conflict_response(
                request,
                actor=actor,
                case=case,
                form=form,
                current=current,
                changed={k: v for k, v in data.items() if k != "shared_fields"},
                template="referrals/case/referral_form.html",
                context=context,
                form_factory=make_form,
                extra_rows=[
                    {
                        "label": _("information shared"),
                        "theirs": sharing.labels(current.shared_fields),
                        "mine": sharing.labels(data["shared_fields"]),
                        "differs": list(current.shared_fields) != data["shared_fields"],
                    }
                ],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The draft referral is saved."))
            return redirect(_detail_url(case, referral))
    if request.method == "GET":
        audit_view(actor, referral, case, extra={"page": "edit"})
    return render(
        request, "referrals/case/referral_form.html", {"case": case, "form": form, **context}
    )


# --- The referral ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    label: str
    when: Any
    detail: str = ""


def _timeline(referral: OutgoingReferral) -> list[Step]:
    r = referral
    steps = [Step(_("Drafted"), r.created_at, r.created_by.display_name)]
    if r.sent_at:
        by = r.sent_by.display_name if r.sent_by else ""
        steps.append(Step(_("Sent"), r.sent_at, by))
    if r.acknowledged_at:
        steps.append(Step(_("Acknowledged by the service"), r.acknowledged_at))
    if r.decided_at:
        if r.decline_reason:
            steps.append(Step(_("Declined by the service"), r.decided_at, r.decline_reason))
        else:
            steps.append(Step(_("Accepted by the service"), r.decided_at))
    if r.completed_at:
        steps.append(Step(_("Completed"), r.completed_at, r.outcome))
    if r.withdrawn_at:
        steps.append(Step(_("Withdrawn"), r.withdrawn_at, r.withdraw_reason))
    return steps


def _shared(case: Case, referral: OutgoingReferral) -> dict[str, Any]:
    """Exactly what was shared (the snapshot, once sent) or would be shared now (a draft)."""
    codes = [code for code in referral.shared_fields if code in sharing.CATALOGUE]
    if referral.was_sent:
        data = referral.shared_data
    else:
        data = sharing.snapshot(
            sharing.ShareContext(
                case=case,
                children=list(referral.children.all()),
                need=referral.need,
                background=referral.background,
                on=timezone.localdate(),
            ),
            codes,
        )
    children, general = sharing.render(codes, data)
    return {"children": children, "general": general, "labels": sharing.labels(codes)}


def _detail_context(
    actor: User,
    case: Case,
    referral: OutgoingReferral,
    *,
    send_form: SendForm | None = None,
    follow_up_form: FollowUpForm | None = None,
    withdraw_form: WithdrawForm | None = None,
) -> dict[str, Any]:
    perms = case_permissions(actor, case)
    may_change = _may_change(case, perms)
    is_draft = referral.status == Status.DRAFT
    check = (
        consent_check(case, referral.service, referral.shared_fields, referral.help_kind)
        if is_draft
        else None
    )
    may_override = _may_override(actor, perms)
    version = {"version": referral.version}
    may_send = is_draft and may_change and check is not None and (check.covered or may_override)
    ongoing = may_change and not referral.is_final
    return {
        "case": case,
        "referral": referral,
        "timeline": _timeline(referral),
        "shared": _shared(case, referral),
        "check": check,
        "may_change": may_change,
        "may_override": may_override,
        "ask_supervisor": (
            is_draft and may_change and check is not None and not check.covered and not may_override
        ),
        "send_form": (send_form or SendForm(initial=version)) if may_send else None,
        "follow_up_form": (follow_up_form or FollowUpForm(initial=version)) if ongoing else None,
        "withdraw_form": (withdraw_form or WithdrawForm(initial=version)) if ongoing else None,
        "edit_url": (
            reverse("referral_edit", args=[case.pk, referral.pk])
            if is_draft and may_change
            else None
        ),
        "letter_url": (
            reverse("referral_letter", args=[case.pk, referral.pk])
            if referral.was_sent and perms & {"change", "export"}
            else None
        ),
    }


@require_GET
def referral_detail(request: HttpRequest, case_id: int, referral_id: int) -> HttpResponse:
    actor = actor_of(request)
    case = get_case_for(actor, case_id, queryset=_case_queryset())
    referral = _referral(actor, case, referral_id)
    context = _detail_context(actor, case, referral)
    audit_view(actor, referral, case)
    return render(request, "referrals/case/referral_detail.html", context)


def _stale(
    request: HttpRequest,
    actor: User,
    case: Case,
    stale: StaleEdit,
    submitted: Any,
    form: BaseForm,
) -> HttpResponse:
    """Somebody changed the referral first: show it as it is now, change nothing (409)."""
    audit_record(
        actor=actor,
        event=Event.STALE_EDIT,
        obj=stale.current,
        case=case,
        extra={"submitted_version": submitted},
    )
    referral = _referrals(case).get(pk=stale.current.pk)
    posted = request.POST.copy()
    posted["version"] = str(referral.version)
    fresh = type(form)(posted)
    fresh.is_valid()
    fresh.add_error(
        None,
        _(
            "Someone changed this referral after you opened the page. Nothing was saved: "
            "check it below, then try again if you still need to."
        ),
    )
    context = _detail_context(
        actor,
        case,
        referral,
        send_form=fresh if isinstance(fresh, SendForm) else None,
        follow_up_form=fresh if isinstance(fresh, FollowUpForm) else None,
        withdraw_form=fresh if isinstance(fresh, WithdrawForm) else None,
    )
    context["stale"] = True
    return render(request, "referrals/case/referral_detail.html", context, status=409)


@require_POST
def referral_send(request: HttpRequest, case_id: int, referral_id: int) -> HttpResponse:
    """Send a draft. The server checks consent every time (services.referral_send): without it a
    worker is refused, and a supervisor must give a best-interests reason."""
    actor = actor_of(request)
    case = get_case_for(actor, case_id, perm="change", queryset=_case_queryset())
    referral = _referral(actor, case, referral_id)
    form = SendForm(request.POST)
    if form.is_valid():
        try:
            services.referral_send(
                actor=actor,
                referral=referral,
                expected_version=form.cleaned_data["version"],
                override_reason=form.cleaned_data["override_reason"],
            )
        except StaleEdit as stale:
            return _stale(request, actor, case, stale, form.cleaned_data["version"], form)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The referral is sent to %(service)s.") % {"service": referral.service.name},
            )
            return redirect(_detail_url(case, referral))
    context = _detail_context(actor, case, referral, send_form=form)
    if context["send_form"] is None:
        # No send button on the page for this user: show the refusal above the details.
        context["send_errors"] = [e for errors in form.errors.values() for e in errors]
    return render(request, "referrals/case/referral_detail.html", context)


@require_POST
def referral_follow_up(request: HttpRequest, case_id: int, referral_id: int) -> HttpResponse:
    actor = actor_of(request)
    case = get_case_for(actor, case_id, perm="change", queryset=_case_queryset())
    referral = _referral(actor, case, referral_id)
    form = FollowUpForm(request.POST)
    if form.is_valid():
        try:
            services.referral_follow_up_set(
                actor=actor,
                referral=referral,
                expected_version=form.cleaned_data["version"],
                follow_up_on=form.cleaned_data["follow_up_on"],
            )
        except StaleEdit as stale:
            return _stale(request, actor, case, stale, form.cleaned_data["version"], form)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The follow-up date is saved."))
            return redirect(_detail_url(case, referral))
    return render(
        request,
        "referrals/case/referral_detail.html",
        _detail_context(actor, case, referral, follow_up_form=form),
    )


@require_POST
def referral_withdraw(request: HttpRequest, case_id: int, referral_id: int) -> HttpResponse:
    actor = actor_of(request)
    case = get_case_for(actor, case_id, perm="change", queryset=_case_queryset())
    referral = _referral(actor, case, referral_id)
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            services.referral_withdraw(
                actor=actor,
                referral=referral,
                expected_version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"],
            )
        except StaleEdit as stale:
            return _stale(request, actor, case, stale, form.cleaned_data["version"], form)
        except ValidationError as error:
            if hasattr(error, "error_dict") and "withdraw_reason" in error.error_dict:
                form.add_error("reason", error.error_dict["withdraw_reason"])
            else:
                add_service_errors(form, error)
        else:
            messages.success(request, _("The referral is withdrawn."))
            return redirect(_detail_url(case, referral))
    return render(
        request,
        "referrals/case/referral_detail.html",
        _detail_context(actor, case, referral, withdraw_form=form),
    )


# --- The printable letter -------------------------------------------------------------------


@require_GET
def referral_letter(request: HttpRequest, case_id: int, referral_id: int) -> HttpResponse:
    """A referral letter to print (A4) for a service that works on paper, or for any sent
    referral. Built only from `partner_view`: the snapshot taken when it was sent and the
    agency's contact — never from the case, so it holds exactly what was shared.

    Audited as an EXPORT, not a VIEW: the share itself was recorded when the referral was sent
    (SHARE); printing makes a paper copy that leaves the office, and the case's trail should
    say who made one and when, apart from the reads on screen.
    """
    actor = actor_of(request)
    case = get_case_for(actor, case_id, queryset=_case_queryset())
    referral = get_record_for(
        actor,
        case,
        OutgoingReferral.objects.filter(case=case, sent_at__isnull=False).select_related(
            "service", "help_kind"
        ),
        referral_id,
    )
    if not case_permissions(actor, case) & {"change", "export"}:
        raise refuse(actor, case, "needs change or export to print a referral letter")
    view = partner_view(referral)
    audit_record(
        actor=actor,
        event=Event.EXPORT,
        obj=referral,
        case=case,
        extra={
            "page": "letter",
            "service": referral.service_id,
            "fields": [f["code"] for f in view["shared_fields"]],
        },
    )
    return render(
        request,
        "referrals/case/letter.html",
        {
            "view": view,
            "back_url": _detail_url(case, referral),
            "printed_on": timezone.localdate(),
        },
    )
