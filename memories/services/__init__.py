"""Writes to memories, collections and ingestion jobs, one module per sub-domain."""

from .collections import (
    COLLECTION_FIELDS,
    MemoryCollectionNameTaken,
    memory_collection_create,
    memory_collection_delete,
    memory_collection_update,
)
from .consolidation import (
    memory_decay_unused,
    memory_expire_due,
    memory_merge,
    memory_merge_near_duplicates,
    memory_promote_used,
)
from .context import MemoryContext, memory_context
from .ingestion import (
    ingestion_job_apply,
    ingestion_job_create,
    ingestion_job_enqueue,
    ingestion_job_fail,
    ingestion_job_retry,
    ingestion_job_start,
    ingestion_jobs_requeue_stale,
)
from .memories import (
    MEMORY_FIELDS,
    MemoryDuplicate,
    MemoryInvalid,
    content_hash,
    content_normalize,
    memory_create,
    memory_delete,
    memory_update,
)
from .recall import memory_recall
from .reembedding import memory_reembed

__all__ = [
    "COLLECTION_FIELDS",
    "MEMORY_FIELDS",
    "MemoryCollectionNameTaken",
    "MemoryContext",
    "MemoryDuplicate",
    "MemoryInvalid",
    "content_hash",
    "content_normalize",
    "ingestion_job_apply",
    "ingestion_job_create",
    "ingestion_job_enqueue",
    "ingestion_job_fail",
    "ingestion_job_retry",
    "ingestion_job_start",
    "ingestion_jobs_requeue_stale",
    "memory_collection_create",
    "memory_collection_delete",
    "memory_collection_update",
    "memory_context",
    "memory_create",
    "memory_decay_unused",
    "memory_delete",
    "memory_expire_due",
    "memory_merge",
    "memory_merge_near_duplicates",
    "memory_promote_used",
    "memory_recall",
    "memory_reembed",
    "memory_update",
]
