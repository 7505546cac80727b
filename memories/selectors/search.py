"""Search of a user's memories by embedding.

Search picks its plan by the size of what it searches: an exact scan over the user's rows when
there are few of them (HNSW would wander the whole graph looking for them), the HNSW index on the
half-precision embedding with an iterative scan when there are many (an exact scan would read
and sort them all).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from typing import Any

import numpy as np
from django.db import connection, transaction
from django.db.models import Q, QuerySet, Value
from pgvector.django import CosineDistance

from accounts.models import User
from memories.models import EMBEDDING_DIMENSIONS, Memory, MemoryCollection, MemoryVector

# Below this many candidate rows an exact scan beats the index. Measured by bench/search.py on
# 100k memories: exact 4-6 ms for 2,100 rows and 10 ms for 5,000, HNSW 5-7 ms for either; HNSW
# for a user of 130-300 rows 30-60 ms at recall 0.91-0.94, as it must wander the whole graph.
SEARCH_EXACT_MAX_ROWS = 3000
SEARCH_EF_SEARCH = 100

SearchResult = tuple[Memory, float]

RELATED_KEYED_LIMIT = 20


def _search_candidates(
    *, user: User, tiers: Sequence[str] | None, collection: MemoryCollection | None
) -> QuerySet[MemoryVector]:
    vectors = MemoryVector.objects.filter(user_id=user.pk)
    if tiers:
        vectors = vectors.filter(tier__in=list(tiers))
    if collection is not None:
        vectors = vectors.filter(collection_id=collection.pk)
    return vectors


def _has_at_least(candidates: QuerySet[MemoryVector], rows: int) -> bool:
    """A count that stops at `rows`: cheap however many memories the user has."""
    return candidates.order_by().values_list("pk", flat=True)[rows - 1 : rows].exists()


def _ranking(
    candidates: QuerySet[MemoryVector], vector_text: str, *, use_index: bool
) -> QuerySet[MemoryVector]:
    distance = CosineDistance("embedding_half", Value(vector_text))
    ranked = candidates.annotate(score=Value(1.0) - distance)
    if use_index:
        return ranked.alias(distance=distance).order_by("distance")
    # Ordered by similarity rather than distance, the query cannot use the HNSW index.
    return ranked.order_by("-score")


def _set_index_scan(top_k: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('hnsw.ef_search', %s, true),"
            " set_config('hnsw.iterative_scan', 'relaxed_order', true),"
            # Left to itself the planner scans the user's rows by btree and sorts them, which for
            # a large user is far slower than the index: take the sort away.
            " set_config('enable_sort', 'off', true)",
            [str(max(SEARCH_EF_SEARCH, top_k))],
        )


Ranking = Callable[[np.ndarray | Sequence[float]], QuerySet[MemoryVector]]


@contextmanager
def memory_ranking(
    *,
    user: User,
    top_k: int,
    tiers: Sequence[str] | None = None,
    collection: MemoryCollection | None = None,
) -> Iterator[Ranking]:
    """Within the block, `ranking(vector)` is the query of the user's `top_k` memories nearest
    `vector` as `(memory_id, score)` rows (cosine similarity), planned by the user's size.

    On the index path the block is a transaction holding the index-scan settings: run the
    queries inside it. Rows may come out of order; sort them by score.
    """
    candidates = _search_candidates(user=user, tiers=tiers, collection=collection)
    use_index = _has_at_least(candidates, SEARCH_EXACT_MAX_ROWS)
    with transaction.atomic() if use_index else nullcontext():
        if use_index:
            _set_index_scan(top_k)

        def ranking(vector: np.ndarray | Sequence[float]) -> QuerySet[MemoryVector]:
            ranked = _ranking(candidates, _vector_text(vector), use_index=use_index)
            return ranked.values_list("memory_id", "score")[:top_k]

        yield ranking


def _best_first(rows: Iterable[tuple[Any, float]]) -> list[tuple[Any, float]]:
    return sorted(rows, key=lambda row: row[1], reverse=True)


def _with_memories(nearest: list[list[tuple[uuid.UUID, float]]]) -> list[list[SearchResult]]:
    memories = Memory.objects.defer("embedding").in_bulk({pk for rows in nearest for pk, _ in rows})
    return [[(memories[pk], score) for pk, score in rows if pk in memories] for rows in nearest]


def _vector_text(vector: np.ndarray | Sequence[float]) -> str:
    values = np.asarray(vector, dtype=np.float32)
    if values.shape != (EMBEDDING_DIMENSIONS,):
        raise ValueError(f"a query embedding has {EMBEDDING_DIMENSIONS} dimensions")
    # Six decimals are finer than the half-precision column compares at, and print 3x faster.
    return "[" + ",".join(map(repr, np.round(values.astype(np.float64), 6).tolist())) + "]"


def memory_find_similar(
    *, user: User, embeddings: Sequence[np.ndarray | Sequence[float]], top_k: int
) -> list[list[SearchResult]]:
    """For each embedding, the user's nearest memories (best first), planned once for all."""
    if not embeddings:
        return []
    with memory_ranking(user=user, top_k=top_k) as ranking:
        nearest = [_best_first(ranking(embedding)) for embedding in embeddings]
    return _with_memories(nearest)


def _keyed(*, user: User, key: str) -> QuerySet[Memory]:
    """Memories filling the same slot as `key`, or a broader or narrower one ("pets:dog")."""
    parts = key.split(":")
    lineage = [":".join(parts[:n]) for n in range(1, len(parts) + 1)]
    return Memory.objects.filter(
        Q(metadata__key__in=lineage) | Q(metadata__key__startswith=f"{key}:"), user=user
    ).defer("embedding")


def memory_find_related(
    *,
    user: User,
    embeddings: Sequence[np.ndarray | Sequence[float]],
    keys: Sequence[str | None],
    top_k: int,
) -> list[list[Memory]]:
    """For each candidate: its nearest memories, then those about the same slot (by key)."""
    related = []
    similar = memory_find_similar(user=user, embeddings=embeddings, top_k=top_k)
    for neighbours, key in zip(similar, keys, strict=True):
        found = {memory.pk: memory for memory, _ in neighbours}
        if key:
            for memory in _keyed(user=user, key=key)[:RELATED_KEYED_LIMIT]:
                found.setdefault(memory.pk, memory)
        related.append(list(found.values()))
    return related
