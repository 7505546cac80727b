"""Writes a client asks for: missions, answers, pause, resume, cancel and retry."""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from memories.models import MemoryCollection
from memories.services import memory_collection_create

from .. import metrics
from ..models import MAX_TITLE_LENGTH, Mission, MissionStep
from ..selectors import FINISHED, mission_by_client_id, missions_unfinished_count
from .publishing import mission_publish, step_publish
from .sending import mission_send

TITLE_FROM_GOAL_LENGTH = 80
COLLECTION_NAME_LENGTH = 200


class TooManyMissions(Exception):
    """The user already has MISSIONS_MAX_ACTIVE unfinished missions."""


class MissionNotWaiting(Exception):
    """The mission is not waiting for an answer."""


class StaleQuestion(Exception):
    """The answer is to another question than the one the mission waits on."""


class MissionFinished(Exception):
    """The mission has completed, failed or been cancelled."""


class MissionAlreadyPaused(Exception):
    pass


class MissionNotPaused(Exception):
    pass


class MissionAlreadyCancelled(Exception):
    pass


class MissionNotRetryable(Exception):
    """Only a failed or cancelled mission can be retried."""


def _title_from(goal: str) -> str:
    return " ".join(goal.split())[:TITLE_FROM_GOAL_LENGTH]


def _locked(mission: Mission) -> Mission:
    return Mission.objects.select_for_update().get(pk=mission.pk)


def _check_room(user: User) -> None:
    # One check at a time per user, so that two POSTs cannot both take the last place.
    list(User.objects.select_for_update().filter(pk=user.pk).values_list("pk"))
    if missions_unfinished_count(user=user) >= settings.MISSIONS_MAX_ACTIVE:
        raise TooManyMissions(str(user.pk))


def _collection(mission: Mission) -> MemoryCollection:
    name = f"Mission {mission.pk.hex[:8]}: {mission.title}"[:COLLECTION_NAME_LENGTH]
    return memory_collection_create(
        user=mission.user, name=name, description=f"Notes and plan of the mission: {mission.goal}"
    )


def mission_create(
    *, user: User, goal: str, title: str = "", client_mission_id: str | None = None
) -> tuple[Mission, bool]:
    """A new mission in `planning`, with a memory collection of its own, sent to the workers
    once committed: (mission, created). The same `client_mission_id` gives back the mission it
    first created (and False). Raises TooManyMissions."""
    if client_mission_id is not None:
        existing = mission_by_client_id(user=user, client_mission_id=client_mission_id)
        if existing is not None:
            return existing, False
    title = " ".join(title.split())[:MAX_TITLE_LENGTH] or _title_from(goal)
    try:
        with transaction.atomic():
            _check_room(user)
            mission = Mission.objects.create(
                user=user, goal=goal.strip(), title=title, client_mission_id=client_mission_id
            )
            mission.collection = _collection(mission)
            mission.save(update_fields=["collection"])
            mission_publish(mission)
            transaction.on_commit(lambda: mission_send(mission_id=mission.pk))
    except IntegrityError:  # the same client id, created concurrently
        return Mission.objects.get(user=user, client_mission_id=client_mission_id), False
    return mission, True


def mission_update(*, mission: Mission, title: str) -> Mission:
    mission.title = title.strip()
    mission.save(update_fields=["title", "updated_at"])
    mission_publish(mission)
    return mission


def mission_delete(*, mission: Mission) -> None:
    """Delete the mission and its steps (its memories stay); a run stops at its next write."""
    mission.delete()


