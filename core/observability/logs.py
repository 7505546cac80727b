"""Log records carry the request id, and during a request its user and route
(`RequestContextFilter`, on the console handler); the console writes one JSON object per line
(`DJANGO_LOG_FORMAT=json`, python-json-logger on orjson) or a readable line."""

from __future__ import annotations

import logging
from typing import Any

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.orjson import OrjsonFormatter

from .context import current_request, current_request_id, request_route, request_user_id

PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
JSON_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
JSON_RENAMES = {"asctime": "time", "levelname": "level", "name": "logger"}
# Django's request logger passes the request object: its text holds the query string.
JSON_LEFT_OUT = (*RESERVED_ATTRS, "request")


class RequestContextFilter(logging.Filter):
    """Adds `request_id`, `user_id` and `route` to a record that has not set them itself:
    from this context, or from the request a record names (Django logs its 4xx and 5xx
    answers with the request, once the middleware has returned)."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = current_request() or getattr(record, "request", None)
        request_id = current_request_id() or getattr(request, "request_id", None)
        if request_id is not None and not hasattr(record, "request_id"):
            record.request_id = request_id
        if request is not None and not hasattr(record, "route"):
            record.route = request_route(request)
            record.user_id = request_user_id(request)
        return True


class QueryStringFilter(logging.Filter):
    """Leaves the query string out of the paths uvicorn logs: a websocket's carries its
    session token (`/ws/events?token=...`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_without_query(arg) for arg in record.args)
        return True


def _without_query(value: Any) -> Any:
    if isinstance(value, str) and value.startswith("/") and "?" in value:
        return value.split("?", 1)[0]
    return value


def plain_formatter() -> logging.Formatter:
    """Readable lines, with `-` where a record has no request id."""
    return logging.Formatter(PLAIN_FORMAT, defaults={"request_id": "-"})


def json_formatter() -> logging.Formatter:
    """One JSON object per line: time, level, logger, message, then the record's extra fields
    (request_id, user_id, route, and what the access log adds)."""
    return OrjsonFormatter(JSON_FORMAT, rename_fields=JSON_RENAMES, reserved_attrs=JSON_LEFT_OUT)


def logging_config(*, log_format: str, level: str) -> dict[str, Any]:
    """Django's LOGGING for `log_format` (`json` or `plain`)."""
    if log_format not in ("json", "plain"):
        raise ValueError(f"DJANGO_LOG_FORMAT must be json or plain, not {log_format!r}")
    formatter = "core.observability.logs.json_formatter" if log_format == "json" else (
        "core.observability.logs.plain_formatter"
    )  # fmt: skip
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_context": {"()": RequestContextFilter},
            "no_query_string": {"()": QueryStringFilter},
        },
        "formatters": {"console": {"()": formatter}},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "console",
                "filters": ["request_context"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.db.backends": {"level": "WARNING"},
            # The websocket server's own lines, in the same format as ours.
            "uvicorn": {"handlers": ["console"], "level": level, "propagate": False},
            "uvicorn.error": {"filters": ["no_query_string"]},
        },
    }
