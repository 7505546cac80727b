"""Writes to memories: history, duplicates, events, re-embedding, collections."""

import numpy as np
import pytest

from memories import events
from memories.embeddings import embed_text, embedding_model_name
from memories.models import Memory, MemoryEvent
from memories.services import (
    MemoryCollectionNameTaken,
    MemoryDuplicate,
    MemoryInvalid,
    content_hash,
    content_normalize,
    memory_collection_create,
    memory_collection_delete,
    memory_collection_update,
    memory_create,
    memory_delete,
    memory_reembed,
    memory_update,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(monkeypatch) -> list[dict]:
    """Events as they would go to the sockets, captured at publish time."""
    sent: list[dict] = []
    monkeypatch.setattr(
        events, "_send", lambda user_id, message: sent.append({"user_id": user_id, **message})
    )
    return sent


def test_normalisation_ignores_case_and_whitespace():
    assert content_normalize("  Likes   GREEN\ttea \n") == "likes green tea"
    assert content_hash("Likes green tea") == content_hash("  likes  GREEN tea")
    assert content_hash("likes green tea") != content_hash("likes black tea")


def test_create_embeds_records_history_and_publishes(
    user, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        memory = memory_create(user=user, content="  Likes green tea ")
    memory.refresh_from_db()
    assert memory.content == "Likes green tea"
    assert np.allclose(memory.embedding, embed_text("Likes green tea"), atol=1e-6)
    assert memory.embedding_model == embedding_model_name()
    (event,) = MemoryEvent.objects.filter(memory_id=memory.id)
    assert (event.event, event.actor, event.old_content, event.new_content) == (
        "add", "user", None, "Likes green tea")  # fmt: skip
    assert published == [
        {"user_id": user.id, "type": "memory.created", "memory": published[0]["memory"]}
    ]
    assert published[0]["memory"]["id"] == str(memory.id)


def test_nothing_is_published_when_the_transaction_rolls_back(user, published):
    memory_create(user=user, content="rolled back with the test transaction")
    assert published == []


def test_duplicate_content_raises_with_the_existing_id(user):
    first = memory_create(user=user, content="Has a dog named Rex")
    with pytest.raises(MemoryDuplicate) as caught:
        memory_create(user=user, content="  has a DOG named   rex")
    assert caught.value.existing_id == first.id
    assert Memory.objects.filter(user=user).count() == 1


def test_same_content_for_two_users_is_two_memories(user, other_user):
    memory_create(user=user, content="Has a dog named Rex")
    memory_create(user=other_user, content="Has a dog named Rex")
    assert Memory.objects.count() == 2


def test_update_reembeds_changed_content_and_records_old_and_new(user, published):
    memory = memory_create(user=user, content="Lives in Paris")
    updated = memory_update(memory=memory, actor="pipeline", content="Lives in Berlin", tier="core")
    updated.refresh_from_db()
    assert updated.tier == "core"
    assert updated.content_hash == content_hash("Lives in Berlin")
    assert np.allclose(updated.embedding, embed_text("Lives in Berlin"), atol=1e-6)
    event = MemoryEvent.objects.filter(memory_id=memory.id).last()
    assert (event.event, event.actor, event.old_content, event.new_content) == (
        "update", "pipeline", "Lives in Paris", "Lives in Berlin")  # fmt: skip


def test_update_into_an_existing_content_is_a_duplicate(user):
    paris = memory_create(user=user, content="Lives in Paris")
    berlin = memory_create(user=user, content="Lives in Berlin")
    with pytest.raises(MemoryDuplicate) as caught:
        memory_update(memory=berlin, actor="user", content="lives in paris")
    assert caught.value.existing_id == paris.id


def test_update_rejects_unknown_fields(user):
    memory = memory_create(user=user, content="Lives in Paris")
    with pytest.raises(TypeError):
        memory_update(memory=memory, actor="user", user=user)


def test_delete_keeps_history(user, published, django_capture_on_commit_callbacks):
    memory = memory_create(user=user, content="Is afraid of spiders")
    with django_capture_on_commit_callbacks(execute=True):
        memory_delete(memory=memory, actor="user")
    assert not Memory.objects.filter(pk=memory.pk).exists()
    assert [e.event for e in MemoryEvent.objects.filter(memory_id=memory.id)] == ["add", "delete"]
    assert published[-1]["type"] == "memory.deleted"
    assert published[-1]["memory"]["id"] == str(memory.id)
    memory_delete(memory=memory, actor="user")
    assert MemoryEvent.objects.filter(memory_id=memory.id).count() == 2


def test_content_must_be_present_and_bounded(user):
    with pytest.raises(MemoryInvalid) as caught:
        memory_create(user=user, content="   ")
    assert caught.value.field == "content"
    with pytest.raises(MemoryInvalid):
        memory_create(user=user, content="x" * 8001)


def test_a_memory_cannot_be_filed_into_another_users_collection(user, other_user):
    theirs = memory_collection_create(user=other_user, name="Work")
    with pytest.raises(MemoryInvalid) as caught:
        memory_create(user=user, content="Works at ACME", collection=theirs)
    assert caught.value.field == "collection"
    memory = memory_create(user=user, content="Works at ACME")
    with pytest.raises(MemoryInvalid):
        memory_update(memory=memory, actor="user", collection=theirs)


def test_reembed_rewrites_vectors_with_the_current_model(user):
    memory = memory_create(user=user, content="Plays the cello", embedding=np.ones(1536) / 40)
    Memory.objects.filter(pk=memory.pk).update(embedding_model="old-model")
    assert memory_reembed(memories=list(Memory.objects.filter(user=user))) == 1
    memory.refresh_from_db()
    assert memory.embedding_model == embedding_model_name()
    assert np.allclose(memory.embedding, embed_text("Plays the cello"), atol=1e-6)


def test_collection_names_are_unique_per_user_ignoring_case(user, other_user):
    memory_collection_create(user=user, name="Family")
    with pytest.raises(MemoryCollectionNameTaken):
        memory_collection_create(user=user, name=" FAMILY ")
    memory_collection_create(user=other_user, name="family")
    work = memory_collection_create(user=user, name="Work")
    with pytest.raises(MemoryCollectionNameTaken):
        memory_collection_update(collection=work, name="family")
    assert memory_collection_update(collection=work, name="WORK").name == "WORK"


def test_deleting_a_collection_keeps_its_memories(user):
    family = memory_collection_create(user=user, name="Family")
    memory = memory_create(user=user, content="Sister is Anna", collection=family)
    memory_collection_delete(collection=family)
    memory.refresh_from_db()
    assert memory.collection_id is None