def mission_continue(mission: Mission) -> None:
    """Put a locked mission back where it stands: waiting on its question, asleep until its
    check-in, or running (sent to the workers on commit). Its attempts count again from here.
    Saves and publishes."""
    now = timezone.now()
    steps = MissionStep.objects.filter(mission=mission)
    runnable = False
    if mission.question_id is not None and not mission.resume_with:
        mission.status = Mission.Status.WAITING
    elif mission.wake_at is not None and mission.wake_at > now:
        mission.status = Mission.Status.SCHEDULED
    else:
        mission.status = Mission.Status.RUNNING if steps.exists() else Mission.Status.PLANNING
        # A run still winding down loses the mission, and stops at its next write.
        mission.run_id = mission.heartbeat_at = mission.enqueued_at = None
        runnable = True
    mission.paused_from, mission.attempts = "", 0
    mission.save()
    mission_publish(mission)
    if runnable:  # sent after the event (both on commit): the run's own events come after it
        transaction.on_commit(lambda: mission_send(mission_id=mission.pk))


@transaction.atomic
def mission_answer(*, mission: Mission, question_id: str, content: str) -> Mission:
    """Answer the question the mission waits on; the run resumes with it.

    Raises MissionNotWaiting, or StaleQuestion for another question's id.
    """
    locked = _locked(mission)
    if locked.status != Mission.Status.WAITING:
        raise MissionNotWaiting(str(mission.pk))
    if str(locked.question_id) != str(question_id):
        raise StaleQuestion(str(mission.pk))
    locked.resume_with = content
    mission_continue(locked)
    return locked


@transaction.atomic
def mission_pause(*, mission: Mission) -> Mission:
    """Stop the mission where it is; a run working on it stops at its next write."""
    locked = _locked(mission)
    if locked.status == Mission.Status.PAUSED:
        raise MissionAlreadyPaused(str(mission.pk))
    if locked.status in FINISHED:
        raise MissionFinished(str(mission.pk))
    locked.paused_from, locked.status, locked.run_id = locked.status, Mission.Status.PAUSED, None
    locked.save()
    mission_publish(locked)
    return locked


@transaction.atomic
def mission_resume(*, mission: Mission) -> Mission:
    locked = _locked(mission)
    if locked.status != Mission.Status.PAUSED:
        raise MissionNotPaused(str(mission.pk))
    mission_continue(locked)
    return locked


def step_end(
    mission: Mission, step: MissionStep, *, status: str, output: str | None = None
) -> None:
    """End a locked mission's locked step with `status` (done with its output, or failed):
    saved, published and counted."""
    step.status, step.finished_at = status, timezone.now()
    if output is not None:
        step.output = output
    step.save(update_fields=["status", "output", "finished_at", "updated_at"])
    step_publish(mission, step)
    metrics.step_finished(kind=step.kind, status=status, started_at=step.started_at)


def mission_end(mission: Mission, status: str, error: str = "") -> None:
    """End a locked mission with `status`; a step left running fails with it."""
    mission.status, mission.error, mission.finished_at = status, error, timezone.now()
    mission.run_id = None
    mission.save()
    running = MissionStep.objects.select_for_update().filter(
        mission=mission, status=MissionStep.Status.RUNNING
    )
    for step in running:
        step_end(mission, step, status=MissionStep.Status.FAILED)
    mission_publish(mission)
    metrics.mission_finished(status=status, created_at=mission.created_at)


@transaction.atomic
def mission_cancel(*, mission: Mission) -> Mission:
    """Stop the mission for good (it can be retried); a run stops at its next write."""
    locked = _locked(mission)
    if locked.status == Mission.Status.CANCELLED:
        raise MissionAlreadyCancelled(str(mission.pk))
    if locked.status in FINISHED:
        raise MissionFinished(str(mission.pk))
    mission_end(locked, Mission.Status.CANCELLED)
    return locked


@transaction.atomic
def mission_retry(*, mission: Mission) -> Mission:
    """Run a failed or cancelled mission again from its last finished step.

    Raises MissionNotRetryable for any other, TooManyMissions when there is no room.
    """
    locked = _locked(mission)
    if locked.status not in (Mission.Status.FAILED, Mission.Status.CANCELLED):
        raise MissionNotRetryable(str(mission.pk))
    _check_room(locked.user)
    locked.error, locked.finished_at = "", None
    mission_continue(locked)
    return locked
