"""The request id travels with the Celery tasks a request sends (a message header), and is the
context of the task's log lines in the worker."""

from __future__ import annotations

from typing import Any

from celery import signals

from .context import bind, current_request_id

HEADER = "request_id"


def request_id_attach(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    request_id = current_request_id()
    if request_id is not None and headers is not None:
        headers.setdefault(HEADER, request_id)


def request_id_bind(task: Any = None, **kwargs: Any) -> None:
    bind(getattr(task.request, HEADER, None) if task is not None else None)


def request_id_unbind(**kwargs: Any) -> None:
    bind(None)


def connect() -> None:
    """Called once, by config/celery.py, in every process that loads the Celery app."""
    signals.before_task_publish.connect(request_id_attach)
    signals.task_prerun.connect(request_id_bind)
    signals.task_postrun.connect(request_id_unbind)
