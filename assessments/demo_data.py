"""The demo's assessments, mappings, scale scores, children's voices and plans, case by case.

Every name and story here is invented, and each case follows its family's story in
`casework.demo_data` (its visits, its phases). `assessments.demo` writes them through the
services. Dates are days before the day the demo is loaded; due dates of open actions may lie
ahead, as they do in a real plan.

Who is who: a family member or a child is named by the Latin given name casework's demo gave
them; a worker or a supervisor by their demo login; a network member or another professional
by a plain description.
"""

from __future__ import annotations

from dataclasses import dataclass

from casework.models import Case

from .models import Action, Approval, MappingEntry, NeedEntry, Risk, Voice

PHASE = Case.Phase
MET = NeedEntry.Met.MET
PARTLY = NeedEntry.Met.PARTLY
UNMET = NeedEntry.Met.UNMET
SURFACE = Risk.Kind.SURFACE
ROOT = Risk.Kind.ROOT
WHO = Action.Who
DONE = Action.Status.DONE
DOING = Action.Status.DOING
TODO = Action.Status.TODO
DROPPED = Action.Status.DROPPED
K = MappingEntry.Kind


@dataclass(frozen=True)
class DemoNeed:
    domain: str  # a NeedDomain code
    need: str
    met: str
    strengths: str = ""
    analysis: str = ""
    risks: tuple[tuple[str, str], ...] = ()  # (kind, description)


@dataclass(frozen=True)
class DemoAssessment:
    # draft, submitted (awaiting the supervisor), returned (with `comment`) or approved.
    status: str
    participants: str
    family_views: str
    summary: str
    needs: tuple[DemoNeed, ...]
    comment: str = ""  # the supervisor's comment on the decision


@dataclass(frozen=True)
class DemoEntry:
    column: str
    kind: str
    text: str
    voice: str
    voice_name: str = ""


def worry(kind: str, text: str, voice: str = Voice.WORKER, name: str = "") -> DemoEntry:
    return DemoEntry(MappingEntry.Column.WORRIES, kind, text, voice, name)


def working(kind: str, text: str, voice: str = Voice.WORKER, name: str = "") -> DemoEntry:
    return DemoEntry(MappingEntry.Column.WORKING_WELL, kind, text, voice, name)


def needed(kind: str, text: str, voice: str = Voice.WORKER, name: str = "") -> DemoEntry:
    return DemoEntry(MappingEntry.Column.NEXT, kind, text, voice, name)


@dataclass(frozen=True)
class DemoMapping:
    days_ago: int
    participants: str
    entries: tuple[DemoEntry, ...]


@dataclass(frozen=True)
class DemoScore:
    days_ago: int
    voice: str
    who: str  # Latin given name (family, child), demo login (worker, supervisor) or a name
    score: int
    reason: str


@dataclass(frozen=True)
class DemoChildVoice:
    child: str  # Latin given name of one of the case's children
    days_ago: int
    worries: str
    good_things: str
    wishes: str
    safe_means: str = ""
    safety_network: str = ""
    helped_by: str = ""


@dataclass(frozen=True)
class DemoAction:
    what: str
    who: str
    who_name: str = ""
    due_in_days: int | None = None  # negative: already past
    # Where the action stands today: written as "not started", then ticked off on visits
    # (action_progress) once the plan is approved.
    status: str = TODO
    outcome: str = ""


@dataclass(frozen=True)
class DemoGoal:
    text: str
    needs: tuple[str, ...]  # domain codes of the needs it answers
    actions: tuple[DemoAction, ...]


@dataclass(frozen=True)
class DemoPlan:
    status: str  # draft, submitted or approved
    family_agreement: str
    goals: tuple[DemoGoal, ...]
    comment: str = ""


@dataclass(frozen=True)
class DemoCaseWork:
    family_name: str
    phase: str  # the phase casework's demo leaves the case in; otherwise nothing is written
    assessment: DemoAssessment | None = None
    mappings: tuple[DemoMapping, ...] = ()
    scores: tuple[DemoScore, ...] = ()
    voices: tuple[DemoChildVoice, ...] = ()
    plans: tuple[DemoPlan, ...] = ()  # successive versions, oldest first
    # Who wrote the assessment and the plan: the case's worker unless said otherwise.
    author: str | None = None
    # A closed case's records were written before it closed, in this phase.
    worked_in: str | None = None


def scores(*rows: tuple[int, str, str, int, str]) -> tuple[DemoScore, ...]:
    return tuple(DemoScore(*row) for row in rows)


W, F, C, S, N = Voice.WORKER, Voice.FAMILY, Voice.CHILD, Voice.SUPERVISOR, Voice.NETWORK


