"""The two graphs and how they run.

Ingestion is checkpointed in PostgreSQL (`memories.checkpoints`) under thread id = job id,
after every step: a run that dies part-way resumes from the last finished step instead of
asking the model again. Only one process runs a given job at a time (a session advisory lock,
released by PostgreSQL if the process dies), and the job's checkpoints are deleted when it
finishes. Consolidation needs no checkpoints: each of its steps is idempotent by itself.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from langgraph.checkpoint.postgres import PostgresSaver
from langgraph.graph import END, START, StateGraph

from accounts.models import User
from memories.checkpoints import checkpointer
from memories.llm import LLMProvider
from memories.models import IngestionJob

from . import nodes
from .state import ConsolidationContext, ConsolidationState, IngestionContext, IngestionState


def _build(state: type, context: type, steps: list[Any]) -> StateGraph:
    builder = StateGraph(state, context_schema=context)
    builder.add_sequence(steps)
    builder.add_edge(START, steps[0].__name__)
    builder.add_edge(steps[-1].__name__, END)
    return builder


INGESTION = _build(
    IngestionState,
    IngestionContext,
    [nodes.extract, nodes.embed, nodes.find_related, nodes.decide, nodes.apply],
)
CONSOLIDATION = _build(
    ConsolidationState,
    ConsolidationContext,
    [nodes.promote, nodes.expire, nodes.merge, nodes.decay],
).compile()


class IngestionSession:
    """Runs one job's graph on a checkpointer whose connection holds the job's lock."""

    def __init__(self, saver: PostgresSaver, job_id: str) -> None:
        self.saver = saver
        self.job_id = job_id
        self.graph = INGESTION.compile(checkpointer=saver)

    def run(self, *, job: IngestionJob, llm: LLMProvider) -> dict[str, int]:
        """Run the graph from its last checkpoint (or from the start); returns the counts."""
        config = {"configurable": {"thread_id": self.job_id}}
        resuming = bool(self.graph.get_state(config).next)
        state = self.graph.invoke(
            None if resuming else {"messages": job.messages},
            config,
            context=IngestionContext(job=job, llm=llm),
            durability="sync",
        )
        return state["result"]

    def forget(self) -> None:
        self.saver.delete_thread(self.job_id)


@contextmanager
def ingestion_session(*, job_id: uuid.UUID | str) -> Iterator[IngestionSession | None]:
    """A session for the job, or None while another process holds it."""
    with checkpointer() as saver:
        lock_key = f"memories.ingestion_job.{job_id}"
        row = saver.conn.execute(
            "SELECT pg_try_advisory_lock(hashtextextended(%s, 0)) AS locked", [lock_key]
        ).fetchone()
        if not row["locked"]:
            yield None
            return
        try:
            yield IngestionSession(saver, str(job_id))
        finally:
            saver.conn.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", [lock_key])


def consolidation_run(*, user: User) -> dict[str, int]:
    """Promote, expire, merge and decay one user's memories; returns how many of each."""
    return CONSOLIDATION.invoke({}, context=ConsolidationContext(user=user))
