"""The memory-collections API: names unique per user ignoring case, isolation, deletion."""

import uuid

import pytest

from memories.models import Memory, MemoryCollection
from memories.services import memory_collection_create, memory_create

pytestmark = pytest.mark.django_db

URL = "/api/v1/memory-collections"


def test_create_list_get_patch(user_client):
    created = user_client.post(URL, {"name": "Family", "description": "Relatives"}, format="json")
    assert created.status_code == 201
    collection_id = created.json()["id"]
    user_client.post(URL, {"name": "art"}, format="json")
    assert [c["name"] for c in user_client.get(URL).json()] == ["art", "Family"]
    assert user_client.get(f"{URL}/{collection_id}").json()["description"] == "Relatives"
    patched = user_client.patch(f"{URL}/{collection_id}", {"name": "Kin"}, format="json")
    assert patched.json()["name"] == "Kin"
    assert MemoryCollection.objects.get(pk=collection_id).name == "Kin"


def test_names_clash_ignoring_case_per_user(user_client, other_client):
    user_client.post(URL, {"name": "Family"}, format="json")
    clash = user_client.post(URL, {"name": "FAMILY"}, format="json")
    assert clash.status_code == 409
    assert clash.json()["code"] == "duplicate_collection"
    assert other_client.post(URL, {"name": "family"}, format="json").status_code == 201
    work = user_client.post(URL, {"name": "Work"}, format="json").json()
    assert (
        user_client.patch(f"{URL}/{work['id']}", {"name": "family"}, format="json").status_code
        == 409
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [({"name": ""}, "name"), ({"name": "x" * 201}, "name"), ({"name": 7}, "name"),
     ({}, "name"), ({"name": "ok", "description": 3}, "description")],
)  # fmt: skip
def test_bad_input_is_a_400_naming_the_field(user_client, body, field):
    response = user_client.post(URL, body, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_deleting_a_collection_keeps_its_memories(user_client, user):
    pets = memory_collection_create(user=user, name="Pets")
    memory = memory_create(user=user, content="Has a cat", collection=pets)
    assert user_client.delete(f"{URL}/{pets.id}").status_code == 204
    memory.refresh_from_db()
    assert memory.collection_id is None
    assert user_client.get(f"{URL}/{pets.id}").status_code == 404


def test_another_users_collection_is_a_404_on_every_verb(user_client, other_user):
    theirs = memory_collection_create(user=other_user, name="Secrets")
    memory_create(user=other_user, content="secret", collection=theirs)
    url = f"{URL}/{theirs.id}"
    assert user_client.get(url).status_code == 404
    assert user_client.patch(url, {"name": "mine now"}, format="json").status_code == 404
    assert user_client.delete(url).status_code == 404
    assert MemoryCollection.objects.get(pk=theirs.pk).name == "Secrets"
    assert user_client.get(URL).json() == []


@pytest.mark.parametrize("collection_id", ["nope", "1", str(uuid.uuid4())])
def test_a_malformed_or_unknown_id_is_a_404(user_client, collection_id):
    url = f"{URL}/{collection_id}"
    assert user_client.get(url).status_code == 404
    assert user_client.patch(url, {"name": "x"}, format="json").status_code == 404
    assert user_client.delete(url).status_code == 404


def test_two_users_with_identical_collections_see_only_their_own(user_client, other_client):
    mine = user_client.post(URL, {"name": "Trips"}, format="json").json()
    theirs = other_client.post(URL, {"name": "Trips"}, format="json").json()
    assert [c["id"] for c in user_client.get(URL).json()] == [mine["id"]]
    assert [c["id"] for c in other_client.get(URL).json()] == [theirs["id"]]
    assert Memory.objects.count() == 0
