"""The memories' part of a user's export (added through accounts' `user_exporting`)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

from accounts.models import User
from memories.models import IngestionJob, Memory, MemoryEvent
from memories.representations import (
    ingestion_job_render,
    memory_collection_render,
    memory_event_render,
    memory_render,
)

from .collections import memory_collection_list

EXPORT_CHUNK_SIZE = 2000


def memories_export(*, user: User) -> dict[str, Any]:
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
