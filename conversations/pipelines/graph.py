"""The reply graph: history -> recall -> prompt -> streamed answer -> stored reply.

No checkpoints: a reply that dies part-way is started again from nothing by the next run (its
deltas start again at index 0), as the model's half-streamed answer cannot be resumed.
"""

from __future__ import annotations

from langgraph.graph import END, START, StateGraph

from . import nodes
from .state import ReplyContext, ReplyState

STEPS = [nodes.load_history, nodes.recall, nodes.compose, nodes.generate, nodes.finish]


def _build() -> StateGraph:
    builder = StateGraph(ReplyState, context_schema=ReplyContext)
    builder.add_sequence(STEPS)
    builder.add_edge(START, STEPS[0].__name__)
    builder.add_edge(STEPS[-1].__name__, END)
    return builder


REPLY = _build().compile()
