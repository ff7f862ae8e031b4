"""People and organisations: who works in Upstream and where."""

from __future__ import annotations

import datetime
import zoneinfo
from typing import ClassVar

from auditlog.models import AbstractLogEntry
from django.conf import settings
from django.contrib.auth.models import AbstractUser, Group
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinLengthValidator
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(zone)s is not a known time zone."), params={"zone": value})


class Organisation(models.Model):
    class Kind(models.TextChoices):
        AGENCY = "agency", _("Child protection agency")
        PARTNER = "partner", _("Partner service")

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.AGENCY)
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default="Asia/Phnom_Penh",
        validators=[validate_time_zone],
        help_text=_("Dates and times are stored in UTC and shown in this zone."),
    )
    language = models.CharField(
        _("default language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default="km",
    )
    # Marks the demo and benchmark organisations: generators refuse to touch anything else.
    is_synthetic = models.BooleanField(_("synthetic data"), default=False)
    # Multi-factor authentication (casework.mfa): supervisors and administrators need it while
    # `mfa_required` is on, every role while `mfa_for_everyone` is on too. Both on by default;
    # only the synthetic demo organisation (load_demo) turns them off.
    mfa_required = models.BooleanField(
        _("two-step sign-in for supervisors and administrators"),
        default=True,
        help_text=_("Supervisors and administrators confirm each sign-in with a code."),
    )
    mfa_for_everyone = models.BooleanField(
        _("two-step sign-in for every role"),
        default=True,
        help_text=_("Everyone in the organisation confirms each sign-in with a code."),
    )
    # Grants on cases go to this group, so a new administrator needs no per-case rewrite.
    administrators_group = models.OneToOneField(
        Group, on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+"
    )

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Village(models.Model):
    """A village, with the commune, district and province it belongs to."""

    name = models.CharField(_("village"), max_length=100)
    name_km = models.CharField(_("village (Khmer)"), max_length=100, blank=True)
    commune = models.CharField(_("commune"), max_length=100)
    district = models.CharField(_("district"), max_length=100)
    province = models.CharField(_("province"), max_length=100)

    class Meta:
        verbose_name = _("village")
        verbose_name_plural = _("villages")
        ordering = ["province", "district", "commune", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["province", "district", "commune", "name"], name="village_unique_place"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}, {self.commune}, {self.province}"


class User(AbstractUser):
    class Role(models.TextChoices):
        SOCIAL_WORKER = "worker", _("Social worker")
        SUPERVISOR = "supervisor", _("Supervisor")
        ADMINISTRATOR = "administrator", _("Administrator")
        PARTNER = "partner", _("Partner")

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="users",
        null=True,
        blank=True,
        help_text=_("Every account except a platform superuser belongs to one organisation."),
    )
    role = models.CharField(
        _("role"), max_length=20, choices=Role.choices, default=Role.SOCIAL_WORKER
    )
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("Leave blank to use the organisation's language."),
    )
    phone = models.CharField(
        _("work phone"),
        max_length=40,
        blank=True,
        help_text=_("Shown to the families this worker supports, on their safety plan."),
    )
    # Raised by "sign out everywhere", a password change and deactivation: every session
    # signed with the old value stops being accepted (see _get_session_auth_hash).
    session_epoch = models.PositiveIntegerField(_("session generation"), default=0, editable=False)

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        """Django's salted HMAC of the password hash, with the session epoch mixed in.

        Django checks this against the hash kept in the session on every request (fallback
        secrets included, which is why the private method is the one overridden), so raising
        the epoch ends every existing session of this user at once.
        """
        key_salt = "casework.models.User.get_session_auth_hash"
        return salted_hmac(
            key_salt,
            f"{self.password}:{self.session_epoch}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    @property
    def preferred_language(self) -> str:
        if self.language:
            return self.language
        if self.organisation is not None:
            return self.organisation.language
        return settings.LANGUAGE_CODE

    def clean(self) -> None:
        super().clean()
        if self.organisation is None and not self.is_superuser:
            raise ValidationError(
                {"organisation": _("Choose the organisation this person works for.")}
            )
        if self.organisation is not None and (self.role == self.Role.PARTNER) != (
            self.organisation.kind == Organisation.Kind.PARTNER
        ):
            raise ValidationError(
                {"role": _("Partner accounts belong to partner services, and only they do.")}
            )


class Team(models.Model):
    name = models.CharField(_("name"), max_length=200)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="teams"
    )
    villages = models.ManyToManyField(
        Village, verbose_name=_("villages covered"), related_name="teams", blank=True
    )
    members = models.ManyToManyField(
        User, verbose_name=_("members"), related_name="teams", blank=True
    )
    supervisors = models.ManyToManyField(
        User, verbose_name=_("supervisors"), related_name="supervised_teams", blank=True
    )
    # Mirrors `supervisors` (casework.services.team_sync_groups): case grants go to the group.
    supervisors_group = models.OneToOneField(
        Group, on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+"
    )

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["organisation__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="team_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


# --- Families, people and cases ------------------------------------------------------------

# Free text is long enough for a careful note and short enough that a pasted document or an
# attack cannot fill the database; the limit is checked by full_clean() in every service.
LONG_TEXT = 10_000
long_text = [MaxLengthValidator(LONG_TEXT)]


class Versioned(models.Model):
    """A record people edit: the version refuses a save based on an older read (no lost updates)."""

    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True


class Family(Versioned):
    """A household."""

    family_name = models.CharField(_("family name"), max_length=200)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="families", editable=False
    )
    village = models.ForeignKey(
        Village, verbose_name=_("village"), on_delete=models.PROTECT, related_name="families"
    )
    address_notes = models.TextField(_("how to find the home"), blank=True, validators=long_text)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    languages = models.CharField(
        _("languages spoken"), max_length=200, blank=True, help_text=_("For example: Khmer, Cham.")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("family")
        verbose_name_plural = _("families")

    def __str__(self) -> str:
        return self.family_name


class Person(Versioned):
    class Sex(models.TextChoices):
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")
        OTHER = "other", _("Other")
        UNKNOWN = "unknown", _("Not known")

    class Relationship(models.TextChoices):
        CHILD = "child", _("Child")
        MOTHER = "mother", _("Mother")
        FATHER = "father", _("Father")
        GRANDPARENT = "grandparent", _("Grandparent")
        SIBLING = "sibling", _("Sibling")
        RELATIVE = "relative", _("Relative")
        NEIGHBOUR = "neighbour", _("Neighbour")
        OTHER = "other", _("Other")

    class School(models.TextChoices):
        NOT_KNOWN = "", _("Not known")
        TOO_YOUNG = "too_young", _("Too young for school")
        ENROLLED = "enrolled", _("In school")
        IRREGULAR = "irregular", _("In school, attends irregularly")
        DROPPED_OUT = "dropped_out", _("Dropped out")
        NEVER = "never", _("Never enrolled")
        COMPLETED = "completed", _("Finished school")

    family = models.ForeignKey(
        Family, on_delete=models.PROTECT, related_name="people", editable=False
    )
    given_name_km = models.CharField(_("given name (Khmer)"), max_length=100, blank=True)
    family_name_km = models.CharField(_("family name (Khmer)"), max_length=100, blank=True)
    given_name_latin = models.CharField(_("given name (Latin letters)"), max_length=100, blank=True)
    family_name_latin = models.CharField(
        _("family name (Latin letters)"), max_length=100, blank=True
    )
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    estimated_age = models.PositiveSmallIntegerField(
        _("estimated age in years"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(120)],
        help_text=_("Only when the date of birth is not known."),
    )
    disability = models.CharField(
        _("disability"), max_length=500, blank=True, help_text=_("Leave blank if none.")
    )
    school_status = models.CharField(
        _("school"), max_length=20, choices=School.choices, blank=True, default=School.NOT_KNOWN
    )
    relationship = models.CharField(
        _("relationship to the family"), max_length=20, choices=Relationship.choices
    )

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.display_name

    @property
    def name_latin(self) -> str:
        return f"{self.given_name_latin} {self.family_name_latin}".strip()

    @property
    def name_km(self) -> str:
        # Khmer order: family name first.
        return f"{self.family_name_km} {self.given_name_km}".strip()

    @property
    def display_name(self) -> str:
        if self.name_km and self.name_latin:
            return f"{self.name_km} ({self.name_latin})"
        return self.name_km or self.name_latin

    def age_on(self, day: datetime.date) -> int | None:
        if self.date_of_birth is not None:
            born = self.date_of_birth
            return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
        return self.estimated_age

    def clean(self) -> None:
        super().clean()
        if not (self.given_name_km or self.family_name_km) and not (
            self.given_name_latin or self.family_name_latin
        ):
            raise ValidationError(
                _("Enter a name in Khmer script, in Latin letters, or both."),
                code="name_required",
            )
        if self.date_of_birth is not None and self.date_of_birth > timezone.localdate():
            raise ValidationError(
                {"date_of_birth": _("The date of birth cannot be in the future.")}
            )
        if self.date_of_birth is not None and self.estimated_age is not None:
            raise ValidationError(
                {"estimated_age": _("Give a date of birth or an estimated age, not both.")}
            )


class ConcernCategory(models.Model):
    """What a case is about (neglect, trafficking, school dropout...). Installation-wide, seeded
    by migration; administrators add more. Intake, reopening and the revolving-door flag compare
    cases by these."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name (English)"), max_length=100)
    name_km = models.CharField(_("name (Khmer)"), max_length=100)
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("concern category")
        verbose_name_plural = _("concern categories")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        if (get_language() or "").startswith("km") and self.name_km:
            return self.name_km
        return self.name


class Case(Versioned):
    class Phase(models.TextChoices):
        INTAKE = "intake", _("Intake")
        ASSESSMENT = "assessment", _("Assessment and planning")
        INTERVENTION = "intervention", _("Intervention")
        FOLLOW_UP = "follow_up", _("Follow-up and review")
        CLOSED = "closed", _("Closed")

    class Tier(models.TextChoices):
        PREVENTION = "prevention", _("Prevention")
        EARLY = "early", _("Early intervention")
        CRISIS = "crisis", _("Crisis response")

    class Risk(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")

    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    family = models.ForeignKey(
        Family, verbose_name=_("family"), on_delete=models.PROTECT, related_name="cases"
    )
    children = models.ManyToManyField(
        Person, verbose_name=_("children concerned"), related_name="cases"
    )
    concerns = models.ManyToManyField(
        ConcernCategory, verbose_name=_("concerns"), related_name="cases", blank=True
    )
    phase = models.CharField(
        _("phase"), max_length=20, choices=Phase.choices, default=Phase.INTAKE, editable=False
    )
    tier = models.CharField(_("tier"), max_length=20, choices=Tier.choices)
    risk_level = models.CharField(_("risk level"), max_length=10, choices=Risk.choices)
    team = models.ForeignKey(
        Team, verbose_name=_("team"), on_delete=models.PROTECT, related_name="cases"
    )
    worker = models.ForeignKey(
        User,
        verbose_name=_("allocated worker"),
        on_delete=models.PROTECT,
        related_name="allocated_cases",
    )
    covering_worker = models.ForeignKey(
        User,
        verbose_name=_("covering worker"),
        on_delete=models.PROTECT,
        related_name="covered_cases",
        null=True,
        blank=True,
        help_text=_("Someone who covers during leave or shares visits."),
    )
    opened_on = models.DateField(_("opened on"), default=timezone.localdate)
    # When the case entered its current phase (for "in intervention for 30 days without...").
    phase_since = models.DateTimeField(
        _("in this phase since"), default=timezone.now, editable=False
    )
    closed_on = models.DateField(_("closed on"), null=True, blank=True, editable=False)
    closure_reason = models.TextField(
        _("closure reason"), blank=True, editable=False, validators=long_text
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        # No add/delete: cases are opened by case_open() and never deleted.
        default_permissions = ("view", "change")
        permissions = [("export_case", _("Can export the case file"))]
        indexes = [
            models.Index(fields=["team", "phase"]),
            models.Index(fields=["worker", "phase"]),
            # Every case list's order: the newest page of an organisation's million cases is
            # read from this index instead of sorting them all (bench/, issue 10).
            models.Index(fields=["-opened_on", "-id"], name="case_newest_first"),
        ]

    def __str__(self) -> str:
        return self.reference

    # Which phase may follow which: the case management cycle, with the way back to assessment
    # when a review finds the plan no longer fits, and re-opening a closed case.
    TRANSITIONS: ClassVar[dict[str, tuple[str, ...]]] = {
        "intake": ("assessment", "closed"),
        "assessment": ("intervention", "closed"),
        "intervention": ("follow_up", "assessment", "closed"),
        "follow_up": ("intervention", "assessment", "closed"),
        "closed": ("assessment",),
    }

    @property
    def next_phases(self) -> list[Case.Phase]:
        return [Case.Phase(p) for p in self.TRANSITIONS[self.phase]]


class CaseReferenceCounter(models.Model):
    """The last reference number handed out each year (UP-2026-000123)."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Allocation(models.Model):
    """Who held a case, from when: the allocation history."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="allocations")
    worker = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    covering_worker = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    allocated_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    allocated_at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(blank=True, validators=long_text)

    class Meta:
        ordering = ["-allocated_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.worker_id}"


class CaseUserObjectPermission(UserObjectPermissionBase):
    """A user's grant on a case (django-guardian, direct foreign key for speed)."""

    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        abstract = False


class CaseGroupObjectPermission(GroupObjectPermissionBase):
    """A group's grant on a case: a team's supervisors, an organisation's administrators."""

    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        abstract = False


# --- Home visits ---------------------------------------------------------------------------


class HomeVisit(Versioned):
    class Kind(models.TextChoices):
        HOME = "home", _("Home visit")
        OFFICE = "office", _("Office visit")
        PHONE = "phone", _("Phone call")
        THIRD_PARTY = "third_party", _("Contact with a third party")
        SUPERVISION = "supervision", _("Supervision")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SIGNED = "signed", _("Signed")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="visits", editable=False)
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", editable=False)
    occurred_at = models.DateTimeField(_("date and time"))
    kind = models.CharField(_("kind of contact"), max_length=20, choices=Kind.choices)
    place = models.CharField(_("place"), max_length=200, blank=True)
    present = models.TextField(_("who was present"), blank=True, validators=long_text)
    observations = models.TextField(_("what you observed"), blank=True, validators=long_text)
    family_words = models.TextField(_("the family's own words"), blank=True, validators=long_text)
    child_words = models.TextField(_("the child's own words"), blank=True, validators=long_text)
    agreed = models.TextField(_("what was agreed"), blank=True, validators=long_text)
    next_visit_on = models.DateField(_("next visit"), null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.DRAFT, editable=False
    )
    signed_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("home visit")
        verbose_name_plural = _("home visits")
        ordering = ["-occurred_at", "-pk"]
        indexes = [models.Index(fields=["case", "-occurred_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_at:%Y-%m-%d}"

    @property
    def is_signed(self) -> bool:
        return self.status == self.Status.SIGNED


class VisitChild(models.Model):
    """Whether each child of the case was seen at a visit, and whether alone."""

    visit = models.ForeignKey(HomeVisit, on_delete=models.CASCADE, related_name="children_seen")
    child = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    seen = models.BooleanField(_("seen"), default=False)
    seen_alone = models.BooleanField(_("seen alone"), default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["visit", "child"], name="visit_child_once"),
        ]

    def __str__(self) -> str:
        return f"{self.visit_id}/{self.child_id}"


class VisitAddendum(models.Model):
    """A correction or addition to a signed visit: the note itself never changes."""

    visit = models.ForeignKey(HomeVisit, on_delete=models.PROTECT, related_name="addenda")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    text = models.TextField(_("addendum"), validators=[MinLengthValidator(1), *long_text])

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.visit_id}: {self.text[:40]}"


# --- Audit trail ---------------------------------------------------------------------------


class AuditEvent(AbstractLogEntry):
    """One append-only line of the audit trail (django-auditlog's log entry, with a case).

    On PostgreSQL a trigger refuses UPDATE and DELETE on this table (migration 0003).
    """

    class Event(models.TextChoices):
        VIEW = "view", _("viewed")
        CREATE = "create", _("created")
        CHANGE = "change", _("changed")
        SIGN = "sign", _("signed")
        ADDENDUM = "addendum", _("added an addendum")
        TRANSITION = "transition", _("moved to another phase")
        ALLOCATE = "allocate", _("allocated")
        EXPORT = "export", _("exported")
        SHARE = "share", _("shared")
        LOGIN = "login", _("signed in")
        LOGOUT = "logout", _("signed out")
        LOGIN_FAILED = "login_failed", _("failed to sign in")
        REFUSED = "refused", _("was refused access")
        STALE_EDIT = "stale_edit", _("was stopped from overwriting a newer edit")
        SUBMIT = "submit", _("submitted for approval")
        APPROVE = "approve", _("approved")
        RETURN = "return", _("returned for changes")
        SCHEDULE = "schedule", _("scheduled")
        OVERRIDE = "override", _("overrode a safeguard, with a reason")
        NOTIFY = "notify", _("sent a reminder")
        WITHDRAW = "withdraw", _("withdrew")
        MFA_RESET = "mfa_reset", _("reset two-step sign-in")
        EMERGENCY = "emergency", _("took emergency access")
        EMERGENCY_END = "emergency_end", _("ended emergency access")
        EMERGENCY_REVIEW = "emergency_review", _("reviewed an emergency access")

    event = models.CharField(_("event"), max_length=20, choices=Event.choices, db_index=True)
    case = models.ForeignKey(
        Case,
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta(AbstractLogEntry.Meta):
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [
            models.Index(fields=["case", "-timestamp"], name="audit_case_time"),
            models.Index(fields=["actor", "-timestamp"], name="audit_actor_time"),
        ]
