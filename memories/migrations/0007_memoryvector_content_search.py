# Full-text matching for hybrid search: memories_memoryvector gets `content_search`, the memory's
# text as a tsvector, kept by the same trigger as the embedding (not a generated column on
# memories_memory: PostgreSQL recomputes those on every update, counting a use included).
# The document holds both the English stems (so "dogs" finds "dog") and the plain lower-cased
# words (so an exact name outranks a word it merely stems alike). The query function turns a
# question into the OR of those terms for its words that are not English stop words.
# The GIN index is built concurrently: on a populated table that takes minutes.

import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations

FUNCTIONS = r"""
CREATE FUNCTION memories_search_document(content text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN to_tsvector('english'::regconfig, content) || to_tsvector('simple'::regconfig, content);

CREATE FUNCTION memories_search_query(query text) RETURNS tsquery
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN (
        WITH english AS (
            SELECT lexeme, positions FROM unnest(to_tsvector('english'::regconfig, query))
        )
        SELECT coalesce(
            string_agg(
                DISTINCT '''' || replace(replace(term, '\', '\\'), '''', '''''') || '''', ' | '
            ),
            ''
        )::tsquery
        FROM (
            SELECT lexeme AS term FROM english
            UNION ALL
            -- The plain form of the same words: those at the positions of the English lexemes.
            SELECT plain.lexeme FROM unnest(to_tsvector('simple'::regconfig, query)) AS plain
            WHERE plain.positions && ARRAY(SELECT unnest(positions) FROM english)
        ) AS terms
    );

CREATE OR REPLACE FUNCTION memories_memoryvector_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO memories_memoryvector
        (memory_id, user_id, tier, collection_id, embedding_half, content_search)
    VALUES (
        NEW.id, NEW.user_id, NEW.tier, NEW.collection_id, NEW.embedding::halfvec(1536),
        memories_search_document(NEW.content)
    )
    ON CONFLICT (memory_id) DO UPDATE SET
        user_id = EXCLUDED.user_id,
        tier = EXCLUDED.tier,
        collection_id = EXCLUDED.collection_id,
        embedding_half = EXCLUDED.embedding_half,
        content_search = EXCLUDED.content_search;
    RETURN NULL;
END
$$;

DROP TRIGGER memories_memoryvector_update ON memories_memory;
CREATE TRIGGER memories_memoryvector_update
    AFTER UPDATE OF embedding, content, user_id, tier, collection_id ON memories_memory
    FOR EACH ROW WHEN (
        OLD.embedding IS DISTINCT FROM NEW.embedding
        OR OLD.content IS DISTINCT FROM NEW.content
        OR OLD.user_id IS DISTINCT FROM NEW.user_id
        OR OLD.tier IS DISTINCT FROM NEW.tier
        OR OLD.collection_id IS DISTINCT FROM NEW.collection_id
    )
    EXECUTE FUNCTION memories_memoryvector_sync();
"""

DROP_FUNCTIONS = """
CREATE OR REPLACE FUNCTION memories_memoryvector_sync() RETURNS trigger LANGUAGE plpgsql AS $$
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
DROP TRIGGER memories_memoryvector_update ON memories_memory;
CREATE TRIGGER memories_memoryvector_update
    AFTER UPDATE OF embedding, user_id, tier, collection_id ON memories_memory
    FOR EACH ROW WHEN (
        OLD.embedding IS DISTINCT FROM NEW.embedding
        OR OLD.user_id IS DISTINCT FROM NEW.user_id
        OR OLD.tier IS DISTINCT FROM NEW.tier
        OR OLD.collection_id IS DISTINCT FROM NEW.collection_id
    )
    EXECUTE FUNCTION memories_memoryvector_sync();
DROP FUNCTION memories_search_query(text);
DROP FUNCTION memories_search_document(text);
"""

BACKFILL = """
UPDATE memories_memoryvector AS vector
SET content_search = memories_search_document(memory.content)
FROM memories_memory AS memory
WHERE memory.id = vector.memory_id
"""


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("memories", "0006_vector_index_ef_construction"),
    ]

    operations = [
        migrations.AddField(
            model_name="memoryvector",
            name="content_search",
            field=django.contrib.postgres.search.SearchVectorField(default=""),
            preserve_default=False,
        ),
        migrations.RunSQL(FUNCTIONS, DROP_FUNCTIONS),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
        AddIndexConcurrently(
            model_name="memoryvector",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["content_search"], name="memories_vector_text_idx"
            ),
        ),
    ]
