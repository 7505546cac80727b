"""Two texts that read the same are the same: composed or decomposed accents, and case folding
beyond ASCII ("Straße" / "STRASSE"), for memory contents and collection names alike."""

import unicodedata

import pytest
from django.db import IntegrityError

from memories.models import Memory, MemoryCollection

pytestmark = pytest.mark.django_db

MEMORIES = "/api/v1/memories"
COLLECTIONS = "/api/v1/memory-collections"


def _nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Loves the café on Rue Cler", _nfd("Loves the café on Rue Cler")),
        (_nfd("Zoë's birthday is in May"), "ZOË'S BIRTHDAY IS IN MAY"),
        ("Lives on the Hauptstraße", "lives on the HAUPTSTRASSE"),
        ("Ἀθῆναι is home", _nfd("ἀθῆναι IS HOME")),
    ],
)
def test_a_memory_that_reads_the_same_is_a_duplicate(user_client, first, second):
    stored = user_client.post(MEMORIES, {"content": first}, format="json")

    again = user_client.post(MEMORIES, {"content": second}, format="json")

    assert stored.status_code == 201
    assert again.status_code == 409
    assert again.json()["existing_id"] == stored.json()["id"]
    assert Memory.objects.count() == 1


@pytest.mark.parametrize(
    ("first", "second"),
    [("Straße", "STRASSE"), ("Café", _nfd("café")), (_nfd("Ärzte"), "ÄRZTE")],
)
def test_collection_names_that_read_the_same_clash(user_client, first, second):
    assert user_client.post(COLLECTIONS, {"name": first}, format="json").status_code == 201

    response = user_client.post(COLLECTIONS, {"name": second}, format="json")

    assert response.status_code == 409
    assert MemoryCollection.objects.count() == 1


def test_a_rename_that_reads_like_another_collection_clashes(user_client):
    user_client.post(COLLECTIONS, {"name": "Straße"}, format="json")
    other = user_client.post(COLLECTIONS, {"name": "Avenue"}, format="json").json()

    response = user_client.patch(f"{COLLECTIONS}/{other['id']}", {"name": "STRASSE"}, format="json")

    assert response.status_code == 409
    assert MemoryCollection.objects.get(pk=other["id"]).name == "Avenue"


def test_another_user_may_use_a_name_that_reads_the_same(user_client, other_client):
    assert user_client.post(COLLECTIONS, {"name": "Straße"}, format="json").status_code == 201
    assert other_client.post(COLLECTIONS, {"name": "STRASSE"}, format="json").status_code == 201


def test_the_database_refuses_a_clash_the_service_did_not_see(user):
    MemoryCollection.objects.create(user=user, name="Straße")

    with pytest.raises(IntegrityError, match="memories_collection_user_name_key_unique"):
        MemoryCollection.objects.create(user=user, name="STRASSE")
