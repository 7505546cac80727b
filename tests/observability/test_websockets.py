"""`websockets_open` follows the sockets through the real ASGI application."""

import pytest
from channels.testing.websocket import WebsocketCommunicator

from config.asgi import application
from tests.support.metrics import sample

pytestmark = pytest.mark.django_db(transaction=True)


async def test_open_websockets_go_up_and_down(settings, make_token, user):
    settings.ALLOWED_HOSTS = ["testserver", "localhost"]
    before = sample("websockets_open")
    path = f"/ws/events?token={make_token(sub=user.clerk_user_id)}"
    sockets = [
        WebsocketCommunicator(application, path, headers=[(b"origin", b"http://localhost")])
        for _ in range(2)
    ]
    for socket in sockets:
        connected, _ = await socket.connect()
        assert connected
    assert sample("websockets_open") == before + 2
    await sockets[0].disconnect()
    assert sample("websockets_open") == before + 1
    await sockets[1].disconnect()
    assert sample("websockets_open") == before
