"""An offline, deterministic agent: a plan from the goal by rules.

"Help me get ready for the Porto half-marathon in March" becomes: recall what bears on getting
ready for the Porto half-marathon in March; ask what matters most about it; write the plan as
memories from the goal and the answer; check in on it; wrap up.
"""

from __future__ import annotations

import re

from .schema import PlannedStep, StepOutcome, StepTask, Tools

_ASKING = re.compile(
    r"^(?:please\s+)?(?:(?:can|could|will) you\s+)?(?:help me(?: to)?|i want to|i'd like to|"
    r"i would like to|i need to)\s+",
    re.IGNORECASE,
)
RECALL, ASK, WRITE_PLAN, CHECK_IN, WRAP_UP = range(5)


def topic(goal: str) -> str:
    """The goal as a phrase: 'Help me plan my move to Bergen.' is 'plan my move to Bergen'."""
    phrase = _ASKING.sub("", " ".join(goal.split())).rstrip(".!?")
    return phrase[:1].lower() + phrase[1:] if phrase[1:2].islower() else phrase


def local_plan(goal: str) -> list[PlannedStep]:
    about = topic(goal)
    return [
        PlannedStep("agent", f"Recall what I know that bears on: {about}"[:200]),
        PlannedStep("ask", f"What matters most to you about this ({about}), and by when?"[:200]),
        PlannedStep("agent", "Write the plan"),
        PlannedStep("check_in", "Check in on how it is going"),
        PlannedStep("agent", "Wrap up"),
    ]


def _recall(task: StepTask, tools: Tools) -> StepOutcome:
    found = tools.search_memories(task.goal)
    tools.memory_context(task.goal)
    if not found:
        return tools.finish_step("I don't remember anything about this yet.")
    return tools.finish_step("I remember: " + "; ".join(found))


def plan_notes(task: StepTask) -> list[str]:
    """The plan, as the memories it is written into."""
    about = topic(task.goal)
    answer = " ".join(task.answers[-1].split()) if task.answers else ""
    notes = [f"User's goal: {about}"]
    if answer:
        notes.append(f"For {about}, what matters most to the user: {answer}")
    notes.append(f"Plan for {about}: start this week, keep to what matters most, check in often")
    return notes


def _write_plan(task: StepTask, tools: Tools) -> StepOutcome:
    for note in plan_notes(task):
        tools.remember(note)
    return tools.finish_step("Plan written: " + " / ".join(plan_notes(task)))


def _wrap_up(task: StepTask, tools: Tools) -> StepOutcome:
    return tools.finish_step(f"Done: {topic(task.goal)}. The plan is in the mission's memories.")


_AGENT_STEPS = {RECALL: _recall, WRITE_PLAN: _write_plan, WRAP_UP: _wrap_up}


class LocalAgent:
    name = "local"

    def plan(self, *, goal: str, max_steps: int) -> list[PlannedStep]:
        return local_plan(goal)[:max_steps]

    def work(self, *, task: StepTask, tools: Tools) -> StepOutcome:
        if task.step.kind == "ask":
            return tools.ask_user(task.step.title)
        if task.step.kind == "check_in":
            return tools.schedule_check_in(task.step.title)
        return _AGENT_STEPS.get(task.index, _wrap_up)(task, tools)
