"""Handing replies to the workers: by task name, so that services never import the tasks."""

from __future__ import annotations

import uuid

from django.utils import timezone

from memories.queue import task_send

from ..models import Message

REPLY_RUN = "conversations.tasks.reply_run"


def reply_send(*, message_id: uuid.UUID | str) -> bool:
    """Hand the reply to the workers, failing fast when the broker is down (the sweep sends it
    later); called once the reply is committed."""
    if not task_send(name=REPLY_RUN, args=[str(message_id)]):
        return False
    Message.objects.filter(pk=message_id).update(enqueued_at=timezone.now())
    return True
