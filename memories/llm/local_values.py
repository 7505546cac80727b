"""Reading a rule's match into slot values, and refusing values that are not plausible: a fact
the local provider is not sure of is not stored."""

from __future__ import annotations

import re
from collections.abc import Callable

from . import local_words as words
from .local_patterns import Rule
from .schema import is_count

Reading = tuple[str, str]  # (value, detail)

_NAMING = re.compile(r"\b(?:call|called|named|name)\b", re.IGNORECASE)
_TAIL = re.compile(
    r"(?:\s*,.*|\s+(?:with|for|since|because|near|but|as|from|which|where|who|after|before|"
    r"(?-i:and\s+[a-z]))\b.*|(?:\s+(?:a\s+lot|so\s+much|very\s+much|any\s?more|too|as\s+well|"
    r"though|again|mostly|these\s+days)\b)+)$",
    re.IGNORECASE | re.DOTALL,
)
_ITEM_TAIL = re.compile(
    r"(?:\s+(?:with\s+my\s+.+|since\s+.+|a\s+lot|so\s+much|very\s+much|any\s?more|too|as\s+well|"
    r"though|again|more\s+than\s+anything|at\s+all))+$",
    re.IGNORECASE,
)
_ITEM_SEPARATOR = re.compile(r"\s*,\s*(?:and\s+|or\s+)?|\s+(?:and|or|&)\s+", re.IGNORECASE)
_RELATIVE = re.compile(
    rf"^(?P<d>a|an|one|\w+)\s+(?:(?:older|younger|little|big|baby|grown|adult)\s+)?"
    rf"(?P<v>{words.PLURAL_RELATIONS}|{words.RELATIONS})$",
    re.IGNORECASE,
)
_SMALL_WORDS = frozenset({"of", "the", "de", "da", "do", "upon", "on", "la", "le", "del"})
_EDGES = " \t\"'`.!?,:;"


def read(rule: Rule, match: re.Match[str]) -> list[tuple[str, str, str]]:
    """(slot, value, detail) triples from a match; empty when nothing plausible was said."""
    groups = match.groupdict()
    value, detail = _trimmed(groups.get("v")), _trimmed(groups.get("d"))
    if rule.negated and not value:
        return [(rule.slot, "", detail)]  # "I quit my job": whatever fills the slot
    reader = _READERS[rule.kind]
    found = [(rule.slot, v, d) for v, d in reader(rule.slot, value, detail, match)]
    for group, slot in rule.also:
        extra = _trimmed(groups.get(group))
        if extra:
            found += [(slot, v, d) for v, d in _READERS[_KINDS[slot]](slot, extra, "", match)]
    return found


def _trimmed(text: str | None) -> str:
    return (text or "").strip(_EDGES)


def _items(slot: str, value: str, detail: str, match: re.Match[str]) -> list[Reading]:
    value = re.sub(r"^both\s+", "", value, flags=re.IGNORECASE)
    items = [_ITEM_TAIL.sub("", item).strip(_EDGES) for item in _ITEM_SEPARATOR.split(value)]
    if slot == "allergies":
        items = [words.ALLERGEN_PLURALS.get(item.lower(), item) for item in items]
        items = [item for item in items if item.lower() not in words.NOT_ALLERGENS]
    return [(item, "") for item in items if _is_thing(item)]


def _is_thing(item: str) -> bool:
    first = item.split()[0].lower() if item.split() else ""
    return _plausible(item) and first not in words.NOT_THINGS


def _proper(slot: str, value: str, detail: str, match: re.Match[str]) -> list[Reading]:
    value = _TAIL.sub("", value).strip(_EDGES)
    if slot == "employer":
        return [(value, "")] if _is_organisation(value) else []
    return [(_capitalised(value), "")] if _is_place(value) else []


def _is_organisation(value: str) -> bool:
    bare = re.sub(r"^the\s+", "", value, flags=re.IGNORECASE)
    return _plausible(bare) and bare[:1].isupper() and _all_capitalised(bare)


