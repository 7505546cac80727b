"""GET /users/me/export: everything stored about the caller, and nothing about anyone else."""

import pytest

from memories.models import IngestionJob
from memories.services import memory_collection_create, memory_create, memory_delete, memory_update

pytestmark = pytest.mark.django_db

URL = "/api/v1/users/me/export"


def test_export_holds_profile_preferences_collections_and_memories_with_history(
    api_client, user, other_user
):
    user.preferences.settings = {"theme": "dark"}
    user.preferences.save()
    pets = memory_collection_create(user=user, name="Pets")
    cat = memory_create(user=user, content="Has a cat named Miso", collection=pets)
    memory_update(memory=cat, actor="user", content="Has a cat named Mochi")
    gone = memory_create(user=user, content="Lives in Rome")
    memory_delete(memory=gone, actor="user")
    memory_create(user=other_user, content="Has a cat named Miso")
    memory_collection_create(user=other_user, name="Pets")
    said = [{"role": "user", "content": "I have a cat named Miso"}]
    job = IngestionJob.objects.create(user=user, messages=said)
    IngestionJob.objects.create(user=other_user, messages=said)

    api_client.force_authenticate(user)
    export = api_client.get(URL).json()

    assert export["profile"]["email"] == user.email
    assert export["profile"]["preferences"]["settings"] == {"theme": "dark"}
    assert [c["id"] for c in export["collections"]] == [str(pets.id)]
    (memory,) = export["memories"]
    assert (memory["id"], memory["content"], memory["collection"]) == (
        str(cat.id), "Has a cat named Mochi", str(pets.id))  # fmt: skip
    assert [(h["event"], h["old_content"], h["new_content"]) for h in memory["history"]] == [
        ("add", None, "Has a cat named Miso"),
        ("update", "Has a cat named Miso", "Has a cat named Mochi"),
    ]
    assert [(h["memory_id"], h["event"]) for h in export["deleted_memories_history"]] == [
        (str(gone.id), "add"), (str(gone.id), "delete")]  # fmt: skip
    assert [(j["id"], j["messages"]) for j in export["ingestion_jobs"]] == [(str(job.id), said)]


def test_export_needs_a_signed_in_user(api_client):
    assert api_client.get(URL).status_code == 401
