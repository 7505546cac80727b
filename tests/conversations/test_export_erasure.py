"""A user's conversations are in their export, and go with them when Clerk deletes the user."""

import pytest

from accounts.models import User
from conversations.models import Conversation, Message
from conversations.pipelines.runner import reply_generate
from conversations.services import conversation_create, message_send
from tests.support.webhooks import WEBHOOK_SECRET, deleted_event, deliver

pytestmark = pytest.mark.django_db(transaction=True)


def _chat(user, text: str) -> Conversation:
    conversation = conversation_create(user=user, title=text)
    _, reply, _ = message_send(conversation=conversation, content=text)
    reply_generate(message_id=reply.pk)
    return conversation


def test_the_export_holds_the_users_conversations_and_nobody_elses(user_client, user, other_user):
    mine = _chat(user, "I live in Porto")
    _chat(other_user, "I live in Oslo")
    export = user_client.get("/api/v1/users/me/export").json()
    (conversation,) = export["conversations"]
    assert (conversation["id"], conversation["title"]) == (str(mine.pk), "I live in Porto")
    assert [(m["role"], m["status"]) for m in conversation["messages"]] == [
        ("user", "completed"),
        ("assistant", "completed"),
    ]
    assert conversation["messages"][0]["content"] == "I live in Porto"
    assert "Oslo" not in str(export)


def test_user_deleted_erases_conversations_and_messages(client, settings, user, other_user):
    settings.CLERK_WEBHOOK_SECRET = WEBHOOK_SECRET
    _chat(user, "I live in Porto")
    kept = _chat(other_user, "I live in Oslo")
    assert deliver(client, deleted_event(user.clerk_user_id)).status_code == 200
    assert not User.objects.filter(pk=user.pk).exists()
    assert not Conversation.objects.filter(user_id=user.pk).exists()
    assert not Message.objects.filter(user_id=user.pk).exists()
    assert list(Conversation.objects.all()) == [kept]
    assert Message.objects.filter(conversation=kept).count() == 2
