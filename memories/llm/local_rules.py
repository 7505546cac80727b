"""The local provider's rules: what first-person statements it recognises, and how each slot's
fact is phrased. The matching machinery is in `local.py`."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .schema import COUNT_WORDS, Tier, is_count


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

_SPECIES = (
    "dog|cat|puppy|kitten|parrot|hamster|rabbit|bunny|guinea pig|goldfish|fish|turtle|tortoise|"
    "snake|lizard|gecko|horse|pony|ferret|bird|budgie|canary|chicken|mouse|rat|hedgehog"
)
_RELATIONS = (
    "mother|mom|mum|father|dad|sister|brother|son|daughter|grandmother|grandma|grandfather|"
    "grandpa|aunt|uncle|cousin|niece|nephew|stepmother|stepfather|stepson|stepdaughter|child|kid"
)
_PARTNERS = "wife|husband|partner|girlfriend|boyfriend|fianc[eé]e?|spouse"
_CONDITIONS = (
    "asthma|diabetes|type [12] diabetes|epilepsy|migraines|arthritis|hypertension|"
    "high blood pressure|adhd|autism|anxiety|depression|insomnia|celiac disease|coeliac disease|"
    "lactose intolerance|ibs|crohn's disease|a heart condition|eczema|psoriasis|tinnitus"
)
_OCCUPATIONS = (
    "engineer|developer|programmer|designer|teacher|nurse|doctor|lawyer|student|chef|cook|"
    "writer|artist|accountant|scientist|researcher|manager|consultant|architect|pharmacist|"
    "dentist|journalist|photographer|musician|pilot|electrician|plumber|farmer|firefighter|"
    "mechanic|analyst|professor|therapist|waiter|waitress|librarian|translator|veterinarian|vet|"
    "carpenter|baker|barista|paramedic|surgeon|economist|entrepreneur|freelancer|retiree|"
    "police officer|social worker|psychologist|physiotherapist"
)
_OCCUPATION = rf"(?P<v>(?:[\w-]+\s+){{0,2}}(?:{_OCCUPATIONS}))"
_DIETS = "vegan|vegetarian|pescatarian|pescetarian|gluten-free|lactose intolerant"
_ANYMORE = r"(?:\s+any\s?more)?"
_I_AM = r"i(?:'m|\s+am)"
_I_HAVE = r"i(?:'ve|\s+have)"
_NOT = r"(?:don't|do\s+not|no\s+longer|never)"


def _name(group: str) -> str:
    """One to three words; words after the first must be capitalised even in lower-case text."""
    return rf"(?P<{group}>[A-Za-zÀ-ÿ][\w'À-ÿ-]*(?:\s+(?-i:[A-ZÀ-Þ])[\w'À-ÿ-]*){{0,2}})"


@dataclass(frozen=True)
class Rule:
    """A first-person statement: its pattern, the slot it fills and how to read the match.

    `kind` says what the `v` group holds: "items" (a list: "hiking and swimming"), "proper"
    (a proper noun: a city, an employer), "name" (a person's name), "named" (a species or a
    relation, its name in the `d` group) or "phrase" (kept as said).
    """

    pattern: re.Pattern[str]
    slot: str
    negated: bool = False
    verb: str = ""
    kind: str = "items"


def _rule(pattern: str, slot: str, **options: object) -> Rule:
    compiled = re.compile(rf"^{pattern}$", re.IGNORECASE)
    return Rule(compiled, slot, **options)  # type: ignore[arg-type]


# Order matters: the first rule that matches a clause wins, so retractions come before the
# statements they contain ("I don't like X anymore" before "I don't like X").
LOCAL_RULES: tuple[Rule, ...] = (
    _rule(rf"(?:my\s+name\s+is|my\s+name's|{_I_AM}\s+called|(?:people\s+|everyone\s+)?call"
          rf"\s+me)\s+{_name('v')}", "name", kind="name"),
    _rule(rf"i\s+{_NOT}\s+live\s+in\s+(?P<v>.+?){_ANYMORE}", "home_location", negated=True,
          kind="proper"),
    _rule(rf"(?:i|{_I_HAVE})\s+(?:just\s+|recently\s+|finally\s+)?(?:moved|relocated)\s+"
          r"(?:back\s+)?to\s+(?P<v>.+)", "home_location", kind="proper"),
    _rule(rf"(?:i\s+(?:now\s+|currently\s+|still\s+)?live|{_I_AM}\s+(?:now\s+|currently\s+)?"
          r"(?:living|based))\s+in\s+(?P<v>.+)", "home_location", kind="proper"),
    _rule(r"my\s+home\s+is\s+in\s+(?P<v>.+)", "home_location", kind="proper"),
    _rule(r"i(?:'ve|\s+have)?\s+(?:quit|lost)\s+my\s+job", "employer", negated=True),
    _rule(rf"i\s+{_NOT}\s+work\s+(?:at|for)\s+(?P<v>.+?){_ANYMORE}", "employer", negated=True,
          kind="proper"),
    _rule(r"i(?:'ve|\s+have)?\s+(?:quit|left)\s+(?:my\s+job\s+(?:at|with)\s+)?(?P<v>.+)",
          "employer", negated=True, kind="proper"),
    _rule(r"i\s+work\s+as\s+(?:an?\s+)?(?P<v>.+)", "occupation", kind="phrase"),
    _rule(r"i\s+(?:now\s+|currently\s+)?work\s+(?:at|for)\s+(?P<v>.+?)(?:\s+as\s+.+)?",
          "employer", kind="proper"),
    _rule(rf"{_I_AM}\s+(?:now\s+)?(?:working|employed)\s+(?:at|for|by)\s+(?P<v>.+)", "employer",
          kind="proper"),
    _rule(rf"(?:i|{_I_HAVE})\s+(?:just\s+)?(?:got\s+a\s+job|started\s+(?:a\s+new\s+job|working))"
          r"\s+(?:at|for|with)\s+(?P<v>.+)", "employer", kind="proper"),
    _rule(rf"{_I_AM}\s+(?:no\s+longer|not)\s+an?\s+{_OCCUPATION}{_ANYMORE}", "occupation",
          negated=True, kind="phrase"),
    _rule(rf"{_I_AM}\s+an?\s+{_OCCUPATION}(?:\s+by\s+profession)?", "occupation", kind="phrase"),
    _rule(rf"{_I_AM}\s+(?:no\s+longer|not)\s+(?:a\s+)?(?P<v>{_DIETS}){_ANYMORE}", "diet",
          negated=True, kind="phrase"),
    _rule(rf"{_I_AM}\s+(?:a\s+)?(?P<v>{_DIETS})", "diet", kind="phrase"),
    _rule(rf"my\s+(?P<d>{_PARTNERS})(?:'s\s+name)?\s+is\s+(?:called\s+|named\s+)?{_name('v')}",
          "partner", kind="name"),
    _rule(rf"{_I_AM}\s+married\s+to\s+{_name('v')}", "partner", kind="name"),
    _rule(rf"i\s+(?:broke\s+up\s+with|divorced|split\s+up\s+with|separated\s+from)\s+"
          rf"(?:my\s+(?:{_PARTNERS})|{_name('v')})", "partner", negated=True, kind="name"),
    _rule(rf"{_I_AM}\s+single(?:\s+now)?", "partner", negated=True, kind="name"),
    _rule(rf"my\s+(?P<v>{_RELATIONS})(?:'s\s+name)?\s+is\s+(?:called\s+|named\s+)?{_name('d')}",
          "family", kind="named"),
    _rule(r"i\s+have\s+(?:a|an|one)\s+(?:(?:older|younger|little|big|baby|twin)\s+)?"
          rf"(?P<v>{_RELATIONS})(?:\s+(?:named|called)\s+{_name('d')})?", "family", kind="named"),
    _rule(rf"i\s+have\s+(?P<d>{'|'.join(COUNT_WORDS)}|\d+)\s+(?P<v>kids|children|sons|daughters"
          r"|sisters|brothers|siblings|grandchildren)", "family", kind="named"),
    _rule(rf"i\s+{_NOT}\s+have\s+(?:a|an|my)\s+(?P<v>{_SPECIES})(?:\s+(?:named|called)\s+"
          rf"{_name('d')})?{_ANYMORE}", "pets", negated=True, kind="named"),
    _rule(rf"my\s+(?P<v>{_SPECIES})(?:\s+{_name('d')})?\s+(?:died|passed\s+away|ran\s+away)",
          "pets", negated=True, kind="named"),
    _rule(rf"(?:i|{_I_HAVE})\s+(?:have|own|got|adopted|have\s+got)\s+(?:a|an|one)\s+"
          rf"(?:[\w-]+\s+){{0,2}}?(?P<v>{_SPECIES})(?:\s+(?:named|called)\s+{_name('d')})?",
          "pets", kind="named"),
    _rule(rf"my\s+(?P<v>{_SPECIES})(?:'s\s+name)?\s+is\s+(?:called\s+|named\s+)?{_name('d')}",
          "pets", kind="named"),
    _rule(rf"{_I_AM}\s+(?:no\s+longer|not)\s+allergic\s+to\s+(?P<v>.+?){_ANYMORE}", "allergies",
          negated=True),
    _rule(rf"{_I_AM}\s+(?:severely\s+|very\s+|also\s+|mildly\s+)?allergic\s+to\s+(?P<v>.+)",
          "allergies"),
    _rule(r"i\s+have\s+(?:an?\s+|a\s+severe\s+)?allergy\s+to\s+(?P<v>.+)", "allergies"),
    _rule(r"i\s+have\s+(?:an?\s+|a\s+severe\s+)?(?P<v>[\w\s-]+?)\s+allergy", "allergies"),
    _rule(rf"i\s+{_NOT}\s+have\s+(?P<v>{_CONDITIONS}){_ANYMORE}", "health", negated=True,
          kind="phrase"),
    _rule(rf"(?:i\s+(?:have|suffer\s+from|live\s+with)|(?:{_I_HAVE}\s+been|i\s+was|i\s+got)"
          rf"\s+diagnosed\s+with)\s+(?P<v>{_CONDITIONS})", "health", kind="phrase"),
    _rule(rf"i\s+{_NOT}\s+(?:really\s+)?(?:like|love|enjoy)\s+(?P<v>.+?)\s+any\s?more", "likes",
          negated=True),
    _rule(r"i\s+no\s+longer\s+(?:like|love|enjoy)\s+(?P<v>.+)", "likes", negated=True),
    _rule(rf"(?:i|{_I_HAVE})\s+stopped\s+(?:liking|loving|enjoying)\s+(?P<v>.+)", "likes",
          negated=True),
    _rule(rf"{_I_AM}\s+(?:no\s+longer|not)\s+(?:into|a\s+fan\s+of)\s+(?P<v>.+?){_ANYMORE}",
          "likes", negated=True),
    _rule(r"i\s+(?:really\s+|absolutely\s+|also\s+|just\s+)?(?:hate|detest|despise)\s+(?P<v>.+)",
          "dislikes", verb="hates"),
    _rule(r"i\s+(?:really\s+)?(?:dislike|can't\s+stand|cannot\s+stand|don't\s+like|do\s+not\s+"
          r"like)\s+(?P<v>.+)", "dislikes", verb="dislikes"),
    _rule(r"i\s+(?:really\s+|absolutely\s+|also\s+|just\s+)?(?:love|adore)\s+(?P<v>.+)", "likes",
          verb="loves"),
    _rule(r"i\s+(?:really\s+|also\s+|just\s+)?like\s+(?P<v>.+)", "likes", verb="likes"),
    _rule(r"i\s+(?:really\s+|also\s+|just\s+)?enjoy\s+(?P<v>.+)", "likes", verb="enjoys"),
    _rule(rf"{_I_AM}\s+(?:really\s+|also\s+)?(?:into|a\s+(?:big\s+|huge\s+)?fan\s+of|passionate"
          r"\s+about)\s+(?P<v>.+)", "likes", verb="likes"),
    _rule(r"my\s+favou?rite\s+(?P<v>[\w\s]+?)\s+is\s+(?P<d>.+)", "favourites", kind="phrase"),
    _rule(rf"i\s+{_NOT}\s+want\s+to\s+(?P<v>.+?){_ANYMORE}", "goals", negated=True, kind="phrase"),
    _rule(r"i(?:'ve|\s+have)?\s+(?:gave|given)\s+up\s+on\s+(?P<v>.+)", "goals", negated=True,
          kind="phrase"),
    _rule(r"(?:my\s+(?:goal|dream|plan)\s+is\s+to|i\s+(?:really\s+)?(?:want|hope|plan|intend|aim"
          rf")\s+to|i(?:'d|\s+would)\s+(?:really\s+)?(?:like|love)\s+to|{_I_AM}\s+(?:planning|"
          r"hoping|trying|aiming|saving\s+up)\s+to)\s+(?P<v>.+)", "goals", kind="phrase"),
)  # fmt: skip
