"""Reads of memories and their history, always scoped to one user."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterator

from django.db.models import QuerySet

from accounts.models import User
from memories.models import Memory, MemoryCollection, MemoryEvent

from .lookup import as_uuid


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
    pk = as_uuid(memory_id)
    if pk is None:
        return None
    return Memory.objects.filter(user=user, pk=pk).first()


def memory_history(*, user: User, memory_id: uuid.UUID | str) -> list[MemoryEvent] | None:
    """The memory's events, oldest first; they outlive the memory. None if the user has neither."""
    pk = as_uuid(memory_id)
    if pk is None:
        return None
    events = list(MemoryEvent.objects.filter(user=user, memory_id=pk).order_by("created_at", "id"))
    if not events and not Memory.objects.filter(user=user, pk=pk).exists():
        return None
    return events


def memory_reembed_batches(
    *, user: User | None, stale_only: bool, model: str, batch_size: int
) -> tuple[int, Iterator[list[Memory]]]:
    """How many memories (of `user`, or everyone's) are to re-embed, and the batches of them in
    id order (id, content and content_hash only). `stale_only`: those not on `model`."""
    memories = Memory.objects.all() if user is None else Memory.objects.filter(user=user)
    if stale_only:
        memories = memories.exclude(embedding_model=model)
    return memories.count(), _batches(memories.only("id", "content", "content_hash"), batch_size)


def _batches(memories: QuerySet[Memory], size: int) -> Iterator[list[Memory]]:
    # Keyset pagination: each batch is a fresh short query, whatever changes in between.
    after = None
    while True:
        page = memories if after is None else memories.filter(pk__gt=after)
        batch = list(page.order_by("pk")[:size])
        if not batch:
            return
        yield batch
        after = batch[-1].pk


def memory_core(*, user: User) -> QuerySet[Memory]:
    """The user's core memories (always in context), most important first."""
    return (
        Memory.objects.filter(user=user, tier=Memory.Tier.CORE)
        .defer("embedding")
        .order_by("-importance", "created_at", "id")
    )
