"""The API's JSON parser: orjson, bounded in size, and never a 500 on JSON nested too deeply."""

from typing import IO, Any

import orjson
from drf_orjson_renderer.parsers import ORJSONParser
from rest_framework import exceptions, status

API_MAX_BODY_BYTES = 2 * 1024 * 1024


class PayloadTooLarge(exceptions.APIException):
    """413, for any body or stored value over its limit."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request is too large."
    default_code = "too_large"


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
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise exceptions.ParseError(f"JSON parse error - {exc}") from None
