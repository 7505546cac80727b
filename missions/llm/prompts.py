"""What the openai agent is told: the tools it has, and how a plan and a step are asked for."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, Field

from ..models import MAX_TITLE_LENGTH
from .schema import Kind, StepTask

SYSTEM = (
    "You are Companion, pursuing a goal with the user over days. You remember the user through "
    "your tools; never invent memories. Work one step at a time and end every step with exactly "
    "one of finish_step, ask_user or schedule_check_in."
)


class PlanStep(BaseModel):
    kind: Kind = Field(description="agent: you do it; ask: a question to the user; "
                       "check_in: come back to it later")  # fmt: skip
    title: str = Field(min_length=1, max_length=MAX_TITLE_LENGTH)


class PlanSteps(BaseModel):
    """The plan of the mission, in order."""

    steps: list[PlanStep] = Field(min_length=1)


class SearchMemories(BaseModel):
    """Search what you remember about the user; returns the memories found, best first."""

    query: str = Field(min_length=1)


class MemoryContext(BaseModel):
    """The block of what you remember about the user that bears on a text."""

    query: str = Field(min_length=1)


class Remember(BaseModel):
    """Write a note or part of the plan into the mission's memories."""

    content: str = Field(min_length=1, max_length=2000)


class AskUser(BaseModel):
    """Ask the user a question; the mission waits for the answer. Ends the step."""

    question: str = Field(min_length=1, max_length=2000)


class ScheduleCheckIn(BaseModel):
    """Come back to the user later about the mission. Ends the step."""

    note: str = Field(min_length=1, max_length=2000)


class FinishStep(BaseModel):
    """Finish the step with what came of it. Ends the step."""

    output: str = Field(max_length=4000)


TOOLS: dict[str, type[BaseModel]] = {
    "search_memories": SearchMemories,
    "memory_context": MemoryContext,
    "remember": Remember,
    "ask_user": AskUser,
    "schedule_check_in": ScheduleCheckIn,
    "finish_step": FinishStep,
}
PLAN_TOOL = "plan_steps"


def tool_definition(name: str, schema: type[BaseModel]) -> dict[str, Any]:
    """The OpenAI function definition of a tool."""
    return {"type": "function", "function": {
        "name": name, "description": schema.__doc__ or "", "parameters": schema.model_json_schema(),
    }}  # fmt: skip


def plan_prompt(goal: str, max_steps: int) -> list[tuple[str, str]]:
    return [
        ("system", SYSTEM),
        ("human", f"Plan the mission in at most {max_steps} steps with {PLAN_TOOL}. Goal:\n{goal}"),
    ]


def step_prompt(task: StepTask) -> list[tuple[str, str]]:
    facts = {
        "goal": task.goal,
        "plan": [{"kind": step.kind, "title": step.title} for step in task.plan],
        "done": task.outputs,
        "answers": task.answers,
        "step": {"index": task.index, "kind": task.step.kind, "title": task.step.title},
    }
    return [("system", SYSTEM), ("human", "Work this step:\n" + json.dumps(facts))]
