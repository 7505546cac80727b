"""Reads for consolidation: what is due to expire, be promoted, decay or merge."""

from __future__ import annotations

import datetime
import uuid

from django.db.models import Q, QuerySet

from accounts.models import User
from memories.models import Memory

from .search import memory_find_similar


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
        for other, _, score in found:
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
