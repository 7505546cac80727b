"""End to end with a real Celery worker process: the companion replies, remembers what it heard,
and a reply sent while Redis is down arrives once it is back."""

import time

import pytest

from conversations.models import Message
from conversations.tasks import replies_sweep
from memories.models import IngestionJob
from tests.support.chat import send
from tests.support.ingestion import JOB_TIMEOUT, contents
from tests.support.processes import wait_for

pytestmark = pytest.mark.slow

CONVERSATIONS = "/api/v1/conversations"


def _finished(client, reply: dict) -> dict:
    url = f"{CONVERSATIONS}/{reply['conversation']}/messages/{reply['id']}"

    def poll() -> dict | None:
        body = client.get(url).json()
        return body if body["status"] in ("completed", "failed", "cancelled") else None

    return wait_for(poll, timeout=JOB_TIMEOUT, interval=0.05)


def _job_done(job_id) -> bool:
    return IngestionJob.objects.get(pk=job_id).status == "succeeded"


def test_the_companion_remembers_what_it_heard_in_chat(client_for, user, worker):
    client = client_for(user)
    first = client.post(CONVERSATIONS, {}, format="json").json()
    said = "My name is Ana. I live in Porto and I have a dog named Bolt."
    sent = send(client, first["id"], said, client_message_id="m-1")
    reply = _finished(client, sent["reply"])
    assert reply["status"] == "completed"
    message = Message.objects.get(pk=sent["message"]["id"])
    wait_for(lambda: _job_done(message.ingestion_job_id), timeout=JOB_TIMEOUT)
    assert contents(user) == [
        "User has a dog named Bolt",
        "User lives in Porto",
        "User's name is Ana",
    ]

    second = client.post(CONVERSATIONS, {}, format="json").json()
    answer = _finished(
        client, send(client, second["id"], "What do you remember about me?")["reply"]
    )
    assert answer["content"] == (
        "I remember your name is Ana, you live in Porto and have a dog named Bolt."
    )
    assert len(answer["recalled_memory_ids"]) == 3


def test_with_redis_down_the_message_is_accepted_and_answered_once_it_returns(
    client_for, user, worker, redis_control, settings
):
    client = client_for(user)
    conversation = client.post(CONVERSATIONS, {}, format="json").json()
    redis_control.stop()
    started = time.monotonic()
    sent = send(client, conversation["id"], "Hello, are you there?")
    assert time.monotonic() - started < 3.0
    assert sent["reply"]["status"] == "pending"
    assert Message.objects.get(pk=sent["reply"]["id"]).enqueued_at is None

    redis_control.start()
    settings.CHAT_UNSENT_GRACE_SECONDS = 0
    assert replies_sweep() == 1
    assert _finished(client, sent["reply"])["status"] == "completed"
    assert replies_sweep() == 0
