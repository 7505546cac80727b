"""What the providers exchange with the pipelines: candidates, related memories, decisions.

A provider extracts candidate memories from a conversation and decides, for each candidate and
the related memories the user already has, whether to ADD it, UPDATE a memory it refines, DELETE
the memories it contradicts or retracts (storing it instead unless it is a retraction), or do
nothing (NOOP).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol, TypedDict

from pydantic import BaseModel, Field

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
COUNT_WORDS = ("two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


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
    if slot in ("pets", "family") and detail and not is_count(detail):
        parts.append(normalise(detail))
    return ":".join(parts)


def is_count(word: str) -> bool:
    return word.isdigit() or word.lower() in COUNT_WORDS


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
