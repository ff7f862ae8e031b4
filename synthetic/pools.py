"""Pools the generator draws from: names, places and the words of case notes. All invented.

Names are common Khmer name parts combined at random, each with its Latin spelling, so that no
generated person is anyone in particular (casework/demo_data.py does the same by hand). Texts are
short, plain notes in the voice of a field worker; none of them describes a real family.

Every string here goes into PostgreSQL's COPY text format as it is, so none may hold a tab, a
line break or a backslash: `check_pools()` refuses them when the generator starts.
"""

from __future__ import annotations

# (Latin, Khmer)
FAMILY_NAMES: tuple[tuple[str, str], ...] = (
    ("Sok", "សុខ"),
    ("Chan", "ចាន់"),
    ("Keo", "កែវ"),
    ("Heng", "ហេង"),
    ("Lim", "លឹម"),
    ("Meas", "មាស"),
    ("Chea", "ជា"),
    ("Ouk", "អ៊ុក"),
    ("Pich", "ពេជ្រ"),
    ("Prak", "ប្រាក់"),
    ("Seng", "សេង"),
    ("Som", "សោម"),
    ("Tep", "ទេព"),
    ("Touch", "ទូច"),
    ("Yim", "យឹម"),
    ("Nov", "នូវ"),
    ("Mao", "ម៉ៅ"),
    ("Long", "ឡុង"),
    ("Kim", "គឹម"),
    ("Ly", "លី"),
    ("Phan", "ផាន"),
    ("Chhim", "ឈឹម"),
    ("Sam", "សំ"),
    ("Ros", "រស់"),
    ("Vann", "វ៉ាន់"),
    ("Khun", "ឃុន"),
    ("Men", "ម៉ែន"),
    ("Nuon", "នួន"),
    ("Chhay", "ឆាយ"),
    ("Hem", "ហែម"),
    ("Kong", "គង់"),
    ("Mom", "មុំ"),
)

# (Latin, Khmer)
GIVEN_FEMALE: tuple[tuple[str, str], ...] = (
    ("Sophea", "សុភា"),
    ("Sreymom", "ស្រីមុំ"),
    ("Pisey", "ពិសី"),
    ("Sokhom", "សុខុម"),
    ("Sreypich", "ស្រីពេជ្រ"),
    ("Chanthy", "ចន្ធី"),
    ("Bopha", "បុប្ផា"),
    ("Malis", "ម្លិះ"),
    ("Phalla", "ផល្លា"),
    ("Nary", "ណារី"),
    ("Raksmey", "រស្មី"),
    ("Chenda", "ចិន្តា"),
    ("Kanha", "កញ្ញា"),
    ("Thida", "ធីតា"),
    ("Leakena", "លក្ខិណា"),
    ("Sokunthea", "សុគន្ធា"),
    ("Sreyneang", "ស្រីនាង"),
    ("Channary", "ចន្ទនារី"),
    ("Davy", "ដាវី"),
    ("Sovanna", "សុវណ្ណា"),
    ("Kunthea", "គន្ធា"),
    ("Vanny", "វណ្ណី"),
)

GIVEN_MALE: tuple[tuple[str, str], ...] = (
    ("Dara", "ដារ៉ា"),
    ("Vibol", "វិបុល"),
    ("Sovann", "សុវណ្ណ"),
    ("Vanna", "វណ្ណា"),
    ("Rithy", "រិទ្ធី"),
    ("Kosal", "កុសល"),
    ("Vannak", "វណ្ណៈ"),
    ("Sothea", "សុធា"),
    ("Visal", "វិសាល"),
    ("Rotha", "រដ្ឋា"),
    ("Piseth", "ពិសិដ្ឋ"),
    ("Samnang", "សំណាង"),
    ("Veasna", "វាសនា"),
    ("Sophal", "សុផល"),
    ("Mony", "មុន្នី"),
    ("Chamroeun", "ចំរើន"),
    ("Bunthoeun", "ប៊ុនធឿន"),
    ("Sambath", "សម្បត្តិ"),
    ("Virak", "វីរៈ"),
    ("Narith", "ណារិទ្ធ"),
    ("Pheakdey", "ភក្តី"),
    ("Kimheng", "គឹមហេង"),
)

# Cambodia's provinces (public geography); districts, communes and villages below are made up.
PROVINCES: tuple[str, ...] = (
    "Banteay Meanchey",
    "Battambang",
    "Kampong Cham",
    "Kampong Chhnang",
    "Kampong Speu",
    "Kampong Thom",
    "Kampot",
    "Kandal",
    "Kep",
    "Koh Kong",
    "Kratie",
    "Mondulkiri",
    "Oddar Meanchey",
    "Pailin",
    "Phnom Penh",
    "Preah Sihanouk",
    "Preah Vihear",
    "Prey Veng",
    "Pursat",
    "Ratanakiri",
    "Siem Reap",
    "Stung Treng",
    "Svay Rieng",
    "Takeo",
    "Tboung Khmum",
)

