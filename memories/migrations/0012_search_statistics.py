# BM25 over each user's own memories: per-user term statistics kept by a trigger on
# memories_memoryvector, in step with `content_search`. A user's memories are the collection, so
# a word in all of them (every stored fact holds "user") weighs nothing, and a name in one of
# them weighs most.
#
# memories_searchterm holds, per user and lexeme, how many of the user's memories hold it;
# memories_searchtotals, per user, how many memories there are and their summed length (distinct
# lexemes). Neither keeps a row that counts nothing. Each write to a user's statistics takes the
# totals row first and then the term rows in lexeme order, so two transactions writing one
# user's memories wait for each other rather than deadlock. The trigger is created before the backfill, in one transaction that locks out
# writers until both are done.
#
# BM25 reads `content_search` of every memory it scores. With the embedding stored in the row
# (3 KB), PostgreSQL had moved every `content_search` out of line into TOAST, so each one read
# cost an index lookup and another page: it is kept in the row now (STORAGE MAIN), and the rows
# already written are rewritten so.

import importlib

from django.db import migrations, models

CONTENT_SEARCH = importlib.import_module("memories.migrations.0007_memoryvector_content_search")
# The question's tsquery of 0007: memories_search_terms and memories_search_any replace it.
OLD_QUERY_FUNCTION = CONTENT_SEARCH.SEARCH_FUNCTIONS[
    CONTENT_SEARCH.SEARCH_FUNCTIONS.index("CREATE FUNCTION memories_search_query") :
]

STATISTICS_FUNCTIONS = r"""
CREATE FUNCTION memories_search_statistics_add(owner bigint, document tsvector, sign integer)
    RETURNS void LANGUAGE sql AS $$
    INSERT INTO memories_searchtotals AS totals (user_id, documents, length)
    VALUES (owner, sign, sign * length(document))
    ON CONFLICT (user_id) DO UPDATE SET
        documents = totals.documents + EXCLUDED.documents,
        length = totals.length + EXCLUDED.length;
    INSERT INTO memories_searchterm AS term (user_id, term, documents)
    SELECT owner, lexeme, sign FROM unnest(tsvector_to_array(document)) AS lexeme ORDER BY lexeme
    ON CONFLICT (user_id, term) DO UPDATE SET documents = term.documents + EXCLUDED.documents;
    DELETE FROM memories_searchterm
    WHERE sign < 0 AND user_id = owner AND term = ANY(tsvector_to_array(document))
        AND documents <= 0;
    DELETE FROM memories_searchtotals WHERE sign < 0 AND user_id = owner AND documents <= 0;
$$;

CREATE FUNCTION memories_search_statistics_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM memories_search_statistics_add(OLD.user_id, OLD.content_search, -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM memories_search_statistics_add(NEW.user_id, NEW.content_search, 1);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER memories_search_statistics_insert_delete
    AFTER INSERT OR DELETE ON memories_memoryvector
    FOR EACH ROW EXECUTE FUNCTION memories_search_statistics_sync();
CREATE TRIGGER memories_search_statistics_update
    AFTER UPDATE OF content_search, user_id ON memories_memoryvector
    FOR EACH ROW WHEN (
        (OLD.content_search, OLD.user_id) IS DISTINCT FROM (NEW.content_search, NEW.user_id)
    )
    EXECUTE FUNCTION memories_search_statistics_sync();

-- The words of a question that search looks for: the English stems of its words that are not
-- stop words, and the plain forms of the same words (memories_search_document holds both).
CREATE FUNCTION memories_search_terms(query text) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN (
        WITH english AS (
            SELECT lexeme, positions FROM unnest(to_tsvector('english'::regconfig, query))
        )
        SELECT coalesce(array_agg(DISTINCT term ORDER BY term), '{}')
        FROM (
            SELECT lexeme AS term FROM english
            UNION ALL
            SELECT plain.lexeme FROM unnest(to_tsvector('simple'::regconfig, query)) AS plain
            WHERE plain.positions && ARRAY(SELECT unnest(positions) FROM english)
        ) AS terms
    );

-- The words of a question as one user's memories weigh them: those that count (held by at most
-- half of the memories) with their inverse document frequencies, the memories' average length,
-- the words that find memories on their own (rarest first, while the memories holding them come
-- to at most max_rows), and the share of the question's words the memories hold at all.
-- PL/pgSQL with a generic plan, so that its plan is made once per connection rather than at
-- every search (it is two primary-key lookups whoever asks).
CREATE FUNCTION memories_search_words(owner bigint, question text, max_rows integer)
    RETURNS TABLE (
        terms text[], weights float8[], average_length float8, finding text[], share float8
    )
    LANGUAGE plpgsql STABLE PARALLEL SAFE SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    question_terms text[] := memories_search_terms(question);
BEGIN
    RETURN QUERY
    SELECT coalesce(array_agg(held.term) FILTER (WHERE held.counts), '{}'),
        coalesce(array_agg(held.idf) FILTER (WHERE held.counts), '{}'),
        coalesce(max(held.mean_length), 1),
        coalesce(array_agg(held.term) FILTER (WHERE held.counts AND held.reach <= max_rows), '{}'),
        count(*)::float8 / greatest(cardinality(question_terms), 1)
    FROM (
        SELECT term.term,
            ln(1 + (totals.documents - term.documents + 0.5)::float8 / (term.documents + 0.5))
                AS idf,
            totals.length::float8 / totals.documents AS mean_length,
            term.documents * 2 <= greatest(totals.documents, 2) AS counts,
            sum(term.documents) OVER (ORDER BY term.documents, term.term) AS reach
        FROM memories_searchterm AS term
        JOIN memories_searchtotals AS totals ON totals.user_id = term.user_id
        WHERE term.user_id = owner AND term.term = ANY(question_terms)
    ) AS held;
END
$$;

-- The OR of lexemes as a tsquery, each quoted so that it is matched as it is.
CREATE FUNCTION memories_search_any(terms text[]) RETURNS tsquery
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN (
        SELECT coalesce(
            string_agg('''' || replace(replace(term, '\', '\\'), '''', '''''') || '''', ' | '),
            ''
        )::tsquery
        FROM unnest(terms) AS term
    );
"""

