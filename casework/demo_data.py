"""The demo's twelve synthetic cases: families, people, visits and the phases they went through.

Every name and story here is invented. `casework.demo` writes them through the services.
"""

from __future__ import annotations

from dataclasses import dataclass

from .models import Case, HomeVisit, Person

TEAM_A = "Team A — Samraong Tong"
TEAM_B = "Team B — Bati"

# Families, names and stories are invented; any likeness to real people is an accident. Dates
# are relative to the day the demo is loaded, so the case list always looks current.

P = Person.Relationship
S = Person.School
F = Person.Sex.FEMALE
M = Person.Sex.MALE
PHASE = Case.Phase
KIND = HomeVisit.Kind


@dataclass(frozen=True)
class DemoPerson:
    relationship: str
    family_km: str
    given_km: str
    family_latin: str
    given_latin: str
    sex: str
    born_days_ago: int | None = None  # children: date of birth this many days before today
    estimated_age: int | None = None  # adults: an estimated age in years
    school: str = ""
    disability: str = ""
    concerned: bool = False


def adult(
    relationship: str, family_km: str, given_km: str, family: str, given: str, sex: str, age: int
) -> DemoPerson:
    """A grown-up of the household, with an estimated age in years."""
    return DemoPerson(relationship, family_km, given_km, family, given, sex, estimated_age=age)


def child(
    family_km: str,
    given_km: str,
    family: str,
    given: str,
    sex: str,
    age: tuple[int, int],
    school: str,
    *,
    relationship: str = P.CHILD,
    concerned: bool = True,
    disability: str = "",
) -> DemoPerson:
    """A child, `age` (years, days) old today; by default one of the children concerned."""
    return DemoPerson(
        relationship,
        family_km,
        given_km,
        family,
        given,
        sex,
        born_days_ago=age[0] * 365 + age[1],
        school=school,
        disability=disability,
        concerned=concerned,
    )


@dataclass(frozen=True)
class DemoVisit:
    days_ago: int
    author: str
    present: str
    observations: str
    family_words: str
    child_words: str
    agreed: str
    next_in_days: int | None
    kind: str = KIND.HOME
    seen: tuple[str, ...] = ()  # Latin given names of the children seen ...
    alone: tuple[str, ...] = ()  # ... and of those seen alone
    signed: bool = True
    addenda: tuple[tuple[str, str], ...] = ()  # (author, text)


@dataclass(frozen=True)
class DemoCase:
    family_name: str
    team: str
    village: str
    opened_by: str
    worker: str
    tier: str
    risk_level: str
    opened_days_ago: int
    reason: str
    address_notes: str
    people: tuple[DemoPerson, ...]
    visits: tuple[DemoVisit, ...]
    # The phases the case has moved through since intake, each with the reason given.
    path: tuple[tuple[str, str], ...] = ()
    covering: str | None = None
    languages: str = "Khmer"
    # Codes of casework.concerns.DEFAULT_CONCERNS: what the case is about.
    concerns: tuple[str, ...] = ()


