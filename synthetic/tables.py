"""Every table the generator fills, with the columns it writes, in the order it writes them."""

from __future__ import annotations

from collections.abc import Iterator

from django.contrib.auth.models import Group
from django.db.models import Model

from assessments.models import (
    Action,
    Assessment,
    CasePlan,
    ChildVoice,
    Decision,
    Goal,
    Mapping,
    MappingEntry,
    NeedEntry,
    Risk,
    ScaleScore,
)
from casework.models import (
    Allocation,
    AuditEvent,
    Case,
    CaseGroupObjectPermission,
    CaseUserObjectPermission,
    Family,
    HomeVisit,
    Organisation,
    Person,
    Team,
    User,
    Village,
    VisitAddendum,
    VisitChild,
)
from referrals.models import (
    Consent,
    Intake,
    IntakePerson,
    IntakeWorker,
    OutgoingReferral,
    Service,
)
from reviews.models import (
    Closure,
    Delivery,
    GoalProgress,
    Notification,
    Participant,
    Reminder,
    Review,
    ReviewPolicy,
    ReviewScore,
)
from safetyplans.models import Intervention, NetworkMember, SafetyPlan, SafetyRule

from .copying import Table


def _through(model: type[Model], field: str) -> type[Model]:
    """The automatic table of a many-to-many field."""
    through: type[Model] = model._meta.get_field(field).remote_field.through  # type: ignore[union-attr]
    return through


def _m2m(model: type[Model], field: str, left: str, right: str) -> Table:
    return Table(_through(model, field), ("id", left, right))


