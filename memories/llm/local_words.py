"""The vocabulary the local rules rely on: where a slot's values come from a closed list (species,
relations, occupations, conditions, diets) and the words that must never be read as a value."""

from __future__ import annotations


def word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


def alternation(*words: str) -> str:
    """A regex alternation, longest first so that "type 2 diabetes" wins over "diabetes"."""
    return "|".join(sorted(words, key=len, reverse=True)).replace(" ", r"\s+")


SPECIES = alternation(
    "dog", "dogs", "cat", "cats", "puppy", "puppies", "kitten", "kittens", "parrot", "hamster",
    "rabbit", "rabbits", "bunny", "guinea pig", "guinea pigs", "goldfish", "fish", "turtle",
    "tortoise", "snake", "lizard", "gecko", "bearded dragon", "horse", "pony", "ferret", "bird",
    "budgie", "canary", "cockatiel", "chicken", "chickens", "mouse", "rat", "rats", "hedgehog",
    "axolotl", "golden retriever", "labrador", "lab", "retriever", "poodle", "beagle", "greyhound",
    "whippet", "dachshund", "pug", "corgi", "terrier", "spaniel", "collie", "husky", "shiba",
    "chihuahua", "bulldog", "german shepherd", "tabby",
)  # fmt: skip
RELATIONS = alternation(
    "mother", "mom", "mum", "father", "dad", "sister", "brother", "son", "daughter",
    "grandmother", "grandma", "granny", "grandfather", "grandpa", "aunt", "uncle", "cousin",
    "niece", "nephew", "stepmother", "stepfather", "stepson", "stepdaughter", "child", "kid",
    "twin sister", "twin brother", "stepsister", "stepbrother", "baby",
)  # fmt: skip
PLURAL_RELATIONS = alternation(
    "kids", "children", "sons", "daughters", "sisters", "brothers", "siblings", "grandchildren",
    "grandkids", "stepkids", "twins", "nieces", "nephews", "cousins",
)  # fmt: skip
PARTNERS = alternation(
    "wife", "husband", "partner", "girlfriend", "boyfriend", "fiancé", "fiancée", "fiance",
    "fiancee", "spouse", "gf", "bf", "hubby", "wifey",
)  # fmt: skip
PARTNER_WORDS = {"gf": "girlfriend", "bf": "boyfriend", "hubby": "husband", "wifey": "wife"}
CONDITIONS = alternation(
    "asthma", "diabetes", "type 1 diabetes", "type 2 diabetes", "epilepsy", "migraines",
    "arthritis", "hypertension", "high blood pressure", "adhd", "autism", "anxiety",
    "depression", "insomnia", "celiac disease", "coeliac disease", "lactose intolerance", "ibs",
    "crohn's disease", "a heart condition", "eczema", "psoriasis", "tinnitus", "pcos",
    "endometriosis", "chronic pain", "chronic fatigue", "fibromyalgia", "a bad back",
    "hay fever", "bipolar disorder", "ocd", "ptsd", "lupus", "multiple sclerosis", "ms",
    "long covid", "sleep apnea", "scoliosis", "dyslexia", "anemia", "anaemia", "gout",
)  # fmt: skip
CONDITION_ADJECTIVES = {"diabetic": "diabetes", "asthmatic": "asthma", "epileptic": "epilepsy",
                        "anemic": "anemia", "anaemic": "anaemia", "celiac": "celiac disease",
                        "coeliac": "coeliac disease", "dyslexic": "dyslexia"}  # fmt: skip
OCCUPATIONS = alternation(
    "engineer", "developer", "programmer", "designer", "teacher", "nurse", "doctor", "lawyer",
    "student", "chef", "cook", "writer", "artist", "accountant", "scientist", "researcher",
    "manager", "consultant", "architect", "pharmacist", "dentist", "journalist", "photographer",
    "musician", "pilot", "electrician", "plumber", "farmer", "firefighter", "mechanic", "analyst",
    "professor", "therapist", "waiter", "waitress", "librarian", "translator", "veterinarian",
    "vet", "carpenter", "baker", "barista", "paramedic", "surgeon", "economist", "entrepreneur",
    "freelancer", "retiree", "police officer", "social worker", "psychologist", "cashier",
    "physiotherapist", "midwife", "caregiver", "carer", "receptionist", "secretary", "cleaner",
    "driver", "courier", "electrician", "hairdresser", "barber", "tutor", "lecturer",
)  # fmt: skip
# "I'm a terrible cook" judges, it does not say what the user does for a living.
JUDGEMENTS = word_set(
    "terrible good great bad awful decent amazing horrible lousy better best rubbish failed "
    "wannabe aspiring future former ex"
)
# Modifiers that say where one studies or works, not what one is: "a uni student" is a student.
OCCUPATION_PLACES = ("uni", "university", "college", "grad", "high school", "school")
DIETS = alternation(
    "vegan", "vegetarian", "veggie", "pescatarian", "pescetarian", "gluten-free", "gluten free",
    "dairy-free", "dairy free", "keto", "paleo", "halal", "kosher", "plant-based", "plant based",
    "flexitarian", "low-carb", "low carb",
)  # fmt: skip
# Capitalised words that follow "I'm" without being a name: states, moods, nationalities, faiths.
NOT_NAMES = word_set(
    """tired bored starving hungry thirsty back fine good great sorry exhausted ready home done
    sure okay ok happy sad here busy sick ill cold hot late early alone free lost confused
    stressed excited nervous scared afraid angry upset well alright awake up out in new single
    married divorced engaged pregnant vegan vegetarian glad proud fed sleepy drunk broke cool
    fab so very not just also still really totally literally kinda bit little always never
    thrilled devastated curious worried anxious lonely grateful thankful blessed relieved shocked
    polish italian british english french spanish german dutch irish scottish welsh american
    canadian mexican brazilian chinese japanese korean indian greek turkish swedish danish
    norwegian finnish russian ukrainian portuguese australian nigerian kenyan african asian
    european latina latino jewish muslim christian catholic hindu buddhist atheist gay straight
    bi trans queer autistic retired unemployed a an the i is are was were has had will would
    can could and or but who"""
)  # fmt: skip
# Words that start something other than a thing one likes, hates or is allergic to.
NOT_THINGS = word_set(
    """it this that these those them you him her us how when what why where who which to
    being my your his our their doing going anything everything nothing something anyone
    everyone"""
)  # fmt: skip
# Joke allergies and pseudo-places: "allergic to Mondays", "I live in hope".
NOT_ALLERGENS = word_set(
    "mondays tuesdays wednesdays thursdays fridays mornings work people effort exercise"
)
NOT_PLACES = word_set("hope fear denial peace sin luxury comfort misery chaos hell")
ALLERGEN_PLURALS = {"nut": "nuts", "peanut": "peanuts", "tree nut": "tree nuts", "egg": "eggs"}
# "I want to ..." is a goal only for verbs of lasting intent, not "I want to sleep".
GOAL_VERBS = alternation(
    "learn", "run", "save", "read", "visit", "quit", "open", "move", "drink", "write", "lose",
    "cook", "become", "be a", "be an", "be more", "get fit", "get fitter", "get promoted",
    "get better", "get married", "get healthy", "get healthier", "get in shape", "get a",
    "get my", "travel", "start", "finish", "buy", "build", "improve",
    "spend", "stop", "exercise", "meditate", "study", "train", "climb", "launch", "pay off",
    "retire", "publish", "master", "speak", "swim", "cycle", "hike", "gain", "earn", "adopt",
)  # fmt: skip
