"""The memories related to a candidate fact, for the ingestion pipeline's decision: those hybrid
search finds for it, then those filling the same slot."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from django.db.models import Q, QuerySet

from accounts.models import User
from memories.models import Memory

from .search import memory_find_similar

RELATED_KEYED_LIMIT = 20


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
    texts: Sequence[str],
    keys: Sequence[str | None],
    top_k: int,
) -> list[list[Memory]]:
    """For each candidate: the memories hybrid search finds for it (its embedding and its text,
    as recall finds them), then those about the same slot (by key)."""
    related = []
    similar = memory_find_similar(
        user=user, embeddings=embeddings, texts=texts, top_k=top_k, mode="hybrid"
    )
    for neighbours, key in zip(similar, keys, strict=True):
        found = {result.memory.pk: result.memory for result in neighbours}
        if key:
            for memory in _keyed(user=user, key=key)[:RELATED_KEYED_LIMIT]:
                found.setdefault(memory.pk, memory)
        related.append(list(found.values()))
    return related
