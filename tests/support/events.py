"""A user's `/ws/events` socket for tests that drive workers and the API synchronously: the real
ASGI application and consumer (Channels' communicator, on the Redis channel layer), read on an
event loop thread of its own into `events`. The settings must trust the SPA's origin."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Coroutine
from typing import Any

from channels.testing.websocket import WebsocketCommunicator

from config.asgi import application
from tests.support.processes import SPA

CONNECT_TIMEOUT = 30.0
# The reader waits for the next event as long as the test lasts.
READ_TIMEOUT = 3600.0


class SocketEvents:
    def __init__(self, token: str) -> None:
        self.token = token
        self.events: list[dict[str, Any]] = []
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._socket: WebsocketCommunicator | None = None
        self._reader: asyncio.Future[None] | None = None

    def of_type(self, prefix: str) -> list[dict[str, Any]]:
        return [event for event in list(self.events) if event["type"].startswith(prefix)]

    def __enter__(self) -> SocketEvents:
        self._thread.start()
        self._run(self._open())
        return self

    def __exit__(self, *exc: object) -> None:
        self._run(self._close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(CONNECT_TIMEOUT)
        self._loop.close()

    def _run(self, coroutine: Coroutine[Any, Any, None]) -> None:
        asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(CONNECT_TIMEOUT)

    async def _open(self) -> None:
        self._socket = WebsocketCommunicator(
            application, f"/ws/events?token={self.token}", headers=[(b"origin", SPA.encode())]
        )
        connected, _ = await self._socket.connect(timeout=CONNECT_TIMEOUT)
        assert connected
        # The consumer joins the user's group after accepting: its pong says it has.
        await self._socket.send_json_to({"type": "ping"})
        assert await self._socket.receive_json_from(timeout=CONNECT_TIMEOUT) == {"type": "pong"}
        self._reader = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        assert self._socket is not None
        while True:
            self.events.append(json.loads(await self._socket.receive_from(timeout=READ_TIMEOUT)))

    async def _close(self) -> None:
        assert self._socket is not None
        assert self._reader is not None
        self._reader.cancel()
        await self._socket.disconnect()
