"""Follow-up and review: the schedule, the reviews themselves, closure, reminders, notifications.

A review is chaired by someone outside the day-to-day work on the case; the chair holds view
access to the case only while the review is open (reviews.access registers that grant source).
Reminders are claimed under a unique constraint before they are sent (DESIGN rule 6).
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.models import Goal, Voice
from casework.models import Case, Organisation, Person, User, Versioned, long_text
from safetyplans.models import NetworkMember, SafetyRule

DEFAULT_INTERVALS = {
    "high": [7, 14, 14, 30, 30, 60, 90],
    "medium": [14, 30, 60, 90],
    "low": [30, 60, 90],
}


def _default_high() -> list[int]:
    return list(DEFAULT_INTERVALS["high"])


def _default_medium() -> list[int]:
    return list(DEFAULT_INTERVALS["medium"])


def _default_low() -> list[int]:
    return list(DEFAULT_INTERVALS["low"])


def validate_intervals(value: object) -> None:
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(days, int) and not isinstance(days, bool) for days in value)
        or not all(1 <= days <= 365 for days in value)
    ):
        raise ValidationError(_("Give one or more numbers of days, each from 1 to 365."))


class ReviewPolicy(Versioned):
    """How often an organisation reviews its cases: frequent at the start, then spaced out."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="review_policy"
    )
    high_intervals = models.JSONField(
        _("high risk: days between reviews"),
        default=_default_high,
        validators=[validate_intervals],
    )
    medium_intervals = models.JSONField(
        _("medium risk: days between reviews"),
        default=_default_medium,
        validators=[validate_intervals],
    )
    low_intervals = models.JSONField(
        _("low risk: days between reviews"),
        default=_default_low,
        validators=[validate_intervals],
    )
    cap_days = models.PositiveSmallIntegerField(
        _("longest time between reviews (days)"),
        default=90,
        validators=[MinValueValidator(7), MaxValueValidator(365)],
    )
    closure_threshold = models.PositiveSmallIntegerField(
        _("safety scale needed to close a case"),
        default=7,
        validators=[MinValueValidator(0), MaxValueValidator(10)],
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("review policy")
        verbose_name_plural = _("review policies")

    def __str__(self) -> str:
        return str(self.organisation)

    def intervals(self, risk_level: str) -> list[int]:
        by_risk: dict[str, list[int]] = {
            "high": self.high_intervals,
            "medium": self.medium_intervals,
            "low": self.low_intervals,
        }
        return list(by_risk.get(risk_level, self.medium_intervals))

    def interval(self, risk_level: str, step: int) -> int:
        """Days until the review at `step` (0 = the first) for a case at this risk level.

        The list is walked from the start; past its end the last interval repeats, never more
        than the cap.
        """
        days = self.intervals(risk_level)
        return min(days[min(step, len(days) - 1)], self.cap_days)


class Review(Versioned):
    """One review meeting of a case: scheduled, recorded by its chair, signed off, then final."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        SIGNED = "signed", _("Signed off")
        CANCELLED = "cancelled", _("Cancelled")

    class Decision(models.TextChoices):
        CONTINUE = "continue", _("Continue the plan")
        ADJUST = "adjust", _("Adjust the plan")
        ESCALATE = "escalate", _("Escalate")
        CLOSE = "close", _("Close the case")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="reviews", editable=False)
    # Where in the policy's list of intervals this review sits (0 = the first review).
    step = models.PositiveSmallIntegerField(default=0, editable=False)
    due_on = models.DateField(_("due on"))
    chair = models.ForeignKey(
        User,
        verbose_name=_("chair"),
        on_delete=models.PROTECT,
        related_name="chaired_reviews",
        null=True,
        blank=True,
    )
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.SCHEDULED, editable=False
    )
    scheduled_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True, editable=False
    )
    date_reason = models.TextField(
        _("why this date"),
        blank=True,
        validators=long_text,
        help_text=_("Needed when the date differs from the review policy."),
    )
    restarted_because = models.TextField(
        _("why the schedule restarted"), blank=True, editable=False, validators=long_text
    )
    held_on = models.DateField(_("held on"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    child_views = models.TextField(
        _("the children's views, in their words"), blank=True, validators=long_text
    )
    family_views = models.TextField(
        _("the family's views, in their words"), blank=True, validators=long_text
    )
    network_views = models.TextField(
        _("what the safety network says"), blank=True, validators=long_text
    )
    professional_views = models.TextField(
        _("what other professionals say"), blank=True, validators=long_text
    )
    decision = models.CharField(_("decision"), max_length=20, choices=Decision.choices, blank=True)
    decision_reasons = models.TextField(
        _("reasons for the decision"), blank=True, validators=long_text
    )
    next_due_on = models.DateField(_("next review"), null=True, blank=True)
    next_date_reason = models.TextField(
        _("why a different next date"), blank=True, validators=long_text
    )
    signed_at = models.DateTimeField(null=True, blank=True, editable=False)
    signed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True, editable=False
    )
    cancelled_reason = models.TextField(blank=True, editable=False, validators=long_text)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["due_on", "pk"]
        constraints = [
            # One open review at a time: the schedule has one next date.
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(status="scheduled"),
                name="review_one_open_per_case",
            )
        ]
        indexes = [
            models.Index(fields=["status", "due_on"]),
            models.Index(fields=["chair", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.case} {self.due_on:%Y-%m-%d}"

    @property
    def is_final(self) -> bool:
        return self.status != self.Status.SCHEDULED

    def days_overdue(self, today: datetime.date | None = None) -> int:
        today = today or timezone.localdate()
        return max((today - self.due_on).days, 0)


class Participant(models.Model):
    """Somebody who took part in a review, or whose views it gathered."""

    class Kind(models.TextChoices):
        FAMILY = "family", _("Family member")
        CHILD = "child", _("Child")
        NETWORK = "network", _("Safety network member")
        PROFESSIONAL = "professional", _("Professional")

    class Gathered(models.TextChoices):
        PRESENT = "present", _("Took part in the meeting")
        SEPARATELY = "separately", _("Spoke with the worker separately")
        TOOL = "tool", _("Through a drawing or the three houses")
        TRUSTED_ADULT = "trusted_adult", _("Through a trusted adult")
        NOT_GATHERED = "not_gathered", _("Views not gathered this time")

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="participants")
    kind = models.CharField(_("who"), max_length=20, choices=Kind.choices)
    person = models.ForeignKey(
        Person, verbose_name=_("family member"), on_delete=models.PROTECT, null=True, blank=True
    )
    network_member = models.ForeignKey(
        NetworkMember,
        verbose_name=_("network member"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    name = models.CharField(_("name"), max_length=200, blank=True)
    role = models.CharField(_("role or organisation"), max_length=200, blank=True)
    gathered = models.CharField(
        _("how their views were gathered"),
        max_length=20,
        choices=Gathered.choices,
        default=Gathered.PRESENT,
    )
    note = models.TextField(_("note"), blank=True, validators=long_text)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        if self.person is not None:
            return str(self.person)
        if self.network_member is not None:
            return str(self.network_member)
        return self.name


class GoalProgress(models.Model):
    class Progress(models.TextChoices):
        NONE = "none", _("No progress yet")
        SOME = "some", _("Some progress")
        ACHIEVED = "achieved", _("Achieved")
        WORSE = "worse", _("Worse")
        DROPPED = "dropped", _("No longer needed")

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="goal_progress")
    goal = models.ForeignKey(Goal, on_delete=models.PROTECT, related_name="+")
    progress = models.CharField(_("progress"), max_length=20, choices=Progress.choices)
    note = models.TextField(_("what shows it"), blank=True, validators=long_text)

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["review", "goal"], name="review_goal_once")]

    def __str__(self) -> str:
        return f"{self.goal_id}: {self.progress}"


class RuleProgress(models.Model):
    class Kept(models.TextChoices):
        KEPT = "kept", _("Kept")
        PARTLY = "partly", _("Partly kept")
        NOT_KEPT = "not_kept", _("Not kept")
        UNKNOWN = "unknown", _("Not known")

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="rule_progress")
    rule = models.ForeignKey(SafetyRule, on_delete=models.PROTECT, related_name="+")
    kept = models.CharField(_("kept?"), max_length=20, choices=Kept.choices)
    note = models.TextField(_("what shows it"), blank=True, validators=long_text)

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["review", "rule"], name="review_rule_once")]

    def __str__(self) -> str:
        return f"{self.rule_id}: {self.kept}"


class ReviewScore(models.Model):
    """One voice's answer to the scaling question at the review (copied to the case's line at
    sign-off, so the chart tells the whole story)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="scores")
    voice = models.CharField(_("whose voice"), max_length=20, choices=Voice.choices)
    person = models.ForeignKey(
        Person, verbose_name=_("family member"), on_delete=models.PROTECT, null=True, blank=True
    )
    given_by_user = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    voice_name = models.CharField(_("who gave it (name)"), max_length=200, blank=True)
    score = models.PositiveSmallIntegerField(
        _("score (0 to 10)"), validators=[MinValueValidator(0), MaxValueValidator(10)]
    )
    reason = models.TextField(_("why this score"), validators=long_text)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.voice} {self.score}"


