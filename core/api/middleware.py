"""Middleware for the API's paths only; each costs a string comparison on other requests."""

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse

from .errors import json_error
from .parsers import PayloadTooLarge

BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class ChunkedBodyMiddleware:
    """A body sent without Content-Length (chunked, under ASGI) is read here, within Django's
    DATA_UPLOAD_MAX_MEMORY_SIZE (else 413), and given its length: DRF would otherwise take it
    for no body at all, and never apply the parser's own limit."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            "CONTENT_LENGTH" not in request.META
            and request.method in BODY_METHODS
            and request.path_info.startswith(settings.API_PATH_PREFIX)
        ):
            try:
                request.META["CONTENT_LENGTH"] = str(len(request.body))
            except RequestDataTooBig:
                too_large = PayloadTooLarge()
                return json_error(str(too_large.detail), too_large.default_code, 413)
        return self.get_response(request)
