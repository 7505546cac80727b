"""The local provider's rules: what first-person statements it recognises, and how each slot's
fact is phrased. The matching machinery is in `local.py`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from . import local_words as words
from .local_patterns import Rule, mention, rule
from .schema import Tier, is_count


@dataclass(frozen=True)
class SlotSpec:
    tier: Tier
    importance: float
    phrase: Callable[[str, str, str], str]  # (value, detail, verb) -> content


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def _named(thing: str, name: str) -> str:
    return f"{_article(thing)} {thing} named {name}" if name else f"{_article(thing)} {thing}"


def _family(relation: str, detail: str) -> str:
    if not detail:
        return f"User has {_named(relation, '')}"
    if is_count(detail):
        return f"User has {detail} {relation}"
    return f"User's {relation} is {detail}"


SLOTS: dict[str, SlotSpec] = {
    "name": SlotSpec("core", 0.9, lambda v, d, _: f"User's name is {v}"),
    "home_location": SlotSpec("core", 0.8, lambda v, d, _: f"User lives in {v}"),
    "employer": SlotSpec("long_term", 0.7, lambda v, d, _: f"User works at {v}"),
    "occupation": SlotSpec("long_term", 0.7, lambda v, d, _: f"User works as {_article(v)} {v}"),
    "partner": SlotSpec("core", 0.8, lambda v, d, _: f"User's {d or 'partner'} is {v}"),
    "diet": SlotSpec("long_term", 0.7, lambda v, d, _: f"User is {v}"),
    "family": SlotSpec("long_term", 0.7, lambda v, d, _: _family(v, d)),
    "pets": SlotSpec("long_term", 0.6, lambda v, d, _: f"User has {_named(v, d)}"),
    "likes": SlotSpec("long_term", 0.5, lambda v, d, verb: f"User {verb} {v}"),
    "dislikes": SlotSpec("long_term", 0.5, lambda v, d, verb: f"User {verb} {v}"),
    "favourites": SlotSpec("long_term", 0.5, lambda v, d, _: f"User's favourite {v} is {d}"),
    "allergies": SlotSpec("core", 0.9, lambda v, d, _: f"User is allergic to {v}"),
    "health": SlotSpec("long_term", 0.8, lambda v, d, _: f"User has {v}"),
    "goals": SlotSpec("long_term", 0.6, lambda v, d, _: f"User wants to {v}"),
}

_PLACE = "<ANY:v>"
_ORG = (
    "(?:a (?:small |tiny |big |new |local )?(?:startup|company|firm|agency|business|shop|studio)"
    " called )?<LAZY:v>(?: as (?:a|an) <OCC:occ>)?"
)
_AT_EMPLOYER = "(?: (?:at|for|with) <LAZY:emp>)?(?: in .+| by profession| \\w+ing\\b.*)?"
_WITH_NAME = "(?:(?: named| called|,(?: (?:his|her|its|their) name is)?) <NAME:d>)?"
_NO_MORE = "(?:anymore|any more)"
_SPLIT = "<I> (?:broke up with|split up with|split from|divorced|separated from|dumped)"

# A clause is read by the first rule that matches it and yields a value, so retractions come
# before the statements they contain ("I don't like X anymore" before "I don't like X").
_WHO: tuple[Rule, ...] = (
    rule("(?:(?:my|the) )?(?:first )?name(?:'s|s| is) <NAME:v>", "name", kind="name"),
    rule("(?:you can |people |everyone |friends )?call me <NAME:v>", "name", kind="name"),
    rule("(?:<I> go by|<I'M> (?:called|named)) <NAME:v>", "name", kind="name"),
    rule("<I'M> <CAP:v>", "name", kind="intro"),
    rule("<WE> (?:<NOT>|no longer) live in <LAZY:v><ANYMORE>", "home_location", negated=True,
         kind="proper"),
    rule("<WE> moved (?:out of|away from) <LAZY:v>", "home_location", negated=True,
         kind="proper"),
    rule("(?:<WE>(?:'m|'re| am| are) )?(?:not|no longer) (?:living |based )?in <LAZY:v> "
         + _NO_MORE, "home_location", negated=True, kind="proper"),
    rule("(?:living in|life in) <CAP:v> (?:has been|is|was)\\b.*", "home_location",
         kind="proper"),
    rule("(?:<WE>(?:'ve| have)? )?(?:(?:moved|relocated)(?: back| here| over)? to|settled"
         "(?: down)? in) " + _PLACE, "home_location", kind="proper"),
    rule("(?:<WE> )?moved into (?:a|an|our|my|the) (?:new |tiny |small |little )?"
         "(?:flat|house|apartment|place|home|studio|condo) in " + _PLACE, "home_location",
         kind="proper"),
    rule("<WE> live in (?:a|an) (?:small |little |tiny )?(?:town|city|village) called " + _PLACE,
         "home_location", kind="proper"),
    rule("(?:<WE>(?:'ve| have) (?:lived|been living)|<WE>(?:'m|'re| am| are) (?:living|based)"
         "|<WE> live|living|based)(?: here)? in " + _PLACE, "home_location", kind="proper"),
    rule("(?:my )?home is (?:in )?" + _PLACE, "home_location", kind="proper"),
    rule("<I> (?:<NOT>|no longer) work (?:at|for) <LAZY:v><ANYMORE>", "employer", negated=True,
         kind="proper"),
    rule("(?:<I'M> )?no longer (?:at|with|working at|working for|employed by) <LAZY:v>",
         "employer", negated=True, kind="proper"),
    rule("(?:<I>(?:'ve| have)? )?(?:quit|left) my job (?:at|with) <LAZY:v>", "employer",
         negated=True, kind="proper"),
    rule("(?:<I>(?:'ve| have)? )?(?:quit|lost) my job", "employer", negated=True),
    rule("(?:<I>(?:'ve| have)? )?(?:got |was |been |were )?(?:laid off|fired|let go|made "
         "redundant) (?:from|by|at) <LAZY:v>", "employer", negated=True, kind="proper"),
    rule("(?:<I>(?:'ve| have)? )?(?:quit|left) <LAZY:v>", "employer", negated=True,
         kind="proper"),
    rule("(?:<I> )?(?:work|started working|<I'M> working|<I'VE> been working) as (?:a|an) "
         "<OCC:v>" + _AT_EMPLOYER, "occupation", kind="phrase", also=(("emp", "employer"),)),
    rule("working (?:at|for) <CAP:v> (?:is|has been|was)\\b.*", "employer", kind="proper"),
    rule("(?:<I> |<I'VE> been |<I'M> )?(?:work|working|employed) (?:at|for|by) " + _ORG,
         "employer", kind="proper", also=(("occ", "occupation"),)),
    rule("(?:<I>(?:'ve| have)? )?(?:started|joined|began)(?: a new job| my new job| working)?"
         "(?: at| with| for)? " + _ORG, "employer", kind="proper", also=(("occ", "occupation"),)),
    rule("(?:<I>(?:'ve| have)? )?(?:got|landed)(?: a| my)?(?: new)? job (?:at|with) " + _ORG,
         "employer", kind="proper", also=(("occ", "occupation"),)),
    rule("(?:<I> )?(?:was |got |have been |'ve been |'m |am )?hired (?:by|at) <LAZY:v>",
         "employer", kind="proper"),
    rule("my (?:employer|company) is <LAZY:v>", "employer", kind="proper"),
    rule("<I'M> not (?:a|an) <OCC:v> " + _NO_MORE, "occupation", negated=True, kind="phrase"),
    rule("<I'M> no longer (?:a|an) <OCC:v>", "occupation", negated=True, kind="phrase"),
    rule("(?:<I> used to be|(?:<I> )?(?:quit|stopped) being) (?:a|an) <OCC:v>", "occupation",
         negated=True, kind="phrase"),
    rule("being (?:a|an) <OCC:v> (?:is|pays|has been)\\b.*", "occupation", kind="phrase"),
)  # fmt: skip
_DIET_AND_PARTNER: tuple[Rule, ...] = (
    rule("<I'M> (?:no longer|not) (?:a )?<DIET:v><ANYMORE>", "diet", negated=True, kind="diet"),
    rule("(?:<I> )?(?:stopped being|quit being|gave up being|no longer) (?:a )?<DIET:v><ANYMORE>",
         "diet", negated=True, kind="diet"),
    rule("(?:<I'M>|<I'VE> been|<I> (?:went|became|turned)|<I'VE> gone) (?:a |an )?<DIET:v>"
         "(?: diet)?", "diet", kind="diet"),
    rule("<I> (?:eat|keep|follow|have) (?:a |an )?<DIET:v>(?: diet| lifestyle)?", "diet",
         kind="diet"),
    rule("<I'M> on (?:a |the )?(?P<v>[\\w-]+(?: [\\w-]+)?) diet", "diet", kind="diet"),
    rule("<I'M> (?:a|an) <OCC:v>" + _AT_EMPLOYER, "occupation", kind="phrase",
         also=(("emp", "employer"),)),
    rule("<I'VE> been (?:a|an) <OCC:v>" + _AT_EMPLOYER, "occupation", kind="phrase",
         also=(("emp", "employer"),)),
    rule(_SPLIT + " my <PARTNER:d>(?:,? <CAP:v>)?", "partner", negated=True, kind="name"),
    rule(_SPLIT + " <NAME:v>", "partner", negated=True, kind="name"),
    rule("my <PARTNER:d>,? <CAP:v>,? (?:passed away|died|left me|and i (?:split up|broke up|got "
         "divorced|divorced|separated))", "partner", negated=True, kind="name"),
    rule("(?:me and|<I> and) <CAP:v> (?:split up|broke up|got divorced|divorced|separated)",
         "partner", negated=True, kind="name"),
    rule("<CAP:v> and i (?:split up|broke up|got divorced|divorced|separated)", "partner",
         negated=True, kind="name"),
    rule("<I'M> not with <CAP:v> " + _NO_MORE, "partner", negated=True, kind="name"),
    rule("<I'M> single", "partner", negated=True, kind="name"),
    rule("my <PARTNER:d>(?:'s name)? is (?:called |named )?<NAME:v>", "partner", kind="name"),
    rule("(?:<I'M>|<I> got) (?:married|engaged) to (?:(?:a|an) (?:[\\w-]+ )?(?:woman|man|guy"
         "|girl|person|lady) (?:called|named) )?<NAME:v>", "partner", kind="name"),
    rule("(?:<I'M>|<I'VE> been) (?:dating|seeing) <CAP:v>", "partner", kind="name"),
    rule("<I'M> seeing someone(?: new)?, (?:his|her|their) name is <NAME:v>", "partner",
         kind="name"),
)  # fmt: skip
_FAMILY_AND_PETS: tuple[Rule, ...] = (
    rule("my <REL:v>(?:'s name)? is (?:called |named )?<NAME:d>", "family", kind="named"),
    rule("<WE>(?: have|'ve got| have got| got) (?:a|an|one) (?:older |younger |little |big |"
         "baby |new )?<REL:v>(?: (?:named|called) <NAME:d>)?", "family", kind="named"),
    rule("<WE>(?: have|'ve got| have got| got) (?P<v>(?:a|an|one|two|three|four|five|six|\\d+) "
         ".+)", "family", kind="relatives"),
    rule("<WE>(?: <NOT>| no longer|'ve no longer) (?:have|got) (?:a|an|my|our) <SPECIES:v>"
         "(?: (?:named|called) <NAME:d>)?<ANYMORE>", "pets", negated=True, kind="named"),
    rule("<WE> (?:gave|had to give) (?:away )?(?:the|our|my) <SPECIES:v>(?: away)?", "pets",
         negated=True, kind="named"),
    rule("<WE> (?:had to )?(?:rehome|rehomed|re-home|re-homed) (?:the|our|my) <SPECIES:v>",
         "pets", negated=True, kind="named"),
    rule("(?:my|our) <SPECIES:v>(?: <CAP:d>)? (?:died|passed away|passed|ran away)", "pets",
         negated=True, kind="named"),
    rule("(?:<WE>(?:'ve| have)? )?(?:have|own|got|adopted|rescued|bought|have got|'ve got) "
         "(?:a|an|one|another|a second|a new) (?:[\\w-]+ )??(?:[\\w-]+ )??<SPECIES:v>"
         + _WITH_NAME, "pets", kind="named"),
    rule("<WE>(?:'ve| have)? (?:have|own|got|have got|'ve got) <COUNT:d> (?:[\\w-]+ )??"
         "<SPECIES:v>", "pets", kind="named"),
    rule("my <SPECIES:v>(?:'s name)? is (?:called |named )?<NAME:d>", "pets", kind="named"),
)  # fmt: skip
_TASTES: tuple[Rule, ...] = (
    rule("<I> (?:don't|do not) (?:like|love|enjoy) <LAZY:v> " + _NO_MORE, "likes", negated=True),
    rule("<I> no longer (?:like|love|enjoy) <ANY:v>", "likes", negated=True),
    rule("<I>(?:'ve| have)? stopped (?:liking|loving|enjoying) <ANY:v>", "likes", negated=True),
    rule("<I'M> (?:no longer|not) (?:into|a fan of) <LAZY:v> " + _NO_MORE, "likes",
         negated=True),
    rule("<I'M> no longer (?:into|a fan of) <ANY:v>", "likes", negated=True),
    rule("(?:<I> )?(?:hate|detest|despise|loathe)s? <ANY:v>", "dislikes", verb="hates"),
    rule("(?:<I> )?(?:dislike|can't stand|cannot stand|can not stand) <ANY:v>", "dislikes",
         verb="dislikes"),
    rule("<I> (?:don't|do not) (?:like|enjoy|love) <ANY:v>", "dislikes", verb="dislikes"),
    rule("(?:<I'M> )?not (?:a (?:big |huge )?fan of|into|big on|keen on|fond of) <ANY:v>",
         "dislikes", verb="dislikes"),
    rule("(?P<v>[\\w-]+(?: [\\w-]+)?) (?:is|are) (?:gross|disgusting|the worst|awful|horrible)",
         "dislikes", verb="dislikes"),
    rule("(?:<I> )?(?:love|adore) <ANY:v>", "likes", verb="loves"),
    rule("<I> (?:like|dig) <ANY:v>", "likes", verb="likes"),
    rule("<I> enjoy <ANY:v>", "likes", verb="enjoys"),
    rule("<I'M> (?:into|a (?:big |huge |massive )?fan of|obsessed with|passionate about|crazy "
         "about|in love with|hooked on) <ANY:v>", "likes", verb="likes"),
    rule("<I>(?:'ve| have)? (?:gotten|got|been getting) into (?!an? )<ANY:v>", "likes",
         verb="likes"),
    rule("<I>(?:'ve| have) fallen in love with <ANY:v>", "likes", verb="loves"),
    rule("(?P<v>[\\w-]+(?: [\\w-]+)?) is my (?:thing|jam|passion|happy place)", "likes",
         verb="loves"),
    rule("(?:my )?(?:all-time |all time |absolute |current )?<FAV> (?P<v>[\\w-]+(?: (?!ever\\b)"
         "[\\w-]+)?)"
         "(?: to \\w+| in the world| of all time| ever)?(?: is| are| has been|:|=) <ANY:d>",
         "favourites", kind="phrase"),
    rule("my <FAV> (?P<v>[\\w-]+), <CAP:d>", "favourites", kind="phrase"),
    rule("(?P<d>[\\w' -]+?) (?:is|are) my (?:all-time )?<FAV> (?P<v>[\\w-]+(?: [\\w-]+)?)",
         "favourites", kind="phrase"),
)  # fmt: skip
_BODY_AND_AIMS: tuple[Rule, ...] = (
    rule("<I'M> (?:no longer|not) allergic to <LAZY:v><ANYMORE>", "allergies", negated=True),
    rule("(?:<I'M> )?allergic to <ANY:v>", "allergies"),
    rule("<I'VE>(?: got)? (?:a |an )?(?:bad |severe |mild |serious )?(?P<v>[\\w-]+(?: [\\w-]+)?)"
         " allergy", "allergies"),
    rule("<I'VE>(?: got)? (?:an? )?allergy to <ANY:v>", "allergies"),
    rule("<I> (?:<NOT>|no longer) (?:have|suffer from|get) <CONDITION:v><ANYMORE>", "health",
         negated=True, kind="condition"),
    rule("(?:<I'VE>(?: got| had)?|<I> (?:get|suffer from|struggle with|live with|deal with)) "
         "<CONDITION:v>(?: (?:in|on) .+| a lot)?", "health", kind="condition"),
    rule("(?:(?:<I> (?:was|got)|<I'VE> been|<I'M>|got) )?diagnosed with <ANY:v>", "health",
         kind="condition"),
    rule("<I'M> (?P<v>diabetic|asthmatic|epileptic|anemic|anaemic|celiac|coeliac|dyslexic)",
         "health", kind="condition"),
    rule("my <CONDITION:v> (?:is|has been|was|flares|gets|keeps)\\b.*", "health",
         kind="condition"),
    rule("<I> (?:don't|do not) want to <LAZY:v> " + _NO_MORE, "goals", negated=True,
         kind="phrase"),
    rule("<I>(?:'ve| have)? (?:gave|given) up on <ANY:v>", "goals", negated=True, kind="phrase"),
    rule("(?:my|one of my) (?:main |big |biggest |new |only )?(?:new year's |new years )?"
         "(?:goals?|dream|plan|aim|resolution|ambition) (?:is|are|was) to <ANY:v>", "goals",
         kind="phrase"),
    rule("(?:<I> (?:want|wanna|hope|plan|intend|aim|need)|<I>(?:'d| would) (?:like|love)|<I>"
         "(?:'ve| have)? decided|<I'M> (?:trying|hoping|planning|aiming|determined|saving up|"
         "training))"
         f"(?: to)? (?P<v>(?:{words.GOAL_VERBS})\\b.*)", "goals", kind="phrase"),
)  # fmt: skip
# Found anywhere in a clause, whatever else it says: "my wife Ana loves gardening".
MENTIONS: tuple[Rule, ...] = (
    mention("my <PARTNER:d>,? <CAP:v>", "partner", kind="name"),
    mention("(?:my|our) (?:little |big |baby |older |younger )?<REL:v>,? <CAP:d>", "family",
            kind="named"),
    mention("(?:my|our) <SPECIES:v>,? <CAP:d>", "pets", kind="named"),
    mention("(?:my|our) <COUNT:d> <SPECIES:v>", "pets", kind="named"),
)  # fmt: skip
LOCAL_RULES = _WHO + _DIET_AND_PARTNER + _FAMILY_AND_PETS + _TASTES + _BODY_AND_AIMS
