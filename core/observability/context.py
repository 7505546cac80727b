"""What a log line knows about the work it belongs to: the request id, and the HTTP request
(for its user and route) while one is being served. Context variables, so that each thread of
the HTTP server and each task of a worker sees its own."""

from __future__ import annotations

import re
import secrets
from contextvars import ContextVar, Token
from typing import Any

REQUEST_ID_HEADER = "X-Request-ID"
# What we accept from a client or a proxy; anything else is replaced by an id of our own, so
# that a log line can never be forged or bloated through the header.
REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9._-]{1,64}")

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
_request: ContextVar[Any] = ContextVar("request", default=None)


def request_id_new() -> str:
    return secrets.token_hex(16)


def request_id_from(header: str | None) -> str:
    """The client's id when well formed, else a new one."""
    if header and REQUEST_ID_PATTERN.fullmatch(header):
        return header
    return request_id_new()


def current_request_id() -> str | None:
    return _request_id.get()


def current_request() -> Any:
    """The HTTP request being served in this context, if any."""
    return _request.get()


def bind(request_id: str | None, request: Any = None) -> tuple[Token, Token]:
    """Make `request_id` (and `request`) this context's; `unbind` the tokens afterwards."""
    return _request_id.set(request_id), _request.set(request)


def unbind(tokens: tuple[Token, Token]) -> None:
    _request_id.reset(tokens[0])
    _request.reset(tokens[1])


def request_route(request: Any) -> str:
    """A bounded name for what the request reached: the URL pattern's view name (or its route),
    never the raw path; `unmatched` before or without a match (static files, 404s)."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"
    return match.view_name or match.route or "unmatched"


def request_user_id(request: Any) -> int | None:
    """The authenticated user's id, once authentication has run (DRF sets it on the request)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return user.pk
