"""The replies' Prometheus metrics: how many ended how, and how long the user waited."""

from __future__ import annotations

import datetime

from prometheus_client import Counter, Histogram

from core.observability.metrics import finished_on_commit

REPLY_BUCKETS = (0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0)

chat_replies = Counter("chat_replies", "Replies finished, by status.", ["status"])
chat_reply_duration = Histogram(
    "chat_reply_duration_seconds",
    "From the user's message to the end of the reply (queueing included), by status.",
    ["status"], buckets=REPLY_BUCKETS,
)  # fmt: skip


def reply_finished(*, status: str, created_at: datetime.datetime) -> None:
    finished_on_commit(chat_replies, chat_reply_duration, status=status, created_at=created_at)
