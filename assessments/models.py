"""Assessment and planning: needs, worries, strengths, the safety scale, the child's voice, plans.

Needs-led (DESIGN rule 7): an assessment records, domain by domain, what the child needs and
whether it is met, the risks seen (surface signs or root causes) and the protective factors;
the plan's goals are linked to the needs they answer. The family's and the child's own words
are fields of their own.
"""

from __future__ import annotations

from typing import ClassVar

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from casework.models import LONG_TEXT, Case, Person, User, Versioned, long_text


class NeedDomain(models.Model):
    """An area of a child's life the assessment looks at. Administrators extend the list."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name (English)"), max_length=100)
    name_km = models.CharField(_("name (Khmer)"), max_length=100)
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("need domain")
        verbose_name_plural = _("need domains")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        if (get_language() or "").startswith("km") and self.name_km:
            return self.name_km
        return self.name


class Approval(models.TextChoices):
    """Where an assessment or a plan stands with the supervisor."""

    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Awaiting approval")
    RETURNED = "returned", _("Returned for changes")
    APPROVED = "approved", _("Approved")
    SUPERSEDED = "superseded", _("Replaced by a newer version")


EDITABLE = (Approval.DRAFT, Approval.RETURNED)


class Assessment(Versioned):
    """A needs-led assessment of one case, written with the family."""

    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="assessments", editable=False
    )
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", editable=False)
    status = models.CharField(
        _("status"), max_length=20, choices=Approval.choices, default=Approval.DRAFT
    )
    participants = models.TextField(
        _("who took part"),
        blank=True,
        validators=long_text,
        help_text=_("The family members, the child and anyone else who took part."),
    )
    family_views = models.TextField(
        _("what the family said"),
        blank=True,
        validators=long_text,
        help_text=_("In their own words where you can."),
    )
    summary = models.TextField(
        _("overall analysis"),
        blank=True,
        validators=long_text,
        help_text=_("What you think is happening and why, looking past surface signs."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True, editable=False)
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{_('Assessment')} {self.created_at:%Y-%m-%d}" if self.created_at else "—"

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE


class NeedEntry(models.Model):
    """One domain of an assessment: the need, whether it is met, and the analysis."""

    class Met(models.TextChoices):
        MET = "met", _("Met")
        PARTLY = "partly", _("Partly met")
        UNMET = "unmet", _("Unmet")

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="needs")
    domain = models.ForeignKey(NeedDomain, on_delete=models.PROTECT, related_name="+")
    need = models.TextField(
        _("the need in plain words"),
        validators=long_text,
        help_text=_("What the child needs, not which service exists: “to learn”, not “school”."),
    )
    met = models.CharField(_("is it met?"), max_length=10, choices=Met.choices)
    strengths = models.TextField(
        _("protective factors and strengths"), blank=True, validators=long_text
    )
    analysis = models.TextField(_("your analysis"), blank=True, validators=long_text)

    class Meta:
        ordering = ["domain__order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "domain"], name="need_once_per_domain")
        ]

    def __str__(self) -> str:
        return f"{self.domain}: {self.get_met_display()}"


class Risk(models.Model):
    """A risk seen in one domain, and whether it is a surface sign or a root cause."""

    class Kind(models.TextChoices):
        SURFACE = "surface", _("Surface sign")
        ROOT = "root", _("Root cause")

    need = models.ForeignKey(NeedEntry, on_delete=models.CASCADE, related_name="risks")
    description = models.TextField(_("risk"), validators=long_text)
    kind = models.CharField(_("surface sign or root cause"), max_length=10, choices=Kind.choices)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.description[:60]


class Decision(models.Model):
    """A supervisor's decision on an assessment or a plan version: the history of approvals."""

    class Outcome(models.TextChoices):
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned for changes")

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="decisions", null=True, blank=True
    )
    plan = models.ForeignKey(
        "CasePlan", on_delete=models.CASCADE, related_name="decisions", null=True, blank=True
    )
    outcome = models.CharField(_("decision"), max_length=10, choices=Outcome.choices)
    comment = models.TextField(_("comment"), blank=True, validators=long_text)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-decided_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(assessment__isnull=False, plan__isnull=True)
                | Q(assessment__isnull=True, plan__isnull=False),
                name="decision_on_one_thing",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} {self.decided_at:%Y-%m-%d}"


