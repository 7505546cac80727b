"""Extracted facts scored against the labelled corpus, for bench/extraction.py and the corpus test.

A label and an extracted candidate are the same fact when they agree on the slot, the value
(ignoring case, spacing, leading articles and punctuation at either end), the negated flag and,
for pets, family and favourites, the detail (the name, the count, the favourite thing).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

CORPUS = Path(__file__).with_name("extraction_corpus.jsonl")
DETAILED_SLOTS = frozenset({"pets", "family", "favourites"})
_LEADING_ARTICLE = re.compile(r"^(?:a|an|the)\s+")
_EDGE_PUNCTUATION = " \t.,;:!?'\"()"


def loose(text: str) -> str:
    """Case, spacing, a leading article and edge punctuation do not change a value."""
    text = " ".join(text.replace("\u2019", "'").split()).casefold().strip(_EDGE_PUNCTUATION)
    return _LEADING_ARTICLE.sub("", text)


@dataclass(frozen=True)
class Fact:
    slot: str
    value: str
    detail: str = ""
    negated: bool = False

    @property
    def identity(self) -> tuple[str, str, str, bool]:
        detail = loose(self.detail) if self.slot in DETAILED_SLOTS else ""
        return self.slot, loose(self.value), detail, self.negated

    def __str__(self) -> str:
        detail = f" ({self.detail})" if self.detail else ""
        return f"{'NOT ' if self.negated else ''}{self.slot}={self.value}{detail}"


@dataclass(frozen=True)
class Utterance:
    text: str
    facts: tuple[Fact, ...]
    role: str = "user"

    @property
    def messages(self) -> list[dict[str, str]]:
        return [{"role": self.role, "content": self.text}]


def load_corpus(path: Path = CORPUS) -> list[Utterance]:
    return [_utterance(json.loads(line)) for line in path.read_text().splitlines() if line]


def _utterance(entry: dict) -> Utterance:
    facts = tuple(Fact(**fact) for fact in entry["facts"])
    return Utterance(text=entry["text"], facts=facts, role=entry.get("role", "user"))


@dataclass(frozen=True)
class Outcome:
    """One utterance: the labels found, the labels missed and the facts nobody said."""

    utterance: Utterance
    found: tuple[Fact, ...]
    missed: tuple[Fact, ...]
    false: tuple[Fact, ...]


def compare(utterance: Utterance, extracted: Iterable[Fact]) -> Outcome:
    unmatched = Counter(fact.identity for fact in utterance.facts)
    found, false = [], []
    for fact in extracted:
        if unmatched[fact.identity] > 0:
            unmatched[fact.identity] -= 1
            found.append(fact)
        else:
            false.append(fact)
    missed = [fact for fact in utterance.facts if _take(unmatched, fact.identity)]
    return Outcome(utterance, tuple(found), tuple(missed), tuple(false))


def _take(counts: Counter, identity: tuple) -> bool:
    if counts[identity] <= 0:
        return False
    counts[identity] -= 1
    return True


@dataclass
class Tally:
    found: int = 0
    missed: int = 0
    false: int = 0

    @property
    def precision(self) -> float:
        extracted = self.found + self.false
        return self.found / extracted if extracted else 1.0

    @property
    def recall(self) -> float:
        labelled = self.found + self.missed
        return self.found / labelled if labelled else 1.0


@dataclass
class Score:
    outcomes: list[Outcome]
    overall: Tally = field(default_factory=Tally)
    slots: dict[str, Tally] = field(default_factory=dict)

    @property
    def misses(self) -> list[tuple[Utterance, Fact]]:
        return [(o.utterance, fact) for o in self.outcomes for fact in o.missed]

    @property
    def false_facts(self) -> list[tuple[Utterance, Fact]]:
        return [(o.utterance, fact) for o in self.outcomes for fact in o.false]


def score(outcomes: Sequence[Outcome]) -> Score:
    result = Score(list(outcomes))
    for outcome in outcomes:
        for kind in ("found", "missed", "false"):
            for fact in getattr(outcome, kind):
                for tally in (result.overall, result.slots.setdefault(fact.slot, Tally())):
                    setattr(tally, kind, getattr(tally, kind) + 1)
    return result


Extract = Callable[[list[dict[str, str]]], Iterable[Fact]]


def score_corpus(extract: Extract, corpus: Sequence[Utterance]) -> Score:
    return score([compare(u, extract(u.messages)) for u in corpus])


def facts_of(candidates: Iterable) -> list[Fact]:
    """Extracted candidates (anything with slot, value, detail, negated) as facts."""
    return [Fact(c.slot, c.value, c.detail, c.negated) for c in candidates]
