"""The general path: a durable statement the user makes about themselves or their people, kept
in the third person when no slot rule reads the clause ("I can't eat gluten" -> "User can't eat
gluten", "My wife is a dentist" -> "User's wife is a dentist").

The shape of the clause as said decides, words only: who speaks of whom ("I", or "my" and a
person: anything else, "we", "it", "my day", is not read), and whether it lasts: a habit, an
ability, a trait, a possession, an ongoing pursuit, a perfect with a duration ("I've lived here
for years") or one of the few past facts that last ("I grew up in ..."). Not kept: what is
marked as now only ("today", "this weekend"), a passing state ("I'm tired", "I have a cold"), a
one-off event ("I went ..."), a wish, plan or hypothetical ("might", "thinking about", "I'd"),
a thought or a remark to the companion ("I think ...", "I love your ...").
"""

from __future__ import annotations

import re

from . import local_general_words as vocab
from .schema import Candidate

_FLAGS = re.IGNORECASE
_SUBJECT = re.compile(
    rf"^(?:(?P<me>i)|my\s+(?P<who>(?:[\w-]+\s+)?(?:{vocab.PEOPLE})(?:,?\s+(?-i:[A-Z][\w'-]*),?)?))"
    r"\s+(?P<rest>.+)$",
    _FLAGS,
)
_UNSURE = re.compile(rf"\b(?:{vocab.UNSURE})\b|\?", _FLAGS)
_NOW_ONLY = re.compile(rf"\b(?:{vocab.NOW_ONLY})\b|\bjust\s+(?:\w+ed|{vocab.PAST})\b", _FLAGS)
_DURATION = re.compile(
    r"\b(?:for\s+(?:(?:\w+\s+)?(?:years|decades|months)|ages|a\s+long\s+time|life)|since|"
    r"all\s+my\s+life|my\s+whole\s+life|ever\s+since)\b",
    _FLAGS,
)
_LEADING_TIME = re.compile(
    r"^(?P<when>(?:every|each|most|on|at)\s+(?:\w+\s+)?\w+|for\s+(?:\w+\s+)?years|"
    r"since\s+\S+)\s*,?\s+(?P<rest>(?:i|my)\b.+)$",
    _FLAGS,
)
_PAST_WORD = re.compile(rf"^(?:\w{{2,}}ed|{vocab.PAST})$", _FLAGS)
# What follows is another thought: "I'm Italian, so pasta is serious business".
_AFTERTHOUGHT = re.compile(
    r"\s*,|\s+(?:so|but|because|cause|cuz|though|although|and\s+i|when|while)\b", _FLAGS
)
_USED_TO = re.compile(r"^(?P<who>i|we)\s+used\s+to\s+(?P<be>be\s+)?", _FLAGS)


def general_candidate(said: str, message_index: int) -> Candidate | None:
    """The clause as a memory of the general path, or None when it is not a durable fact."""
    if _UNSURE.search(said) or _NOW_ONLY.search(said):
        return None
    said = _subject_first(re.sub(r"\bjust\s+", "", _expanded(said), flags=_FLAGS))
    subject = _SUBJECT.match(said)
    rest = _AFTERTHOUGHT.split(subject["rest"], maxsplit=1)[0].split() if subject else []
    if not rest or rest[-1].lower() in vocab.POINTERS:
        return None
    if subject["me"]:  # type: ignore[index]
        phrase = _users(rest, has_duration=bool(_DURATION.search(said)))
        content = phrase and "User " + _inner(phrase, owner="their", person="them")
    else:
        who = " ".join(subject["who"].replace(",", " ").split())  # type: ignore[index]
        phrase = _theirs(rest)
        content = phrase and f"User's {who} " + _inner(phrase, "User's")
    if not content:
        return None
    return Candidate(
        content=re.sub(r"\bcannot\b", "can't", content), tier="long_term", importance=0.5,
        slot="other", value="", detail="", negated=False, message_index=message_index,
    )  # fmt: skip


def _subject_first(said: str) -> str:
    """ "On weekends I play golf" -> "I play golf on weekends"; "Been vegan for years" and
    "Can't eat gluten" are the user's, said without the "I" chat leaves out."""
    lead = _LEADING_TIME.match(said)
    said = f"{lead['rest']} {lead['when'].lower()}" if lead else said
    first = said.split(maxsplit=1)[0].lower() if said.split() else ""
    if first == "been":
        return "I have " + said[:1].lower() + said[1:]
    return "I " + said[:1].lower() + said[1:] if first in vocab.SUBJECTLESS_STARTS else said


def past_as_retraction(clause: str) -> str | None:
    """ "I used to live in Madrid" read as "I no longer live in Madrid", for the slot rules."""
    used = _USED_TO.match(clause)
    if used is None:
        return None
    verb = f"{used['who']}'m no longer " if used["be"] else f"{used['who']} no longer "
    return verb + clause[used.end() :]


def _expanded(said: str) -> str:
    for short, long in vocab.CONTRACTIONS:
        said = re.sub(short, long, said, flags=_FLAGS)
    return said