class Voice(models.TextChoices):
    """Whose view an entry or a score is."""

    WORKER = "worker", _("Social worker")
    FAMILY = "family", _("Family member")
    CHILD = "child", _("Child")
    NETWORK = "network", _("Safety network member")
    PROFESSIONAL = "professional", _("Other professional")
    SUPERVISOR = "supervisor", _("Supervisor")


class Mapping(Versioned):
    """A three-column mapping: worries, what is working well, what needs to happen."""

    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="mappings", editable=False
    )
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", editable=False)
    held_on = models.DateField(_("date of the mapping"), default=timezone.localdate)
    participants = models.TextField(_("who took part"), blank=True, validators=long_text)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("three-column mapping")
        verbose_name_plural = _("three-column mappings")
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"{_('Mapping')} {self.held_on:%Y-%m-%d}"


class MappingEntry(models.Model):
    class Column(models.TextChoices):
        WORRIES = "worries", _("What are we worried about?")
        WORKING_WELL = "working_well", _("What is working well?")
        NEXT = "next", _("What needs to happen?")

    class Kind(models.TextChoices):
        PAST_HARM = "past_harm", _("Past harm")
        COMPLICATING = "complicating", _("Complicating factor")
        DANGER = "danger", _("Danger statement")
        STRENGTH = "strength", _("Strength")
        EXISTING_SAFETY = "existing_safety", _("Existing safety")
        SAFETY_GOAL = "safety_goal", _("Safety goal")
        NEXT_STEP = "next_step", _("Next step")

    # Which kinds belong in which column.
    KINDS_BY_COLUMN: ClassVar[dict[str, tuple[str, ...]]] = {
        "worries": ("past_harm", "complicating", "danger"),
        "working_well": ("strength", "existing_safety"),
        "next": ("safety_goal", "next_step"),
    }

    mapping = models.ForeignKey(Mapping, on_delete=models.CASCADE, related_name="entries")
    column = models.CharField(_("column"), max_length=20, choices=Column.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    text = models.TextField(_("entry"), validators=long_text)
    voice = models.CharField(_("whose view"), max_length=20, choices=Voice.choices)
    voice_name = models.CharField(
        _("who said it"),
        max_length=200,
        blank=True,
        help_text=_("For example “mother”, “grandmother next door”, “teacher”."),
    )

    class Meta:
        ordering = ["column", "pk"]

    def __str__(self) -> str:
        return self.text[:60]


class ScaleScore(models.Model):
    """One voice's answer to the scaling question, 0 to 10, on one day."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="scale_scores")
    score = models.PositiveSmallIntegerField(
        _("score"),
        validators=[MinValueValidator(0), MaxValueValidator(10)],
        help_text=_(
            "10: there is enough safety to close the case. 0: it is certain the child will "
            "be harmed."
        ),
    )
    voice = models.CharField(_("who gave it"), max_length=20, choices=Voice.choices)
    # A family member or a child of the case; for the worker and the supervisor, a user.
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    given_by_user = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    # For a network member or another professional, who is not a person of the family.
    voice_name = models.CharField(_("who gave it (name)"), max_length=200, blank=True)
    recorded_on = models.DateField(_("date"), default=timezone.localdate)
    reason = models.TextField(_("why this score"), validators=long_text)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("safety scale score")
        verbose_name_plural = _("safety scale scores")
        ordering = ["recorded_on", "pk"]
        indexes = [models.Index(fields=["case", "recorded_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=0) & Q(score__lte=10), name="scale_score_0_to_10"
            )
        ]

    def __str__(self) -> str:
        return f"{self.voice_label}: {self.score}"

    @property
    def voice_key(self) -> str:
        """One line on the chart per voice: a person, a user, or a kind of voice."""
        if self.person_id:
            return f"person-{self.person_id}"
        if self.given_by_user_id:
            return f"user-{self.given_by_user_id}"
        return f"voice-{self.voice}-{self.voice_name.strip().lower()}"

    @property
    def voice_label(self) -> str:
        if self.person_id and self.person is not None:
            return f"{self.person.display_name} ({self.get_voice_display()})"
        if self.given_by_user_id and self.given_by_user is not None:
            return f"{self.given_by_user.display_name} ({self.get_voice_display()})"
        if self.voice_name:
            return f"{self.voice_name} ({self.get_voice_display()})"
        return str(self.get_voice_display())


def drawing_path(instance: ChildVoice, filename: str) -> str:
    # Never the uploaded name: it may carry the child's name. Served only through the door.
    return f"drawings/case-{instance.case_id}/{timezone.now():%Y%m%d%H%M%S%f}.png"


class ChildVoice(Versioned):
    """The child's own words: worries, good things, wishes (the three houses), safety."""

    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="child_voices", editable=False
    )
    child = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    recorded_on = models.DateField(_("date"), default=timezone.localdate)
    worries = models.TextField(_("house of worries"), blank=True, validators=long_text)
    good_things = models.TextField(_("house of good things"), blank=True, validators=long_text)
    wishes = models.TextField(_("house of dreams and wishes"), blank=True, validators=long_text)
    safe_means = models.TextField(
        _("what “safe” means to the child"), blank=True, validators=long_text
    )
    safety_network = models.TextField(
        _("who the child says keeps them safe"), blank=True, validators=long_text
    )
    helped_by = models.CharField(
        _("who helped the child"),
        max_length=200,
        blank=True,
        help_text=_("For example the worker, an interpreter, a teacher."),
    )
    age_at_recording = models.PositiveSmallIntegerField(
        _("age when recorded"), null=True, blank=True, editable=False
    )
    drawing = models.ImageField(
        _("photo of the child's drawing"), upload_to=drawing_path, blank=True
    )
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("child's voice")
        verbose_name_plural = _("children's voices")
        ordering = ["-recorded_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.child} {self.recorded_on:%Y-%m-%d}"


class CasePlan(Versioned):
    """One version of a case's plan. Changing an approved plan starts the next version."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="plans", editable=False)
    number = models.PositiveIntegerField(_("plan version"), editable=False)
    assessment = models.ForeignKey(
        Assessment,
        verbose_name=_("assessment"),
        on_delete=models.PROTECT,
        related_name="plans",
        editable=False,
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Approval.choices, default=Approval.DRAFT
    )
    family_agreement = models.TextField(
        _("how the family took part"),
        blank=True,
        validators=long_text,
        help_text=_("Plans are made with the family: who agreed, and what they said."),
    )
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True, editable=False)
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("case plan")
        verbose_name_plural = _("case plans")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["case", "number"], name="plan_version_once"),
        ]

    def __str__(self) -> str:
        return str(_("Plan version %(number)s") % {"number": self.number})

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE


class Goal(models.Model):
    plan = models.ForeignKey(CasePlan, on_delete=models.CASCADE, related_name="goals")
    text = models.TextField(_("goal"), validators=long_text)
    needs = models.ManyToManyField(
        NeedEntry, verbose_name=_("needs it answers"), related_name="goals", blank=True
    )

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.text[:60]


class Action(Versioned):
    """Who does what by when, for one goal: the checklist a worker updates on a visit."""

    class Who(models.TextChoices):
        FAMILY = "family", _("Family member")
        NETWORK = "network", _("Safety network member")
        WORKER = "worker", _("Social worker")
        SERVICE = "service", _("Outside service")

    class Status(models.TextChoices):
        TODO = "todo", _("Not started")
        DOING = "doing", _("In progress")
        DONE = "done", _("Done")
        DROPPED = "dropped", _("Dropped")

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="actions")
    what = models.TextField(_("what"), validators=long_text)
    who = models.CharField(_("who"), max_length=20, choices=Who.choices)
    who_name = models.CharField(
        _("name"), max_length=200, blank=True, help_text=_("For example “grandmother”.")
    )
    due_on = models.DateField(_("by when"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default="todo")
    outcome = models.TextField(_("outcome"), blank=True, validators=long_text)

    class Meta:
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return self.what[:60]


__all__ = [
    "LONG_TEXT",
    "Action",
    "Approval",
    "Assessment",
    "CasePlan",
    "ChildVoice",
    "Decision",
    "Goal",
    "Mapping",
    "MappingEntry",
    "NeedDomain",
    "NeedEntry",
    "Risk",
    "ScaleScore",
    "Voice",
]
