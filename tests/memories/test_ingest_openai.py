"""Ingestion end to end with the `openai` provider: a real worker process whose model is a
local OpenAI-compatible server (answering by the local rules), so that the real openai and
langchain client code runs. Durability: killed workers, unusable answers, an unavailable model."""

import threading
from collections.abc import Iterator

import pytest

from memories.models import IngestionJob, MemoryEvent
from memories.services import ingestion_jobs_requeue_stale, memory_create
from tests.support.fake_openai import FakeOpenAI, local_model, schema_name
from tests.support.ingestion import (
    JOB_TIMEOUT,
    Workers,
    checkpoints,
    contents,
    finished,
    ingest,
    started_workers,
)
from tests.support.processes import wait_for

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def model_server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(local_model) as server:
        yield server


@pytest.fixture
def model(model_server: FakeOpenAI) -> Iterator[FakeOpenAI]:
    model_server.responder = local_model
    model_server.requests.clear()
    yield model_server
    model_server.responder = local_model


@pytest.fixture(scope="module")
def workers(django_db_setup, django_db_blocker, model_server) -> Iterator[Workers]:
    with started_workers(
        django_db_blocker,
        LLM_PROVIDER="openai",
        OPENAI_API_KEY="sk-test",
        OPENAI_BASE_URL=model_server.base_url,
        LLM_TIMEOUT_SECONDS="30",
    ) as workers:
        yield workers


class GatedModel:
    """`local_model`, except that decisions wait until `release()`."""

    def __init__(self) -> None:
        self.gate = threading.Event()

    def __call__(self, request: dict) -> str:
        if schema_name(request) == "Decisions":
            self.gate.wait(JOB_TIMEOUT)
        return local_model(request)

    def release(self) -> None:
        self.gate.set()


def _lisbon(user) -> None:
    home = {"slot": "home_location", "value": "Lisbon", "detail": "", "key": "home_location"}
    memory_create(user=user, content="User lives in Lisbon", metadata=home)


def test_a_pool_process_killed_mid_job_is_redelivered_at_once(client_for, user, worker, model):
    """acks_late + reject_on_worker_lost: the worker's main process puts the run back."""
    _lisbon(user)
    gated = model.responder = GatedModel()
    client = client_for(user)
    job = ingest(client, ("user", "I moved to Porto."))
    wait_for(lambda: model.calls("Decisions") == 1, timeout=JOB_TIMEOUT)
    worker.kill_pool_processes()
    gated.release()
    done = finished(client, job["id"])

    assert done["status"] == "succeeded"
    assert done["result"] == {"added": 1, "updated": 0, "deleted": 1, "unchanged": 0}
    assert (model.calls("Extraction"), model.calls("Decisions")) == (1, 2)  # resumed
    assert contents(user) == ["User lives in Porto"]
    wait_for(lambda: checkpoints(job["id"]) == 0)  # deleted right after the job finished


def test_a_worker_killed_mid_job_is_replaced_and_the_job_resumes_without_duplicates(
    client_for, user, worker, model, settings
):
    _lisbon(user)
    gated = model.responder = GatedModel()
    client = client_for(user)
    job = ingest(client, ("user", "I moved to Porto. I love hiking."))
    wait_for(lambda: model.calls("Decisions") == 1, timeout=JOB_TIMEOUT)
    worker.kill()  # the whole worker, in the middle of a step
    gated.release()
    assert IngestionJob.objects.get(pk=job["id"]).status == "running"

    worker.running()  # a new worker
    # Redis would redeliver the unacknowledged run after its visibility timeout (an hour);
    # the sweep sends the stalled job again first.
    settings.INGESTION_REQUEUE_AFTER_SECONDS = 0
    assert ingestion_jobs_requeue_stale() == 1
    done = finished(client, job["id"])

    assert done["status"] == "succeeded"
    assert done["attempts"] == 2
    assert done["result"] == {"added": 2, "updated": 0, "deleted": 1, "unchanged": 0}
    assert (model.calls("Extraction"), model.calls("Decisions")) == (1, 2)  # resumed
    assert contents(user) == ["User lives in Porto", "User loves hiking"]
    assert MemoryEvent.objects.filter(job_id=job["id"], event="add").count() == 2
    wait_for(lambda: checkpoints(job["id"]) == 0)  # deleted right after the job finished


def test_a_malformed_model_answer_fails_the_job_cleanly(client_for, user, worker, model):
    _lisbon(user)

    def malformed(request: dict) -> str:
        if schema_name(request) == "Decisions":
            return '{"decisions": [{"candidate": "first", "action": "MAYBE"}'
        return local_model(request)

    model.responder = malformed
    client = client_for(user)
    done = finished(client, ingest(client, ("user", "I moved to Porto. My name is Ana."))["id"])

    assert done["status"] == "failed"
    assert "Decisions" in done["error"]
    assert done["result"] == {}
    assert model.calls("Decisions") == 1  # an unusable answer is not retried
    assert contents(user) == ["User lives in Lisbon"]  # nothing half-applied
    assert not MemoryEvent.objects.filter(job_id=done["id"]).exists()
    wait_for(lambda: checkpoints(done["id"]) == 0)


def test_an_unavailable_model_is_retried_with_backoff(client_for, user, worker, model):
    failures = iter([(503, {"error": {"message": "overloaded"}})])
    model.responder = lambda request: next(failures, None) or local_model(request)
    client = client_for(user)
    done = finished(client, ingest(client, ("user", "I love tea."))["id"])

    assert done["status"] == "succeeded"
    assert done["attempts"] == 2
    assert model.calls("Extraction") == 2
    assert contents(user) == ["User loves tea"]
