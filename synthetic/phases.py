"""The phase apps' rows of one synthetic case: assessment and plans, safety, reviews, referrals.

Each part follows the services' rules, so that the rows are ones the application could have
written: an approved plan rests on an approved assessment, one open review at most per case,
a closed case that had begun the work closes through a signed review and a closure record, a
referral is sent under a consent covering its service and fields.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from casework.models import AuditEvent
from referrals.sharing import default_fields
from reviews.models import DEFAULT_INTERVALS
from reviews.reminders import OVERDUE, WINDOWS

from . import pools
from .copying import FALSE, NULL, TRUE, json_text
from .world import AGENCY_NAME

if TYPE_CHECKING:
    from .cases import CaseMaker, CaseStory

CAP_DAYS = 90  # ReviewPolicy's default cap between reviews
# Where assessments stand while the case is in assessment, and what signed reviews decided.
ASSESSMENT_STATUS = ("draft",) * 9 + ("submitted",) * 6 + ("returned",) * 2 + ("approved",) * 3
DECISIONS = ("continue",) * 14 + ("adjust",) * 5 + ("escalate",)
MESSAGE_DOMAIN = "upstream.invalid"


def interval(risk: str, step: int) -> int:
    days = DEFAULT_INTERVALS[risk]
    return min(days[min(step, len(days) - 1)], CAP_DAYS)


def write_phases(maker: CaseMaker, s: CaseStory) -> None:
    if "assessment" in s.route:
        _assessment(maker, s)
    if "intervention" in s.route:
        _safety(maker, s)
        _reviews(maker, s)
        if maker.rand() < 0.2:
            _referral(maker, s)


# --- Assessment and planning ---------------------------------------------------------------------


def _assessment(m: CaseMaker, s: CaseStory) -> None:
    rng, one, between, rand = m.rng, m.one, m.between, m.rand
    clock = m.clock
    t = m.t
    start = s.starts["assessment"]
    finish = s.phase_end("assessment")
    created = start - between(0, max(0, (start - finish) // 3))
    if s.phase == "assessment":
        status = one(ASSESSMENT_STATUS)
    elif "intervention" in s.route:
        status = "approved"
    else:
        status = "approved" if rand() < 0.5 else "draft"
    submitted = decided = NULL
    decided_ago = finish
    if status != "draft":
        submitted_ago = created - (created - finish) // 2
        submitted = clock.at(submitted_ago, s.minute)
        if status == "returned":
            decided_ago = submitted_ago
        elif "intervention" not in s.route:
            decided_ago = submitted_ago - (submitted_ago - finish) // 2
        if status in ("returned", "approved"):
            decided = clock.at(decided_ago, s.minute + 10)
    assessment_id = t.assessment.new_id()
    t.assessment.add(
        str(assessment_id), "1", status, "Mother, father and the children.",
        one(pools.FAMILY_WORDS), one(pools.SUMMARIES), clock.at(created, s.minute),
        submitted, decided, str(s.worker), str(s.id),
        str(s.supervisor) if decided != NULL else NULL,
    )  # fmt: skip
    if status in ("returned", "approved"):
        if status == "returned" or rand() < 0.2:
            t.decision.add(
                str(t.decision.new_id()), "returned", "Say more about the nights.",
                submitted, str(assessment_id), str(s.supervisor), NULL,
            )  # fmt: skip
        if status == "approved":
            t.decision.add(
                str(t.decision.new_id()), "approved", "", decided, str(assessment_id),
                str(s.supervisor), NULL,
            )  # fmt: skip
    domains = m.refs.need_domains
    for domain_id in rng.sample(domains, min(between(2, 4), len(domains))):
        need_id = t.need.new_id()
        s.need_ids.append(need_id)
        t.need.add(
            str(need_id), one(pools.NEEDS), one(("met", "partly", "unmet", "unmet")),
            one(pools.STRENGTHS), one(pools.ANALYSES), str(assessment_id),
            str(domain_id),
        )  # fmt: skip
        for _ in range(one((0, 0, 1, 1, 2))):
            t.risk.add(
                str(t.risk.new_id()), one(pools.RISKS),
                "root" if rand() < 0.4 else "surface", str(need_id),
            )  # fmt: skip
    if rand() < 0.6:
        _mapping(m, s, created)
    s.score = between(1, 5)
    _scale(m, s, created, recorded_by=s.worker)
    if s.children and rand() < 0.4:
        _child_voice(m, s, created)
    if "intervention" in s.route:
        _plan(m, s, assessment_id, "approved", created, s.starts["intervention"])
    elif status == "approved" and s.phase == "assessment" and rand() < 0.6:
        _plan(m, s, assessment_id, one(("draft", "submitted")), decided_ago, finish)


def _mapping(m: CaseMaker, s: CaseStory, held: int) -> None:
    one, rand = m.one, m.rand
    t = m.t
    mapping_id = t.mapping.new_id()
    t.mapping.add(
        str(mapping_id), "1", m.clock.day(held), "The family, grandmother and the worker.",
        m.clock.at(held, s.minute), str(s.worker), str(s.id),
    )  # fmt: skip
    entries = [("worries", "danger"), ("working_well", "strength"), ("next", "safety_goal")]
    if rand() < 0.5:
        entries.append(("worries", "past_harm"))
    if rand() < 0.5:
        entries.append(("working_well", "existing_safety"))
    if rand() < 0.3:
        entries.append(("next", "next_step"))
    for column, kind in entries:
        entry_id = t.mapping_entry.new_id()
        voice = "family" if rand() < 0.4 else "worker"
        t.mapping_entry.add(
            str(entry_id), column, kind, one(pools.MAPPING_ENTRIES[kind]), voice,
            "mother" if voice == "family" else "", str(mapping_id),
        )  # fmt: skip
        if kind == "danger":
            s.danger_ids.append(entry_id)
        elif kind == "safety_goal":
            s.safety_goal_ids.append(entry_id)


def _scale(m: CaseMaker, s: CaseStory, ago: int, *, recorded_by: int) -> None:
    """The worker's answer to the scaling question (and sometimes a caregiver's)."""
    one, between, rand = m.one, m.between, m.rand
    t = m.t
    day = m.clock.day(ago)
    when = m.clock.at(ago, s.minute)
    t.scale.add(
        str(t.scale.new_id()), str(s.score), "worker", "", day, one(pools.SCORE_REASONS),
        when, str(s.id), str(s.worker), NULL, str(recorded_by),
    )  # fmt: skip
    if s.caregivers and rand() < 0.25:
        family_score = max(0, min(10, s.score + between(-1, 2)))
        t.scale.add(
            str(t.scale.new_id()), str(family_score), "family", "", day,
            "We feel safer than before.", when, str(s.id), NULL, str(s.caregivers[0].id),
            str(recorded_by),
        )  # fmt: skip


def _child_voice(m: CaseMaker, s: CaseStory, ago: int) -> None:
    one = m.one
    child = s.children[0]
    age = (child.age_days - ago) // 365
    if age < 5:
        return
    voice = pools.CHILD_VOICE
    m.t.child_voice.add(
        str(m.t.child_voice.new_id()), "1", m.clock.day(ago), one(voice["worries"]),
        one(voice["good_things"]), one(voice["wishes"]),
        one(voice["safe_means"]), one(voice["safety_network"]), "the worker",
        str(age), "", m.clock.at(ago, s.minute), str(s.worker), str(s.id), str(child.id),
    )  # fmt: skip


def _plan(
    m: CaseMaker, s: CaseStory, assessment_id: int, status: str, created: int, decided: int
) -> None:
    one, between = m.one, m.between
    clock = m.clock
    t = m.t
    plan_id = t.plan.new_id()
    created = (created + decided) // 2
    t.plan.add(
        str(plan_id), "1", "1", status, "Agreed with both parents at home.",
        clock.at(created, s.minute), clock.at(decided, s.minute) if status != "draft" else NULL,
        clock.at(decided, s.minute + 5) if status == "approved" else NULL, str(assessment_id),
        str(s.worker), str(s.id),
    )  # fmt: skip
    if status == "approved":
        t.decision.add(
            str(t.decision.new_id()), "approved", "", clock.at(decided, s.minute + 5), NULL,
            str(s.supervisor), str(plan_id),
        )  # fmt: skip
    later = s.route[-1] in ("follow_up", "closed")
    for _ in range(between(1, 2)):
        goal_id = t.goal.new_id()
        s.goal_ids.append(goal_id)
        t.goal.add(str(goal_id), one(pools.GOALS), str(plan_id))
        if s.need_ids:
            t.goal_needs.link(goal_id, one(s.need_ids))
        for _ in range(between(1, 2)):
            who, who_name = one(pools.ACTION_WHO)
            if status != "approved":
                action_status = "todo"
            elif later:
                action_status = one(("done", "done", "done", "doing", "dropped", "todo"))
            else:
                action_status = one(("done", "doing", "doing", "todo"))
            t.action.add(
                str(t.action.new_id()), "1", one(pools.ACTIONS), who, who_name,
                clock.day(decided - between(14, 120)), action_status, "", str(goal_id),
            )  # fmt: skip


# --- Intervention: the safety network, the safety plan, support delivered ----------------------


def _safety(m: CaseMaker, s: CaseStory) -> None:
    one, between, rand = m.one, m.between, m.rand
    clock = m.clock
    t = m.t
    start = s.starts["intervention"]
    members: list[int] = []
    for index in range(between(2, 3)):
        member_id = t.network.new_id()
        members.append(member_id)
        person = NULL
        if index == 0 and len(s.caregivers) > 1 and rand() < 0.3:
            carer = s.caregivers[-1]
            name, relationship, person = carer.latin or carer.km, carer.relationship, str(carer.id)
        else:
            given, _ = one(pools.GIVEN_FEMALE + pools.GIVEN_MALE)
            family, _ = one(pools.FAMILY_NAMES)
            name, relationship = f"{given} {family}", one(pools.NETWORK_RELATIONSHIPS)
        joined = max(start - between(0, 10), 0)
        t.network.add(
            str(member_id), "1", name, relationship,
            f"000 {int(rand() * 1000):03d} {int(rand() * 1000):03d}",
            "Knows about the drinking and the nights alone.", one(pools.NETWORK_AGREED),
            clock.day(joined), NULL, "", "", clock.at(joined, s.minute), str(s.worker),
            str(s.id), person,
        )  # fmt: skip
    versions = ["agreed"]
    if rand() < 0.12:
        versions = ["superseded", "agreed"] if s.end or rand() < 0.6 else ["agreed", "draft"]
    finish = s.phase_end("intervention")
    for number, status in enumerate(versions, start=1):
        made = max(start - 3, finish) if number == 1 else finish + (start - finish) // 2
        plan_id = t.safety_plan.new_id()
        t.safety_plan.add(
            str(plan_id), "1", str(number), status, "km", one(pools.FOR_THE_CHILDREN),
            clock.day(made) if status != "draft" else NULL, clock.at(made, s.minute),
            str(s.worker), str(s.id),
        )  # fmt: skip
        if status == "draft":
            continue
        for carer in s.caregivers[:2]:
            t.safety_people.link(plan_id, carer.id)
        for member_id in members:
            t.safety_network.link(plan_id, member_id)
        for _ in range(between(2, 3)):
            roll = rand()
            member = str(one(members)) if roll < 0.6 else NULL
            person = str(s.caregivers[0].id) if 0.6 <= roll < 0.85 and s.caregivers else NULL
            linked = rand() < 0.5
            danger = str(s.danger_ids[0]) if linked and s.danger_ids else NULL
            goal = str(s.safety_goal_ids[0]) if linked and s.safety_goal_ids else NULL
            t.rule.add(
                str(t.rule.new_id()), one(pools.RULES), one(pools.HOW_KNOWN),
                one(pools.IF_NOT_KEPT), danger, str(plan_id), member, person, goal,
            )  # fmt: skip
    for _ in range(one((0, 1, 1, 2))):
        kind = one(tuple(pools.INTERVENTIONS))
        amount, currency = NULL, ""
        if kind == "cash_grant":
            amount, currency = f"{between(5, 30) * 10}.00", "USD"
        elif kind == "in_kind_grant" and rand() < 0.5:
            amount, currency = f"{between(2, 10) * 100000}.00", "KHR"
        started = start - between(0, 60)
        ended = NULL
        if started - 30 > 0 and rand() < 0.5:
            ended = clock.day(started - 30)
        t.intervention.add(
            str(t.intervention.new_id()), "1", kind, one(pools.INTERVENTIONS[kind]),
            amount, currency, "", clock.day(max(started, 0)), ended, "",
            clock.at(max(started, 0), s.minute), str(s.id), str(s.worker),
        )  # fmt: skip


# --- Reviews ------------------------------------------------------------------------------------


def _chair(m: CaseMaker, s: CaseStory) -> int:
    """Someone independent of the case: a supervisor or senior worker of another team."""
    chairs = m.world.chairs
    while True:
        user_id, team_index = chairs[int(m.rand() * len(chairs))]
        if team_index != s.team.index:
            return user_id


def _reviews(m: CaseMaker, s: CaseStory) -> None:
    """Reviews at the policy's intervals from the start of intervention: signed ones, then the
    one open review (some due soon, some overdue), or the signed review that closed the case."""
    one, between, rand = m.one, m.between, m.rand
    clock = m.clock
    t = m.t
    closing = s.phase == "closed"
    stop = s.end if closing else 1  # the last day a review can have been held
    scheduled_from = s.starts["intervention"]
    scheduled_by = s.worker  # the first review follows the plan's start
    step = 0
    last_review = None
    while True:
        due = scheduled_from - interval(s.risk, step)
        review_id = t.review.new_id()
        held: int | None = min(scheduled_from - 1, max(stop, due + between(-5, 3)))
        if closing:
            # Reviews until the one that decided to close, on the day the case closed.
            if due <= stop:
                held = stop
            decision = "close" if held == stop else _decision(m)
        else:
            decision = _decision(m)
            if due < stop or held is None or held < stop:
                held = None  # due today or later: the open review
            elif rand() > (0.97 if due > 60 else 0.85):
                held = None  # never held: overdue
        if held is None:
            _open_review(m, s, review_id, step, due, scheduled_from, scheduled_by)
            return
        chair = _chair(m, s)
        when = clock.at(held, s.minute)
        t.review.add(
            str(review_id), "3", str(step), clock.day(due), "signed", "", "", clock.day(held),
            "Family home", one(pools.REVIEW_VIEWS["child"]),
            one(pools.REVIEW_VIEWS["family"]), one(pools.REVIEW_VIEWS["network"]),
            one(pools.REVIEW_VIEWS["professional"]), decision,
            one(pools.DECISION_REASONS), NULL, "", clock.at(held, s.minute + 60), "",
            clock.at(scheduled_from, s.minute), str(s.id), str(chair), str(scheduled_by),
            str(chair),
        )  # fmt: skip
        _review_content(m, s, review_id, closing=decision == "close")
        _scale(m, s, held, recorded_by=chair)
        last_review = review_id
        if decision == "close":
            _closure(m, s, last_review, when)
            return
        step = 0 if decision == "escalate" else step + 1
        scheduled_from = held
        scheduled_by = chair


def _decision(m: CaseMaker) -> str:
    return m.one(DECISIONS)


def _review_content(m: CaseMaker, s: CaseStory, review_id: int, *, closing: bool) -> None:
    one, between, rand = m.one, m.between, m.rand
    t = m.t
    review = str(review_id)
    if closing:
        s.score = max(s.score, 7 + between(0, 2))
    else:
        s.score = max(0, min(10, s.score + one((-1, 0, 1, 1, 2))))
    for carer in s.caregivers[:1]:
        t.participant.add(
            str(t.participant.new_id()), "family", "", "", "present", "", NULL, str(carer.id),
            review,
        )  # fmt: skip
    for child in s.children[:1] if rand() < 0.6 else ():
        t.participant.add(
            str(t.participant.new_id()), "child", "", "",
            one(("present", "separately", "tool")), "", NULL, str(child.id), review,
        )  # fmt: skip
    if rand() < 0.2:
        t.participant.add(
            str(t.participant.new_id()), "professional", "Class teacher", "Primary school",
            "present", "", NULL, NULL, review,
        )  # fmt: skip
    t.review_score.add(
        str(t.review_score.new_id()), "worker", "", str(s.score), one(pools.SCORE_REASONS),
        str(s.worker), NULL, review,
    )  # fmt: skip
    for goal_id in s.goal_ids:
        t.goal_progress.add(
            str(t.goal_progress.new_id()), one(("some", "some", "achieved", "none")), "",
            str(goal_id), review,
        )  # fmt: skip


def _closure(m: CaseMaker, s: CaseStory, review_id: int, when: str) -> None:
    one, rand = m.one, m.rand
    clock = m.clock
    follow_up = s.end - 90
    done = NULL
    if follow_up > 0 and rand() < 0.8:
        done = clock.at(follow_up, s.minute)
    m.t.closure.add(
        str(m.t.closure.new_id()), TRUE, TRUE if rand() < 0.8 else FALSE,
        TRUE if rand() < 0.7 else FALSE, one(pools.CLOSURE_OUTCOMES),
        clock.day(follow_up), str(s.score), "", json_text(s.concern_codes), when, done,
        str(s.id), str(s.supervisor), str(review_id),
    )  # fmt: skip


def _open_review(
    m: CaseMaker,
    s: CaseStory,
    review_id: int,
    step: int,
    due: int,
    scheduled_from: int,
    scheduled_by: int,
) -> None:
    """The case's one scheduled review, its chair if chosen, and the reminders already sent."""
    rand = m.rand
    clock = m.clock
    t = m.t
    chair = None
    if rand() < (0.85 if due > -14 else 0.5):
        chair = _chair(m, s)
    s.chair = chair
    t.review.add(
        str(review_id), "2" if chair else "1", str(step), clock.day(due), "scheduled", "", "",
        NULL, "", "", "", "", "", "", "", NULL, "", NULL, "", clock.at(scheduled_from, s.minute),
        str(s.id), str(chair) if chair else NULL, str(scheduled_by), NULL,
    )  # fmt: skip
    if chair:
        asked = max(scheduled_from - 2, 0)
        t.notification.add(
            str(t.notification.new_id()), "chair", clock.day(due), clock.at(asked, s.minute),
            clock.at(asked, s.minute + 30) if rand() < 0.6 else NULL, str(s.id),
            str(chair), str(review_id),
        )  # fmt: skip
    # Reminders every earlier daily sweep would have sent (the sweep on as_of sends the rest).
    for kind, (low, high) in WINDOWS.items():
        first = scheduled_from if high is None else min(scheduled_from, due + high)
        if first < 1 or (low is not None and first < due + low):
            continue
        reminder_id = t.reminder.new_id()
        claimed = clock.at(first, 0)
        sent = clock.at(first, 1)
        t.reminder.add(
            str(reminder_id), str(kind), clock.day(due), claimed, NULL, "1", sent, FALSE,
            str(review_id),
        )  # fmt: skip
        people = list(s.team.supervisors) if kind in OVERDUE else [s.worker]
        if kind not in OVERDUE and chair:
            people.append(chair)
        for user_id in people:
            t.delivery.add(
                str(t.delivery.new_id()), sent,
                f"<review-reminder-{reminder_id}-{user_id}@{MESSAGE_DOMAIN}>", str(user_id),
                str(reminder_id),
            )  # fmt: skip
            t.notification.add(
                str(t.notification.new_id()), str(kind), clock.day(due), sent,
                clock.at(first, 300) if rand() < 0.5 else NULL, str(s.id), str(user_id),
                str(review_id),
            )  # fmt: skip


