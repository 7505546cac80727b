"""Clerk authentication for websockets: the `token` query parameter, else the `__session` cookie.

Browsers cannot set headers on a websocket, so the bearer header has no equivalent here.
"""

from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from django.http.cookie import parse_cookie

from .authentication import SESSION_COOKIE, user_for_session_token
from .clerk import InvalidSessionToken, SigningKeysUnavailable
from .models import User


def _token_from(scope: dict[str, Any]) -> str | None:
    query = parse_qs(scope.get("query_string", b"").decode("latin1"))
    if query.get("token"):
        return query["token"][0]
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            return parse_cookie(value.decode("latin1")).get(SESSION_COOKIE) or None
    return None


def _authenticate(token: str) -> User | None:
    try:
        user, _ = user_for_session_token(token)
    except InvalidSessionToken:
        return None
    return user


class ClerkWebsocketAuthMiddleware(BaseMiddleware):
    """Sets `scope["user"]` to the token's user, or None; `auth_unavailable` on a key outage."""

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        scope = dict(scope, user=None, auth_unavailable=False)
        token = _token_from(scope)
        if token:
            try:
                scope["user"] = await database_sync_to_async(_authenticate)(token)
            except SigningKeysUnavailable:
                scope["auth_unavailable"] = True
        return await super().__call__(scope, receive, send)
