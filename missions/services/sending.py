"""Handing mission runs to the workers: by task name, so that services never import the tasks."""

from __future__ import annotations

import uuid

from django.utils import timezone

from memories.queue import task_send

from ..models import Mission

MISSION_RUN = "missions.tasks.mission_run"


def mission_send(*, mission_id: uuid.UUID | str) -> bool:
    """Hand a run of the mission to the workers, failing fast when the broker is down (the
    sweep sends it later); called once the mission is committed."""
    if not task_send(name=MISSION_RUN, args=[str(mission_id)]):
        return False
    Mission.objects.filter(pk=mission_id).update(enqueued_at=timezone.now())
    return True
