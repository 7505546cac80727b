"""What flows between a mission's run and the agent that plans and works its steps."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

from memories.llm import LLMError

Kind = Literal["agent", "ask", "check_in"]


class AgentError(LLMError):
    """The agent's answer cannot be used (a malformed tool call, no end to a step)."""


@dataclass(frozen=True)
class PlannedStep:
    kind: Kind
    title: str


@dataclass(frozen=True)
class StepTask:
    """What the agent knows when it works a step: the goal, the plan, the step, and what
    came of the steps before (the user's answers, the steps' outputs)."""

    goal: str
    plan: list[PlannedStep]
    index: int
    answers: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)

    @property
    def step(self) -> PlannedStep:
        return self.plan[self.index]


@dataclass(frozen=True)
class StepOutcome:
    """How a step ended: done with `output`, or waiting on a question or a check-in."""

    output: str
    waits_on: Literal["question", "check_in"] | None = None


class Tools(Protocol):
    """What the agent can do while it works a step (see missions.pipelines.tools)."""

    def search_memories(self, query: str) -> list[str]: ...

    def memory_context(self, query: str) -> str: ...

    def remember(self, content: str) -> str: ...

    def ask_user(self, question: str) -> StepOutcome: ...

    def schedule_check_in(self, note: str) -> StepOutcome: ...

    def finish_step(self, output: str) -> StepOutcome: ...


class Agent(Protocol):
    name: str

    def plan(self, *, goal: str, max_steps: int) -> list[PlannedStep]: ...

    def work(self, *, task: StepTask, tools: Tools) -> StepOutcome: ...
