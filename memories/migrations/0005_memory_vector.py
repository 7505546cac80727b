# Search moves to memories_memoryvector, one row per memory kept by a trigger: the embedding in
# half precision stored in the row (STORAGE PLAIN, never TOASTed), with the columns search filters
# on. Bumping a memory's access count then never inserts into the HNSW index (it used to, on every
# update that could not be HOT), and memories_memory keeps 10% of each page free so that such
# updates stay HOT. Indexes are built concurrently: on a populated table that takes minutes.

import django.db.models.deletion
import pgvector.django.halfvec
import pgvector.django.indexes
from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models

SYNC_FUNCTION = """
CREATE FUNCTION memories_memoryvector_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO memories_memoryvector (memory_id, user_id, tier, collection_id, embedding_half)
    VALUES (NEW.id, NEW.user_id, NEW.tier, NEW.collection_id, NEW.embedding::halfvec(1536))
    ON CONFLICT (memory_id) DO UPDATE SET
        user_id = EXCLUDED.user_id,
        tier = EXCLUDED.tier,
        collection_id = EXCLUDED.collection_id,
        embedding_half = EXCLUDED.embedding_half;
    RETURN NULL;
END
$$;
CREATE TRIGGER memories_memoryvector_insert AFTER INSERT ON memories_memory
    FOR EACH ROW EXECUTE FUNCTION memories_memoryvector_sync();
CREATE TRIGGER memories_memoryvector_update
    AFTER UPDATE OF embedding, user_id, tier, collection_id ON memories_memory
    FOR EACH ROW WHEN (
        OLD.embedding IS DISTINCT FROM NEW.embedding
        OR OLD.user_id IS DISTINCT FROM NEW.user_id
        OR OLD.tier IS DISTINCT FROM NEW.tier
        OR OLD.collection_id IS DISTINCT FROM NEW.collection_id
    )
    EXECUTE FUNCTION memories_memoryvector_sync();
"""

DROP_SYNC_FUNCTION = """
DROP TRIGGER memories_memoryvector_update ON memories_memory;
DROP TRIGGER memories_memoryvector_insert ON memories_memory;
DROP FUNCTION memories_memoryvector_sync();
"""


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("memories", "0004_embedding_half"),
    ]

    operations = [
        RemoveIndexConcurrently(model_name="memory", name="memories_embedding_hnsw_half"),
        migrations.RemoveField(model_name="memory", name="embedding_half"),
        migrations.CreateModel(
            name="MemoryVector",
            fields=[
                (
                    "memory",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="vector",
                        serialize=False,
                        to="memories.memory",
                    ),
                ),
                ("user_id", models.BigIntegerField()),
                (
                    "tier",
                    models.CharField(
                        choices=[
                            ("core", "Core (always in context, never pruned)"),
                            ("long_term", "Long-term (kept, decays)"),
                            ("short_term", "Short-term (expires unless promoted)"),
                        ],
                        max_length=16,
                    ),
                ),
                ("collection_id", models.UUIDField(null=True)),
                ("embedding_half", pgvector.django.halfvec.HalfVectorField(dimensions=1536)),
            ],
        ),
        migrations.RunSQL(
            "ALTER TABLE memories_memoryvector ALTER COLUMN embedding_half SET STORAGE PLAIN",
            migrations.RunSQL.noop,
        ),
        migrations.RunSQL(
            "ALTER TABLE memories_memoryvector ADD CONSTRAINT memories_memoryvector_memory_fk"
            " FOREIGN KEY (memory_id) REFERENCES memories_memory (id) ON DELETE CASCADE",
            "ALTER TABLE memories_memoryvector DROP CONSTRAINT memories_memoryvector_memory_fk",
        ),
        migrations.RunSQL(SYNC_FUNCTION, DROP_SYNC_FUNCTION),
        migrations.RunSQL(
            "INSERT INTO memories_memoryvector"
            " (memory_id, user_id, tier, collection_id, embedding_half)"
            " SELECT id, user_id, tier, collection_id, embedding::halfvec(1536)"
            " FROM memories_memory",
            migrations.RunSQL.noop,
        ),
        migrations.RunSQL(
            "ALTER TABLE memories_memory SET (fillfactor = 90)",
            "ALTER TABLE memories_memory RESET (fillfactor)",
        ),
        AddIndexConcurrently(
            model_name="memoryvector",
            index=models.Index(fields=["user_id", "tier"], name="memories_vector_user_tier_idx"),
        ),
        AddIndexConcurrently(
            model_name="memoryvector",
            index=models.Index(fields=["collection_id"], name="memories_vector_collection_idx"),
        ),
        AddIndexConcurrently(
            model_name="memoryvector",
            index=pgvector.django.indexes.HnswIndex(
                ef_construction=64,
                fields=["embedding_half"],
                m=16,
                name="memories_vector_hnsw_idx",
                opclasses=["halfvec_cosine_ops"],
            ),
        ),
    ]
