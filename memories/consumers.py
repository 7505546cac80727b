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

    @classmethod
    async def decode_json(cls, text_data: str) -> Any:
        try:
            return json.loads(text_data)
        except ValueError:
            return None  # a malformed client message is ignored, not fatal

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def client_event(self, message: dict[str, Any]) -> None:
        await self.send_json(message["event"])

    async def user_erased(self, message: dict[str, Any]) -> None:
        await self.close(code=CLOSE_USER_ERASED)