DEMO_CASEWORK: tuple[DemoCaseWork, ...] = (
    # --- Intake ------------------------------------------------------------------------------
    DemoCaseWork(
        family_name="Chan (ចាន់)",
        phase=PHASE.INTAKE,
        assessment=DemoAssessment(
            status=Approval.DRAFT,
            participants="Mother (Sreymom), Pisey and Sovann; father away at the harvest.",
            family_views=(
                "Mother: We need her with the cows while we are at the field. After the "
                "harvest they will go back to school."
            ),
            summary="First notes from the home visit; to finish with the father after harvest.",
            needs=(
                DemoNeed(
                    "education",
                    "Pisey and Sovann need to learn every day, and Pisey to catch up in maths.",
                    UNMET,
                    strengths=(
                        "Pisey likes school and her teacher; the school books are kept on a "
                        "shelf; the mother will talk to the teacher."
                    ),
                    risks=(
                        (SURFACE, "Both children have missed most of the month."),
                        (ROOT, "At harvest nobody else can mind the cows and the little one."),
                    ),
                ),
                DemoNeed(
                    "income",
                    "The family needs enough hands at harvest without the children's days.",
                    PARTLY,
                    strengths="Two cows and a cassava field; both parents work.",
                    risks=((ROOT, "Harvest work is paid by the day; every pair of hands counts."),),
                ),
            ),
        ),
    ),
    # Long (ឡុង) is at intake with nothing written yet: the first home visit was three days ago.
    # --- Assessment and planning -------------------------------------------------------------
    DemoCaseWork(
        family_name="Keo (កែវ)",
        phase=PHASE.ASSESSMENT,
        assessment=DemoAssessment(
            status=Approval.SUBMITTED,
            participants=(
                "Grandmother (Sokhom), Dara, Sreypich and Vanna; the children's mother by "
                "phone from Rayong."
            ),
            family_views=(
                "Grandmother: The money from their parents does not come every month. Dara is "
                "a good boy, he does the heavy work. Mother (by phone): I did not know Dara had "
                "left school. He must go back."
            ),
            summary=(
                "Dara did not leave school because he does not want to learn: the household "
                "had no steady income and his grandmother is not well enough for the heavy "
                "work. Those are the root causes, and both are improving: the money now comes "
                "on the 5th and she has medicine. The children are loved and the house is sound."
            ),
            needs=(
                DemoNeed(
                    "education",
                    "Dara needs to go back to learning, with his friends, at the grade he left.",
                    UNMET,
                    strengths="Dara wants to go back; Sreypich is in school.",
                    risks=(
                        (SURFACE, "Dara left school in grade 5; he cooks and fetches water."),
                        (ROOT, "Without a steady income, Dara's work replaces help they lack."),
                    ),
                ),
                DemoNeed(
                    "health",
                    "The children need a carer who is well enough to look after them.",
                    PARTLY,
                    strengths="Grandmother has medicine from the health centre and sleeps better.",
                    risks=((ROOT, "Grandmother (63) is unwell and the only adult at home."),),
                ),
                DemoNeed(
                    "income",
                    "The household needs a steady amount each month for food and school.",
                    PARTLY,
                    strengths="The mother now sends money on the 5th through the village shop.",
                    risks=((ROOT, "Money from Thailand came irregularly."),),
                ),
                DemoNeed(
                    "family_relationships",
                    "The children need to stay close to their parents while they work away.",
                    MET,
                    strengths="Regular phone calls; the children and their grandmother are close.",
                ),
            ),
        ),
        mappings=(
            DemoMapping(
                16,
                "Grandmother, Dara and Sreypich; the mother by phone.",
                (
                    worry(K.PAST_HARM, "Dara left school in grade 5 to do the heavy work."),
                    worry(K.COMPLICATING, "Grandmother's health; she is the only adult at home."),
                    worry(
                        K.DANGER,
                        "If the money stops again or grandmother falls ill, Dara stays out of "
                        "school for good and the little ones have nobody to care for them.",
                    ),
                    working(
                        K.STRENGTH,
                        "Grandmother loves the children and keeps a sound, clean house.",
                    ),
                    working(
                        K.EXISTING_SAFETY,
                        "The neighbour and the village chief look in every few days.",
                        N,
                        "village chief",
                    ),
                    working(K.STRENGTH, "The money now comes on a fixed day.", F, "mother"),
                    needed(
                        K.SAFETY_GOAL,
                        "Dara is back in school next term and an adult is always well enough "
                        "to care for the children.",
                    ),
                    needed(K.NEXT_STEP, "Talk with the school director about grade 5."),
                ),
            ),
        ),
        scores=scores(
            (30, W, "worker", 4, "A loving home, but no steady money and grandmother unwell."),
            (16, F, "Sokhom", 5, "The money is coming now. My cough is still bad."),
            (16, C, "Dara", 4, "I want to go to school, but who will help Grandma?"),
            (2, F, "Sokhom", 6, "It is easier this month. I sleep better."),
            (2, W, "worker", 6, "Medicine and a fixed day for the money; Dara still at home."),
        ),
        voices=(
            DemoChildVoice(
                "Dara",
                30,
                worries="Grandma coughs at night. Who carries the water if I go to school?",
                good_things="My sister and brother. Grandma's fish soup. Football at the pagoda.",
                wishes="Go back to school and be a teacher. Mama and Papa home for New Year.",
                safe_means="Grandma is not sick and there is rice in the pot.",
                safety_network="Grandma, our neighbour, the village chief.",
                helped_by="the social worker",
            ),
        ),
    ),
    DemoCaseWork(
        family_name="Tep (ទេព)",
        phase=PHASE.ASSESSMENT,
        assessment=DemoAssessment(
            status=Approval.RETURNED,
            participants="Mother (Sreyleak), grandmother (Nary), Makara and Thida.",
            family_views=(
                "Mother: I am tired. My husband sends money when he can. My mother helps in "
                "the mornings. The nurse showed me how to make thicker rice porridge."
            ),
            summary=(
                "A young mother caring alone for two small children since her husband left "
                "for a construction site. Thida is small but alert and gaining; the mother "
                "learns fast. The worry is exhaustion and thin, irregular money, not neglect."
            ),
            needs=(
                DemoNeed(
                    "nutrition",
                    "Thida needs enough of the right food to grow.",
                    UNMET,
                    strengths="Feeding well; the mother joined the mothers' group.",
                    risks=(
                        (SURFACE, "Thida weighs below the line for her age."),
                        (ROOT, "Food money runs short before the husband's next transfer."),
                    ),
                ),
                DemoNeed(
                    "health",
                    "Both children need their vaccinations and regular weighing.",
                    PARTLY,
                    strengths="Weighing and vaccinations booked; mosquito net; clean water jar.",
                ),
                DemoNeed(
                    "family_relationships",
                    "The children need a mother rested enough to care for them.",
                    PARTLY,
                    risks=((ROOT, "The mother is 19 and alone with two small children."),),
                ),
            ),
            comment=(
                "A good start. Before I approve: add the household income, which you agreed "
                "to look at on the last visit, and what the grandmother does, as a strength "
                "under family relationships."
            ),
        ),
        mappings=(
            DemoMapping(
                4,
                "Mother and grandmother; Makara and Thida present.",
                (
                    worry(K.COMPLICATING, "Thida is below the line for her weight."),
                    worry(
                        K.DANGER,
                        "If the mother stays this tired and alone, Thida may not get enough "
                        "food to grow.",
                    ),
                    working(
                        K.EXISTING_SAFETY,
                        "Grandmother comes every morning, and now in the afternoons too.",
                        F,
                        "grandmother",
                    ),
                    working(
                        K.STRENGTH,
                        "The mother joined the mothers' group and learns quickly.",
                        Voice.PROFESSIONAL,
                        "health centre nurse",
                    ),
                    needed(K.NEXT_STEP, "Weekly weighing at the health centre for a month."),
                    needed(
                        K.SAFETY_GOAL,
                        "Thida gains weight month by month and the mother has help every day.",
                    ),
                ),
            ),
        ),
        scores=scores(
            (14, W, "colleague", 5, "Clean, loving home; a tired mother and a small baby."),
            (14, F, "Sreyleak", 5, "I am tired, but my mother helps."),
            (4, F, "Sreyleak", 6, "Thida is gaining. The nurse is kind."),
            (4, F, "Nary", 7, "My daughter is a good mother. She needs rest."),
            (4, W, "colleague", 6, "Gaining weight and help every day."),
        ),
    ),
    DemoCaseWork(
        family_name="Yin (យិន)",
        phase=PHASE.ASSESSMENT,
        assessment=DemoAssessment(
            status=Approval.APPROVED,
            participants=(
                "Mother (Sopheap), stepfather (Sokhon), Veasna (brought by her aunt), Ratanak."
            ),
            family_views=(
                "Mother: I tell him not to, but he says she is lazy. I am afraid he will leave "
                "us. Stepfather: I will not use the stick again. Tell me another way to make "
                "her help."
            ),
            summary=(
                "Veasna was beaten with a stick over chores. The stepfather admits it and says "
                "it is how he was raised: the root is the belief that beating teaches, and the "
                "mother's fear of being left. Strengths: Veasna speaks up to adults she trusts, "
                "her aunt has taken her in, and the stepfather asked to learn another way."
            ),
            needs=(
                DemoNeed(
                    "safety",
                    "Veasna needs to be safe from being hit, at home and anywhere.",
                    UNMET,
                    strengths=(
                        "She tells her teacher and goes to the pagoda when afraid; her aunt "
                        "keeps her safe; the stepfather admitted it and listened."
                    ),
                    risks=(
                        (SURFACE, "Marks from a stick on the back of her legs."),
                        (ROOT, "The stepfather believes beating is how children learn."),
                    ),
                ),
                DemoNeed(
                    "family_relationships",
                    "Veasna needs to live at home with adults who guide her without violence.",
                    UNMET,
                    strengths="Her mother wants her home; the stepfather joined the group.",
                    risks=((ROOT, "The mother fears he will leave and does not stand up to him."),),
                ),
                DemoNeed(
                    "education",
                    "Veasna needs to keep learning.",
                    MET,
                    strengths="In school every day; she trusts her teacher.",
                ),
                DemoNeed(
                    "emotional_wellbeing",
                    "Veasna needs to know that the adults around her listen to her.",
                    PARTLY,
                    strengths="She says what she wants: home, with a promise made in front of us.",
                ),
            ),
            comment="Approved. Keep Veasna's own condition for coming home at the plan's centre.",
        ),
        mappings=(
            DemoMapping(
                12,
                "Mother, stepfather, Veasna with her aunt, and the worker.",
                (
                    worry(K.PAST_HARM, "Veasna was beaten with a stick when chores were not done."),
                    worry(
                        K.DANGER,
                        "If nothing changes, Veasna will be hit again when her stepfather is "
                        "angry about chores.",
                    ),
                    worry(K.COMPLICATING, "Afraid he will leave the family.", F, "mother"),
                    working(
                        K.STRENGTH,
                        "I tell my teacher, and I go to the pagoda when I am scared.",
                        C,
                        "Veasna",
                    ),
                    working(
                        K.EXISTING_SAFETY,
                        "Veasna stays with me for now.",
                        N,
                        "aunt (mother's sister)",
                    ),
                    working(
                        K.STRENGTH,
                        "He admitted it and asked to learn another way.",
                        F,
                        "stepfather",
                    ),
                    needed(
                        K.SAFETY_GOAL,
                        "Veasna lives at home and nobody hits her; chores are agreed together.",
                    ),
                    needed(K.NEXT_STEP, "Join the commune parenting group.", F, "stepfather"),
                ),
            ),
        ),
        scores=scores(
            (21, W, "outsider", 2, "Fresh marks; the stepfather not yet met."),
            (21, C, "Veasna", 2, "When he is angry I go to the pagoda."),
            (12, F, "Sopheap", 4, "He listened today. I want my daughter home."),
            (12, C, "Veasna", 4, "He promised. I want to see him keep it."),
            (12, W, "outsider", 4, "He admits it and wants help; Veasna is safe at her aunt's."),
            (12, S, "chair", 3, "Too early: her safety rests on the aunt until the plan holds."),
        ),
        voices=(
            DemoChildVoice(
                "Veasna",
                12,
                worries="The stick. When my chores are not finished before he comes home.",
                good_things="My aunt's house. My teacher. The pagoda garden.",
                wishes="Come home and be a family. Finish school and become a nurse.",
                safe_means="Nobody hits me, and I can tell Mama when something is wrong.",
                safety_network="My aunt, my teacher, the monk at the pagoda.",
                helped_by="the social worker, at her aunt's house",
            ),
        ),
        plans=(
            DemoPlan(
                status=Approval.SUBMITTED,
                family_agreement=(
                    "Written with the mother, the stepfather, Veasna and her aunt. Veasna asked "
                    "that her stepfather promise in front of the worker; he did."
                ),
                goals=(
                    DemoGoal(
                        "Veasna is safe at home: nobody hits her.",
                        ("safety", "emotional_wellbeing"),
                        (
                            DemoAction(
                                "Promise, in front of Veasna and the worker, never to hit her.",
                                WHO.FAMILY,
                                "stepfather",
                                3,
                            ),
                            DemoAction(
                                "Visit every week once Veasna is home, and see her alone.",
                                WHO.WORKER,
                                due_in_days=10,
                            ),
                        ),
                    ),
                    DemoGoal(
                        "The family agrees the chores and settles them without violence.",
                        ("family_relationships",),
                        (
                            DemoAction(
                                "Go to the commune parenting group every week.",
                                WHO.FAMILY,
                                "stepfather",
                                30,
                            ),
                            DemoAction(
                                "Write the chores list together and put it on the wall.",
                                WHO.FAMILY,
                                "mother, stepfather and Veasna",
                                7,
                            ),
                        ),
                    ),
                ),
            ),
        ),
    ),
    # --- Intervention -------------------------------------------------------------------------
    DemoCaseWork(
        family_name="Heng (ហេង)",
        phase=PHASE.INTERVENTION,
        assessment=DemoAssessment(
            status=Approval.APPROVED,
            participants=(
                "Mother (Chantha), father (Samnang, sober), Socheata and Piseth; aunt Kanha "
                "seen on her own."
            ),
            family_views=(
                "Mother: When he drinks he shouts and breaks things. He has never hit the "
                "children. Sober, he is a good father. Father: I do not want my children to be "
                "afraid of me. I will stop."
            ),
            summary=(
                "The children are frightened at night by their father's drinking and by his "
                "violence towards their mother. The surface signs are the bruise and the broken "
                "things; the root is payday drinking with co-workers. The family already has "
                "real safety: aunt Kanha next door keeps her door open, Socheata knows to take "
                "Piseth there, and the father is caring when sober and wants to change."
            ),
            needs=(
                DemoNeed(
                    "safety",
                    "Socheata and Piseth need to be safe at night and not see their mother hurt.",
                    UNMET,
                    strengths=(
                        "Aunt Kanha next door keeps her door open; Socheata takes Piseth there; "
                        "the father has never hit the children."
                    ),
                    risks=(
                        (SURFACE, "A bruise on the mother's arm; things broken at night."),
                        (ROOT, "The father drinks with his co-workers on payday."),
                    ),
                ),
                DemoNeed(
                    "emotional_wellbeing",
                    "The children need to sleep without fear and to talk about what they saw.",
                    UNMET,
                    strengths="The children are close to their mother and their aunt.",
                    risks=((SURFACE, "The children are quiet and keep close to their mother."),),
                ),
                DemoNeed(
                    "family_relationships",
                    "The children need parents who settle arguments without violence.",
                    PARTLY,
                    strengths="The father is caring when sober; both parents want change.",
                ),
                DemoNeed(
                    "education",
                    "The children need to keep learning.",
                    MET,
                    strengths="Both in school; Socheata's homework is done.",
                ),
            ),
            comment="Approved: the root cause is clear and the aunt's part is well described.",
        ),
        mappings=(
            DemoMapping(
                60,
                "Mother, Socheata and Piseth; aunt Kanha from next door.",
                (
                    worry(K.PAST_HARM, "The father hit the mother when drunk; she is bruised."),
                    worry(
                        K.DANGER,
                        "If the father keeps drinking, the children may be hurt, or see their "
                        "mother hurt again at night.",
                    ),
                    worry(K.COMPLICATING, "He drinks with his co-workers on payday.", F, "mother"),
                    working(K.EXISTING_SAFETY, "My door is open at night.", N, "aunt Kanha"),
                    working(
                        K.STRENGTH,
                        "When Papa is angry I take Piseth to Aunt Kanha's.",
                        C,
                        "Socheata",
                    ),
                    needed(K.SAFETY_GOAL, "The children sleep safely at home every night."),
                    needed(K.NEXT_STEP, "Meet the father when he is sober."),
                ),
            ),
            DemoMapping(
                20,
                "Mother, father, Socheata and Piseth; aunt Kanha seen separately.",
                (
                    worry(K.PAST_HARM, "Violence at night before the plan; none since."),
                    worry(K.COMPLICATING, "Payday is still the hardest day.", F, "father"),
                    working(
                        K.EXISTING_SAFETY,
                        "No trouble for five weeks; I would have heard.",
                        N,
                        "aunt Kanha",
                    ),
                    working(
                        K.STRENGTH,
                        "He has been to two group meetings and comes straight home after work.",
                        F,
                        "mother",
                    ),
                    working(K.STRENGTH, "I sleep in my own bed now.", C, "Socheata"),
                    needed(K.SAFETY_GOAL, "Payday passes without drinking, month after month."),
                    needed(K.NEXT_STEP, "The children draw their three houses next visit."),
                ),
            ),
        ),
        scores=scores(
            (60, W, "worker", 3, "Violence at night; the aunt's open door is the only safety."),
            (60, F, "Chantha", 4, "He has never hit the children, but they are afraid."),
            (60, C, "Socheata", 3, "I am scared he will hurt Mama."),
            (45, F, "Samnang", 5, "I do not want my children to be afraid of me."),
            (45, W, "worker", 4, "The father is sober and worried; a plan is agreed."),
            (45, S, "supervisor", 3, "Only days into the plan; the aunt still carries it."),
            (20, W, "worker", 6, "No incident for five weeks, confirmed by the aunt."),
            (20, F, "Chantha", 7, "It is quieter. He comes straight home after work."),
            (20, C, "Socheata", 6, "I sleep in my own bed now."),
            (20, S, "supervisor", 5, "Weekly contact until the third group meeting."),
            (6, W, "worker", 7, "The plan is on the wall and the family keeps it."),
            (6, F, "Chantha", 8, "He has not had a drink for five weeks."),
            (6, F, "Samnang", 8, "I go to the group. I want to see my son's school day."),
            (6, C, "Socheata", 8, "If it happens again I know what to do."),
            (6, C, "Piseth", 8, "Papa fixed my bicycle."),
            (6, S, "supervisor", 6, "A steady line; the next payday will tell us more."),
        ),
        voices=(
            DemoChildVoice(
                "Socheata",
                6,
                worries="The night of the broken pot. When Papa comes home late on payday.",
                good_things="School. Aunt Kanha's mango tree. Piseth makes me laugh.",
                wishes="Papa never drinks again. I want to be a doctor.",
                safe_means="Everyone sleeps at home and nobody shouts.",
                safety_network="Mama, Aunt Kanha, my teacher.",
                helped_by="the social worker",
            ),
            DemoChildVoice(
                "Piseth",
                6,
                worries="Loud noises at night.",
                good_things="My bicycle that Papa fixed. Mangoes.",
                wishes="Papa comes to my school day.",
                safe_means="Sleeping next to Mama.",
                safety_network="Mama and Aunt Kanha.",
                helped_by="the social worker and his sister",
            ),
        ),
        plans=(
            DemoPlan(
                status=Approval.APPROVED,
                family_agreement=(
                    "Agreed with both parents at home; aunt Kanha agreed her part. The children "
                    "helped draw the safety plan that hangs by the door."
                ),
                goals=(
                    DemoGoal(
                        "The children are safe at night, whatever happens.",
                        ("safety",),
                        (
                            DemoAction(
                                "If the father comes home drunk, go with the children to aunt "
                                "Kanha's.",
                                WHO.FAMILY,
                                "mother",
                                status=DOING,
                                outcome="Not needed since the second week.",
                            ),
                            DemoAction(
                                "Keep the door open at night and call the worker if needed.",
                                WHO.NETWORK,
                                "aunt Kanha",
                                status=DOING,
                                outcome="Door open every night.",
                            ),
                        ),
                    ),
                    DemoGoal(
                        "The father stops drinking, starting with none at home.",
                        ("safety", "family_relationships"),
                        (
                            DemoAction(
                                "Join the commune alcohol support group.",
                                WHO.FAMILY,
                                "father",
                                -40,
                                DONE,
                                "Joined; two meetings so far.",
                            ),
                            DemoAction(
                                "Payday money goes to the mother first.",
                                WHO.FAMILY,
                                "father and mother",
                                status=DOING,
                                outcome="Kept on the last two paydays.",
                            ),
                        ),
                    ),
                    DemoGoal(
                        "The children can talk about what they saw and sleep without fear.",
                        ("emotional_wellbeing",),
                        (
                            DemoAction(
                                "See each child alone on every visit.",
                                WHO.WORKER,
                                status=DOING,
                                outcome="Seen alone on three visits.",
                            ),
                        ),
                    ),
                ),
            ),
            DemoPlan(
                status=Approval.APPROVED,
                family_agreement=(
                    "Reviewed with the family after five weeks without a drink; the father asked "
                    "to add his son's school day. Aunt Kanha keeps her part."
                ),
                comment="Approved: the plan follows what the family asked for.",
                goals=(
                    DemoGoal(
                        "The children are safe at night, whatever happens.",
                        ("safety",),
                        (
                            DemoAction(
                                "If the father comes home drunk, go with the children to aunt "
                                "Kanha's.",
                                WHO.FAMILY,
                                "mother",
                                status=DOING,
                                outcome="Not needed for six weeks.",
                            ),
                            DemoAction(
                                "Keep the door open at night and call the worker if needed.",
                                WHO.NETWORK,
                                "aunt Kanha",
                                status=DOING,
                            ),
                        ),
                    ),
                    DemoGoal(
                        "The father stays sober, payday included.",
                        ("safety", "family_relationships"),
                        (
                            DemoAction(
                                "Join the commune alcohol support group.",
                                WHO.FAMILY,
                                "father",
                                -40,
                                DONE,
                                "Joined; goes every week.",
                            ),
                            DemoAction(
                                "Payday money goes to the mother first.",
                                WHO.FAMILY,
                                "father and mother",
                                status=DOING,
                            ),
                        ),
                    ),
                    DemoGoal(
                        "The children can talk about what they saw and sleep without fear.",
                        ("emotional_wellbeing",),
                        (
                            DemoAction(
                                "The children draw their three houses with the worker.",
                                WHO.WORKER,
                                due_in_days=-6,
                                status=DONE,
                                outcome="Done; the drawings hang beside the plan.",
                            ),
                            DemoAction(
                                "See each child alone on every visit.",
                                WHO.WORKER,
                                status=DOING,
                            ),
                        ),
                    ),
                    DemoGoal(
                        "The father takes part in the children's school life.",
                        ("family_relationships",),
                        (
                            DemoAction(
                                "Go to Piseth's school day.",
                                WHO.FAMILY,
                                "father",
                                10,
                            ),
                        ),
                    ),
                ),
            ),
        ),
    ),
    DemoCaseWork(
        family_name="Seng (សេង)",
        phase=PHASE.INTERVENTION,
        # The allocated worker is the team's supervisor, who cannot approve their own work: the
        # covering worker, who made most of the visits, writes the assessment and the plan.
        author="colleague",
        assessment=DemoAssessment(
            status=Approval.APPROVED,
            participants="Mother (Monny), grandfather (Chhoeun), Raksmey and Bora.",
            family_views=(
                "Mother: She said Raksmey could send back 200 dollars a month. I did not know "
                "what else to do. Grandfather: Nobody takes our girl."
            ),
            summary=(
                "A stranger offered Raksmey work in the city and her mother agreed. The surface "
                "risk is the offer; the root is two microfinance loans the family could not "
                "repay. Strengths: Raksmey spoke up, her grandfather protects her, and the "
                "mother acted as soon as she understood the danger."
            ),
            needs=(
                DemoNeed(
                    "safety",
                    "Raksmey needs to be protected from being taken away to work.",
                    UNMET,
                    strengths=(
                        "Raksmey told her teacher; her grandfather walks her to the course; the "
                        "commune police have the number."
                    ),
                    risks=(
                        (SURFACE, "A woman from the city offered Raksmey work."),
                        (ROOT, "The family's debts made the offer look like a way out."),
                    ),
                ),
                DemoNeed(
                    "income",
                    "The household needs to meet its repayments without the children's work.",
                    UNMET,
                    strengths="Debt counselling done; the repayments rescheduled.",
                    risks=((ROOT, "Two loans with repayments larger than the mother earns."),),
                ),
                DemoNeed(
                    "education",
                    "Raksmey needs to learn a trade and a way to earn as an adult.",
                    UNMET,
                    strengths="She wants her own tailoring shop one day.",
                ),
                DemoNeed(
                    "emotional_wellbeing",
                    "Raksmey needs to know the family's debts are not hers to carry.",
                    PARTLY,
                    strengths="She enjoys the course and made a shirt for her brother.",
                ),
            ),
        ),
        mappings=(
            DemoMapping(
                50,
                "Mother, grandfather and Raksmey; Bora at school.",
                (
                    worry(K.PAST_HARM, "Raksmey was offered work in the city by a stranger."),
                    worry(
                        K.DANGER,
                        "If the debts stay as they are, Raksmey may be sent away to work and "
                        "exploited.",
                    ),
                    worry(K.COMPLICATING, "Two microfinance loans.", F, "mother"),
                    working(K.EXISTING_SAFETY, "I walk her everywhere.", F, "grandfather"),
                    working(K.STRENGTH, "I told my teacher.", C, "Raksmey"),
                    needed(K.SAFETY_GOAL, "Raksmey leaves the village with nobody."),
                    needed(K.NEXT_STEP, "Find a debt counselling service this week."),
                ),
            ),
            DemoMapping(
                30,
                "Mother, grandfather, Raksmey and Bora.",
                (
                    worry(K.COMPLICATING, "Repayments are still heavy.", F, "mother"),
                    working(
                        K.EXISTING_SAFETY,
                        "The commune police passed the number on; no contact since.",
                        Voice.PROFESSIONAL,
                        "commune police",
                    ),
                    working(K.STRENGTH, "I made a shirt for Bora at the course.", C, "Raksmey"),
                    needed(K.NEXT_STEP, "Weekly visits while the supervisor is on leave."),
                ),
            ),
        ),
        scores=scores(
            (50, W, "colleague", 2, "A stranger's offer and a mother who agreed to it."),
            (50, S, "supervisor", 2, "Immediate safety only: the grandfather and the police."),
            (50, F, "Monny", 3, "I did not know what else to do."),
            (50, C, "Raksmey", 3, "I am afraid to go with someone I don't know."),
            (30, W, "colleague", 5, "Debts rescheduled; Raksmey at the course every day."),
            (30, F, "Monny", 6, "The loan officer gave us more time."),
            (30, F, "Chhoeun", 6, "Nobody takes our girl."),
            (30, C, "Raksmey", 6, "I like the course."),
            (2, W, "colleague", 7, "First instalment paid; no contact from the woman."),
            (2, F, "Monny", 7, "The loan officer was kinder than I thought."),
            (2, C, "Raksmey", 7, "One day I want my own tailoring shop."),
            (2, S, "supervisor", 6, "Holding well; review the safety plan next."),
        ),
        voices=(
            DemoChildVoice(
                "Raksmey",
                30,
                worries="The woman from the city. Mama crying about the loans.",
                good_things="The tailoring course. Grandpa walking me there. Bora.",
                wishes="My own tailoring shop one day.",
                safe_means="Staying in the village with my family until I choose to go.",
                safety_network="Grandpa, my teacher, the commune police.",
                helped_by="the social worker",
            ),
            DemoChildVoice(
                "Bora",
                30,
                worries="Mama is sad about money.",
                good_things="Football. The shirt Raksmey made me.",
                wishes="Raksmey stays home.",
                helped_by="the social worker",
            ),
        ),
        plans=(
            DemoPlan(
                status=Approval.APPROVED,
                family_agreement="Agreed at home with the mother, the grandfather and Raksmey.",
                goals=(
                    DemoGoal(
                        "Raksmey stays in the village, safe from anyone offering work away.",
                        ("safety", "emotional_wellbeing"),
                        (
                            DemoAction(
                                "Give the woman's phone number to the commune police post.",
                                WHO.FAMILY,
                                "grandfather",
                                -48,
                                DONE,
                                "Passed to the provincial unit.",
                            ),
                            DemoAction(
                                "Walk Raksmey to the course and back.",
                                WHO.FAMILY,
                                "grandfather",
                                status=DOING,
                                outcome="Every day so far.",
                            ),
                        ),
                    ),
                    DemoGoal(
                        "The family repays its loans without the children's work.",
                        ("income",),
                        (
                            DemoAction(
                                "Debt counselling; reschedule the repayments.",
                                WHO.SERVICE,
                                "debt counselling service",
                                -35,
                                DONE,
                                "Repayments rescheduled over two years.",
                            ),
                            DemoAction(
                                "Pay the rescheduled instalment each month.",
                                WHO.FAMILY,
                                "mother",
                                status=DOING,
                                outcome="First instalment paid.",
                            ),
                        ),
                    ),
                    DemoGoal(
                        "Raksmey learns a trade she chose.",
                        ("education",),
                        (
                            DemoAction(
                                "Tailoring course at the youth centre, five days a week.",
                                WHO.SERVICE,
                                "youth centre",
                                status=DOING,
                            ),
                            DemoAction(
                                "Ask about a sewing machine grant for when the course ends.",
                                WHO.WORKER,
                                due_in_days=30,
                            ),
                        ),
                    ),
                ),
            ),
        ),
    ),
    DemoCaseWork(
        family_name="Chhin (ឈិន)",
        phase=PHASE.INTERVENTION,
        assessment=DemoAssessment(
            status=Approval.APPROVED,
            participants="Mother (Sreymao), Sothea, Sambath and Chanthou; a neighbour.",
            family_views=(
                "Mother: I cannot do anything since he died. Later: The monk came to talk with "
                "me. I slept the whole night."
            ),
            summary=(
                "Since the father died the mother has been too depressed to care for the "
                "children, and Sothea (12) left school to do it. The needs are food, the "
                "mother's health and school, not separation: the children are clean and "
                "loved, and the neighbours and the pagoda are ready to help."
            ),
            needs=(
                DemoNeed(
                    "nutrition",
                    "The children need enough food every day.",
                    UNMET,
                    strengths="The pagoda brings lunch every day.",
                    risks=(
                        (SURFACE, "Little food in the house."),
                        (ROOT, "No income since the father died."),
                    ),
                ),
                DemoNeed(
                    "health",
                    "The children need their mother well enough to care for them.",
                    UNMET,
                    strengths="The mother has started medication and counselling.",
                    risks=((ROOT, "The mother's depression since her husband's death."),),
                ),
                DemoNeed(
                    "education",
                    "Sothea and Sambath need to go to school every day.",
                    UNMET,
                    strengths="Sothea's friends kept her seat; a neighbour can watch Chanthou.",
                    risks=((SURFACE, "Sothea left school to cook, wash and mind the little one."),),
                ),
                DemoNeed(
                    "income",
                    "The household needs a small, steady income.",
                    UNMET,
                    strengths="The mother has started making rice cakes to sell.",
                ),
                DemoNeed(
                    "community",
                    "The family needs people around them.",
                    MET,
                    strengths="Neighbours and the pagoda come by every day.",
                ),
            ),
        ),
        mappings=(
            DemoMapping(
                40,
                "Mother and the three children.",
                (
                    worry(K.COMPLICATING, "The mother stays in bed most days since he died."),
                    worry(
                        K.DANGER,
                        "If nothing changes the children will go hungry and Sothea will not "
                        "go back to school.",
                    ),
                    working(K.STRENGTH, "Chanthou is clean and cared for; Sothea cooks."),
                    needed(K.NEXT_STEP, "Mental health check at the health centre."),
                    needed(K.SAFETY_GOAL, "The children eat every day and go to school."),
                ),
            ),
            DemoMapping(
                11,
                "Mother, the three children and a neighbour.",
                (
                    worry(K.COMPLICATING, "Some days are still heavy.", F, "mother"),
                    working(
                        K.EXISTING_SAFETY,
                        "The pagoda brings lunch every day.",
                        N,
                        "monk at the pagoda",
                    ),
                    working(K.STRENGTH, "My friends kept my seat for me.", C, "Sothea"),
                    working(K.STRENGTH, "I watch Chanthou in the mornings.", N, "neighbour"),
                    needed(K.NEXT_STEP, "Bring the small business grant form."),
                ),
            ),
        ),
        scores=scores(
            (40, W, "outsider", 2, "Little food; the mother cannot get up."),
            (40, F, "Sreymao", 2, "I cannot do anything since he died."),
            (40, C, "Sothea", 2, "I am tired. I don't want Mama to be sad."),
            (25, W, "outsider", 4, "Medication started; pagoda meals every day."),
            (25, F, "Sreymao", 4, "I slept the whole night."),
            (25, C, "Sothea", 5, "The pagoda rice has fish."),
            (25, S, "chair", 3, "Still fragile: it rests on the pagoda and the neighbour."),
            (11, W, "outsider", 6, "The mother cooks again; Sothea at school every morning."),
            (11, F, "Sreymao", 6, "Some days are still heavy, but I get up."),
            (11, C, "Sothea", 7, "My friends kept my seat for me."),
            (11, N, "neighbour", 6, "She sits outside with us again."),
            (11, S, "chair", 5, "Real progress; keep the meals another month."),
        ),
        voices=(
            DemoChildVoice(
                "Sothea",
                11,
                worries="When Mama stays in bed. When there is no rice.",
                good_things="School in the mornings. My friends. Chanthou laughing.",
                wishes="Mama smiles again. I want to be a teacher.",
                safe_means="Mama gets up and we eat together.",
                safety_network="The neighbour, the monk, my teacher.",
                helped_by="the social worker",
            ),
            DemoChildVoice(
                "Sambath",
                25,
                worries="Mama is sad.",
                good_things="The pagoda rice, there is fish.",
                wishes="Go to school with Sothea every day.",
                helped_by="the social worker and his sister",
            ),
        ),
        plans=(
            DemoPlan(
                status=Approval.APPROVED,
                family_agreement="Agreed with the mother; the neighbour and pagoda agreed theirs.",
                goals=(
                    DemoGoal(
                        "The children eat enough every day.",
                        ("nutrition",),
                        (
                            DemoAction(
                                "Bring lunch for the children every day.",
                                WHO.SERVICE,
                                "pagoda",
                                status=DOING,
                                outcome="Every day for five weeks.",
                            ),
                        ),
                    ),
                    DemoGoal(
                        "The mother is well enough to care for her children.",
                        ("health",),
                        (
                            DemoAction(
                                "Mental health check at the health centre.",
                                WHO.SERVICE,
                                "health centre",
                                -38,
                                DONE,
                                "Seen; medication started.",
                            ),
                            DemoAction(
                                "Counselling every Thursday.",
                                WHO.SERVICE,
                                "health centre counsellor",
                                status=DOING,
                            ),
                        ),
                    ),
                    DemoGoal(
                        "Sothea and Sambath go to school every day.",
                        ("education",),
                        (
                            DemoAction(
                                "Sothea goes back to school in the mornings.",
                                WHO.FAMILY,
                                "Sothea",
                                -20,
                                DONE,
                                "Back since three weeks.",
                            ),
                            DemoAction(
                                "Watch Chanthou while Sothea is at school.",
                                WHO.NETWORK,
                                "neighbour",
                                status=DOING,
                            ),
                        ),
                    ),
                    DemoGoal(
                        "The family has a small, steady income.",
                        ("income",),
                        (
                            DemoAction(
                                "Bring the small business grant form.",
                                WHO.WORKER,
                                due_in_days=5,
                            ),
                            DemoAction(
                                "Sell rice cakes to the neighbours.",
                                WHO.FAMILY,
                                "mother",
                                status=DOING,
                                outcome="First sales last week.",
                            ),
                        ),
                    ),
                ),
            ),
        ),
    ),
    # --- Follow-up ---------------------------------------------------------------------------
    DemoCaseWork(
        family_name="Meas (មាស)",
        phase=PHASE.FOLLOW_UP,
        assessment=DemoAssessment(
            status=Approval.APPROVED,
            participants="Father (Chamroeun), Oudom and Lina.",
            family_views=(
                "Father: Since their mother left we are short. Oudom wants to help. I can "
                "manage if school costs us nothing."
            ),
            summary=(
                "Oudom (14) left school for the brick kiln when the household income fell "
                "after his mother left. The need is education and a steady income, not the "
                "kiln. Strengths: a caring father and Oudom's own wish to become a mechanic."
            ),
            needs=(
                DemoNeed(
                    "education",
                    "Oudom needs to go back to school and learn the trade he wants.",
                    UNMET,
                    strengths="Oudom misses school and wants to be a mechanic.",
                    risks=(
                        (SURFACE, "Oudom left school to work at the brick kiln."),
                        (ROOT, "School costs the family cannot meet since the mother left."),
                    ),
                ),
                DemoNeed(
                    "safety",
                    "Oudom needs to be kept from harmful work.",
                    UNMET,
                    strengths="Oudom agreed not to go back to the kiln.",
                    risks=((SURFACE, "Small burns on his hands from the kiln."),),
                ),
                DemoNeed(
                    "income",
                    "The household needs enough to live on without Oudom's wage.",
                    PARTLY,
                    strengths="The father drives a motodop.",
                    risks=((ROOT, "The motodop income is irregular."),),
                ),
                DemoNeed(
                    "family_relationships",
                    "The children need a parent who is there for them.",
                    MET,
                    strengths="The father is close to both children; Lina is proud of Oudom.",
                ),
            ),
        ),
        mappings=(
            DemoMapping(
                125,
                "Father, Oudom and Lina.",
                (
                    worry(K.PAST_HARM, "Oudom worked at the kiln and burned his hands."),
                    worry(
                        K.DANGER,
                        "If the money stays short, Oudom goes back to the kiln and leaves school "
                        "for good.",
                    ),
                    working(K.STRENGTH, "I want to be a mechanic.", C, "Oudom"),
                    needed(K.NEXT_STEP, "Ask the commune committee about a scholarship."),
                ),
            ),
            DemoMapping(
                95,
                "Father, Oudom and the commune's focal person for children.",
                (
                    worry(K.COMPLICATING, "The motodop income is still irregular.", F, "father"),
                    working(
                        K.EXISTING_SAFETY,
                        "Scholarship approved: uniform, bicycle, monthly stipend.",
                        Voice.PROFESSIONAL,
                        "commune focal person",
                    ),
                    needed(K.SAFETY_GOAL, "Oudom goes to school every day."),
                ),
            ),
            DemoMapping(
                45,
                "Father, Oudom and Lina.",
                (
                    worry(K.COMPLICATING, "Fewer fares in the rainy season.", F, "father"),
                    working(K.STRENGTH, "He has not missed a day.", Voice.PROFESSIONAL, "teacher"),
                    working(K.STRENGTH, "We worry less about money now.", F, "father"),
                    needed(K.NEXT_STEP, "Monthly follow-up visits."),
                ),
            ),
        ),
        scores=scores(
            (125, W, "worker", 4, "Burns from the kiln; no money for school."),
            (125, F, "Chamroeun", 5, "We are short since their mother left."),
            (125, C, "Oudom", 4, "The work is hard. I miss my friends."),
            (95, W, "worker", 6, "Scholarship approved; Oudom starts on Monday."),
            (95, F, "Chamroeun", 7, "I can manage if school costs us nothing."),
            (95, C, "Oudom", 7, "I will ride to school with Sambo."),
            (45, W, "worker", 8, "Six weeks without missing a day."),
            (45, F, "Chamroeun", 8, "We worry less about money now."),
            (45, C, "Oudom", 9, "Maths is hard but I like the workshop class."),
            (45, S, "supervisor", 7, "Ready for follow-up: monthly visits."),
        ),
        voices=(
            DemoChildVoice(
                "Oudom",
                125,
                worries="The heat at the kiln. Money for rice.",
                good_things="My sister Lina. My friend Sambo. Fixing bicycles.",
                wishes="Go back to school and become a mechanic.",
                safe_means="Not working at the kiln.",
                safety_network="Papa, my teacher, Sambo's mother.",
                helped_by="the social worker",
            ),
            DemoChildVoice(
                "Oudom",
                45,
                worries="Maths tests.",
                good_things="The workshop class. My new bicycle.",
                wishes="Open a repair shop with Sambo.",
                safe_means="School every day and Papa at home.",
                helped_by="the social worker",
            ),
        ),
        plans=(
            DemoPlan(
                status=Approval.APPROVED,
                family_agreement="Agreed with the father and Oudom at the commune hall.",
                goals=(
                    DemoGoal(
                        "Oudom goes to school every day and learns a trade.",
                        ("education",),
                        (
                            DemoAction(
                                "Scholarship: uniform, bicycle and a monthly stipend.",
                                WHO.SERVICE,
                                "Commune Committee for Women and Children",
                                -95,
                                DONE,
                                "Approved and paid every month.",
                            ),
                            DemoAction(
                                "Call the worker after two missed days.",
                                WHO.SERVICE,
                                "school",
                                status=DOING,
                                outcome="No call needed so far.",
                            ),
                        ),
                    ),
                    DemoGoal(
                        "Oudom never goes back to the kiln.",
                        ("safety",),
                        (
                            DemoAction(
                                "Oudom does not go back to the kiln.",
                                WHO.FAMILY,
                                "Oudom and his father",
                                -90,
                                DONE,
                                "Kept.",
                            ),
                        ),
                    ),
                    DemoGoal(
                        "The household manages without Oudom's wage.",
                        ("income",),
                        (
                            DemoAction(
                                "Ask the motodop association about regular customers.",
                                WHO.WORKER,
                                due_in_days=-80,
                                status=DROPPED,
                                outcome="The father prefers to keep his own customers.",
                            ),
                        ),
                    ),
                ),
            ),
        ),
    ),
    DemoCaseWork(
        family_name="Pov (ពៅ)",
        phase=PHASE.FOLLOW_UP,
        assessment=DemoAssessment(
            status=Approval.APPROVED,
            participants="Mother (Sreyneang), father (Sarun) and Vireak.",
            family_views="Father: We thought the boat would pay well. We were wrong.",
            summary=(
                "Vireak (15) came back unpaid after three months on a fishing boat. He sleeps "
                "badly and startles at noise. The root is the family's debt to the man who took "
                "him. Strengths: parents glad to have him home, and his own wish to fix "
                "motorbikes."
            ),
            needs=(
                DemoNeed(
                    "emotional_wellbeing",
                    "Vireak needs to recover from what happened on the boat.",
                    UNMET,
                    risks=(
                        (SURFACE, "He sleeps badly and startles at noises."),
                        (ROOT, "Three months of forced work at sea."),
                    ),
                ),
                DemoNeed(
                    "safety",
                    "Vireak needs to be safe from being taken for work again.",
                    UNMET,
                    strengths="The family will tell the worker if the lender comes.",
                    risks=((ROOT, "The family still owes the man who took him."),),
                ),
                DemoNeed(
                    "education",
                    "Vireak needs to learn the trade he chose.",
                    UNMET,
                    strengths="He wants to fix motorbikes.",
                ),
                DemoNeed(
                    "income",
                    "The household needs to repay its debt without sending a child to work.",
                    UNMET,
                    risks=((ROOT, "A loan taken to pay the recruiter."),),
                ),
                DemoNeed(
                    "family_relationships",
                    "Vireak needs his family around him.",
                    MET,
                    strengths="He eats with the family again and laughs with his sister.",
                ),
            ),
        ),
        mappings=(
            DemoMapping(
                155,
                "Mother, father and Vireak.",
                (
                    worry(K.PAST_HARM, "Three months unpaid on a fishing boat."),
                    worry(
                        K.DANGER,
                        "While the debt stands, the lender may push for Vireak or his sister "
                        "to work again.",
                    ),
                    working(K.STRENGTH, "We are glad to have him home.", F, "mother"),
                    needed(K.NEXT_STEP, "Counselling and an apprenticeship in the market."),
                ),
            ),
            DemoMapping(
                60,
                "Mother, father and Vireak.",
                (
                    worry(K.COMPLICATING, "Half the debt still to pay.", F, "father"),
                    working(K.STRENGTH, "The boss says I can do brakes next month.", C, "Vireak"),
                    working(
                        K.EXISTING_SAFETY,
                        "He sleeps well; counselling every fortnight.",
                        Voice.PROFESSIONAL,
                        "counsellor",
                    ),
                    needed(K.NEXT_STEP, "Move to follow-up."),
                ),
            ),
        ),
        scores=scores(
            (155, W, "outsider", 3, "Frightened, unpaid, and the debt is still there."),
            (155, F, "Sreyneang", 4, "He is home. That is what matters."),
            (155, C, "Vireak", 3, "I won't talk about the boat."),
            (115, W, "outsider", 5, "Counselling and an apprenticeship under way."),
            (115, C, "Vireak", 6, "My boss lets me change tyres."),
            (60, W, "outsider", 7, "Sleeping well; half the debt repaid."),
            (60, F, "Sarun", 7, "We have paid back half the debt."),
            (60, C, "Vireak", 8, "I can do brakes next month."),
            (60, S, "chair", 7, "Ready for follow-up."),
            (20, W, "outsider", 8, "All well at home and at work."),
            (20, F, "Sreyneang", 9, "We feel our family is whole again."),
            (20, C, "Vireak", 9, "I am saving for my own tools."),
            (20, S, "chair", 8, "Steady; review in two months."),
        ),
        voices=(
            DemoChildVoice(
                "Vireak",
                115,
                worries="The sea at night. The man Papa owes money.",
                good_things="The repair shop. My sister Maly.",
                wishes="My own motorbike shop.",
                safe_means="Home, and nobody taking me away.",
                safety_network="My parents, my boss, the counsellor.",
                helped_by="the social worker",
            ),
            DemoChildVoice(
                "Vireak",
                20,
                worries="Not much. Sometimes dreams.",
                good_things="Brakes! Teaching Maly to ride.",
                wishes="Buy my own tools this year.",
                safe_means="Sleeping the whole night.",
                helped_by="the social worker",
            ),
        ),
        plans=(
            DemoPlan(
                status=Approval.APPROVED,
                family_agreement="Agreed with both parents and Vireak at home.",
                goals=(
                    DemoGoal(
                        "Vireak recovers and sleeps without fear.",
                        ("emotional_wellbeing",),
                        (
                            DemoAction(
                                "Counselling every fortnight.",
                                WHO.SERVICE,
                                "counselling service",
                                status=DOING,
                                outcome="Attends every session.",
                            ),
                        ),
                    ),
                    DemoGoal(
                        "Vireak learns to repair motorbikes.",
                        ("education",),
                        (
                            DemoAction(
                                "Apprenticeship at the market repair shop.",
                                WHO.SERVICE,
                                "motorbike repair shop",
                                -120,
                                DONE,
                                "Started; now paid a small wage.",
                            ),
                        ),
                    ),
                    DemoGoal(
                        "The debt is repaid without a child working, and nobody takes Vireak "
                        "again.",
                        ("income", "safety"),
                        (
                            DemoAction(
                                "Repay the loan in monthly instalments.",
                                WHO.FAMILY,
                                "father",
                                status=DOING,
                                outcome="Half repaid.",
                            ),
                            DemoAction(
                                "Tell the worker at once if the lender comes.",
                                WHO.FAMILY,
                                "mother",
                                status=DOING,
                            ),
                        ),
                    ),
                ),
            ),
        ),
    ),
    # --- Closed --------------------------------------------------------------------------------
    DemoCaseWork(
        family_name="Nuon (នួន)",
        phase=PHASE.CLOSED,
        worked_in=PHASE.FOLLOW_UP,
        assessment=DemoAssessment(
            status=Approval.APPROVED,
            participants="Mother (Sokha), father (Theara), Puthy and Kimhong.",
            family_views="Father: The school said they cannot teach a child who cannot hear.",
            summary=(
                "Puthy (9) has never been to school because he cannot hear well and his parents "
                "fear he would be teased. He is bright and signs with his sister. The need is "
                "education and a way to hear; the family is close and wants the best for him."
            ),
            needs=(
                DemoNeed(
                    "education",
                    "Puthy needs to go to school and learn with other children.",
                    UNMET,
                    strengths="He is bright and curious; his sister signs with him.",
                    risks=(
                        (SURFACE, "Kept at home; never enrolled."),
                        (ROOT, "The school said it cannot teach a child who cannot hear."),
                    ),
                ),
                DemoNeed(
                    "health",
                    "Puthy needs his hearing assessed and a way to hear.",
                    UNMET,
                    risks=((ROOT, "No hearing assessment ever done."),),
                ),
                DemoNeed(
                    "income",
                    "The family needs an income that lets the mother take Puthy to school.",
                    PARTLY,
                    strengths="A grocery stall planned at the crossroads.",
                ),
                DemoNeed(
                    "family_relationships",
                    "Puthy needs his parents to be proud of him in front of others.",
                    PARTLY,
                    strengths="A close family; Kimhong is his voice at home.",
                    risks=((SURFACE, "The parents are ashamed and keep him inside."),),
                ),
            ),
        ),
        mappings=(
            DemoMapping(
                200,
                "Mother, father, Puthy and Kimhong.",
                (
                    worry(K.PAST_HARM, "Puthy has never been to school."),
                    worry(
                        K.DANGER,
                        "If nothing changes, Puthy grows up without school or a way to talk "
                        "with others.",
                    ),
                    working(K.STRENGTH, "He signs with me.", C, "Kimhong (sister)"),
                    needed(K.NEXT_STEP, "Hearing assessment; ask about the special class."),
                ),
            ),
            DemoMapping(
                100,
                "Mother, father and Puthy.",
                (
                    working(K.STRENGTH, "Puthy attends four days a week."),
                    working(K.STRENGTH, "We did not know he could learn so fast.", F, "father"),
                    needed(K.SAFETY_GOAL, "Puthy goes to school every day."),
                ),
            ),
        ),
        scores=scores(
            (200, W, "colleague", 4, "Never in school; parents ashamed."),
            (200, F, "Sokha", 4, "We are afraid he will be teased."),
            (200, C, "Puthy", 5, "(through Kimhong) He wants to go to school with her."),
            (150, W, "colleague", 6, "Hearing aid fitted; a place in the special class."),
            (150, F, "Sokha", 6, "He laughed when he heard the rooster."),
            (100, W, "colleague", 7, "Four days a week at school; the stall is being built."),
            (100, F, "Theara", 7, "We did not know he could learn so fast."),
            (100, C, "Puthy", 8, "My teacher gives me stars."),
            (40, W, "colleague", 9, "School every day; a steady income from the stall."),
            (40, F, "Sokha", 9, "We are proud of him."),
            (40, C, "Puthy", 9, "School is good. I have a friend."),
            (40, S, "supervisor", 8, "Ready to close by agreement."),
        ),
        voices=(
            DemoChildVoice(
                "Puthy",
                40,
                worries="When people talk fast and I cannot see their mouths.",
                good_things="My teacher's stars. My friend. The stall's sweets.",
                wishes="Learn to read well and help at the stall.",
                safe_means="My hearing aid works and people look at me when they talk.",
                safety_network="Mama, Papa, Kimhong, my teacher.",
                helped_by="his teacher, in sign",
            ),
        ),
        plans=(
            DemoPlan(
                status=Approval.APPROVED,
                family_agreement="Agreed with both parents; Puthy chose with his sister's help.",
                goals=(
                    DemoGoal(
                        "Puthy hears and goes to school every day.",
                        ("education", "health"),
                        (
                            DemoAction(
                                "Hearing assessment and a hearing aid.",
                                WHO.SERVICE,
                                "hearing clinic",
                                -150,
                                DONE,
                                "Aid fitted.",
                            ),
                            DemoAction(
                                "Place in the special class at the district school.",
                                WHO.SERVICE,
                                "district education office",
                                -140,
                                DONE,
                                "Attends every day.",
                            ),
                        ),
                    ),
                    DemoGoal(
                        "The family earns enough for the mother to take Puthy to school.",
                        ("income", "family_relationships"),
                        (
                            DemoAction(
                                "Apply for a small business grant for a grocery stall.",
                                WHO.FAMILY,
                                "mother and father",
                                -100,
                                DONE,
                                "Granted; the stall opened.",
                            ),
                        ),
                    ),
                ),
            ),
        ),
    ),
    # Modelled on the Davy case study: insecure housing is the visible risk, but relatives next
    # door and parents who sleep beside the children make it safe enough; the need is partly
    # met, the rest goes to the commune council, and no intervention (so no plan) is needed.
    DemoCaseWork(
        family_name="Sok (សុខ)",
        phase=PHASE.CLOSED,
        worked_in=PHASE.ASSESSMENT,
        assessment=DemoAssessment(
            status=Approval.APPROVED,
            participants="Mother (Leakhena), father (Vuthy), Nita and Panha; grandmother Chantrea.",
            family_views=(
                "Father: We will rebuild after the harvest. My parents are next door. Mother: "
                "Thank you for asking about us and not taking the children."
            ),
            summary=(
                "Insecure housing is the visible risk: the family has lived in a palm-leaf "
                "shelter since the flood. Weighed against it: the grandparents live ten metres "
                "away, the parents sleep beside the children, and both children are in school "
                "and well fed. The children are safe enough and no intervention is warranted; "
                "the housing need goes to the commune council's flood repair list."
            ),
            needs=(
                DemoNeed(
                    "housing",
                    "Nita and Panha need a dry, secure place to sleep.",
                    PARTLY,
                    strengths=(
                        "The grandparents' house is ten metres away; the parents sleep beside "
                        "the children; the family is on the commune's flood repair list."
                    ),
                    analysis=(
                        "The shelter is a surface risk, not the whole picture: the children are "
                        "never alone at night and their grandparents are next door."
                    ),
                    risks=(
                        (SURFACE, "A palm-leaf shelter since the flood damaged the house."),
                        (ROOT, "The flood, and no savings to rebuild before the harvest."),
                    ),
                ),
                DemoNeed(
                    "safety",
                    "The children need adults who watch over them day and night.",
                    MET,
                    strengths="Parents sleep beside them; grandmother next door by day.",
                ),
                DemoNeed(
                    "nutrition",
                    "The children need enough food.",
                    MET,
                    strengths="Well fed; grandmother makes rice soup.",
                ),
                DemoNeed(
                    "education",
                    "The children need to keep learning.",
                    MET,
                    strengths="Both in school; Panha has a new school bag.",
                ),
            ),
            comment="Approved: safe enough; close once the commune council has the housing need.",
        ),
        mappings=(
            DemoMapping(
                25,
                "Mother, father, Nita, Panha; grandmother from next door.",
                (
                    worry(K.COMPLICATING, "A palm-leaf shelter since the flood."),
                    worry(
                        K.DANGER,
                        "If the rains come before the house is rebuilt, the children could "
                        "sleep wet and fall ill.",
                    ),
                    working(
                        K.EXISTING_SAFETY,
                        "Their grandparents live ten metres away.",
                        N,
                        "grandmother next door",
                    ),
                    working(K.EXISTING_SAFETY, "I sleep next to Mama.", C, "Nita"),
                    working(K.STRENGTH, "Both children go to school and are well fed."),
                    needed(K.NEXT_STEP, "Ask the commune council about flood repair support."),
                    needed(
                        K.SAFETY_GOAL,
                        "The children sleep dry and safe while the family rebuilds.",
                    ),
                ),
            ),
        ),
        scores=scores(
            (25, W, "outsider", 7, "Poor shelter, strong family: never alone, fed, in school."),
            (25, F, "Leakhena", 8, "My parents are next door. We are together."),
            (25, C, "Nita", 9, "Grandma makes us rice soup. I sleep next to Mama."),
            (25, S, "chair", 8, "The protective factors outweigh the housing risk."),
            (18, W, "outsider", 8, "On the commune's flood repair list; nothing to add."),
            (18, F, "Vuthy", 8, "We will rebuild after the harvest."),
        ),
        voices=(
            DemoChildVoice(
                "Nita",
                25,
                worries="When it rains hard on the roof at night.",
                good_things="Grandma's rice soup. School. Panha.",
                wishes="A new house with a real door.",
                safe_means="Sleeping next to Mama, with Grandma next door.",
                safety_network="Mama, Papa, Grandma and Grandpa.",
                helped_by="the social worker",
            ),
        ),
    ),
)
