"""Writes a client asks for: conversations, the messages it sends, cancel and retry."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from memories.events import publish

from .. import metrics
from ..models import MAX_TITLE_LENGTH, Conversation, Message
from ..representations import message_render
from ..selectors import ACTIVE, message_by_client_id, reply_in_progress
from .sending import reply_send

TITLE_FROM_MESSAGE_LENGTH = 80


class ReplyInProgress(Exception):
    """The conversation's companion is still replying to an earlier message."""


class NotAReply(Exception):
    """Only the companion's replies can be cancelled or retried."""


class ReplyNotCancellable(Exception):
    """The reply has already finished."""


class ReplyNotRetryable(Exception):
    """Only a failed or cancelled reply can be retried."""


def conversation_create(*, user: User, title: str = "") -> Conversation:
    return Conversation.objects.create(user=user, title=title.strip())


def conversation_update(*, conversation: Conversation, title: str) -> Conversation:
    conversation.title = title.strip()
    conversation.save(update_fields=["title", "updated_at"])
    return conversation


def conversation_delete(*, conversation: Conversation) -> None:
    """Delete the conversation and its messages; a reply still streaming stops at its next write."""
    conversation.delete()


def _locked(conversation: Conversation) -> Conversation:
    return Conversation.objects.select_for_update().get(pk=conversation.pk)


def _touch(conversation: Conversation, *, title_from: str = "") -> None:
    conversation.last_activity_at = timezone.now()
    fields = ["last_activity_at", "updated_at"]
    if title_from and not conversation.title:
        conversation.title = " ".join(title_from.split())[:TITLE_FROM_MESSAGE_LENGTH]
        fields.append("title")
    conversation.save(update_fields=fields)


@transaction.atomic
def message_send(
    *, conversation: Conversation, content: str, client_message_id: str | None = None
) -> tuple[Message, Message, bool]:
    """Store the user's message and the pending reply to it: (message, reply, created).

    The same `client_message_id` gives back the pair it first created (and False), so that a
    retried request never produces two replies. Raises ReplyInProgress while a reply runs.
    The reply goes to the workers once this commits (or, the broker being down, with the sweep).
    """
    locked = _locked(conversation)  # one send at a time per conversation
    if client_message_id is not None:
        existing = message_by_client_id(conversation=locked, client_message_id=client_message_id)
        if existing is not None:
            return existing, existing.reply, False
    if reply_in_progress(conversation=locked):
        raise ReplyInProgress(str(locked.pk))
    said = Message.objects.create(
        conversation=locked, user_id=locked.user_id, role=Message.Role.USER,
        content=content, client_message_id=client_message_id,
    )  # fmt: skip
    reply = Message.objects.create(
        conversation=locked, user_id=locked.user_id, role=Message.Role.ASSISTANT,
        status=Message.Status.PENDING, reply_to=said,
    )  # fmt: skip
    _touch(locked, title_from=content[:MAX_TITLE_LENGTH])
    transaction.on_commit(lambda: reply_send(message_id=reply.pk))
    return said, reply, True


def _locked_reply(reply: Message) -> Message:
    locked = Message.objects.select_for_update().get(pk=reply.pk)
    if locked.role != Message.Role.ASSISTANT:
        raise NotAReply(str(reply.pk))
    return locked


def reply_publish(reply: Message, event_type: str) -> None:
    publish(user_id=reply.user_id, event_type=event_type, data={"message": message_render(reply)})


@transaction.atomic
def reply_cancel(*, reply: Message) -> Message:
    """Stop a pending or streaming reply; the run sees it before its next chunk is written.

    Cancelling a cancelled reply changes nothing. Raises ReplyNotCancellable once finished.
    """
    locked = _locked_reply(reply)
    if locked.status == Message.Status.CANCELLED:
        return locked
    if locked.status not in ACTIVE:
        raise ReplyNotCancellable(str(reply.pk))
    locked.status, locked.finished_at = Message.Status.CANCELLED, timezone.now()
    locked.save(update_fields=["status", "finished_at", "updated_at"])
    reply_publish(locked, "message.cancelled")
    metrics.reply_finished(status=locked.status, created_at=locked.created_at)
    return locked


@transaction.atomic
def reply_retry(*, reply: Message) -> Message:
    """Make a failed or cancelled reply pending again, from scratch, and send it on commit.

    Raises ReplyNotRetryable for any other reply, ReplyInProgress while another one runs.
    """
    conversation = _locked(reply.conversation)
    locked = _locked_reply(reply)
    if locked.status not in (Message.Status.FAILED, Message.Status.CANCELLED):
        raise ReplyNotRetryable(str(reply.pk))
    if reply_in_progress(conversation=conversation):
        raise ReplyInProgress(str(conversation.pk))
    locked.status, locked.content, locked.error = Message.Status.PENDING, "", ""
    locked.attempts, locked.run_id, locked.usage = 0, None, None
    locked.enqueued_at = locked.heartbeat_at = locked.finished_at = None
    locked.save()
    _touch(conversation)
    transaction.on_commit(lambda: reply_send(message_id=locked.pk))
    return locked
