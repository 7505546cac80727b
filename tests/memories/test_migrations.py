"""Data migrations run on the data they were written for, from the state before them."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.support.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE_NAME_KEYS = ("memories", "0009_unused_choices_removed")
NAME_KEYS = ("memories", "0010_collection_name_key")


def _migrate(target: tuple[str, str]):
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    return MigrationExecutor(connection).loader.project_state([target]).apps


@pytest.fixture
def before_name_keys():
    yield _migrate(BEFORE_NAME_KEYS)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


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
