"""A real worker process SIGKILLed in the middle of a mission's step: the step writes the plan
as memories, their embeddings from the fake OpenAI server, which holds the second note's request
until the worker is dead, so the kill lands inside the step after its first memory, every time.
The sweep hands the mission to the next worker, which goes on from the last checkpoint: the
mission finishes once, after two attempts, and no memory is written twice."""

import threading

import pytest

from memories.models import Memory, MemoryEvent
from missions.models import Mission, MissionStep
from missions.tasks import missions_sweep
from tests.missions.conftest import GOAL, MISSIONS
from tests.support.fake_openai import FakeOpenAI, embeddings_answer
from tests.support.ingestion import JOB_TIMEOUT, started_workers
from tests.support.missions import mission_timeline, mission_until
from tests.support.processes import wait_for

pytestmark = pytest.mark.slow

STALE_SECONDS = 3
ANSWER = "Under two hours"
ABOUT = "get ready for the Porto half-marathon in March"
NOTES = [  # the plan's memories, in the order the step writes them
    f"User's goal: {ABOUT}",
    f"For {ABOUT}, what matters most to the user: {ANSWER}",
    f"Plan for {ABOUT}: start this week, keep to what matters most, check in often",
]


class HeldEmbeddings:
    """Embeddings as OpenAI gives them; the first request for `held` waits until `release`."""

    def __init__(self, held: str) -> None:
        self.held = held
        self.arrived, self.release = threading.Event(), threading.Event()

    def __call__(self, request: dict) -> tuple[int, dict]:
        if self.held in request.get("input", ()) and not self.arrived.is_set():
            self.arrived.set()
            self.release.wait(JOB_TIMEOUT)
        return embeddings_answer(request)


@pytest.fixture(scope="module")
def fake():
    with FakeOpenAI(HeldEmbeddings(NOTES[1])) as fake:
        yield fake


@pytest.fixture(scope="module")
def workers(fake, django_db_setup, django_db_blocker):
    # Three steps (recall, ask, write the plan): the run killed is the mission's last.
    env = {"LLM_PROVIDER": "local", "EMBEDDING_PROVIDER": "openai", "OPENAI_API_KEY": "sk-test",
           "OPENAI_BASE_URL": fake.base_url, "EMBEDDING_MAX_RETRIES": "0",
           "MISSIONS_MAX_STEPS": "3", "MISSIONS_STALE_SECONDS": str(STALE_SECONDS)}  # fmt: skip
    with started_workers(django_db_blocker, **env) as workers:
        yield workers


def _notes(mission: Mission) -> list[str]:
    notes = Memory.objects.filter(collection=mission.collection)
    return sorted(notes.values_list("content", flat=True))


def _embedded(fake: FakeOpenAI, text: str) -> int:
    return sum(text in request.get("input", ()) for request in fake.requests)


def _answer(client, waiting: dict) -> None:
    answer = {"question": waiting["question"]["id"], "content": ANSWER}
    response = client.post(f"{MISSIONS}/{waiting['id']}/answer", answer, format="json")
    assert response.status_code == 202


def test_a_mission_whose_worker_is_killed_mid_step_is_finished_once_by_the_next(
    client_for, user, worker, fake, settings, socket_for
):
    settings.MISSIONS_STALE_SECONDS = STALE_SECONDS
    client = client_for(user)
    with socket_for(user) as socket:
        started = client.post(MISSIONS, {"goal": GOAL}, format="json").json()
        _answer(client, mission_until(client, started["id"], "waiting"))
        assert fake.responder.arrived.wait(JOB_TIMEOUT)

        mission = Mission.objects.get(pk=started["id"])
        writing = MissionStep.objects.get(mission=mission, index=2)
        assert (mission.status, writing.status, writing.attempts) == ("running", "running", 1)
        assert _notes(mission) == [NOTES[0]]  # killed between the step's first and second note
        worker.kill()
        fake.responder.release.set()

        worker.running()
        assert wait_for(missions_sweep, timeout=JOB_TIMEOUT, interval=0.2) == 1
        done = mission_until(client, started["id"], "completed", "failed")
        wait_for(lambda: ("updated", "completed") in mission_timeline(socket), timeout=10)

    assert (done["status"], done["attempts"]) == ("completed", 2), done["error"]
    assert [(s["status"], s["attempts"]) for s in done["steps"]] == [
        ("done", 1),
        ("done", 1),
        ("done", 2),  # on from the checkpoint after the answer
    ]
    assert _notes(mission) == sorted(NOTES)
    notes = Memory.objects.filter(collection=mission.collection).values("pk")
    assert MemoryEvent.objects.filter(event="add", memory_id__in=notes).count() == 3
    assert _embedded(fake, NOTES[0]) == 1  # found again, not written again
    assert mission_timeline(socket).count(("updated", "completed")) == 1
    assert missions_sweep() == 0
