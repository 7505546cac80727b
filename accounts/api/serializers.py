from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import User, UserPreferences
from accounts.selectors import user_created_at_ms
from core.api.fields import JSONObjectField
from core.api.serializers import RejectUnknownFieldsMixin


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


class PreferencesPatchInputSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    """A JSON merge patch (RFC 7396) for `settings` and/or `onboarding`."""

    settings = JSONObjectField(required=False, allow_null=True)
    onboarding = FlagsField(required=False, allow_null=True)


# Plain serializers rather than ModelSerializers: /users/me is on every page load, and model
# introspection on each instantiation cost more than the token check.
class PreferencesOutputSerializer(serializers.Serializer[UserPreferences]):
    settings = serializers.JSONField()
    onboarding = serializers.JSONField()
    updated_at = serializers.DateTimeField()


class UserOutputSerializer(serializers.Serializer[User]):
    id = serializers.IntegerField()
    clerk_user_id = serializers.CharField()
    email = serializers.CharField(
        help_text="The primary email; empty until Clerk's profile arrives."
    )
    username = serializers.CharField(allow_null=True)
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    image_url = serializers.CharField(help_text="A URL, or empty when Clerk has none.")
    created_at = serializers.SerializerMethodField(
        help_text="When the account was created (Clerk's time, in ms since the epoch)."
    )
    preferences = PreferencesOutputSerializer()

    def get_created_at(self, user: User) -> int:
        return user_created_at_ms(user)