# --- Referrals to services ------------------------------------------------------------------------


def _referral(m: CaseMaker, s: CaseStory) -> None:
    """A referral sent to a service of the directory, under the family's consent."""
    one, between, rand = m.one, m.between, m.rand
    clock = m.clock
    t = m.t
    if not s.caregivers or not s.children:
        return
    service = one(m.world.services)
    fields = default_fields(service.kind_code)
    start = s.starts["intervention"]
    sent_ago = start - between(0, max(0, (start - max(s.end, 1)) // 2))
    carer = s.caregivers[0]
    child = s.children[0]
    consent_id = t.consent.new_id()
    t.consent.add(
        str(consent_id), "caregiver", NULL, "", json_text(fields),
        one(pools.CONSENT_PURPOSES), clock.day(sent_ago + 1),
        clock.day(sent_ago - 364) if rand() < 0.5 else NULL,
        one(pools.HOW_EXPLAINED), clock.at(sent_ago + 1, s.minute), NULL, "", str(s.id),
        str(carer.id), str(s.worker), NULL, NULL,
    )  # fmt: skip
    t.consent_services.link(consent_id, service.id)
    t.consent_kinds.link(consent_id, service.kind_id)
    need = one(pools.REFERRAL_NEEDS)
    staff = m.world.staff[s.worker]
    status = one(("sent", "acknowledged", "accepted", "accepted", "completed", "declined"))
    gap = max(1, (sent_ago - max(s.end, 0)) // 4)
    reached = {"sent": 0, "acknowledged": 1, "accepted": 2, "declined": 2, "completed": 3}[status]
    stamps = {"sent": sent_ago}
    ago = sent_ago
    for index, name in enumerate(("acknowledged", "decided", "completed"), start=1):
        if reached >= index:
            ago = max(ago - gap, 0)
            stamps[name] = ago

    def when(name: str) -> str:
        return clock.at(stamps[name], s.minute + 20) if name in stamps else NULL

    referral_id = t.referral.new_id()
    t.referral.add(
        str(referral_id), str(len(stamps) + 1), need, json_text(fields),
        json_text(_snapshot(m, s, fields, need, sent_ago)),
        json_text({"agency": AGENCY_NAME, "name": staff.name, "phone": staff.phone}),
        "", "", status, "We have no places this month." if status == "declined" else "",
        "The family received the support." if status == "completed" else "",
        clock.day(sent_ago - 30), clock.at(sent_ago, s.minute), when("sent"),
        when("acknowledged"), when("decided"), when("completed"), NULL, "", str(s.id),
        str(consent_id), str(s.worker), str(service.kind_id), NULL, str(s.worker),
        str(service.id),
    )  # fmt: skip
    t.referral_children.link(referral_id, child.id)
    m.audit(
        s,
        actor=s.worker,
        event="share",
        action=AuditEvent.Action.ACCESS,
        when=clock.at(sent_ago, s.minute + 20),
        content_type=m.refs.referral_type,
        object_id=referral_id,
        object_repr="Referral to a service",
    )


def _snapshot(
    m: CaseMaker, s: CaseStory, fields: list[str], need: str, ago: int
) -> dict[str, object]:
    """What referrals.sharing.snapshot would have recorded for these fields and the child."""
    child = s.children[0]
    values: dict[str, object] = {
        "names": {"km": child.km, "latin": child.latin},
        "age": (child.age_days - ago) // 365,
        "date_of_birth": m.clock.day(child.age_days),
        "sex": child.sex,
        "school": child.school,
        "disability": "",
    }
    data: dict[str, object] = {}
    per_child = {code: values[code] for code in fields if code in values}
    if per_child:
        data["children"] = [per_child]
    general: dict[str, object] = {
        "village": {"name": s.village_name, "name_km": "", "commune": "", "district": "",
                    "province": ""},
        "caregivers": [
            {"km": carer.km, "latin": carer.latin, "relationship": carer.relationship}
            for carer in s.caregivers
        ],
        "phone": s.family_phone,
        "concerns": [{"code": code, "name": code, "name_km": ""} for code in s.concern_codes],
        "need": need,
        "background": "",
    }  # fmt: skip
    for code in fields:
        if code in general:
            data[code] = general[code]
    return data
