"""Input serializers validate and hand `validated_data` to a service; output serializers render."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from core.api.fields import StrictCharField
from core.api.serializers import RejectUnknownFieldsMixin

from ..models import (
    MAX_CLIENT_MESSAGE_ID_LENGTH,
    MAX_MESSAGE_LENGTH,
    MAX_TITLE_LENGTH,
    Conversation,
    Message,
)
from ..representations import conversation_render, message_render


class ConversationInputSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    title = StrictCharField(max_length=MAX_TITLE_LENGTH, allow_blank=True, required=False)


class ConversationOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    last_activity_at = serializers.DateTimeField()

    def to_representation(self, instance: Conversation) -> dict[str, Any]:
        return conversation_render(instance)


class MessageSendInputSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    content = StrictCharField(max_length=MAX_MESSAGE_LENGTH)
    client_message_id = StrictCharField(max_length=MAX_CLIENT_MESSAGE_ID_LENGTH, required=False)


class MessageOutputSerializer(serializers.Serializer):
    """Documents the shape; rendering is `message_render`, shared with the live events."""

    id = serializers.UUIDField()
    conversation = serializers.UUIDField()
    role = serializers.ChoiceField(choices=Message.Role.choices)
    content = serializers.CharField(help_text="A streaming reply's text so far.")
    status = serializers.ChoiceField(choices=Message.Status.choices)
    reply_to = serializers.UUIDField(allow_null=True, help_text="The message a reply answers.")
    client_message_id = serializers.CharField(allow_null=True)
    recalled_memory_ids = serializers.ListField(child=serializers.UUIDField())
    model = serializers.CharField()
    usage = serializers.DictField(child=serializers.IntegerField(), allow_null=True)
    error = serializers.CharField()
    ingestion_job = serializers.UUIDField(
        allow_null=True, help_text="For a user message: the job turning it into memories."
    )
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)

    def to_representation(self, instance: Message) -> dict[str, Any]:
        return message_render(instance)


class MessageSentSerializer(serializers.Serializer):
    message = MessageOutputSerializer()
    reply = MessageOutputSerializer()
