"""Replies as durable runs (`core.durable`), and handing them to the workers: by task name, so
that services never import the tasks."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db.models import Q

from core.durable import DurableRuns, RunLimits, run_send, task_send

from ..models import Message

REPLY_RUN = "conversations.tasks.reply_run"


def _limits() -> RunLimits:
    return RunLimits(
        max_attempts=settings.CHAT_MAX_ATTEMPTS,
        unsent_grace=settings.CHAT_UNSENT_GRACE_SECONDS,
        requeue_after=settings.CHAT_REQUEUE_AFTER_SECONDS,
        stale_after=settings.CHAT_STALE_SECONDS,
        batch=settings.CHAT_SWEEP_BATCH,
    )


REPLY_RUNS = DurableRuns(
    model=Message,
    task=REPLY_RUN,
    ready=(Message.Status.PENDING,),
    running=Message.Status.STREAMING,
    limits=_limits,
    scope=Q(role=Message.Role.ASSISTANT),
)


def reply_send(*, message_id: uuid.UUID | str) -> bool:
    """Hand the reply to the workers, failing fast when the broker is down (the sweep sends it
    later); called once the reply is committed."""
    return run_send(REPLY_RUNS, pk=message_id, publish=task_send)
