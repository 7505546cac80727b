"""Hybrid search: meaning (the local model) and words (full text) fused, per user, by mode."""

import numpy as np
import pytest

from memories.embeddings import embed_text
from memories.selectors import memory_find_related, memory_find_similar
from memories.services import memory_create, memory_recall

pytestmark = pytest.mark.django_db

URL = "/api/v1/memories/search"
FACTS = [
    "User has a dog named Bolt",
    "User works as a nurse at St Mary's hospital",
    "User's sister Clara lives in Edinburgh",
    "User is allergic to penicillin",
    "User plays the trumpet in a brass band",
    "User supports FC Porto",
    "User drives a red Fiat Panda",
    "User's favourite dish is his dad's lasagne",
]


@pytest.fixture
def facts(user):
    return {content: memory_create(user=user, content=content) for content in FACTS}


def contents(user, query, mode, top_k=3):
    return [r.memory.content for r in memory_recall(user=user, query=query, top_k=top_k, mode=mode)]


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("what pets do I have?", "User has a dog named Bolt"),
        ("what's my job", "User works as a nurse at St Mary's hospital"),
        ("where did I say my sister lives?", "User's sister Clara lives in Edinburgh"),
        ("which medicine can't I take", "User is allergic to penicillin"),
        ("what instrument do I play", "User plays the trumpet in a brass band"),
        ("what car have I got", "User drives a red Fiat Panda"),
    ],
)
def test_paraphrases_are_answered_by_the_local_model(user, facts, question, answer):
    assert answer in contents(user, question, "vector")
    assert answer in contents(user, question, "hybrid")


@pytest.mark.parametrize(
    ("name", "answer"),
    [
        ("Bolt", "User has a dog named Bolt"),
        ("FC Porto", "User supports FC Porto"),
        ("Clara", "User's sister Clara lives in Edinburgh"),
        ("St Mary's", "User works as a nurse at St Mary's hospital"),
        ("panda", "User drives a red Fiat Panda"),
    ],
)
def test_exact_names_come_first_in_hybrid_and_text(user, facts, name, answer):
    assert contents(user, name, "hybrid")[0] == answer
    assert contents(user, name, "text") == [answer]


def test_stemming_matches_other_forms_of_a_word(user, facts):
    assert contents(user, "dogs", "text") == ["User has a dog named Bolt"]
    assert contents(user, "allergies", "text") == []  # stems differ: "allergi" vs "allerg"
    assert contents(user, "allergic reactions", "text") == ["User is allergic to penicillin"]


def test_a_question_of_stop_words_matches_no_text(user, facts):
    assert contents(user, "what is it that I have?", "text") == []
    assert len(contents(user, "what is it that I have?", "hybrid")) == 3


@pytest.mark.parametrize("question", ["what pets do I have?", "which medicine can't I take"])
def test_a_question_none_of_whose_words_the_user_holds_ranks_by_meaning(user, facts, question):
    assert contents(user, question, "text") == []
    assert contents(user, question, "hybrid", top_k=8) == contents(user, question, "vector", 8)


def test_a_word_the_user_holds_outweighs_a_nearer_meaning(user):
    axes = np.eye(1536)
    near = memory_create(user=user, content="User sings in a choir", embedding=axes[0])
    named = memory_create(user=user, content="User's cousin is Zephyrine", embedding=axes[1])
    memory_create(user=user, content="User swims on Fridays", embedding=axes[2])
    query = {"user": user, "embeddings": [0.9 * axes[0] + 0.1 * axes[1]], "texts": ["Zephyrine"]}
    (by_meaning,) = memory_find_similar(**query, top_k=3, mode="vector")
    (by_both,) = memory_find_similar(**query, top_k=3, mode="hybrid")
    assert by_meaning[0].memory == near
    assert by_both[0].memory == named
    # Meaning scaled min (the swim, 0) to max (the choir); words 1 for the one memory holding it.
    scaled = by_both[0].similarity / by_meaning[0].similarity
    assert by_both[0].score == pytest.approx(0.3 * scaled + 0.7, abs=1e-3)


def test_text_matching_never_crosses_users(user, other_user, facts):
    theirs = memory_create(user=other_user, content="User works at Acme as a welder")
    assert contents(user, "Acme", "text") == []
    assert "Acme" not in " ".join(contents(user, "Acme welder", "hybrid", top_k=10))
    assert contents(other_user, "Acme", "text") == [theirs.content]
    assert contents(other_user, "Bolt", "text") == []


def test_scores_order_each_mode_and_similarity_is_cosine(user, facts):
    query = "Bolt the dog"
    expected = {c: float(embed_text(c) @ embed_text(query)) for c in FACTS}
    for mode in ("hybrid", "vector", "text"):
        results = memory_recall(user=user, query=query, top_k=8, mode=mode)
        assert [r.score for r in results] == sorted((r.score for r in results), reverse=True)
        for result in results:
            assert result.similarity == pytest.approx(expected[result.memory.content], abs=2e-3)
    (best, *_) = memory_recall(user=user, query=query, top_k=8, mode="hybrid")
    assert best.memory.content == "User has a dog named Bolt"
    assert best.score == pytest.approx(1.0)  # the best of both halves: both scale to 1


def test_min_score_filters_on_similarity_in_every_mode(user, facts):
    for mode in ("hybrid", "text"):
        results = memory_recall(user=user, query="Bolt", top_k=8, mode=mode)
        floor = results[0].similarity + 1e-6
        assert memory_recall(user=user, query="Bolt", top_k=8, mode=mode, min_score=floor) == []


def test_the_api_takes_a_mode_and_returns_score_and_similarity(user_client, facts):
    for mode in ("hybrid", "vector", "text"):
        response = user_client.post(URL, {"query": "Bolt", "mode": mode}, format="json")
        assert response.status_code == 200
        first = response.json()["results"][0]
        assert first["content"] == "User has a dog named Bolt"
        assert {"score", "similarity"} <= first.keys()


@pytest.mark.parametrize("mode", ["semantic", "", None, 3, ["text"], "HYBRID"])
def test_an_unknown_mode_is_a_400(user_client, facts, mode):
    response = user_client.post(URL, {"query": "Bolt", "mode": mode}, format="json")
    assert response.status_code == 400
    assert "mode" in response.json()["errors"]


def test_the_ingestion_lookup_finds_by_words_too(user, facts):
    """A candidate whose embedding points elsewhere is still related to a memory naming the same
    dog: the pipeline's lookup is the hybrid search, not the vector ranking alone."""
    elsewhere = embed_text("User is allergic to penicillin")
    (by_vector,) = memory_find_similar(user=user, embeddings=[elsewhere], top_k=1)
    assert by_vector[0].memory.content == "User is allergic to penicillin"
    (related,) = memory_find_related(
        user=user, embeddings=[elsewhere], texts=["Bolt is three now"], keys=[None], top_k=2
    )
    assert "User has a dog named Bolt" in [memory.content for memory in related]


def test_find_similar_refuses_an_unknown_mode(user):
    with pytest.raises(ValueError, match="mode"):
        memory_find_similar(user=user, embeddings=[np.ones(1536) / 40], top_k=1, mode="fuzzy")
