"""What flows through the mission graph (checkpointed), and what each run supplies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypedDict

from ..llm import Agent
from ..models import Mission


class Step(TypedDict):
    kind: str
    title: str


class MissionState(TypedDict, total=False):
    goal: str
    plan: list[Step]
    index: int  # the step being worked
    waits_on: Literal["question", "check_in"] | None  # what the step at `index` waits on
    answers: list[str]  # the user's answers, in order
    outputs: list[str]  # the finished steps' outputs, in order


@dataclass(frozen=True)
class MissionContext:
    mission: Mission  # claimed by this run (services.mission_run_start)
    agent: Agent
