"""Replies go before memory work: with a real worker busy on a backlog of ingestion jobs, a
reply sent after them is taken by the next free worker process, not after the backlog."""

import time

import pytest

from conversations.models import Message
from memories.models import IngestionJob
from memories.services import ingestion_job_create
from tests.support.chat import send
from tests.support.fake_openai import FakeOpenAI, local_model, schema_name
from tests.support.ingestion import JOB_TIMEOUT, started_workers
from tests.support.processes import wait_for

pytestmark = pytest.mark.slow

BACKLOG = 12
ANSWER = "Hello! How was your day?"


def _slow_memory_model(request: dict) -> str:
    if schema_name(request):  # the ingestion pipeline's calls
        time.sleep(0.4)
        return local_model(request)
    return ANSWER


@pytest.fixture(scope="module")
def fake():
    with FakeOpenAI(_slow_memory_model) as fake:
        yield fake


@pytest.fixture(scope="module")
def workers(fake, django_db_setup, django_db_blocker):
    env = {"LLM_PROVIDER": "openai", "OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": fake.base_url}
    with started_workers(django_db_blocker, **env) as workers:
        yield workers


def _completed(reply_id: str) -> Message | None:
    reply = Message.objects.get(pk=reply_id)
    return reply if reply.status == "completed" else None


def test_a_reply_is_not_held_up_by_queued_ingestion_jobs(client_for, user, worker):
    for number in range(BACKLOG):
        said = f"My name is Ana and I live in Porto. I have {number + 2} cats."
        ingestion_job_create(user=user, messages=[{"role": "user", "content": said}])
    client = client_for(user)
    conversation = client.post("/api/v1/conversations", {}, format="json").json()

    reply = send(client, conversation["id"], "Hi there")["reply"]

    assert wait_for(lambda: _completed(reply["id"]), timeout=JOB_TIMEOUT, interval=0.05)
    waiting = IngestionJob.objects.filter(user=user, status=IngestionJob.Status.QUEUED).count()
    assert waiting >= BACKLOG // 2  # first in first out, none would still be waiting
