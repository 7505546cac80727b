"""The API's JSON renderer: orjson, spelling things as DRF's encoder did.

UTC datetimes end in "Z"; non-string keys (list indexes in nested validation errors) become
strings. An integer past 64 bits, which orjson cannot write, is written by DRF's own renderer
instead: the API refuses such numbers, but PostgreSQL gives a stored 1e20 back as one, and data
written before that rule, or through the admin's JSON fields, must still read.
"""

from typing import Any

import orjson
from drf_orjson_renderer.renderers import ORJSONRenderer
from rest_framework.renderers import JSONRenderer as StandardJSONRenderer

TOO_LARGE_INTEGER = "Integer exceeds 64-bit range"


class JSONRenderer(ORJSONRenderer):
    options = ORJSONRenderer.options | orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS

    def render(
        self, data: Any, media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        try:
            return super().render(data, media_type, renderer_context)
        except orjson.JSONEncodeError as exc:
            if TOO_LARGE_INTEGER not in str(exc):
                raise
        return StandardJSONRenderer().render(data, media_type, renderer_context)
