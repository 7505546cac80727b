"""Helpers for the conversations tests: sending a message and reading what came back."""

from __future__ import annotations

from conversations.models import Conversation


def messages_url(conversation: Conversation | str) -> str:
    conversation_id = conversation.pk if isinstance(conversation, Conversation) else conversation
    return f"/api/v1/conversations/{conversation_id}/messages"


def send(client, conversation, content: str, **extra) -> dict:
    """POST a message; asserts a 202 and returns {"message": ..., "reply": ...}."""
    response = client.post(messages_url(conversation), {"content": content, **extra}, format="json")
    assert response.status_code == 202, response.content
    return response.json()
