"""Reads of memories, collections and history, always scoped to one user.

Search picks its plan by the size of what it searches: an exact scan over the user's rows when
there are few of them (HNSW would wander the whole graph looking for them), the HNSW index on the
half-precision embedding with an iterative scan when there are many (an exact scan would read
and sort them all).
"""

from __future__ import annotations

import datetime
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from typing import Any

import numpy as np
from django.db import connection, transaction
from django.db.models import Q, QuerySet, Value
from django.db.models.functions import Lower
from pgvector.django import CosineDistance

from accounts.models import User

from .models import (
    EMBEDDING_DIMENSIONS,
    IngestionJob,
    Memory,
    MemoryCollection,
    MemoryEvent,
    MemoryVector,
)

# Below this many candidate rows an exact scan beats the index. Measured by bench/search.py on
# 100k memories: exact 4-6 ms for 2,100 rows and 10 ms for 5,000, HNSW 5-7 ms for either; HNSW
# for a user of 130-300 rows 30-60 ms at recall 0.91-0.94, as it must wander the whole graph.
SEARCH_EXACT_MAX_ROWS = 3000
SEARCH_EF_SEARCH = 100

SearchResult = tuple[Memory, float]


def _iso(value: datetime.datetime | None) -> str | None:
    if value is None:
        return None
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def memory_render(memory: Memory) -> dict[str, Any]:
    """The one JSON shape of a memory, used by the API and by live events."""
    return {
        "id": str(memory.id),
        "content": memory.content,
        "tier": memory.tier,
        "importance": memory.importance,
        "collection": str(memory.collection_id) if memory.collection_id else None,
        "metadata": memory.metadata,
        "source": memory.source,
        "embedding_model": memory.embedding_model,
        "access_count": memory.access_count,
        "last_accessed_at": _iso(memory.last_accessed_at),
        "expires_at": _iso(memory.expires_at),
        "created_at": _iso(memory.created_at),
        "updated_at": _iso(memory.updated_at),
    }


def memory_event_render(event: MemoryEvent) -> dict[str, Any]:
    """The one JSON shape of a history entry, used by the history endpoint and the export."""
    return {
        "id": event.id,
        "memory_id": str(event.memory_id),
        "event": event.event,
        "old_content": event.old_content,
        "new_content": event.new_content,
        "actor": event.actor,
        "job": str(event.job_id) if event.job_id else None,
        "created_at": _iso(event.created_at),
    }


def memory_collection_render(collection: MemoryCollection) -> dict[str, Any]:
    return {
        "id": str(collection.id),
        "name": collection.name,
        "description": collection.description,
        "created_at": _iso(collection.created_at),
        "updated_at": _iso(collection.updated_at),
    }


def _as_uuid(value: uuid.UUID | str) -> uuid.UUID | None:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        return None


# --- memories -------------------------------------------------------------------


def memory_list(
    *,
    user: User,
    tier: str | None = None,
    collection: MemoryCollection | None = None,
    created_after: datetime.datetime | None = None,
    created_before: datetime.datetime | None = None,
) -> QuerySet[Memory]:
    """The user's memories, newest first, without their embeddings."""
    memories = Memory.objects.filter(user=user).defer("embedding")
    if tier:
        memories = memories.filter(tier=tier)
    if collection is not None:
        memories = memories.filter(collection=collection)
    if created_after is not None:
        memories = memories.filter(created_at__gt=created_after)
    if created_before is not None:
        memories = memories.filter(created_at__lt=created_before)
    return memories.order_by("-created_at", "-id")


def memory_get(*, user: User, memory_id: uuid.UUID | str) -> Memory | None:
    """The user's memory with this id; None for another user's, a missing or a malformed id."""
    pk = _as_uuid(memory_id)
    if pk is None:
        return None
    return Memory.objects.filter(user=user, pk=pk).first()


def memory_history(*, user: User, memory_id: uuid.UUID | str) -> list[MemoryEvent] | None:
    """The memory's events, oldest first; they outlive the memory. None if the user has neither."""
    pk = _as_uuid(memory_id)
    if pk is None:
        return None
    events = list(MemoryEvent.objects.filter(user=user, memory_id=pk).order_by("created_at", "id"))
    if not events and not Memory.objects.filter(user=user, pk=pk).exists():
        return None
    return events


# --- search ---------------------------------------------------------------------


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


def memory_search(
    *,
    user: User,
    query_embedding: np.ndarray | Sequence[float],
    top_k: int,
    tiers: Sequence[str] | None = None,
    collection: MemoryCollection | None = None,
    min_score: float | None = None,
) -> list[SearchResult]:
    """The user's memories nearest the query, best first, as (memory, cosine similarity)."""
    with memory_ranking(user=user, top_k=top_k, tiers=tiers, collection=collection) as ranking:
        nearest = _best_first(ranking(query_embedding))
    if min_score is not None:
        nearest = [(pk, score) for pk, score in nearest if score >= min_score]
    (results,) = _with_memories([nearest])
    return results


def memory_find_similar(
    *, user: User, embeddings: Sequence[np.ndarray | Sequence[float]], top_k: int
) -> list[list[SearchResult]]:
    """For each embedding, the user's nearest memories (best first), planned once for all."""
    if not embeddings:
        return []
    with memory_ranking(user=user, top_k=top_k) as ranking:
        nearest = [_best_first(ranking(embedding)) for embedding in embeddings]
    return _with_memories(nearest)


# --- collections ----------------------------------------------------------------


