"""The demo's service directory, incoming referrals, consents and referrals to services.

Every name, service, phone number and story here is invented and follows the families of
`casework.demo_data`. Phone numbers are in a range no Cambodian operator hands out ("000 ...").
Dates are relative to the day the demo is loaded: days (or hours) before today, or days after
it for follow-ups. Who is who: a family member or a child is named by the Latin given name
casework's demo gave them; a service, a consent or a referral by the key given to it here.
"""

from __future__ import annotations

from dataclasses import dataclass

from casework.models import Case, Person

from .models import Consent, Intake, OutgoingReferral

PHASE = Case.Phase
REL = Person.Relationship
F = Person.Sex.FEMALE
M = Person.Sex.MALE
U = Person.Sex.UNKNOWN
WHO = Intake.ReferrerKind
URGENCY = Intake.Urgency
DECISION = Intake.Decision
GIVEN = Consent.GivenBy
STATUS = OutgoingReferral.Status


# --- The directory ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoService:
    key: str
    name: str
    provider: str
    kinds: tuple[str, ...]  # codes of referrals.kinds
    villages: tuple[str, ...]  # names of the demo's villages
    description: str
    area_notes: str
    eligibility: str
    contact_name: str
    phone: str
    address: str
    partners: tuple[str, ...] = ()  # demo logins who receive its referrals in Upstream


TEMPLE = "temple"
SCHOLARSHIP = "scholarship"
HEALTH = "health"
LEGAL = "legal"
COUNSELLING = "counselling"
TRAINING = "training"

DEMO_SERVICES: tuple[DemoService, ...] = (
    DemoService(
        key=TEMPLE,
        name="Wat Prey Chheu school-day meals",
        provider="Pagoda committee of Wat Prey Chheu",
        kinds=("food",),
        villages=("Prey Chheu", "Tuol Khpos", "Ou Thnong"),
        description=(
            "A hot lunch of rice, soup and fish or egg at the pagoda's kitchen every school day, "
            "cooked by volunteers of the pagoda committee; a bag of rice for the family at Pchum "
            "Ben."
        ),
        area_notes="The three villages around the pagoda; children walk or cycle over at noon.",
        eligibility=(
            "School-age children (5 to 12) of families short of food, referred by the agency or "
            "the village chief. Babies and toddlers are not fed here: ask the health centre."
        ),
        contact_name="Achar Prak Sovan",
        phone="000 201 101",
        address="Pagoda kitchen, behind the main hall of Wat Prey Chheu.",
        partners=("partner",),
    ),
    DemoService(
        key=SCHOLARSHIP,
        name="Trapeang Kong commune scholarship",
        provider="Trapeang Kong commune council",
        kinds=("education",),
        villages=("Prey Chheu", "Tuol Khpos"),
        description=(
            "Uniform, books and 40,000 riel a month for children who would otherwise leave "
            "school; the commune's education focal person checks attendance each month."
        ),
        area_notes="Villages of Trapeang Kong commune.",
        eligibility=(
            "Children in grades 4 to 9 who missed school for work or poverty; the family agrees "
            "to monthly attendance checks."
        ),
        contact_name="Education focal person, commune hall",
        phone="000 201 102",
        address="Trapeang Kong commune hall, open Monday to Friday mornings.",
    ),
    DemoService(
        key=HEALTH,
        name="Srah Thmei health centre",
        provider="Bati operational health district",
        kinds=("health",),
        villages=("Kouk Chan", "Srah Thmei"),
        description=(
            "Vaccinations, growth checks and nutrition advice for young children; a nurse for "
            "mental health checks on Thursdays; free of charge for families with an equity card."
        ),
        area_notes="Kouk Chan and Srah Thmei; other villages of Bati go to their own centre.",
        eligibility="Everyone; bring the family book or the equity card if you have one.",
        contact_name="Head nurse",
        phone="000 201 103",
        address="On the road to the market, opposite the primary school.",
    ),
    DemoService(
        key=LEGAL,
        name="Family legal aid clinic",
        provider="Justice for Families (synthetic legal aid)",
        kinds=("legal",),
        villages=(),
        description=(
            "Free lawyers for children and women: protection orders, birth registration, "
            "complaints to the police and the court, debts taken under pressure."
        ),
        area_notes=(
            "Kampong Speu and Takeo provinces; the lawyer comes to the commune hall once a month "
            "and sooner when a child is in danger."
        ),
        eligibility="Children and their caregivers who cannot pay a lawyer.",
        contact_name="Duty lawyer",
        phone="000 201 104",
        address="Office near the provincial court, Chbar Mon.",
    ),
    DemoService(
        key=COUNSELLING,
        name="Listening Tree counselling",
        provider="Listening Tree (synthetic counselling service)",
        kinds=("psychosocial",),
        villages=("Prey Chheu", "Tuol Khpos", "Ou Thnong", "Kouk Chan", "Srah Thmei"),
        description=(
            "Counselling for children and caregivers after violence, exploitation or loss; "
            "play sessions for younger children; a parents' group each month."
        ),
        area_notes="Samraong Tong and Bati districts, at home or at the commune hall.",
        eligibility="Children and caregivers referred by a social worker, a nurse or a teacher.",
        contact_name="Intake counsellor",
        phone="000 201 105",
        address="Rooms above the pharmacy in Samraong Tong market.",
    ),
    DemoService(
        key=TRAINING,
        name="Tailoring and motorbike repair training",
        provider="Skills for Tomorrow vocational centre (synthetic)",
        kinds=("livelihood",),
        villages=("Prey Chheu", "Tuol Khpos", "Ou Thnong"),
        description=(
            "Six-month courses in tailoring and motorbike repair, with a daily meal, a small "
            "allowance and a starter kit; small business coaching for caregivers."
        ),
        area_notes="Samraong Tong district; lodging for trainees who come from far.",
        eligibility="Young people from 15 who left school, and caregivers starting a trade.",
        contact_name="Course coordinator",
        phone="000 201 106",
        address="Workshop beside the district secondary school.",
    ),
)


