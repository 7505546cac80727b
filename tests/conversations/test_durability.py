"""A reply is never left streaming by a dead worker, and never made twice."""

import datetime

import pytest
from django.utils import timezone

from conversations.models import Message
from conversations.pipelines.runner import reply_generate
from conversations.services import (
    conversation_create,
    message_send,
    replies_to_resend,
    reply_complete,
    reply_progress,
    reply_start,
)

pytestmark = pytest.mark.django_db(transaction=True)


def _reply(user) -> Message:
    _, reply, _ = message_send(conversation=conversation_create(user=user), content="Hi")
    return reply


def _went_silent(reply: Message, *, seconds: int, attempts: int = 1) -> None:
    """What a worker killed mid-reply leaves: streaming, half written, its heartbeat old."""
    long_ago = timezone.now() - datetime.timedelta(seconds=seconds)
    Message.objects.filter(pk=reply.pk).update(
        status="streaming", content="I remem", heartbeat_at=long_ago, attempts=attempts,
        enqueued_at=long_ago, updated_at=long_ago,
    )  # fmt: skip


def test_a_reply_whose_worker_died_is_sent_again_and_finished_once(user, settings):
    reply = _reply(user)
    Message.objects.filter(pk=reply.pk).update(enqueued_at=timezone.now())
    _went_silent(reply, seconds=settings.CHAT_STALE_SECONDS + 1)
    assert replies_to_resend() == [reply.pk]
    reply_generate(message_id=reply.pk)
    reply.refresh_from_db()
    assert (reply.status, reply.attempts) == ("completed", 2)
    assert reply.content.startswith("I don't know much")
    assert replies_to_resend() == []


def test_a_reply_still_streaming_is_not_taken_over(user, settings):
    reply = _reply(user)
    _went_silent(reply, seconds=settings.CHAT_STALE_SECONDS - 30)
    assert replies_to_resend() == []
    assert reply_start(message_id=reply.pk) is None  # a redelivered task leaves it alone
    assert Message.objects.get(pk=reply.pk).attempts == 1


def test_a_reply_that_keeps_dying_is_failed(user, settings):
    reply = _reply(user)
    _went_silent(
        reply, seconds=settings.CHAT_STALE_SECONDS + 1, attempts=settings.CHAT_MAX_ATTEMPTS
    )
    assert replies_to_resend() == []
    reply.refresh_from_db()
    assert (reply.status, reply.error) == (
        "failed",
        f"gave up after {settings.CHAT_MAX_ATTEMPTS} attempts",
    )


def test_a_run_that_lost_its_reply_writes_nothing_more(user, settings):
    reply = _reply(user)
    first = reply_start(message_id=reply.pk)
    _went_silent(reply, seconds=settings.CHAT_STALE_SECONDS + 1)
    second = reply_start(message_id=reply.pk)
    assert second is not None
    assert second.run_id != first.run_id
    assert not reply_progress(reply=first, content="stale")
    assert (
        reply_complete(reply=first, content="stale", model="local", usage=None, memory_ids=[])
        is None
    )
    assert reply_complete(reply=second, content="fresh", model="local", usage=None, memory_ids=[])
    assert Message.objects.get(pk=reply.pk).content == "fresh"


def test_pending_replies_never_sent_are_picked_up_after_the_grace(user, settings):
    reply = _reply(user)
    Message.objects.filter(pk=reply.pk).update(enqueued_at=None)
    assert replies_to_resend() == []
    settings.CHAT_UNSENT_GRACE_SECONDS = 0
    assert replies_to_resend() == [reply.pk]


def test_replies_sent_long_ago_but_never_started_are_sent_again(user, settings):
    reply = _reply(user)
    long_ago = timezone.now() - datetime.timedelta(seconds=settings.CHAT_REQUEUE_AFTER_SECONDS + 1)
    Message.objects.filter(pk=reply.pk).update(enqueued_at=long_ago)
    assert replies_to_resend() == [reply.pk]
    Message.objects.filter(pk=reply.pk).update(enqueued_at=timezone.now())
    assert replies_to_resend() == []
