import pytest
from django.db import connection

from accounts.models import DeletedClerkUser, User, UserPreferences
from accounts.services import UserTombstoned, user_get_or_create_by_clerk_id
from memories.models import (
    EMBEDDING_DIMENSIONS,
    IngestionJob,
    Memory,
    MemoryCollection,
    MemoryEvent,
)
from tests.support.factories import UserFactory
from tests.support.webhooks import (
    clerk_event,
    clerk_user,
    deleted_event,
    deliver,
    new_svix_id,
)
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db


def test_user_created_mirrors_the_profile_with_the_primary_email_picked_by_id(api_client):
    response = deliver(api_client, clerk_event("user.created", clerk_user("user_ada")))

    assert response.status_code == 200
    assert response.json()["status"] == "processed"
    assert response.json()["duplicate"] is False
    user = User.objects.get(clerk_user_id="user_ada")
    assert user.email == "ada@example.com"
    assert (user.username, user.first_name, user.last_name) == ("ada", "Ada", "Lovelace")
    assert user.image_url == "https://img.clerk.com/ada.png"
    assert (user.clerk_created_at, user.clerk_updated_at) == (1_690_000_000_000, 1_700_000_000_000)
    event = WebhookEvent.objects.get()
    assert (event.type, event.status, event.error) == ("user.created", "processed", "")
    assert event.payload["data"]["id"] == "user_ada"
    assert event.processed_at is not None


def test_a_repeated_delivery_is_a_200_with_no_second_effect(api_client):
    svix_id = new_svix_id()
    event = clerk_event("user.created", clerk_user("user_ada"))
    assert deliver(api_client, event, svix_id=svix_id).status_code == 200
    User.objects.filter(clerk_user_id="user_ada").update(first_name="Changed here")

    response = deliver(api_client, event, svix_id=svix_id)

    assert response.status_code == 200
    assert response.json() == {
        "svix_id": svix_id,
        "type": "user.created",
        "status": "processed",
        "duplicate": True,
    }
    assert User.objects.get(clerk_user_id="user_ada").first_name == "Changed here"
    assert WebhookEvent.objects.count() == 1


def test_an_older_update_arriving_after_a_newer_one_changes_nothing(api_client):
    newer = clerk_user("user_ada", updated_at=2_000, first_name="Newer")
    older = clerk_user("user_ada", updated_at=1_000, first_name="Older", email="older@example.com")
    deliver(api_client, clerk_event("user.updated", newer))

    response = deliver(api_client, clerk_event("user.updated", older))

    assert response.status_code == 200
    assert response.json()["status"] == "ignored"
    user = User.objects.get(clerk_user_id="user_ada")
    assert (user.first_name, user.email, user.clerk_updated_at) == (
        "Newer",
        "ada@example.com",
        2_000,
    )
    stale = WebhookEvent.objects.get(svix_id=response.json()["svix_id"])
    assert "older" in stale.error


def test_an_update_as_recent_as_the_stored_profile_applies(api_client):
    deliver(api_client, clerk_event("user.created", clerk_user("user_ada", updated_at=5)))

    response = deliver(
        api_client, clerk_event("user.updated", clerk_user("user_ada", updated_at=5, last_name="B"))
    )

    assert response.json()["status"] == "processed"
    assert User.objects.get(clerk_user_id="user_ada").last_name == "B"


def test_a_new_user_whose_username_another_account_holds_is_created_without_it(api_client):
    UserFactory(username="ada")

    response = deliver(api_client, clerk_event("user.created", clerk_user("user_ada")))

    assert response.json()["status"] == "processed"
    user = User.objects.get(clerk_user_id="user_ada")
    assert (user.username, user.email) == (None, "ada@example.com")


def test_unbranded_webhook_headers_are_accepted(api_client):
    response = deliver(
        api_client, clerk_event("user.created", clerk_user("user_ada")), prefix="webhook"
    )

    assert response.status_code == 200
    assert response.json()["status"] == "processed"
    assert User.objects.filter(clerk_user_id="user_ada").exists()


def test_an_unknown_event_type_is_recorded_as_ignored_and_answered_200(api_client):
    event = clerk_event("session.created", {"id": "sess_1", "user_id": "user_ada"})

    response = deliver(api_client, event)

    assert response.status_code == 200
    assert response.json()["status"] == "ignored"
    recorded = WebhookEvent.objects.get()
    assert (recorded.type, recorded.status) == ("session.created", "ignored")
    assert not User.objects.exists()


