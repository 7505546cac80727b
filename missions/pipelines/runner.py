"""Runs a mission as far as it goes (called by its task): until a question, a check-in, the
end, or the run losing the mission. Its lifecycle is in services.runs."""

from __future__ import annotations

import uuid

from langgraph.types import Command

from memories.checkpoints import checkpointer
from memories.embeddings import EmbeddingError
from memories.services import MemoryInvalid

from ..llm import LLMError, get_agent
from ..models import Mission
from ..services import RunLost, mission_fail, mission_run_release, mission_run_start
from .graph import MISSION
from .state import MissionContext


def _advance(mission: Mission) -> None:
    with checkpointer() as saver:
        graph = MISSION.compile(checkpointer=saver)
        config = {"configurable": {"thread_id": str(mission.pk)}}
        state = graph.get_state(config)
        if state.values and not state.next:
            return  # the graph has ended; only its mission's last write was lost
        start: object = {"goal": mission.goal}
        if state.interrupts:
            start = Command(resume=mission.resume_with)
        elif state.next:
            start = None  # on from the last checkpoint
        context = MissionContext(mission=mission, agent=get_agent())
        graph.invoke(start, config, context=context, durability="sync")


def mission_advance(*, mission_id: uuid.UUID | str) -> bool:
    """Claim the mission and run its graph from the last checkpoint; False when there was
    nothing to do. A model, embedding or memory failure fails the mission (it can be retried)."""
    mission = mission_run_start(mission_id=mission_id)
    if mission is None:
        return False
    try:
        _advance(mission)
    except RunLost:
        pass  # paused, cancelled, deleted or taken over: the run stops without a word
    except (LLMError, EmbeddingError, MemoryInvalid) as exc:
        mission_fail(mission_id=mission.pk, error=str(exc), run_id=mission.run_id)
    finally:
        mission_run_release(mission=mission)
    return True


def mission_checkpoints_delete(*, mission_id: uuid.UUID | str) -> None:
    with checkpointer() as saver:
        saver.delete_thread(str(mission_id))
