"""Data migrations run on the data they were written for, from the state before them."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.support.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE_NAME_KEYS = ("memories", "0009_unused_choices_removed")
NAME_KEYS = ("memories", "0010_collection_name_key")
BEFORE_STATISTICS = ("memories", "0011_memory_plural")
STATISTICS = ("memories", "0012_search_statistics")


def _migrate(target: tuple[str, str]):
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    return MigrationExecutor(connection).loader.project_state([target]).apps


def _back_to_latest() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.fixture
def before_name_keys():
    yield _migrate(BEFORE_NAME_KEYS)
    _back_to_latest()


@pytest.fixture
def before_statistics():
    yield _migrate(BEFORE_STATISTICS)
    _back_to_latest()


def test_collection_names_that_now_clash_are_renamed_not_lost(before_name_keys):
    collections = before_name_keys.get_model("memories", "MemoryCollection")
    user, other = UserFactory(), UserFactory()
    for owner, name in [(user, "Straße"), (user, "STRASSE"), (user, "strasse (2)"),
                        (user, "Pets"), (other, "strasse")]:  # fmt: skip
        collections.objects.create(user_id=owner.pk, name=name)

    collections = _migrate(NAME_KEYS).get_model("memories", "MemoryCollection")
    names = collections.objects.order_by("user_id", "name").values_list(
        "user_id", "name", "name_key"
    )
    assert list(names) == [
        (user.pk, "Pets", "pets"),
        (user.pk, "STRASSE (2)", "strasse (2)"),
        (user.pk, "Straße", "strasse"),
        (user.pk, "strasse (2) (2)", "strasse (2) (2)"),
        (other.pk, "strasse", "strasse"),
    ]


def test_search_statistics_are_counted_for_the_memories_already_stored(before_statistics):
    memories = before_statistics.get_model("memories", "Memory")
    user, other = UserFactory(), UserFactory()
    for owner, content in [(user, "User has a dog named Bolt"), (user, "User walks the dog"),
                           (other, "User has a cat")]:  # fmt: skip
        memories.objects.create(user_id=owner.pk, content=content, content_hash=content,
                                embedding=[0.1] * 1536, embedding_model="test")  # fmt: skip

    assert _toasted_texts() == 3  # beside the embedding, each text had gone to TOAST

    apps = _migrate(STATISTICS)
    terms = apps.get_model("memories", "SearchTerm").objects
    totals = apps.get_model("memories", "SearchTotals").objects
    assert terms.get(user_id=user.pk, term="dog").documents == 2
    assert terms.get(user_id=user.pk, term="bolt").documents == 1
    assert not terms.filter(user_id=other.pk, term="dog").exists()
    assert totals.get(user_id=user.pk).documents == 2
    assert totals.get(user_id=other.pk).documents == 1
    assert _toasted_texts() == 0


def _toasted_texts() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltoastrelid::regclass FROM pg_class WHERE relname = 'memories_memoryvector'"
        )
        (toast,) = cursor.fetchone()
        cursor.execute(f"SELECT count(DISTINCT chunk_id) FROM {toast}")
        return cursor.fetchone()[0]
