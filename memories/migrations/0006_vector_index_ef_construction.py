# The HNSW index rebuilt with ef_construction 128 (was 64): a better graph for lexical (local)
# embeddings. Built concurrently: on a populated table that takes minutes.

import pgvector.django.indexes
from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("memories", "0005_memory_vector"),
    ]

    operations = [
        RemoveIndexConcurrently(model_name="memoryvector", name="memories_vector_hnsw_idx"),
        AddIndexConcurrently(
            model_name="memoryvector",
            index=pgvector.django.indexes.HnswIndex(
                ef_construction=128,
                fields=["embedding_half"],
                m=16,
                name="memories_vector_hnsw_idx",
                opclasses=["halfvec_cosine_ops"],
            ),
        ),
    ]
