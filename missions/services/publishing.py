"""The missions' live events on the owner's sockets (sent once the transaction commits)."""

from __future__ import annotations

from memories.events import publish

from ..models import Mission, MissionStep
from ..representations import mission_render, question_render, step_render


def mission_publish(mission: Mission) -> None:
    publish(user_id=mission.user_id, event_type="mission.updated",
            data={"mission": mission_render(mission)})  # fmt: skip


def step_publish(mission: Mission, step: MissionStep) -> None:
    publish(user_id=mission.user_id, event_type="mission.step",
            data={"mission": str(mission.pk), "step": step_render(step)})  # fmt: skip


def question_publish(mission: Mission) -> None:
    publish(user_id=mission.user_id, event_type="mission.question",
            data={"mission": str(mission.pk), "question": question_render(mission)})  # fmt: skip
