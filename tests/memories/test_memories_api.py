"""The memories API: CRUD, history, pagination, filters, validation and two-user isolation."""

import datetime
import uuid

import pytest
from django.utils import timezone

from memories.models import Memory, MemoryEvent
from memories.services import memory_collection_create, memory_create

pytestmark = pytest.mark.django_db

URL = "/api/v1/memories"


def create(user_client, **body):
    return user_client.post(URL, {"content": "Has a cat named Miso", **body}, format="json")


def test_anonymous_requests_are_refused(api_client):
    assert api_client.get(URL).status_code == 401


def test_create_returns_the_memory(user_client, user):
    response = create(user_client, tier="core", importance=0.9, metadata={"source": "chat"})
    assert response.status_code == 201
    body = response.json()
    assert body["content"] == "Has a cat named Miso"
    assert (body["tier"], body["importance"], body["metadata"]) == ("core", 0.9, {"source": "chat"})
    assert body["source"] == "api"
    memory = Memory.objects.get(pk=body["id"], user=user)
    assert MemoryEvent.objects.get(memory_id=memory.id).actor == "user"


def test_defaults(user_client):
    body = create(user_client).json()
    assert (body["tier"], body["importance"], body["collection"], body["metadata"]) == (
        "long_term", 0.5, None, {})  # fmt: skip


def test_duplicate_content_is_a_conflict_carrying_the_existing_id(user_client):
    first = create(user_client).json()
    response = create(user_client, content="  has a CAT   named miso ")
    assert response.status_code == 409
    assert response.json()["existing_id"] == first["id"]
    assert response.json()["code"] == "duplicate_memory"


