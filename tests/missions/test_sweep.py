"""The missions' sweep: what the workers never got is sent again, a run whose worker went silent
is handed on, and one that went silent MISSIONS_MAX_ATTEMPTS times is failed."""

import datetime
import uuid

import pytest
from django.utils import timezone

from missions.models import Mission
from missions.tasks import missions_sweep
from tests.missions.conftest import GOAL

pytestmark = pytest.mark.django_db


def _ago(seconds: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(seconds=seconds)


def _mission(user, **fields) -> Mission:
    mission = Mission.objects.create(user=user, title="Porto", goal=GOAL, **fields)
    Mission.objects.filter(pk=mission.pk).update(updated_at=_ago(3600))  # as the sweep finds it
    return mission


def test_the_sweep_sends_the_unsent_and_the_silent_and_gives_up_on_the_exhausted(
    user, settings, mission_sent
):
    settings.MISSIONS_MAX_ATTEMPTS = 3
    silence = _ago(settings.MISSIONS_STALE_SECONDS + 1)
    unsent = _mission(user, status="planning")
    silent = _mission(user, status="running", attempts=1, run_id=uuid.uuid4(),
                      heartbeat_at=silence, enqueued_at=_ago(3600))  # fmt: skip
    exhausted = _mission(user, status="running", attempts=3, heartbeat_at=silence,
                         enqueued_at=_ago(3600))  # fmt: skip
    alive = _mission(user, status="running", attempts=1, heartbeat_at=timezone.now(),
                     enqueued_at=_ago(3600))  # fmt: skip

    assert missions_sweep() == 2

    assert sorted(mission_sent) == sorted([str(unsent.pk), str(silent.pk)])
    exhausted.refresh_from_db()
    assert (exhausted.status, exhausted.error) == ("failed", "gave up after 3 attempts")
    alive.refresh_from_db()
    assert alive.status == "running"
    assert missions_sweep() == 0  # each sent again once per silence