def _users(rest: list[str], *, has_duration: bool) -> str | None:
    """What follows "I", in the third person, if it lasts."""
    first, tail = rest[0].lower(), rest[1:]
    if first == "am":
        return _being(tail) and "is " + _being(tail)
    if first == "have":
        return _having(tail, has_duration=has_duration)
    adverbs = []
    while rest and (rest[0].lower() in vocab.FREQUENCY or rest[0].lower() in ("no", "longer")):
        adverbs.append(rest.pop(0))
    present = _present(rest) if rest else None
    return " ".join([*adverbs, present]) if present else None


def _present(rest: list[str]) -> str | None:
    """ "play the cello" -> "plays the cello"; None for a thought, a past event, a wish."""
    text = " ".join(rest)
    lowered = text.lower()
    if lowered.startswith(vocab.LASTING_PAST):
        return text
    if lowered.startswith(vocab.ABILITIES):
        ability = lowered.split()[-1 if lowered.startswith("can not") else 1 :]
        return None if not ability or _not_lasting(ability[0]) else text
    verb, tail = rest[0].lower(), rest[1:]
    if verb in ("don't", "do") and tail:
        tail = tail[1:] if verb == "do" and tail[0].lower() == "not" else tail
        return None if _not_lasting(tail[0]) else "doesn't " + " ".join(tail)
    if _not_lasting(verb):
        return None
    return " ".join([_third_person(verb), *tail])


def _not_lasting(verb: str) -> bool:
    verb = verb.lower()
    if verb in vocab.NOT_LASTING_VERBS:
        return True
    return bool(_PAST_WORD.match(verb)) and verb not in vocab.BASE_FORMS_IN_ED


def _being(rest: list[str]) -> str | None:
    """What follows "I am", if it is a lasting trait: "a night owl", "from Ghana", "Polish"."""
    if not rest:
        return None
    text, first = " ".join(rest), rest[0].lower()
    if first == "not":
        return _being(rest[1:]) and "not " + _being(rest[1:])  # type: ignore[operator]
    if re.match(vocab.SKILLED, text, _FLAGS):
        return text
    if first in vocab.PASSING_STATES or first in vocab.POSITIONS:
        return None
    if first == "in":
        return text if len(rest) > 1 and _member_or_place(rest[1:]) else None
    if first.endswith("ing"):
        return text if first in vocab.ONGOING else None
    if first in ("a", "an"):
        return None if len(rest) < 2 or rest[1].lower() in vocab.NOT_A_KIND else text
    return text


def _member_or_place(rest: list[str]) -> bool:
    """ "in Lisbon", "in a band"; not "in the kitchen" nor "in a meeting"."""
    if rest[0][:1].isupper():
        return True
    return rest[0] in ("a", "an") and len(rest) > 1 and rest[1].lower() not in vocab.PASSING_THINGS


def _having(rest: list[str], *, has_duration: bool) -> str | None:
    """What follows "I have": a possession, an ongoing pursuit, an experience; not an errand."""
    if not rest:
        return None
    first = rest[0].lower()
    if first == "got":
        return _having(rest[1:], has_duration=has_duration)
    if first == "to" or first in vocab.PASSING_THINGS:
        return None
    if first == "been":
        return "has " + " ".join(rest) if _lasting_been(rest[1:]) else None
    if first == "never" or (_PAST_WORD.match(first) and first not in vocab.BASE_FORMS_IN_ED):
        return "has " + " ".join(rest) if first == "never" or has_duration else None
    words = {word.lower().strip(",") for word in rest[:3]}
    return None if words & vocab.PASSING_THINGS else "has " + " ".join(rest)


def _lasting_been(rest: list[str]) -> bool:
    if not rest:
        return False
    first = rest[0].lower()
    return first in vocab.ONGOING or first in ("to", "a", "an", "in", "on", "part", "with")


def _theirs(rest: list[str]) -> str | None:
    """What follows "my wife": kept as said when it lasts ("is a dentist", "works from home")."""
    start = next((i for i, word in enumerate(rest) if word.lower() not in vocab.FREQUENCY), None)
    if start is None or rest[start][:1].isupper():
        return None  # no verb: "my husband Tom", "my mom always"
    verb = rest[start].lower()
    if verb in ("is", "are"):
        return None if _being(rest[start + 1 :]) is None else " ".join(rest)
    lowered = " ".join(rest).lower()
    if lowered.startswith(vocab.THEIR_LASTING_PAST):
        return " ".join(rest)
    if _not_lasting(verb) or verb in ("am", "was", "were"):
        return None
    return " ".join(rest)


def _third_person(verb: str) -> str:
    if verb in vocab.IRREGULAR_PRESENT:
        return vocab.IRREGULAR_PRESENT[verb]
    if verb.endswith(("s", "sh", "ch", "x", "z", "o")):
        return verb + "es"
    if verb.endswith("y") and verb[-2:-1] not in "aeiou":
        return verb[:-1] + "ies"
    return verb + "s"


def _inner(phrase: str, owner: str, person: str = "User") -> str:
    """The user's own words inside the fact: "my kids" -> "their kids"."""
    phrase = re.sub(r"\bmy\b", owner, phrase, flags=_FLAGS)
    phrase = re.sub(r"\bmyself\b", "themselves" if person == "them" else "User", phrase)
    return re.sub(r"\bme\b", person, phrase, flags=_FLAGS).strip(" ,")
