"""Open websockets, counted around the whole websocket stack of config/asgi.py."""

from __future__ import annotations

from typing import Any

from .metrics import websockets_open


class OpenWebsocketsGauge:
    """ASGI middleware: `websockets_open` up while a websocket connection runs."""

    def __init__(self, application: Any) -> None:
        self.application = application

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        websockets_open.inc()
        try:
            return await self.application(scope, receive, send)
        finally:
            websockets_open.dec()
