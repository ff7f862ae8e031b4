"""Referrals: how concerns arrive, the services around the family, and consent-gated sharing.

- `Intake` is a referral *to* the organisation (a neighbour, a teacher, the child), screened
  by a supervisor or a designated `IntakeWorker`: open a case, add to one, no further action,
  or signpost to a `Service`.
- `Service` is one entry of an organisation's directory: who offers which `HelpKind` where,
  and whether its staff receive referrals in Upstream (partner users) or on paper.
- `Consent` records who agreed to which information going to which recipients, for what.
- `OutgoingReferral` sends a child or family to a service. What the service may read is a
  snapshot taken when it is sent (`shared_data`), never the live case.

Every write goes through `referrals.services`; every scoped read through `referrals.selectors`.
"""

from __future__ import annotations

import datetime
from typing import ClassVar

from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from casework.models import (
    Case,
    ConcernCategory,
    Organisation,
    Person,
    User,
    Versioned,
    Village,
    long_text,
)


class HelpKind(models.Model):
    """A kind of help a service offers (food, education, health...). Installation-wide, seeded
    by migration (`referrals.kinds`); administrators add more."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name (English)"), max_length=100)
    name_km = models.CharField(_("name (Khmer)"), max_length=100)
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("kind of help")
        verbose_name_plural = _("kinds of help")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        if (get_language() or "").startswith("km") and self.name_km:
            return self.name_km
        return self.name


# --- The service directory -------------------------------------------------------------------


class Service(Versioned):
    """A service in an organisation's directory: a temple's meals, a commune scholarship..."""

    directory_of = models.ForeignKey(
        Organisation,
        verbose_name=_("in the directory of"),
        on_delete=models.PROTECT,
        related_name="services",
        editable=False,
    )
    name = models.CharField(_("name of the service"), max_length=200)
    provider = models.CharField(
        _("offered by"),
        max_length=200,
        blank=True,
        help_text=_("The organisation or community group, for example “the temple committee”."),
    )
    description = models.TextField(_("what they offer"), blank=True, validators=long_text)
    kinds = models.ManyToManyField(
        HelpKind, verbose_name=_("kinds of help"), related_name="services"
    )
    villages = models.ManyToManyField(
        Village, verbose_name=_("villages covered"), related_name="services", blank=True
    )
    area_notes = models.TextField(
        _("area covered"),
        blank=True,
        validators=long_text,
        help_text=_(
            "For example “the whole province” or “only families registered at the temple”."
        ),
    )
    eligibility = models.TextField(_("who can use it"), blank=True, validators=long_text)
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    address = models.TextField(_("address"), blank=True, validators=long_text)
    partner_users = models.ManyToManyField(
        User,
        verbose_name=_("partner accounts"),
        related_name="partner_services",
        blank=True,
        help_text=_("Staff of the service who receive referrals in Upstream."),
    )
    is_active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def receives_in_upstream(self) -> bool:
        """Referrals reach this service in Upstream (it has partner accounts), not on paper."""
        return self.partner_users.filter(is_active=True).exists()


# --- Intake ----------------------------------------------------------------------------------


class IntakeWorker(models.Model):
    """Someone an administrator has designated to screen the organisation's incoming referrals
    (supervisors of a team screen without being designated)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="intake_workers", editable=False
    )
    user = models.OneToOneField(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="intake_worker"
    )
    added_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", editable=False)
    added_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("intake worker")
        verbose_name_plural = _("intake workers")

    def __str__(self) -> str:
        return str(self.user)


