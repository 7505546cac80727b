"""Writes to memories. Every memory change leaves a MemoryEvent in the same transaction and is
published to the owner's live sockets once it commits."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from typing import Any

import numpy as np
from django.db import IntegrityError, transaction

from accounts.models import User
from memories import events
from memories.embeddings import embed_text, embedding_model_name
from memories.models import MAX_CONTENT_LENGTH, IngestionJob, Memory, MemoryCollection, MemoryEvent
from memories.representations import memory_render
from memories.text import text_fold

MEMORY_FIELDS = ("content", "tier", "importance", "collection", "metadata", "expires_at")


class MemoryDuplicate(Exception):
    """The user already has a memory with the same normalised content."""

    def __init__(self, existing_id: uuid.UUID) -> None:
        super().__init__(f"duplicate of memory {existing_id}")
        self.existing_id = existing_id


class MemoryInvalid(ValueError):
    """A value a memory cannot hold (blank or over-long content, another user's collection)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def content_normalize(content: str) -> str:
    """What makes two contents the same memory: trimmed, whitespace collapsed, and compared
    as people read it (Unicode normalised and case folded, memories.text.text_fold)."""
    return " ".join(text_fold(content).split())


def content_hash(content: str) -> str:
    return hashlib.sha256(content_normalize(content).encode()).hexdigest()


def _clean_content(content: str) -> str:
    content = content.strip()
    if not content:
        raise MemoryInvalid("content", "may not be blank")
    if len(content) > MAX_CONTENT_LENGTH:
        raise MemoryInvalid("content", f"has more than {MAX_CONTENT_LENGTH} characters")
    return content


def _check_collection(user: User, collection: MemoryCollection | None) -> None:
    if collection is not None and collection.user_id != user.pk:
        raise MemoryInvalid("collection", "no such collection")


def _record(
    memory: Memory,
    *,
    event: str,
    old: str | None,
    new: str | None,
    actor: str,
    job: IngestionJob | None,
) -> None:
    MemoryEvent.objects.create(
        memory_id=memory.id,
        user_id=memory.user_id,
        event=event,
        old_content=old,
        new_content=new,
        actor=actor,
        job=job,
    )


def _publish(memory: Memory, event_type: str) -> None:
    events.publish(
        user_id=memory.user_id, event_type=event_type, data={"memory": memory_render(memory)}
    )


def _save_unique(memory: Memory, **save_kwargs: Any) -> None:
    """Save, turning a clash on the per-user content hash into MemoryDuplicate."""
    try:
        with transaction.atomic():
            memory.save(**save_kwargs)
    except IntegrityError:
        existing = (
            Memory.objects.filter(user_id=memory.user_id, content_hash=memory.content_hash)
            .exclude(pk=memory.pk)
            .values_list("pk", flat=True)
            .first()
        )
        if existing is None:
            raise
        raise MemoryDuplicate(existing) from None


@transaction.atomic
def memory_create(
    *,
    user: User,
    content: str,
    tier: str = Memory.Tier.LONG_TERM,
    importance: float = 0.5,
    collection: MemoryCollection | None = None,
    metadata: dict[str, Any] | None = None,
    expires_at: Any = None,
    source: str = Memory.Source.API,
    actor: str = MemoryEvent.Actor.USER,
    job: IngestionJob | None = None,
    embedding: np.ndarray | Sequence[float] | None = None,
) -> Memory:
    """Store a new memory (embedding it unless given). Raises MemoryDuplicate, MemoryInvalid."""
    content = _clean_content(content)
    _check_collection(user, collection)
    memory = Memory(
        user=user,
        content=content,
        content_hash=content_hash(content),
        embedding=embed_text(content) if embedding is None else embedding,
        embedding_model=embedding_model_name(),
        tier=tier,
        importance=importance,
        collection=collection,
        metadata=metadata or {},
        expires_at=expires_at,
        source=source,
    )
    _save_unique(memory, force_insert=True)
    _record(memory, event=MemoryEvent.Event.ADD, old=None, new=content, actor=actor, job=job)
    _publish(memory, "memory.created")
    return memory


@transaction.atomic
def memory_update(
    *,
    memory: Memory,
    actor: str,
    job: IngestionJob | None = None,
    event: str = MemoryEvent.Event.UPDATE,
    embedding: np.ndarray | Sequence[float] | None = None,
    **changes: Any,
) -> Memory:
    """Apply `changes` (any of MEMORY_FIELDS); new content is re-embedded unless given.

    `event` lets the pipelines record a promote or merge instead of a plain update.
    """
    unknown = set(changes) - set(MEMORY_FIELDS)
    if unknown:
        raise TypeError(f"cannot change {', '.join(sorted(unknown))}")
    locked = Memory.objects.select_for_update().get(pk=memory.pk)
    old_content = locked.content
    if "collection" in changes:
        _check_collection(locked.user, changes["collection"])
    for field, value in changes.items():
        setattr(locked, field, value)
    if "content" in changes:
        _apply_content(locked, _clean_content(changes["content"]), embedding)
    _save_unique(locked)
    _record(locked, event=event, old=old_content, new=locked.content, actor=actor, job=job)
    _publish(locked, "memory.updated")
    return locked


def _apply_content(
    memory: Memory, content: str, embedding: np.ndarray | Sequence[float] | None
) -> None:
    memory.content = content
    memory.content_hash = content_hash(content)
    memory.embedding = embed_text(content) if embedding is None else embedding
    memory.embedding_model = embedding_model_name()


@transaction.atomic
def memory_delete(
    *,
    memory: Memory,
    actor: str,
    job: IngestionJob | None = None,
    event: str = MemoryEvent.Event.DELETE,
) -> None:
    """Delete the memory; its history stays. `event` may be `expire` or `merge` instead.

    Deleting a memory that is already gone does nothing.
    """
    locked = Memory.objects.select_for_update().filter(pk=memory.pk).first()
    if locked is None:
        return
    _record(locked, event=event, old=locked.content, new=None, actor=actor, job=job)
    _publish(locked, "memory.deleted")
    locked.delete()
