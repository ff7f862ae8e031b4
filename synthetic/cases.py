"""One synthetic case at a time: the family and its people, the case, its visits and audit trail.

`CaseMaker.make()` draws a case's whole story from the one random generator — which phases it
went through and when — and writes the rows of every app for it (the phase apps' part is in
`phases.py`). Times are counted in days before --as-of, so the same seed and the same day give
the same rows.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from casework.models import AuditEvent

from . import phases, pools
from .copying import FALSE, NULL, TRUE
from .tables import Tables
from .world import Clock, TeamInfo, World

# How cases are spread over the cycle today (closed cases are a third of a service's records).
PHASE_WEIGHTS = (
    ("intake", 0.07),
    ("assessment", 0.13),
    ("intervention", 0.30),
    ("follow_up", 0.15),
    ("closed", 0.35),
)
# Where a closed case closed: screened out, after assessment, or after the work.
CLOSED_FROM = (("intake", 0.10), ("assessment", 0.15), ("intervention", 0.35), ("follow_up", 0.4))
T = TypeVar("T")
Action = AuditEvent.Action  # auditlog's numbers: what an event did to its object
ORDER = ("intake", "assessment", "intervention", "follow_up")

TIER_RISK = {
    # tier: ((risk, weight), ...)
    "prevention": (("low", 0.6), ("medium", 0.35), ("high", 0.05)),
    "early": (("low", 0.3), ("medium", 0.5), ("high", 0.2)),
    "crisis": (("medium", 0.4), ("high", 0.6)),
}
TIERS = (("prevention", 0.4), ("early", 0.4), ("crisis", 0.2))
VISIT_KINDS = (("home", 0.7), ("phone", 0.15), ("office", 0.1), ("third_party", 0.05))
CHILDREN = (("1", 0.25), ("2", 0.30), ("3", 0.22), ("4", 0.15), ("5", 0.08))
SCHOOL = (
    ("enrolled", 0.55),
    ("irregular", 0.2),
    ("dropped_out", 0.15),
    ("never", 0.05),
    ("", 0.05),
)


def pick(rand: Callable[[], float], weighted: tuple[tuple[str, float], ...]) -> str:
    roll = rand()
    for value, weight in weighted:
        roll -= weight
        if roll < 0:
            return value
    return weighted[-1][0]


@dataclass(frozen=True)
class Person:
    id: int
    given_latin: str
    family_latin: str
    given_km: str
    family_km: str
    sex: str
    relationship: str
    age_days: int  # today (children) or estimated age in years * 365 (adults)
    school: str = ""

    @property
    def latin(self) -> str:
        return f"{self.given_latin} {self.family_latin}".strip()

    @property
    def km(self) -> str:
        return f"{self.family_km} {self.given_km}".strip()


@dataclass
class CaseStory:
    """The facts of one case that every phase's rows are drawn from."""

    id: int
    reference: str
    team: TeamInfo
    worker: int
    covering: int | None
    supervisor: int
    tier: str
    risk: str
    phase: str
    route: list[str]  # the phases the case went through, the current one last
    starts: dict[str, int]  # phase -> days before as_of it began
    end: int  # days before as_of the case closed (0: still open)
    opened: int
    village_id: int
    village_name: str
    family_phone: str
    children: list[Person]  # the children concerned
    caregivers: list[Person]
    concern_codes: list[str]
    minute: int
    # Filled by the phases, read by later ones.
    need_ids: list[int] = field(default_factory=list)
    goal_ids: list[int] = field(default_factory=list)
    danger_ids: list[int] = field(default_factory=list)
    safety_goal_ids: list[int] = field(default_factory=list)
    score: int = 3
    chair: int | None = None

    def phase_end(self, phase: str) -> int:
        """When `phase` ended (days before as_of): the next phase's start, or the closing."""
        index = self.route.index(phase)
        if index + 1 < len(self.route):
            return self.starts[self.route[index + 1]]
        return self.end