# --- Incoming referrals ----------------------------------------------------------------------


@dataclass(frozen=True)
class DemoIntakePerson:
    relationship: str
    given_km: str = ""
    family_km: str = ""
    given_latin: str = ""
    family_latin: str = ""
    sex: str = U
    age: int | None = None
    of_concern: bool = False


@dataclass(frozen=True)
class DemoScreening:
    by: str
    decision: str
    reason: str
    service: str = ""  # a service key, when signposted


@dataclass(frozen=True)
class DemoIntake:
    recorded_by: str
    hours_ago: int
    referrer_kind: str
    urgency: str
    description: str  # unique: how a second run recognises it
    people: tuple[DemoIntakePerson, ...]
    concerns: tuple[str, ...] = ()
    referrer_name: str = ""
    referrer_organisation: str = ""
    referrer_contact: str = ""
    referrer_confidential: bool = True
    family_name: str = ""
    village: str = ""
    address_notes: str = ""
    screening: DemoScreening | None = None


DAY = 24

DEMO_INTAKES: tuple[DemoIntake, ...] = (
    # --- Awaiting screening: one of each urgency, from different referrers -------------------
    DemoIntake(
        recorded_by="worker",
        hours_ago=2,
        referrer_kind=WHO.ANONYMOUS,
        urgency=URGENCY.IMMEDIATE,
        referrer_contact="Called the office phone; did not leave a number.",
        village="Ou Thnong",
        address_notes="The caller said: the house with the karaoke sign on the road to the dam.",
        concerns=("exploitation", "school_dropout"),
        description=(
            "A woman phoned: a girl of about 13 serves drinks at the karaoke shop until after "
            "midnight and sleeps there; men from outside the village come at night. The caller "
            "did not know the girl's family name and was afraid to be recognised."
        ),
        people=(DemoIntakePerson(REL.CHILD, given_km="ស្រីល័ខ", sex=F, age=13, of_concern=True),),
    ),
    DemoIntake(
        recorded_by="worker",
        hours_ago=2 * DAY + 3,
        referrer_kind=WHO.PROFESSIONAL,
        urgency=URGENCY.URGENT,
        referrer_name="Ms Kim Sothy",
        referrer_organisation="Teacher, Prey Chheu primary school",
        referrer_contact="000 301 201",
        family_name="Chan",
        village="Prey Chheu",
        concerns=("school_dropout", "neglect"),
        description=(
            "Pisey's teacher: Pisey came to school on Tuesday with a burn on her arm and said "
            "she cooks for her brother alone all day since the harvest started. She has missed "
            "eight days this month."
        ),
        people=(
            DemoIntakePerson(REL.CHILD, "ពិសី", "ចាន់", "Pisey", "Chan", F, age=10, of_concern=True),
            DemoIntakePerson(REL.SIBLING, given_latin="Sovann", family_latin="Chan", sex=M, age=7),
        ),
    ),
    DemoIntake(
        recorded_by="supervisor",
        hours_ago=6 * DAY + 5,
        referrer_kind=WHO.COMMUNITY,
        urgency=URGENCY.SOON,
        referrer_name="Mr Chea Rithea",
        referrer_organisation="Village chief, Tuol Khpos",
        referrer_contact="000 301 202",
        family_name="Phan (ផាន់)",
        village="Tuol Khpos",
        address_notes="Last house before the cassava fields, beside the broken well.",
        concerns=("economic_hardship", "family_separation"),
        description=(
            "The village chief: the mother left for work in Thailand three months ago and has "
            "not sent money since; the grandmother cares for three children and sold her last "
            "cow. The eldest talks of following his mother."
        ),
        people=(
            DemoIntakePerson(REL.GRANDPARENT, "ស៊ីណាត", "ផាន់", "", "", F, age=68),
            DemoIntakePerson(REL.CHILD, "ប៊ុនធឿន", "ផាន់", "Bunthoeun", "Phan", M, 14, True),
            DemoIntakePerson(REL.CHILD, "", "", "Sreyka", "Phan", F, age=9, of_concern=True),
            DemoIntakePerson(REL.CHILD, "រតនា", "ផាន់", "", "", F, age=5, of_concern=True),
        ),
    ),
    DemoIntake(
        recorded_by="outsider",
        hours_ago=12 * DAY + 1,
        referrer_kind=WHO.COMMUNITY,
        urgency=URGENCY.ROUTINE,
        referrer_name="Mrs Ros Sopheap",
        referrer_organisation="Neighbour",
        referrer_contact="Through the village chief of Srah Thmei.",
        family_name="Sam",
        village="Srah Thmei",
        concerns=("neglect",),
        description=(
            "A neighbour: a boy of about seven is often outside after dark looking for food; his "
            "father works nights at the brick kiln and the boy's mother died last year."
        ),
        people=(
            DemoIntakePerson(
                REL.CHILD, given_km="ចន្ទា", family_km="សំ", sex=M, age=7, of_concern=True
            ),
            DemoIntakePerson(REL.FATHER, given_latin="Dina", family_latin="Sam", sex=M, age=38),
        ),
    ),
    # --- Screened ---------------------------------------------------------------------------
    DemoIntake(
        recorded_by="outsider",
        hours_ago=20 * DAY,
        referrer_kind=WHO.FAMILY,
        urgency=URGENCY.SOON,
        referrer_name="Mrs Lim Chenda",
        referrer_organisation="Aunt",
        referrer_contact="000 301 203",
        family_name="Lim (លឹម)",
        village="Kouk Chan",
        concerns=("child_labour",),
        description=(
            "The boy's aunt: Rotha (14) works at the rice mill during the school holidays and "
            "she fears he will not go back to school."
        ),
        people=(
            DemoIntakePerson(REL.CHILD, "រដ្ឋា", "លឹម", "Rotha", "Lim", M, 14, True),
            DemoIntakePerson(REL.FATHER, "សុផល", "លឹម", "Sophal", "Lim", M, 45),
        ),
        screening=DemoScreening(
            by="chair",
            decision=DECISION.NO_FURTHER_ACTION,
            reason=(
                "Checked with the school and the village chief: Rotha works two mornings a week "
                "at the mill beside his father during the holidays, light work and paid, and he "
                "is enrolled for the new school year. No further action; the aunt was thanked "
                "and told to call again if he does not go back."
            ),
        ),
    ),
    DemoIntake(
        recorded_by="supervisor",
        hours_ago=9 * DAY + 4,
        referrer_kind=WHO.ORGANISATION,
        referrer_name="Ms Touch Malen",
        referrer_organisation="Commune committee for women and children, Trapeang Kong",
        referrer_contact="000 301 204",
        referrer_confidential=False,
        urgency=URGENCY.ROUTINE,
        family_name="Ouk (អ៊ុក)",
        village="Prey Chheu",
        concerns=("economic_hardship",),
        description=(
            "The commune committee: since the father's accident the family earns little; Kunthea "
            "(16) left school in the spring and wants to learn a trade. The children are well "
            "cared for."
        ),
        people=(
            DemoIntakePerson(REL.CHILD, "គន្ធា", "អ៊ុក", "Kunthea", "Ouk", F, 16, True),
            DemoIntakePerson(REL.MOTHER, "ស្រីពៅ", "អ៊ុក", "Sreypov", "Ouk", F, 40),
        ),
        screening=DemoScreening(
            by="supervisor",
            decision=DECISION.SIGNPOST,
            service=TRAINING,
            reason=(
                "No protection concern: the children are safe and cared for. The need is an "
                "income and a trade for Kunthea; the family was given the vocational centre's "
                "number and the commune committee will go with them to enrol."
            ),
        ),
    ),
)


# --- Consents and referrals, case by case ----------------------------------------------------


@dataclass(frozen=True)
class DemoConsent:
    key: str
    given_by: str  # Latin given name of the family member
    kind: str  # Consent.GivenBy
    information: tuple[str, ...]  # codes of referrals.sharing
    purpose: str
    given_days_ago: int
    how_explained: str
    services: tuple[str, ...] = ()  # service keys
    kinds: tuple[str, ...] = ()  # help kind codes
    expires_in_days: int | None = None  # negative: already expired
    understanding: str = ""  # a child's consent
    withdrawn_by: str = ""  # Latin given name; withdrawn today
    withdrawal_note: str = ""


@dataclass(frozen=True)
class DemoReferral:
    service: str  # a service key
    kind: str  # a help kind code
    need: str
    children: tuple[str, ...]  # Latin given names
    status: str  # where the referral's story ends
    fields: tuple[str, ...] | None = None  # None: the kind's need-to-know default
    background: str = ""
    override_reason: str = ""  # sent by the team's supervisor without consent
    follow_up_in_days: int | None = None
    decline_reason: str = ""
    outcome: str = ""
    withdraw_reason: str = ""


@dataclass(frozen=True)
class DemoSharing:
    family_name: str
    phase: str  # the phase the case is in when this demo runs; otherwise nothing
    consents: tuple[DemoConsent, ...] = ()
    referrals: tuple[DemoReferral, ...] = ()


