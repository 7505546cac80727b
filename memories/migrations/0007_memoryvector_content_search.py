# Full-text matching for hybrid search: memories_memoryvector gets `content_search`, the memory's
# text as a tsvector, kept by the same trigger as the embedding (not a generated column on
# memories_memory: PostgreSQL recomputes those on every update, counting a use included).
# The document holds both the English stems (so "dogs" finds "dog") and the plain lower-cased
# words (so an exact name outranks a word it merely stems alike). The query function turns a
# question into the OR of those terms for its words that are not English stop words.
# The rows are filled and the GIN index built in 0008.

import importlib

import django.contrib.postgres.search
from django.db import migrations

MEMORY_VECTOR = importlib.import_module("memories.migrations.0005_memory_vector")

SEARCH_FUNCTIONS = r"""
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
"""

DROP_SEARCH_FUNCTIONS = """
DROP FUNCTION memories_search_query(text);
DROP FUNCTION memories_search_document(text);
"""

# The trigger function of 0005 with the text of the memory as well; the update trigger also
# fires on a change of content.
SYNC_FUNCTION = """
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
        (OLD.embedding, OLD.content, OLD.user_id, OLD.tier, OLD.collection_id)
        IS DISTINCT FROM (NEW.embedding, NEW.content, NEW.user_id, NEW.tier, NEW.collection_id)
    )
    EXECUTE FUNCTION memories_memoryvector_sync();
"""


class Migration(migrations.Migration):
    # One transaction: no memory is written between the old trigger and the new.

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
        migrations.RunSQL(SEARCH_FUNCTIONS, DROP_SEARCH_FUNCTIONS),
        # Undone by making the trigger of 0005 again from its own text.
        migrations.RunSQL(
            SYNC_FUNCTION, [MEMORY_VECTOR.DROP_SYNC_FUNCTION, MEMORY_VECTOR.SYNC_FUNCTION]
        ),
    ]
