"""The demo's safety networks, safety plans and support delivered, case by case.

Every name and story here is invented and follows the family's story in `casework.demo_data`
and `assessments.demo_data` (its danger statements, safety goals and plan goals). Dates are days
before the day the demo is loaded. Who is who: a family member or a child is named by the Latin
given name casework's demo gave them; a network member by the key given to them here; a danger
statement, a safety goal or a plan goal by the start of its text.
"""

from __future__ import annotations

from dataclasses import dataclass

from casework.models import Case

from .models import Intervention

PHASE = Case.Phase
KIND = Intervention.Kind
KHR = Intervention.Currency.KHR


@dataclass(frozen=True)
class DemoMember:
    key: str
    name: str  # "ខ្មែរ (Latin)", as a family member's name shows
    relationship: str
    joined_days_ago: int
    knows_worries: str = ""
    agreed_to_do: str = ""
    contact: str = ""
    person: str = ""  # Latin given name, when the member is one of the family


@dataclass(frozen=True)
class DemoLeaving:
    member: str
    days_ago: int
    reason: str
    replaced_by: str = ""  # a member key
    replacement_note: str = ""


@dataclass(frozen=True)
class DemoRule:
    text: str  # in the family's words
    responsible: str  # a member key, or the Latin given name of a family member
    how_known: str
    if_not_kept: str
    danger: str = ""  # start of the danger statement it answers
    safety_goal: str = ""  # start of the safety goal it serves


@dataclass(frozen=True)
class DemoSafetyPlan:
    rules: tuple[DemoRule, ...]
    for_the_children: str
    agreed_days_ago: int | None = None  # None: still a draft
    agreed_people: tuple[str, ...] = ()
    agreed_network: tuple[str, ...] = ()


@dataclass(frozen=True)
class DemoSupport:
    kind: str
    description: str
    started_days_ago: int
    ended_days_ago: int | None = None
    outcome: str = ""
    provider: str = ""
    amount: int | None = None
    currency: str = ""
    goals: tuple[str, ...] = ()  # starts of the texts of the approved plan's goals


@dataclass(frozen=True)
class DemoSafety:
    family_name: str
    phase: str  # the phase casework's demo leaves the case in; otherwise nothing is written
    members: tuple[DemoMember, ...]
    # In order: (plan, network changes made after it was agreed and before the next version).
    plans: tuple[tuple[DemoSafetyPlan, tuple[DemoLeaving, ...]], ...] = ()
    support: tuple[DemoSupport, ...] = ()
    author: str | None = None  # demo login; by default the case's worker
    worked_in: str | None = None  # for a closed case: the phase it was in when this was written
    # Days the case has been in its phase, set only where its safety plan is overdue (see demo).
    in_phase_days: int | None = None


HENG_DANGER = "If the father keeps drinking"
HENG_NIGHT = "The children sleep safely at home"
HENG_PAYDAY = "Payday passes without drinking"

HENG_RULES_V1 = (
    DemoRule(
        "ប្តីស្រវឹងមកផ្ទះ ខ្ញុំនាំកូនទៅគេងផ្ទះបងកញ្ញា។ If Papa comes home drunk, Mama takes "
        "Socheata and Piseth to Aunt Kanha's and they sleep there.",
        "Chantha",
        "Aunt Kanha tells the worker the next morning whenever the children slept at hers.",
        "Aunt Kanha calls the village chief and the worker the same night.",
        danger=HENG_DANGER,
        safety_goal=HENG_NIGHT,
    ),
    DemoRule(
        "ទ្វារផ្ទះខ្ញុំបើករាល់យប់។ My door stays open every night.",
        "kanha",
        "Socheata tells the worker on each visit; the door is never locked before ten.",
        "The mother and the children go to the village chief's house instead.",
        danger=HENG_DANGER,
        safety_goal=HENG_NIGHT,
    ),
    DemoRule(
        "On payday Papa walks home with Vanthy and gives the money to Mama before he eats.",
        "vanthy",
        "Mama tells Aunt Kanha on payday evening that the money came home.",
        "Vanthy tells the worker; the worker visits the next day.",
        danger=HENG_DANGER,
    ),
    DemoRule(
        "គ្មានស្រានៅក្នុងផ្ទះ។ No alcohol in the house.",
        "Samnang",
        "Aunt Kanha and the children would see it; the worker asks on every visit.",
        "Papa sleeps away from home that night and meets the worker the next day.",
        danger=HENG_DANGER,
    ),
)

