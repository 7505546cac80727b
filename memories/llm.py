"""The model behind the pipelines, chosen by `LLM_PROVIDER`, behind one interface.

A provider extracts candidate memories from a conversation and decides, for each candidate and
the related memories the user already has, whether to ADD it, UPDATE a memory it refines, DELETE
the memories it contradicts or retracts (storing it instead unless it is a retraction), or do
nothing (NOOP).

`local` (the default) is offline and deterministic: first-person statements of the user are
matched against rules for attribute slots (see `LOCAL_RULES`). `openai` asks a chat model for
the same structured output through langchain-openai.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal, Protocol, TypedDict, TypeVar

import openai
from django.conf import settings
from langchain_core.exceptions import ModelRefusalError, OutputParserException
from langchain_core.language_models import BaseChatModel
from pydantic import BaseModel, Field, ValidationError

from .pipelines import prompts

Tier = Literal["core", "long_term", "short_term"]
Slot = Literal[
    "name", "home_location", "employer", "occupation", "partner", "diet",
    "family", "pets", "likes", "dislikes", "favourites", "allergies", "health", "goals", "other",
]  # fmt: skip
Action = Literal["ADD", "UPDATE", "DELETE", "NOOP"]

# One current value each: a new value replaces the old one.
SINGLE_VALUED_SLOTS = frozenset(
    {"name", "home_location", "employer", "occupation", "partner", "diet"}
)
# Likes and dislikes of the same thing contradict each other, so they share a key.
PREFERENCE_SLOTS = frozenset({"likes", "dislikes"})


class Message(TypedDict):
    role: str
    content: str


class Candidate(BaseModel):
    """A fact about the user, found in one of their own messages."""

    content: str = Field(
        description="The fact, third person and self-contained, e.g. 'User lives in Lisbon'. "
        "For a retraction: the statement that no longer holds."
    )
    tier: Tier = Field(description="core: identity and safety; long_term: lasting; short_term")
    importance: float = Field(ge=0.0, le=1.0)
    slot: Slot
    value: str = Field(
        description="The slot's value (a city, a name, the liked thing; for pets the species, "
        "for family the relation, for favourites the category)"
    )
    detail: str = Field(
        description="The pet's or relative's name, the favourite thing, or a count; else ''"
    )
    negated: bool = Field(description="True when the user says this no longer holds")
    message_index: int = Field(description="Index of the user message that states it")

    @property
    def key(self) -> str | None:
        return slot_key(slot=self.slot, value=self.value, detail=self.detail)


class Extraction(BaseModel):
    """Everything worth remembering about the user in a conversation."""

    memories: list[Candidate]


class Related(BaseModel):
    """An existing memory of the user shown to the decider."""

    id: str
    content: str
    slot: str | None = None
    value: str | None = None
    detail: str | None = None

    @property
    def key(self) -> str | None:
        return slot_key(slot=self.slot, value=self.value or "", detail=self.detail or "")


class Decision(BaseModel):
    """What to do with one candidate."""

    candidate: int = Field(description="The candidate's index")
    action: Action
    target_ids: list[str] = Field(
        description="UPDATE: the one memory refined; DELETE: the memories contradicted or "
        "retracted; else []"
    )


class Decisions(BaseModel):
    decisions: list[Decision]


class LLMError(Exception):
    """The model's answer cannot be used; retrying the same input will not help."""


class LLMUnavailable(LLMError):
    """The model could not be reached, timed out or was rate limited; a retry may succeed."""


class LLMProvider(Protocol):
    def extract(self, *, messages: Sequence[Message]) -> list[Candidate]: ...

    def decide(
        self, *, candidates: Sequence[Candidate], related: Sequence[Sequence[Related]]
    ) -> list[Decision]: ...


def normalise(text: str | None) -> str:
    return " ".join((text or "").split()).casefold()


def slot_key(*, slot: str | None, value: str, detail: str) -> str | None:
    """What a fact is about: facts with the same key are the same fact, or contradict."""
    if not slot or slot == "other":
        return None
    if slot in SINGLE_VALUED_SLOTS:
        return slot
    group = "preference" if slot in PREFERENCE_SLOTS else slot
    parts = [group, normalise(value)]
    if slot in ("pets", "family") and detail and not _is_count(detail):
        parts.append(normalise(detail))
    return ":".join(parts)


