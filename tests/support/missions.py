"""Helpers for the missions tests: waiting for a mission's state, its live events in short."""

from __future__ import annotations

from typing import Any

from tests.support.ingestion import JOB_TIMEOUT
from tests.support.processes import wait_for

MISSIONS = "/api/v1/missions"


def mission_until(client: Any, mission_id: str, *statuses: str) -> dict[str, Any]:
    """The mission through the API once it is in one of `statuses` (a worker runs it)."""

    def poll() -> dict[str, Any] | None:
        body = client.get(f"{MISSIONS}/{mission_id}").json()
        return body if body["status"] in statuses else None

    return wait_for(poll, timeout=JOB_TIMEOUT, interval=0.1)


def event_mission(event: dict[str, Any]) -> str:
    """The id of the mission an event is about."""
    mission = event["mission"]
    return mission["id"] if isinstance(mission, dict) else mission


def event_summary(event: dict[str, Any]) -> tuple[Any, ...]:
    """("updated", status), ("step", index, status) or ("question", text)."""
    kind = event["type"].removeprefix("mission.")
    if kind == "updated":
        return kind, event["mission"]["status"]
    if kind == "step":
        return kind, event["step"]["index"], event["step"]["status"]
    return kind, event["question"]["text"]


def mission_timeline(socket: Any) -> list[tuple[Any, ...]]:
    """The `mission.*` events a socket (tests.support.events.SocketEvents) got, in short."""
    return [event_summary(event) for event in socket.of_type("mission.")]