def _is_place(value: str) -> bool:
    tokens = value.lower().split()
    if not _plausible(value) or tokens[0] in words.NOT_THINGS or value.lower() in words.NOT_PLACES:
        return False
    if tokens[0] in {"a", "an", "the", "our", "her", "his"} and value == value.lower():
        return False
    return (value == value.lower() and len(tokens) <= 3) or _all_capitalised(value)


def _all_capitalised(value: str) -> bool:
    return all(word[:1].isupper() or word.lower() in _SMALL_WORDS for word in value.split())


def _name(slot: str, value: str, detail: str, match: re.Match[str]) -> list[Reading]:
    if not _is_a_name(value, match) or value.split()[0].lower() in words.NOT_NAMES:
        return []
    if slot == "partner":
        detail = words.PARTNER_WORDS.get(detail.lower(), detail.lower()) or "partner"
    return [(_capitalised(value), detail)] if _plausible(value) else []


def _intro(slot: str, value: str, detail: str, match: re.Match[str]) -> list[Reading]:
    """ "I'm Tomasz": a name only if capitalised and not a state, mood or nationality."""
    if not value[:1].isupper() or value.split()[0].lower() in words.NOT_NAMES:
        return []
    return [(value, "")]


def _named(slot: str, value: str, detail: str, match: re.Match[str]) -> list[Reading]:
    if is_count(detail):
        detail = detail.lower()
    elif detail.split() and detail.split()[0].lower() in words.NOT_NAMES:
        return []
    elif _is_a_name(detail, match):
        detail = _capitalised(detail)
    else:
        return []
    return [(" ".join(value.lower().split()), detail)] if _plausible(value) else []


def _relatives(slot: str, value: str, detail: str, match: re.Match[str]) -> list[Reading]:
    """ "two sisters and a brother": every item must be a counted relation, or none is read."""
    found = []
    for item in _ITEM_SEPARATOR.split(value):
        relative = _RELATIVE.match(item.strip(_EDGES))
        if relative is None:
            return []
        count = relative["d"].lower()
        if count not in {"a", "an", "one"} and not is_count(count):
            return []
        found.append((relative["v"].lower(), "" if count in {"a", "an", "one"} else count))
    return found


def _diet(slot: str, value: str, detail: str, match: re.Match[str]) -> list[Reading]:
    value = " ".join(value.split())
    value = re.sub(r"^(gluten|dairy|plant|lactose)\s+(free|based)$", r"\1-\2", value, flags=re.I)
    value = {"veggie": "vegetarian", "low carb": "low-carb"}.get(value.lower(), value)
    return [(value, "")] if _plausible(value) and value.lower() not in words.NOT_THINGS else []


def _condition(slot: str, value: str, detail: str, match: re.Match[str]) -> list[Reading]:
    value = words.CONDITION_ADJECTIVES.get(value.lower(), _TAIL.sub("", value))
    return [(" ".join(value.split()), "")] if _plausible(value) else []


def _phrase(slot: str, value: str, detail: str, match: re.Match[str]) -> list[Reading]:
    if slot == "occupation":
        if set(value.lower().split()[:-1]) & words.JUDGEMENTS:
            return []
        value = re.sub(rf"^(?:{'|'.join(words.OCCUPATION_PLACES)})\s+", "", value, flags=re.I)
    if slot == "favourites" and not _plausible(detail):
        return []
    return [(" ".join(value.split()), detail)] if _plausible(value) else []


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


Reader = Callable[[str, str, str, re.Match[str]], list[Reading]]
_READERS: dict[str, Reader] = {
    "items": _items,
    "proper": _proper,
    "name": _name,
    "intro": _intro,
    "named": _named,
    "relatives": _relatives,
    "diet": _diet,
    "condition": _condition,
    "phrase": _phrase,
}
_KINDS = {"employer": "proper", "occupation": "phrase"}
