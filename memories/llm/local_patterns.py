"""How a local rule is written: a readable template compiled to a regex.

In a template a space stands for any run of whitespace and `<TOKEN>` or `<TOKEN:group>` for a
piece used by many rules: subjects (`<I'M>`, `<WE>` for a household), closed word lists
(`<SPECIES:v>`) and names (`<NAME:v>` allows a lower-case single word after "my name is";
`<CAP:d>` only a capitalised one).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from . import local_words as words
from .schema import COUNT_WORDS

_WORD = r"[\w'À-ÿ-]*"
_UPPER = r"(?-i:[A-ZÀ-Þ])"


def _name(group: str) -> str:
    """One to three words; words after the first must be capitalised even in lower-case text."""
    return rf"(?P<{group}>[A-Za-zÀ-ÿ]{_WORD}(?:\s+{_UPPER}{_WORD}){{0,2}})"


def _capitalised(group: str) -> str:
    return rf"(?P<{group}>{_UPPER}{_WORD}(?:\s+{_UPPER}{_WORD})?)"


_CAP = r"(?-i:[A-ZÀ-Þ][\w'À-ÿ-]*)"
_HOUSEHOLD = rf"(?:(?:{words.PARTNERS})(?:,?\s+{_CAP},?)?)"
_TOKENS = {
    "I": "i",
    "I'M": r"(?:i'm|i\s+am)",
    "I'VE": r"(?:i've|i\s+have)",
    "WE": rf"(?:i|we|me\s+and\s+my\s+{_HOUSEHOLD}|my\s+{_HOUSEHOLD}\s+and\s+i)",
    "NOT": r"(?:don't|do\s+not|no\s+longer|never)",
    "ANYMORE": r"(?:\s+any\s?more)?",
    "FAV": r"(?:fav|fave|favourite|favorite|fav'rite)",
}
_GROUPS = {
    "ANY": lambda g: rf"(?P<{g}>.+)",
    "LAZY": lambda g: rf"(?P<{g}>.+?)",
    "NAME": _name,
    "CAP": _capitalised,
    "OCC": lambda g: rf"(?P<{g}>(?:[\w-]+\s+)??(?:[\w-]+\s+)??(?:{words.OCCUPATIONS}))",
    "SPECIES": lambda g: rf"(?P<{g}>{words.SPECIES})",
    "REL": lambda g: rf"(?P<{g}>{words.RELATIONS})",
    "PARTNER": lambda g: rf"(?P<{g}>{words.PARTNERS})",
    "DIET": lambda g: rf"(?P<{g}>{words.DIETS})",
    "CONDITION": lambda g: rf"(?P<{g}>{words.CONDITIONS})",
    "COUNT": lambda g: rf"(?P<{g}>{'|'.join(COUNT_WORDS)}|\d+)",
}
_TOKEN = re.compile(r"<([A-Z'?]+)(?::(\w+))?>")


def _expand(match: re.Match[str]) -> str:
    token, group = match.groups()
    return _GROUPS[token](group) if group else _TOKENS[token]


def compile_template(template: str) -> str:
    return _TOKEN.sub(_expand, template.replace(" ", r"\s+"))


@dataclass(frozen=True)
class Rule:
    """A statement: its regex, the slot it fills and how to read the match.

    `kind` says what the `v` group holds: "items" (a list: "hiking and swimming"), "proper"
    (a proper noun: a city, an employer), "name" (a person's name, "intro" when only capitals
    tell it is one: "I'm Tomasz"), "named" (a species or a relation, its name or count in the
    `d` group), "relatives" (a list of counted relations), "diet", "condition" or "phrase" (kept
    as said). `also` names further groups that fill other slots ("... at Boeing as an engineer").
    """

    regex: str
    slot: str
    negated: bool = False
    verb: str = ""
    kind: str = "items"
    also: tuple[tuple[str, str], ...] = ()

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        """Compiled on first use: processes that never extract (the web server) skip the cost."""
        return re.compile(self.regex, re.IGNORECASE)


def rule(template: str, slot: str, **options: object) -> Rule:
    """A rule that must cover its whole clause (an afterthought after a comma is allowed)."""
    return Rule(rf"^{compile_template(template)}(?:\s*,.*)?$", slot, **options)  # type: ignore[arg-type]


def mention(template: str, slot: str, **options: object) -> Rule:
    """A rule found anywhere in a clause: "my wife Ana", "my dog Biscuit"."""
    return Rule(rf"\b{compile_template(template)}\b", slot, **options)  # type: ignore[arg-type]