DROP_STATISTICS_FUNCTIONS = """
DROP FUNCTION memories_search_words(bigint, text, integer);
DROP FUNCTION memories_search_any(text[]);
DROP FUNCTION memories_search_terms(text);
DROP TRIGGER memories_search_statistics_update ON memories_memoryvector;
DROP TRIGGER memories_search_statistics_insert_delete ON memories_memoryvector;
DROP FUNCTION memories_search_statistics_sync();
DROP FUNCTION memories_search_statistics_add(bigint, tsvector, integer);
"""

KEEP_IN_ROW = """
ALTER TABLE memories_memoryvector ALTER COLUMN content_search SET STORAGE MAIN;
UPDATE memories_memoryvector AS vector
SET content_search = memories_search_document(memory.content)
FROM memories_memory AS memory
WHERE memory.id = vector.memory_id;
"""

BACKFILL = """
INSERT INTO memories_searchtotals (user_id, documents, length)
SELECT user_id, count(*), sum(length(content_search)) FROM memories_memoryvector GROUP BY user_id;
INSERT INTO memories_searchterm (user_id, term, documents)
SELECT user_id, lexeme, count(*)
FROM memories_memoryvector, unnest(tsvector_to_array(content_search)) AS lexeme
GROUP BY user_id, lexeme;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("memories", "0011_memory_plural"),
    ]

    operations = [
        migrations.RunSQL(
            KEEP_IN_ROW,
            "ALTER TABLE memories_memoryvector ALTER COLUMN content_search SET STORAGE EXTENDED",
        ),
        migrations.CreateModel(
            name="SearchTerm",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "user_id",
                        "term",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),  # fmt: skip
                ),
                ("user_id", models.BigIntegerField()),
                ("term", models.TextField()),
                ("documents", models.IntegerField()),
            ],
        ),
        migrations.CreateModel(
            name="SearchTotals",
            fields=[
                ("user_id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("documents", models.IntegerField()),
                ("length", models.BigIntegerField()),
            ],
            options={"verbose_name_plural": "search totals"},
        ),
        migrations.RunSQL(STATISTICS_FUNCTIONS, DROP_STATISTICS_FUNCTIONS),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
        migrations.RunSQL("DROP FUNCTION memories_search_query(text)", OLD_QUERY_FUNCTION),
    ]
