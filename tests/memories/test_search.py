"""Search: ranking, filters, validation, isolation, access counts, and the plan it picks by size."""

import numpy as np
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from memories.embeddings import embed_text
from memories.models import Memory, MemoryVector
from memories.selectors import memory_find_similar
from memories.selectors import search as plans
from memories.services import (
    memory_collection_create,
    memory_collection_delete,
    memory_create,
    memory_delete,
    memory_recall,
    memory_update,
)

pytestmark = pytest.mark.django_db

URL = "/api/v1/memories/search"
FACTS = [
    "I love hiking in the mountains",
    "My tax return is due in April",
    "My sister Anna lives in Lisbon",
    "Allergic to peanuts",
    "Plays jazz piano on weekends",
]


@pytest.fixture
def facts(user):
    return {content: memory_create(user=user, content=content) for content in FACTS}


def search(user_client, **body):
    return user_client.post(
        URL, {"query": "hiking trip in the Andes mountains", **body}, format="json"
    )


def test_results_are_ranked_best_first_with_cosine_scores(user_client, facts):
    results = search(user_client).json()["results"]
    assert results[0]["content"] == "I love hiking in the mountains"
    scores = [r["score"] for r in results]
    assert scores == sorted(scores, reverse=True)
    expected = float(embed_text(FACTS[0]) @ embed_text("hiking trip in the Andes mountains"))
    assert results[0]["similarity"] == pytest.approx(expected, abs=2e-3)
    assert len(results) == len(FACTS)
    by_vector = search(user_client, mode="vector").json()["results"]
    assert [r["score"] for r in by_vector] == [r["similarity"] for r in by_vector]
    assert by_vector[0]["score"] == pytest.approx(expected, abs=2e-3)


def test_top_k_tiers_collection_and_min_score(user_client, user, facts):
    assert len(search(user_client, top_k=2).json()["results"]) == 2
    core = memory_create(user=user, content="Hiking boots are size 44", tier="core")
    assert [r["id"] for r in search(user_client, tiers=["core"]).json()["results"]] == [
        str(core.id)
    ]
    trips = memory_collection_create(user=user, name="Trips")
    filed = memory_create(user=user, content="Trip to Peru", collection=trips)
    found = search(user_client, collection=str(trips.id)).json()["results"]
    assert [r["id"] for r in found] == [str(filed.id)]
    strong = search(user_client, min_score=0.3).json()["results"]
    assert strong
    assert all(r["similarity"] >= 0.3 for r in strong)
    assert len(strong) < len(search(user_client).json()["results"])


def test_returned_memories_get_their_access_counted_in_one_statement(user_client, facts):
    with CaptureQueriesContext(connection) as queries:
        results = search(user_client, top_k=2).json()["results"]
    updates = [q["sql"] for q in queries if "UPDATE memories_memory" in q["sql"]]
    assert len(updates) == 1
    # Ranked, counted and read back by that statement: nothing else reads the memories.
    assert not [q for q in queries if 'FROM "memories_memory"' in q["sql"]]
    assert [r["access_count"] for r in results] == [1, 1]
    counted = Memory.objects.filter(access_count=1)
    assert {str(m.id) for m in counted} == {r["id"] for r in results}
    assert all(m.last_accessed_at is not None for m in counted)


def test_search_never_returns_another_users_memories(user_client, user, other_user):
    memory_create(user=other_user, content="I love hiking in the mountains")
    assert search(user_client).json()["results"] == []
    mine = memory_create(user=user, content="I love hiking in the mountains")
    assert [r["id"] for r in search(user_client).json()["results"]] == [str(mine.id)]


