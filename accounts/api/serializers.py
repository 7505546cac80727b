from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import User, UserPreferences
from accounts.selectors import user_created_at_ms

MAX_NESTING = 16


def _nested_deeper_than(value: Any, depth: int) -> bool:
    if not isinstance(value, dict | list):
        return False
    if depth == 0:
        return True
    children = value.values() if isinstance(value, dict) else value
    return any(_nested_deeper_than(child, depth - 1) for child in children)


@extend_schema_field(OpenApiTypes.OBJECT)
class JSONObjectField(serializers.Field):
    """A JSON object of any content, nested at most MAX_NESTING levels."""

    default_error_messages = {
        "not_an_object": "Expected a JSON object or null.",
        "too_deep": f"Nested deeper than {MAX_NESTING} levels.",
    }

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if not isinstance(data, dict):
            self.fail("not_an_object")
        if _nested_deeper_than(data, MAX_NESTING):
            self.fail("too_deep")
        return data

    def to_representation(self, value: dict[str, Any]) -> dict[str, Any]:
        return value


@extend_schema_field(
    {"type": "object", "additionalProperties": {"type": "boolean", "nullable": True}}
)
class FlagsField(JSONObjectField):
    """A JSON object of onboarding flags: each value true, false, or null to remove it."""

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        flags = super().to_internal_value(data)
        errors = {
            name: ["Must be true, false or null."]
            for name, value in flags.items()
            if value is not None and not isinstance(value, bool)
        }
        if errors:
            raise serializers.ValidationError(errors)
        return flags


class PreferencesPatchInputSerializer(serializers.Serializer):
    """A JSON merge patch (RFC 7396) for `settings` and/or `onboarding`."""

    settings = JSONObjectField(required=False, allow_null=True)
    onboarding = FlagsField(required=False, allow_null=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(self.initial_data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return attrs


# Plain serializers rather than ModelSerializers: /users/me is on every page load, and model
# introspection on each instantiation cost more than the token check.
class PreferencesOutputSerializer(serializers.Serializer[UserPreferences]):
    settings = serializers.JSONField()
    onboarding = serializers.JSONField()
    updated_at = serializers.DateTimeField()


class UserOutputSerializer(serializers.Serializer[User]):
    id = serializers.IntegerField()
    clerk_user_id = serializers.CharField()
    email = serializers.EmailField()
    username = serializers.CharField(allow_null=True)
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    image_url = serializers.URLField()
    created_at = serializers.SerializerMethodField(
        help_text="When the account was created (Clerk's time, in ms since the epoch)."
    )
    preferences = PreferencesOutputSerializer()

    def get_created_at(self, user: User) -> int:
        return user_created_at_ms(user)