def _give_data(user: User) -> None:
    collection = MemoryCollection.objects.create(user=user, name="Trips")
    job = IngestionJob.objects.create(user=user, messages=[{"role": "user", "content": "hi"}])
    memory = Memory.objects.create(
        user=user,
        collection=collection,
        content=f"{user.clerk_user_id} likes tea",
        content_hash=f"hash-{user.clerk_user_id}",
        embedding=[0.1] * EMBEDDING_DIMENSIONS,
        embedding_model="local",
    )
    MemoryEvent.objects.create(
        memory_id=memory.id, user=user, event="add", new_content=memory.content,
        actor="pipeline", job=job,
    )  # fmt: skip


def _rows_of(user_id: int) -> dict[str, int]:
    return {
        "preferences": UserPreferences.objects.filter(user_id=user_id).count(),
        "collections": MemoryCollection.objects.filter(user_id=user_id).count(),
        "memories": Memory.objects.filter(user_id=user_id).count(),
        "history": MemoryEvent.objects.filter(user_id=user_id).count(),
        "jobs": IngestionJob.objects.filter(user_id=user_id).count(),
    }


def test_deletion_erases_the_users_data_and_nobody_elses(api_client):
    doomed, other = UserFactory(clerk_user_id="user_doomed"), UserFactory()
    _give_data(doomed)
    _give_data(other)

    response = deliver(api_client, deleted_event("user_doomed"))

    assert response.status_code == 200
    assert response.json()["status"] == "processed"
    assert not User.objects.filter(clerk_user_id="user_doomed").exists()
    assert set(_rows_of(doomed.pk).values()) == {0}
    assert set(_rows_of(other.pk).values()) == {1}
    assert DeletedClerkUser.objects.filter(clerk_user_id="user_doomed").exists()


@pytest.mark.parametrize("event_type", ["user.created", "user.updated"])
def test_a_deleted_user_cannot_come_back(api_client, event_type):
    UserFactory(clerk_user_id="user_gone")
    deliver(api_client, deleted_event("user_gone"))

    late = clerk_user("user_gone", updated_at=9_999_999_999_999)
    response = deliver(api_client, clerk_event(event_type, late))

    assert response.status_code == 200
    assert response.json()["status"] == "ignored"
    assert "deleted" in WebhookEvent.objects.get(svix_id=response.json()["svix_id"]).error
    assert not User.objects.filter(clerk_user_id="user_gone").exists()
    with pytest.raises(UserTombstoned):
        user_get_or_create_by_clerk_id(clerk_user_id="user_gone")


def test_deleting_a_user_never_seen_leaves_a_tombstone(api_client):
    response = deliver(api_client, deleted_event("user_never_seen"))

    assert response.json()["status"] == "processed"
    assert DeletedClerkUser.objects.filter(clerk_user_id="user_never_seen").exists()


@pytest.fixture
def failing_user_writes():
    """A real database refusal while the event is applied (no mock of any of our code)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE accounts_user ADD CONSTRAINT test_refuse_boom CHECK (first_name <> 'Boom')"
        )
    yield
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE accounts_user DROP CONSTRAINT IF EXISTS test_refuse_boom")


def test_a_failure_while_applying_is_a_500_that_commits_nothing_and_the_retry_applies_once(
    api_client, failing_user_writes
):
    svix_id = new_svix_id()
    event = clerk_event("user.created", clerk_user("user_boom", first_name="Boom"))

    failed = deliver(api_client, event, svix_id=svix_id)

    assert failed.status_code == 500
    assert failed.json()["code"] == "server_error"
    assert not User.objects.filter(clerk_user_id="user_boom").exists()
    recorded = WebhookEvent.objects.get(svix_id=svix_id)
    assert recorded.status == "failed"
    assert "IntegrityError" in recorded.error

    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE accounts_user DROP CONSTRAINT test_refuse_boom")
    retried = deliver(api_client, event, svix_id=svix_id)
    again = deliver(api_client, event, svix_id=svix_id)

    assert retried.status_code == 200
    assert retried.json()["duplicate"] is False
    assert again.json()["duplicate"] is True
    assert User.objects.get(clerk_user_id="user_boom").first_name == "Boom"
    recorded.refresh_from_db()
    assert (recorded.status, recorded.error) == ("processed", "")