class Intake(Versioned):
    """A referral received by the organisation, waiting for (or after) screening."""

    class ReferrerKind(models.TextChoices):
        ORGANISATION = "organisation", _("An organisation or third-party service")
        COMMUNITY = "community", _("A community member (for example the village chief)")
        FAMILY = "family", _("A family member")
        CHILD = "child", _("The child")
        PROFESSIONAL = "professional", _("A professional (teacher, nurse, police)")
        ANONYMOUS = "anonymous", _("Anonymous")

    class Urgency(models.TextChoices):
        IMMEDIATE = "immediate", _("Immediate: the same day")
        URGENT = "urgent", _("Urgent: within 3 days")
        SOON = "two_weeks", _("Within 2 weeks")
        ROUTINE = "routine", _("Routine")

    class Status(models.TextChoices):
        AWAITING = "awaiting", _("Awaiting screening")
        SCREENED = "screened", _("Screened")

    class Decision(models.TextChoices):
        OPEN_CASE = "open_case", _("Open a new case")
        ADD_TO_CASE = "add_to_case", _("Add to an existing case")
        NO_FURTHER_ACTION = "no_further_action", _("No further action")
        SIGNPOST = "signpost", _("Signpost to a service")

    # The screening queue: most urgent first.
    URGENCY_RANK: ClassVar[dict[str, int]] = {
        "immediate": 0,
        "urgent": 1,
        "two_weeks": 2,
        "routine": 3,
    }

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="intakes", editable=False
    )
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    recorded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", editable=False
    )
    referrer_kind = models.CharField(_("who referred"), max_length=20, choices=ReferrerKind.choices)
    referrer_name = models.CharField(_("referrer's name"), max_length=200, blank=True)
    referrer_organisation = models.CharField(
        _("referrer's organisation or role"), max_length=200, blank=True
    )
    referrer_contact = models.CharField(_("how to reach the referrer"), max_length=300, blank=True)
    referrer_confidential = models.BooleanField(
        _("keep who referred confidential from the family"), default=True
    )
    family_name = models.CharField(_("family name"), max_length=200, blank=True)
    village = models.ForeignKey(
        Village,
        verbose_name=_("village"),
        on_delete=models.PROTECT,
        related_name="intakes",
        null=True,
        blank=True,
    )
    address_notes = models.TextField(_("how to find the home"), blank=True, validators=long_text)
    concerns = models.ManyToManyField(
        ConcernCategory, verbose_name=_("concerns"), related_name="intakes", blank=True
    )
    urgency = models.CharField(_("urgency"), max_length=20, choices=Urgency.choices)
    description = models.TextField(
        _("what the referrer said, in their own words"), validators=long_text
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=Status.choices,
        default=Status.AWAITING,
        editable=False,
    )
    decision = models.CharField(
        _("decision"), max_length=20, choices=Decision.choices, blank=True, editable=False
    )
    decision_reason = models.TextField(
        _("reason for the decision"), blank=True, editable=False, validators=long_text
    )
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True, editable=False
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True, editable=False)
    case = models.ForeignKey(
        Case,
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        related_name="intakes",
        null=True,
        blank=True,
        editable=False,
    )
    service = models.ForeignKey(
        Service,
        verbose_name=_("signposted to"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("incoming referral")
        verbose_name_plural = _("incoming referrals")
        ordering = ["-received_at", "-pk"]
        indexes = [models.Index(fields=["organisation", "status", "received_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="awaiting") | (~Q(decision="") & Q(decided_at__isnull=False)),
                name="intake_screened_has_decision",
            )
        ]

    def __str__(self) -> str:
        return str(_("Referral of %(day)s") % {"day": timezone.localtime(self.received_at).date()})

    @property
    def is_awaiting(self) -> bool:
        return self.status == self.Status.AWAITING

    @property
    def age(self) -> datetime.timedelta:
        """How long ago the referral was received (the screening queue shows it)."""
        return timezone.now() - self.received_at

    @property
    def age_days(self) -> int:
        return self.age.days


class IntakePerson(models.Model):
    """A child or family member named in an incoming referral, as the referrer described them."""

    intake = models.ForeignKey(Intake, on_delete=models.CASCADE, related_name="people")
    given_name_km = models.CharField(_("given name (Khmer)"), max_length=100, blank=True)
    family_name_km = models.CharField(_("family name (Khmer)"), max_length=100, blank=True)
    given_name_latin = models.CharField(_("given name (Latin letters)"), max_length=100, blank=True)
    family_name_latin = models.CharField(
        _("family name (Latin letters)"), max_length=100, blank=True
    )
    sex = models.CharField(
        _("sex"), max_length=10, choices=Person.Sex.choices, default=Person.Sex.UNKNOWN
    )
    approximate_age = models.PositiveSmallIntegerField(
        _("approximate age in years"), null=True, blank=True, validators=[MaxValueValidator(120)]
    )
    relationship = models.CharField(
        _("relationship to the family"), max_length=20, choices=Person.Relationship.choices
    )
    is_child_of_concern = models.BooleanField(_("a child the referral is about"), default=False)

    class Meta:
        verbose_name = _("person named in a referral")
        verbose_name_plural = _("people named in a referral")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def name_latin(self) -> str:
        return f"{self.given_name_latin} {self.family_name_latin}".strip()

    @property
    def name_km(self) -> str:
        return f"{self.family_name_km} {self.given_name_km}".strip()

    @property
    def display_name(self) -> str:
        if self.name_km and self.name_latin:
            return f"{self.name_km} ({self.name_latin})"
        return self.name_km or self.name_latin


# --- Consent ---------------------------------------------------------------------------------


class Consent(models.Model):
    """Who agreed to which information going to which recipients, for what, until when.

    Never deleted and never edited: a withdrawal is recorded on it and stops future sharing (it
    does not recall what was already sent).
    """

    class GivenBy(models.TextChoices):
        CAREGIVER = "caregiver", _("A caregiver")
        CHILD = "child", _("The child")

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="consents"
    )
    given_by = models.ForeignKey(
        Person, verbose_name=_("given by"), on_delete=models.PROTECT, related_name="+"
    )
    given_by_kind = models.CharField(_("given by"), max_length=20, choices=GivenBy.choices)
    child_age = models.PositiveSmallIntegerField(
        _("the child's age"), null=True, blank=True, validators=[MaxValueValidator(25)]
    )
    understanding = models.TextField(
        _("how the child showed they understood"), blank=True, validators=long_text
    )
    services = models.ManyToManyField(
        Service, verbose_name=_("services"), related_name="consents", blank=True
    )
    kinds = models.ManyToManyField(
        HelpKind, verbose_name=_("kinds of service"), related_name="+", blank=True
    )
    information = models.JSONField(
        _("information that may be shared"),
        default=list,
        help_text=_("Codes of the shareable information (referrals.sharing)."),
    )
    purpose = models.TextField(_("purpose"), validators=long_text)
    given_on = models.DateField(_("given on"))
    expires_on = models.DateField(
        _("valid until"),
        null=True,
        blank=True,
        help_text=_("The last day the consent covers. Leave blank if it does not expire."),
    )
    how_explained = models.TextField(_("how it was explained"), validators=long_text)
    recorded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", editable=False
    )
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True, editable=False)
    withdrawn_by_person = models.ForeignKey(
        Person,
        verbose_name=_("withdrawn by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )
    withdrawn_recorded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True, editable=False
    )
    withdrawal_note = models.TextField(
        _("about the withdrawal"), blank=True, editable=False, validators=long_text
    )

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-given_on", "-pk"]
        # Consents are recorded by consent_record() and never deleted.
        default_permissions = ("view",)
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gt=models.F("given_on")),
                name="consent_expires_after_given",
            ),
            models.CheckConstraint(
                condition=~Q(given_by_kind="child") | ~Q(understanding=""),
                name="consent_child_understanding",
            ),
        ]

    def __str__(self) -> str:
        return str(
            _("Consent from %(person)s, %(day)s")
            % {"person": self.given_by.display_name, "day": self.given_on}
        )

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_on is not None

    def in_force_on(self, day: datetime.date) -> bool:
        """Given by then, not expired, not withdrawn."""
        if self.given_on > day:
            return False
        if self.expires_on is not None and day > self.expires_on:
            return False
        return self.withdrawn_on is None or day < self.withdrawn_on


