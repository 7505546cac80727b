"""OpenAPI: every operation documents the error answers it can give, in the one error shape."""

from typing import Any

from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers
from rest_framework.permissions import SAFE_METHODS

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
ERROR_DESCRIPTIONS = {
    400: "Invalid input: `errors` names each field and why.",
    401: "No session token, or not a valid one.",
    403: "A cookie-authenticated change from an untrusted Origin (`csrf_failed`).",
    404: "No such object, or not the caller's.",
    413: "The body is over its limit (`too_large`).",
    415: "The body is not JSON.",
    429: "Too many requests (`throttled`); `Retry-After` says when to come back.",
    503: "A dependency is unavailable; `Retry-After` says when to try again.",
}


class ErrorSerializer(serializers.Serializer):
    """Every error answer: a human `detail` and a stable `code`, plus `errors` per field."""

    detail = serializers.CharField()
    code = serializers.CharField()
    errors = serializers.DictField(required=False, help_text="Per field: what is wrong with it.")


class ConflictSerializer(serializers.Serializer):
    """A 409: the object's state does not allow the action; `code` names why."""

    detail = serializers.CharField()
    code = serializers.CharField()


class ApiAutoSchema(AutoSchema):
    """Adds the error answers the API's plumbing gives to what each view declares itself."""

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        for code in sorted(self._error_codes()):
            error = self._get_response_for_code(ErrorSerializer, str(code), direction=direction)
            declared = responses.setdefault(str(code), {"description": ERROR_DESCRIPTIONS[code]})
            declared.setdefault("content", error["content"])  # a view's own words stay
        return responses

    def _resolve_path_parameters(self, variables: list[str]) -> list[dict[str, Any]]:
        """Every object here is named by a UUID (the routes take any segment, and a malformed
        one is a 404 like an unknown one): said so, where the route's pattern says nothing."""
        parameters = super()._resolve_path_parameters(variables)
        for parameter in parameters:
            parameter["schema"] = {"type": "string", "format": "uuid"}
        return parameters

    def _map_serializer_field(self, field: Any, direction: Any, *args: Any, **kwargs: Any) -> Any:
        schema = super()._map_serializer_field(field, direction, *args, **kwargs)
        if direction == "request":
            for key, value in _input_constraints(field).items():
                schema.setdefault(key, value)
        return schema

    def _error_codes(self) -> set[int]:
        codes = set()
        if self.method in BODY_METHODS:
            codes |= {400, 413, 415}
        if self.method == "GET" and (self._is_list_view() or self.get_override_parameters()):
            codes.add(400)
        if "{" in self.path:
            codes.add(404)
        if self.view.authentication_classes:
            codes |= {401, 503} | ({403} if self.method not in SAFE_METHODS else set())
        if self.view.get_throttles():
            codes.add(429)
        return codes


def _input_constraints(field: Any) -> dict[str, int]:
    """What DRF enforces on input and drf-spectacular leaves out: non-blank strings, and the
    length limits of lists (of fields or of nested serializers)."""
    if isinstance(field, serializers.CharField) and not field.allow_blank:
        return {"minLength": 1}
    if isinstance(field, serializers.ListField | serializers.ListSerializer):
        limits = {"minItems": field.min_length, "maxItems": field.max_length}
        return {key: value for key, value in limits.items() if value is not None}
    return {}
