"""The vocabulary of the general path (`local_general.py`): who the user's people are, and the
words that mark a statement as passing, unsure or past rather than lasting."""

from __future__ import annotations

from .local_words import PARTNERS, PLURAL_RELATIONS, RELATIONS, alternation, word_set

PEOPLE = "|".join(
    (
        PARTNERS,
        PLURAL_RELATIONS,
        RELATIONS,
        alternation(
            "friend", "friends", "best friend", "boss", "colleague", "colleagues", "coworker",
            "coworkers", "co-worker", "roommate", "roommates", "flatmate", "flatmates",
            "housemate", "neighbour", "neighbor", "neighbours", "neighbors", "parents",
            "grandparents", "in-laws", "mother-in-law", "father-in-law", "sister-in-law",
            "brother-in-law", "stepmom", "stepdad", "godmother", "godfather", "mentor",
        ),
    )
)  # fmt: skip
# Contractions spelled out so that one word says one thing ("i'm" -> "i am").
CONTRACTIONS = (
    (r"\bi'm\b", "i am"),
    (r"\bi've\b", "i have"),
    (r"\bcan't\b", "cannot"),
    (r"\bdoesn't\b", "does not"),
    (r"\bisn't\b", "is not"),
    (r"\baren't\b", "are not"),
)
# A wish, a plan, a hypothetical, a doubt, a request or a remark to the companion.
UNSURE = alternation(
    "would", "could", "might", "may", "maybe", "perhaps", "probably", "possibly", "if",
    "whether", "wish", "hope", "hopefully", "someday", "one day", "thinking", "considering",
    "wondering", "not sure", "unsure", "gonna", "going to", "about to", "wanna", "want",
    "wants", "need", "needs", "should", "must", "supposed to", "plan", "plans", "planning",
    "i'd", "i'll", "will", "won't", "let's", "please", "you", "your", "yours", "u", "ur",
    "trying to", "try to", "tempted", "debating", "deciding",
)  # fmt: skip
# What holds for now only.
NOW_ONLY = alternation(
    "today", "tonight", "yesterday", "tomorrow", "this morning", "this afternoon",
    "this evening", "this week", "this weekend", "this month", "last night", "last week",
    "last weekend", "right now", "at the moment", "for now", "just now", "earlier", "later",
    "for the weekend", "for the week", "for the day", "for the night", "on my way", "this time",
    "again", "atm", "rn",
)  # fmt: skip
PAST = alternation(
    "went", "saw", "ate", "had", "got", "did", "made", "came", "took", "bought", "found",
    "gave", "told", "met", "left", "ran", "slept", "woke", "felt", "thought", "heard", "wrote",
    "spent", "lost", "won", "drank", "forgot", "broke", "fell", "sent", "paid", "caught",
    "brought", "sat", "stood", "drove", "rode", "swam", "began", "chose", "spoke", "threw",
    "wore", "flew", "grew", "was", "were", "knew", "said", "became", "built", "sold", "taught",
    "kept", "done", "seen", "eaten", "gone", "taken", "given", "written", "begun", "been",
    "finished", "read",
)  # fmt: skip
# Base forms that end in -ed, so are not past tenses.
BASE_FORMS_IN_ED = word_set("feed need bleed breed speed shred embed proceed succeed exceed")
# Thoughts, talk and wants: "I think ...", "I mean ...", "I miss ...".
NOT_LASTING_VERBS = word_set(
    """think know guess mean agree disagree see understand feel wonder suppose believe bet
    forget remember promise apologise apologize swear doubt care admit realise realize reckon
    assume imagine expect hope wish want need will should could might may must am was were
    did do had got get say tell ask said told asked heard watch watched saw went came miss
    used gotta wanna gonna just also am would shall"""
)  # fmt: skip
# Past facts that last: "I grew up in Accra", "I quit smoking".
LASTING_PAST = (
    "was born", "grew up", "was raised", "quit ", "gave up", "stopped ", "gave birth",
    "graduated", "studied", "majored",
)  # fmt: skip
THEIR_LASTING_PAST = ("was born", "grew up", "passed away", "died", "retired", "was raised")
# How a chat statement starts when it leaves out the "I": "Can't eat gluten", "Never drink".
SUBJECTLESS_STARTS = word_set("cannot can't don't never usually always work play speak")
ABILITIES = ("cannot ", "can ", "can not ")
FREQUENCY = word_set(
    "never usually often sometimes rarely seldom normally mostly mainly always regularly "
    "occasionally generally also still only"
)
# "I'm good at chess", "I'm scared of heights": lasting, though the adjective alone is not.
SKILLED = (
    r"^(?:(?:pretty|quite|very)\s+)?(?:good|bad|great|terrible|awful|hopeless|decent|useless)\s+at"
    r"\s+\w|^(?:scared|afraid|terrified|frightened)\s+of\s+\w"
)
PASSING_STATES = word_set(
    """tired exhausted sleepy hungry starving thirsty full bored busy free sick ill unwell cold
    hot sore late early home back here there out off away up awake done ready fine good great
    okay ok alright well sorry sure glad happy sad upset angry mad annoyed frustrated stressed
    anxious nervous excited thrilled worried scared afraid lonely confused lost stuck drunk
    hungover broke lucky proud grateful thankful relieved shocked surprised curious feeling
    kind kinda bit little so too really very pretty quite getting going heading leaving coming
    looking watching waiting sitting trying cooking eating making doing having reading playing
    mess wreck dying literally finally almost nearly still also just currently glad impressed
    jealous obsessed over sorted finished pumped gutted hyped buzzing new"""
)  # fmt: skip
# An object that points at something said before: "I love that!", "I hate them".
POINTERS = word_set("it that this them those these one")
POSITIONS = word_set("at on with outside inside near about off by under behind")
ONGOING = word_set(
    """learning studying training practising practicing teaching raising volunteering taking
    writing building saving running coaching living recovering growing keeping expecting
    renovating restoring mentoring caring fostering breastfeeding homeschooling competing
    working playing"""
)
NOT_A_KIND = word_set(
    """bit little lot mess wreck terrible good great bad awful decent amazing horrible lousy
    better best rubbish failed wannabe aspiring future former ex huge big total complete
    massive fan"""
)
PASSING_THINGS = word_set(
    """cold flu headache hangover fever cough exam test meeting interview date appointment
    deadline plans question idea day night shift call presentation time lot no some sore bad
    rough long busy feeling sec minute moment chance problem issue thought news"""
)
IRREGULAR_PRESENT = {"have": "has", "do": "does", "go": "goes", "be": "is"}
