# Built concurrently: on a populated table the build takes minutes and must not block writes.

import django.contrib.postgres.indexes
import django.db.models.functions.comparison
import pgvector.django.halfvec
import pgvector.django.indexes
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("memories", "0001_initial"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="memory",
            index=pgvector.django.indexes.HnswIndex(
                django.contrib.postgres.indexes.OpClass(
                    django.db.models.functions.comparison.Cast(
                        "embedding", pgvector.django.halfvec.HalfVectorField(dimensions=1536)
                    ),
                    name="halfvec_cosine_ops",
                ),
                ef_construction=64,
                m=16,
                name="memories_embedding_hnsw_idx",
            ),
        ),
    ]
