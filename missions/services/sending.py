"""Missions as durable runs (`core.durable`), and handing them to the workers: by task name,
so that services never import the tasks."""

from __future__ import annotations

import uuid

from django.conf import settings

from core.durable import DurableRuns, RunLimits, run_send, task_send

from ..models import Mission

MISSION_RUN = "missions.tasks.mission_run"


def _limits() -> RunLimits:
    return RunLimits(
        max_attempts=settings.MISSIONS_MAX_ATTEMPTS,
        unsent_grace=settings.MISSIONS_UNSENT_GRACE_SECONDS,
        requeue_after=settings.MISSIONS_REQUEUE_AFTER_SECONDS,
        stale_after=settings.MISSIONS_STALE_SECONDS,
        batch=settings.MISSIONS_SWEEP_BATCH,
    )


# Waiting for a worker: a new mission (planning) or one that goes on (running, not claimed).
MISSION_RUNS = DurableRuns(
    model=Mission,
    task=MISSION_RUN,
    ready=(Mission.Status.PLANNING, Mission.Status.RUNNING),
    running=Mission.Status.RUNNING,
    limits=_limits,
)


def mission_send(*, mission_id: uuid.UUID | str) -> bool:
    """Hand a run of the mission to the workers, failing fast when the broker is down (the
    sweep sends it later); called once the mission is committed."""
    return run_send(MISSION_RUNS, pk=mission_id, publish=task_send)
