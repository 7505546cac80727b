"""Which origins may act on a user's behalf with the session cookie: the allowed hosts and
`CORS_ALLOWED_ORIGINS`, matched the way Channels matches a websocket's Origin, so that one rule
guards both the cookie-authenticated API and the event socket."""

from typing import Any
from urllib.parse import ParseResult, urlparse

from channels.security.websocket import OriginValidator
from django.conf import settings


def parsed_origin_is_trusted(parsed_origin: ParseResult | None) -> bool:
    allowed = [*settings.ALLOWED_HOSTS, *settings.CORS_ALLOWED_ORIGINS]
    return OriginValidator(None, allowed).valid_origin(parsed_origin)


def request_origin_is_trusted(headers: Any) -> bool:
    """The request's Origin (else its Referer) is trusted; a request naming neither is not."""
    origin = headers.get("Origin") or headers.get("Referer")
    if not origin or origin == "null":
        return False
    try:
        parsed = urlparse(origin)
    except ValueError:
        return False
    return bool(parsed.scheme and parsed.netloc) and parsed_origin_is_trusted(parsed)