class ReviewAddendum(models.Model):
    """A correction or later note on a signed review (the review itself never changes)."""

    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="addenda")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    text = models.TextField(_("addendum"), validators=long_text)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.review_id} {self.created_at:%Y-%m-%d}"


class Closure(models.Model):
    """How and why a case was closed, and when someone checks back."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="closures")
    review = models.ForeignKey(
        Review, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    risk_reduced = models.BooleanField(_("risk reduced to an acceptable level"), default=False)
    in_school = models.BooleanField(_("the children go to school"), default=False)
    health_care = models.BooleanField(_("the children have health care"), default=False)
    outcome = models.TextField(_("outcome, in a few sentences"), validators=long_text)
    follow_up_on = models.DateField(_("follow-up check on"))
    scale_at_closure = models.PositiveSmallIntegerField(null=True, blank=True)
    override_reason = models.TextField(
        _("supervisor's reason for closing anyway"), blank=True, validators=long_text
    )
    concern_codes = models.JSONField(default=list, editable=False)
    closed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(default=timezone.now)
    follow_up_done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-closed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.closed_at:%Y-%m-%d}"


class ReturnFlag(models.Model):
    """A family or child coming back after a case was closed (and, with the same concern
    within a year, the revolving door)."""

    class Kind(models.TextChoices):
        RETURNING = "returning", _("Returning")
        REVOLVING_DOOR = "revolving_door", _("Revolving door")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="return_flags")
    previous_case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    previous_closed_on = models.DateField(null=True, blank=True)
    previous_concern_codes = models.JSONField(default=list)
    repeated_concern_codes = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    seen_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "previous_case", "previous_closed_on"], name="return_flag_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"


class Reminder(models.Model):
    """A reminder about one review's due date, claimed before it is sent.

    The unique (review, kind, due_on) row is the claim: two sweeps inserting it at once leave
    one row. A sender leases unsent rows with SELECT ... FOR UPDATE SKIP LOCKED; a worker that
    dies mid-send leaves the lease to expire and the next sweep finishes the job.
    """

    class Kind(models.TextChoices):
        DUE_7 = "due_7", _("due within a week")
        DUE_1 = "due_1", _("due tomorrow")
        DUE_0 = "due_0", _("due today")
        OVERDUE_3 = "overdue_3", _("3 days overdue")
        OVERDUE_7 = "overdue_7", _("7 days overdue")

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    due_on = models.DateField()
    claimed_at = models.DateTimeField(default=timezone.now)
    leased_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    skipped = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["review", "kind", "due_on"], name="reminder_claimed_once"
            )
        ]
        indexes = [
            # What a sweep leases: the unsent, oldest first. Partial, so the lease walks the
            # few unsent rows in order and stops at its batch, however many were sent before
            # (a plain index on sent_at made each lease sort every unsent row: 18 ms at 1M).
            models.Index(
                fields=["id"], condition=models.Q(sent_at__isnull=True), name="reminder_unsent"
            )
        ]

    def __str__(self) -> str:
        return f"{self.review_id} {self.kind} {self.due_on}"


class Delivery(models.Model):
    """One recipient's copy of a reminder: written in the same transaction as their in-app
    notification, so neither is ever made twice."""

    reminder = models.ForeignKey(Reminder, on_delete=models.CASCADE, related_name="deliveries")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    delivered_at = models.DateTimeField(default=timezone.now)
    message_id = models.CharField(max_length=200)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["reminder", "user"], name="delivery_once")]

    def __str__(self) -> str:
        return f"{self.reminder_id} -> {self.user_id}"


class Notification(models.Model):
    """An in-app notification (the bell). The text is composed when shown, in the reader's
    language, from the kind and the review."""

    class Kind(models.TextChoices):
        DUE_7 = "due_7", _("Review due within a week")
        DUE_1 = "due_1", _("Review due tomorrow")
        DUE_0 = "due_0", _("Review due today")
        OVERDUE_3 = "overdue_3", _("Review 3 days overdue")
        OVERDUE_7 = "overdue_7", _("Review 7 days overdue")
        CHAIR = "chair", _("You were asked to chair a review")
        ESCALATED = "escalated", _("A review escalated a case")
        REVOLVING_DOOR = "revolving_door", _("Revolving door")
        RETURNING = "returning", _("A family has come back")
        EMERGENCY = "emergency", _("Emergency access was taken to a case")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    review = models.ForeignKey(
        Review, on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    due_on = models.DateField(null=True, blank=True)
    # Who did what the notification is about, where it names them (emergency access: the person
    # who took it). A column rather than a lookup, so the list names them in its own query.
    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}"
