import os
from typing import Any
from urllib.parse import urlparse

from channels.routing import ProtocolTypeRouter, URLRouter
from channels.security.websocket import OriginValidator
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

# Django must be set up before anything imports models.
django_asgi_app = get_asgi_application()

from accounts.origins import parsed_origin_is_trusted  # noqa: E402
from accounts.websocket import ClerkWebsocketAuthMiddleware  # noqa: E402
from core.observability.websockets import OpenWebsocketsGauge  # noqa: E402
from memories.routing import websocket_urlpatterns  # noqa: E402


class AllowedOriginValidator(OriginValidator):
    """A handshake's Origin must be an allowed host or one of `CORS_ALLOWED_ORIGINS`."""

    def __init__(self, application: Any) -> None:
        super().__init__(application, allowed_origins=[])

    def valid_origin(self, parsed_origin: Any) -> bool:
        return parsed_origin_is_trusted(parsed_origin)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        origin = dict(scope.get("headers", [])).get(b"origin")
        if self.valid_origin(urlparse(origin.decode("latin1")) if origin else None):
            return await self.application(scope, receive, send)
        # Refuse the handshake (HTTP 403) without starting a consumer on the channel layer.
        await receive()
        await send({"type": "websocket.close"})
        return None


application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": OpenWebsocketsGauge(
            AllowedOriginValidator(ClerkWebsocketAuthMiddleware(URLRouter(websocket_urlpatterns)))
        ),
    }
)