DEMO_CASES: tuple[DemoCase, ...] = (
    # --- Team A ---------------------------------------------------------------------------
    DemoCase(
        family_name="Chan (ចាន់)",
        concerns=("school_dropout", "neglect"),
        team=TEAM_A,
        village="Prey Chheu",
        opened_by="supervisor",
        worker="worker",
        tier=Case.Tier.PREVENTION,
        risk_level=Case.Risk.LOW,
        opened_days_ago=9,
        reason="Referred by the primary school: both children have missed most of the month.",
        address_notes="Wooden house on stilts behind the pagoda pond, blue door.",
        people=(
            adult(P.MOTHER, "ចាន់", "ស្រីមុំ", "Chan", "Sreymom", F, 31),
            adult(P.FATHER, "ចាន់", "វិបុល", "Chan", "Vibol", M, 35),
            child("ចាន់", "ពិសី", "Chan", "Pisey", F, (10, 41), S.IRREGULAR),
            child("ចាន់", "សុវណ្ណ", "Chan", "Sovann", M, (7, 200), S.IRREGULAR),
        ),
        visits=(
            DemoVisit(
                days_ago=5,
                author="worker",
                present="Mother, Pisey and Sovann. Father away harvesting cassava.",
                observations=(
                    "Clean, tidy home; rice and morning glory cooking. Pisey was minding her "
                    "brother and the family's two cows. School books kept on a shelf."
                ),
                family_words=(
                    "We need her with the cows while we are at the field. After the harvest "
                    "they will go back to school."
                ),
                child_words="Pisey: I like school, my teacher is kind. I am behind in maths now.",
                agreed=(
                    "Mother will speak to the teacher on Monday. Worker asks the commune "
                    "council about the harvest-time childcare group."
                ),
                next_in_days=7,
                seen=("Pisey", "Sovann"),
                alone=("Pisey",),
            ),
        ),
    ),
    DemoCase(
        family_name="Keo (កែវ)",
        concerns=("family_separation", "economic_hardship"),
        team=TEAM_A,
        village="Tuol Khpos",
        opened_by="worker",
        worker="worker",
        tier=Case.Tier.EARLY,
        risk_level=Case.Risk.MEDIUM,
        opened_days_ago=35,
        reason=(
            "Grandmother caring alone for three grandchildren while their parents work in "
            "Thailand; the village chief is worried about her health."
        ),
        address_notes="Last house on the dirt road past the school, next to the rice mill.",
        people=(
            adult(P.GRANDPARENT, "កែវ", "សុខុម", "Keo", "Sokhom", F, 63),
            child("កែវ", "ដារ៉ា", "Keo", "Dara", M, (12, 90), S.DROPPED_OUT),
            child("កែវ", "ស្រីពេជ្រ", "Keo", "Sreypich", F, (8, 15), S.ENROLLED),
            child("កែវ", "វណ្ណា", "Keo", "Vanna", M, (4, 120), S.TOO_YOUNG),
        ),
        visits=(
            DemoVisit(
                days_ago=30,
                author="worker",
                present="Grandmother, Dara, Sreypich and Vanna.",
                observations=(
                    "Grandmother walks with difficulty and coughs. The house is sound. Dara "
                    "cooks and fetches water; he left school in grade 5 to help."
                ),
                family_words=(
                    "The money from their parents does not come every month. Dara is a good "
                    "boy, he does the heavy work."
                ),
                child_words="Dara: I want to go back to school, but who will help Grandma?",
                agreed=(
                    "Worker arranges a check-up at the health centre for grandmother, and with "
                    "her permission phones the parents."
                ),
                next_in_days=14,
                seen=("Dara", "Sreypich", "Vanna"),
                alone=("Dara",),
                addenda=(
                    (
                        "worker",
                        "Correction: the parents work in Rayong, not Chonburi as written "
                        "above; the neighbour confirmed it.",
                    ),
                ),
            ),
            DemoVisit(
                days_ago=16,
                kind=KIND.PHONE,
                author="worker",
                present="Phone call with the children's mother in Thailand; grandmother beside "
                "the worker.",
                observations=(
                    "Mother was worried and agreed to send money through the village shop on a "
                    "fixed day each month."
                ),
                family_words="Mother: I did not know Dara had left school. He must go back.",
                child_words="",
                agreed="Mother sends money on the 5th of each month; worker checks with the shop.",
                next_in_days=10,
            ),
            DemoVisit(
                days_ago=2,
                author="worker",
                present="Grandmother, Sreypich and Vanna; Dara at the pagoda.",
                observations=(
                    "Grandmother has medicine from the health centre and looks stronger. The "
                    "money arrived on the 5th."
                ),
                family_words="It is easier this month. I sleep better.",
                child_words="Sreypich: Dara showed me how to write my name in English.",
                agreed="Talk with the school director about Dara rejoining grade 5 next term.",
                next_in_days=7,
                seen=("Sreypich", "Vanna"),
                signed=False,
            ),
        ),
        path=((PHASE.ASSESSMENT, "First visits done; assessing needs with the family."),),
    ),
    DemoCase(
        family_name="Heng (ហេង)",
        concerns=("domestic_violence", "emotional_abuse"),
        team=TEAM_A,
        village="Ou Thnong",
        opened_by="supervisor",
        worker="worker",
        tier=Case.Tier.CRISIS,
        risk_level=Case.Risk.HIGH,
        opened_days_ago=65,
        reason=(
            "Health centre nurse saw bruises on the mother; the children are frightened at "
            "night when their father drinks."
        ),
        address_notes="Brick house by the water tower; the aunt lives in the house next door.",
        people=(
            adult(P.MOTHER, "ហេង", "ចន្ថា", "Heng", "Chantha", F, 36),
            adult(P.FATHER, "ហេង", "សំណាង", "Heng", "Samnang", M, 40),
            child("ហេង", "សុជាតា", "Heng", "Socheata", F, (11, 60), S.ENROLLED),
            child("ហេង", "ពិសិដ្ឋ", "Heng", "Piseth", M, (6, 300), S.ENROLLED),
            adult(P.RELATIVE, "ហេង", "កញ្ញា", "Heng", "Kanha", F, 45),
        ),
        visits=(
            DemoVisit(
                days_ago=60,
                author="worker",
                present="Mother, Socheata, Piseth; aunt Kanha from next door.",
                observations=(
                    "Mother has a healing bruise on her arm. The children stay close to her, "
                    "polite and a little quiet. Socheata's homework is done."
                ),
                family_words=(
                    "Mother: When he drinks he shouts and breaks things. He has never hit the "
                    "children. Sober, he is a good father."
                ),
                child_words=(
                    "Socheata: When Papa is angry at night I take Piseth to Aunt Kanha's. I am "
                    "scared he will hurt Mama."
                ),
                agreed=(
                    "If the father comes home drunk, the mother and children go to aunt Kanha, "
                    "who keeps her door open. Worker meets the father when he is sober."
                ),
                next_in_days=7,
                seen=("Socheata", "Piseth"),
                alone=("Socheata",),
            ),
            DemoVisit(
                days_ago=45,
                author="worker",
                present="Father, mother, Socheata and Piseth.",
                observations=(
                    "Father sober and worried; he drinks with co-workers on payday. The house "
                    "was calm."
                ),
                family_words="Father: I do not want my children to be afraid of me. I will stop.",
                child_words="Piseth: Papa fixed my bicycle.",
                agreed=(
                    "Father joins the commune alcohol support group. No drinking at home; "
                    "payday money goes to the mother first."
                ),
                next_in_days=14,
                seen=("Socheata", "Piseth"),
            ),
            DemoVisit(
                days_ago=20,
                author="worker",
                present="Mother, father, both children; aunt Kanha seen separately.",
                observations=(
                    "Father has been to two group meetings. No incident since the last visit, "
                    "which the aunt confirmed on her own."
                ),
                family_words="Mother: It is quieter. He comes straight home after work.",
                child_words=(
                    "Socheata: I sleep in my own bed now. If it happens again I know what to do."
                ),
                agreed="Keep the safety plan. The children draw their three houses next visit.",
                next_in_days=14,
                seen=("Socheata", "Piseth"),
                alone=("Socheata", "Piseth"),
                addenda=(
                    (
                        "supervisor",
                        "Discussed in supervision: weekly contact until the father has been to "
                        "three group meetings, then scale safety again with the family.",
                    ),
                ),
            ),
            DemoVisit(
                days_ago=6,
                author="worker",
                present="Father, mother, Socheata and Piseth.",
                observations=(
                    "The children showed their three houses: worries (the night of the broken "
                    "pot), good things (school, the aunt's mango tree), dreams (Papa not "
                    "drinking). The plan hangs on the wall by the door."
                ),
                family_words="Father: I have not had a drink for five weeks.",
                child_words="Piseth: I want Papa to come to my school day.",
                agreed="Review with the supervisor; the family keeps the plan on the wall.",
                next_in_days=14,
                seen=("Socheata", "Piseth"),
                alone=("Piseth",),
            ),
        ),
        path=(
            (PHASE.ASSESSMENT, "Immediate safety agreed with the mother and the aunt."),
            (PHASE.INTERVENTION, "Plan agreed with both parents: support group, safety plan."),
        ),
    ),
    DemoCase(
        family_name="Meas (មាស)",
        concerns=("child_labour", "school_dropout"),
        team=TEAM_A,
        village="Prey Chheu",
        opened_by="worker",
        worker="worker",
        tier=Case.Tier.EARLY,
        risk_level=Case.Risk.LOW,
        opened_days_ago=130,
        reason=(
            "Oudom (14) left school to work at a brick kiln after his mother went to find "
            "work in Phnom Penh."
        ),
        address_notes="Behind the motorbike repair stall on the main road.",
        people=(
            adult(P.FATHER, "មាស", "ចំរើន", "Meas", "Chamroeun", M, 42),
            child("មាស", "ឧត្តម", "Meas", "Oudom", M, (14, 150), S.ENROLLED),
            child(
                "មាស",
                "លីណា",
                "Meas",
                "Lina",
                F,
                (9, 10),
                S.ENROLLED,
                relationship=P.SIBLING,
                concerned=False,
            ),
        ),
        visits=(
            DemoVisit(
                days_ago=125,
                author="worker",
                present="Father and Lina; Oudom came back from the kiln at noon.",
                observations=(
                    "Oudom has small burns on his hands and looks tired. Father drives a "
                    "motodop; the income is irregular."
                ),
                family_words="Father: Since their mother left we are short. Oudom wants to help.",
                child_words=(
                    "Oudom: The work is hard. I miss my friends at school. I want to be a mechanic."
                ),
                agreed=(
                    "Worker asks the Commune Committee for Women and Children about a "
                    "scholarship. Oudom does not go back to the kiln meanwhile."
                ),
                next_in_days=7,
                seen=("Oudom",),
                alone=("Oudom",),
            ),
            DemoVisit(
                days_ago=95,
                kind=KIND.OFFICE,
                author="worker",
                present="Father, Oudom, the worker and the commune's focal person for children.",
                observations="Scholarship approved: uniform, bicycle and a monthly stipend.",
                family_words="Father: I can manage if school costs us nothing.",
                child_words="Oudom: I will ride to school with my friend Sambo.",
                agreed="Oudom starts grade 7 on Monday; the school calls after two missed days.",
                next_in_days=21,
                seen=("Oudom",),
            ),
            DemoVisit(
                days_ago=45,
                author="worker",
                present="Father, Oudom and Lina.",
                observations="His teacher says Oudom has not missed a day. Lina is proud of him.",
                family_words="We worry less about money now.",
                child_words="Oudom: Maths is hard but I like the workshop class.",
                agreed="Move to follow-up: a visit each month.",
                next_in_days=30,
                seen=("Oudom",),
            ),
        ),
        path=(
            (PHASE.ASSESSMENT, "The need is education and a steady income, not the kiln."),
            (PHASE.INTERVENTION, "Plan agreed with father and Oudom: scholarship, attendance."),
            (PHASE.FOLLOW_UP, "Oudom back in school for six weeks; monthly follow-up."),
        ),
    ),
    DemoCase(
        family_name="Tep (ទេព)",
        concerns=("neglect", "economic_hardship"),
        team=TEAM_A,
        village="Tuol Khpos",
        opened_by="colleague",
        worker="colleague",
        tier=Case.Tier.PREVENTION,
        risk_level=Case.Risk.MEDIUM,
        opened_days_ago=18,
        reason=(
            "A neighbour is worried that the baby is small and that the young mother is "
            "struggling alone since her husband left for a construction site."
        ),
        address_notes="Small house with a green water jar at the gate, near the well.",
        people=(
            adult(P.MOTHER, "ទេព", "ស្រីល័ក្ខ", "Tep", "Sreyleak", F, 19),
            child("ទេព", "មករា", "Tep", "Makara", M, (2, 40), S.TOO_YOUNG),
            child("ទេព", "ធីតា", "Tep", "Thida", F, (0, 210), S.TOO_YOUNG),
            adult(P.GRANDPARENT, "ទេព", "ណារី", "Tep", "Nary", F, 52),
        ),
        visits=(
            DemoVisit(
                days_ago=14,
                author="colleague",
                present="Mother, Makara, Thida and grandmother.",
                observations=(
                    "Thida is small for her age but alert and feeding well. Makara is playful. "
                    "Mosquito net over the bed; clean water jar."
                ),
                family_words=(
                    "Mother: I am tired. My husband sends money when he can. My mother helps "
                    "in the mornings."
                ),
                child_words="Makara points at the baby, says 'p'oun' (little sister) and laughs.",
                agreed=(
                    "Book Thida's weighing and vaccinations at the health centre. Grandmother "
                    "will come in the afternoons too."
                ),
                next_in_days=10,
                seen=("Makara", "Thida"),
            ),
            DemoVisit(
                days_ago=4,
                author="colleague",
                present="Mother, Makara and Thida.",
                observations=(
                    "The health centre weighed Thida: below the line but gaining. The mother "
                    "has joined the mothers' group."
                ),
                family_words="Mother: The nurse showed me how to make thicker rice porridge.",
                child_words="Makara: 'Baby eat!'",
                agreed="Weekly weighing for a month; look at the household income next visit.",
                next_in_days=7,
                seen=("Makara", "Thida"),
            ),
        ),
        path=((PHASE.ASSESSMENT, "Assessing the family's needs with the mother."),),
    ),
    DemoCase(
        family_name="Nuon (នួន)",
        concerns=("neglect", "school_dropout"),
        team=TEAM_A,
        village="Ou Thnong",
        opened_by="supervisor",
        worker="colleague",
        tier=Case.Tier.EARLY,
        risk_level=Case.Risk.LOW,
        opened_days_ago=210,
        reason=(
            "Puthy (9) has never been to school; neighbours say he is kept inside because he "
            "cannot hear well."
        ),
        address_notes="Grocery stall at the crossroads; the family lives behind it.",
        people=(
            adult(P.MOTHER, "នួន", "សុខា", "Nuon", "Sokha", F, 38),
            adult(P.FATHER, "នួន", "ធារ៉ា", "Nuon", "Theara", M, 41),
            child(
                "នួន",
                "ពុទ្ធី",
                "Nuon",
                "Puthy",
                M,
                (9, 75),
                S.ENROLLED,
                disability="Hearing impairment; wears a hearing aid.",
            ),
            child(
                "នួន",
                "គឹមហុង",
                "Nuon",
                "Kimhong",
                F,
                (13, 5),
                S.ENROLLED,
                relationship=P.SIBLING,
                concerned=False,
            ),
        ),
        visits=(
            DemoVisit(
                days_ago=200,
                author="colleague",
                present="Mother, father, Puthy and his sister Kimhong.",
                observations=(
                    "Puthy is bright and curious and signs with his sister. The parents are "
                    "ashamed and afraid he would be teased at school."
                ),
                family_words="Father: The school said they cannot teach a child who cannot hear.",
                child_words="Puthy (through Kimhong): He wants to go to school with her.",
                agreed=(
                    "Colleague finds a hearing assessment and asks the district education "
                    "office about the special class."
                ),
                next_in_days=14,
                seen=("Puthy",),
            ),
            DemoVisit(
                days_ago=150,
                author="colleague",
                present="Mother and Puthy.",
                observations=(
                    "Hearing aid fitted at the clinic. A place is offered in the special class "
                    "at the district school."
                ),
                family_words="Mother: He laughed when he heard the rooster.",
                child_words="Puthy: I hear the motorbike!",
                agreed=(
                    "Parents apply for a small business grant for a grocery stall, so the "
                    "mother can take Puthy to school."
                ),
                next_in_days=30,
                seen=("Puthy",),
            ),
            DemoVisit(
                days_ago=100,
                author="colleague",
                present="Mother, father and Puthy.",
                observations="Puthy attends four days a week. The stall is being built.",
                family_words="Father: We did not know he could learn so fast.",
                child_words="Puthy: My teacher gives me stars.",
                agreed="Colleague follows up the grant with the commune council.",
                next_in_days=30,
                seen=("Puthy",),
                addenda=(
                    (
                        "colleague",
                        "The grant was approved the day after this visit; the stall opened the "
                        "following week.",
                    ),
                ),
            ),
            DemoVisit(
                days_ago=40,
                author="colleague",
                present="Mother, father, Puthy and Kimhong.",
                observations=(
                    "The stall gives a steady income. Puthy goes to school every day and signs "
                    "with his classmates."
                ),
                family_words="Mother: We are proud of him.",
                child_words="Puthy (with his teacher's help): School is good. I have a friend.",
                agreed="Closing review with the supervisor next month.",
                next_in_days=30,
                seen=("Puthy",),
                alone=("Puthy",),
            ),
        ),
        path=(
            (PHASE.ASSESSMENT, "Needs: education and a way to hear; strengths: close family."),
            (PHASE.INTERVENTION, "Plan: hearing aid, special class, grocery stall grant."),
            (PHASE.FOLLOW_UP, "Puthy in school every week; monthly follow-up."),
            (
                PHASE.CLOSED,
                "Puthy attends the special class every day and the stall gives a steady "
                "income; family and worker both scale safety at 9. Closed by agreement.",
            ),
        ),
    ),
    DemoCase(
        family_name="Seng (សេង)",
        concerns=("trafficking", "exploitation"),
        team=TEAM_A,
        village="Tuol Khpos",
        opened_by="supervisor",
        worker="supervisor",
        covering="colleague",
        tier=Case.Tier.CRISIS,
        risk_level=Case.Risk.HIGH,
        opened_days_ago=55,
        reason=(
            "Raksmey (15) told a teacher that a woman from the city offered her work, and "
            "that her mother agreed because of the family's debts."
        ),
        address_notes="Two houses past the commune police post, on the left.",
        people=(
            adult(P.MOTHER, "សេង", "មុន្នី", "Seng", "Monny", F, 44),
            child("សេង", "រស្មី", "Seng", "Raksmey", F, (15, 100), S.DROPPED_OUT),
            child("សេង", "បូរ៉ា", "Seng", "Bora", M, (10, 222), S.ENROLLED),
            adult(P.GRANDPARENT, "សេង", "ឈឿន", "Seng", "Chhoeun", M, 70),
        ),
        visits=(
            DemoVisit(
                days_ago=50,
                author="supervisor",
                present="Mother, Raksmey and grandfather; Bora at school.",
                observations=(
                    "The family owes two microfinance loans; the mother is anxious. Raksmey "
                    "has a phone number from the woman."
                ),
                family_words=(
                    "Mother: She said Raksmey could send back 200 dollars a month. I did not "
                    "know what else to do."
                ),
                child_words=(
                    "Raksmey: I want to help Mama, but I am afraid to go with someone I don't know."
                ),
                agreed=(
                    "Raksmey leaves the village with nobody; grandfather gives the number to "
                    "the commune police post. Supervisor finds a debt counselling service."
                ),
                next_in_days=3,
                seen=("Raksmey",),
                alone=("Raksmey",),
            ),
            DemoVisit(
                days_ago=30,
                author="colleague",
                present="Mother, grandfather, Raksmey and Bora.",
                observations=(
                    "Debt counselling done; repayments rescheduled. Raksmey is enrolled in a "
                    "tailoring course at the youth centre."
                ),
                family_words="Grandfather: Nobody takes our girl. I walk her to the course.",
                child_words="Raksmey: The course is fun. I made a shirt for Bora.",
                agreed=(
                    "Raksmey attends the course five days a week; the colleague visits weekly "
                    "while the supervisor is on leave."
                ),
                next_in_days=7,
                seen=("Raksmey", "Bora"),
                alone=("Raksmey",),
                addenda=(
                    (
                        "supervisor",
                        "The commune police passed the number to the provincial unit. No "
                        "contact with the family since.",
                    ),
                ),
            ),
            DemoVisit(
                days_ago=1,
                author="colleague",
                present="Mother, Raksmey and Bora.",
                observations=(
                    "Raksmey is doing well at the course. The mother has paid the first "
                    "rescheduled instalment."
                ),
                family_words="Mother: The loan officer was kinder than I thought.",
                child_words="Raksmey: One day I want my own tailoring shop.",
                agreed="Ask the supervisor for a review of the safety plan.",
                next_in_days=14,
                seen=("Raksmey", "Bora"),
                signed=False,
            ),
        ),
        path=(
            (PHASE.ASSESSMENT, "Immediate safety agreed; assessing with the family."),
            (PHASE.INTERVENTION, "Plan: debt counselling, tailoring course, watchful network."),
        ),
    ),
    # --- Team B ---------------------------------------------------------------------------
    DemoCase(
        family_name="Long (ឡុង)",
        concerns=("neglect",),
        team=TEAM_B,
        village="Kouk Chan",
        opened_by="chair",
        worker="outsider",
        tier=Case.Tier.PREVENTION,
        risk_level=Case.Risk.MEDIUM,
        opened_days_ago=8,
        reason=(
            "Commune council: the children are often alone from dawn to dusk while their "
            "mother works at the garment factory."
        ),
        address_notes="Rented room in the row behind the market, third door.",
        people=(
            adult(P.MOTHER, "ឡុង", "នារី", "Long", "Neary", F, 29),
            child("ឡុង", "វិចិត្រ", "Long", "Vichet", M, (9, 33), S.ENROLLED),
            child("ឡុង", "ស្រីនិច", "Long", "Sreynich", F, (6, 180), S.ENROLLED),
        ),
        visits=(
            DemoVisit(
                days_ago=6,
                kind=KIND.PHONE,
                author="outsider",
                present="Phone call with the mother during her lunch break.",
                observations=(
                    "Mother leaves at 5:30 and is back at 19:00, six days a week. The father "
                    "works in Thailand."
                ),
                family_words="I leave rice for them. Vichet is a big boy.",
                child_words="",
                agreed="Home visit on Sunday, when the mother is at home.",
                next_in_days=4,
            ),
            DemoVisit(
                days_ago=3,
                author="outsider",
                present="Mother, Vichet, Sreynich and the neighbour, Grandma Phal.",
                observations=(
                    "Children clean and fed; Vichet lights the charcoal stove himself. The "
                    "neighbour looks in at lunchtime."
                ),
                family_words="Mother: If I stop working we cannot pay the rent.",
                child_words=(
                    "Sreynich: I am scared when the dogs bark at night and Mama is not home. "
                    "Vichet: I lock the door."
                ),
                agreed=(
                    "Ask the pagoda about its after-school group; the neighbour keeps the "
                    "children at her house after school."
                ),
                next_in_days=7,
                seen=("Vichet", "Sreynich"),
                alone=("Sreynich",),
            ),
        ),
    ),
    DemoCase(
        family_name="Yin (យិន)",
        concerns=("physical_abuse",),
        team=TEAM_B,
        village="Srah Thmei",
        opened_by="outsider",
        worker="outsider",
        tier=Case.Tier.EARLY,
        risk_level=Case.Risk.HIGH,
        opened_days_ago=24,
        reason=(
            "Veasna (13) told her teacher that her stepfather beats her with a stick when her "
            "chores are not done."
        ),
        address_notes="House with a tin roof beside the Srah Thmei primary school.",
        people=(
            adult(P.MOTHER, "យិន", "សុភាព", "Yin", "Sopheap", F, 35),
            adult(P.OTHER, "ម៉ៅ", "សុខុន", "Mao", "Sokhon", M, 39),
            child("យិន", "វាសនា", "Yin", "Veasna", F, (13, 250), S.ENROLLED),
            child(
                "ម៉ៅ",
                "រតនៈ",
                "Mao",
                "Ratanak",
                M,
                (3, 20),
                S.TOO_YOUNG,
                relationship=P.SIBLING,
                concerned=False,
            ),
        ),
        visits=(
            DemoVisit(
                days_ago=21,
                author="outsider",
                present="Mother and Veasna; stepfather at work.",
                observations=(
                    "Veasna has marks a few days old on the back of her legs. She keeps close "
                    "to her mother."
                ),
                family_words=(
                    "Mother: I tell him not to, but he says she is lazy. I am afraid he will "
                    "leave us."
                ),
                child_words="Veasna: I do all my chores. When he is angry I go to the pagoda.",
                agreed=(
                    "With her mother's agreement Veasna stays with her aunt in the next "
                    "village until we meet the stepfather. Outsider tells the chair today."
                ),
                next_in_days=3,
                seen=("Veasna",),
                alone=("Veasna",),
            ),
            DemoVisit(
                days_ago=12,
                author="outsider",
                present="Mother, stepfather, Ratanak; Veasna brought by her aunt.",
                observations=(
                    "The stepfather admitted hitting Veasna and said it is how he was raised. "
                    "He listened when the harm and the law were explained."
                ),
                family_words=(
                    "Stepfather: I will not use the stick again. Tell me another way to make "
                    "her help."
                ),
                child_words="Veasna: I want to come home, but only if he promises in front of you.",
                agreed=(
                    "Stepfather joins the commune parenting group. Veasna stays with her aunt "
                    "until a safety plan is written together."
                ),
                next_in_days=7,
                seen=("Veasna",),
                alone=("Veasna",),
                addenda=(
                    (
                        "chair",
                        "Reviewed with the worker: Veasna stays with her aunt until everyone, "
                        "Veasna included, has agreed the safety plan.",
                    ),
                ),
            ),
        ),
        path=((PHASE.ASSESSMENT, "Veasna safe with her aunt; assessing with the family."),),
    ),
    DemoCase(
        family_name="Chhin (ឈិន)",
        concerns=("neglect", "school_dropout"),
        team=TEAM_B,
        village="Kouk Chan",
        opened_by="chair",
        worker="outsider",
        tier=Case.Tier.CRISIS,
        risk_level=Case.Risk.HIGH,
        opened_days_ago=45,
        reason=(
            "Since her husband died the mother stays in bed most days; Sothea (12) has left "
            "school to care for her brother and sister."
        ),
        address_notes="Thatched house at the end of the canal path.",
        people=(
            adult(P.MOTHER, "ឈិន", "ស្រីម៉ៅ", "Chhin", "Sreymao", F, 34),
            child("ឈិន", "សុធា", "Chhin", "Sothea", F, (12, 44), S.IRREGULAR),
            child("ឈិន", "សម្បត្តិ", "Chhin", "Sambath", M, (8, 70), S.IRREGULAR),
            child("ឈិន", "ចន្ធូ", "Chhin", "Chanthou", F, (2, 160), S.TOO_YOUNG),
        ),
        visits=(
            DemoVisit(
                days_ago=40,
                author="outsider",
                present="Mother, Sothea, Sambath and Chanthou.",
                observations=(
                    "Mother thin and withdrawn. Little food in the house. Sothea cooks and "
                    "washes; Chanthou is clean and cared for."
                ),
                family_words="Mother: I cannot do anything since he died.",
                child_words="Sothea: I am tired. I miss school. I don't want Mama to be sad.",
                agreed=(
                    "Outsider takes the mother to the health centre for a mental health check; "
                    "the pagoda brings lunch for the children."
                ),
                next_in_days=7,
                seen=("Sothea", "Sambath", "Chanthou"),
                alone=("Sothea",),
            ),
            DemoVisit(
                days_ago=25,
                author="outsider",
                present="Mother, the three children and a neighbour.",
                observations=(
                    "Mother has started medication and counselling and sits outside with the "
                    "neighbours. Pagoda meals arrive every day."
                ),
                family_words="Mother: The monk came to talk with me. I slept the whole night.",
                child_words="Sambath: The pagoda rice is good, there is fish.",
                agreed=(
                    "Sothea goes back to school in the mornings; the neighbour watches "
                    "Chanthou meanwhile."
                ),
                next_in_days=14,
                seen=("Sothea", "Sambath", "Chanthou"),
                addenda=(
                    (
                        "outsider",
                        "Correction: the counselling appointment is on Thursdays, not Tuesdays.",
                    ),
                ),
            ),
            DemoVisit(
                days_ago=11,
                author="outsider",
                present="Mother and Chanthou; Sothea and Sambath came back from school.",
                observations="The mother is cooking again. Sothea goes to school every morning.",
                family_words="Mother: Some days are still heavy, but I get up.",
                child_words="Sothea: My friends kept my seat for me.",
                agreed="Keep the pagoda meals for another month; counselling continues.",
                next_in_days=14,
                seen=("Sothea", "Sambath", "Chanthou"),
                alone=("Sothea",),
            ),
            DemoVisit(
                days_ago=1,
                author="outsider",
                present="Mother and Chanthou.",
                observations="The mother asked about a small business grant to sell rice cakes.",
                family_words="Mother: I made rice cakes for the neighbours and they paid me.",
                child_words="Chanthou gave the worker a rice cake and laughed.",
                agreed="Outsider brings the grant form next visit.",
                next_in_days=14,
                seen=("Chanthou",),
                signed=False,
            ),
        ),
        path=(
            (PHASE.ASSESSMENT, "Children fed through the pagoda; assessing with the mother."),
            (PHASE.INTERVENTION, "Plan: mental health care, pagoda meals, Sothea to school."),
        ),
    ),
    DemoCase(
        family_name="Pov (ពៅ)",
        concerns=("exploitation", "child_labour"),
        team=TEAM_B,
        village="Srah Thmei",
        opened_by="outsider",
        worker="outsider",
        tier=Case.Tier.EARLY,
        risk_level=Case.Risk.MEDIUM,
        opened_days_ago=160,
        reason=(
            "Vireak (15) came back unpaid after three months on a fishing boat; the family "
            "borrowed to pay the man who took him."
        ),
        address_notes="Yellow house opposite the rice mill, with a hammock under it.",
        people=(
            adult(P.MOTHER, "ពៅ", "ស្រីនាង", "Pov", "Sreyneang", F, 47),
            adult(P.FATHER, "ពៅ", "សារុន", "Pov", "Sarun", M, 50),
            child("ពៅ", "វីរៈ", "Pov", "Vireak", M, (15, 80), S.DROPPED_OUT),
            child(
                "ពៅ",
                "ម៉ាលី",
                "Pov",
                "Maly",
                F,
                (11, 200),
                S.ENROLLED,
                relationship=P.SIBLING,
                concerned=False,
            ),
        ),
        visits=(
            DemoVisit(
                days_ago=155,
                author="outsider",
                present="Mother, father and Vireak.",
                observations=(
                    "Vireak is quiet, sleeps badly and startles at noises. The parents are "
                    "relieved to have him home."
                ),
                family_words="Father: We thought the boat would pay well. We were wrong.",
                child_words="Vireak: I won't talk about the boat. I want to fix motorbikes.",
                agreed=(
                    "Refer Vireak to counselling; ask the motorbike repair shop in the market "
                    "about an apprenticeship."
                ),
                next_in_days=7,
                seen=("Vireak",),
                alone=("Vireak",),
            ),
            DemoVisit(
                days_ago=115,
                author="outsider",
                present="Mother, Vireak and Maly.",
                observations="Vireak has started the apprenticeship; counselling every fortnight.",
                family_words="Mother: He eats with us again and laughs with his sister.",
                child_words="Vireak: My boss lets me change tyres.",
                agreed="Visit each month; the family tells the worker if the lender comes.",
                next_in_days=30,
                seen=("Vireak",),
            ),
            DemoVisit(
                days_ago=60,
                author="outsider",
                present="Mother, father and Vireak.",
                observations="Vireak sleeps well. He earns a small wage at the shop.",
                family_words="Father: We have paid back half the debt.",
                child_words="Vireak: The boss says I can do brakes next month.",
                agreed="Move to follow-up.",
                next_in_days=30,
                seen=("Vireak",),
                alone=("Vireak",),
            ),
            DemoVisit(
                days_ago=20,
                author="outsider",
                present="Mother, Vireak and Maly.",
                observations="All well; Vireak taught Maly to ride his bicycle.",
                family_words="Mother: We feel our family is whole again.",
                child_words="Vireak: I am saving for my own tools.",
                agreed="Review with the chair in two months.",
                next_in_days=30,
                seen=("Vireak",),
            ),
        ),
        path=(
            (PHASE.ASSESSMENT, "Assessing with the family: trauma, debt, his wish to work."),
            (PHASE.INTERVENTION, "Plan: counselling, apprenticeship, debt repayment plan."),
            (PHASE.FOLLOW_UP, "Vireak settled at work and at home; monthly follow-up."),
        ),
    ),
    DemoCase(
        family_name="Sok (សុខ)",
        concerns=("family_separation", "economic_hardship"),
        team=TEAM_B,
        village="Kouk Chan",
        opened_by="chair",
        worker="outsider",
        tier=Case.Tier.PREVENTION,
        risk_level=Case.Risk.LOW,
        opened_days_ago=27,
        reason=(
            "A passer-by reported young children living in a leaf shelter at the edge of the "
            "rice fields after the floods."
        ),
        address_notes="Palm-leaf shelter beside the grandparents' house, east of the dyke.",
        people=(
            adult(P.MOTHER, "សុខ", "លក្ខិណា", "Sok", "Leakhena", F, 30),
            adult(P.FATHER, "សុខ", "វុទ្ធី", "Sok", "Vuthy", M, 33),
            child("សុខ", "នីតា", "Sok", "Nita", F, (7, 95), S.ENROLLED),
            child("សុខ", "បញ្ញា", "Sok", "Panha", M, (5, 12), S.ENROLLED),
            adult(P.GRANDPARENT, "សុខ", "ចន្ទ្រា", "Sok", "Chantrea", F, 66),
        ),
        visits=(
            DemoVisit(
                days_ago=25,
                author="outsider",
                present="Mother, father, Nita, Panha; grandmother came over from next door.",
                observations=(
                    "A palm-leaf shelter since the flood damaged the house. The grandparents "
                    "live ten metres away; the parents sleep beside the children; both "
                    "children go to school and are well fed."
                ),
                family_words="Father: We will rebuild after the harvest. My parents are next door.",
                child_words="Nita: Grandma makes us rice soup. I sleep next to Mama.",
                agreed="Ask the commune council about flood repair support.",
                next_in_days=7,
                seen=("Nita", "Panha"),
                alone=("Nita",),
            ),
            DemoVisit(
                days_ago=18,
                author="outsider",
                present="Mother, Nita and Panha.",
                observations=(
                    "The commune council has put the family on the flood repair list. "
                    "Strengths: a close family, children in school, grandparents next door."
                ),
                family_words="Mother: Thank you for asking about us and not taking the children.",
                child_words="Panha: I have a new school bag.",
                agreed=(
                    "Close the case: the family's own network keeps the children safe. The "
                    "family may call the worker if things change."
                ),
                next_in_days=None,
                seen=("Nita", "Panha"),
            ),
        ),
        path=(
            (PHASE.ASSESSMENT, "Housing is a risk; strong protective factors to weigh."),
            (
                PHASE.CLOSED,
                "The children are safe: relatives next door, parents sleep beside them, both "
                "in school. Housing need passed to the commune council; no intervention needed.",
            ),
        ),
    ),
)


PLACES: dict[str, str] = {
    KIND.HOME: "Family home, {village}",
    KIND.PHONE: "By phone",
    KIND.OFFICE: "Commune hall",
}
