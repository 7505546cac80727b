"""The words half of search: BM25 over a user's own memories, inside PostgreSQL.

A user's memories are the collection BM25 weighs words against (memories_searchterm and
memories_searchtotals, kept by a trigger: migration 0012), so "user", in every stored fact,
weighs nothing, and a name held by one memory weighs most; another user's memories never change
the weights. A word's repeats in a memory come from the positions in its `content_search`, and
a memory's length is its number of distinct lexemes.

A word held by more than half of the user's memories counts for nothing. The words that count
find memories rarest first, as long as the memories that hold them come to at most
TEXT_MAX_ROWS; a word held by more adds to the score of what rarer words found but finds nothing
of its own: scoring each of the thousands of memories of a large user that hold a common word
would cost more than the whole search by meaning, for results that word hardly orders.

`text_words` reads the question's words and their weights (one small query); `text_rank_sql`
and `text_finds_sql` are SQL over a row of memories_memoryvector that use them.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from django.db import connection

# Anserini's defaults for short passages, taken as they are rather than tuned on our corpora:
# k1 saturates a word's repeats, b sets how much a longer memory is marked down.
BM25_K1 = 0.9
BM25_B = 0.4
TEXT_MAX_ROWS = 100


class Words(NamedTuple):
    """The words of a question, as the user's memories weigh them."""

    terms: list[str]  # the lexemes that count
    weights: list[float]  # the inverse document frequency of each
    average_length: float  # of the user's memories, in distinct lexemes
    finding: list[str]  # the lexemes that find memories on their own
    share: float  # of the question's lexemes, those the user's memories hold at all


def text_words(*, user_id: int, text: str) -> Words:
    """The words of `text` as the user's memories weigh them (memories_search_words)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT * FROM memories_search_words(%s, %s, %s)", [user_id, text, TEXT_MAX_ROWS]
        )
        return Words(*cursor.fetchone())


def text_finds_sql(words: Words) -> tuple[str, list[Any]]:
    """Whether the current row of memories_memoryvector is a memory the words find: `false`
    when no word finds any, which the planner folds away (an empty tsquery would be matched
    against every row, and draw a notice from PostgreSQL)."""
    if not words.finding:
        return "false", []
    return "content_search @@ memories_search_any(%s::text[])", [words.finding]


def text_rank_sql(words: Words) -> tuple[str, list[Any]]:
    """The BM25 score of the current row of memories_memoryvector (NULL when it holds none of
    the words that count): its lexemes among them, each by its repeats and weight."""
    saturation = f"repeats.tf * {BM25_K1 + 1} / (repeats.tf + {BM25_K1} * ({1 - BM25_B}"
    saturation += f" + {BM25_B} * length(content_search) / %s::float8))"
    return (
        f"(SELECT sum((%s::float8[])[array_position(%s::text[], repeats.lexeme)] * {saturation})"
        f" FROM (SELECT lexeme, coalesce(array_length(positions, 1), 1) AS tf"
        f" FROM unnest(content_search)) AS repeats WHERE repeats.lexeme = ANY(%s::text[]))",
        [words.weights, words.terms, words.average_length, words.terms],
    )
