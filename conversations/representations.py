"""The one JSON shape of a conversation and of a message: the API, the live events, the export."""

from __future__ import annotations

from typing import Any

from core.api.datetimes import iso_datetime

from .models import Conversation, Message


def conversation_render(conversation: Conversation) -> dict[str, Any]:
    return {
        "id": str(conversation.id),
        "title": conversation.title,
        "created_at": iso_datetime(conversation.created_at),
        "updated_at": iso_datetime(conversation.updated_at),
        "last_activity_at": iso_datetime(conversation.last_activity_at),
    }


def message_render(message: Message) -> dict[str, Any]:
    """The one JSON shape of a message, used by the API, the live events and the export."""
    return {
        "id": str(message.id),
        "conversation": str(message.conversation_id),
        "role": message.role,
        "content": message.content,
        "status": message.status,
        "reply_to": str(message.reply_to_id) if message.reply_to_id else None,
        "client_message_id": message.client_message_id,
        "recalled_memory_ids": message.recalled_memory_ids,
        "model": message.model,
        "usage": message.usage,
        "error": message.error,
        "ingestion_job": str(message.ingestion_job_id) if message.ingestion_job_id else None,
        "created_at": iso_datetime(message.created_at),
        "updated_at": iso_datetime(message.updated_at),
        "finished_at": iso_datetime(message.finished_at),
    }
