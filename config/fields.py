"""Serializer fields shared by the apps' APIs."""

from typing import Any

from rest_framework import serializers


class StrictCharField(serializers.CharField):
    """A string, never a number or a boolean coerced into one."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)
