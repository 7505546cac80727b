"""Re-embedding memories with the current provider, safe while the service serves."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection

from memories.embeddings import embed_texts, embedding_model_name
from memories.models import Memory

REEMBED_BATCH_SIZE = 256

# A memory whose content changed since it was read keeps the embedding that change gave it.
_REEMBED_SQL = f"""
UPDATE {Memory._meta.db_table} AS memory
SET embedding = given.embedding::vector, embedding_model = %s
FROM unnest(%s::uuid[], %s::text[], %s::text[]) AS given (id, content_hash, embedding)
WHERE memory.id = given.id AND memory.content_hash = given.content_hash
"""


def memory_reembed(*, memories: Sequence[Memory]) -> int:
    """Recompute the embeddings of `memories` (id, content and content_hash are enough) with the
    current provider, in batches, each its own short statement. Returns how many were changed."""
    changed = 0
    for start in range(0, len(memories), REEMBED_BATCH_SIZE):
        changed += _reembed_batch(memories[start : start + REEMBED_BATCH_SIZE])
    return changed


def _reembed_batch(batch: Sequence[Memory]) -> int:
    field = Memory._meta.get_field("embedding")
    vectors = embed_texts([memory.content for memory in batch])
    params = [
        embedding_model_name(),
        [memory.pk for memory in batch],
        [memory.content_hash for memory in batch],
        [field.get_db_prep_value(vector, connection) for vector in vectors],
    ]
    with connection.cursor() as cursor:
        cursor.execute(_REEMBED_SQL, params)
        return cursor.rowcount
