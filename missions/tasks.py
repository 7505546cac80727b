"""Celery tasks of the missions. A mission is claimed by one run at a time (services.runs), so
a redelivered task never works a step twice at once; tasks are acknowledged late and requeued
if their worker dies, the sweep sends again what a worker never got or lost, and the wake-up
resumes the missions whose check-in has come."""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task

from . import services
from .pipelines.runner import mission_advance


class MissionTask(Task):
    """Fails the mission when its run dies of a bug or the time limit."""

    def on_failure(self, exc: Exception, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
        mission_id = kwargs.get("mission_id") or args[0]
        services.mission_fail(mission_id=mission_id, error=f"{type(exc).__name__}: {exc}")


@shared_task(base=MissionTask, acks_late=True, reject_on_worker_lost=True)
def mission_run(mission_id: str) -> None:
    mission_advance(mission_id=mission_id)


@shared_task(acks_late=True)
def missions_sweep() -> int:
    """Send again the missions the workers never got or lost; returns how many were sent."""
    return services.missions_resend()


@shared_task(acks_late=True)
def missions_wake() -> int:
    """Resume the scheduled missions whose check-in has come; returns how many."""
    return services.missions_wake_due()
