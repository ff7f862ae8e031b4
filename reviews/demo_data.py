"""The demo's reviews, one closure and one revolving-door family, case by case.

Every name and story here is invented and follows the family's story in `casework.demo_data`,
`assessments.demo_data` and `safetyplans.demo_data`. Dates are days before (or after) the day
the demo is loaded. Who is who: a family member or a child is named by the Latin given name
casework's demo gave them; a safety network member or a plan goal or a safety-plan rule by the
start of its text (a goal or rule the case does not have is left out); a professional by name.
A chair is a demo login, never one of the case's team.
"""

from __future__ import annotations

from dataclasses import dataclass

from assessments.models import Voice
from casework.models import Case

from .models import GoalProgress, Participant, Review, RuleProgress

PHASE = Case.Phase
KIND = Participant.Kind
HOW = Participant.Gathered
GOAL = GoalProgress.Progress
RULE = RuleProgress.Kept
DECISION = Review.Decision
V = Voice


@dataclass(frozen=True)
class DemoParticipant:
    kind: str
    who: str  # Latin given name (family, child); a word of a network member's name; a name
    gathered: str = HOW.PRESENT
    role: str = ""
    note: str = ""


@dataclass(frozen=True)
class DemoReviewScore:
    voice: str
    who: str  # a Latin given name (family, child), a login (worker), or a name
    score: int
    reason: str


@dataclass(frozen=True)
class DemoHeld:
    """A review held and signed off by its chair."""

    held_days_ago: int
    place: str
    participants: tuple[DemoParticipant, ...]
    child_views: str
    family_views: str
    scores: tuple[DemoReviewScore, ...]
    decision: str
    decision_reasons: str
    network_views: str = ""
    professional_views: str = ""
    goals: tuple[tuple[str, str, str], ...] = ()  # (goal text start, progress, what shows it)
    rules: tuple[tuple[str, str, str], ...] = ()  # (rule text start, kept, what shows it)


@dataclass(frozen=True)
class DemoClosure:
    by: str  # a login
    outcome: str
    follow_up_in_days: int
    risk_reduced: bool = True
    in_school: bool = True
    health_care: bool = True


@dataclass(frozen=True)
class DemoReviews:
    family_name: str
    phase: str  # the phase the case is in when the reviews demo runs; otherwise nothing
    chair: str  # chairs the reviews held
    held: tuple[DemoHeld, ...] = ()
    # The review still open afterwards: its chair and when it is due (days from today;
    # negative: overdue, as if scheduled weeks ago); None keeps the policy's date.
    next_chair: str | None = None
    next_due_in_days: int | None = None
    next_date_reason: str = ""
    closure: DemoClosure | None = None


@dataclass(frozen=True)
class DemoReturn:
    """A family whose case was closed comes back with the same concern: a new case."""

    family_name: str
    opened_by: str
    worker: str
    tier: str
    risk_level: str
    opened_days_ago: int
    previous_closed_days_ago: int  # when the earlier case really closed (the demo's clock)
    children: tuple[str, ...]
    concerns: tuple[str, ...]
    reason: str


