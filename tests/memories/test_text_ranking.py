"""The words half of search: BM25 over each user's own memories, its statistics kept in step."""

import threading

import pytest
from django.db import connection, transaction

from accounts.models import User
from memories.models import MemoryEvent, SearchTerm, SearchTotals
from memories.selectors import search, search_text
from memories.services import memory_create, memory_delete, memory_recall, memory_update
from tests.support.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["exact", "index"])
def plan(request, monkeypatch):
    """Both plans rank alike: a scan of the user's rows, or the GIN and HNSW indexes."""
    monkeypatch.setattr(search, "SEARCH_EXACT_MAX_ROWS", 10**6 if request.param == "exact" else 1)


def texts(user, query):
    return [r.memory.content for r in memory_recall(user=user, query=query, mode="text")]


def scores(user, query):
    return {r.memory.content: r.score for r in memory_recall(user=user, query=query, mode="text")}


def recounted() -> tuple[dict, dict]:
    """The statistics counted afresh from what search reads: (terms, totals)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT user_id, lexeme, count(*) FROM memories_memoryvector,"
            " unnest(tsvector_to_array(content_search)) AS lexeme GROUP BY user_id, lexeme"
        )
        terms = {(user_id, term): n for user_id, term, n in cursor.fetchall()}
        cursor.execute(
            "SELECT user_id, count(*), sum(length(content_search)) FROM memories_memoryvector"
            " GROUP BY user_id"
        )
        totals = {user_id: (n, length) for user_id, n, length in cursor.fetchall()}
    return terms, totals


def kept() -> tuple[dict, dict]:
    terms = {(t.user_id, t.term): t.documents for t in SearchTerm.objects.all()}
    totals = {t.user_id: (t.documents, t.length) for t in SearchTotals.objects.all()}
    return terms, totals


def test_a_word_in_every_memory_does_not_decide(user, plan):
    memory_create(user=user, content="User lives in Porto")
    memory_create(user=user, content="User has a dog, and the user walks the user's dog daily")
    memory_create(user=user, content="User plays chess")
    assert texts(user, "user") == []
    assert texts(user, "where does the user live")[0] == "User lives in Porto"


def test_a_rare_name_outweighs_a_common_word_said_twice(user, plan):
    for i in range(6):
        memory_create(user=user, content=f"User drinks coffee, strong coffee, at cafe {i}")
    memory_create(user=user, content="User's dog Bolt loves coffee beans")
    for i in range(10):  # coffee is in fewer than half of the memories: it still counts
        memory_create(user=user, content=f"User went hiking in valley {i}")
    assert texts(user, "coffee with Bolt")[0] == "User's dog Bolt loves coffee beans"
    ranked = scores(user, "coffee Bolt")
    assert ranked["User's dog Bolt loves coffee beans"] > 2 * max(
        score for content, score in ranked.items() if "Bolt" not in content
    )


def test_a_word_said_more_often_in_a_memory_ranks_it_higher(user, plan):
    memory_create(user=user, content="User bakes bread")
    memory_create(user=user, content="User bakes bread: sourdough bread, rye bread")
    for i in range(6):
        memory_create(user=user, content=f"User reads novel number {i}")
    assert texts(user, "bread") == [
        "User bakes bread: sourdough bread, rye bread",
        "User bakes bread",
    ]


def test_a_word_in_more_memories_than_the_cap_finds_none_but_still_scores(user, plan, monkeypatch):
    monkeypatch.setattr(search_text, "TEXT_MAX_ROWS", 3)
    for i in range(4):
        memory_create(user=user, content=f"User walked in the park, walk {i}")
    memory_create(user=user, content="User walked the dog Bolt in the park")
    for i in range(6):
        memory_create(user=user, content=f"User read book {i}")
    assert texts(user, "park") == []  # five memories hold it: more than the cap
    assert texts(user, "Bolt park") == ["User walked the dog Bolt in the park"]
    alone, with_park = scores(user, "Bolt"), scores(user, "Bolt park")
    assert (
        with_park["User walked the dog Bolt in the park"]
        > alone["User walked the dog Bolt in the park"]
    )


@pytest.mark.parametrize("question", ["what is it that I have?", "Zanzibar"])
def test_a_question_whose_words_find_nothing_asks_nothing_of_the_words(user, plan, question):
    memory_create(user=user, content="User lives in Porto")
    memory_create(user=user, content="User has a cat")
    notices: list[str] = []
    connection.ensure_connection()
    connection.connection.add_notice_handler(lambda notice: notices.append(notice.message_primary))
    for mode in ("text", "hybrid"):
        memory_recall(user=user, query=question, mode=mode)
    assert texts(user, question) == []
    assert len(memory_recall(user=user, query=question, mode="hybrid")) == 2
    assert notices == []  # no empty text-search query was matched against the rows


def test_one_users_memories_never_change_anothers_weights(user, other_user):
    for content in ("User lives in Porto", "User has a cat", "User plays chess", "User cooks"):
        memory_create(user=user, content=content)
    before = scores(user, "Porto chess cat")
    for i in range(30):
        memory_create(user=other_user, content=f"User visited Porto and played chess, trip {i}")
    assert scores(user, "Porto chess cat") == before
    assert SearchTerm.objects.get(user_id=user.pk, term="porto").documents == 1
    assert SearchTerm.objects.get(user_id=other_user.pk, term="porto").documents == 30
    assert texts(user, "trip") == []


def test_creates_updates_and_deletes_keep_the_statistics_right(user, other_user):
    dog = memory_create(user=user, content="User has a dog named Bolt")
    cat = memory_create(user=user, content="User has a cat named Pixel")
    memory_create(user=other_user, content="User has a dog named Rex")
    assert kept() == recounted()
    memory_update(memory=dog, actor=MemoryEvent.Actor.USER, content="User has a parrot named Bolt")
    assert kept() == recounted()
    assert not SearchTerm.objects.filter(user_id=user.pk, term="dog").exists()
    assert SearchTerm.objects.get(user_id=other_user.pk, term="dog").documents == 1
    memory_update(memory=cat, actor=MemoryEvent.Actor.USER, tier="core")  # words unchanged
    assert kept() == recounted()
    memory_delete(memory=cat, actor=MemoryEvent.Actor.USER)
    assert kept() == recounted()
    assert SearchTotals.objects.get(user_id=user.pk).documents == 1
    assert texts(user, "parrot") == ["User has a parrot named Bolt"]


def test_erasing_a_user_leaves_no_statistics_of_theirs(user, other_user):
    memory_create(user=user, content="User has a dog named Bolt")
    memory_create(user=other_user, content="User has a dog named Rex")
    User.objects.filter(pk=user.pk).delete()
    assert not SearchTerm.objects.filter(user_id=user.pk).exists()
    assert not SearchTotals.objects.filter(user_id=user.pk).exists()
    assert kept() == recounted()


@pytest.mark.django_db(transaction=True)
def test_many_writers_of_one_users_memories_never_deadlock_and_count_right():
    owner = UserFactory()
    words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot"]
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def write(seed: int) -> None:
        try:
            start.wait(timeout=30)
            for batch in range(5):
                with transaction.atomic():  # several memories in one transaction, as ingestion
                    for n in range(3):
                        picked = [words[(seed + batch + n + i) % 6] for i in range(3)]
                        content = f"note {seed}-{batch}-{n}: " + " ".join(reversed(picked))
                        memory_create(user=owner, content=content)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(seed,)) for seed in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert kept() == recounted()
    assert SearchTotals.objects.get(user_id=owner.pk).documents == 60