@dataclass(frozen=True)
class References:
    """Rows that migrations seed and the generator points at."""

    concerns: list[tuple[int, str]]  # (id, code)
    need_domains: list[int]
    help_kinds: list[tuple[int, str]]
    case_type: int  # content type ids, for audit events
    referral_type: int
    # Permission ids granted, as casework.access and reviews.access define them.
    worker_perms: list[int]
    chair_perms: list[int]
    supervisor_perms: list[int]
    administrator_perms: list[int]


class CaseMaker:
    def __init__(
        self,
        *,
        rng: random.Random,
        clock: Clock,
        tables: Tables,
        world: World,
        refs: References,
    ) -> None:
        self.rng = rng
        # random.Random.choice and randint cost ten times random(): these do the same draws
        # from random() alone, and the generator makes a hundred of them per case.
        rand = rng.random
        self.rand = rand

        def one(items: Sequence[T]) -> T:
            return items[int(rand() * len(items))]

        def between(low: int, high: int) -> int:
            return low + int(rand() * (high - low + 1))

        self.one = one
        self.between = between
        self.clock = clock
        self.t = tables
        self.world = world
        self.refs = refs
        self.reference_counters: dict[int, int] = {}

    # --- The story -------------------------------------------------------------------------

    def _route(self) -> tuple[str, list[str]]:
        rand = self.rand
        phase = pick(rand, PHASE_WEIGHTS)
        if phase == "closed":
            last = pick(rand, CLOSED_FROM)
            if last == "follow_up" and rand() < 0.3:
                # Some cases close straight from intervention; others after follow-up.
                return phase, ["intake", "assessment", "intervention", "closed"]
            return phase, [*ORDER[: ORDER.index(last) + 1], "closed"]
        return phase, list(ORDER[: ORDER.index(phase) + 1])

    def _timeline(self, route: list[str]) -> dict[str, int]:
        between = self.between
        lengths = {
            "intake": between(2, 14),
            "assessment": between(14, 60),
            "intervention": between(60, 365),
            "follow_up": between(60, 240),
        }
        elapsed = {
            "intake": (0, 20),
            "assessment": (0, 60),
            "intervention": (0, 540),
            "follow_up": (0, 300),
            "closed": (0, 1500),
        }[route[-1]]
        starts = {route[-1]: between(*elapsed)}
        for previous, following in zip(route[-2::-1], route[:0:-1], strict=True):
            starts[previous] = starts[following] + lengths[previous]
        return starts

    # --- People ----------------------------------------------------------------------------

    def _people(self, family_id: int, opened: int) -> tuple[list[Person], list[Person], str]:
        """The household: one or two adults and one to five children, some of them concerned."""
        one, between, rand = self.one, self.between, self.rand
        family_latin, family_km = one(pools.FAMILY_NAMES)
        adults: list[tuple[str, str]] = []
        if rand() < 0.9:
            adults.append(("mother", "female"))
        if rand() < 0.6 or not adults:
            adults.append(("father", "male"))
        if rand() < 0.2:
            adults.append(("grandparent", "female" if rand() < 0.7 else "male"))
        caregivers: list[Person] = []
        for relationship, sex in adults:
            years = between(50, 75) if relationship == "grandparent" else between(22, 48)
            caregivers.append(self._person(family_id, family_latin, family_km, sex, relationship,
                                           years * 365, adult=True))  # fmt: skip
        children: list[Person] = []
        for index in range(int(pick(rand, CHILDREN))):
            sex = "female" if rand() < 0.5 else "male"
            # Old enough to have been born when the case opened.
            age_days = opened + between(60, 17 * 365)
            child = self._person(family_id, family_latin, family_km, sex, "child", age_days)
            if index == 0 or rand() < 0.8:
                children.append(child)
        return children, caregivers, f"{family_latin} ({family_km})"

    def _person(
        self,
        family_id: int,
        family_latin: str,
        family_km: str,
        sex: str,
        relationship: str,
        age_days: int,
        *,
        adult: bool = False,
    ) -> Person:
        one, rand = self.one, self.rand
        given_latin, given_km = one(pools.GIVEN_FEMALE if sex == "female" else pools.GIVEN_MALE)
        fam_latin, fam_km = family_latin, family_km
        script = rand()
        if script < 0.05:
            given_km = fam_km = ""  # recorded in Latin letters only
        elif script < 0.1:
            given_latin = fam_latin = ""  # in Khmer script only
        person_id = self.t.person.new_id()
        if adult:
            born, estimated, school = NULL, str(age_days // 365), ""
        else:
            born, estimated = self.clock.day(age_days), NULL
            if age_days < 5 * 365:
                school = "too_young"
            elif age_days >= 18 * 365:
                school = "completed" if self.rand() < 0.6 else "dropped_out"
            else:
                school = pick(rand, SCHOOL)
        disability = "Hearing loss in one ear." if rand() < 0.03 else ""
        self.t.person.add(
            str(person_id), "1", given_km, fam_km, given_latin, fam_latin, sex, born, estimated,
            disability, school, relationship, str(family_id),
        )  # fmt: skip
        return Person(
            person_id, given_latin, fam_latin, given_km, fam_km, sex, relationship, age_days,
            school,
        )  # fmt: skip

    # --- One case ----------------------------------------------------------------------------

    def make(self) -> None:
        rng, one, rand = self.rng, self.one, self.rand
        clock = self.clock
        t = self.t
        teams = self.world.teams
        team = teams[int(rand() * len(teams))]
        worker = team.workers[int(rand() * len(team.workers))]
        covering = None
        if len(team.workers) > 1 and rand() < 0.12:
            covering = one([w for w in team.workers if w != worker])
        phase, route = self._route()
        starts = self._timeline(route)
        opened = starts["intake"]
        end = starts.get("closed", 0)
        tier = pick(rand, TIERS)
        risk = pick(rand, TIER_RISK[tier])
        village_id, village_name = team.villages[int(rand() * len(team.villages))]
        minute = int(rand() * 540)

        family_id = t.family.new_id()
        children, caregivers, family_name = self._people(family_id, opened)
        phone = f"000 {int(rand() * 1000):03d} {int(rand() * 1000):03d}"
        created_at = clock.at(opened, minute)
        t.family.add(
            str(family_id), "1", family_name, one(pools.ADDRESS_NOTES), phone, "Khmer",
            created_at, str(self.world.organisation_id), str(village_id),
        )  # fmt: skip

        case_id = t.case.new_id()
        opened_on = clock.day(opened)
        year = int(opened_on[:4])
        number = self.reference_counters.get(year, 0) + 1
        self.reference_counters[year] = number
        reference = f"UP-{year}-{number:06d}"
        wanted = 1 if rand() < 0.6 else 2
        concerns = rng.sample(self.refs.concerns, min(wanted, len(self.refs.concerns)))
        story = CaseStory(
            id=case_id, reference=reference, team=team, worker=worker, covering=covering,
            supervisor=team.supervisors[0], tier=tier, risk=risk, phase=phase, route=route,
            starts=starts, end=end, opened=opened, village_id=village_id,
            village_name=village_name, family_phone=phone, children=children,
            caregivers=caregivers, concern_codes=[code for _, code in concerns], minute=minute,
        )  # fmt: skip
        closed = phase == "closed"
        since = created_at if phase == "intake" else clock.at(starts[phase], minute)
        if closed:
            closure_reason = (
                one(pools.CLOSURE_OUTCOMES)
                if "intervention" in route
                else one(pools.CLOSURE_REASONS_EARLY)
            )
        else:
            closure_reason = ""
        t.case.add(
            str(case_id), str(len(route)), reference, phase, tier, risk, opened_on,
            clock.day(end) if closed else NULL, closure_reason, created_at, since,
            str(covering) if covering else NULL, str(team.id), str(worker), str(family_id), since,
        )  # fmt: skip
        for child in children:
            t.case_children.link(case_id, child.id)
        for concern_id, _code in concerns:
            t.case_concerns.link(case_id, concern_id)
        opener = worker if rand() < 0.6 else story.supervisor
        t.allocation.add(
            str(t.allocation.new_id()), created_at, "", str(opener),
            str(covering) if covering else NULL, str(worker), str(case_id),
        )  # fmt: skip

        self._visits(story)
        self._audit(story, opener)
        if rand() < 0.25:
            self._intake(story, family_name, concerns)
        phases.write_phases(self, story)
        self._grants(story)

    def _grants(self, s: CaseStory) -> None:
        """What `casework.access.sync_case_grants` derives from the case's facts: its workers
        and the chair of its open review, its team's supervisors and the administrators (as
        groups). In the order that function's rows would sort: by user or group, then
        permission."""
        refs = self.refs
        users = {(s.worker, perm) for perm in refs.worker_perms}
        if s.covering:
            users.update((s.covering, perm) for perm in refs.worker_perms)
        if s.chair:
            users.update((s.chair, perm) for perm in refs.chair_perms)
        case = str(s.id)
        table = self.t.user_grant
        for user_id, perm in sorted(users):
            table.add(str(table.new_id()), case, str(perm), str(user_id))
        groups = [(s.team.group_id, perm) for perm in refs.supervisor_perms]
        groups += [(self.world.admin_group_id, perm) for perm in refs.administrator_perms]
        table = self.t.group_grant
        for group_id, perm in sorted(groups):
            table.add(str(table.new_id()), case, str(group_id), str(perm))

    # --- Visits ------------------------------------------------------------------------------

    def _visits(self, s: CaseStory) -> None:
        one, between, rand = self.one, self.between, self.rand
        clock = self.clock
        t = self.t
        span = s.opened - s.end
        if s.phase == "intake":
            count = 1 if rand() < 0.5 else 0
        else:
            count = max(1, min(12, round(span / between(45, 100))))
        case = str(s.id)
        for k in range(count):
            ago = s.opened - int(span * (k + rand()) / count)
            minute = int(rand() * 520)
            author = s.covering if s.covering and rand() < 0.2 else s.worker
            last = k == count - 1
            draft = last and not s.end and rand() < 0.15
            visit_id = t.visit.new_id()
            occurred = clock.at(ago, minute)
            t.visit.add(
                str(visit_id), "1", occurred, pick(rand, VISIT_KINDS), one(pools.PLACES),
                one(pools.VISIT_PRESENT), one(pools.VISIT_OBSERVATIONS),
                one(pools.FAMILY_WORDS), one(pools.CHILD_WORDS),
                one(pools.VISIT_AGREED), clock.day(ago - between(7, 30)),
                "draft" if draft else "signed", NULL if draft else clock.at(ago, minute + 15),
                occurred, str(author), case,
            )  # fmt: skip
            for child in s.children:
                seen = rand() < 0.85
                alone = seen and rand() < 0.3
                t.visit_child.add(
                    str(t.visit_child.new_id()), TRUE if seen else FALSE,
                    TRUE if alone else FALSE, str(child.id), str(visit_id),
                )  # fmt: skip
            if not draft and rand() < 0.02:
                t.visit_addendum.add(
                    str(t.visit_addendum.new_id()), clock.at(max(ago - 1, 0), 539),
                    "Correction: the visit lasted two hours, not one.", str(author), str(visit_id),
                )  # fmt: skip

    # --- The audit trail -----------------------------------------------------------------------

    def audit(
        self,
        s: CaseStory,
        *,
        actor: int,
        event: str,
        action: int,
        when: str,
        changes: str = NULL,
        content_type: int | None = None,
        object_id: int | None = None,
        object_repr: str | None = None,
    ) -> None:
        staff = self.world.staff[actor]
        object_pk = str(object_id if object_id is not None else s.id)
        self.t.audit.add(
            str(self.t.audit.new_id()), object_pk, object_pk,
            object_repr if object_repr is not None else s.reference, str(action), "", changes,
            f"10.{s.team.index % 250}.{actor % 250}.{actor // 250 % 250 + 1}", when,
            staff.email, event, self.one(pools.USER_AGENTS), "", str(actor),
            str(content_type or self.refs.case_type), str(s.id),
        )  # fmt: skip

    def _audit(self, s: CaseStory, opener: int) -> None:
        """Opening, each change of phase, and a few reads by the people on the case."""
        one, between, rand = self.one, self.between, self.rand
        clock = self.clock
        self.audit(
            s, actor=opener, event="create", action=Action.CREATE, when=clock.at(s.opened, s.minute)
        )
        for before, after in zip(s.route, s.route[1:], strict=False):
            self.audit(
                s,
                actor=s.worker,
                event="transition",
                action=Action.UPDATE,
                when=clock.at(s.starts[after], s.minute),
                changes=f'{{"phase":["{before}","{after}"]}}',
            )
        readers = [s.worker, s.worker, s.supervisor]
        if s.covering:
            readers.append(s.covering)
        for _ in range(between(1, 2)):
            ago = between(s.end, s.opened)
            self.audit(
                s,
                actor=one(readers),
                event="view",
                action=Action.ACCESS,
                when=clock.at(ago, int(rand() * 540)),
            )

    # --- Intakes -----------------------------------------------------------------------------

    def _intake(self, s: CaseStory, family_name: str, concerns: list[tuple[int, str]]) -> None:
        """The incoming referral that led to the case, screened with "open a case"."""
        one, between, rand = self.one, self.between, self.rand
        clock = self.clock
        t = self.t
        intake_id = t.intake.new_id()
        received = s.opened + between(0, 5)
        kind, organisation, _name = one(pools.REFERRERS)
        t.intake.add(
            str(intake_id), "2", clock.at(received, int(rand() * 540)), kind, "", organisation,
            "", TRUE, family_name, "Near the village pagoda.",
            one(("immediate", "urgent", "two_weeks", "routine")),
            one(pools.INTAKE_DESCRIPTIONS), "screened", "open_case",
            "The concern needs an assessment.", clock.at(s.opened, s.minute),
            clock.at(received, 0), str(s.id), str(s.supervisor),
            str(self.world.organisation_id), str(s.supervisor), str(s.village_id), NULL,
        )  # fmt: skip
        for concern_id, _code in concerns:
            t.intake_concerns.link(intake_id, concern_id)
        for person in s.children[:1] + s.caregivers[:1]:
            is_child = person.relationship == "child"
            t.intake_person.add(
                str(t.intake_person.new_id()), person.given_km, person.family_km,
                person.given_latin, person.family_latin, person.sex,
                str(max(0, person.age_days - s.opened) // 365), person.relationship,
                TRUE if is_child else FALSE, str(intake_id),
            )  # fmt: skip

    def awaiting_intake(self) -> None:
        """A referral waiting in the screening queue (received in the last two weeks)."""
        one, between, rand = self.one, self.between, self.rand
        t = self.t
        team = one(self.world.teams)
        intake_id = t.intake.new_id()
        family_latin, family_km = one(pools.FAMILY_NAMES)
        received = between(0, 14)
        kind, organisation, _name = one(pools.REFERRERS)
        t.intake.add(
            str(intake_id), "1", self.clock.at(received, int(rand() * 540)), kind, "",
            organisation, "", TRUE, f"{family_latin} ({family_km})", "",
            one(("immediate", "urgent", "two_weeks", "routine")),
            one(pools.INTAKE_DESCRIPTIONS), "awaiting", "", "", NULL,
            self.clock.at(received, 0), NULL, NULL, str(self.world.organisation_id),
            str(team.supervisors[0]), str(one(team.villages)[0]), NULL,
        )  # fmt: skip
        concern_id, _code = one(self.refs.concerns)
        t.intake_concerns.link(intake_id, concern_id)
        given_latin, given_km = one(pools.GIVEN_FEMALE + pools.GIVEN_MALE)
        t.intake_person.add(
            str(t.intake_person.new_id()), given_km, family_km, given_latin, family_latin,
            "unknown", str(between(2, 16)), "child", TRUE, str(intake_id),
        )  # fmt: skip