HENG_RULES_V2 = (
    *HENG_RULES_V1[:2],
    DemoRule(
        "On payday Papa walks home with his brother Sokun and gives the money to Mama before "
        "he eats.",
        "sokun",
        "Mama tells Aunt Kanha on payday evening that the money came home.",
        "Sokun tells the village chief and the worker; the worker visits the next day.",
        danger=HENG_DANGER,
        safety_goal=HENG_PAYDAY,
    ),
    HENG_RULES_V1[3],
    DemoRule(
        "If Socheata or Piseth seem frightened or tired at school, the teacher tells the worker.",
        "sophal",
        "The teacher sends a message to the worker the same week.",
        "The worker sees the children alone at school and then at home.",
        safety_goal=HENG_NIGHT,
    ),
    DemoRule(
        "Papa goes to Piseth's school day, sober.",
        "Samnang",
        "The teacher tells the worker he came.",
        "The family talks about it with the worker at the next visit.",
        safety_goal=HENG_PAYDAY,
    ),
)

HENG_FOR_THE_CHILDREN = (
    "Papa shouted and broke things when he drank, and Mama was hurt. That was not your fault. "
    "Everybody has agreed what to do so you are safe at night: Aunt Kanha's door is always open, "
    "and Papa is working hard to stop drinking."
)

