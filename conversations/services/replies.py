"""The life of a reply on the workers: claimed by one run, streamed, finished once.

A run owns the reply through its `run_id`: every write of a run names it, so a run that lost
the reply (cancelled, or taken over after it went silent) writes nothing more.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from core.durable import run_beat, run_claim, run_owned, runs_resend, runs_to_resend
from memories.events import publish
from memories.services import ingestion_job_create

from .. import metrics
from ..models import Conversation, Message
from ..selectors import ACTIVE, reply_exchange
from .conversations import reply_publish
from .sending import REPLY_RUNS, reply_send

ERROR_MAX_LENGTH = 2000


def reply_start(*, message_id: uuid.UUID | str) -> Message | None:
    """Claim the reply for a new run; None when it is finished, gone or another run is alive.

    A reply whose run went silent is taken over and starts again from nothing.
    """
    return run_claim(
        REPLY_RUNS,
        pk=message_id,
        queryset=Message.objects.select_related("user", "reply_to"),
        changes={"content": ""},
    )


def reply_progress(*, reply: Message, content: str) -> bool:
    """Store the text so far as a sign of life; False when the run no longer owns the reply."""
    return run_beat(REPLY_RUNS, run=reply, changes={"content": content})


def reply_delta(*, reply: Message, index: int, text: str) -> None:
    """Send one piece of the reply to the owner's sockets, in order of `index`."""
    publish(
        user_id=reply.user_id,
        event_type="message.delta",
        data={"conversation": str(reply.conversation_id), "message": str(reply.pk),
              "index": index, "text": text},
    )  # fmt: skip


def reply_stopped(*, reply: Message, content: str) -> None:
    """Keep what a cancelled run had said when it stopped."""
    Message.objects.filter(
        pk=reply.pk, run_id=reply.run_id, status=Message.Status.CANCELLED
    ).update(content=content)


def _exchange_ingest(reply: Message) -> None:
    """Hand the user's new turn, with the turn it answers and the reply, to the memory pipeline."""
    said = reply.reply_to
    job, _ = ingestion_job_create(
        user=reply.user, messages=reply_exchange(reply=reply), idempotency_key=f"chat:{said.pk}"
    )
    Message.objects.filter(pk=said.pk).update(ingestion_job=job)


@transaction.atomic
def reply_complete(
    *,
    reply: Message,
    content: str,
    model: str,
    usage: dict[str, int] | None,
    memory_ids: Sequence[str],
) -> Message | None:
    """Finish the reply, publish it and queue its exchange for ingestion; None if not ours."""
    now = timezone.now()
    changes = {
        "status": Message.Status.COMPLETED, "content": content, "model": model, "usage": usage,
        "recalled_memory_ids": list(memory_ids), "finished_at": now, "heartbeat_at": now,
        "updated_at": now,
    }  # fmt: skip
    if not run_owned(REPLY_RUNS, run=reply).update(**changes):
        return None
    for field, value in changes.items():
        setattr(reply, field, value)
    _exchange_ingest(reply)
    Conversation.objects.filter(pk=reply.conversation_id).update(last_activity_at=now)
    reply_publish(reply, "message.completed")
    metrics.reply_finished(status=reply.status, created_at=reply.created_at)
    return reply


@transaction.atomic
def reply_fail(*, message_id: uuid.UUID | str, error: str, run_id: uuid.UUID | None = None) -> None:
    """Fail an unfinished reply (of run `run_id` when given) and tell its owner."""
    reply = Message.objects.select_for_update().filter(pk=message_id, status__in=ACTIVE).first()
    if reply is None or (run_id is not None and reply.run_id != run_id):
        return
    reply.status, reply.error = Message.Status.FAILED, error[:ERROR_MAX_LENGTH]
    reply.finished_at = timezone.now()
    reply.save(update_fields=["status", "error", "finished_at", "updated_at"])
    reply_publish(reply, "message.failed")
    metrics.reply_finished(status=reply.status, created_at=reply.created_at)


def replies_to_resend(*, now: datetime.datetime | None = None) -> list[uuid.UUID]:
    """The replies the workers never got or lost, to send again; those that went silent
    CHAT_MAX_ATTEMPTS times are failed instead."""
    return runs_to_resend(
        REPLY_RUNS,
        give_up=lambda pk, error: reply_fail(message_id=pk, error=error),
        now=now,
    )


def replies_resend() -> int:
    """The sweep: send again the replies the workers never got or lost; returns how many."""
    return runs_resend(
        REPLY_RUNS,
        send=lambda pk: reply_send(message_id=pk),
        give_up=lambda pk, error: reply_fail(message_id=pk, error=error),
    )
