"""Input serializers validate and hand `validated_data` to a service; output serializers render."""

import json
import math
from typing import Any

from rest_framework import serializers

from accounts.api.serializers import JSONObjectField
from config.fields import StrictCharField
from memories.models import MAX_CONTENT_LENGTH, Memory, MemoryCollection, MemoryEvent
from memories.representations import memory_collection_render, memory_event_render, memory_render

METADATA_MAX_BYTES = 16 * 1024
QUERY_MAX_LENGTH = 2000
MAX_PAGE_SIZE = 200
MAX_TOP_K = 100


class StrictFloatField(serializers.FloatField):
    """A finite JSON number (or numeric string); booleans, NaN and infinities are refused."""

    def to_internal_value(self, data: Any) -> float:
        if isinstance(data, bool):
            self.fail("invalid")
        value = super().to_internal_value(data)
        if not math.isfinite(value):
            self.fail("invalid")
        return value


class MetadataField(JSONObjectField):
    """A JSON object of at most METADATA_MAX_BYTES."""

    default_error_messages = {
        "too_large": f"Must be at most {METADATA_MAX_BYTES} bytes as JSON.",
    }

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        metadata = super().to_internal_value(data)
        if len(json.dumps(metadata, separators=(",", ":")).encode()) > METADATA_MAX_BYTES:
            self.fail("too_large")
        return metadata


class RejectUnknownFieldsMixin:
    """A misspelt field is an error rather than silently ignored."""

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(self.initial_data) - set(self.fields))  # type: ignore[attr-defined]
        if unknown:
            raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return attrs


# --- memories -------------------------------------------------------------------


class MemoryInputSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    """Create a memory, or (partial) change one."""

    content = StrictCharField(max_length=MAX_CONTENT_LENGTH)
    tier = serializers.ChoiceField(choices=Memory.Tier.choices, required=False)
    importance = StrictFloatField(min_value=0.0, max_value=1.0, required=False)
    collection = serializers.UUIDField(required=False, allow_null=True)
    metadata = MetadataField(required=False)
    expires_at = serializers.DateTimeField(required=False, allow_null=True)


class MemoryListFilterSerializer(serializers.Serializer):
    tier = serializers.ChoiceField(choices=Memory.Tier.choices, required=False)
    collection = serializers.UUIDField(required=False)
    created_after = serializers.DateTimeField(required=False)
    created_before = serializers.DateTimeField(required=False)
    page_size = serializers.IntegerField(min_value=1, max_value=MAX_PAGE_SIZE, required=False)
    cursor = serializers.CharField(required=False)


class MemorySearchInputSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    query = StrictCharField(max_length=QUERY_MAX_LENGTH)
    top_k = serializers.IntegerField(min_value=1, max_value=MAX_TOP_K, default=10)
    tiers = serializers.ListField(
        child=serializers.ChoiceField(choices=Memory.Tier.choices), required=False
    )
    collection = serializers.UUIDField(required=False, allow_null=True)
    min_score = StrictFloatField(min_value=-1.0, max_value=1.0, required=False, allow_null=True)


class MemoryOutputSerializer(serializers.Serializer):
    """Documents the shape; rendering is `memory_render`, shared with the live events."""

    id = serializers.UUIDField()
    content = serializers.CharField()
    tier = serializers.ChoiceField(choices=Memory.Tier.choices)
    importance = serializers.FloatField()
    collection = serializers.UUIDField(allow_null=True)
    metadata = serializers.DictField()
    source = serializers.ChoiceField(choices=Memory.Source.choices)
    embedding_model = serializers.CharField()
    access_count = serializers.IntegerField()
    last_accessed_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def to_representation(self, instance: Memory) -> dict[str, Any]:
        return memory_render(instance)


class MemorySearchResultSerializer(MemoryOutputSerializer):
    score = serializers.FloatField(help_text="Cosine similarity to the query.")

    def to_representation(self, instance: tuple[Memory, float]) -> dict[str, Any]:
        memory, score = instance
        return {**memory_render(memory), "score": score}


class MemorySearchOutputSerializer(serializers.Serializer):
    results = MemorySearchResultSerializer(many=True)


class MemoryEventOutputSerializer(serializers.Serializer):
    """Documents the shape; rendering is `memory_event_render`, shared with the export."""

    id = serializers.IntegerField()
    memory_id = serializers.UUIDField()
    event = serializers.ChoiceField(choices=MemoryEvent.Event.choices)
    old_content = serializers.CharField(allow_null=True)
    new_content = serializers.CharField(allow_null=True)
    actor = serializers.ChoiceField(choices=MemoryEvent.Actor.choices)
    job = serializers.UUIDField(allow_null=True)
    created_at = serializers.DateTimeField()

    def to_representation(self, instance: MemoryEvent) -> dict[str, Any]:
        return memory_event_render(instance)


class DuplicateMemorySerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
    existing_id = serializers.UUIDField()


# --- collections ----------------------------------------------------------------


class MemoryCollectionInputSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    name = StrictCharField(max_length=200)
    description = StrictCharField(max_length=2000, allow_blank=True, required=False)


class MemoryCollectionOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    description = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def to_representation(self, instance: MemoryCollection) -> dict[str, Any]:
        return memory_collection_render(instance)
