"""A mission's whole life on a real worker with the local agent, its check-in woken by a real
beat, its progress on the owner's socket as events in order and on nobody else's; and Redis
stopped at the POST."""

import datetime
import time

import pytest

from memories.models import Memory
from missions.models import Mission, MissionStep
from missions.tasks import missions_sweep
from tests.missions.conftest import ASKED, GOAL, MISSIONS
from tests.support.ingestion import started_workers
from tests.support.missions import mission_timeline, mission_until
from tests.support.processes import CeleryBeat, wait_for

pytestmark = pytest.mark.slow

CHECK_IN_SECONDS = 2


@pytest.fixture(scope="module")
def workers(django_db_setup, django_db_blocker):
    env = {"LLM_PROVIDER": "local", "MISSIONS_CHECK_IN_SECONDS": str(CHECK_IN_SECONDS)}
    with started_workers(django_db_blocker, **env) as workers:
        yield workers


@pytest.fixture
def beat(tmp_path):
    """Celery beat, waking due check-ins every half second."""
    scheduler = CeleryBeat(schedule=tmp_path / "celerybeat-schedule",
                           env={"MISSIONS_WAKE_SECONDS": "0.5"})  # fmt: skip
    scheduler.start()
    yield scheduler
    scheduler.stop()


LIFE = [
    ("updated", "planning"),  # the POST
    *[("step", index, "pending") for index in range(5)], ("updated", "running"),
    ("step", 0, "running"), ("step", 0, "done"),
    ("step", 1, "running"), ("updated", "waiting"), ("question", ASKED),
    ("updated", "running"),  # the answer
    ("step", 1, "done"), ("updated", "running"),
    ("step", 2, "running"), ("step", 2, "done"),
    ("step", 3, "running"), ("updated", "scheduled"),
    ("updated", "running"),  # the wake-up
    ("step", 3, "done"), ("updated", "running"),
    ("step", 4, "running"), ("step", 4, "done"), ("updated", "completed"),
]  # fmt: skip


def test_the_whole_life_of_a_mission_on_a_worker(
    client_for, user, other_user, worker, beat, socket_for
):
    client = client_for(user)
    with socket_for(user) as mine, socket_for(other_user) as theirs:
        started = client.post(MISSIONS, {"goal": GOAL}, format="json").json()
        waiting = mission_until(client, started["id"], "waiting")
        answer = {"question": waiting["question"]["id"], "content": "Finishing under two hours"}
        assert client.post(f"{MISSIONS}/{started['id']}/answer", answer,
                           format="json").status_code == 202  # fmt: skip

        scheduled = mission_until(client, started["id"], "scheduled")
        done = mission_until(client, started["id"], "completed", "failed")  # woken by beat
        wait_for(lambda: ("updated", "completed") in mission_timeline(mine), timeout=10)

    assert done["status"] == "completed", done["error"]
    assert mission_timeline(mine) == LIFE  # in order; the steps before the question ran once
    assert theirs.events == []
    checked_in = MissionStep.objects.get(mission_id=started["id"], index=3)
    assert checked_in.finished_at >= datetime.datetime.fromisoformat(scheduled["wake_at"])
    steps = MissionStep.objects.filter(mission_id=started["id"]).order_by("index")
    assert [(s.status, s.attempts) for s in steps] == [("done", 1)] * 5  # none run twice
    notes = Memory.objects.filter(user=user, collection_id=done["collection"])
    assert notes.count() == 3
    assert len(mine.of_type("memory.created")) == 3
    assert not Memory.objects.filter(user=other_user).exists()


def test_with_redis_down_the_mission_is_accepted_and_run_once_it_returns(
    client_for, user, worker, redis_control, settings
):
    client = client_for(user)
    redis_control.stop()
    started = time.monotonic()
    response = client.post(MISSIONS, {"goal": GOAL}, format="json")
    assert time.monotonic() - started < 3.0
    assert (response.status_code, response.json()["status"]) == (202, "planning")
    mission_id = response.json()["id"]
    assert Mission.objects.get(pk=mission_id).enqueued_at is None

    redis_control.start()
    settings.MISSIONS_UNSENT_GRACE_SECONDS = 0
    assert missions_sweep() == 1
    assert mission_until(client, mission_id, "waiting")["question"] is not None
    assert missions_sweep() == 0
