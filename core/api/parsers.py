"""The API's JSON parser: orjson, bounded in size, never a 500 on JSON nested too deeply, and
never handing on text that PostgreSQL cannot store."""

import json
import math
import re
from typing import IO, Any

import orjson
from drf_orjson_renderer.parsers import ORJSONParser
from rest_framework import exceptions, status

from .text import UNSTORABLE_MESSAGE, unstorable_text_path

API_MAX_BODY_BYTES = 2 * 1024 * 1024
# Only a `\u0000` or `\ud800`..`\udfff` escape can put unstorable text in valid JSON (raw NULs
# and raw surrogates are not valid JSON or UTF-8): bodies without one skip the walk.
MAYBE_UNSTORABLE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")


class PayloadTooLarge(exceptions.APIException):
    """413, for any body or stored value over its limit."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request is too large."
    default_code = "too_large"


def unstorable_text_error(path: list[str]) -> exceptions.ValidationError:
    """400 naming the top-level field, with the full path in the message."""
    field = path[0] if path else "non_field_errors"
    where = ".".join(path)
    message = f"{where}: {UNSTORABLE_MESSAGE}" if len(path) > 1 else UNSTORABLE_MESSAGE
    return exceptions.ValidationError({field: [message]}, code="unstorable_text")


def check_storable(body: bytes, data: Any) -> None:
    """Raise the 400 when the parsed `data` of `body` holds a NUL or a lone surrogate."""
    if MAYBE_UNSTORABLE.search(body):
        path = unstorable_text_path(data)
        if path is not None:
            raise unstorable_text_error(path)


def _finite(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"number {text[:40]} is infinity when parsed as double")
    return value


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _loads(body: bytes) -> Any:
    """orjson; a body it refuses for a lone surrogate is read again by the standard library,
    which accepts one, so that the 400 can name the field that holds it. That second reading
    refuses the numbers orjson refuses besides: NaN, Infinity, and those that overflow."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        if not MAYBE_UNSTORABLE.search(body):
            raise exceptions.ParseError(f"JSON parse error - {exc}") from None
    try:
        return json.loads(body, parse_float=_finite, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:
        raise exceptions.ParseError(f"JSON parse error - {exc}") from None


class BoundedJSONParser(ORJSONParser):
    """JSON with a cap on the body (50 messages of 8,000 characters fit under the default).

    orjson reads UTF-8 bytes as they come, and refuses nesting past 1,024 levels with a parse
    error rather than exhausting the stack.
    """

    max_bytes = API_MAX_BODY_BYTES

    def parse(
        self, stream: IO[bytes], media_type: str | None = None, parser_context: Any = None
    ) -> Any:
        body = stream.read(self.max_bytes + 1)
        if len(body) > self.max_bytes:
            raise PayloadTooLarge(f"The request body is limited to {self.max_bytes} bytes.")
        data = _loads(body)
        check_storable(body, data)
        return data