# Place-name parts, (Latin, Khmer): a prefix and a suffix make a name ("Prey Chheu").
PLACE_PREFIXES: tuple[tuple[str, str], ...] = (
    ("Prey", "ព្រៃ"),
    ("Tuol", "ទួល"),
    ("Trapeang", "ត្រពាំង"),
    ("Kouk", "គោក"),
    ("Srah", "ស្រះ"),
    ("Ou", "អូរ"),
    ("Boeng", "បឹង"),
    ("Phnom", "ភ្នំ"),
    ("Kampong", "កំពង់"),
    ("Chrey", "ជ្រៃ"),
    ("Svay", "ស្វាយ"),
    ("Thnal", "ថ្នល់"),
    ("Roka", "រកា"),
    ("Krang", "ក្រាំង"),
    ("Ta", "តា"),
)
PLACE_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("Chheu", "ឈើ"),
    ("Khpos", "ខ្ពស់"),
    ("Thnong", "ថ្នង"),
    ("Chan", "ចាន់"),
    ("Thmei", "ថ្មី"),
    ("Kong", "គង"),
    ("Sab", "សាប"),
    ("Lvea", "ល្វា"),
    ("Rumduol", "រំដួល"),
    ("Andoung", "អណ្ដូង"),
    ("Sla", "ស្លា"),
    ("Kdei", "ក្ដី"),
    ("Veng", "វែង"),
    ("Chas", "ចាស់"),
    ("Ampil", "អំពិល"),
    ("Tnaot", "ត្នោត"),
    ("Prasat", "ប្រាសាទ"),
)

ADDRESS_NOTES: tuple[str, ...] = (
    "Wooden house on stilts behind the pagoda pond, blue door.",
    "Last house on the dirt road past the school, next to the rice mill.",
    "Ask at the noodle stall by the market; the family lives behind it.",
    "Brick house with a green gate, opposite the commune office.",
    "Small house in the rice fields, reached along the canal path.",
    "Next to the well at the end of the village, a water jar by the steps.",
    "Behind the grocery on the main road; the dog is friendly.",
    "Thatched house near the cashew trees, east side of the village.",
)

VISIT_PRESENT: tuple[str, ...] = (
    "Mother and the children.",
    "Both parents and the children.",
    "Grandmother and the younger children.",
    "Father and the eldest child; mother at the market.",
    "Mother, the children and an aunt from next door.",
    "The children and their grandfather.",
)

VISIT_OBSERVATIONS: tuple[str, ...] = (
    "Clean, tidy home; rice cooking. The children were playing in the yard.",
    "House in need of repair; the roof leaks at one corner. Food stored off the floor.",
    "The children looked well fed and were dressed for school.",
    "Mother seemed tired and worried about debts; the children stayed close to her.",
    "Father was calm and answered questions; school books kept on a shelf.",
    "Little food in the house today; the family had eaten once since morning.",
    "The youngest child has a cough; the family has not yet been to the health centre.",
    "Grandmother manages well with help from the neighbours.",
    "The children showed their school work and were proud of it.",
    "The family has started a small vegetable garden behind the house.",
)

FAMILY_WORDS: tuple[str, ...] = (
    "We want the children to finish school, but the harvest needs everyone.",
    "Things are better since the grant; we eat twice a day now.",
    "We argue less since the meetings with the village chief.",
    "The money from the city does not come every month.",
    "We are doing what we agreed and the children are happier.",
    "We need help with the school fees before the new term.",
    "Grandmother cannot look after them alone any more.",
)

CHILD_WORDS: tuple[str, ...] = (
    "I like school, my teacher is kind.",
    "I want to go back to school.",
    "I feel safe when grandmother is home.",
    "I am scared when father drinks.",
    "I help with the cows after school.",
    "I want to be a nurse.",
    "My friends play with me now.",
    "",
)

VISIT_AGREED: tuple[str, ...] = (
    "Mother will speak to the teacher on Monday.",
    "Worker asks the commune council about the childcare group.",
    "Father goes with the worker to the health centre next week.",
    "The family keeps a note of school days missed.",
    "Grandmother calls the worker if the children are left alone.",
    "Worker brings the forms for the school scholarship.",
    "The neighbour checks on the children in the evenings.",
)

PLACES: tuple[str, ...] = (
    "Family home",
    "Family home",
    "Family home",
    "Commune office",
    "Primary school",
    "Health centre",
)

NEEDS: tuple[str, ...] = (
    "To go to school every day and keep up with the class.",
    "To eat enough every day.",
    "To be looked after by an adult when the parents are away.",
    "To live without violence at home.",
    "To see a doctor about the cough that does not go away.",
    "To have a safe adult to talk to.",
    "To sleep somewhere dry and safe.",
    "To stay with the family rather than go to work in the city.",
)

