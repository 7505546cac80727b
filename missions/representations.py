"""The one JSON shape of a mission and of a step: the API, the live events, the export."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from core.api.datetimes import iso_datetime

from .models import Mission, MissionStep


def question_render(mission: Mission) -> dict[str, Any] | None:
    """The question the mission waits on, or None."""
    if mission.status != Mission.Status.WAITING or mission.question_id is None:
        return None
    return {
        "id": str(mission.question_id),
        "text": mission.question_text,
        "asked_at": iso_datetime(mission.question_asked_at),
    }


def mission_render(mission: Mission) -> dict[str, Any]:
    return {
        "id": str(mission.id),
        "title": mission.title,
        "goal": mission.goal,
        "status": mission.status,
        "question": question_render(mission),
        "wake_at": iso_datetime(mission.wake_at),
        "collection": str(mission.collection_id) if mission.collection_id else None,
        "summary": mission.summary,
        "error": mission.error,
        "client_mission_id": mission.client_mission_id,
        "attempts": mission.attempts,
        "created_at": iso_datetime(mission.created_at),
        "updated_at": iso_datetime(mission.updated_at),
        "finished_at": iso_datetime(mission.finished_at),
    }


def step_render(step: MissionStep) -> dict[str, Any]:
    return {
        "id": str(step.id),
        "index": step.index,
        "title": step.title,
        "kind": step.kind,
        "status": step.status,
        "output": step.output,
        "attempts": step.attempts,
        "started_at": iso_datetime(step.started_at),
        "finished_at": iso_datetime(step.finished_at),
    }


def mission_detail_render(mission: Mission, steps: Iterable[MissionStep]) -> dict[str, Any]:
    return {**mission_render(mission), "steps": [step_render(step) for step in steps]}
