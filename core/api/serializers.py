"""Serializer behaviour shared by the apps' input serializers."""

from collections.abc import Mapping
from typing import Any, TypeVar

from rest_framework import serializers

SerializerT = TypeVar("SerializerT", bound=serializers.Serializer)


def serializer_built(serializer: SerializerT) -> SerializerT:
    """A serializer whose fields are built now, once, to serve every request (and thread).

    DRF deep-copies every declared field the first time a serializer's fields are read, which
    per request is most of what validating a small body costs; `run_validation` and
    `to_representation` write no state on the instance, so one long-lived instance will do.
    """
    serializer.fields  # noqa: B018 (reading them builds and binds them)
    return serializer


class RejectUnknownFieldsMixin:
    """A misspelt field is an error rather than silently ignored, at any nesting level."""

    def to_internal_value(self, data: Any) -> Any:
        known = self.fields  # type: ignore[attr-defined]
        unknown = sorted(set(data) - set(known)) if isinstance(data, Mapping) else []
        errors = {name: ["Unknown field."] for name in unknown}
        try:
            value = super().to_internal_value(data)  # type: ignore[misc]
        except serializers.ValidationError as exc:
            if not errors or not isinstance(exc.detail, dict):
                raise
            raise serializers.ValidationError({**exc.detail, **errors}) from None
        if errors:
            raise serializers.ValidationError(errors)
        return value
