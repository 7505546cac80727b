"""The words half of search: BM25 over a user's own memories, inside PostgreSQL.

A user's memories are the collection BM25 weighs words against (memories_searchterm and
memories_searchtotals, kept by a trigger: migration 0012), so "user", in every stored fact,
weighs nothing, and a name held by one memory weighs most; another user's memories never change
the weights. A word's repeats in a memory come from the positions in its `content_search`, and
a memory's length is its number of distinct lexemes.

A word held by more than half of the user's memories neither finds memories nor scores them.
The others find memories rarest first, until about TEXT_MAX_ROWS rows are found; a word past
that adds to the score of what rarer words found but finds nothing of its own, which bounds the
cost for users with many memories.
"""

from __future__ import annotations

from typing import Any

from memories.models import MemoryVector, SearchTerm, SearchTotals

# Anserini's defaults for short passages, taken as they are: k1 saturates a word's repeats, b
# sets how much a longer memory is marked down. docs/search.md has the figures of others.
BM25_K1 = 0.9
BM25_B = 0.4
TEXT_MAX_ROWS = 2000

_VECTORS = MemoryVector._meta.db_table
_TERMS = SearchTerm._meta.db_table
_TOTALS = SearchTotals._meta.db_table


def text_ranking_sql(
    *, user_id: int, where: str, where_params: list[Any], text: str, limit: int
) -> tuple[str, list[Any]]:
    """The SQL and params of the user's `limit` memories (those `where` admits) best for the
    words of `text`, as (memory_id, text_rank) rows, best first."""
    words = (
        f"SELECT term.term, ln(1 + (totals.documents - term.documents + 0.5)::float8"
        f" / (term.documents + 0.5)) AS idf,"
        f" totals.length::float8 / totals.documents AS average_length,"
        f" sum(term.documents) OVER (ORDER BY term.documents, term.term) - term.documents"
        f" AS rows_before"
        f" FROM {_TERMS} AS term JOIN {_TOTALS} AS totals USING (user_id)"
        f" WHERE term.user_id = %s AND term.term = ANY(memories_search_terms(%s))"
        f" AND term.documents * 2 <= greatest(totals.documents, 2)"
    )
    score = (
        f"words.idf * repeats.tf * {BM25_K1 + 1} / (repeats.tf + {BM25_K1}"
        f" * ({1 - BM25_B} + {BM25_B} * length(content_search) / words.average_length))"
    )
    return (
        f"WITH words AS ({words})"
        f" SELECT memory_id, sum({score}) AS text_rank FROM {_VECTORS}"
        f" CROSS JOIN LATERAL (SELECT lexeme, coalesce(array_length(positions, 1), 1) AS tf"
        f" FROM unnest(content_search)) AS repeats"
        f" JOIN words ON words.term = repeats.lexeme"
        f" WHERE {where} AND content_search @@ (SELECT memories_search_any(array_agg(term))"
        f" FROM words WHERE rows_before < {TEXT_MAX_ROWS})"
        f" GROUP BY memory_id ORDER BY text_rank DESC, memory_id LIMIT %s",
        [user_id, text, *where_params, limit],
    )


def text_share_sql(*, user_id: int, text: str) -> tuple[str, list[Any]]:
    """The SQL and params of one value: the share of the words of `text` that the user's
    memories hold (0 when it has none)."""
    return (
        f"SELECT count(*)::float8 / greatest(cardinality(memories_search_terms(%s)), 1)"
        f" FROM {_TERMS} WHERE user_id = %s AND term = ANY(memories_search_terms(%s))",
        [text, user_id, text],
    )
