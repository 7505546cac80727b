"""The reply through langchain-openai against the local fake OpenAI server, streamed as SSE."""

import threading

import pytest
from django.db import connection

from conversations.models import Message
from conversations.pipelines.runner import reply_generate
from conversations.services import conversation_create, message_send, reply_cancel
from memories.services import memory_create
from tests.support.fake_openai import FakeOpenAI
from tests.support.processes import wait_for

pytestmark = pytest.mark.django_db(transaction=True)

STORY = " ".join(f"word{i}" for i in range(100))


@pytest.fixture
def openai_settings(settings):
    def use(fake: FakeOpenAI) -> None:
        settings.LLM_PROVIDER = "openai"
        settings.OPENAI_API_KEY = "sk-test"
        settings.OPENAI_BASE_URL = fake.base_url
        settings.CHAT_MODEL = "gpt-4o-mini"
        settings.CHAT_SYSTEM_PROMPT = "You are Companion."

    return use


def _reply(user, content="Where do I live?") -> Message:
    _, reply, _ = message_send(conversation=conversation_create(user=user), content=content)
    return reply


def _generate_in_thread(message_id) -> None:
    try:
        reply_generate(message_id=message_id)
    finally:
        connection.close()


def test_the_reply_streams_from_the_model_with_its_usage(user, openai_settings):
    memory_create(user=user, content="User lives in Porto", tier="core")
    with FakeOpenAI(lambda request: "You live in Porto, by the river.") as fake:
        openai_settings(fake)
        reply = _reply(user)
        reply_generate(message_id=reply.pk)
    reply.refresh_from_db()
    assert (reply.status, reply.content) == ("completed", "You live in Porto, by the river.")
    assert reply.model == "gpt-4o-mini"
    assert reply.usage == {"input_tokens": 12, "output_tokens": 7, "total_tokens": 19}
    (request,) = fake.requests
    assert request["stream"] is True
    assert request["messages"][0]["role"] == "system"
    assert request["messages"][0]["content"] == (
        "You are Companion.\n\nWhat you remember about the user:\n- User lives in Porto"
    )
    assert request["messages"][1:] == [{"role": "user", "content": "Where do I live?"}]
    assert fake.streams_finished == 1


def test_a_cancel_stops_the_model_call_between_chunks(user, openai_settings, settings):
    settings.CHAT_PROGRESS_SECONDS = 0
    with FakeOpenAI(lambda request: STORY, chunk_delay=0.02) as fake:
        openai_settings(fake)
        reply = _reply(user, "Tell me a long story")
        run = threading.Thread(target=_generate_in_thread, args=[reply.pk])
        run.start()
        wait_for(
            lambda: len(Message.objects.get(pk=reply.pk).content) > 20, timeout=10, interval=0.01
        )
        reply_cancel(reply=reply)
        run.join(10)
        wait_for(lambda: fake.streams_abandoned == 1, timeout=5)
    reply.refresh_from_db()
    assert reply.status == "cancelled"
    assert STORY.startswith(reply.content)
    assert 20 < len(reply.content) < len(STORY)
    assert fake.streams_finished == 0
    assert Message.objects.get(pk=reply.reply_to_id).ingestion_job_id is None


@pytest.mark.parametrize(
    ("status", "error"), [(500, "unavailable"), (429, "unavailable"), (400, "refused")]
)
def test_a_model_error_fails_the_reply(user, openai_settings, status, error):
    answer = (status, {"error": {"message": "nope", "type": "server_error"}})
    with FakeOpenAI(lambda request: answer) as fake:
        openai_settings(fake)
        reply = _reply(user)
        reply_generate(message_id=reply.pk)
    reply.refresh_from_db()
    assert reply.status == "failed"
    assert error in reply.error
    assert Message.objects.get(pk=reply.reply_to_id).ingestion_job_id is None
