"""`/ws/events` through Channels' communicator, against the real Redis channel layer."""

import time

import pytest
from channels.db import database_sync_to_async as sync_to_async
from channels.testing.websocket import WebsocketCommunicator

from accounts.services import user_erase
from config.asgi import application
from memories.consumers import CLOSE_UNAUTHENTICATED, CLOSE_USER_ERASED
from tests.support.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = (b"origin", b"http://localhost:5173")


@pytest.fixture(autouse=True)
def _spa_origin(settings):
    settings.ALLOWED_HOSTS = ["testserver", "localhost"]
    settings.CORS_ALLOWED_ORIGINS = ["http://localhost:5173"]


@pytest.fixture
def connect(make_token):
    """`await connect(user)` -> a connected communicator for `user`'s events."""

    async def open_socket(user=None, *, token=None, headers=(ORIGIN,), via="query"):
        if user is not None:
            token = make_token(sub=user.clerk_user_id)
        path = "/ws/events"
        extra = list(headers)
        if token and via == "query":
            path += f"?token={token}"
        elif token:
            extra.append((b"cookie", f"__session={token}".encode()))
        communicator = WebsocketCommunicator(application, path, headers=extra)
        return communicator, await communicator.connect()

    return open_socket


async def _create_memory(client_for, user, content: str) -> dict:
    response = await sync_to_async(client_for(user).post)(
        "/api/v1/memories", {"content": content}, format="json"
    )
    assert response.status_code == 201, response.content
    return response.json()


async def _closed_with(communicator: WebsocketCommunicator) -> int | None:
    message = await communicator.receive_output(timeout=2)
    assert message["type"] == "websocket.close"
    return message.get("code")


async def test_owner_hears_memory_created_after_a_post(connect, client_for):
    user = await sync_to_async(UserFactory)()
    socket, (connected, _) = await connect(user)
    assert connected

    memory = await _create_memory(client_for, user, "I keep bees on my balcony")

    event = await socket.receive_json_from(timeout=3)
    assert event["type"] == "memory.created"
    assert event["memory"]["id"] == memory["id"]
    assert event["memory"]["content"] == "I keep bees on my balcony"
    await socket.disconnect()


async def test_another_users_socket_hears_nothing(connect, client_for):
    owner, other = await sync_to_async(UserFactory.create_batch)(2)
    owner_socket, _ = await connect(owner)
    other_socket, (connected, _) = await connect(other)
    assert connected

    await _create_memory(client_for, owner, "My sister is called Rita")

    assert (await owner_socket.receive_json_from(timeout=3))["type"] == "memory.created"
    assert await other_socket.receive_nothing(timeout=0.5)
    await owner_socket.disconnect()
    await other_socket.disconnect()


async def test_the_session_cookie_authenticates_too(connect):
    user = await sync_to_async(UserFactory)()
    socket, (connected, _) = await connect(user=None, token=None)
    assert await _closed_with(socket) == CLOSE_UNAUTHENTICATED

    token_socket, (connected, _) = await connect(user, via="cookie")
    assert connected
    await token_socket.send_json_to({"type": "ping"})
    assert await token_socket.receive_json_from(timeout=2) == {"type": "pong"}
    await token_socket.disconnect()


@pytest.mark.parametrize(
    "token",
    ["garbage", "a.b", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1c2VyXzEifQ."],
)
async def test_a_bad_token_is_closed_with_4401_before_any_event(connect, token):
    socket, (connected, _) = await connect(token=token)
    assert connected  # accepted only to say why in the close code
    assert await _closed_with(socket) == CLOSE_UNAUTHENTICATED


async def test_an_expired_token_is_closed_with_4401(connect, make_token):
    user = await sync_to_async(UserFactory)()
    token = make_token(sub=user.clerk_user_id, exp=int(time.time()) - 60)
    socket, _ = await connect(token=token)
    assert await _closed_with(socket) == CLOSE_UNAUTHENTICATED


async def test_a_foreign_origin_is_refused_at_the_handshake(connect):
    user = await sync_to_async(UserFactory)()
    _, (connected, _) = await connect(user, headers=[(b"origin", b"https://evil.example")])
    assert not connected
    _, (connected, _) = await connect(user, headers=[])
    assert not connected


async def test_a_deleted_users_socket_is_closed(connect):
    user = await sync_to_async(UserFactory)()
    socket, (connected, _) = await connect(user)
    assert connected

    await sync_to_async(user_erase)(clerk_user_id=user.clerk_user_id)

    assert await _closed_with(socket) == CLOSE_USER_ERASED
    again, _ = await connect(token=None, user=None)
    assert await _closed_with(again) == CLOSE_UNAUTHENTICATED


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ({"text_data": "not json"}, "invalid_json"),
        ({"text_data": "[" * 100_000 + "]" * 100_000}, "invalid_json"),
        ({"text_data": '{"type": "ping"'}, "invalid_json"),
        ({"bytes_data": b"\x00\xff binary"}, "binary_frame"),
    ],
    ids=["not json", "too deep", "truncated", "binary"],
)
async def test_a_malformed_frame_gets_an_error_and_the_socket_stays_open(
    connect, caplog, frame, code
):
    user = await sync_to_async(UserFactory)()
    socket, _ = await connect(user)

    await socket.send_to(**frame)
    answer = await socket.receive_json_from(timeout=2)
    await socket.send_json_to({"type": "ping"})

    assert answer["type"] == "error"
    assert answer["code"] == code
    assert await socket.receive_json_from(timeout=2) == {"type": "pong"}
    assert not [r for r in caplog.records if r.levelname in {"ERROR", "CRITICAL"} or r.exc_info]
    await socket.disconnect()


async def test_events_flow_again_after_redis_restarts(connect, client_for, redis_control):
    user = await sync_to_async(UserFactory)()
    await _create_memory(client_for, user, "Before the restart")  # the publisher is connected
    socket, _ = await connect(user)
    await sync_to_async(redis_control.stop)()
    await sync_to_async(redis_control.start)()

    # Pub/sub drops what is sent while the socket's subscription reconnects: keep writing.
    for attempt in range(20):
        await _create_memory(client_for, user, f"After the restart, take {attempt}")
        if not await socket.receive_nothing(timeout=0.5):
            break
    event = await socket.receive_json_from(timeout=1)
    assert event["memory"]["content"].startswith("After the restart")
    await socket.disconnect()
