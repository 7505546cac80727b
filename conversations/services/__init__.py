"""Writes to conversations and messages (re-exported: import from `conversations.services`)."""

from .conversations import (
    NotAReply,
    ReplyInProgress,
    ReplyNotCancellable,
    ReplyNotRetryable,
    conversation_create,
    conversation_delete,
    conversation_update,
    message_send,
    reply_cancel,
    reply_retry,
)
from .replies import (
    replies_resend,
    replies_to_resend,
    reply_complete,
    reply_delta,
    reply_fail,
    reply_progress,
    reply_start,
    reply_stopped,
)
from .sending import reply_send

__all__ = [
    "NotAReply",
    "ReplyInProgress",
    "ReplyNotCancellable",
    "ReplyNotRetryable",
    "conversation_create",
    "conversation_delete",
    "conversation_update",
    "message_send",
    "replies_resend",
    "replies_to_resend",
    "reply_cancel",
    "reply_complete",
    "reply_delta",
    "reply_fail",
    "reply_progress",
    "reply_retry",
    "reply_send",
    "reply_start",
    "reply_stopped",
]
