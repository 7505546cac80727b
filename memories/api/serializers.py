"""Input serializers validate and hand `validated_data` to a service; output serializers render."""

import json
from typing import Any

from rest_framework import serializers

from core.api.fields import JSONObjectField, StrictCharField, StrictFloatField
from core.api.serializers import RejectUnknownFieldsMixin
from core.api.views import MAX_PAGE_SIZE
from memories.models import MAX_CONTENT_LENGTH, Memory, MemoryCollection, MemoryEvent
from memories.representations import (
    memory_collection_render,
    memory_event_render,
    memory_render,
    search_result_render,
)
from memories.selectors import SEARCH_MODES, SearchResult

METADATA_MAX_BYTES = 16 * 1024
QUERY_MAX_LENGTH = 2000
MAX_TOP_K = 100


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
    mode = serializers.ChoiceField(
        choices=SEARCH_MODES,
        default="hybrid",
        help_text="hybrid: meaning and words fused by reciprocal rank fusion; vector: meaning"
        " (cosine similarity of embeddings); text: words (PostgreSQL full-text matching).",
    )
    min_score = StrictFloatField(
        min_value=-1.0,
        max_value=1.0,
        required=False,
        allow_null=True,
        help_text="Leave out results whose `similarity` (cosine) is below this, in any mode.",
    )


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
    score = serializers.FloatField(
        help_text="What orders the results: the reciprocal-rank-fusion score (hybrid), the cosine"
        " similarity (vector) or the full-text rank (text)."
    )
    similarity = serializers.FloatField(help_text="Cosine similarity to the query, in any mode.")

    def to_representation(self, instance: SearchResult) -> dict[str, Any]:
        return search_result_render(**instance._asdict())


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
