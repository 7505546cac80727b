"""The API's JSON renderer: orjson, spelling things as DRF's encoder did.

UTC datetimes end in "Z"; non-string keys (list indexes in nested validation errors) become
strings.
"""

import orjson
from drf_orjson_renderer.renderers import ORJSONRenderer


class JSONRenderer(ORJSONRenderer):
    options = ORJSONRenderer.options | orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS
