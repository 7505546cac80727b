"""The request id and the HTTP metrics, in one middleware first in MIDDLEWARE (so that it times
everything after it): an id from a well-formed `X-Request-ID` or a new one, on the context of
every log line and sent back in the response; requests, latency and database queries by route
when metrics are on (METRICS_TOKEN set); an access log line per request when
DJANGO_ACCESS_LOG is on (it costs more than the rest together: see the README).

Never logged: bodies, headers (Authorization, cookies) and query strings.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import nullcontext
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse

from . import metrics
from .context import (
    REQUEST_ID_HEADER,
    bind,
    request_id_from,
    request_route,
    request_user_id,
    unbind,
)

access_logger = logging.getLogger("companion.access")


class QueryCounter:
    """A database execute wrapper that counts the statements run through it."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Callable, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


def _access_log(
    route: str, request: HttpRequest, status: int, elapsed: float, queries: int | None
) -> None:
    method = metrics.method_label(request.method)
    access_logger.info(
        "%s %s %s %.1fms", method, route, status, elapsed * 1000,
        extra={"method": method, "path": request.path_info, "route": route, "status": status,
               "duration_ms": round(elapsed * 1000, 2), "db_queries": queries,
               "user_id": request_user_id(request)},
    )  # fmt: skip


class ObservabilityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.measure = bool(settings.METRICS_TOKEN)
        self.access_log = settings.DJANGO_ACCESS_LOG
        self.observe = self.measure or self.access_log

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_from(request.META.get("HTTP_X_REQUEST_ID"))
        request.request_id = request_id  # type: ignore[attr-defined]
        tokens = bind(request_id, request)
        try:
            queries = QueryCounter()
            started = time.perf_counter()
            with connection.execute_wrapper(queries) if self.measure else nullcontext():
                response = self.get_response(request)
            if self.observe:
                self._observe(request, response, time.perf_counter() - started, queries.count)
            response[REQUEST_ID_HEADER] = request_id
            return response
        finally:
            unbind(tokens)

    def _observe(
        self, request: HttpRequest, response: HttpResponse, elapsed: float, queries: int
    ) -> None:
        route = request_route(request)
        if self.measure:
            metrics.request_observe(
                route=route, method=request.method, status=response.status_code,
                seconds=elapsed, queries=queries,
            )  # fmt: skip
        if self.access_log:
            counted = queries if self.measure else None
            _access_log(route, request, response.status_code, elapsed, counted)
