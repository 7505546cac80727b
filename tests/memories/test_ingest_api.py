"""POST /memories/ingest and GET /ingestion-jobs/{id}, and the job services behind them."""

import uuid

import pytest

from memories import events
from memories.models import IngestionJob
from memories.services import (
    ingestion_job_apply,
    ingestion_job_fail,
    ingestion_job_start,
)

pytestmark = pytest.mark.django_db

INGEST = "/api/v1/memories/ingest"
CONVERSATION = [
    {"role": "user", "content": "I live in Lisbon."},
    {"role": "assistant", "content": "Lovely city!"},
]


@pytest.fixture
def published(monkeypatch) -> list[dict]:
    messages: list[dict] = []
    monkeypatch.setattr(events, "_send", lambda user_id, message: messages.append(message))
    return messages


def test_ingest_answers_202_with_a_queued_job_sent_after_commit(
    client_for, user, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(user).post(INGEST, {"messages": CONVERSATION}, format="json")
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "queued"
    assert body["result"] == {}
    assert {"id", "created_at", "updated_at", "started_at", "finished_at", "error"} <= set(body)
    job = IngestionJob.objects.get(pk=body["id"])
    assert job.user == user
    assert job.messages == CONVERSATION
    assert sent == [body["id"]]
    assert job.enqueued_at is not None


def test_the_same_idempotency_key_gives_back_the_same_job(client_for, user, other_user, sent):
    payload = {"messages": CONVERSATION, "idempotency_key": "conversation-42"}
    first = client_for(user).post(INGEST, payload, format="json").json()
    again = client_for(user).post(INGEST, payload, format="json")
    theirs = client_for(other_user).post(INGEST, payload, format="json").json()
    assert again.status_code == 202
    assert again.json()["id"] == first["id"]
    assert theirs["id"] != first["id"]
    assert IngestionJob.objects.filter(idempotency_key="conversation-42").count() == 2


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "messages"),
        ({"messages": []}, "messages"),
        ({"messages": [{"role": "user", "content": "hi"}] * 51}, "messages"),
        ({"messages": "hello"}, "messages"),
        ({"messages": [{"role": "robot", "content": "hi"}]}, "messages"),
        ({"messages": [{"role": "user"}]}, "messages"),
        ({"messages": [{"role": "user", "content": 42}]}, "messages"),
        ({"messages": [{"role": "user", "content": ["hi"]}]}, "messages"),
        ({"messages": [{"role": "user", "content": "x" * 8001}]}, "messages"),
        ({"messages": [{"role": "user", "content": "hi", "name": "x"}]}, "messages"),
        ({"messages": ["hi"]}, "messages"),
        ({"messages": CONVERSATION, "idempotency_key": 7}, "idempotency_key"),
        ({"messages": CONVERSATION, "idempotency_key": "k" * 201}, "idempotency_key"),
        ({"messages": CONVERSATION, "idempotency_key": ""}, "idempotency_key"),
        ({"messages": CONVERSATION, "priority": "high"}, "priority"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(client_for, user, sent, payload, field):
    response = client_for(user).post(INGEST, payload, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"]
    assert field in body["errors"]
    assert not IngestionJob.objects.exists()


def test_limits_are_inclusive(client_for, user, sent):
    payload = {
        "messages": [{"role": "system", "content": "x" * 8000}] * 50,
        "idempotency_key": "k" * 200,
    }
    assert client_for(user).post(INGEST, payload, format="json").status_code == 202


def test_a_body_that_is_not_a_json_object_is_a_400(client_for, user, sent):
    client = client_for(user)
    assert client.post(INGEST, [1, 2], format="json").status_code == 400
    response = client.post(INGEST, "{nope", content_type="application/json")
    assert response.status_code == 400


def test_ingest_and_jobs_need_a_session_token(api_client, user):
    job = IngestionJob.objects.create(user=user, messages=CONVERSATION)
    assert api_client.post(INGEST, {"messages": CONVERSATION}, format="json").status_code == 401
    assert api_client.get(f"/api/v1/ingestion-jobs/{job.id}").status_code == 401


def test_a_job_shows_its_status_result_and_error(client_for, user):
    job = IngestionJob.objects.create(user=user, messages=CONVERSATION)
    ingestion_job_start(job_id=job.id)
    ingestion_job_fail(job_id=job.id, error="the model answered nonsense")
    body = client_for(user).get(f"/api/v1/ingestion-jobs/{job.id}").json()
    assert body["id"] == str(job.id)
    assert body["status"] == "failed"
    assert body["error"] == "the model answered nonsense"
    assert body["attempts"] == 1
    assert body["started_at"]
    assert body["finished_at"]


def test_another_users_job_is_a_404_as_is_a_malformed_id(client_for, user, other_user):
    job = IngestionJob.objects.create(user=user, messages=CONVERSATION)
    theirs = client_for(other_user)
    for path in (job.id, uuid.uuid4(), "not-a-uuid"):
        response = theirs.get(f"/api/v1/ingestion-jobs/{path}")
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


def test_get_is_not_allowed_on_ingest_and_ingest_is_not_a_memory_id(client_for, user):
    response = client_for(user).get(INGEST)
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


# --- job status changes and their live events -------------------------------------


def test_each_status_change_is_published_once(user, published, django_capture_on_commit_callbacks):
    job = IngestionJob.objects.create(user=user, messages=CONVERSATION)
    with django_capture_on_commit_callbacks(execute=True):
        ingestion_job_start(job_id=job.id)
        ingestion_job_start(job_id=job.id)  # a retry: still running, nothing to say
        ingestion_job_apply(job=job, candidates=[], embeddings=[], decisions=[])
    assert [(m["type"], m["job"]["status"]) for m in published] == [
        ("ingestion_job.updated", "running"),
        ("ingestion_job.updated", "succeeded"),
    ]
    assert published[-1]["job"]["result"] == {
        "added": 0,
        "updated": 0,
        "deleted": 0,
        "unchanged": 0,
    }


def test_a_finished_job_is_neither_restarted_nor_failed(user, published):
    job = IngestionJob.objects.create(user=user, messages=CONVERSATION)
    ingestion_job_start(job_id=job.id)
    ingestion_job_apply(job=job, candidates=[], embeddings=[], decisions=[])
    assert ingestion_job_start(job_id=job.id) is None
    ingestion_job_fail(job_id=job.id, error="late")
    job.refresh_from_db()
    assert (job.status, job.error, job.attempts) == ("succeeded", "", 1)
