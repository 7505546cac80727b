"""The mission graph: plan -> (work -> wait?)* -> finish, checkpointed in PostgreSQL under
thread id = mission id after every node (`durability="sync"`).

A question or a check-in is an `interrupt()` in `wait`: the run ends there, and the answer (or
the wake-up) resumes the same thread with `Command(resume=...)`, so finished steps are never
run again. A run that dies mid-step resumes from the last finished node; the step it was in is
worked again, its memories written once (services.step_remember).
"""

from __future__ import annotations

from langgraph.graph import END, START, StateGraph

from . import nodes
from .state import MissionContext, MissionState


def _build() -> StateGraph:
    builder = StateGraph(MissionState, context_schema=MissionContext)
    builder.add_node("plan", nodes.plan)
    builder.add_node("work", nodes.work)
    builder.add_node("wait", nodes.wait)
    builder.add_node("finish", nodes.finish)
    builder.add_edge(START, "plan")
    builder.add_conditional_edges("plan", nodes.next_step, ["work", "finish"])
    builder.add_conditional_edges("work", nodes.after_work, ["wait", "work", "finish"])
    builder.add_conditional_edges("wait", nodes.next_step, ["work", "finish"])
    builder.add_edge("finish", END)
    return builder


MISSION = _build()