def get_llm() -> LLMProvider:
    provider = settings.LLM_PROVIDER
    if provider == "local":
        return LocalProvider()
    if provider == "openai":
        if not settings.OPENAI_API_KEY:
            raise LLMError("LLM_PROVIDER is openai but OPENAI_API_KEY is not set")
        return _openai_provider(
            settings.LLM_MODEL,
            settings.OPENAI_BASE_URL,
            settings.OPENAI_API_KEY,
            settings.LLM_TIMEOUT_SECONDS,
        )
    raise LLMError(f"unknown LLM_PROVIDER {provider!r}")


def decisions_check(
    decisions: Sequence[Decision], related: Sequence[Sequence[Related]]
) -> list[Decision]:
    """One decision per candidate, in order, naming only memories shown for that candidate."""
    by_index = {decision.candidate: decision for decision in decisions}
    if len(by_index) != len(decisions) or set(by_index) != set(range(len(related))):
        raise LLMError("the decisions do not match the candidates one to one")
    for index, decision in by_index.items():
        known = {memory.id for memory in related[index]}
        if not set(decision.target_ids) <= known:
            raise LLMError(f"decision {index} names a memory it was not shown")
        if decision.action == "UPDATE" and len(decision.target_ids) != 1:
            raise LLMError(f"decision {index} updates {len(decision.target_ids)} memories")
        if decision.action == "DELETE" and not decision.target_ids:
            raise LLMError(f"decision {index} deletes nothing")
    return [by_index[index] for index in range(len(related))]


# --- local: rules over first-person statements ---------------------------------


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
    if _is_count(detail):
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