def test_same_content_for_another_user_is_not_a_conflict(user_client, other_client):
    assert create(user_client).status_code == 201
    assert create(other_client).status_code == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"content": ""}, "content"),
        ({"content": "   "}, "content"),
        ({"content": "x" * 8001}, "content"),
        ({"content": 42}, "content"),
        ({"tier": "forever"}, "tier"),
        ({"importance": 1.5}, "importance"),
        ({"importance": -0.1}, "importance"),
        ({"importance": "NaN"}, "importance"),
        ({"importance": True}, "importance"),
        ({"metadata": ["not", "an", "object"]}, "metadata"),
        ({"metadata": "text"}, "metadata"),
        ({"metadata": {"blob": "x" * 17000}}, "metadata"),
        ({"collection": "not-a-uuid"}, "collection"),
        ({"collection": str(uuid.uuid4())}, "collection"),
        ({"expires_at": "tomorrow"}, "expires_at"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(user_client, body, field):
    response = user_client.post(URL, {"content": "Valid content", **body}, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_missing_content_is_a_400(user_client):
    response = user_client.post(URL, {}, format="json")
    assert response.status_code == 400
    assert "content" in response.json()["errors"]


def test_a_body_that_is_not_an_object_is_a_400(user_client):
    assert user_client.post(URL, ["content"], format="json").status_code == 400
    assert user_client.post(URL, "{not json", content_type="application/json").status_code == 400


def test_a_memory_cannot_be_filed_into_another_users_collection(user_client, other_user):
    theirs = memory_collection_create(user=other_user, name="Theirs")
    response = create(user_client, collection=str(theirs.id))
    assert response.status_code == 400
    assert "collection" in response.json()["errors"]


def test_filed_into_own_collection(user_client, user):
    mine = memory_collection_create(user=user, name="Pets")
    assert create(user_client, collection=str(mine.id)).json()["collection"] == str(mine.id)


def test_get_patch_delete(user_client, user):
    memory_id = create(user_client).json()["id"]
    assert user_client.get(f"{URL}/{memory_id}").json()["content"] == "Has a cat named Miso"
    patched = user_client.patch(
        f"{URL}/{memory_id}", {"content": "Has a cat named Mochi"}, format="json"
    )
    assert patched.status_code == 200
    assert patched.json()["content"] == "Has a cat named Mochi"
    assert (
        user_client.patch(f"{URL}/{memory_id}", {"tier": "core"}, format="json").json()["tier"]
        == "core"
    )
    assert user_client.delete(f"{URL}/{memory_id}").status_code == 204
    assert user_client.get(f"{URL}/{memory_id}").status_code == 404
    events = MemoryEvent.objects.filter(memory_id=memory_id)
    assert [(e.event, e.actor) for e in events] == [
        ("add", "user"), ("update", "user"), ("update", "user"), ("delete", "user")]  # fmt: skip


def test_patch_to_existing_content_is_a_conflict(user_client):
    first = create(user_client).json()
    second = create(user_client, content="Has a dog named Rex").json()
    response = user_client.patch(
        f"{URL}/{second['id']}", {"content": "HAS A CAT NAMED MISO"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["existing_id"] == first["id"]


def test_patch_validates_like_create(user_client):
    memory_id = create(user_client).json()["id"]
    for body, field in [({"content": ""}, "content"), ({"importance": 2}, "importance"),
                        ({"tier": "x"}, "tier"), ({"metadata": []}, "metadata")]:  # fmt: skip
        response = user_client.patch(f"{URL}/{memory_id}", body, format="json")
        assert response.status_code == 400
        assert field in response.json()["errors"]


def test_put_is_not_allowed(user_client):
    memory_id = create(user_client).json()["id"]
    assert user_client.put(f"{URL}/{memory_id}", {"content": "x"}, format="json").status_code == 405


def test_history_is_oldest_first_with_old_and_new_content(user_client):
    memory_id = create(user_client).json()["id"]
    user_client.patch(f"{URL}/{memory_id}", {"content": "Has a cat named Mochi"}, format="json")
    history = user_client.get(f"{URL}/{memory_id}/history").json()
    assert [(h["event"], h["old_content"], h["new_content"]) for h in history] == [
        ("add", None, "Has a cat named Miso"),
        ("update", "Has a cat named Miso", "Has a cat named Mochi"),
    ]


def test_history_outlives_the_memory(user_client):
    memory_id = create(user_client).json()["id"]
    user_client.delete(f"{URL}/{memory_id}")
    assert [h["event"] for h in user_client.get(f"{URL}/{memory_id}/history").json()] == [
        "add",
        "delete",
    ]


@pytest.mark.parametrize("memory_id", ["not-a-uuid", "123", "0" * 40, "a.b"])
def test_a_malformed_id_is_a_404_on_every_verb(user_client, memory_id):
    url = f"{URL}/{memory_id}"
    assert user_client.get(url).status_code == 404
    assert user_client.patch(url, {"tier": "core"}, format="json").status_code == 404
    assert user_client.delete(url).status_code == 404
    assert user_client.get(f"{url}/history").status_code == 404


def test_another_users_memory_is_a_404_on_every_verb(user_client, other_client, user):
    mine = create(user_client).json()
    theirs = create(other_client).json()
    url = f"{URL}/{theirs['id']}"
    assert user_client.get(url).status_code == 404
    assert user_client.patch(url, {"content": "hijacked"}, format="json").status_code == 404
    assert user_client.delete(url).status_code == 404
    assert user_client.get(f"{url}/history").status_code == 404
    assert Memory.objects.get(pk=theirs["id"]).content == "Has a cat named Miso"
    assert other_client.get(url).status_code == 200
    assert [m["id"] for m in user_client.get(URL).json()["results"]] == [mine["id"]]


def test_another_users_deleted_memory_history_is_a_404(user_client, other_client):
    theirs = create(other_client).json()
    other_client.delete(f"{URL}/{theirs['id']}")
    assert user_client.get(f"{URL}/{theirs['id']}/history").status_code == 404


# --- list -----------------------------------------------------------------------


def _memories(user, count, **kwargs):
    return [memory_create(user=user, content=f"fact number {i}", **kwargs) for i in range(count)]


def test_list_is_newest_first_with_cursor_pages(user_client, user):
    created = _memories(user, 7)
    seen, url = [], f"{URL}?page_size=3"
    while url:
        page = user_client.get(url).json()
        assert len(page["results"]) <= 3
        seen += [m["id"] for m in page["results"]]
        url = page["next"]
    assert seen == [str(m.id) for m in reversed(created)]


@pytest.mark.parametrize("query", ["page_size=0", "page_size=201", "page_size=abc",
                                   "tier=forever", "collection=nope", "created_after=yesterday",
                                   "cursor=garbage"])  # fmt: skip
def test_bad_list_parameters_are_a_400_naming_the_field(user_client, query):
    response = user_client.get(f"{URL}?{query}")
    assert response.status_code == 400
    assert query.split("=")[0] in response.json()["errors"]


def test_page_size_up_to_200(user_client, user):
    Memory.objects.bulk_create(
        Memory(user=user, content=f"m{i}", content_hash=f"h{i}", embedding=[1.0] * 1536,
               embedding_model="x")
        for i in range(205)
    )  # fmt: skip
    assert len(user_client.get(f"{URL}?page_size=200").json()["results"]) == 200
    assert len(user_client.get(URL).json()["results"]) == 50


def test_list_filters(user_client, user):
    pets = memory_collection_create(user=user, name="Pets")
    core = memory_create(user=user, content="Name is Sam", tier="core")
    cat = memory_create(user=user, content="Has a cat", collection=pets)
    old = memory_create(user=user, content="Lived in Rome")
    Memory.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=30))

    def ids(query):
        return {m["id"] for m in user_client.get(f"{URL}?{query}").json()["results"]}

    assert ids("tier=core") == {str(core.id)}
    assert ids(f"collection={pets.id}") == {str(cat.id)}
    week_ago = (timezone.now() - datetime.timedelta(days=7)).isoformat().replace("+00:00", "Z")
    assert ids(f"created_before={week_ago}") == {str(old.id)}
    assert ids(f"created_after={week_ago}") == {str(core.id), str(cat.id)}


def test_list_filter_by_another_users_collection_is_a_400(user_client, other_user):
    theirs = memory_collection_create(user=other_user, name="Theirs")
    memory_create(user=other_user, content="secret", collection=theirs)
    assert user_client.get(f"{URL}?collection={theirs.id}").status_code == 400


def test_list_never_returns_another_users_memories(user_client, other_client, user, other_user):
    memory_create(user=user, content="Same words")
    memory_create(user=other_user, content="Same words")
    mine = user_client.get(URL).json()["results"]
    assert len(mine) == 1
    assert Memory.objects.get(pk=mine[0]["id"]).user == user
