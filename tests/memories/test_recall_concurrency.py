"""Many searches of one user at once, over the same memories: none fails, every use is counted."""

import threading

import numpy as np
import pytest
from django.db import connection

from memories.models import Memory
from memories.selectors import search as plans
from memories.services import memory_recall

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 12
SEARCHES_PER_THREAD = 15
MEMORIES = 40
WORDS = [
    "hiking",
    "taxes",
    "piano",
    "lisbon",
    "peanuts",
    "garden",
    "coffee",
    "train",
    "violin",
    "dentist",
    "chess",
    "rain",
]


def _memories(user) -> list[Memory]:
    rng = np.random.default_rng(11)
    vectors = rng.standard_normal((MEMORIES, 1536))
    return Memory.objects.bulk_create(
        Memory(user=user, content=f"memory {i}", content_hash=f"h{i}", embedding=vector,
               embedding_model="test")
        for i, vector in enumerate(vectors / np.linalg.norm(vectors, axis=1, keepdims=True))
    )  # fmt: skip


def _search_many(user, seed: int, errors: list[BaseException], start: threading.Barrier) -> None:
    rng = np.random.default_rng(seed)
    try:
        start.wait(timeout=30)
        for _ in range(SEARCHES_PER_THREAD):
            query = " ".join(rng.choice(WORDS, size=3))  # each ranks the same rows in its own order
            assert len(memory_recall(user=user, query=query, top_k=MEMORIES)) == MEMORIES
    except BaseException as exc:
        errors.append(exc)
    finally:
        connection.close()


@pytest.mark.parametrize("plan", ["exact", "index"])
def test_concurrent_searches_over_the_same_memories_never_fail(user, plan, monkeypatch):
    monkeypatch.setattr(plans, "SEARCH_EXACT_MAX_ROWS", 10**6 if plan == "exact" else 1)
    _memories(user)
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)
    threads = [
        threading.Thread(target=_search_many, args=(user, seed, errors, start))
        for seed in range(THREADS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    counts = Memory.objects.filter(user=user).values_list("access_count", flat=True)
    assert sorted(set(counts)) == [THREADS * SEARCHES_PER_THREAD]
