"""The one JSON shape of each object, used by the API, the live events and the export.

The API's output serializers only document these shapes; tests/memories/test_representations.py
checks that the two agree.
"""

from __future__ import annotations

from typing import Any

from core.api.datetimes import iso_datetime

from .models import IngestionJob, Memory, MemoryCollection, MemoryEvent


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
        "last_accessed_at": iso_datetime(memory.last_accessed_at),
        "expires_at": iso_datetime(memory.expires_at),
        "created_at": iso_datetime(memory.created_at),
        "updated_at": iso_datetime(memory.updated_at),
    }


def search_result_render(*, memory: Memory, score: float, similarity: float) -> dict[str, Any]:
    """A search result: the memory's shape with its `score` and `similarity`."""
    return {**memory_render(memory), "score": score, "similarity": similarity}


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
        "created_at": iso_datetime(event.created_at),
    }


def memory_collection_render(collection: MemoryCollection) -> dict[str, Any]:
    return {
        "id": str(collection.id),
        "name": collection.name,
        "description": collection.description,
        "created_at": iso_datetime(collection.created_at),
        "updated_at": iso_datetime(collection.updated_at),
    }


def ingestion_job_render(job: IngestionJob) -> dict[str, Any]:
    """The one JSON shape of a job, used by the API and by live events."""
    return {
        "id": str(job.id),
        "status": job.status,
        "idempotency_key": job.idempotency_key,
        "result": job.result,
        "error": job.error,
        "attempts": job.attempts,
        "created_at": iso_datetime(job.created_at),
        "updated_at": iso_datetime(job.updated_at),
        "started_at": iso_datetime(job.started_at),
        "finished_at": iso_datetime(job.finished_at),
    }
