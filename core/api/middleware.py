"""Middleware for the API's paths only; each costs a string comparison on other requests."""

import io
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse

from .errors import json_error
from .parsers import API_MAX_BODY_BYTES, PayloadTooLarge

BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
READ_CHUNK_BYTES = 64 * 1024


def _too_large() -> HttpResponse:
    too_large = PayloadTooLarge()
    return json_error(str(too_large.detail), too_large.default_code, 413)


def _read_bounded(stream: Any, limit: int) -> bytes | None:
    """The stream's bytes, or None as soon as they pass `limit` (the rest is never read)."""
    body = bytearray()
    while chunk := stream.read(min(READ_CHUNK_BYTES, limit + 1 - len(body))):
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


class ChunkedBodyMiddleware:
    """A body sent without Content-Length (chunked) is read here, up to the view's
    `max_body_bytes` (else API_MAX_BODY_BYTES) and no further: past it the answer is a 413 and
    the rest is never read. Django's WSGI request would see no body at all (it reads
    Content-Length bytes), and DRF would never apply the parser's own limit."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable, view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        if (
            "CONTENT_LENGTH" in request.META
            or request.method not in BODY_METHODS
            or not request.path_info.startswith(settings.API_PATH_PREFIX)
        ):
            return None
        limit = getattr(getattr(view_func, "cls", None), "max_body_bytes", API_MAX_BODY_BYTES)
        body = self._body(request, limit)
        if body is None:
            return _too_large()
        request._body = body  # what Django keeps once it has read a body itself
        request._stream = io.BytesIO(body)
        request.META["CONTENT_LENGTH"] = str(len(body))
        return None

    @staticmethod
    def _body(request: HttpRequest, limit: int) -> bytes | None:
        stream = request.META.get("wsgi.input")
        if stream is not None:  # WSGI: the server hands a chunked body on as it arrives
            chunked = "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
            return _read_bounded(stream, limit) if chunked else b""
        try:  # ASGI: Django's handler has read the body already
            body = request.body
        except RequestDataTooBig:
            return None
        return body if len(body) <= limit else None
