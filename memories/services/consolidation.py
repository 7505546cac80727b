"""Consolidation's steps over one user's memories: promote what keeps being used, expire what is
past its time, merge near-duplicates, decay what is unused. Core memories are never touched."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from memories.models import Memory, MemoryEvent
from memories.selectors import (
    memory_due_for_decay,
    memory_due_for_promotion,
    memory_due_to_expire,
    memory_near_duplicates,
)

from .memories import content_normalize, memory_delete, memory_update

PIPELINE = MemoryEvent.Actor.PIPELINE
PROMOTE_MIN_ACCESSES = 3
MERGE_MIN_SIMILARITY = 0.9
MERGE_NEIGHBOURS = 5
DECAY_AFTER = datetime.timedelta(days=30)
DECAY_FACTOR = 0.9
DECAY_FLOOR = 0.05


def memory_promote_used(*, user: User) -> int:
    """Short-term memories that keep being retrieved become long-term."""
    promoted = 0
    for memory in memory_due_for_promotion(user=user, min_accesses=PROMOTE_MIN_ACCESSES):
        memory_update(
            memory=memory, actor=PIPELINE, event=MemoryEvent.Event.PROMOTE,
            tier=Memory.Tier.LONG_TERM, expires_at=None,
        )  # fmt: skip
        promoted += 1
    return promoted


def memory_expire_due(*, user: User, now: datetime.datetime | None = None) -> int:
    """Delete short-term memories past their expiry."""
    expired = 0
    for memory in memory_due_to_expire(user=user, now=now or timezone.now()):
        memory_delete(memory=memory, actor=PIPELINE, event=MemoryEvent.Event.EXPIRE)
        expired += 1
    return expired


def _richer(first: Memory, second: Memory) -> tuple[Memory, Memory]:
    """(keeper, duplicate): the longer text wins, then the more important, then the older."""
    ranked = sorted(
        (first, second),
        key=lambda m: (len(content_normalize(m.content)), m.importance, -m.created_at.timestamp()),
    )
    return ranked[1], ranked[0]


@transaction.atomic
def memory_merge(*, keeper: Memory, duplicate: Memory) -> Memory:
    """Fold `duplicate` into `keeper`: its history moves over, its use and importance count."""
    memory_delete(memory=duplicate, actor=PIPELINE, event=MemoryEvent.Event.MERGE)
    MemoryEvent.objects.filter(user_id=keeper.user_id, memory_id=duplicate.pk).update(
        memory_id=keeper.pk
    )
    Memory.objects.filter(pk=keeper.pk).update(
        access_count=F("access_count") + duplicate.access_count
    )
    changes: dict[str, Any] = {}
    if duplicate.importance > keeper.importance:
        changes["importance"] = duplicate.importance
    if keeper.tier == Memory.Tier.SHORT_TERM and duplicate.tier == Memory.Tier.LONG_TERM:
        changes.update(tier=Memory.Tier.LONG_TERM, expires_at=None)
    if changes:
        return memory_update(
            memory=keeper, actor=PIPELINE, event=MemoryEvent.Event.MERGE, **changes
        )
    return keeper


def memory_merge_near_duplicates(*, user: User) -> int:
    """Merge near-duplicate non-core memories until none are left; returns how many went."""
    merged = 0
    while True:
        gone: set[uuid.UUID] = set()
        pairs = memory_near_duplicates(
            user=user, min_similarity=MERGE_MIN_SIMILARITY, top_k=MERGE_NEIGHBOURS
        )
        for first, second, _ in pairs:
            if first.pk in gone or second.pk in gone:
                continue
            keeper, duplicate = _richer(first, second)
            memory_merge(keeper=keeper, duplicate=duplicate)
            gone.add(duplicate.pk)
        if not gone:
            return merged
        merged += len(gone)


def memory_decay_unused(*, user: User, now: datetime.datetime | None = None) -> int:
    """Lower the importance of non-core memories neither used nor changed for DECAY_AFTER.

    The decay itself counts as a change, so a memory decays at most once per DECAY_AFTER.
    """
    unused_since = (now or timezone.now()) - DECAY_AFTER
    decayed = 0
    for memory in memory_due_for_decay(user=user, unused_since=unused_since, floor=DECAY_FLOOR):
        importance = round(max(DECAY_FLOOR, memory.importance * DECAY_FACTOR), 4)
        memory_update(memory=memory, actor=PIPELINE, importance=importance)
        decayed += 1
    return decayed
