"""Reads of missions and their steps, always scoped to one user."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.db.models import QuerySet

from accounts.models import User
from memories.selectors.lookup import as_uuid

from .models import Mission, MissionStep
from .representations import mission_render, step_render

UNFINISHED = (
    Mission.Status.PLANNING, Mission.Status.RUNNING, Mission.Status.WAITING,
    Mission.Status.SCHEDULED, Mission.Status.PAUSED,
)  # fmt: skip
FINISHED = (Mission.Status.COMPLETED, Mission.Status.FAILED, Mission.Status.CANCELLED)


def mission_list(*, user: User, status: str | None = None) -> QuerySet[Mission]:
    """The user's missions, newest first, of one status when given."""
    missions = Mission.objects.filter(user=user)
    if status:
        missions = missions.filter(status=status)
    return missions.order_by("-created_at", "-id")


def mission_get(*, user: User, mission_id: uuid.UUID | str) -> Mission | None:
    """The user's mission; None for another user's, a missing or a malformed id."""
    pk = as_uuid(mission_id)
    if pk is None:
        return None
    return Mission.objects.filter(user=user, pk=pk).first()


def mission_by_client_id(*, user: User, client_mission_id: str) -> Mission | None:
    return Mission.objects.filter(user=user, client_mission_id=client_mission_id).first()


def missions_unfinished_count(*, user: User) -> int:
    return Mission.objects.filter(user=user, status__in=UNFINISHED).count()


def step_list(*, mission: Mission) -> QuerySet[MissionStep]:
    return MissionStep.objects.filter(mission=mission).order_by("index")


def missions_to_wake(*, now: datetime.datetime) -> QuerySet[Mission]:
    """Scheduled missions whose check-in has come."""
    return Mission.objects.filter(status=Mission.Status.SCHEDULED, wake_at__lte=now).order_by(
        "wake_at"
    )


def missions_export(*, user: User) -> list[dict[str, Any]]:
    """The user's missions, oldest first, each with its steps in order."""
    steps: dict[uuid.UUID, list[dict[str, Any]]] = {}
    for step in MissionStep.objects.filter(mission__user=user).order_by("mission", "index"):
        steps.setdefault(step.mission_id, []).append(step_render(step))
    return [
        {**mission_render(mission), "steps": steps.get(mission.id, [])}
        for mission in Mission.objects.filter(user=user).order_by("created_at", "id")
    ]
