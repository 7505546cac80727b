"""One error shape for the whole API: `{"detail": ..., "code": ...}` plus `errors` per field,
and one way for a view to turn the domain's exceptions into API errors (`DomainErrorsMixin`)."""

import logging
from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from .parsers import PayloadTooLarge
from .throttles import AnonThrottle

logger = logging.getLogger(__name__)


def _first_code(codes: Any) -> str:
    if isinstance(codes, dict):
        return next((_first_code(v) for v in codes.values()), "invalid")
    if isinstance(codes, list):
        return next((_first_code(v) for v in codes), "invalid")
    return str(codes)


class Conflict(exceptions.APIException):
    """409: the request clashes with what is stored; `extra` keys join the error body."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"

    def __init__(self, detail: str, code: str, **extra: str) -> None:
        super().__init__(detail, code)
        self.extra = extra


DomainErrors = Mapping[type[Exception], Callable[[Any], exceptions.APIException]]


class DomainErrorsMixin:
    """A view lists, in `domain_errors`, the domain exceptions it may meet and the API error
    each becomes (the first matching entry wins, so list subclasses first)."""

    domain_errors: DomainErrors = {}

    def handle_exception(self, exc: Exception) -> Response:
        for kind, to_api in self.domain_errors.items():
            if isinstance(exc, kind):
                exc = to_api(exc)
                break
        return super().handle_exception(exc)  # type: ignore[misc]


def retry_after_header() -> dict[str, str]:
    """For a 503: when to try again (429s carry their own window's wait)."""
    return {"Retry-After": str(settings.API_RETRY_AFTER_SECONDS)}


def _refused_sign_in_throttled(exc: Exception, context: dict) -> Exception:
    """A 401 counts against the caller's address (API_THROTTLE_ANON) like any anonymous request:
    authentication fails before DRF's throttles run, so a flood of bad tokens would otherwise
    never be limited. Past the limit the answer is the 429 instead."""
    request, view = context.get("request"), context.get("view")
    if request is None or not isinstance(exc, AUTHENTICATION_ERRORS):
        return exc
    throttle = AnonThrottle()
    if throttle.allow_request(request, view):
        return exc
    return exceptions.Throttled(throttle.wait())


AUTHENTICATION_ERRORS = (exceptions.AuthenticationFailed, exceptions.NotAuthenticated)


def api_exception_handler(exc: Exception, context: dict) -> Response:
    exc = _refused_sign_in_throttled(exc, context)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, RequestDataTooBig):  # past DATA_UPLOAD_MAX_MEMORY_SIZE, read by DRF
        exc = PayloadTooLarge()
    response = exception_handler(exc, context)
    if response is None:
        logger.exception("Unhandled error in %s", context.get("view"), exc_info=exc)
        return Response(
            {"detail": "Internal server error.", "code": "server_error"},
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    if isinstance(exc, exceptions.ValidationError):
        errors = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = {
            "detail": "Invalid input.",
            "code": _first_code(exc.get_codes()),
            "errors": errors,
        }
    elif isinstance(exc, exceptions.APIException):
        response.data = {
            "detail": str(exc.detail),
            "code": _first_code(exc.get_codes()),
            **getattr(exc, "extra", {}),
        }
    if response.status_code == status.HTTP_503_SERVICE_UNAVAILABLE:
        response["Retry-After"] = str(settings.API_RETRY_AFTER_SECONDS)
    return response


def json_error(detail: str, code: str, status_code: int) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code}, status=status_code)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return json_error("Bad request.", "bad_request", 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return json_error(
        "You do not have permission to perform this action.", "permission_denied", 403
    )


def not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return json_error("Not found.", "not_found", 404)


def server_error(request: HttpRequest) -> JsonResponse:
    return json_error("Internal server error.", "server_error", 500)
