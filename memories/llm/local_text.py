"""A user's message cut into the clauses the local rules read.

What cannot be the user's own present fact is dropped before any rule sees it: quoted text,
what others said ("she told me ..."), hypotheticals ("If I moved to Rome ..."), questions. What
remains is cut into clauses and tidied: greetings and discourse markers ("Big news:", "Oh and"),
time and frequency phrases ("this year", "since March", "every morning") and intensifiers
("really", "just") are removed, so that a rule sees "i moved to Porto".
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

from .local_words import PARTNERS

_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_DAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_SEASONS = "spring|summer|autumn|fall|winter"
_UNITS = rf"days?|weeks?|months?|years?|weekends?|mornings?|evenings?|nights?|{_SEASONS}"
_COUNTS = (
    r"a|an|one|two|three|four|five|six|seven|eight|nine|ten|\d+|a\s+few|a\s+couple\s+of|few|"
    r"many|several"
)

_QUOTED = re.compile(r"\"[^\"]*\"|(?<!\w)'(?=\w).*?(?<=[\w.!?,])'(?!\w)")
_PARENTHESES = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_EMOJI = re.compile(
    "[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\ufe0f\u200d]+|(?<!\\w)[:;=]-?[()dpDP3]+(?!\\w)|<3"
)
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+|[\n;]+")
_HYPOTHETICAL = re.compile(
    r"^(?:if|what\s+if|suppose|supposing|imagine|assuming|when\s+i\s+was|in\s+my\s+story|"
    r"in\s+the\s+story)\b",
    re.IGNORECASE,
)
_REPORTED = re.compile(
    r"\b(?:said|says|say|told|tells|goes|wrote|writes|(?:was|is|were)\s+like|asked|asks|texted|"
    r"mentioned|claims|claimed|thinks|thought|reckons|apparently)\b.*$",
    re.IGNORECASE | re.DOTALL,
)
_FILLERS = (
    r"big\s+news|news|update|quick\s+update|fun\s+fact|funny\s+story|guess\s+what|"
    r"(?:hey|hi|hello)\s+there|good\s+(?:morning|afternoon|evening)|morning|hey+|hi+|hiya|"
    r"heya|hello|yo|oh|"
    r"and|so|also|btw|by\s+the\s+way|fyi|honestly|tbh|to\s+be\s+honest|ok|okay|well|um|uh|ugh|"
    r"yeah|yes|yep|lol|haha+|anyway|anyways|actually|basically|plus|but|now|these\s+days|"
    r"just\s+so\s+you\s+know|(?:it\s+)?turns\s+out|by\s+day|then|though"
)
_LEADING_FILLER = re.compile(rf"^(?:(?:{_FILLERS})\b[\s,:!.\-]*)+", re.IGNORECASE)
_TRAILING_FILLER = re.compile(
    r"(?:[\s,]+(?:btw|by\s+the\s+way|lol|haha+|lmao|fyi|tbh|sadly|though|too|as\s+well|at\s+all|"
    r"after\s+all|just\s+so\s+you\s+know|if\s+that\s+matters|i\s+guess|i\s+think|for\s+work|"
    r"honestly|xx?)\b)+$",
    re.IGNORECASE,
)
_TIME_PHRASE = re.compile(
    rf"\b(?:(?:last|this|next|every|each)\s+(?:{_UNITS}|{_DAYS}|{_MONTHS})"
    rf"|(?:in|since|during|by|until)\s+(?:the\s+)?(?:{_MONTHS}|{_SEASONS}|\d{{4}})(?:\s+\d{{4}})?"
    rf"|since\s+(?:i\s+was\s+(?:a\s+kid|a\s+child|little|young|\d+)|last\s+\w+)"
    rf"|(?:for|over)\s+(?:the\s+)?(?:past\s+|last\s+)?(?:{_COUNTS})\s+(?:{_UNITS})"
    rf"|(?:{_COUNTS})\s+(?:{_UNITS})\s+ago|(?:on|at)\s+(?:the\s+)?weekends?|on\s+(?:{_DAYS})s?"
    r"|at\s+the\s+moment|right\s+now|as\s+of\s+(?:today|now|this\s+\w+)|these\s+days|nowadays"
    r"|lately|recently|currently|now|today|tonight|yesterday|tomorrow|someday|some\s+day"
    r"|eventually|soon|every\s+day|everyday|daily)\b",
    re.IGNORECASE,
)
_INTENSIFIERS = re.compile(
    r"\b(?:just|really|actually|officially|finally|basically|literally|totally|absolutely|"
    r"seriously|genuinely|truly|also|still|always|already|severely|mildly|badly|super|kinda|"
    r"so|very|definitely|newly|happily|proudly|honestly|lol|haha+|lmao|omg)\b",
    re.IGNORECASE,
)
_LIGHT_INTENSIFIERS = re.compile(
    r"\b(?:really|actually|literally|totally|basically|seriously|genuinely|truly|definitely|"
    r"kinda|super|honestly|lol|haha+|lmao|omg)\b",
    re.IGNORECASE,
)
_REPEATED_WORD = re.compile(r"\b(\w+)(?:\s+\1\b)+", re.IGNORECASE)
_CONTRACTIONS = (
    (re.compile(r"\bim\b", re.IGNORECASE), "i'm"),
    (re.compile(r"\bive\b", re.IGNORECASE), "i've"),
    (re.compile(r"\bdont\b", re.IGNORECASE), "don't"),
    (re.compile(r"\bcant\b", re.IGNORECASE), "can't"),
)
# A new clause starts where a subject or a subject-less verb follows a comma or a conjunction.
_STARTS = (
    r"(?:(?:honestly|also|then|now|btw|just|really|yes|yeah)\s+)*(?:i|i'm|im|i've|ive|i'd|my|we|we're|"
    r"we've|our|me|it|this|that|they|you|moved|relocated|settled|living|live|work|working|"
    r"started|joined|got|love|like|hate|can't|adopted|rescued|allergic|currently|no\s+longer|"
    r"fave|fav|favourite|favorite|quit|left|went|became|been)\b"
)
_CLAUSE_BREAK = re.compile(
    rf"\s*[,:]\s+(?={_STARTS})|\s+(?:and|but|so|plus|also|then)\s+(?={_STARTS})"
    r"|\s*,?\s+(?:because|cause|cuz|coz|bc)\s+",
    re.IGNORECASE,
)
_QUESTION = re.compile(
    r"^(?:do|does|did|am|is|are|was|were|can|could|should|would|will|shall|has|have\s+i|what|"
    r"what's|whats|where|who|why|how|when|which|isn't|aren't|any)\b(?!')",
    re.IGNORECASE,
)
_MOVED_FROM = re.compile(
    r"^(?P<who>.*?)\b(?P<verb>moved|relocated)\s+from\s+(?P<old>.+?)\s+(?:to|over\s+to)\s+(?P<new>.+)$",
    re.IGNORECASE,
)
_COMMA = re.compile(r"\s*,\s+")
# "Chris and I", "me and my husband", "my wife Ana and I": one subject, the household.
_LONE_SUBJECT = re.compile(
    rf"^(?:me|(?-i:[A-Z][\w'-]+)|(?:me\s+and\s+)?my\s+(?:{PARTNERS})(?:,?\s+(?-i:[A-Z][\w'-]+))?)$",
    re.IGNORECASE,
)
_EDGES = " \t\"'`.,!?:-~*"


class Clause(NamedTuple):
    """A clause tidied for the slot rules, and as it was said (time phrases and all)."""

    text: str
    said: str


def clauses(text: str) -> Iterator[Clause]:
    """The clauses of a message that may state a fact about its author."""
    for sentence, asked in _sentences(text):
        sentence = _LEADING_FILLER.sub("", sentence)
        if _HYPOTHETICAL.match(sentence):
            continue
        parts = _joined_subjects(_CLAUSE_BREAK.split(_REPORTED.sub("", sentence)))
        if asked:  # only the last part is asked: "The name's Olu, what's yours?"
            parts = parts[:-1] + _COMMA.split(parts[-1])[:-1]
        for part in (piece for whole in parts for piece in _two_times(whole)):
            clause = _tidy(part)
            if clause and not _QUESTION.match(clause):
                yield Clause(clause, _as_said(part))


def _two_times(part: str) -> list[str]:
    """ "We moved from Leeds to Bristol": the place left, then the place lived in."""
    move = _MOVED_FROM.match(part)
    if move is None:
        return [part]
    who, verb = move["who"], move["verb"]
    return [f"{who}moved away from {move['old']}", f"{who}{verb} to {move['new']}"]


def _joined_subjects(parts: list[str]) -> list[str]:
    """ "Chris and I got divorced": one subject, not two clauses."""
    joined: list[str] = []
    for part in parts:
        if joined and _LONE_SUBJECT.match(joined[-1]):
            joined[-1] = f"{joined[-1]} and {part}"
        else:
            joined.append(part)
    return joined


def _sentences(text: str) -> Iterator[tuple[str, bool]]:
    """Sentences, each with whether it is asked (ends with a question mark)."""
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"')
    text = _EMOJI.sub(". ", _PARENTHESES.sub(" ", _QUOTED.sub(" ", text.replace("\u201d", '"'))))
    for sentence in _SENTENCE_BREAK.split(text):
        sentence = sentence.strip()
        if sentence.strip(_EDGES):
            yield sentence.rstrip(".! "), sentence.endswith("?")


def _as_said(part: str) -> str:
    """The clause with its time phrases, for the general path: only fillers and emphasis go."""
    part = _LIGHT_INTENSIFIERS.sub(" ", _LEADING_FILLER.sub("", part.strip(_EDGES)))
    for pattern, replacement in _CONTRACTIONS:
        part = pattern.sub(replacement, part)
    part = " ".join(_REPEATED_WORD.sub(r"\1", part).split()).replace(" ,", ",").strip(_EDGES)
    return _TRAILING_FILLER.sub("", _LEADING_FILLER.sub("", part)).strip(_EDGES)


def _tidy(clause: str) -> str:
    clause = _LEADING_FILLER.sub("", clause.strip(_EDGES))
    clause = _INTENSIFIERS.sub(" ", _TIME_PHRASE.sub(" ", clause))
    clause = _REPEATED_WORD.sub(r"\1", clause)
    for pattern, replacement in _CONTRACTIONS:
        clause = pattern.sub(replacement, clause)
    clause = " ".join(clause.split()).replace(" ,", ",").strip(_EDGES)
    return _TRAILING_FILLER.sub("", _LEADING_FILLER.sub("", clause)).strip(_EDGES)