def test_search_in_another_users_collection_is_a_400(user_client, other_user):
    theirs = memory_collection_create(user=other_user, name="Trips")
    memory_create(user=other_user, content="Trip to Peru", collection=theirs)
    response = search(user_client, collection=str(theirs.id))
    assert response.status_code == 400
    assert "collection" in response.json()["errors"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"query": ""}, "query"),
        ({"query": "   "}, "query"),
        ({"query": 12}, "query"),
        ({"query": ["hiking"]}, "query"),
        ({"query": None}, "query"),
        ({"query": "x" * 2001}, "query"),
        ({"top_k": 0}, "top_k"),
        ({"top_k": 101}, "top_k"),
        ({"top_k": "many"}, "top_k"),
        ({"tiers": ["forever"]}, "tiers"),
        ({"tiers": "core"}, "tiers"),
        ({"collection": "nope"}, "collection"),
        ({"min_score": 2}, "min_score"),
        ({"min_score": "high"}, "min_score"),
    ],
)
def test_bad_search_input_is_a_400_naming_the_field(user_client, body, field):
    response = search(user_client, **body)
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_missing_query_is_a_400(user_client):
    response = user_client.post(URL, {}, format="json")
    assert response.status_code == 400
    assert "query" in response.json()["errors"]


def test_search_is_post_only(user_client):
    assert user_client.get(URL).status_code == 405


# --- the selector and its two plans ---------------------------------------------


def _bulk(user, vectors):
    return Memory.objects.bulk_create(
        Memory(user=user, content=f"m{i}", content_hash=f"h{i}", embedding=v,
               embedding_model="test")
        for i, v in enumerate(vectors)
    )  # fmt: skip


def _clustered(rng, count):
    centers = rng.standard_normal((8, 1536))
    vectors = centers[rng.integers(0, 8, count)] + 0.5 * rng.standard_normal((count, 1536))
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def _exact_top(vectors, query, k):
    return list(np.argsort(-(vectors @ query))[:k])


def test_both_plans_find_the_exact_neighbours_of_one_user_only(user, other_user, monkeypatch):
    rng = np.random.default_rng(3)
    vectors = _clustered(rng, 300)
    mine = _bulk(user, vectors[:200])
    _bulk(other_user, vectors[200:])
    query = vectors[7] + 0.1 * rng.standard_normal(1536)
    query /= np.linalg.norm(query)
    expected = [mine[i].id for i in _exact_top(vectors[:200], query, 10)]
    for threshold in (10_000, 50):  # 200 rows: the exact scan, then the index
        monkeypatch.setattr(plans, "SEARCH_EXACT_MAX_ROWS", threshold)
        (results,) = memory_find_similar(user=user, embeddings=[query], top_k=10)
        assert [r.memory.id for r in results] == expected
        assert [r.score for r in results] == sorted((r.score for r in results), reverse=True)


def _plan(user, *, use_index, mode="vector"):
    where, params = plans._filters(user=user, tiers=None, collection=None)
    vector = plans._vector_text(np.ones(1536) / np.sqrt(1536))
    plan = plans._Plan(user.pk, where, params, use_index, 10)
    sql, params = plans._MODE_SQL[mode](plan, vector, "m7")
    with transaction.atomic(), connection.cursor() as cursor:
        if use_index:
            plans._set_index_scan(10)
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize("mode", ["vector", "hybrid"])
def test_large_users_take_the_hnsw_index_and_small_users_an_exact_scan(user, mode):
    _bulk(user, _clustered(np.random.default_rng(4), 50))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE memories_memoryvector")
    assert "memories_vector_hnsw_idx" in _plan(user, use_index=True, mode=mode)
    assert "hnsw" not in _plan(user, use_index=False, mode=mode)


def test_the_size_check_is_bounded(user, monkeypatch):
    _bulk(user, _clustered(np.random.default_rng(5), 30))
    candidates = plans._search_candidates(user=user, tiers=None, collection=None)
    assert plans._has_at_least(candidates, 30)
    assert not plans._has_at_least(candidates, 31)
    with CaptureQueriesContext(connection) as queries:
        plans._has_at_least(candidates, 30)
    assert "LIMIT 1 OFFSET 29" in queries[0]["sql"]


def test_find_similar_answers_each_embedding(user):
    hiking = memory_create(user=user, content="I love hiking in the mountains")
    taxes = memory_create(user=user, content="My tax return is due in April")
    found = memory_find_similar(
        user=user, embeddings=[embed_text("mountain hiking"), embed_text("tax return")], top_k=1
    )
    assert [[r.memory.id for r in results] for results in found] == [[hiking.id], [taxes.id]]
    assert memory_find_similar(user=user, embeddings=[], top_k=3) == []


