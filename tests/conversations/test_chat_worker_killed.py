"""A worker SIGKILLed in the middle of a reply, with a real worker process streaming from the
fake OpenAI server: the reply does not stay `streaming`, the sweep hands it to the next worker,
which says it all again, and there is still one reply for the message."""

import pytest

from conversations.models import Message
from conversations.tasks import replies_sweep
from tests.support.chat import send
from tests.support.fake_openai import FakeOpenAI
from tests.support.ingestion import JOB_TIMEOUT, started_workers
from tests.support.processes import wait_for

pytestmark = pytest.mark.slow

CONVERSATIONS = "/api/v1/conversations"
STORY = " ".join(f"word{i}" for i in range(60))
STALE_SECONDS = 2


@pytest.fixture(scope="module")
def fake():
    # A word every 50 ms: a reply streams for about three seconds, long enough to be killed.
    with FakeOpenAI(lambda request: STORY, chunk_delay=0.05) as fake:
        yield fake


@pytest.fixture(scope="module")
def workers(fake, django_db_setup, django_db_blocker):
    env = {"LLM_PROVIDER": "openai", "OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": fake.base_url,
           "CHAT_STALE_SECONDS": str(STALE_SECONDS), "CHAT_PROGRESS_SECONDS": "0.05"}  # fmt: skip
    with started_workers(django_db_blocker, **env) as workers:
        yield workers


def _half_said(reply_id: str) -> Message | None:
    reply = Message.objects.get(pk=reply_id)
    return reply if reply.status == "streaming" and reply.content else None


def _finished(reply_id: str) -> Message | None:
    reply = Message.objects.get(pk=reply_id)
    return reply if reply.status in ("completed", "failed", "cancelled") else None


def test_a_reply_whose_worker_is_killed_mid_stream_is_finished_by_the_next(
    client_for, user, worker, fake, settings
):
    client = client_for(user)
    conversation = client.post(CONVERSATIONS, {}, format="json").json()
    sent = send(client, conversation["id"], "Tell me a story")
    reply_id = sent["reply"]["id"]
    wait_for(lambda: _half_said(reply_id), timeout=JOB_TIMEOUT, interval=0.02)

    worker.kill()
    left = Message.objects.get(pk=reply_id)
    assert left.status == "streaming"
    assert 0 < len(left.content) < len(STORY)
    assert replies_sweep() == 0  # its heartbeat is still fresh: the run might be alive

    worker.running()
    settings.CHAT_STALE_SECONDS = STALE_SECONDS
    assert wait_for(replies_sweep, timeout=JOB_TIMEOUT, interval=0.2) == 1
    reply = wait_for(lambda: _finished(reply_id), timeout=JOB_TIMEOUT, interval=0.05)
    assert (reply.status, reply.content, reply.attempts) == ("completed", STORY, 2)
    assert Message.objects.filter(conversation_id=conversation["id"]).count() == 2
    assert replies_sweep() == 0
