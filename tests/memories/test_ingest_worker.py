"""Ingestion end to end with the local provider: the API, a real Celery worker process,
PostgreSQL and Redis."""

import time
import uuid

import pytest

from memories.models import IngestionJob, Memory, MemoryEvent
from memories.services import ingestion_jobs_requeue_stale
from tests.support.ingestion import contents, finished, ingest

pytestmark = pytest.mark.slow

ANA = "My name is Ana. I live in Lisbon. I love hiking and I have a dog named Bolt."
REPLY = "Nice to meet you, Ana! I love hiking too. My name is Companion and I live in the cloud."


def test_a_conversation_becomes_memories_once_and_a_move_replaces_the_home(
    client_for, user, worker
):
    client = client_for(user)
    job = ingest(client, ("user", ANA), ("assistant", REPLY))
    assert job["status"] == "queued"
    done = finished(client, job["id"])
    assert done["status"] == "succeeded"
    assert done["result"] == {"added": 4, "updated": 0, "deleted": 0, "unchanged": 0}
    assert contents(user) == [
        "User has a dog named Bolt",
        "User lives in Lisbon",
        "User loves hiking",
        "User's name is Ana",
    ]
    for memory in Memory.objects.filter(user=user):
        assert len(memory.embedding) == 1536
        assert list(
            MemoryEvent.objects.filter(memory_id=memory.id).values_list("event", "actor", "job")
        ) == [("add", "pipeline", uuid.UUID(job["id"]))]

    again = finished(client, ingest(client, ("user", ANA), ("assistant", REPLY))["id"])
    assert again["result"] == {"added": 0, "updated": 0, "deleted": 0, "unchanged": 4}
    assert len(contents(user)) == 4

    lisbon = Memory.objects.get(user=user, content="User lives in Lisbon")
    moved = finished(client, ingest(client, ("user", "I moved to Porto last month."))["id"])
    assert moved["result"] == {"added": 1, "updated": 0, "deleted": 1, "unchanged": 0}
    homes = [c for c in contents(user) if "lives in" in c]
    assert homes == ["User lives in Porto"]
    porto = Memory.objects.get(user=user, content="User lives in Porto")
    assert porto.metadata["replaces"] == [str(lisbon.id)]
    lisbon_history = client.get(f"/api/v1/memories/{lisbon.id}/history").json()
    assert [(e["event"], e["old_content"], e["new_content"]) for e in lisbon_history] == [
        ("add", None, "User lives in Lisbon"),
        ("delete", "User lives in Lisbon", None),
    ]
    porto_history = client.get(f"/api/v1/memories/{porto.id}/history").json()
    assert [(e["event"], e["new_content"], e["job"]) for e in porto_history] == [
        ("add", "User lives in Porto", moved["id"])
    ]
    assert lisbon_history[1]["job"] == porto_history[0]["job"]


def test_with_redis_down_ingest_is_accepted_and_the_job_completes_once_it_returns(
    client_for, user, worker, redis_control, settings
):
    client = client_for(user)
    redis_control.stop()
    started = time.monotonic()
    job = ingest(client, ("user", "I love tea."))
    assert time.monotonic() - started < 3.0
    assert job["status"] == "queued"
    assert IngestionJob.objects.get(pk=job["id"]).enqueued_at is None

    redis_control.start()
    settings.INGESTION_UNSENT_GRACE_SECONDS = 0
    assert ingestion_jobs_requeue_stale() == 1
    assert IngestionJob.objects.get(pk=job["id"]).enqueued_at is not None
    assert finished(client, job["id"])["status"] == "succeeded"
    assert contents(user) == ["User loves tea"]