class Tables:
    """One `Table` per table, named after what it holds."""

    def __init__(self) -> None:
        # --- The organisation
        self.organisation = Table(
            Organisation,
            (
                "id",
                "name",
                "kind",
                "time_zone",
                "language",
                "is_synthetic",
                "administrators_group_id",
                "mfa_required",
                "mfa_for_everyone",
            ),
        )
        self.group = Table(Group, ("id", "name"))
        self.user = Table(
            User,
            (
                "id",
                "password",
                "last_login",
                "is_superuser",
                "username",
                "first_name",
                "last_name",
                "email",
                "is_staff",
                "is_active",
                "date_joined",
                "role",
                "language",
                "organisation_id",
                "phone",
                "session_epoch",
            ),
        )
        self.user_groups = _m2m(User, "groups", "user_id", "group_id")
        self.village = Table(Village, ("id", "name", "name_km", "commune", "district", "province"))
        self.team = Table(Team, ("id", "name", "organisation_id", "supervisors_group_id"))
        self.team_members = _m2m(Team, "members", "team_id", "user_id")
        self.team_supervisors = _m2m(Team, "supervisors", "team_id", "user_id")
        self.team_villages = _m2m(Team, "villages", "team_id", "village_id")
        self.review_policy = Table(
            ReviewPolicy,
            (
                "id",
                "version",
                "high_intervals",
                "medium_intervals",
                "low_intervals",
                "cap_days",
                "closure_threshold",
                "updated_at",
                "organisation_id",
            ),
        )
        self.service = Table(
            Service,
            (
                "id",
                "version",
                "name",
                "provider",
                "description",
                "area_notes",
                "eligibility",
                "contact_name",
                "phone",
                "address",
                "is_active",
                "created_at",
                "updated_at",
                "directory_of_id",
            ),
        )
        self.service_kinds = _m2m(Service, "kinds", "service_id", "helpkind_id")
        self.service_villages = _m2m(Service, "villages", "service_id", "village_id")
        self.service_partners = _m2m(Service, "partner_users", "service_id", "user_id")
        self.intake_worker = Table(
            IntakeWorker, ("id", "added_at", "added_by_id", "organisation_id", "user_id")
        )
        # --- Families and cases
        self.family = Table(
            Family,
            (
                "id",
                "version",
                "family_name",
                "address_notes",
                "phone",
                "languages",
                "created_at",
                "organisation_id",
                "village_id",
            ),
        )
        self.person = Table(
            Person,
            (
                "id",
                "version",
                "given_name_km",
                "family_name_km",
                "given_name_latin",
                "family_name_latin",
                "sex",
                "date_of_birth",
                "estimated_age",
                "disability",
                "school_status",
                "relationship",
                "family_id",
            ),
        )
        self.case = Table(
            Case,
            (
                "id",
                "version",
                "reference",
                "phase",
                "tier",
                "risk_level",
                "opened_on",
                "closed_on",
                "closure_reason",
                "created_at",
                "updated_at",
                "covering_worker_id",
                "team_id",
                "worker_id",
                "family_id",
                "phase_since",
            ),
        )
        self.case_children = _m2m(Case, "children", "case_id", "person_id")
        self.case_concerns = _m2m(Case, "concerns", "case_id", "concerncategory_id")
        self.allocation = Table(
            Allocation,
            (
                "id",
                "allocated_at",
                "reason",
                "allocated_by_id",
                "covering_worker_id",
                "worker_id",
                "case_id",
            ),
        )
        self.visit = Table(
            HomeVisit,
            (
                "id",
                "version",
                "occurred_at",
                "kind",
                "place",
                "present",
                "observations",
                "family_words",
                "child_words",
                "agreed",
                "next_visit_on",
                "status",
                "signed_at",
                "created_at",
                "author_id",
                "case_id",
            ),
        )
        self.visit_child = Table(VisitChild, ("id", "seen", "seen_alone", "child_id", "visit_id"))
        self.visit_addendum = Table(
            VisitAddendum, ("id", "created_at", "text", "author_id", "visit_id")
        )
        self.user_grant = Table(
            CaseUserObjectPermission, ("id", "content_object_id", "permission_id", "user_id")
        )
        self.group_grant = Table(
            CaseGroupObjectPermission, ("id", "content_object_id", "group_id", "permission_id")
        )
        self.audit = Table(
            AuditEvent,
            (
                "id",
                "object_pk",
                "object_id",
                "object_repr",
                "action",
                "changes_text",
                "changes",
                "remote_addr",
                "timestamp",
                "actor_email",
                "event",
                "user_agent",
                "reason",
                "actor_id",
                "content_type_id",
                "case_id",
            ),
        )
        # --- Assessment and planning
        self.assessment = Table(
            Assessment,
            (
                "id",
                "version",
                "status",
                "participants",
                "family_views",
                "summary",
                "created_at",
                "submitted_at",
                "decided_at",
                "author_id",
                "case_id",
                "decided_by_id",
            ),
        )
        self.need = Table(
            NeedEntry,
            ("id", "need", "met", "strengths", "analysis", "assessment_id", "domain_id"),
        )
        self.risk = Table(Risk, ("id", "description", "kind", "need_id"))
        self.decision = Table(
            Decision,
            (
                "id",
                "outcome",
                "comment",
                "decided_at",
                "assessment_id",
                "decided_by_id",
                "plan_id",
            ),
        )
        self.mapping = Table(
            Mapping,
            ("id", "version", "held_on", "participants", "created_at", "author_id", "case_id"),
        )
        self.mapping_entry = Table(
            MappingEntry, ("id", "column", "kind", "text", "voice", "voice_name", "mapping_id")
        )
        self.scale = Table(
            ScaleScore,
            (
                "id",
                "score",
                "voice",
                "voice_name",
                "recorded_on",
                "reason",
                "created_at",
                "case_id",
                "given_by_user_id",
                "person_id",
                "recorded_by_id",
            ),
        )
        self.child_voice = Table(
            ChildVoice,
            (
                "id",
                "version",
                "recorded_on",
                "worries",
                "good_things",
                "wishes",
                "safe_means",
                "safety_network",
                "helped_by",
                "age_at_recording",
                "drawing",
                "created_at",
                "author_id",
                "case_id",
                "child_id",
            ),
        )
        self.plan = Table(
            CasePlan,
            (
                "id",
                "version",
                "number",
                "status",
                "family_agreement",
                "created_at",
                "submitted_at",
                "decided_at",
                "assessment_id",
                "author_id",
                "case_id",
            ),
        )
        self.goal = Table(Goal, ("id", "text", "plan_id"))
        self.goal_needs = _m2m(Goal, "needs", "goal_id", "needentry_id")
        self.action = Table(
            Action,
            ("id", "version", "what", "who", "who_name", "due_on", "status", "outcome", "goal_id"),
        )
        # --- Intervention
        self.network = Table(
            NetworkMember,
            (
                "id",
                "version",
                "name",
                "relationship",
                "contact",
                "knows_worries",
                "agreed_to_do",
                "joined_on",
                "left_on",
                "left_reason",
                "replacement_note",
                "created_at",
                "added_by_id",
                "case_id",
                "person_id",
            ),
        )
        self.safety_plan = Table(
            SafetyPlan,
            (
                "id",
                "version",
                "number",
                "status",
                "family_language",
                "for_the_children",
                "agreed_on",
                "created_at",
                "author_id",
                "case_id",
            ),
        )
        self.safety_people = _m2m(SafetyPlan, "agreed_people", "safetyplan_id", "person_id")
        self.safety_network = _m2m(
            SafetyPlan, "agreed_network", "safetyplan_id", "networkmember_id"
        )
        self.rule = Table(
            SafetyRule,
            (
                "id",
                "text",
                "how_known",
                "if_not_kept",
                "danger_id",
                "plan_id",
                "responsible_member_id",
                "responsible_person_id",
                "safety_goal_id",
            ),
        )
        self.intervention = Table(
            Intervention,
            (
                "id",
                "version",
                "kind",
                "description",
                "amount",
                "currency",
                "provider",
                "started_on",
                "ended_on",
                "outcome",
                "created_at",
                "case_id",
                "recorded_by_id",
            ),
        )
        # --- Reviews
        self.review = Table(
            Review,
            (
                "id",
                "version",
                "step",
                "due_on",
                "status",
                "date_reason",
                "restarted_because",
                "held_on",
                "place",
                "child_views",
                "family_views",
                "network_views",
                "professional_views",
                "decision",
                "decision_reasons",
                "next_due_on",
                "next_date_reason",
                "signed_at",
                "cancelled_reason",
                "created_at",
                "case_id",
                "chair_id",
                "scheduled_by_id",
                "signed_by_id",
            ),
        )
        self.participant = Table(
            Participant,
            (
                "id",
                "kind",
                "name",
                "role",
                "gathered",
                "note",
                "network_member_id",
                "person_id",
                "review_id",
            ),
        )
        self.review_score = Table(
            ReviewScore,
            (
                "id",
                "voice",
                "voice_name",
                "score",
                "reason",
                "given_by_user_id",
                "person_id",
                "review_id",
            ),
        )
        self.goal_progress = Table(GoalProgress, ("id", "progress", "note", "goal_id", "review_id"))
        self.closure = Table(
            Closure,
            (
                "id",
                "risk_reduced",
                "in_school",
                "health_care",
                "outcome",
                "follow_up_on",
                "scale_at_closure",
                "override_reason",
                "concern_codes",
                "closed_at",
                "follow_up_done_at",
                "case_id",
                "closed_by_id",
                "review_id",
            ),
        )
        self.reminder = Table(
            Reminder,
            (
                "id",
                "kind",
                "due_on",
                "claimed_at",
                "leased_until",
                "attempts",
                "sent_at",
                "skipped",
                "review_id",
            ),
        )
        self.delivery = Table(
            Delivery, ("id", "delivered_at", "message_id", "user_id", "reminder_id")
        )
        self.notification = Table(
            Notification,
            ("id", "kind", "due_on", "created_at", "read_at", "case_id", "user_id", "review_id"),
        )
        # --- Referrals
        self.intake = Table(
            Intake,
            (
                "id",
                "version",
                "received_at",
                "referrer_kind",
                "referrer_name",
                "referrer_organisation",
                "referrer_contact",
                "referrer_confidential",
                "family_name",
                "address_notes",
                "urgency",
                "description",
                "status",
                "decision",
                "decision_reason",
                "decided_at",
                "created_at",
                "case_id",
                "decided_by_id",
                "organisation_id",
                "recorded_by_id",
                "village_id",
                "service_id",
            ),
        )
        self.intake_concerns = _m2m(Intake, "concerns", "intake_id", "concerncategory_id")
        self.intake_person = Table(
            IntakePerson,
            (
                "id",
                "given_name_km",
                "family_name_km",
                "given_name_latin",
                "family_name_latin",
                "sex",
                "approximate_age",
                "relationship",
                "is_child_of_concern",
                "intake_id",
            ),
        )
        self.consent = Table(
            Consent,
            (
                "id",
                "given_by_kind",
                "child_age",
                "understanding",
                "information",
                "purpose",
                "given_on",
                "expires_on",
                "how_explained",
                "recorded_at",
                "withdrawn_on",
                "withdrawal_note",
                "case_id",
                "given_by_id",
                "recorded_by_id",
                "withdrawn_by_person_id",
                "withdrawn_recorded_by_id",
            ),
        )
        self.consent_services = _m2m(Consent, "services", "consent_id", "service_id")
        self.consent_kinds = _m2m(Consent, "kinds", "consent_id", "helpkind_id")
        self.referral = Table(
            OutgoingReferral,
            (
                "id",
                "version",
                "need",
                "shared_fields",
                "shared_data",
                "contact",
                "background",
                "override_reason",
                "status",
                "decline_reason",
                "outcome",
                "follow_up_on",
                "created_at",
                "sent_at",
                "acknowledged_at",
                "decided_at",
                "completed_at",
                "withdrawn_at",
                "withdraw_reason",
                "case_id",
                "consent_id",
                "created_by_id",
                "help_kind_id",
                "override_by_id",
                "sent_by_id",
                "service_id",
            ),
        )
        self.referral_children = _m2m(
            OutgoingReferral, "children", "outgoingreferral_id", "person_id"
        )

    def __iter__(self) -> Iterator[Table]:
        return (value for value in vars(self).values() if isinstance(value, Table))
