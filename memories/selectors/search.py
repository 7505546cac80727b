"""Search of a user's memories: by meaning (embedding), by words (BM25), or both fused.

`hybrid` fuses the two rankings by their scores: the candidates are the best FUSION_DEPTH of
each; each candidate's cosine similarity is scaled to 0..1 across them (min to max), its BM25
score likewise (0 to the best), and the two are added with the words weighing TEXT_WEIGHT times
the share of the question's words that the user's memories hold at all. A question none of
whose words the user has ever written ranks by meaning alone; one whose words are all there
(a name, a place) leans on them. Meaning finds "User has a dog named Bolt" for "what pets do I
have?"; words find it for "Bolt". The words half is memories.selectors.search_text.

Search picks its plan by the size of what it searches: an exact scan over the user's rows when
there are few of them (HNSW would wander the whole graph looking for them), the HNSW index on the
half-precision embedding with an iterative scan when there are many (an exact scan would read
and sort them all). The words are checked on each row of the exact scan, and found by the GIN
index on the index plan.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from typing import Any, NamedTuple

import numpy as np
from django.db import connection, transaction
from django.db.models import QuerySet

from accounts.models import User
from memories import metrics
from memories.models import EMBEDDING_DIMENSIONS, Memory, MemoryCollection, MemoryVector

from .search_text import Words, text_finds_sql, text_rank_sql, text_words

# Below this many candidate rows an exact scan beats the index. Measured by bench/search.py on
# 100k memories: exact 4-6 ms for 2,100 rows and 10 ms for 5,000, HNSW 5-7 ms for either; HNSW
# for a user of 130-300 rows 30-60 ms at recall 0.91-0.94, as it must wander the whole graph.
SEARCH_EXACT_MAX_ROWS = 3000
SEARCH_EF_SEARCH = 100
SEARCH_MODES = ("hybrid", "vector", "text")
# How deep each ranking feeds the fusion, and the most the words weigh in it (when the user's
# memories hold every word of the question). docs/search.md has the figures behind them.
FUSION_DEPTH = 30
TEXT_WEIGHT = 0.7


_TABLE = MemoryVector._meta.db_table


class SearchResult(NamedTuple):
    memory: Memory
    score: float  # what orders the results: fused (hybrid), cosine (vector), text rank (text)
    similarity: float  # cosine similarity to the query, in every mode


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


def _filters(
    *, user: User, tiers: Sequence[str] | None, collection: MemoryCollection | None
) -> tuple[str, list[Any]]:
    clauses, params = ["user_id = %s"], [user.pk]
    if tiers:
        clauses.append("tier = ANY(%s)")
        params.append(list(tiers))
    if collection is not None:
        clauses.append("collection_id = %s")
        params.append(collection.pk)
    return " AND ".join(clauses), params


class _Plan(NamedTuple):
    user_id: int
    where: str
    where_params: list[Any]
    use_index: bool
    top_k: int

    def nearest(self, vector: str, limit: int) -> tuple[str, list[Any]]:
        """The nearest memories as (memory_id, similarity) rows."""
        # Ordered by similarity rather than distance, the exact scan cannot take the index.
        order, order_params = ("embedding_half <=> %s", [vector]) if self.use_index else (
            "similarity DESC", []
        )  # fmt: skip
        return (
            f"SELECT memory_id, 1 - (embedding_half <=> %s) AS similarity FROM {_TABLE}"
            f" WHERE {self.where} ORDER BY {order} LIMIT %s",
            [vector, *self.where_params, *order_params, limit],
        )

    def found(self, vector: str, words: Words, limit: int) -> tuple[str, list[Any]]:
        """The memories the words find, best first by words, as (memory_id, similarity,
        text_rank) rows."""
        finds, finds_params = text_finds_sql(words)
        rank, rank_params = text_rank_sql(words)
        best = (
            f"SELECT memory_id, embedding_half, {rank} AS text_rank FROM {_TABLE}"
            f" WHERE {self.where} AND {finds} ORDER BY text_rank DESC, memory_id LIMIT %s"
        )
        return (  # the similarity of the best only
            f"SELECT memory_id, 1 - (embedding_half <=> %s) AS similarity, text_rank"
            f" FROM ({best}) AS best",
            [vector, *rank_params, *self.where_params, *finds_params, limit],
        )


def _vector_sql(plan: _Plan, vector: str, text: str) -> tuple[str, list[Any]]:
    nearest, params = plan.nearest(vector, plan.top_k)
    return f"SELECT memory_id, similarity, similarity FROM ({nearest}) AS nearest", params


def _text_sql(plan: _Plan, vector: str, text: str) -> tuple[str, list[Any]]:
    found, params = plan.found(vector, text_words(user_id=plan.user_id, text=text), plan.top_k)
    return f"SELECT memory_id, text_rank, similarity FROM ({found}) AS found", params


def _scanned_candidates(plan: _Plan, vector: str, words: Words) -> tuple[str, list[Any]]:
    """The exact plan's candidates, from one scan of the user's rows: the nearest, and the
    best of those the words find."""
    depth = max(plan.top_k, FUSION_DEPTH)
    finds, finds_params = text_finds_sql(words)
    rank, rank_params = text_rank_sql(words)
    scanned = (
        f"SELECT memory_id, 1 - (embedding_half <=> %s) AS similarity,"
        f" CASE WHEN {finds} THEN {rank} END AS text_rank FROM {_TABLE} WHERE {plan.where}"
    )
    return (
        f"WITH scanned AS MATERIALIZED ({scanned})"
        f" (SELECT * FROM scanned ORDER BY similarity DESC, memory_id LIMIT {depth})"
        f" UNION (SELECT * FROM scanned WHERE text_rank IS NOT NULL"
        f" ORDER BY text_rank DESC, memory_id LIMIT {depth})",
        [vector, *finds_params, *rank_params, *plan.where_params],
    )


def _indexed_candidates(plan: _Plan, vector: str, words: Words) -> tuple[str, list[Any]]:
    """The index plan's candidates: the nearest by HNSW, and the best of those the words find
    by the GIN index."""
    depth = max(plan.top_k, FUSION_DEPTH)
    nearest, nearest_params = plan.nearest(vector, depth)
    found, found_params = plan.found(vector, words, depth)
    return (
        f"SELECT memory_id, max(similarity) AS similarity, max(text_rank) AS text_rank FROM ("
        f" SELECT memory_id, similarity, NULL::float8 AS text_rank FROM ({nearest}) AS nearest"
        f" UNION ALL ({found})) AS candidates GROUP BY memory_id",
        [*nearest_params, *found_params],
    )


def _hybrid_sql(plan: _Plan, vector: str, text: str) -> tuple[str, list[Any]]:
    words = text_words(user_id=plan.user_id, text=text)
    candidates_of = _indexed_candidates if plan.use_index else _scanned_candidates
    candidates, params = candidates_of(plan, vector, words)
    # Equal similarities all scale to 1; memories the words do not find score 0 for words.
    meaning = (
        "coalesce((similarity - min(similarity) OVER ())"
        " / nullif(max(similarity) OVER () - min(similarity) OVER (), 0), 1)"
    )
    by_words = "coalesce(text_rank / nullif(max(text_rank) OVER (), 0), 0)"
    weight = TEXT_WEIGHT * words.share
    return (
        f"SELECT memory_id, {1 - weight} * {meaning} + {weight} * {by_words} AS score,"
        f" similarity FROM ({candidates}) AS candidates"
        f" ORDER BY score DESC, similarity DESC, memory_id LIMIT %s",
        [*params, plan.top_k],
    )


_MODE_SQL = {"hybrid": _hybrid_sql, "vector": _vector_sql, "text": _text_sql}

Ranking = Callable[[np.ndarray | Sequence[float], str], tuple[str, list[Any]]]


@contextmanager
def memory_ranking(
    *,
    user: User,
    top_k: int,
    mode: str = "hybrid",
    tiers: Sequence[str] | None = None,
    collection: MemoryCollection | None = None,
) -> Iterator[Ranking]:
    """Within the block, `ranking(vector, text)` is the SQL and params of the user's `top_k`
    memories for a query (its embedding and its text) as `(memory_id, score, similarity)` rows,
    planned by the user's size. `text` is unused in `vector` mode.

    On the index path the block is a transaction holding the index-scan settings: run the
    queries inside it. Rows may come out of order; sort them by score. The block's time is the
    search latency metric, by plan.
    """
    if mode not in _MODE_SQL:
        raise ValueError(f"unknown search mode {mode!r}")
    started = time.perf_counter()
    candidates = _search_candidates(user=user, tiers=tiers, collection=collection)
    use_index = _has_at_least(candidates, SEARCH_EXACT_MAX_ROWS)
    where, where_params = _filters(user=user, tiers=tiers, collection=collection)
    plan = _Plan(user.pk, where, where_params, use_index, top_k)
    with transaction.atomic() if use_index else nullcontext():
        if use_index:
            _set_index_scan(max(top_k, FUSION_DEPTH))

        def ranking(vector: np.ndarray | Sequence[float], text: str) -> tuple[str, list[Any]]:
            return _MODE_SQL[mode](plan, _vector_text(vector), text)

        yield ranking
    metrics.search_observe(use_index=use_index, mode=mode, seconds=time.perf_counter() - started)


def _fetch(sql: str, params: list[Any]) -> list[tuple[uuid.UUID, float, float]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return sorted(cursor.fetchall(), key=lambda row: (row[1], row[2]), reverse=True)


def _with_memories(nearest: list[list[tuple[uuid.UUID, float, float]]]) -> list[list[SearchResult]]:
    memories = Memory.objects.defer("embedding").in_bulk(
        {row[0] for rows in nearest for row in rows}
    )
    return [
        [
            SearchResult(memories[pk], score, similarity)
            for pk, score, similarity in rows
            if pk in memories
        ]
        for rows in nearest
    ]


def _vector_text(vector: np.ndarray | Sequence[float]) -> str:
    values = np.asarray(vector, dtype=np.float32)
    if values.shape != (EMBEDDING_DIMENSIONS,):
        raise ValueError(f"a query embedding has {EMBEDDING_DIMENSIONS} dimensions")
    # Six decimals are finer than the half-precision column compares at, and print 3x faster.
    return "[" + ",".join(map(repr, np.round(values.astype(np.float64), 6).tolist())) + "]"


def memory_find_similar(
    *,
    user: User,
    embeddings: Sequence[np.ndarray | Sequence[float]],
    top_k: int,
    texts: Sequence[str] | None = None,
    mode: str = "vector",
) -> list[list[SearchResult]]:
    """For each query (an embedding, and its text unless `mode` is vector), the user's best
    memories, best first, planned once for all."""
    if not embeddings:
        return []
    texts = [""] * len(embeddings) if texts is None else texts
    with memory_ranking(user=user, top_k=top_k, mode=mode) as ranking:
        found = [
            _fetch(*ranking(embedding, text))
            for embedding, text in zip(embeddings, texts, strict=True)
        ]
    return _with_memories(found)
