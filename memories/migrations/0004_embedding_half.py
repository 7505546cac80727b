# Search moves to `embedding_half`, a stored half-precision copy of the embedding kept in the row
# (STORAGE PLAIN, so never TOASTed): exact scans read no TOAST, and the HNSW index is built on it.
# Indexes are built concurrently: on a populated table that takes minutes.

import django.db.models.functions.comparison
import pgvector.django.halfvec
import pgvector.django.indexes
from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models

ADD_COLUMN = """
ALTER TABLE memories_memory
    ADD COLUMN embedding_half halfvec(1536)
        GENERATED ALWAYS AS ((embedding)::halfvec(1536)) STORED,
    ALTER COLUMN embedding_half SET STORAGE PLAIN
"""


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("memories", "0003_ingestionjob_enqueued_at"),
    ]

    operations = [
        RemoveIndexConcurrently(
            model_name="memory",
            name="memories_embedding_hnsw_idx",
        ),
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    ADD_COLUMN, "ALTER TABLE memories_memory DROP COLUMN embedding_half"
                ),
            ],
            state_operations=[
                migrations.AddField(
                    model_name="memory",
                    name="embedding_half",
                    field=models.GeneratedField(
                        db_persist=True,
                        expression=django.db.models.functions.comparison.Cast(
                            "embedding", pgvector.django.halfvec.HalfVectorField(dimensions=1536)
                        ),
                        output_field=pgvector.django.halfvec.HalfVectorField(dimensions=1536),
                    ),
                ),
            ],
        ),
        AddIndexConcurrently(
            model_name="memory",
            index=models.Index(fields=["-created_at", "-id"], name="memories_created_idx"),
        ),
        AddIndexConcurrently(
            model_name="memory",
            index=pgvector.django.indexes.HnswIndex(
                ef_construction=64,
                fields=["embedding_half"],
                m=16,
                name="memories_embedding_hnsw_half",
                opclasses=["halfvec_cosine_ops"],
            ),
        ),
    ]
