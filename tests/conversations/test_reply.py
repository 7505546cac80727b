"""The reply with the local model: recall, prompt, deltas on the owner's socket only, the stored
reply, and its exchange queued for ingestion."""

import pytest
from channels.db import database_sync_to_async as sync_to_async
from channels.testing.websocket import WebsocketCommunicator
from langgraph.runtime import Runtime

from config.asgi import application
from conversations.llm import get_chat_model
from conversations.models import Message
from conversations.pipelines import nodes
from conversations.pipelines.runner import reply_generate
from conversations.pipelines.state import ReplyContext
from conversations.services import conversation_create, message_send
from memories.models import IngestionJob
from memories.services import memory_create
from tests.support.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = (b"origin", b"http://localhost:5173")
PORTO_AND_BOLT = "I remember you live in Porto and have a dog named Bolt."


@pytest.fixture(autouse=True)
def _spa_origin(settings):
    settings.ALLOWED_HOSTS = ["testserver", "localhost"]
    settings.CORS_ALLOWED_ORIGINS = ["http://localhost:5173"]


def _remembering(user):
    memory_create(user=user, content="User lives in Porto", tier="core", importance=0.8)
    memory_create(user=user, content="User has a dog named Bolt", tier="long_term")


def _ask(user, content="What do you remember about me?"):
    conversation = conversation_create(user=user)
    _, reply, _ = message_send(conversation=conversation, content=content)
    return reply


async def _socket(make_token, user):
    token = make_token(sub=user.clerk_user_id)
    socket = WebsocketCommunicator(application, f"/ws/events?token={token}", headers=[ORIGIN])
    connected, _ = await socket.connect()
    assert connected
    return socket


async def _events_until_done(socket) -> list[dict]:
    events = []
    while not events or events[-1]["type"] == "message.delta":
        events.append(await socket.receive_json_from(timeout=5))
    return events


def test_the_local_companion_answers_from_what_it_remembers(user):
    _remembering(user)
    reply = _ask(user)
    reply_generate(message_id=reply.pk)
    reply.refresh_from_db()
    assert (reply.status, reply.content, reply.model) == ("completed", PORTO_AND_BOLT, "local")
    recalled = sorted(reply.recalled_memory_ids)
    assert len(recalled) == 2
    said = reply.reply_to
    said.refresh_from_db()
    job = IngestionJob.objects.get(pk=said.ingestion_job_id)
    assert job.idempotency_key == f"chat:{said.pk}"
    assert job.messages == [
        {"role": "user", "content": "What do you remember about me?"},
        {"role": "assistant", "content": PORTO_AND_BOLT},
    ]


def test_a_second_run_of_the_same_reply_changes_nothing(user):
    _remembering(user)
    reply = _ask(user)
    assert reply_generate(message_id=reply.pk) is not None
    assert reply_generate(message_id=reply.pk) is None
    assert Message.objects.filter(role="assistant").count() == 1
    assert IngestionJob.objects.count() == 1


def test_history_keeps_the_latest_turns_within_the_budget(user, settings):
    conversation = conversation_create(user=user)
    for text in ("a" * 50, "b" * 50):
        _, reply, _ = message_send(conversation=conversation, content=text)
        reply_generate(message_id=reply.pk)
    _, reply, _ = message_send(conversation=conversation, content="c" * 50)
    answer = Message.objects.get(reply_to__content="b" * 50).content
    settings.CHAT_HISTORY_CHARACTERS = 50 + len(answer) + 50
    history = nodes.load_history({}, _runtime(reply))["history"]
    assert [turn["content"] for turn in history] == ["b" * 50, answer, "c" * 50]


def _runtime(reply):
    return Runtime(context=ReplyContext(reply=reply, model=get_chat_model()))


def test_the_prompt_has_the_persona_the_memory_block_and_the_history(user, settings):
    settings.CHAT_SYSTEM_PROMPT = "You are Companion."
    _remembering(user)
    reply = _ask(user, "Where do I live?")
    runtime = _runtime(reply)
    state = nodes.load_history({}, runtime)
    state |= nodes.recall(state, runtime)
    prompt = nodes.compose(state, runtime)["prompt"]
    assert prompt[0]["role"] == "system"
    assert prompt[0]["content"].startswith(
        "You are Companion.\n\nWhat you remember about the user:"
    )
    assert "- User lives in Porto" in prompt[0]["content"]
    assert prompt[1:] == [{"role": "user", "content": "Where do I live?"}]


async def test_deltas_reach_the_owner_in_order_and_nobody_else(make_token, settings):
    settings.CHAT_DELTA_SECONDS = 0
    owner, other = await sync_to_async(UserFactory.create_batch)(2)
    await sync_to_async(_remembering)(owner)
    owner_socket = await _socket(make_token, owner)
    other_socket = await _socket(make_token, other)
    reply = await sync_to_async(_ask)(owner)

    await sync_to_async(reply_generate)(message_id=reply.pk)

    events = await _events_until_done(owner_socket)
    deltas, done = events[:-1], events[-1]
    assert [d["index"] for d in deltas] == list(range(len(PORTO_AND_BOLT.split(" "))))
    assert "".join(d["text"] for d in deltas) == PORTO_AND_BOLT
    assert {(d["conversation"], d["message"]) for d in deltas} == {
        (str(reply.conversation_id), str(reply.pk))
    }
    assert done["type"] == "message.completed"
    assert (done["message"]["id"], done["message"]["content"]) == (str(reply.pk), PORTO_AND_BOLT)
    assert await other_socket.receive_nothing(timeout=0.5)
    await owner_socket.disconnect()
    await other_socket.disconnect()


def test_with_nothing_remembered_the_companion_asks(user):
    reply = _ask(user, "Hi")
    reply_generate(message_id=reply.pk)
    reply.refresh_from_db()
    assert reply.content == "I don't know much about you yet. Tell me about yourself!"
    assert reply.recalled_memory_ids == []


def test_another_users_memories_never_reach_the_reply(user, other_user):
    _remembering(other_user)
    reply = _ask(user)
    reply_generate(message_id=reply.pk)
    reply.refresh_from_db()
    assert "Porto" not in reply.content
    assert reply.recalled_memory_ids == []


async def test_pieces_arriving_together_go_in_fewer_deltas(make_token, settings):
    settings.CHAT_DELTA_SECONDS = 60
    owner = await sync_to_async(UserFactory)()
    await sync_to_async(_remembering)(owner)
    socket = await _socket(make_token, owner)
    reply = await sync_to_async(_ask)(owner)
    await sync_to_async(reply_generate)(message_id=reply.pk)
    events = await _events_until_done(socket)
    assert [(e["index"], e["text"]) for e in events[:-1]] == [(0, "I"), (1, PORTO_AND_BOLT[1:])]
    assert events[-1]["message"]["content"] == PORTO_AND_BOLT
    await socket.disconnect()
