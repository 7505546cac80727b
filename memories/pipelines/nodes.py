"""The graphs' steps. Each reads the state, reaches the database only through services and
selectors, and returns the keys it adds to the state."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from memories.embeddings import embed_texts
from memories.llm import Candidate, Decision, Related
from memories.models import Memory
from memories.selectors import memory_find_related
from memories.services import (
    ingestion_job_apply,
    memory_decay_unused,
    memory_expire_due,
    memory_merge_near_duplicates,
    memory_promote_used,
)

from .state import ConsolidationContext, ConsolidationState, IngestionContext, IngestionState

RELATED_TOP_K = 5


def _candidates(state: IngestionState) -> list[Candidate]:
    return [Candidate(**candidate) for candidate in state["candidates"]]


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _related(memory: Memory) -> Related:
    metadata = memory.metadata if isinstance(memory.metadata, dict) else {}
    return Related(
        id=str(memory.pk),
        content=memory.content,
        slot=_text(metadata.get("slot")),
        value=_text(metadata.get("value")),
        detail=_text(metadata.get("detail")),
    )


# --- ingestion ------------------------------------------------------------------


def extract(state: IngestionState, runtime: Runtime[IngestionContext]) -> dict[str, Any]:
    candidates = runtime.context.llm.extract(messages=state["messages"])
    return {"candidates": [candidate.model_dump() for candidate in candidates]}


def embed(state: IngestionState, runtime: Runtime[IngestionContext]) -> dict[str, Any]:
    vectors = embed_texts([candidate["content"] for candidate in state["candidates"]])
    return {"embeddings": [vector.tolist() for vector in vectors]}


def find_related(state: IngestionState, runtime: Runtime[IngestionContext]) -> dict[str, Any]:
    found = memory_find_related(
        user=runtime.context.job.user,
        embeddings=state["embeddings"],
        texts=[candidate.content for candidate in _candidates(state)],
        keys=[candidate.key for candidate in _candidates(state)],
        top_k=RELATED_TOP_K,
    )
    return {"related": [[_related(m).model_dump() for m in memories] for memories in found]}


def _unopposed(index: int, candidate: Candidate) -> Decision:
    """Nothing related is known: a fact is new, a retraction retracts nothing."""
    return Decision(candidate=index, action="NOOP" if candidate.negated else "ADD", target_ids=[])


def decide(state: IngestionState, runtime: Runtime[IngestionContext]) -> dict[str, Any]:
    """Ask the model only about the candidates that have related memories."""
    candidates = _candidates(state)
    related = [[Related(**memory) for memory in shown] for shown in state["related"]]
    decisions = [_unopposed(index, candidate) for index, candidate in enumerate(candidates)]
    asked = [index for index, shown in enumerate(related) if shown]
    if asked:
        answers = runtime.context.llm.decide(
            candidates=[candidates[index] for index in asked],
            related=[related[index] for index in asked],
        )
        for index, answer in zip(asked, answers, strict=True):
            decisions[index] = answer.model_copy(update={"candidate": index})
    return {"decisions": [decision.model_dump() for decision in decisions]}


def apply(state: IngestionState, runtime: Runtime[IngestionContext]) -> dict[str, Any]:
    result = ingestion_job_apply(
        job=runtime.context.job,
        candidates=_candidates(state),
        embeddings=state["embeddings"],
        decisions=[Decision(**decision) for decision in state["decisions"]],
    )
    return {"result": result}


# --- consolidation --------------------------------------------------------------


def promote(state: ConsolidationState, runtime: Runtime[ConsolidationContext]) -> dict[str, int]:
    return {"promoted": memory_promote_used(user=runtime.context.user)}


def expire(state: ConsolidationState, runtime: Runtime[ConsolidationContext]) -> dict[str, int]:
    return {"expired": memory_expire_due(user=runtime.context.user)}


def merge(state: ConsolidationState, runtime: Runtime[ConsolidationContext]) -> dict[str, int]:
    return {"merged": memory_merge_near_duplicates(user=runtime.context.user)}


def decay(state: ConsolidationState, runtime: Runtime[ConsolidationContext]) -> dict[str, int]:
    return {"decayed": memory_decay_unused(user=runtime.context.user)}
