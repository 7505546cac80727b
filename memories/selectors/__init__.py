"""Reads of memories, collections, history and jobs, always scoped to one user."""

from .collections import (
    memory_collection_get,
    memory_collection_list,
    memory_collection_name_taken,
)
from .consolidation import (
    consolidation_user_ids,
    memory_due_for_decay,
    memory_due_for_promotion,
    memory_due_to_expire,
    memory_near_duplicates,
)
from .export import memories_export
from .ingestion import ingestion_job_get
from .memories import (
    memory_core,
    memory_get,
    memory_history,
    memory_list,
    memory_reembed_batches,
)
from .related import memory_find_related
from .search import (
    SEARCH_EXACT_MAX_ROWS,
    SEARCH_MODES,
    SearchResult,
    memory_find_similar,
    memory_ranking,
)

__all__ = [
    "SEARCH_EXACT_MAX_ROWS",
    "SEARCH_MODES",
    "SearchResult",
    "consolidation_user_ids",
    "ingestion_job_get",
    "memories_export",
    "memory_collection_get",
    "memory_collection_list",
    "memory_collection_name_taken",
    "memory_core",
    "memory_due_for_decay",
    "memory_due_for_promotion",
    "memory_due_to_expire",
    "memory_find_related",
    "memory_find_similar",
    "memory_get",
    "memory_history",
    "memory_list",
    "memory_near_duplicates",
    "memory_ranking",
    "memory_reembed_batches",
]
