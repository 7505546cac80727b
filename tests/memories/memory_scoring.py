"""Extracted memories scored by what they say, for the blind corpus and bench/extraction.py.

The blind corpus (extraction_blind.jsonl) labels memories, not slots: `{"text", "memories":
[{"content", "keywords", "about"}], "not_current": [...]}`. An extracted memory finds a label
when its content holds every keyword of the label (loosely: case, a plural -s, apostrophes and
hyphens do not count) and it is about the same person: "User's wife is a dentist" is about
"wife", "User can't eat gluten" about the user. A label is found once; a second memory saying
it again is a duplicate and counts as false. A `not_current` entry ("User lives in Madrid",
from "I used to live in Madrid, now I'm in Lisbon") is violated by a stored memory about the
same person that holds all its content words without marking them as past; each violation
counts as a false memory. Retractions (negated candidates) store nothing and are only counted.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .extraction_scoring import Tally

_WORD = re.compile(r"[\w']+")


def words(text: str) -> tuple[str, ...]:
    """Lower-case words without apostrophes or a final -s; hyphens separate words."""
    text = text.replace("\u2019", "'").replace("-", " ").casefold()
    return tuple(_stem(word.replace("'", "")) for word in _WORD.findall(text))


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 2 and word.endswith("s") else word


BLIND_CORPUS = Path(__file__).with_name("extraction_blind.jsonl")
USER = "user"
OTHERS = "others"
# Words that name a person the user may speak of, besides the `about` values of the corpus.
PEOPLE = frozenset(
    (word,)
    for word in words(
        """wife husband partner girlfriend boyfriend fiance fiancee spouse mother mom mum father dad
    parent sister brother sibling son daughter kid child children grandmother grandma
    grandfather grandpa aunt uncle cousin niece nephew friend boss colleague coworker roommate
    flatmate neighbour neighbor"""
    )
)
# Words a `not_current` entry shares with any statement: they do not say which fact it is.
_COMMON = frozenset(
    words(
        """user a an the in at on to of for from with and or is are am be been was were has have
    had do does live lives work works working as"""
    )
)
_PAST = re.compile(
    r"\b(?:used to|no longer|not|never|former|formerly|previously|once|moved (?:away )?from|"
    r"left|quit|stopped|until|before|ex)\b|n't\b",
    re.IGNORECASE,
)


def holds(content: Sequence[str], keyword: str) -> bool:
    """Whether the words of `keyword` stand together, in order, in `content`."""
    wanted = words(keyword)
    size = len(wanted)
    return bool(size) and any(
        tuple(content[i : i + size]) == wanted for i in range(len(content) - size + 1)
    )


def about(content: str, people: Iterable[str] = ()) -> str:
    """Whose fact a memory states: who follows "User's" (one modifier allowed), else the user."""
    said = words(content)
    if not said or said[0] != "user" or len(said) < 2:
        return USER
    if not content.casefold().replace("\u2019", "'").startswith("user's"):
        return USER
    known = {words(person) for person in people} | PEOPLE
    for person in sorted(known, key=len, reverse=True):
        if said[1 : 1 + len(person)] == person or said[2 : 2 + len(person)] == person:
            return " ".join(person)
    return USER


@dataclass(frozen=True)
class Memory:
    content: str
    keywords: tuple[str, ...]
    about: str = USER

    @property
    def person(self) -> str:
        return " ".join(words(self.about)) if self.about != USER else USER


@dataclass(frozen=True)
class Said:
    """One utterance of the blind corpus."""

    text: str
    memories: tuple[Memory, ...]
    not_current: tuple[str, ...] = ()

    @property
    def messages(self) -> list[dict[str, str]]:
        return [{"role": "user", "content": self.text}]


@dataclass(frozen=True)
class Extracted:
    content: str
    slot: str
    negated: bool = False


def load_blind(path: Path = BLIND_CORPUS) -> list[Said]:
    return [_said(json.loads(line)) for line in path.read_text().splitlines() if line.strip()]


def _said(entry: dict) -> Said:
    memories = tuple(
        Memory(m["content"], tuple(m["keywords"]), m.get("about") or USER)
        for m in entry["memories"]
    )
    return Said(entry["text"], memories, tuple(entry.get("not_current", ())))


@dataclass(frozen=True)
class Judged:
    """One utterance: labels found and missed, memories nobody said, old facts kept current."""

    said: Said
    found: tuple[tuple[Memory, Extracted], ...]
    missed: tuple[Memory, ...]
    false: tuple[Extracted, ...]
    violations: tuple[tuple[str, Extracted], ...]
    retractions: int


def judge(said: Said, extracted: Iterable[Extracted], people: Iterable[str] = ()) -> Judged:
    people = set(people) | {m.about for m in said.memories if m.about != USER}
    open_labels = list(said.memories)
    found, false, violations, retractions = [], [], [], 0
    for memory in extracted:
        if memory.negated:
            retractions += 1
            continue
        label = _label_found(memory, open_labels, people)
        if label is None:
            false.append(memory)
        else:
            open_labels.remove(label)
            found.append((label, memory))
        violations += [(old, memory) for old in said.not_current if _keeps(memory, old, people)]
    return Judged(said, tuple(found), tuple(open_labels), tuple(false), tuple(violations),
                  retractions)  # fmt: skip


def _label_found(memory: Extracted, labels: list[Memory], people: set[str]) -> Memory | None:
    content, person = words(memory.content), about(memory.content, people)
    for label in labels:
        if label.person == person and all(holds(content, k) for k in label.keywords):
            return label
    return None


def _keeps(memory: Extracted, old: str, people: set[str]) -> bool:
    """Whether a stored memory still states the old fact as current."""
    if about(memory.content, people) != about(old, people) or _PAST.search(memory.content):
        return False
    wanted = set(words(old)) - _COMMON
    return bool(wanted) and wanted <= set(words(memory.content))


@dataclass
class BlindScore:
    judged: list[Judged]
    overall: Tally = field(default_factory=Tally)
    people: dict[str, Tally] = field(default_factory=dict)
    slots: dict[str, Tally] = field(default_factory=dict)
    violations: int = 0
    retractions: int = 0


def blind_score(judged: Sequence[Judged]) -> BlindScore:
    """Overall; by whose fact (labels: the user or others); by the slot of what was extracted."""
    result = BlindScore(list(judged))
    for one in judged:
        result.violations += len(one.violations)
        result.retractions += one.retractions
        result.overall.found += len(one.found)
        result.overall.missed += len(one.missed)
        result.overall.false += len(one.false) + len(one.violations)
        for label, memory in one.found:
            _whose(result, label).found += 1
            result.slots.setdefault(memory.slot, Tally()).found += 1
        for label in one.missed:
            _whose(result, label).missed += 1
        for memory in [*one.false, *(memory for _, memory in one.violations)]:
            result.slots.setdefault(memory.slot, Tally()).false += 1
    return result


def _whose(result: BlindScore, label: Memory) -> Tally:
    return result.people.setdefault(USER if label.about == USER else OTHERS, Tally())


ExtractMemories = Callable[[list[dict[str, str]]], Iterable[Extracted]]


def score_blind(extract: ExtractMemories, corpus: Sequence[Said]) -> BlindScore:
    people = {m.about for said in corpus for m in said.memories if m.about != USER}
    return blind_score([judge(said, extract(said.messages), people) for said in corpus])


def extracted_of(candidates: Iterable) -> list[Extracted]:
    """Extracted candidates (anything with content, slot and negated) as memories."""
    return [Extracted(c.content, c.slot, c.negated) for c in candidates]
