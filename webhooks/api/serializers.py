"""The shape of Clerk events. The handlers read the payload as sent, so these fields are strict:
they reject what they would otherwise coerce (a number for a string, a string for a number)."""

from typing import Any

from rest_framework import serializers

from core.api.fields import StrictCharField
from core.api.serializers import serializer_built
from webhooks.models import WebhookEvent

MAX_BIGINT = 2**63 - 1


class StrictIntegerField(serializers.IntegerField):
    def to_internal_value(self, data: Any) -> int:
        if not isinstance(data, int) or isinstance(data, bool):
            self.fail("invalid")
        return super().to_internal_value(data)


def _optional_text(max_length: int) -> StrictCharField:
    return StrictCharField(max_length=max_length, required=False, allow_null=True, allow_blank=True)


def _clerk_timestamp() -> StrictIntegerField:
    return StrictIntegerField(min_value=0, max_value=MAX_BIGINT, required=False, allow_null=True)


class ClerkEmailAddressSerializer(serializers.Serializer):
    id = StrictCharField(max_length=64)
    email_address = _optional_text(254)


class ClerkUserSerializer(serializers.Serializer):
    """A Clerk user object, as far as our mirror reads it."""

    id = StrictCharField(max_length=64)
    email_addresses = ClerkEmailAddressSerializer(many=True, required=False, allow_null=True)
    primary_email_address_id = _optional_text(64)
    username = _optional_text(150)
    first_name = _optional_text(150)
    last_name = _optional_text(150)
    image_url = _optional_text(2048)
    created_at = _clerk_timestamp()
    updated_at = _clerk_timestamp()


class ClerkDeletedUserSerializer(serializers.Serializer):
    id = StrictCharField(max_length=64)


DATA_SERIALIZERS: dict[str, type[serializers.Serializer]] = {
    "user.created": ClerkUserSerializer,
    "user.updated": ClerkUserSerializer,
    "user.deleted": ClerkDeletedUserSerializer,
}


class ClerkEventInputSerializer(serializers.Serializer):
    """A Clerk event: a `type` and a `data` object, which for user events must be a user."""

    type = StrictCharField(max_length=100)
    data = serializers.DictField()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        data_validator = DATA_VALIDATORS.get(attrs["type"])
        if data_validator is not None:
            try:
                data_validator.run_validation(attrs["data"])
            except serializers.ValidationError as exc:
                raise serializers.ValidationError({"data": exc.detail}) from exc
        return attrs


DATA_VALIDATORS: dict[str, serializers.Serializer] = {
    event_type: serializer_built(serializer())
    for event_type, serializer in DATA_SERIALIZERS.items()
}


# Not a ModelSerializer, which rebuilds its fields from the model on every delivery.
class WebhookEventOutputSerializer(serializers.Serializer):
    """The event a delivery became, and whether the delivery was a repeat."""

    svix_id = serializers.CharField()
    type = serializers.CharField()
    status = serializers.ChoiceField(choices=WebhookEvent.Status.choices)
    duplicate = serializers.BooleanField(
        read_only=True, help_text="Whether this id had already taken effect."
    )


EVENT_INPUT = serializer_built(ClerkEventInputSerializer())
EVENT_OUTPUT = serializer_built(WebhookEventOutputSerializer())
