"""Replies as durable runs (`core.durable`), and handing them to the workers: by task name, so
that services never import the tasks."""

from __future__ import annotations

import uuid

from django.db.models import Q

from core.durable import DurableRuns, limits_from_settings, run_send, task_send

from ..models import Message

REPLY_RUN = "conversations.tasks.reply_run"


REPLY_RUNS = DurableRuns(
    model=Message,
    task=REPLY_RUN,
    ready=(Message.Status.PENDING,),
    running=Message.Status.STREAMING,
    limits=limits_from_settings("CHAT"),
    scope=Q(role=Message.Role.ASSISTANT),
)


def reply_send(*, message_id: uuid.UUID | str) -> bool:
    """Hand the reply to the workers, failing fast when the broker is down (the sweep sends it
    later); called once the reply is committed."""
    return run_send(REPLY_RUNS, pk=message_id, publish=task_send)
