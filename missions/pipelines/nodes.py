"""The mission graph's nodes. Each reaches the database only through services and selectors,
and returns the keys it changes in the state (checkpointed after every node)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from langgraph.runtime import Runtime
from langgraph.types import interrupt

from ..llm import PlannedStep, StepTask
from ..services import (
    mission_ask,
    mission_complete,
    mission_plan_store,
    mission_schedule,
    step_finish,
    step_start,
)
from .state import MissionContext, MissionState
from .tools import MissionTools


def plan(state: MissionState, runtime: Runtime[MissionContext]) -> dict[str, Any]:
    """The agent plans the steps, stored once as the mission's steps."""
    context = runtime.context
    planned = context.agent.plan(goal=state["goal"], max_steps=settings.MISSIONS_MAX_STEPS)
    steps = mission_plan_store(
        mission=context.mission, steps=[(step.kind, step.title) for step in planned]
    )
    return {
        "plan": [{"kind": step.kind, "title": step.title} for step in steps],
        "index": 0, "waits_on": None, "answers": [], "outputs": [],
    }  # fmt: skip


def _task(state: MissionState) -> StepTask:
    return StepTask(
        goal=state["goal"], plan=[PlannedStep(**step) for step in state["plan"]],  # type: ignore[arg-type]
        index=state["index"], answers=state["answers"], outputs=state["outputs"],
    )  # fmt: skip


def work(state: MissionState, runtime: Runtime[MissionContext]) -> dict[str, Any]:
    """The agent works the step with its tools: done, or a question or a check-in to wait on."""
    mission, index = runtime.context.mission, state["index"]
    step = step_start(mission=mission, index=index)
    tools = MissionTools(mission=mission, step=step)
    outcome = runtime.context.agent.work(task=_task(state), tools=tools)
    if outcome.waits_on == "question":
        mission_ask(mission=mission, index=index, text=outcome.output)
    elif outcome.waits_on == "check_in":
        mission_schedule(mission=mission, index=index)
    else:
        step_finish(mission=mission, index=index, output=outcome.output)
        return {"index": index + 1, "outputs": [*state["outputs"], outcome.output]}
    return {"waits_on": outcome.waits_on}


def wait(state: MissionState, runtime: Runtime[MissionContext]) -> dict[str, Any]:
    """Pause the run until the answer (or the check-in's wake-up) resumes it, then finish the
    step with it. Only this node runs again on resume: the steps before are never redone."""
    value = interrupt({"waits_on": state["waits_on"], "index": state["index"]})
    index = state["index"]
    step_finish(mission=runtime.context.mission, index=index, output=value)
    answered = state["waits_on"] == "question"
    return {
        "index": index + 1, "waits_on": None, "outputs": [*state["outputs"], value],
        "answers": [*state["answers"], value] if answered else state["answers"],
    }  # fmt: skip


def finish(state: MissionState, runtime: Runtime[MissionContext]) -> dict[str, Any]:
    outputs = state["outputs"]
    mission_complete(mission=runtime.context.mission, summary=outputs[-1] if outputs else "")
    return {}


def after_work(state: MissionState) -> str:
    return "wait" if state.get("waits_on") else next_step(state)


def next_step(state: MissionState) -> str:
    return "work" if state["index"] < len(state["plan"]) else "finish"
