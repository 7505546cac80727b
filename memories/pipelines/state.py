"""What flows through the graphs. Checkpointed state holds plain JSON-able values only, so a
run can resume in another process; the context (the job, the model) is supplied on each run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypedDict

from accounts.models import User
from memories.llm import LLMProvider, Message
from memories.models import IngestionJob


class IngestionState(TypedDict, total=False):
    messages: list[Message]
    candidates: list[dict[str, Any]]  # llm.Candidate, dumped
    embeddings: list[list[float]]  # one per candidate
    related: list[list[dict[str, Any]]]  # llm.Related per candidate
    decisions: list[dict[str, Any]]  # llm.Decision per candidate
    result: dict[str, int]  # added, updated, deleted, unchanged


@dataclass(frozen=True)
class IngestionContext:
    job: IngestionJob
    llm: LLMProvider


class ConsolidationState(TypedDict, total=False):
    expired: int
    promoted: int
    merged: int
    decayed: int


@dataclass(frozen=True)
class ConsolidationContext:
    user: User