DEMO_SAFETY: tuple[DemoSafety, ...] = (
    # --- Intervention -------------------------------------------------------------------------
    DemoSafety(
        family_name="Heng (ហេង)",
        phase=PHASE.INTERVENTION,
        members=(
            DemoMember(
                "kanha",
                "ហេង កញ្ញា (Heng Kanha)",
                "aunt, lives in the house next door",
                58,
                knows_worries="Everything: the mother told her about the drinking and the bruise.",
                agreed_to_do="Keeps her door open at night and calls the worker if there is "
                "violence.",
                contact="The house next door, east side",
                person="Kanha",
            ),
            DemoMember(
                "vanthy",
                "រី វណ្ណធី (Ry Vanthy)",
                "neighbour across the road, the father's friend from the factory",
                46,
                knows_worries="That the father drinks on payday and the family is afraid.",
                agreed_to_do="Walks home with the father on payday so he does not stop to drink.",
            ),
            DemoMember(
                "chief",
                "ជា វុទ្ធី (Chea Vuthy)",
                "village chief of Ou Thnong",
                46,
                knows_worries="That there was violence at night and a plan is in place.",
                agreed_to_do="Is who the aunt calls at night if she needs help; checks in with "
                "the father after payday.",
                contact="The village chief's house by the pagoda road",
            ),
            DemoMember(
                "sophal",
                "មាន សុផល (Mean Sophal)",
                "Socheata's teacher at Ou Thnong primary school",
                30,
                knows_worries="Only that the children have been frightened at home at night.",
                agreed_to_do="Tells the worker if either child seems frightened, tired or misses "
                "school.",
                contact="Ou Thnong primary school",
            ),
            DemoMember(
                "sokun",
                "ហេង សុខុន (Heng Sokun)",
                "the father's older brother, two houses away",
                25,
                knows_worries="About the drinking and the plan; the father asked him to help.",
                agreed_to_do="Walks home with the father on payday, instead of Vanthy.",
            ),
        ),
        plans=(
            (
                DemoSafetyPlan(
                    rules=HENG_RULES_V1,
                    for_the_children=HENG_FOR_THE_CHILDREN,
                    agreed_days_ago=44,
                    agreed_people=("Chantha", "Samnang", "Socheata"),
                    agreed_network=("kanha", "vanthy", "chief"),
                ),
                (
                    DemoLeaving(
                        "vanthy",
                        24,
                        "Moved to Phnom Penh for construction work; he still phones the father.",
                        replaced_by="sokun",
                        replacement_note="Sokun, the father's older brother, walks home with him "
                        "on payday.",
                    ),
                ),
            ),
            (
                DemoSafetyPlan(
                    rules=HENG_RULES_V2,
                    for_the_children=HENG_FOR_THE_CHILDREN,
                    agreed_days_ago=6,
                    agreed_people=("Chantha", "Samnang", "Socheata", "Piseth"),
                    agreed_network=("kanha", "chief", "sophal", "sokun"),
                ),
                (),
            ),
        ),
        support=(
            DemoSupport(
                KIND.COUNSELLING,
                "Weekly commune alcohol support group for the father.",
                40,
                outcome="Goes every week; no drink for five weeks.",
                provider="Commune alcohol support group",
                goals=("The father stays sober",),
            ),
            DemoSupport(
                KIND.PARENTING,
                "Two sessions with both parents on settling arguments without violence.",
                30,
                ended_days_ago=16,
                outcome="Both parents came to both sessions; they now talk on the porch, not "
                "in front of the children.",
                goals=("The father stays sober",),
            ),
        ),
    ),
    DemoSafety(
        family_name="Seng (សេង)",
        phase=PHASE.INTERVENTION,
        # The allocated worker is the team's supervisor; the covering worker does the visits.
        author="colleague",
        members=(
            DemoMember(
                "grandfather",
                "សេង ឈឿន (Seng Chhoeun)",
                "grandfather, lives in the house",
                48,
                knows_worries="Everything; he was there when the woman came.",
                agreed_to_do="Walks Raksmey to the course and back every day.",
                person="Chhoeun",
            ),
            DemoMember(
                "rachana",
                "អ៊ុក រចនា (Ouk Rachana)",
                "tailoring trainer at the youth centre",
                45,
                knows_worries="That someone tried to take Raksmey away to work.",
                agreed_to_do="Phones the grandfather the same morning if Raksmey does not come.",
                contact="Youth centre, Tuol Khpos",
            ),
            DemoMember(
                "sovath",
                "ញឹម សុវត្ថិ (Nhem Sovath)",
                "officer at the commune police post",
                48,
                knows_worries="The woman's phone number and what she offered.",
                agreed_to_do="Tells the family and the worker if the woman is seen in the commune.",
                contact="Commune police post",
            ),
        ),
        plans=(
            (
                DemoSafetyPlan(
                    rules=(
                        DemoRule(
                            "រស្មីមិនទៅណាក្រៅភូមិជាមួយនរណាម្នាក់ទេ។ Raksmey goes nowhere "
                            "outside the village with anyone, unless Mama, Grandpa and the "
                            "worker all know and agree.",
                            "Monny",
                            "Grandpa walks with her every day and would know at once.",
                            "Grandpa calls the commune police post and the worker.",
                            danger="If the debts stay as they are",
                            safety_goal="Raksmey leaves the village with nobody",
                        ),
                        DemoRule(
                            "Grandpa walks Raksmey to the course and back every day.",
                            "grandfather",
                            "The trainer sees them arrive each morning.",
                            "The trainer calls Grandpa, then the worker.",
                            safety_goal="Raksmey leaves the village with nobody",
                        ),
                        DemoRule(
                            "If Raksmey does not come to the course without a message, the "
                            "trainer phones Grandpa the same morning.",
                            "rachana",
                            "Grandpa tells the worker on each visit whether she called.",
                            "The worker asks the youth centre to remind the trainer.",
                            safety_goal="Raksmey leaves the village with nobody",
                        ),
                        DemoRule(
                            "If the woman from the city or anyone offering work calls or comes, "
                            "the police post is told the same day.",
                            "sovath",
                            "The officer tells the worker whenever the family reports a call.",
                            "The worker goes to the police post with the mother.",
                            danger="If the debts stay as they are",
                        ),
                    ),
                    for_the_children=(
                        "A woman offered Raksmey work far away. That could have been dangerous. "
                        "Nobody is angry with you: you did the right thing by telling your "
                        "teacher. Now Grandpa, the trainer and the police all help keep you "
                        "safe here."
                    ),
                    agreed_days_ago=28,
                    agreed_people=("Monny", "Chhoeun", "Raksmey"),
                    agreed_network=("grandfather", "rachana", "sovath"),
                ),
                (),
            ),
        ),
        support=(
            DemoSupport(
                KIND.COUNSELLING,
                "Debt counselling; the two loans rescheduled with the lender.",
                40,
                ended_days_ago=35,
                outcome="Repayments rescheduled over two years; first instalment paid.",
                provider="Debt counselling service",
                goals=("The family repays its loans",),
            ),
            DemoSupport(
                KIND.LIVELIHOOD,
                "Tailoring course at the youth centre, five days a week.",
                45,
                outcome="Attends every day; made her first shirt.",
                provider="Youth centre",
                goals=("Raksmey learns a trade",),
            ),
        ),
    ),
    DemoSafety(
        family_name="Chhin (ឈិន)",
        phase=PHASE.INTERVENTION,
        # Left on purpose without an agreed safety plan: the draft is still being written, the
        # case has been in intervention for five weeks, so it is on the chair's attention list.
        in_phase_days=38,
        members=(
            DemoMember(
                "monk",
                "គង់ សុវណ្ណ (Venerable Kong Sovann)",
                "monk at the village pagoda",
                36,
                knows_worries="That the mother is grieving and the children were going hungry.",
                agreed_to_do="The pagoda brings lunch every day; he talks with the mother.",
                contact="Wat Prey Chheu",
            ),
            DemoMember(
                "sokunthea",
                "រស់ សុគន្ធា (Ros Sokunthea)",
                "neighbour",
                30,
                knows_worries="That the mother is unwell some days.",
                agreed_to_do="Watches Chanthou in the mornings while Sothea is at school.",
            ),
            DemoMember(
                "dara",
                "លឹម ដារ៉ា (Lim Dara)",
                "Sothea's teacher",
                25,
                knows_worries="That Sothea left school to care for her brother and sister.",
                agreed_to_do="Tells the worker if Sothea misses school.",
                contact="Prey Chheu primary school",
            ),
        ),
        plans=(
            (
                DemoSafetyPlan(
                    rules=(
                        DemoRule(
                            "The pagoda brings lunch for the children every day.",
                            "monk",
                            "The neighbour sees the lunch arrive.",
                            "The neighbour tells the worker the same day.",
                            danger="If nothing changes the children will go hungry",
                            safety_goal="The children eat every day",
                        ),
                        DemoRule(
                            "Sothea goes to school every morning; the neighbour minds Chanthou.",
                            "sokunthea",
                            "",
                            "",
                            safety_goal="The children eat every day",
                        ),
                    ),
                    for_the_children="",
                ),
                (),
            ),
        ),
        support=(
            DemoSupport(
                KIND.FOOD,
                "Lunch for the three children from the pagoda, every day.",
                36,
                outcome="Every day for five weeks; the children have put on weight.",
                provider="Village pagoda",
                goals=("The children eat enough",),
            ),
            DemoSupport(
                KIND.COUNSELLING,
                "Counselling for the mother every Thursday at the health centre.",
                37,
                outcome="Has missed no session; she cooks again most days.",
                provider="Health centre counsellor",
                goals=("The mother is well enough",),
            ),
        ),
    ),
    # --- Follow-up ----------------------------------------------------------------------------
    DemoSafety(
        family_name="Meas (មាស)",
        phase=PHASE.FOLLOW_UP,
        members=(
            DemoMember(
                "pheakdey",
                "ជុំ ភក្ដី (Chum Pheakdey)",
                "Oudom's class teacher",
                100,
                knows_worries="That Oudom worked at the kiln and might go back.",
                agreed_to_do="Phones the worker after two missed days.",
                contact="Lower secondary school",
            ),
            DemoMember(
                "sreyroth",
                "នូវ ស្រីរ័ត្ន (Nov Sreyroth)",
                "commune focal person for women and children",
                100,
                knows_worries="The family's money worries and the kiln.",
                agreed_to_do="Makes sure the scholarship stipend is paid each month.",
                contact="Commune hall",
            ),
            DemoMember(
                "rotha",
                "ពេជ្រ រដ្ឋា (Pich Rotha)",
                "neighbour, a motorbike mechanic",
                90,
                knows_worries="That Oudom must not go back to the kiln.",
                agreed_to_do="Lets Oudom learn at his workshop on Sundays, never on school days.",
            ),
        ),
        plans=(
            (
                DemoSafetyPlan(
                    rules=(
                        DemoRule(
                            "អូត្តមមិនត្រឡប់ទៅឡឥដ្ឋវិញទេ។ Oudom does not go back to the kiln, "
                            "not even for one day.",
                            "Chamroeun",
                            "The teacher sees him at school every day.",
                            "The focal person and the worker meet the father that week.",
                            danger="If the money stays short",
                            safety_goal="Oudom goes to school every day",
                        ),
                        DemoRule(
                            "If Oudom misses two days, the teacher phones the worker.",
                            "pheakdey",
                            "The worker asks the teacher each month.",
                            "The worker visits the school and the family the same week.",
                            safety_goal="Oudom goes to school every day",
                        ),
                        DemoRule(
                            "If money runs short, Papa talks to the focal person before anyone "
                            "asks Oudom to work.",
                            "sreyroth",
                            "The focal person tells the worker when the father comes.",
                            "The worker and the focal person look at the stipend together.",
                            danger="If the money stays short",
                        ),
                    ),
                    for_the_children=(
                        "Working at the kiln burned your hands and kept you from school. Your "
                        "father, your teacher and the commune have agreed you will never go back."
                    ),
                    agreed_days_ago=90,
                    agreed_people=("Chamroeun", "Oudom"),
                    agreed_network=("pheakdey", "sreyroth", "rotha"),
                ),
                (),
            ),
        ),
        support=(
            DemoSupport(
                KIND.SCHOOL,
                "Scholarship: a uniform, a bicycle and a monthly stipend.",
                95,
                outcome="Paid every month; Oudom has not missed a day.",
                provider="Commune Committee for Women and Children",
                goals=("Oudom goes to school every day",),
            ),
        ),
    ),
    DemoSafety(
        family_name="Pov (ពៅ)",
        phase=PHASE.FOLLOW_UP,
        members=(
            DemoMember(
                "vichea",
                "ហៀង វិជ្ជា (Heang Vichea)",
                "owner of the motorbike repair shop, Vireak's master",
                120,
                knows_worries="That Vireak was taken to work on a boat for a debt.",
                agreed_to_do="Tells the family if anyone asks for Vireak at the shop.",
                contact="Market repair shop",
            ),
            DemoMember(
                "ol",
                "សំ អុល (Sam Ol)",
                "village chief",
                150,
                knows_worries="The debt and the lender's name.",
                agreed_to_do="Asks the mother each week whether the lender came.",
            ),
        ),
        plans=(
            (
                DemoSafetyPlan(
                    rules=(
                        DemoRule(
                            "If the lender comes or asks for Vireak or Maly, Mama tells the "
                            "village chief and the worker the same day.",
                            "Sreyneang",
                            "The village chief asks the mother each week.",
                            "The worker and the village chief meet the lender with the father.",
                            danger="While the debt stands",
                        ),
                        DemoRule(
                            "Nobody in the family goes to work on a boat or away for the lender.",
                            "Sarun",
                            "The shop owner sees Vireak at work every day.",
                            "The village chief tells the worker at once.",
                            danger="While the debt stands",
                        ),
                        DemoRule(
                            "If anyone asks for Vireak at the shop, the owner tells the family.",
                            "vichea",
                            "Vireak tells the worker on each visit.",
                            "The worker talks with the owner.",
                        ),
                    ),
                    for_the_children=(
                        "Vireak was made to work on a boat to pay a debt. That was wrong and it "
                        "will not happen again: the village chief and the shop owner are watching "
                        "out for you both."
                    ),
                    agreed_days_ago=112,
                    agreed_people=("Sreyneang", "Sarun", "Vireak"),
                    agreed_network=("vichea", "ol"),
                ),
                (),
            ),
        ),
        support=(
            DemoSupport(
                KIND.COUNSELLING,
                "Counselling for Vireak every fortnight.",
                150,
                outcome="Attends every session; sleeps through the night again.",
                provider="Counselling service",
                goals=("Vireak recovers",),
            ),
            DemoSupport(
                KIND.LIVELIHOOD,
                "Apprenticeship at the market motorbike repair shop.",
                120,
                outcome="Now paid a small wage.",
                provider="Motorbike repair shop",
                goals=("Vireak learns to repair",),
            ),
        ),
    ),
    # --- Closed -------------------------------------------------------------------------------
    DemoSafety(
        family_name="Nuon (នួន)",
        phase=PHASE.CLOSED,
        worked_in=PHASE.FOLLOW_UP,
        members=(
            DemoMember(
                "chenda",
                "ឡាយ ចិន្ដា (Lay Chenda)",
                "Puthy's teacher in the special class",
                140,
                knows_worries="That Puthy never went to school before and is teased.",
                agreed_to_do="Sends word with Kimhong if Puthy misses a day.",
                contact="District school, special class",
            ),
            DemoMember(
                "saroeun",
                "ផុន សារឿន (Phon Saroeun)",
                "grandmother next door",
                140,
                knows_worries="Everything; she has always helped with Puthy.",
                agreed_to_do="Keeps Puthy with her if the hearing aid breaks, until it is fixed.",
            ),
        ),
        plans=(
            (
                DemoSafetyPlan(
                    rules=(
                        DemoRule(
                            "Puthy goes to the special class every day; Mama takes him on her "
                            "way to the stall.",
                            "Sokha",
                            "The teacher marks him present; Kimhong tells the worker.",
                            "The teacher sends word with Kimhong the same day.",
                            danger="If nothing changes, Puthy grows up",
                            safety_goal="Puthy goes to school every day",
                        ),
                        DemoRule(
                            "If Puthy misses a day, the teacher sends word with Kimhong.",
                            "chenda",
                            "The worker asks the teacher each month.",
                            "The worker visits the school.",
                            safety_goal="Puthy goes to school every day",
                        ),
                        DemoRule(
                            "If the hearing aid breaks, Grandmother keeps Puthy with her and "
                            "Papa takes it to the clinic the same week.",
                            "saroeun",
                            "Papa tells the worker when the aid goes to the clinic.",
                            "The worker takes it to the clinic.",
                        ),
                    ),
                    for_the_children=(
                        "Puthy, you can learn like everyone else. Your teacher, your "
                        "grandmother and your family help you get to school every day."
                    ),
                    agreed_days_ago=140,
                    agreed_people=("Sokha", "Theara", "Puthy", "Kimhong"),
                    agreed_network=("chenda", "saroeun"),
                ),
                (),
            ),
        ),
        support=(
            DemoSupport(
                KIND.CASH_GRANT,
                "Capital to open a small grocery stall in front of the house.",
                100,
                ended_days_ago=100,
                outcome="The stall opened; a steady income of about 20,000 riel a day.",
                amount=400_000,
                currency=KHR,
                goals=("The family earns enough",),
            ),
            DemoSupport(
                KIND.IN_KIND_GRANT,
                "A hearing aid and its batteries for a year.",
                150,
                ended_days_ago=150,
                outcome="Aid fitted; Puthy laughed when he heard the rooster.",
                provider="Hearing clinic",
                goals=("Puthy hears",),
            ),
        ),
    ),
)
