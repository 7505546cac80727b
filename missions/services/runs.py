"""The life of a mission on the workers: claimed by one run, its steps started and finished,
its questions asked, its check-ins scheduled, completed or failed once.

A run owns the mission through its `run_id`: every write of a run names it, so a run that lost
the mission (paused, cancelled, deleted, or taken over after it went silent) writes nothing
more and stops (`RunLost`).
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Sequence

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.durable import run_beat, run_claim, run_owned, run_release, runs_resend
from memories.models import Memory, MemoryEvent
from memories.services import MemoryDuplicate, content_hash, memory_create

from ..models import Mission, MissionStep
from ..selectors import FINISHED, missions_to_wake
from .missions import mission_continue, mission_end, step_end
from .publishing import mission_publish, question_publish, step_publish
from .sending import MISSION_RUNS, mission_send

ERROR_MAX_LENGTH = 2000
CHECKED_IN = "checked in"


class RunLost(Exception):
    """The run no longer owns the mission: it must stop without writing."""


def mission_run_start(*, mission_id: uuid.UUID | str) -> Mission | None:
    """Claim the mission for a new run; None when it has nothing to run, is gone, or another
    run is alive. A mission whose run went silent is taken over."""
    return run_claim(
        MISSION_RUNS, pk=mission_id, queryset=Mission.objects.select_related("user", "collection")
    )


def _owned(mission: Mission) -> Mission:
    """The mission locked for a write of its run; RunLost when the run lost it."""
    locked = run_owned(MISSION_RUNS, run=mission).select_for_update().first()
    if locked is None:
        raise RunLost(str(mission.pk))
    locked.heartbeat_at = timezone.now()
    return locked


def mission_beat(*, mission: Mission) -> None:
    """A sign of life of the run; RunLost when it no longer owns the mission."""
    if not run_beat(MISSION_RUNS, run=mission):
        raise RunLost(str(mission.pk))


@transaction.atomic
def mission_plan_store(*, mission: Mission, steps: Sequence[tuple[str, str]]) -> list[MissionStep]:
    """Store the plan's (kind, title) steps, at most MISSIONS_MAX_STEPS, and start running.
    A plan already stored (by a run that died before its checkpoint) is kept as it is."""
    locked = _owned(mission)
    stored = list(MissionStep.objects.filter(mission=locked).order_by("index"))
    if not stored:
        stored = MissionStep.objects.bulk_create(
            MissionStep(mission=locked, index=index, kind=kind, title=title[:200])
            for index, (kind, title) in enumerate(steps[: settings.MISSIONS_MAX_STEPS])
        )
        for step in stored:
            step_publish(locked, step)
    locked.status = Mission.Status.RUNNING
    locked.save(update_fields=["status", "heartbeat_at", "updated_at"])
    mission_publish(locked)
    return stored


def _step(mission: Mission, index: int) -> MissionStep:
    return MissionStep.objects.select_for_update().get(mission=mission, index=index)


@transaction.atomic
def step_start(*, mission: Mission, index: int) -> MissionStep:
    """Mark the step running and count the attempt."""
    locked = _owned(mission)
    locked.save(update_fields=["heartbeat_at"])
    step = _step(locked, index)
    step.status, step.attempts, step.started_at = (
        MissionStep.Status.RUNNING, step.attempts + 1, timezone.now(),
    )  # fmt: skip
    step.save(update_fields=["status", "attempts", "started_at", "updated_at"])
    step_publish(locked, step)
    return step


@transaction.atomic
def step_finish(*, mission: Mission, index: int, output: str) -> MissionStep:
    """Finish the step with its output; a step already done stays as it is. A question or a
    check-in the step waited on is over."""
    locked = _owned(mission)
    step = _step(locked, index)
    if step.status == MissionStep.Status.DONE:
        return step
    step_end(locked, step, status=MissionStep.Status.DONE, output=output)
    waited = locked.question_id is not None or locked.wake_at is not None
    locked.question_id, locked.question_text, locked.question_asked_at = None, "", None
    locked.wake_at = None
    locked.save()
    if waited:
        mission_publish(locked)
    return step


@transaction.atomic
def step_remember(*, mission: Mission, step: MissionStep, content: str) -> Memory:
    """A memory in the mission's collection, once per step and content: a step run again
    finds the memory it wrote before."""
    locked = _owned(mission)
    locked.save(update_fields=["heartbeat_at"])
    mine = Memory.objects.filter(user_id=locked.user_id, content_hash=content_hash(content))
    existing = mine.filter(metadata__mission_step=str(step.pk)).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return memory_create(
                user=locked.user, content=content, collection=locked.collection,
                metadata={"mission": str(locked.pk), "mission_step": str(step.pk)},
                actor=MemoryEvent.Actor.PIPELINE,
            )  # fmt: skip
    except MemoryDuplicate:  # the user remembered it already: the same memory serves
        return mine.get()


@transaction.atomic
def mission_ask(*, mission: Mission, index: int, text: str) -> Mission:
    """Put the step's question to the user; the mission waits for the answer, and the run
    gives the mission up (it ends at the graph's interrupt)."""
    locked = _owned(mission)
    locked.status, locked.resume_with = Mission.Status.WAITING, ""
    locked.question_id, locked.question_text = uuid.uuid4(), text
    locked.question_asked_at = timezone.now()
    locked.run_id = locked.heartbeat_at = None  # the next run is claimed at once
    locked.save()
    mission_publish(locked)
    question_publish(locked)
    return locked


@transaction.atomic
def mission_schedule(*, mission: Mission, index: int) -> Mission:
    """Sleep until the step's check-in is due, MISSIONS_CHECK_IN_SECONDS from now."""
    locked = _owned(mission)
    locked.status, locked.resume_with = Mission.Status.SCHEDULED, ""
    locked.wake_at = timezone.now() + datetime.timedelta(seconds=settings.MISSIONS_CHECK_IN_SECONDS)
    locked.run_id = locked.heartbeat_at = None  # the next run is claimed at once
    locked.save()
    mission_publish(locked)
    return locked


@transaction.atomic
def mission_complete(*, mission: Mission, summary: str) -> Mission:
    locked = _owned(mission)
    locked.summary = summary
    mission_end(locked, Mission.Status.COMPLETED)
    return locked


@transaction.atomic
def mission_fail(*, mission_id: uuid.UUID | str, error: str, run_id: uuid.UUID | None = None):
    """Fail an unfinished mission (of run `run_id` when given) and tell its owner."""
    mission = Mission.objects.select_for_update().filter(pk=mission_id).first()
    if mission is None or mission.status in FINISHED or mission.status == Mission.Status.PAUSED:
        return
    if run_id is not None and mission.run_id != run_id:
        return
    mission_end(mission, Mission.Status.FAILED, error[:ERROR_MAX_LENGTH])


def mission_run_release(*, mission: Mission) -> None:
    """The run has ended still owning a runnable mission (it was resumed before its graph had
    stopped at the interrupt): give it up and send it on."""
    if run_release(MISSION_RUNS, run=mission, changes={}):
        transaction.on_commit(lambda: mission_send(mission_id=mission.pk))


@transaction.atomic
def mission_wake(*, mission_id: uuid.UUID | str) -> bool:
    """Resume a scheduled mission whose check-in has come; False when it is not due."""
    mission = Mission.objects.select_for_update().filter(pk=mission_id).first()
    now = timezone.now()
    if mission is None or mission.status != Mission.Status.SCHEDULED or mission.wake_at > now:
        return False
    mission.resume_with, mission.wake_at = CHECKED_IN, now
    mission_continue(mission)
    return True


def missions_wake_due(*, now: datetime.datetime | None = None) -> int:
    """Wake every scheduled mission whose check-in has come; returns how many."""
    due = missions_to_wake(now=now or timezone.now()).values_list("pk", flat=True)
    return sum(mission_wake(mission_id=pk) for pk in due[: settings.MISSIONS_SWEEP_BATCH])


def missions_resend() -> int:
    """The sweep: send again the missions the workers never got or lost (those that went
    silent MISSIONS_MAX_ATTEMPTS times are failed instead); returns how many were sent."""
    return runs_resend(MISSION_RUNS, send=lambda pk: mission_send(mission_id=pk), give_up=_give_up)


def _give_up(*, pk: uuid.UUID, error: str) -> None:
    mission_fail(mission_id=pk, error=error)