DEMO_REVIEWS: tuple[DemoReviews, ...] = (
    # --- Team A: chaired by the supervisor of team B ----------------------------------------
    DemoReviews(
        family_name="Heng (ហេង)",
        phase=PHASE.INTERVENTION,
        chair="chair",
        held=(
            DemoHeld(
                held_days_ago=12,
                place="Family home, Ou Thnong",
                participants=(
                    DemoParticipant(KIND.FAMILY, "Chantha"),
                    DemoParticipant(KIND.FAMILY, "Samnang"),
                    DemoParticipant(KIND.CHILD, "Socheata", HOW.SEPARATELY),
                    DemoParticipant(
                        KIND.CHILD,
                        "Piseth",
                        HOW.TOOL,
                        note="Drew his three houses with the worker before the meeting.",
                    ),
                    DemoParticipant(KIND.NETWORK, "Kanha"),
                    DemoParticipant(
                        KIND.PROFESSIONAL,
                        "Sophea Demo",
                        role="Social worker, team A",
                    ),
                ),
                child_views=(
                    "Socheata: Papa comes home straight after work now. I still keep my shoes "
                    "by the door, just in case. Piseth (drawing): in the good house Papa is "
                    "fixing my bicycle."
                ),
                family_views=(
                    "Chantha: ផ្ទះស្ងាត់ជាងមុន។ It is quieter; he has not shouted since the "
                    "rains. Samnang: I go to the group every Sunday. I want to keep going."
                ),
                network_views="Aunt Kanha: my door stays open; nobody has needed it this month.",
                scores=(
                    DemoReviewScore(V.FAMILY, "Chantha", 8, "No drinking at home for weeks."),
                    DemoReviewScore(V.CHILD, "Socheata", 8, "I sleep in my own bed."),
                    DemoReviewScore(
                        V.WORKER, "worker", 7, "Plan kept; the group is new, so not yet higher."
                    ),
                ),
                goals=(
                    ("The children are safe at night", GOAL.SOME, "No night at the aunt's."),
                    ("The father stays sober", GOAL.SOME, "Five weeks sober; payday kept."),
                    ("The children can talk", GOAL.SOME, "The three houses, without fear."),
                ),
                rules=(
                    ("If Papa comes home drunk", RULE.KEPT, "Not needed this month."),
                    ("No alcohol in the house", RULE.KEPT, "The aunt confirmed it."),
                ),
                decision=DECISION.CONTINUE,
                decision_reasons=(
                    "The safety plan is kept and the father goes to the group. Keep the plan "
                    "as it is; weekly contact until the next review."
                ),
            ),
        ),
        next_chair="chair",
    ),
    DemoReviews(
        family_name="Seng (សេង)",
        phase=PHASE.INTERVENTION,
        chair="chair",
        held=(
            DemoHeld(
                held_days_ago=18,
                place="Commune hall, Trapeang Kong",
                participants=(
                    DemoParticipant(KIND.FAMILY, "Monny"),
                    DemoParticipant(KIND.FAMILY, "Chhoeun"),
                    DemoParticipant(KIND.CHILD, "Raksmey"),
                    DemoParticipant(
                        KIND.CHILD,
                        "Bora",
                        HOW.TRUSTED_ADULT,
                        note="At school; his grandfather told us what he says at home.",
                    ),
                    DemoParticipant(
                        KIND.PROFESSIONAL, "Vannak Demo", role="Covering social worker"
                    ),
                ),
                child_views=(
                    "Raksmey: I like the course, but a girl there says the city pays better. "
                    "I want my own shop here. Bora (through Grandpa): he wants his sister home."
                ),
                family_views=(
                    "Monny: ខ្ញុំនៅតែបារម្ភពីបំណុល។ I still worry about the loans, but the "
                    "officer gave us time. Chhoeun: nobody takes our girl; I walk her every day."
                ),
                professional_views=(
                    "Covering worker: the course trainer has not been told who to phone if "
                    "Raksmey does not come."
                ),
                scores=(
                    DemoReviewScore(V.FAMILY, "Monny", 6, "The loans are rescheduled."),
                    DemoReviewScore(V.CHILD, "Raksmey", 7, "Grandpa walks with me."),
                    DemoReviewScore(
                        V.WORKER, "colleague", 6, "Talk of the city again at the course."
                    ),
                ),
                goals=(
                    ("Raksmey stays in the village", GOAL.SOME, "Walked to the course daily."),
                    ("The family repays its loans", GOAL.SOME, "First instalment paid."),
                    ("Raksmey learns a trade", GOAL.SOME, "Made a shirt for Bora."),
                ),
                rules=(
                    ("Grandpa walks Raksmey", RULE.KEPT, "Every day, the trainer says."),
                    ("If Raksmey does not come", RULE.UNKNOWN, "The trainer was never told."),
                ),
                decision=DECISION.ADJUST,
                decision_reasons=(
                    "Adjust the safety plan: the trainer gets Grandpa's number and agrees the "
                    "rule in writing; the worker talks with Raksmey about offers of work in the "
                    "city at every visit."
                ),
            ),
        ),
        next_chair="chair",
        next_due_in_days=-4,
    ),
    DemoReviews(
        family_name="Meas (មាស)",
        phase=PHASE.FOLLOW_UP,
        chair="chair",
        next_chair="chair",
        next_due_in_days=-9,
    ),
    DemoReviews(
        family_name="Nuon (នួន)",
        phase=PHASE.FOLLOW_UP,
        chair="chair",
        held=(
            DemoHeld(
                held_days_ago=8,
                place="Family home, Ou Thnong",
                participants=(
                    DemoParticipant(KIND.FAMILY, "Sokha"),
                    DemoParticipant(KIND.FAMILY, "Theara"),
                    DemoParticipant(KIND.FAMILY, "Kimhong", note="Signs with Puthy."),
                    DemoParticipant(
                        KIND.CHILD,
                        "Puthy",
                        note="Took part with his teacher signing beside him.",
                    ),
                    DemoParticipant(KIND.NETWORK, "Chenda"),
                    DemoParticipant(
                        KIND.PROFESSIONAL,
                        "Lay Chenda",
                        role="Teacher, special class, district school",
                    ),
                ),
                child_views=(
                    "Puthy (with his teacher's help): I go to school every day. I have a "
                    "friend, Dina. I want to read books to Mama at the stall."
                ),
                family_views=(
                    "Sokha: យើងមានមោទនភាពចំពោះគាត់។ We are proud of him; we do not need the "
                    "worker to come any more. Theara: the stall pays for his batteries."
                ),
                professional_views=(
                    "Teacher: Puthy has not missed a day this term and signs with his classmates."
                ),
                scores=(
                    DemoReviewScore(V.FAMILY, "Sokha", 9, "He goes to school every day."),
                    DemoReviewScore(V.CHILD, "Puthy", 9, "School is good. I have a friend."),
                    DemoReviewScore(
                        V.WORKER, "colleague", 9, "Every goal met; a steady income from the stall."
                    ),
                    DemoReviewScore(
                        V.PROFESSIONAL, "Lay Chenda", 9, "Not one day missed this term."
                    ),
                ),
                goals=(
                    ("Puthy hears and goes", GOAL.ACHIEVED, "Aid fitted; school every day."),
                    ("The family earns enough", GOAL.ACHIEVED, "The stall pays its way."),
                ),
                rules=(
                    ("Puthy goes to the special class", RULE.KEPT, "The register shows it."),
                    ("If Puthy misses a day", RULE.KEPT, "No word needed this term."),
                ),
                decision=DECISION.CLOSE,
                decision_reasons=(
                    "Every goal is met and the family, Puthy, the teacher and the worker all "
                    "scale safety at 9. Close by agreement, with a check in three months."
                ),
            ),
        ),
        closure=DemoClosure(
            by="colleague",
            outcome=(
                "Puthy hears with his aid and goes to the special class every day; the grocery "
                "stall gives the family a steady income. Closed by agreement after the review."
            ),
            follow_up_in_days=90,
        ),
    ),
    # --- Team B: chaired by people of team A ------------------------------------------------
    DemoReviews(
        family_name="Chhin (ឈិន)",
        phase=PHASE.INTERVENTION,
        chair="supervisor",
        next_chair="supervisor",
        next_due_in_days=1,
        next_date_reason=(
            "The counsellor from the health centre can come only tomorrow, before the "
            "pagoda meals are reconsidered."
        ),
    ),
    DemoReviews(
        family_name="Pov (ពៅ)",
        phase=PHASE.FOLLOW_UP,
        chair="supervisor",
        held=(
            DemoHeld(
                held_days_ago=10,
                place="Family home, Srah Thmei",
                participants=(
                    DemoParticipant(KIND.FAMILY, "Sreyneang"),
                    DemoParticipant(KIND.FAMILY, "Sarun"),
                    DemoParticipant(KIND.CHILD, "Vireak", HOW.SEPARATELY),
                    DemoParticipant(KIND.PROFESSIONAL, "Rithy Demo", role="Social worker, team B"),
                ),
                child_views=(
                    "Vireak (alone with the worker): the man came to the shop twice and said "
                    "I still owe him a season on the boat. I do not want to go. I am scared."
                ),
                family_views=(
                    "Sarun: គាត់មកផ្ទះពីរដង។ He came to the house twice and shouted about the "
                    "debt. Sreyneang: we told the village chief the second time only."
                ),
                scores=(
                    DemoReviewScore(V.FAMILY, "Sreyneang", 6, "The lender came back."),
                    DemoReviewScore(V.CHILD, "Vireak", 6, "He came to the shop. I am scared."),
                    DemoReviewScore(
                        V.WORKER, "outsider", 5, "A threat of taking him again; rule kept late."
                    ),
                ),
                goals=(
                    ("Vireak recovers", GOAL.WORSE, "Sleeping badly again since the visits."),
                    ("Vireak learns to repair", GOAL.SOME, "Still at the shop every day."),
                ),
                rules=(
                    ("If the lender comes", RULE.PARTLY, "The chief heard only the 2nd time."),
                    ("If anyone asks for Vireak", RULE.KEPT, "The owner told the family."),
                ),
                decision=DECISION.ESCALATE,
                decision_reasons=(
                    "The lender threatens to take Vireak again: escalated to the supervisor of "
                    "team B today; report to the provincial anti-trafficking police and bring "
                    "the case back into intervention."
                ),
            ),
        ),
        next_chair="colleague",
    ),
)


# Returning within the year with the same concern: the revolving door. The Sok family's case
# was closed at assessment (no intervention needed); a new report opens a new case for the
# same children, and the supervisor of team B is told.
DEMO_RETURN = DemoReturn(
    family_name="Sok (សុខ)",
    opened_by="outsider",
    worker="outsider",
    tier=Case.Tier.EARLY,
    risk_level=Case.Risk.MEDIUM,
    opened_days_ago=1,
    previous_closed_days_ago=18,
    children=("Nita", "Panha"),
    concerns=("family_separation",),
    reason=(
        "The school: Nita and Panha have missed a week. Both parents left for work across "
        "the border after the harvest failed; the grandmother next door is ill and the "
        "children are alone in the shelter at night."
    ),
)
