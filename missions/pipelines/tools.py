"""The agent's tools while it works one step: recall through the memory services, notes in
the mission's collection (once per step), and the three ways a step ends."""

from __future__ import annotations

from django.conf import settings

from memories.services import memory_context, memory_recall

from ..llm import StepOutcome
from ..models import Mission, MissionStep
from ..services import mission_beat, step_remember

SEARCH_TOP_K = 5


class MissionTools:
    def __init__(self, *, mission: Mission, step: MissionStep) -> None:
        self.mission, self.step = mission, step

    def search_memories(self, query: str) -> list[str]:
        mission_beat(mission=self.mission)
        found = memory_recall(user=self.mission.user, query=query, top_k=SEARCH_TOP_K)
        return [hit.memory.content for hit in found]

    def memory_context(self, query: str) -> str:
        mission_beat(mission=self.mission)
        block = memory_context(
            user=self.mission.user, messages=[{"role": "user", "content": query}],
            max_characters=settings.MISSIONS_MEMORY_CHARACTERS,
        )  # fmt: skip
        return block.text or "(nothing remembered yet)"

    def remember(self, content: str) -> str:
        memory = step_remember(mission=self.mission, step=self.step, content=content)
        return f"remembered ({memory.pk})"

    def ask_user(self, question: str) -> StepOutcome:
        return StepOutcome(output=question, waits_on="question")

    def schedule_check_in(self, note: str) -> StepOutcome:
        return StepOutcome(output=note, waits_on="check_in")

    def finish_step(self, output: str) -> StepOutcome:
        return StepOutcome(output=output)
