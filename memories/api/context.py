"""The memory block for apps that run their own model: POST /memories/context."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.errors import DomainErrorsMixin
from core.api.serializers import RejectUnknownFieldsMixin
from memories.representations import memory_render
from memories.services import MemoryContext, memory_context

from .errors import MEMORY_ERRORS
from .ingestion import MAX_MESSAGES, MessageInputSerializer
from .serializers import MemoryOutputSerializer

DEFAULT_MAX_CHARACTERS = 2000
MAX_CHARACTERS = 20000


class ContextInputSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    messages = MessageInputSerializer(many=True, min_length=1, max_length=MAX_MESSAGES)
    max_characters = serializers.IntegerField(
        min_value=1, max_value=MAX_CHARACTERS, default=DEFAULT_MAX_CHARACTERS
    )


class ContextMemorySerializer(MemoryOutputSerializer):
    score = serializers.FloatField(
        allow_null=True,
        help_text="Relevance to the messages (the hybrid search's fused score); null for core"
        " memories.",
    )


class ContextOutputSerializer(serializers.Serializer):
    context = serializers.CharField(help_text="The block to put in a prompt; empty if none.")
    memories = ContextMemorySerializer(many=True, help_text="What the block holds, in order.")


def context_render(context: MemoryContext) -> dict[str, Any]:
    return {
        "context": context.text,
        "memories": [{**memory_render(m), "score": score} for m, score in context.memories],
    }


class MemoryContextView(DomainErrorsMixin, APIView):
    """Core memories, then the most relevant to the latest messages, within the budget."""

    domain_errors = MEMORY_ERRORS

    @extend_schema(request=ContextInputSerializer, responses=ContextOutputSerializer)
    def post(self, request: Request) -> Response:
        serializer = ContextInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        context = memory_context(user=request.user, **serializer.validated_data)
        return Response(context_render(context))
