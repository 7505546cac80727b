"""Serializer fields shared by the apps' APIs."""

import math
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

MAX_NESTING = 16
# PostgreSQL keeps a JSON number exactly, so 1e20 comes back as a 21-digit integer, which the
# renderer (orjson, 64-bit integers) and the channel layer (msgpack) cannot write: refused.
MAX_JSON_NUMBER = 2**63


class StrictCharField(serializers.CharField):
    """A string, never a number or a boolean coerced into one."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictFloatField(serializers.FloatField):
    """A finite JSON number (or numeric string); booleans, NaN and infinities are refused."""

    def to_internal_value(self, data: Any) -> float:
        if isinstance(data, bool):
            self.fail("invalid")
        value = super().to_internal_value(data)
        if not math.isfinite(value):
            self.fail("invalid")
        return value


def _nested_deeper_than(value: Any, depth: int) -> bool:
    if not isinstance(value, dict | list):
        return False
    if depth == 0:
        return True
    children = value.values() if isinstance(value, dict) else value
    return any(_nested_deeper_than(child, depth - 1) for child in children)


def json_has_huge_number(value: Any) -> bool:
    """Whether a JSON value holds a number of magnitude MAX_JSON_NUMBER or more."""
    if isinstance(value, dict | list):
        children = value.values() if isinstance(value, dict) else value
        return any(json_has_huge_number(child) for child in children)
    return isinstance(value, int | float) and abs(value) >= MAX_JSON_NUMBER


@extend_schema_field(OpenApiTypes.OBJECT)
class JSONObjectField(serializers.Field):
    """A JSON object of any content, nested at most MAX_NESTING levels, its numbers under
    2^63 in magnitude."""

    default_error_messages = {
        "not_an_object": "Expected a JSON object or null.",
        "too_deep": f"Nested deeper than {MAX_NESTING} levels.",
        "number_too_large": "Numbers must be between -2^63 and 2^63.",
    }

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if not isinstance(data, dict):
            self.fail("not_an_object")
        if _nested_deeper_than(data, MAX_NESTING):
            self.fail("too_deep")
        if json_has_huge_number(data):
            self.fail("number_too_large")
        return data

    def to_representation(self, value: dict[str, Any]) -> dict[str, Any]:
        return value