FOOD_FIELDS = ("names", "age", "village", "need")

DEMO_SHARING: tuple[DemoSharing, ...] = (
    DemoSharing(
        family_name="Heng (ហេង)",
        phase=PHASE.INTERVENTION,
        consents=(
            DemoConsent(
                key="mother",
                given_by="Chantha",
                kind=GIVEN.CAREGIVER,
                kinds=("food", "psychosocial"),
                information=("names", "age", "village", "caregivers", "phone", "need"),
                purpose="Meals for the children and counselling for the family after the violence.",
                given_days_ago=30,
                expires_in_days=335,
                how_explained=(
                    "Explained in Khmer at the aunt's house, without the father there: who would "
                    "receive what, and that she can say no or change her mind at any time."
                ),
            ),
        ),
        referrals=(
            DemoReferral(
                service=TEMPLE,
                kind="food",
                need="Lunch on school days while the mother has no income of her own.",
                children=("Socheata", "Piseth"),
                status=STATUS.ACKNOWLEDGED,
                follow_up_in_days=7,
            ),
            DemoReferral(
                service=LEGAL,
                kind="legal",
                need="Advice and help to ask the court for a protection order.",
                children=("Socheata", "Piseth"),
                status=STATUS.SENT,
                background=(
                    "The children saw their father hit their mother several times this year; "
                    "he drinks and threatens her at night. The mother wants the violence to stop "
                    "but fears what he would do if she signed anything."
                ),
                override_reason=(
                    "To protect the children: the father came home drunk with a knife last week. "
                    "The mother agrees to see the lawyer but is afraid to sign a consent he could "
                    "find; legal advice on a protection order cannot wait."
                ),
                follow_up_in_days=5,
            ),
        ),
    ),
    DemoSharing(
        family_name="Meas (មាស)",
        phase=PHASE.FOLLOW_UP,
        consents=(
            DemoConsent(
                key="father",
                given_by="Chamroeun",
                kind=GIVEN.CAREGIVER,
                services=(SCHOLARSHIP, TEMPLE),
                information=("names", "age", "village", "school", "need"),
                purpose="Oudom back at school: a scholarship, and lunch so he can stay all day.",
                given_days_ago=100,
                expires_in_days=265,
                how_explained=(
                    "Read out in Khmer with Oudom present; the father signed with his thumbprint."
                ),
            ),
        ),
        referrals=(
            DemoReferral(
                service=SCHOLARSHIP,
                kind="education",
                need="A scholarship for the new school year so Oudom does not go back to the kiln.",
                children=("Oudom",),
                status=STATUS.SENT,
                follow_up_in_days=14,
            ),
            DemoReferral(
                service=TEMPLE,
                kind="food",
                need="Lunch on school days for the first term back at school.",
                children=("Oudom", "Lina"),
                status=STATUS.COMPLETED,
                outcome=(
                    "Both children ate at the pagoda every school day for the term; Oudom now "
                    "helps the volunteers wash up. The father earns enough to give them lunch "
                    "money from next month."
                ),
            ),
        ),
    ),
    DemoSharing(
        family_name="Seng (សេង)",
        phase=PHASE.INTERVENTION,
        consents=(
            DemoConsent(
                key="raksmey",
                given_by="Raksmey",
                kind=GIVEN.CHILD,
                kinds=("livelihood",),
                information=("names", "age", "village", "phone", "need"),
                purpose="A place on the tailoring course, so she can earn without leaving home.",
                given_days_ago=12,
                expires_in_days=180,
                understanding=(
                    "Raksmey (15) said back in her own words who would know what about her and "
                    "asked that nothing about the woman from the city be told to the course."
                ),
                how_explained="Explained to Raksmey alone, then with her mother, in Khmer.",
            ),
            DemoConsent(
                key="mother",
                given_by="Monny",
                kind=GIVEN.CAREGIVER,
                services=(TEMPLE,),
                information=FOOD_FIELDS,
                purpose="Lunch for Bora while the family repays its debts.",
                given_days_ago=40,
                how_explained="Explained in Khmer at home, with the grandfather present.",
                withdrawn_by="Monny",
                withdrawal_note=(
                    "The mother says the family now eats with the grandfather and does not want "
                    "the pagoda to know more about them."
                ),
            ),
        ),
        referrals=(
            DemoReferral(
                service=TRAINING,
                kind="livelihood",
                need="A place on the six-month tailoring course starting next month.",
                children=("Raksmey",),
                fields=("names", "age", "village", "phone", "need"),
                status=STATUS.SENT,
                follow_up_in_days=10,
            ),
            DemoReferral(
                service=TEMPLE,
                kind="food",
                need="Lunch on school days for Bora.",
                children=("Bora",),
                status=STATUS.WITHDRAWN,
                withdraw_reason=(
                    "The mother withdrew her consent to share with the pagoda; the family eats "
                    "with the grandfather now."
                ),
            ),
        ),
    ),
    DemoSharing(
        family_name="Keo (កែវ)",
        phase=PHASE.ASSESSMENT,
        consents=(
            DemoConsent(
                key="grandmother",
                given_by="Sokhom",
                kind=GIVEN.CAREGIVER,
                kinds=("food", "education"),
                information=("names", "age", "village", "school", "need"),
                purpose="Meals and school support for the three grandchildren.",
                given_days_ago=6,
                expires_in_days=360,
                how_explained=(
                    "Explained slowly in Khmer at home; the grandmother asked her neighbour to "
                    "listen too, and agreed."
                ),
            ),
        ),
        referrals=(
            DemoReferral(
                service=TEMPLE,
                kind="food",
                need="Lunch on school days; the grandmother's pension does not cover three meals.",
                children=("Dara", "Sreypich"),
                status=STATUS.ACCEPTED,
                follow_up_in_days=14,
            ),
        ),
    ),
    DemoSharing(
        family_name="Tep (ទេព)",
        phase=PHASE.ASSESSMENT,
        consents=(
            DemoConsent(
                key="mother",
                given_by="Sreyleak",
                kind=GIVEN.CAREGIVER,
                kinds=("food", "health"),
                information=("names", "age", "village", "need"),
                purpose="Food for the young children while the mother looks for work.",
                given_days_ago=10,
                expires_in_days=170,
                how_explained="Explained in Khmer with the grandmother, who reads for the family.",
            ),
        ),
        referrals=(
            DemoReferral(
                service=TEMPLE,
                kind="food",
                need="Daily food for the two small children.",
                children=("Makara", "Thida"),
                status=STATUS.DECLINED,
                decline_reason=(
                    "Our kitchen feeds school-age children at noon; babies and toddlers need "
                    "milk and advice we cannot give. Please ask the health centre's nutrition "
                    "programme."
                ),
            ),
        ),
    ),
    DemoSharing(
        family_name="Chan (ចាន់)",
        phase=PHASE.INTAKE,
        referrals=(
            DemoReferral(
                service=TEMPLE,
                kind="food",
                need="Lunch on school days during the harvest, so Pisey can stay at school.",
                children=("Pisey", "Sovann"),
                status=STATUS.DRAFT,
                background="Waiting for the mother's consent at Monday's visit.",
                fields=FOOD_FIELDS,
            ),
        ),
    ),
    DemoSharing(
        family_name="Chhin (ឈិន)",
        phase=PHASE.INTERVENTION,
        consents=(
            DemoConsent(
                key="mother",
                given_by="Sreymao",
                kind=GIVEN.CAREGIVER,
                services=(HEALTH,),
                information=("names", "age", "sex", "date_of_birth", "village", "need"),
                purpose="The mother's mental health check and Chanthou's vaccinations.",
                given_days_ago=75,
                expires_in_days=-15,
                how_explained="Explained in Khmer at home; agreed for the first two months.",
            ),
        ),
        referrals=(
            DemoReferral(
                service=HEALTH,
                kind="health",
                need="Chanthou's missed vaccinations and a growth check.",
                children=("Chanthou",),
                fields=("names", "age", "sex", "date_of_birth", "village", "need"),
                status=STATUS.DRAFT,
                follow_up_in_days=7,
            ),
        ),
    ),
)
