"""Reads of conversations and messages, always scoped to one user."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import Q, QuerySet

from accounts.models import User
from memories.selectors.lookup import as_uuid

from .models import Conversation, Message
from .representations import conversation_render, message_render

ACTIVE = (Message.Status.PENDING, Message.Status.STREAMING)
HISTORY_MAX_MESSAGES = 200


def conversation_list(*, user: User) -> QuerySet[Conversation]:
    """The user's conversations, most recently active first."""
    return Conversation.objects.filter(user=user).order_by("-last_activity_at", "-id")


def conversation_get(*, user: User, conversation_id: uuid.UUID | str) -> Conversation | None:
    """The user's conversation; None for another user's, a missing or a malformed id."""
    pk = as_uuid(conversation_id)
    if pk is None:
        return None
    return Conversation.objects.filter(user=user, pk=pk).first()


def message_list(*, conversation: Conversation) -> QuerySet[Message]:
    """The conversation's messages, oldest first."""
    return Message.objects.filter(conversation=conversation).order_by("created_at", "id")


def message_get(*, conversation: Conversation, message_id: uuid.UUID | str) -> Message | None:
    pk = as_uuid(message_id)
    if pk is None:
        return None
    return Message.objects.filter(conversation=conversation, pk=pk).first()


def message_by_client_id(*, conversation: Conversation, client_message_id: str) -> Message | None:
    return (
        Message.objects.filter(conversation=conversation, client_message_id=client_message_id)
        .select_related("reply")
        .first()
    )


def reply_in_progress(*, conversation: Conversation) -> bool:
    return Message.objects.filter(conversation=conversation, status__in=ACTIVE).exists()


def reply_history(*, reply: Message, max_characters: int) -> list[dict[str, str]]:
    """The turns before `reply`, oldest first, as many of the latest as fit in the budget.

    The message it answers always comes in; failed and cancelled replies never do.
    """
    earlier = (
        Message.objects.filter(
            conversation_id=reply.conversation_id, created_at__lt=reply.created_at
        )
        .filter(Q(role=Message.Role.USER) | Q(status=Message.Status.COMPLETED))
        .order_by("-created_at", "-id")
        .values_list("role", "content")[:HISTORY_MAX_MESSAGES]
    )
    turns: list[dict[str, str]] = []
    used = 0
    for role, content in earlier:
        used += len(content)
        if turns and used > max_characters:
            break
        turns.append({"role": role, "content": content})
    return turns[::-1]


def conversations_export(*, user: User) -> list[dict[str, Any]]:
    """The user's conversations, oldest first, each with its messages."""
    messages: dict[uuid.UUID, list[dict[str, Any]]] = {}
    for message in Message.objects.filter(user=user).order_by("created_at", "id").iterator():
        messages.setdefault(message.conversation_id, []).append(message_render(message))
    return [
        {**conversation_render(conversation), "messages": messages.get(conversation.id, [])}
        for conversation in Conversation.objects.filter(user=user).order_by("created_at", "id")
    ]


def reply_exchange(*, reply: Message) -> list[dict[str, str]]:
    """What ingestion gets of an exchange: the companion's turn the user answered (if any),
    the user's turn and the reply. Earlier user turns were ingested with their own replies."""
    said = reply.reply_to
    before = (
        Message.objects.filter(
            conversation_id=reply.conversation_id, created_at__lt=said.created_at
        )
        .order_by("-created_at", "-id")
        .values_list("role", "status", "content")
        .first()
    )
    turns = [
        {"role": said.role, "content": said.content},
        {"role": reply.role, "content": reply.content},
    ]
    if before and before[0] == Message.Role.ASSISTANT and before[1] == Message.Status.COMPLETED:
        turns.insert(0, {"role": before[0], "content": before[2]})
    return turns
