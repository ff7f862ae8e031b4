"""Intervention: the safety network, the safety plan, and the support delivered.

A safety plan is what the family and the people around the children have agreed will keep
the children safe when the worker is not there, written in the family's words. It answers the
danger statements of the three-column mapping and serves its safety goals; an agreed plan is
never edited — a change is a new version, and the versions can be compared.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.models import Goal, MappingEntry
from casework.models import Case, Person, User, Versioned, long_text


class NetworkMember(Versioned):
    """Someone in the children's safety and support network, in the family or outside it."""

    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="network_members", editable=False
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("family member"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text=_("Only if this person is a member of the family."),
    )
    name = models.CharField(
        _("name"),
        max_length=200,
        help_text=_("A commitment is only worth something with a name: who exactly?"),
    )
    relationship = models.CharField(
        _("who they are to the children"),
        max_length=200,
        help_text=_("For example “grandmother next door”, “teacher”, “village chief”."),
    )
    contact = models.CharField(_("how to reach them"), max_length=300, blank=True)
    knows_worries = models.TextField(
        _("what they know of the worries"), blank=True, validators=long_text
    )
    agreed_to_do = models.TextField(
        _("what they have agreed to do"), blank=True, validators=long_text
    )
    joined_on = models.DateField(_("in the network since"), default=timezone.localdate)
    left_on = models.DateField(_("left the network on"), null=True, blank=True, editable=False)
    left_reason = models.TextField(_("why they left"), blank=True, editable=False)
    replacement_note = models.TextField(
        _("what replaces their commitments"), blank=True, editable=False
    )
    added_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("network member")
        verbose_name_plural = _("network members")
        ordering = ["left_on", "joined_on", "pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.relationship})"

    @property
    def is_current(self) -> bool:
        return self.left_on is None


class SafetyPlan(Versioned):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        AGREED = "agreed", _("Agreed")
        SUPERSEDED = "superseded", _("Replaced by a newer version")

    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="safety_plans", editable=False
    )
    number = models.PositiveIntegerField(_("version"), editable=False)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, editable=False
    )
    family_language = models.CharField(
        _("the family's language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default="km",
        help_text=_("The family-facing page is written in this language."),
    )
    for_the_children = models.TextField(
        _("explanation for the children"),
        blank=True,
        validators=long_text,
        help_text=_(
            "In words a child understands: what happened, who is worried, and what everyone "
            "is doing about it."
        ),
    )
    agreed_on = models.DateField(_("agreed on"), null=True, blank=True, editable=False)
    agreed_people = models.ManyToManyField(
        Person, verbose_name=_("family members and children who agreed"), related_name="+"
    )
    agreed_network = models.ManyToManyField(
        NetworkMember, verbose_name=_("network members who agreed"), related_name="+"
    )
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("safety plan")
        verbose_name_plural = _("safety plans")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["case", "number"], name="safety_plan_version_once"),
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(status="draft"),
                name="one_draft_safety_plan",
            ),
        ]

    def __str__(self) -> str:
        return str(_("Safety plan, version %(number)s") % {"number": self.number})

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT


class SafetyRule(models.Model):
    """One rule or commitment, in the family's words, and how everyone will know it holds."""

    plan = models.ForeignKey(SafetyPlan, on_delete=models.CASCADE, related_name="rules")
    text = models.TextField(
        _("the rule, in the family's words"),
        validators=long_text,
        help_text=_(
            "For example “If father has been drinking, the children sleep at grandmother's”."
        ),
    )
    responsible_member = models.ForeignKey(
        NetworkMember,
        verbose_name=_("who is responsible (network)"),
        on_delete=models.PROTECT,
        related_name="rules",
        null=True,
        blank=True,
    )
    responsible_person = models.ForeignKey(
        Person,
        verbose_name=_("who is responsible (family)"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    how_known = models.TextField(
        _("how the network will know it is kept"), blank=True, validators=long_text
    )
    if_not_kept = models.TextField(
        _("what happens if it is not kept"), blank=True, validators=long_text
    )
    danger = models.ForeignKey(
        MappingEntry,
        verbose_name=_("the danger it answers"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        limit_choices_to={"kind": MappingEntry.Kind.DANGER},
    )
    safety_goal = models.ForeignKey(
        MappingEntry,
        verbose_name=_("the safety goal it serves"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        limit_choices_to={"kind": MappingEntry.Kind.SAFETY_GOAL},
    )

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(responsible_member__isnull=True) | Q(responsible_person__isnull=True),
                name="rule_one_responsible",
            )
        ]

    def __str__(self) -> str:
        return self.text[:60]

    @property
    def responsible_name(self) -> str:
        if self.responsible_member is not None:
            return self.responsible_member.name
        if self.responsible_person is not None:
            return self.responsible_person.display_name
        return ""


class Intervention(Versioned):
    """Support delivered to the family: a grant, food, school support, counselling..."""

    class Kind(models.TextChoices):
        CASH_GRANT = "cash_grant", _("Cash grant")
        IN_KIND_GRANT = "in_kind_grant", _("In-kind grant")
        FOOD = "food", _("Food support")
        SCHOOL = "school", _("School support")
        PARENTING = "parenting", _("Parenting support")
        COUNSELLING = "counselling", _("Counselling")
        LIVELIHOOD = "livelihood", _("Livelihood training")
        OTHER = "other", _("Other support")

    class Currency(models.TextChoices):
        KHR = "KHR", _("Riel (KHR)")
        USD = "USD", _("US dollars (USD)")

    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="interventions", editable=False
    )
    kind = models.CharField(_("kind of support"), max_length=20, choices=Kind.choices)
    description = models.TextField(
        _("what was given or done"),
        validators=long_text,
        help_text=_("For example “capital to open a small shop selling vegetables”."),
    )
    amount = models.DecimalField(
        _("amount"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, blank=True)
    goals = models.ManyToManyField(
        Goal, verbose_name=_("plan goals it serves"), related_name="interventions", blank=True
    )
    provider = models.CharField(
        _("provided by"),
        max_length=200,
        blank=True,
        help_text=_("Leave blank if your own organisation provides it."),
    )
    started_on = models.DateField(_("started on"), default=timezone.localdate)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True, validators=long_text)
    recorded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("support delivered")
        verbose_name_plural = _("support delivered")
        ordering = ["-started_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | ~Q(currency=""),
                name="intervention_amount_has_currency",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.started_on:%Y-%m-%d}"