def memory_collection_list(*, user: User) -> QuerySet[MemoryCollection]:
    return MemoryCollection.objects.filter(user=user).order_by(Lower("name"), "id")


def memory_collection_get(*, user: User, collection_id: uuid.UUID | str) -> MemoryCollection | None:
    """The user's collection with this id; None for another user's, a missing or malformed id."""
    pk = _as_uuid(collection_id)
    if pk is None:
        return None
    return MemoryCollection.objects.filter(user=user, pk=pk).first()


def memory_collection_name_taken(
    *, user: User, name: str, exclude: MemoryCollection | None = None
) -> bool:
    clash = MemoryCollection.objects.filter(user=user, name__iexact=name)
    if exclude is not None:
        clash = clash.exclude(pk=exclude.pk)
    return clash.exists()


# --- export ---------------------------------------------------------------------

EXPORT_CHUNK_SIZE = 2000


def user_export(*, user: User) -> dict[str, Any]:
    """Collections, memories each with its history (and the history of deleted ones), and the
    ingestion jobs with the messages they were given."""
    history: dict[uuid.UUID, list[dict[str, Any]]] = defaultdict(list)
    for event in (
        MemoryEvent.objects.filter(user=user)
        .order_by("created_at", "id")
        .iterator(chunk_size=EXPORT_CHUNK_SIZE)
    ):
        history[event.memory_id].append(memory_event_render(event))
    memories = (
        Memory.objects.filter(user=user)
        .defer("embedding")
        .order_by("created_at", "id")
        .iterator(chunk_size=EXPORT_CHUNK_SIZE)
    )
    return {
        "collections": [memory_collection_render(c) for c in memory_collection_list(user=user)],
        "memories": [
            {**memory_render(memory), "history": history.pop(memory.id, [])} for memory in memories
        ],
        "deleted_memories_history": [event for events in history.values() for event in events],
        "ingestion_jobs": [
            {**ingestion_job_render(job), "messages": job.messages}
            for job in IngestionJob.objects.filter(user=user).order_by("created_at")
        ],
    }


# --- ingestion jobs and the pipelines -------------------------------------------

RELATED_KEYED_LIMIT = 20


def ingestion_job_get(*, user: User, job_id: uuid.UUID | str) -> IngestionJob | None:
    """The user's job with this id; None for another user's, a missing or a malformed id."""
    pk = _as_uuid(job_id)
    if pk is None:
        return None
    return IngestionJob.objects.filter(user=user, pk=pk).first()


def ingestion_job_render(job: IngestionJob) -> dict[str, Any]:
    """The one JSON shape of a job, used by the API and by live events."""
    return {
        "id": str(job.id),
        "status": job.status,
        "idempotency_key": job.idempotency_key,
        "result": job.result,
        "error": job.error,
        "attempts": job.attempts,
        "created_at": _iso(job.created_at),
        "updated_at": _iso(job.updated_at),
        "started_at": _iso(job.started_at),
        "finished_at": _iso(job.finished_at),
    }


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


def memory_due_to_expire(*, user: User, now: datetime.datetime) -> QuerySet[Memory]:
    return Memory.objects.filter(user=user, tier=Memory.Tier.SHORT_TERM, expires_at__lte=now).defer(
        "embedding"
    )


def memory_due_for_promotion(*, user: User, min_accesses: int) -> QuerySet[Memory]:
    """Short-term memories that keep being retrieved (and have not expired)."""
    return Memory.objects.filter(
        user=user, tier=Memory.Tier.SHORT_TERM, access_count__gte=min_accesses
    ).defer("embedding")


def memory_due_for_decay(
    *, user: User, unused_since: datetime.datetime, floor: float
) -> QuerySet[Memory]:
    """Non-core memories neither used nor changed since `unused_since`, still above `floor`."""
    return (
        Memory.objects.filter(user=user, importance__gt=floor, updated_at__lt=unused_since)
        .exclude(tier=Memory.Tier.CORE)
        .filter(Q(last_accessed_at__lt=unused_since) | Q(last_accessed_at__isnull=True))
        .defer("embedding")
    )


def memory_near_duplicates(
    *, user: User, min_similarity: float, top_k: int
) -> list[tuple[Memory, Memory, float]]:
    """Pairs of the user's non-core memories at least `min_similarity` alike, most alike first.

    Memories filed under different slots (a different city, a different pet) never pair up.
    """
    memories = list(Memory.objects.filter(user=user).exclude(tier=Memory.Tier.CORE))
    by_id = {memory.pk: memory for memory in memories}
    neighbours = memory_find_similar(
        user=user, embeddings=[memory.embedding for memory in memories], top_k=top_k
    )
    pairs: dict[tuple[uuid.UUID, uuid.UUID], tuple[Memory, Memory, float]] = {}
    for memory, found in zip(memories, neighbours, strict=True):
        for other, score in found:
            twin = by_id.get(other.pk)
            if twin is None or twin.pk == memory.pk or score < min_similarity:
                continue
            keys = {memory.metadata.get("key"), twin.metadata.get("key")} - {None}
            if len(keys) > 1:
                continue
            first, second = sorted((memory, twin), key=lambda m: str(m.pk))
            pairs[(first.pk, second.pk)] = (first, second, score)
    return sorted(pairs.values(), key=lambda pair: pair[2], reverse=True)


def consolidation_user_ids() -> list[int]:
    """Users with memories that consolidation may change (anything but core)."""
    return list(
        Memory.objects.exclude(tier=Memory.Tier.CORE)
        .order_by("user_id")
        .values_list("user_id", flat=True)
        .distinct()
    )
