"""Helpers for the missions tests: their live events in short."""

from __future__ import annotations

from typing import Any


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
