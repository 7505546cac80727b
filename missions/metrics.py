"""The missions' Prometheus metrics: how many ended how, and how long their steps took."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from prometheus_client import Counter, Histogram

from core.observability.metrics import finished_on_commit

MISSION_BUCKETS = (1.0, 10.0, 60.0, 600.0, 3600.0, 21600.0, 86400.0, 259200.0, 604800.0)
STEP_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)

missions = Counter("missions", "Missions finished, by status.", ["status"])
mission_duration = Histogram(
    "mission_duration_seconds", "From the goal to the mission's end, by status.", ["status"],
    buckets=MISSION_BUCKETS,
)  # fmt: skip
mission_steps = Counter("mission_steps", "Mission steps finished, by kind and status.",
                        ["kind", "status"])  # fmt: skip
mission_step_duration = Histogram(
    "mission_step_duration_seconds",
    "From a step's start to its end (a question's wait for the answer included), by kind.",
    ["kind"], buckets=STEP_BUCKETS,
)  # fmt: skip


def mission_finished(*, status: str, created_at: datetime.datetime) -> None:
    finished_on_commit(missions, mission_duration, status=status, created_at=created_at)


def step_finished(*, kind: str, status: str, started_at: datetime.datetime | None) -> None:
    seconds = (timezone.now() - started_at).total_seconds() if started_at else 0.0

    def record() -> None:
        mission_steps.labels(kind, status).inc()
        mission_step_duration.labels(kind).observe(seconds)

    transaction.on_commit(record)
