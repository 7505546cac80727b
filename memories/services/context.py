"""The memory block of a prompt: core memories first, then those most relevant to the latest
messages, as many as fit in a character budget."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from accounts.models import User
from memories.llm import Message
from memories.models import Memory
from memories.selectors import memory_core

from .recall import memory_recall

CONTEXT_HEADER = "What you remember about the user:"
CONTEXT_CORE_LIMIT = 200
# The query is the latest few messages (the newest last), cut to what an embedding reads well.
CONTEXT_QUERY_MESSAGES = 3
CONTEXT_QUERY_CHARACTERS = 2000
RELEVANT_TIERS = (Memory.Tier.LONG_TERM, Memory.Tier.SHORT_TERM)


@dataclass(frozen=True)
class MemoryContext:
    text: str
    memories: list[tuple[Memory, float | None]]  # with the relevance score; None for core


def _query(messages: Sequence[Message]) -> str:
    latest = " ".join(m["content"] for m in messages[-CONTEXT_QUERY_MESSAGES:])
    return latest[-CONTEXT_QUERY_CHARACTERS:].strip()


def _relevant(user: User, query: str, top_k: int) -> list[tuple[Memory, float | None]]:
    if not query:
        return []
    found = memory_recall(user=user, query=query, top_k=top_k, tiers=RELEVANT_TIERS)
    return [(hit.memory, hit.score) for hit in found]


def memory_context(
    *, user: User, messages: Sequence[Message], max_characters: int, top_k: int = 10
) -> MemoryContext:
    """The block within `max_characters` (empty when nothing fits); relevant memories found
    count as used, as any recall does."""
    core: list[tuple[Memory, float | None]] = [
        (memory, None) for memory in memory_core(user=user)[:CONTEXT_CORE_LIMIT]
    ]
    chosen, lines, used = [], [], len(CONTEXT_HEADER)
    for memory, score in core + _relevant(user, _query(messages), top_k):
        line = f"\n- {memory.content}"
        if used + len(line) > max_characters:
            continue  # a shorter one further down may still fit
        chosen.append((memory, score))
        lines.append(line)
        used += len(line)
    return MemoryContext(text=CONTEXT_HEADER + "".join(lines) if lines else "", memories=chosen)
