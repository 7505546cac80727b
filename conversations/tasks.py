"""Celery tasks of the replies. A reply is claimed by one run at a time (see services.replies),
so a redelivered task never makes a second reply; tasks are acknowledged late and requeued if
their worker dies, and the sweep sends again what a worker never got or lost."""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task

from . import services
from .pipelines.runner import reply_generate


class ReplyTask(Task):
    """Fails the reply when its run dies of a bug or the time limit."""

    def on_failure(self, exc: Exception, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
        message_id = kwargs.get("message_id") or args[0]
        services.reply_fail(message_id=message_id, error=f"{type(exc).__name__}: {exc}")


@shared_task(base=ReplyTask, acks_late=True, reject_on_worker_lost=True)
def reply_run(message_id: str) -> None:
    reply_generate(message_id=message_id)


@shared_task(acks_late=True)
def replies_sweep() -> int:
    """Send again the replies the workers never got or lost; returns how many were sent."""
    return services.replies_resend()