# --- Outgoing referrals ----------------------------------------------------------------------


class OutgoingReferral(Versioned):
    """A child or family referred to a service for a need, with what was shared and under which
    consent (or which supervisor's best-interests override)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENT = "sent", _("Sent")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        COMPLETED = "completed", _("Completed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    FINAL: ClassVar[frozenset[str]] = frozenset({"declined", "completed", "withdrawn"})

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="referrals"
    )
    service = models.ForeignKey(
        Service, verbose_name=_("service"), on_delete=models.PROTECT, related_name="referrals"
    )
    help_kind = models.ForeignKey(
        HelpKind, verbose_name=_("kind of help"), on_delete=models.PROTECT, related_name="+"
    )
    need = models.TextField(_("what the child needs from this service"), validators=long_text)
    children = models.ManyToManyField(
        Person, verbose_name=_("children referred"), related_name="referrals"
    )
    shared_fields = models.JSONField(
        _("information shared"),
        default=list,
        help_text=_("Codes of the shareable information (referrals.sharing)."),
    )
    shared_data = models.JSONField(_("what was shared"), default=dict, blank=True, editable=False)
    # Who the service contacts at the agency, as it was when the referral was sent.
    contact = models.JSONField(default=dict, blank=True, editable=False)
    background = models.TextField(
        _("background summary for this service"),
        blank=True,
        validators=long_text,
        help_text=_("Only what this service needs to know. Shared only if you tick it."),
    )
    consent = models.ForeignKey(
        Consent,
        verbose_name=_("consent"),
        on_delete=models.PROTECT,
        related_name="referrals",
        null=True,
        blank=True,
        editable=False,
    )
    override_reason = models.TextField(
        _("best-interests reason for sharing without consent"),
        blank=True,
        editable=False,
        validators=long_text,
    )
    override_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True, editable=False
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, editable=False
    )
    decline_reason = models.TextField(
        _("why the service declined"), blank=True, editable=False, validators=long_text
    )
    outcome = models.TextField(_("outcome"), blank=True, editable=False, validators=long_text)
    follow_up_on = models.DateField(_("follow up on"), null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True, editable=False)
    sent_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True, editable=False
    )
    acknowledged_at = models.DateTimeField(
        _("acknowledged at"), null=True, blank=True, editable=False
    )
    decided_at = models.DateTimeField(
        _("accepted or declined at"), null=True, blank=True, editable=False
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True, editable=False)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True, editable=False)
    withdraw_reason = models.TextField(
        _("why it was withdrawn"), blank=True, editable=False, validators=long_text
    )

    class Meta:
        verbose_name = _("referral to a service")
        verbose_name_plural = _("referrals to services")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["case", "-created_at"]),
            models.Index(fields=["service", "status"]),
        ]
        constraints = [
            # Nothing leaves the organisation without a consent or a recorded justification.
            models.CheckConstraint(
                condition=Q(sent_at__isnull=True)
                | Q(consent__isnull=False)
                | (~Q(override_reason="") & Q(override_by__isnull=False)),
                name="referral_sent_with_consent_or_override",
            )
        ]

    def __str__(self) -> str:
        return str(_("Referral to %(service)s") % {"service": self.service.name})

    @property
    def is_final(self) -> bool:
        return self.status in self.FINAL

    @property
    def was_sent(self) -> bool:
        return self.sent_at is not None

    @property
    def is_override(self) -> bool:
        """Sent without consent, on a supervisor's best-interests decision."""
        return self.was_sent and self.consent_id is None