STRENGTHS: tuple[str, ...] = (
    "Grandmother lives next door and is close to the children.",
    "The parents love the children and want to change things.",
    "The teacher knows the family and watches out for the children.",
    "The village chief visits often.",
    "The eldest child is responsible and cares for the younger ones.",
    "",
)

ANALYSES: tuple[str, ...] = (
    "The surface sign is missed school; the root cause is the family's debt.",
    "The worry is real but the family has people around it who can help.",
    "Drinking makes the violence worse; sober, father is gentle with the children.",
    "Poverty more than neglect: the parents work long hours far from home.",
    "",
)

RISKS: tuple[str, ...] = (
    "Left alone for days while the parents work away.",
    "Hit when father has been drinking.",
    "Sent to work instead of school.",
    "Not enough food in the lean season.",
    "Debt to a money lender the family cannot repay.",
)

SUMMARIES: tuple[str, ...] = (
    "The family cares for the children and needs support to keep them in school.",
    "The children are safe while grandmother is there; the plan must cover the nights.",
    "Violence at home is the main danger; mother is ready to act on a plan.",
    "Debt drives most of the worries; a livelihood grant would change a lot.",
)

GOALS: tuple[str, ...] = (
    "The children go to school every day.",
    "The children eat at least twice every day.",
    "There is always an adult at home at night.",
    "Nobody in the family is hit or hurt.",
    "The family earns enough to pay the school costs.",
    "The youngest child sees the doctor and gets treatment.",
)

ACTIONS: tuple[str, ...] = (
    "Take the children to school on the way to the fields.",
    "Apply for the commune scholarship.",
    "Visit the health centre with the youngest child.",
    "Call grandmother when father has been drinking.",
    "Join the savings group at the pagoda.",
    "Ask the teacher for a weekly note on attendance.",
)

ACTION_WHO: tuple[tuple[str, str], ...] = (
    ("family", "mother"),
    ("family", "father"),
    ("network", "grandmother next door"),
    ("worker", ""),
    ("service", "health centre"),
)

MAPPING_ENTRIES: dict[str, tuple[str, ...]] = {
    "past_harm": (
        "The children were left alone for three days in March.",
        "Father hit the eldest son last month.",
    ),
    "complicating": (
        "The family owes money to a lender in the next village.",
        "Mother works nights at the factory.",
    ),
    "danger": (
        "We are worried the children will be hurt if father drinks and nobody else is home.",
        "We are worried the children will stop school for good and be sent to work.",
    ),
    "strength": (
        "Grandmother comes every evening.",
        "The children say mother listens to them.",
    ),
    "existing_safety": (
        "The neighbour takes the children in when there is shouting.",
        "The teacher calls mother when the children miss school.",
    ),
    "safety_goal": (
        "The children are safe at night, with an adult who is sober.",
        "The children go to school every day, even in the harvest.",
    ),
    "next_step": (
        "Meet grandmother and the village chief together next week.",
        "Talk to the teacher about a scholarship.",
    ),
}

CHILD_VOICE: dict[str, tuple[str, ...]] = {
    "worries": ("When father shouts.", "When I am alone at night.", "When there is no rice."),
    "good_things": ("Playing football.", "My teacher.", "Grandmother's cooking."),
    "wishes": ("To be a teacher.", "A bicycle to ride to school.", "That we stay together."),
    "safe_means": ("Sleeping without being scared.", "Having grandmother at home."),
    "safety_network": ("Grandmother and my teacher.", "My aunt next door."),
}

NETWORK_RELATIONSHIPS: tuple[str, ...] = (
    "grandmother next door",
    "aunt",
    "uncle",
    "village chief",
    "teacher",
    "neighbour",
    "monk at the pagoda",
)

NETWORK_AGREED: tuple[str, ...] = (
    "Checks on the children every evening.",
    "Takes the children in if there is drinking at home.",
    "Tells the worker if the children miss school.",
    "Walks the children to school.",
)

RULES: tuple[str, ...] = (
    "If father has been drinking, the children sleep at grandmother's.",
    "The children are never left alone overnight.",
    "Mother calls the village chief if there is violence.",
    "The children go to school every day unless they are ill.",
    "Grandmother visits every evening at dinner time.",
)

HOW_KNOWN: tuple[str, ...] = (
    "Grandmother tells the worker at each visit.",
    "The teacher keeps an attendance note.",
    "The village chief passes by every week.",
)

IF_NOT_KEPT: tuple[str, ...] = (
    "The network meets with the worker within a week.",
    "Grandmother takes the children until it is sorted out.",
)

FOR_THE_CHILDREN: tuple[str, ...] = (
    "Everyone is working together so that you are safe at home and can go to school.",
    "Grandmother, your teacher and the worker all want you to be safe. Here is what they do.",
)

