"""Recall: search a user's memories by text and count the use of what is found."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils import timezone

from accounts.models import User
from memories.embeddings import embed_text
from memories.models import Memory, MemoryCollection
from memories.selectors import SearchResult, memory_ranking

_RECALLED_COLUMNS = ", ".join(
    f"memory.{field.column}" for field in Memory._meta.concrete_fields if field.name != "embedding"
)


def memory_recall(
    *,
    user: User,
    query: str,
    top_k: int = 10,
    mode: str = "hybrid",
    tiers: Sequence[str] | None = None,
    collection: MemoryCollection | None = None,
    min_score: float | None = None,
) -> list[SearchResult]:
    """Search the user's memories by a text, best first, counting a use of each memory found.

    `mode` is hybrid, vector or text (see memories.selectors.search); `min_score` is a floor on
    the cosine similarity (`similarity`) whatever the mode, as the fused score has no fixed scale.
    One statement ranks the memories, counts the use and reads them back (the ORM's update()
    cannot return rows), leaving the embeddings out.
    """
    query_embedding = embed_text(query)
    with memory_ranking(
        user=user, top_k=top_k, mode=mode, tiers=tiers, collection=collection
    ) as ranking:
        nearest, params = ranking(query_embedding, query)
        above = "" if min_score is None else " AND nearest.similarity >= %s"
        found = Memory.objects.raw(
            f"UPDATE {Memory._meta.db_table} AS memory"
            " SET access_count = memory.access_count + 1, last_accessed_at = %s"
            f" FROM ({nearest}) AS nearest (id, score, similarity)"
            f" WHERE memory.id = nearest.id AND memory.user_id = %s{above}"
            f" RETURNING {_RECALLED_COLUMNS}, nearest.score, nearest.similarity",
            [timezone.now(), *params, user.pk, *([] if min_score is None else [min_score])],
        )
        results = [SearchResult(memory, memory.score, memory.similarity) for memory in found]
        return sorted(results, key=lambda result: (-result.score, -result.similarity))
