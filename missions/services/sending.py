"""Missions as durable runs (`core.durable`), and handing them to the workers: by task name,
so that services never import the tasks."""

from __future__ import annotations

import uuid

from core.durable import DurableRuns, limits_from_settings, run_send, task_send

from ..models import Mission

MISSION_RUN = "missions.tasks.mission_run"


# Waiting for a worker: a new mission (planning) or one that goes on (running, not claimed).
MISSION_RUNS = DurableRuns(
    model=Mission,
    task=MISSION_RUN,
    ready=(Mission.Status.PLANNING, Mission.Status.RUNNING),
    running=Mission.Status.RUNNING,
    limits=limits_from_settings("MISSIONS"),
)


def mission_send(*, mission_id: uuid.UUID | str) -> bool:
    """Hand a run of the mission to the workers, failing fast when the broker is down (the
    sweep sends it later); called once the mission is committed."""
    return run_send(MISSION_RUNS, pk=mission_id, publish=task_send)