INTERVENTIONS: dict[str, tuple[str, ...]] = {
    "cash_grant": ("Capital to open a small shop selling vegetables.",),
    "in_kind_grant": ("Two piglets and feed for three months.", "A bicycle for school."),
    "food": ("Rice support for the lean season.",),
    "school": ("Uniforms, books and the school fees for the year.",),
    "parenting": ("Parenting group at the commune office, six sessions.",),
    "counselling": ("Counselling with the health centre's psychologist.",),
    "livelihood": ("Sewing course for mother.",),
    "other": ("Help to obtain birth certificates.",),
}

REVIEW_VIEWS: dict[str, tuple[str, ...]] = {
    "child": ("The children say things are calmer at home.", "The eldest wants to stay in school."),
    "family": ("The parents say the plan is working.", "Mother worries about the next harvest."),
    "network": ("Grandmother says the rules are kept.", "The teacher sees the children daily."),
    "professional": ("The health centre confirms treatment.", "The school confirms attendance."),
}

DECISION_REASONS: tuple[str, ...] = (
    "The plan is working; keep going as agreed.",
    "Attendance improved but food is still short; add food support.",
    "A new worry came up: the plan needs changing.",
    "Safety is good and steady; the family and network can carry on alone.",
)

SCORE_REASONS: tuple[str, ...] = (
    "The rules of the safety plan are kept and the network is active.",
    "Things are better but the nights are still a worry.",
    "A setback this month: father was drinking again.",
    "The children are at school and the family is calm.",
)

CLOSURE_OUTCOMES: tuple[str, ...] = (
    "The children are at school and safe at home; the network stays involved.",
    "The family's income is steady and the children no longer work.",
    "The violence has stopped and mother knows whom to call.",
)

CLOSURE_REASONS_EARLY: tuple[str, ...] = (
    "No further action: the family has support from relatives.",
    "The family moved to another province.",
    "The concern was not confirmed at assessment.",
)

REFERRAL_NEEDS: tuple[str, ...] = (
    "Treatment for a persistent cough.",
    "A scholarship so the children can stay in school.",
    "Food support through the lean season.",
    "Counselling after what the children witnessed.",
    "Training so that mother can earn an income.",
)

CONSENT_PURPOSES: tuple[str, ...] = (
    "To arrange the support the family asked for.",
    "So the service can contact the family about help with school and food.",
)

HOW_EXPLAINED: tuple[str, ...] = (
    "Explained in Khmer at home; mother repeated it back in her own words.",
    "Read the form aloud with the family and answered their questions.",
)

INTAKE_DESCRIPTIONS: tuple[str, ...] = (
    "The children have not been at school for two weeks.",
    "Neighbours hear shouting at night and the children look scared.",
    "The grandmother is sick and cannot look after the children alone.",
    "A girl of twelve is said to be going to work in the city.",
    "The family has no food left and the baby is thin.",
)

REFERRERS: tuple[tuple[str, str, str], ...] = (
    # (kind, organisation or role, name)
    ("professional", "Primary school teacher", ""),
    ("community", "Village chief", ""),
    ("family", "Aunt", ""),
    ("organisation", "Health centre", ""),
    ("anonymous", "", ""),
    ("child", "", ""),
)

USER_AGENTS: tuple[str, ...] = (
    "Mozilla/5.0 (Linux; Android 12) Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Firefox/128.0",
    "Mozilla/5.0 (Linux; Android 13) Chrome/126.0 Mobile",
)

SERVICE_NAMES: dict[str, tuple[str, str]] = {
    # help kind code: (service name pattern, provider pattern)
    "food": ("Rice bank of {place}", "{place} pagoda committee"),
    "education": ("Scholarships, {place}", "{place} school support committee"),
    "health": ("Health centre of {place}", "Provincial health department"),
    "legal": ("Legal aid clinic, {place}", "Legal aid association"),
    "psychosocial": ("Counselling, {place}", "Family counselling service"),
    "livelihood": ("Vocational training, {place}", "{place} training centre"),
    "shelter": ("Emergency shelter, {place}", "Women's and children's shelter"),
    "alternative_care": ("Kinship care support, {place}", "Foster care network"),
}


def all_strings() -> list[str]:
    """Every string of every pool, for `check_pools`."""
    found: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(key)
                walk(item)
        elif isinstance(value, tuple | list):
            for item in value:
                walk(item)

    for name, value in globals().items():
        if name.isupper():
            walk(value)
    return found


def check_pools() -> None:
    """COPY's text format gives tab, newline and backslash a meaning: no pool may hold one."""
    bad = [text for text in all_strings() if any(c in text for c in "\t\n\r\\")]
    if bad:
        raise ValueError(f"pool strings need escaping for COPY: {bad[:3]}")
