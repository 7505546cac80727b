"""The memories admin: fast list (fixed query count, no full COUNT), filters, search, actions."""

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core import admin as core_admin
from memories.embeddings import embed_text, embedding_model_name
from memories.models import Memory, MemoryCollection, MemoryEvent
from memories.services import memory_collection_create, memory_create
from tests.support.factories import UserFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("admin:memories_memory_changelist")


@pytest.fixture
def staff_client(client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    return client


def _memories(count, **kwargs):
    for i in range(count):
        user = UserFactory()
        collection = memory_collection_create(user=user, name=f"c{i}")
        memory_create(user=user, content=f"fact {i}", collection=collection, **kwargs)


def _list_queries(client, url=LIST_URL):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return [q["sql"] for q in queries]


def test_memory_list_queries_do_not_grow_with_rows_and_never_count_the_table(staff_client):
    _memories(2)
    few = _list_queries(staff_client)
    _memories(8)
    many = _list_queries(staff_client)
    assert len(many) == len(few)
    assert not [q for q in many if "COUNT(*)" in q.upper() and "LIMIT" not in q.upper()]


def test_large_table_count_is_an_estimate_and_filtered_counts_are_bounded(monkeypatch, user):
    monkeypatch.setattr(core_admin, "COUNT_LIMIT", 3)
    for i in range(5):
        memory_create(user=user, content=f"fact {i}", tier="core" if i < 4 else "long_term")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE memories_memory")
    everything = core_admin.LargeTablePaginator(Memory.objects.all(), 100)
    assert everything.count == 5  # pg_class.reltuples after ANALYZE
    core = core_admin.LargeTablePaginator(Memory.objects.filter(tier="core"), 100)
    assert core.count == 3


def test_filters_and_search_by_content_or_owner_email(staff_client, user, other_user):
    pets = memory_collection_create(user=user, name="Pets")
    memory_create(user=user, content="Has a cat named Miso", tier="core", collection=pets)
    memory_create(user=other_user, content="Has a dog named Rex")

    def listed(query):
        return staff_client.get(f"{LIST_URL}?{query}").context["cl"].result_list

    assert [m.content for m in listed("tier__exact=core")] == ["Has a cat named Miso"]
    assert [m.content for m in listed("source__exact=api")] != []
    assert [m.content for m in listed("q=dog")] == ["Has a dog named Rex"]
    assert [m.content for m in listed(f"q={other_user.email}")] == ["Has a dog named Rex"]
    assert [m.content for m in listed(f"collection__id__exact={pets.id}")] == [
        "Has a cat named Miso"
    ]
    assert [m.content for m in listed("collection__isempty=1")] == ["Has a dog named Rex"]


def test_change_page_shows_an_embedding_summary_not_the_vector(staff_client, user):
    memory = memory_create(user=user, content="Has a cat named Miso")
    page = staff_client.get(reverse("admin:memories_memory_change", args=[memory.pk]))
    html = page.content.decode()
    assert f"1536 dimensions, model {embedding_model_name()}, norm 1.0000" in html
    assert 'name="embedding"' not in html


def test_staff_edits_and_deletes_leave_history(staff_client, user):
    memory = memory_create(user=user, content="Has a cat named Miso")
    url = reverse("admin:memories_memory_change", args=[memory.pk])
    response = staff_client.post(url, {"tier": "core", "importance": "0.9", "metadata": "{}"})
    assert response.status_code == 302
    memory.refresh_from_db()
    assert memory.tier == "core"
    delete_url = reverse("admin:memories_memory_delete", args=[memory.pk])
    staff_client.post(delete_url, {"post": "yes"})
    events = MemoryEvent.objects.filter(memory_id=memory.id)
    assert [(e.event, e.actor) for e in events] == [
        ("add", "user"), ("update", "staff"), ("delete", "staff")]  # fmt: skip


def test_staff_cannot_give_a_memory_a_number_no_read_could_render(staff_client, user):
    memory = memory_create(user=user, content="Plays chess")
    url = reverse("admin:memories_memory_change", args=[memory.pk])
    response = staff_client.post(
        url, {"tier": "long_term", "importance": "0.5", "metadata": '{"rating": 1e20}'}
    )
    assert response.status_code == 200
    assert "Numbers must be under" in response.content.decode()
    memory.refresh_from_db()
    assert memory.metadata == {}


def test_staff_cannot_file_a_memory_into_another_users_collection(staff_client, user, other_user):
    memory = memory_create(user=user, content="Has a cat named Miso")
    theirs = memory_collection_create(user=other_user, name="Theirs")
    url = reverse("admin:memories_memory_change", args=[memory.pk])
    response = staff_client.post(
        url, {"tier": "core", "importance": "0.5", "metadata": "{}", "collection": theirs.pk}
    )
    assert response.status_code == 200
    assert "another user" in response.content.decode()


def test_reembed_action(staff_client, user):
    memory = memory_create(user=user, content="Plays the cello", embedding=np.ones(1536) / 40)
    Memory.objects.filter(pk=memory.pk).update(embedding_model="old")
    staff_client.post(LIST_URL, {"action": "reembed", "_selected_action": [memory.pk]})
    memory.refresh_from_db()
    assert memory.embedding_model == embedding_model_name()
    assert np.allclose(memory.embedding, embed_text("Plays the cello"), atol=1e-6)


def test_collections_list_links_to_their_memories(staff_client, user):
    pets = memory_collection_create(user=user, name="Pets")
    memory_create(user=user, content="Has a cat", collection=pets)
    html = staff_client.get(reverse("admin:memories_memorycollection_changelist")).content.decode()
    assert f"collection__id__exact={pets.pk}" in html
    assert "1 memories" in html


def test_staff_cannot_add_a_collection_whose_name_the_user_already_has(staff_client, user):
    memory_collection_create(user=user, name="Straße")
    url = reverse("admin:memories_memorycollection_add")
    response = staff_client.post(url, {"user": user.pk, "name": "STRASSE", "description": ""})
    assert response.status_code == 200
    assert "already has a collection of this name" in response.content.decode()
    assert MemoryCollection.objects.filter(user=user).count() == 1


def test_staff_can_rename_a_collection_and_keep_its_name(staff_client, user):
    pets = memory_collection_create(user=user, name="Pets")
    url = reverse("admin:memories_memorycollection_change", args=[pets.pk])
    for name in ("Pets", "Animals"):
        response = staff_client.post(url, {"user": user.pk, "name": name, "description": ""})
        assert response.status_code == 302
    pets.refresh_from_db()
    assert (pets.name, pets.name_key) == ("Animals", "animals")
