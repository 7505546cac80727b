import json
from typing import Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from .events import user_group

CLOSE_UNAUTHENTICATED = 4401
CLOSE_TRY_AGAIN_LATER = 1013
CLOSE_USER_ERASED = 4403


class EventsConsumer(AsyncJsonWebsocketConsumer):
    """`/ws/events`: one user's live events (memories, ingestion jobs, replies), as JSON.

    Authentication happens once, at connect (the Clerk token may expire afterwards).
    """

    group: str | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        # Accept first so that the client sees the reason in the close code.
        await self.accept()
        if self.scope.get("auth_unavailable"):
            await self.close(code=CLOSE_TRY_AGAIN_LATER)
            return
        if user is None:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.group = user_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)

    async def disconnect(self, code: int) -> None:
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        # A malformed client message gets an error answer; it never closes the socket.
        if text_data is None:
            await self._error("binary_frame", "Only text frames holding JSON are accepted.")
            return
        try:
            content = json.loads(text_data)
        except (ValueError, RecursionError):
            await self._error("invalid_json", "The message is not JSON, or nested too deeply.")
            return
        await self.receive_json(content)

    async def _error(self, code: str, detail: str) -> None:
        await self.send_json({"type": "error", "code": code, "detail": detail})

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def client_event(self, message: dict[str, Any]) -> None:
        await self.send_json(message["event"])

    async def user_erased(self, message: dict[str, Any]) -> None:
        await self.close(code=CLOSE_USER_ERASED)