@pytest.mark.parametrize("plan", ["exact", "index"])
def test_recall_counts_what_the_selector_finds_on_either_plan(user, other_user, plan, monkeypatch):
    monkeypatch.setattr(plans, "SEARCH_EXACT_MAX_ROWS", 10**6 if plan == "exact" else 1)
    for content in FACTS:
        memory_create(user=user, content=content)
        memory_create(user=other_user, content=content)
    query = "hiking trip in the Andes mountains"
    (expected,) = memory_find_similar(
        user=user, embeddings=[embed_text(query)], texts=[query], top_k=3, mode="hybrid"
    )
    recalled = memory_recall(user=user, query=query, top_k=3)
    assert [(r.memory.id, round(r.score, 6), round(r.similarity, 6)) for r in recalled] == [
        (r.memory.id, round(r.score, 6), round(r.similarity, 6)) for r in expected
    ]
    assert all(r.memory.access_count == 1 and r.memory.last_accessed_at for r in recalled)
    assert all("embedding" in r.memory.get_deferred_fields() for r in recalled)
    counted = Memory.objects.filter(access_count=1)
    assert {m.id for m in counted} == {r.memory.id for r in recalled}
    best = max(recalled, key=lambda r: r.similarity)
    strong = memory_recall(user=user, query=query, top_k=3, min_score=best.similarity - 1e-6)
    assert [r.memory.id for r in strong] == [best.memory.id]
    assert Memory.objects.get(pk=recalled[1].memory.pk).access_count == 1


def test_a_query_embedding_of_the_wrong_size_is_refused(user):
    with pytest.raises(ValueError, match="1536"):
        memory_find_similar(user=user, embeddings=[[1.0, 0.0]], top_k=3)


# --- the search table, kept by a trigger ------------------------------------------


def _vector(memory):
    return (
        MemoryVector.objects.filter(pk=memory.pk).values("user_id", "tier", "collection_id").first()
    )


def test_the_search_table_follows_every_change_of_a_memory(user):
    pets = memory_collection_create(user=user, name="Pets")
    memory = memory_create(user=user, content="Has a cat", collection=pets)
    assert _vector(memory) == {"user_id": user.pk, "tier": "long_term", "collection_id": pets.pk}
    memory = memory_update(memory=memory, actor="user", tier="core", content="Has two cats")
    assert _vector(memory)["tier"] == "core"
    stored = np.asarray(MemoryVector.objects.get(pk=memory.pk).embedding_half)
    assert np.allclose(stored, embed_text("Has two cats"), atol=2e-3)
    memory_collection_delete(collection=pets)
    assert _vector(memory)["collection_id"] is None
    memory_delete(memory=memory, actor="user")
    assert _vector(memory) is None


def _table_stats(table):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n_tup_ins, n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables"
            " WHERE relname = %s",
            [table],
        )
        return cursor.fetchone() or (0, 0, 0)


def test_counting_a_use_is_a_hot_update_that_leaves_the_search_table_alone(user):
    for i in range(5):
        memory_create(user=user, content=f"fact {i}")
    vectors_before, memories_before = (
        _table_stats("memories_memoryvector"),
        _table_stats("memories_memory"),
    )
    assert len(memory_recall(user=user, query="fact", top_k=5)) == 5
    assert _table_stats("memories_memoryvector") == vectors_before
    inserted, updated, hot = (
        a - b for a, b in zip(_table_stats("memories_memory"), memories_before, strict=True)
    )
    assert (inserted, updated, hot) == (0, 5, 5)


def test_search_by_tier_follows_a_tier_change(user_client, user):
    memory = memory_create(user=user, content="I love hiking in the mountains")
    assert search(user_client, tiers=["core"]).json()["results"] == []
    user_client.patch(f"/api/v1/memories/{memory.id}", {"tier": "core"}, format="json")
    assert [r["id"] for r in search(user_client, tiers=["core"]).json()["results"]] == [
        str(memory.id)
    ]