_COUNT_WORDS = ("two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
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
_NAMING = re.compile(r"\b(?:call|called|named|name)\b", re.IGNORECASE)


def _name(group: str) -> str:
    """One to three words; words after the first must be capitalised even in lower-case text."""
    return rf"(?P<{group}>[A-Za-zÀ-ÿ][\w'À-ÿ-]*(?:\s+(?-i:[A-ZÀ-Þ])[\w'À-ÿ-]*){{0,2}})"


_TIME_SUFFIX = re.compile(
    r"(?:\s*,)?\s+(?:(?:last|this|next)\s+(?:week|month|year|summer|winter|spring|autumn|fall)"
    r"|recently|lately|now|nowadays|currently|yesterday|today|already|again|too|as\s+well"
    r"|a\s+lot|so\s+much|very\s+much|anymore|any\s+more|actually|though"
    r"|(?:a|an|one|two|three|a\s+few|few|a\s+couple\s+of|several|\d+)\s+"
    r"(?:days?|weeks?|months?|years?)\s+ago|in\s+\d{4}|since\s+.+|for\s+(?:a|an|\d+|many|a\s+few"
    r"|several|two|three)\s+(?:days?|weeks?|months?|years?).*|with\s+my\s+.+)$",
    re.IGNORECASE,
)
_ITEM_SEPARATOR = re.compile(r"\s*,\s*(?:and\s+|or\s+)?|\s+(?:and|or|&)\s+", re.IGNORECASE)
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+|[\n;]+")
_CLAUSE_BREAK = re.compile(
    r"\s*(?:,\s*)?(?:\b(?:and|but|so|plus|also)\b\s+|,\s+)(?=(?:i|i'm|i've|i'd|my)\b)",
    re.IGNORECASE,
)
_LEADING_FILLER = re.compile(
    r"^(?:(?:actually|well|oh|also|so|and|but|btw|by\s+the\s+way|anyway|yes|yeah|ok|okay|"
    r"hey|um|now|these\s+days|fun\s+fact)\b[,:!]?\s*)+",
    re.IGNORECASE,
)
_SMALL_WORDS = frozenset({"of", "the", "de", "da", "do", "upon", "on", "and", "la", "le", "del"})


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
    _rule(rf"i\s+have\s+(?P<d>{'|'.join(_COUNT_WORDS)}|\d+)\s+(?P<v>kids|children|sons|daughters"
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


def _strip_suffixes(value: str) -> str:
    value = value.strip(" \t\"'`.!?,:")
    while True:
        shorter = _TIME_SUFFIX.sub("", value).strip(" \t\"'`.!?,:")
        if shorter == value:
            return value
        value = shorter


def _plausible(value: str) -> bool:
    return 0 < len(value) <= 80 and len(value.split()) <= 8


def _capitalised(value: str) -> str:
    if value != value.lower():
        return value
    return " ".join(
        word if i and word in _SMALL_WORDS else word[:1].upper() + word[1:]
        for i, word in enumerate(value.split())
    )


def _is_a_name(name: str, match: re.Match[str]) -> bool:
    """Names are capitalised, unless the user said outright that it is a name."""
    return not name or name[:1].isupper() or bool(_NAMING.search(match.group(0)))


def _is_count(word: str) -> bool:
    return word.isdigit() or word.lower() in _COUNT_WORDS


def _values(rule: Rule, match: re.Match[str]) -> list[tuple[str, str]]:
    """(value, detail) pairs read from a match; empty when nothing plausible was said."""
    value = _strip_suffixes(match.groupdict().get("v") or "")
    detail = _strip_suffixes(match.groupdict().get("d") or "")
    if rule.negated and not value:
        return [("", detail)]  # "I quit my job": whatever fills the slot
    if rule.kind == "items":
        items = [_strip_suffixes(item) for item in _ITEM_SEPARATOR.split(value)]
        return [(item, "") for item in items if _plausible(item)]
    if rule.kind == "name":
        if not _is_a_name(value, match):
            return []
        value = _capitalised(value)
        if rule.slot == "partner":
            detail = detail.lower() or "partner"
    elif rule.kind == "proper":
        value = _capitalised(value)
    elif rule.kind == "named":
        value = value.lower()
        if _is_count(detail):
            detail = detail.lower()
        elif _is_a_name(detail, match):
            detail = _capitalised(detail)
        else:
            return []
    return [(value, detail)] if _plausible(value) else []


def _clauses(text: str) -> list[str]:
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    clauses = []
    for sentence in _SENTENCE_BREAK.split(text):
        parts = _CLAUSE_BREAK.split(sentence)
        clauses += [_LEADING_FILLER.sub("", part.strip(" \t.!?,")) for part in parts]
    return [clause for clause in clauses if clause]


def _candidates_in(clause: str, message_index: int) -> list[Candidate]:
    for rule in LOCAL_RULES:
        match = rule.pattern.match(clause)
        if match is None:
            continue
        spec = SLOTS[rule.slot]
        return [
            Candidate(
                content=spec.phrase(value, detail, rule.verb or "likes").strip(),
                tier=spec.tier,
                importance=spec.importance,
                slot=rule.slot,  # type: ignore[arg-type]
                value=value,
                detail=detail,
                negated=rule.negated,
                message_index=message_index,
            )
            for value, detail in _values(rule, match)
        ]
    return []


def _identity(candidate: Candidate) -> str:
    return candidate.key or f"content:{normalise(candidate.content)}"


def _latest_wins(candidates: list[Candidate]) -> list[Candidate]:
    """Within one conversation a later statement about the same thing supersedes an earlier one."""
    kept: dict[str, Candidate] = {}
    for candidate in candidates:
        if candidate.negated:
            kept = {k: c for k, c in kept.items() if c.negated or not _retracts(candidate, c)}
            identity = f"not:{_identity(candidate)}:{normalise(candidate.value)}"
        else:
            kept = {k: c for k, c in kept.items() if not (c.negated and _retracts(c, candidate))}
            identity = _identity(candidate)
        kept.pop(identity, None)
        kept[identity] = candidate
    return list(kept.values())


def _retracts(negation: Candidate, fact: Candidate | Related) -> bool:
    if fact.slot != negation.slot or negation.key is None or fact.key is None:
        return False
    if fact.key != negation.key and not fact.key.startswith(f"{negation.key}:"):
        return False
    if negation.slot in SINGLE_VALUED_SLOTS and negation.value:
        return normalise(fact.value) == normalise(negation.value)
    return True


class LocalProvider:
    """Deterministic rules: nothing leaves the process."""

    def extract(self, *, messages: Sequence[Message]) -> list[Candidate]:
        found: list[Candidate] = []
        for index, message in enumerate(messages):
            if message["role"] != "user":
                continue
            for clause in _clauses(message["content"]):
                found += _candidates_in(clause, index)
        return _latest_wins(found)

    def decide(
        self, *, candidates: Sequence[Candidate], related: Sequence[Sequence[Related]]
    ) -> list[Decision]:
        decisions = []
        for index, (candidate, memories) in enumerate(zip(candidates, related, strict=True)):
            action, targets = _local_action(candidate, list(memories))
            decisions.append(
                Decision(candidate=index, action=action, target_ids=[m.id for m in targets])
            )
        return decisions


def _local_action(candidate: Candidate, related: list[Related]) -> tuple[Action, list[Related]]:
    if candidate.negated:
        retracted = [memory for memory in related if _retracts(candidate, memory)]
        return ("DELETE", retracted) if retracted else ("NOOP", [])
    text = normalise(candidate.content)
    if any(normalise(memory.content) == text for memory in related):
        return "NOOP", []
    key = candidate.key
    if key is None:
        return "ADD", []
    keyed = [(memory.key, memory) for memory in related if memory.key]
    if any(other.startswith(f"{key}:") for other, _ in keyed):
        return "NOOP", []  # already known in more detail
    same = [memory for other, memory in keyed if other == key]
    if len(same) == 1 and _same_fact(candidate, same[0]):
        return "UPDATE", same
    broader = [memory for other, memory in keyed if key.startswith(f"{other}:")]
    if not same and len(broader) == 1:
        return "UPDATE", broader
    replaced = same + broader
    return ("DELETE", replaced) if replaced else ("ADD", [])


def _same_fact(candidate: Candidate, memory: Related) -> bool:
    """The same slot holding the same value: only the wording differs."""
    return (
        memory.slot == candidate.slot
        and normalise(memory.value) == normalise(candidate.value)
        and normalise(memory.detail) == normalise(candidate.detail)
    )


# --- openai: structured output through langchain-openai ---------------------------


_TRANSIENT_OPENAI_ERRORS = (
    openai.APIConnectionError,  # includes timeouts
    openai.RateLimitError,
    openai.InternalServerError,
)
_INVALID_ANSWER_ERRORS = (
    openai.OpenAIError,
    ValidationError,
    OutputParserException,
    ModelRefusalError,
    ValueError,  # includes unparsable JSON
)


_Answer = TypeVar("_Answer", Extraction, Decisions)


class OpenAIProvider:
    """A chat model asked for `Extraction` and `Decisions` as JSON-schema structured output."""

    def __init__(self, model: BaseChatModel) -> None:
        self.model = model

    def extract(self, *, messages: Sequence[Message]) -> list[Candidate]:
        extraction = self._ask(Extraction, prompts.extraction_prompt(messages))
        return [c for c in extraction.memories if _said_by_user(c.message_index, messages)]

    def decide(
        self, *, candidates: Sequence[Candidate], related: Sequence[Sequence[Related]]
    ) -> list[Decision]:
        decisions = self._ask(Decisions, prompts.decision_prompt(candidates, related))
        return decisions_check(decisions.decisions, related)

    def _ask(self, schema: type[_Answer], prompt: list[tuple[str, str]]) -> _Answer:
        try:
            answer = self.model.with_structured_output(schema, method="json_schema").invoke(prompt)
        except _TRANSIENT_OPENAI_ERRORS as exc:
            raise LLMUnavailable(f"{settings.LLM_MODEL} unavailable: {exc}") from exc
        except _INVALID_ANSWER_ERRORS as exc:
            raise LLMError(f"{settings.LLM_MODEL} gave no usable {schema.__name__}: {exc}") from exc
        if not isinstance(answer, schema):
            raise LLMError(f"{settings.LLM_MODEL} gave no {schema.__name__}")
        return answer


def _said_by_user(index: int, messages: Sequence[Message]) -> bool:
    return 0 <= index < len(messages) and messages[index]["role"] == "user"


@lru_cache(maxsize=4)
def _openai_provider(
    model: str, base_url: str | None, api_key: str, timeout: float
) -> OpenAIProvider:
    from langchain_openai import ChatOpenAI

    # Retries belong to the Celery task (with backoff), not to each HTTP call.
    chat = ChatOpenAI(
        model=model,
        api_key=api_key,
        base_url=base_url,
        temperature=0,
        timeout=timeout,
        max_retries=0,
    )
    return OpenAIProvider(chat)
