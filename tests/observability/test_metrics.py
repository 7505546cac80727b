"""/metrics: off without METRICS_TOKEN, refused without it, served with it; what it counts."""

import os
import re
import subprocess
import sys

import pytest
import redis
from django.conf import settings as django_settings
from django.test import Client

from conversations.pipelines.runner import reply_generate
from conversations.services import conversation_create, message_send
from core.observability import scrape as scrape_module
from memories.pipelines.runner import ingestion_job_process
from tests.support.metrics import sample
from tests.support.processes import BASE_DIR
from tests.support.webhooks import WEBHOOK_SECRET, clerk_event, clerk_user, deliver, new_svix_id

pytestmark = pytest.mark.django_db

METRICS = "/metrics"
LIVE = "/api/v1/health/live"


def scrape(token: str) -> str:
    response = Client().get(METRICS, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    return response.content.decode()


def test_without_a_token_configured_the_endpoint_does_not_exist(api_client, settings):
    settings.METRICS_TOKEN = ""
    response = api_client.get(METRICS, HTTP_AUTHORIZATION="Bearer anything")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(
    "authorization", [None, "Bearer wrong-token", "Basic bWV0cmljcy10ZXN0LXRva2Vu", "Bearer"]
)
def test_without_the_token_a_scrape_is_a_401(api_client, metrics_on, authorization):
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    response = api_client.get(METRICS, **headers)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "http_requests_total" not in response.content.decode()


def test_with_the_token_the_prometheus_text_is_served(api_client, metrics_on):
    api_client.get(LIVE)
    text = scrape(metrics_on)
    assert "# TYPE http_requests_total counter" in text
    assert "# TYPE http_request_duration_seconds histogram" in text
    assert "# TYPE celery_queue_length gauge" in text


def test_a_request_counts_by_route_method_and_status_with_its_latency_and_queries(
    client_for, user, metrics_on
):
    labels = {"route": "accounts-api:me", "method": "GET", "status": "200"}
    before = sample("http_requests_total", **labels)
    latency = sample("http_request_duration_seconds_count", route="accounts-api:me")
    queries = sample("http_request_db_queries_sum", route="accounts-api:me")
    client_for(user).get("/api/v1/users/me")
    assert sample("http_requests_total", **labels) == before + 1
    assert sample("http_request_duration_seconds_count", route="accounts-api:me") == latency + 1
    assert sample("http_request_db_queries_sum", route="accounts-api:me") >= queries + 1


def test_labels_are_route_names_never_paths_or_ids(client_for, user, metrics_on):
    client = client_for(user)
    missing = "0b6f3f4e-8a1f-4c55-9d5e-2f1a63a0c0aa"
    client.get(f"/api/v1/memories/{missing}")
    client.get("/api/v1/anything/else/raw-path-segment")
    client.generic("BREW", LIVE)
    text = scrape(metrics_on)
    assert 'route="memories-api:memory-detail"' in text
    assert 'route="api-not-found"' in text
    assert 'method="other"' in text
    assert missing not in text
    assert "raw-path-segment" not in text  # (digits could turn up in a sample's value)
    assert user.clerk_user_id not in text
    http_lines = [line for line in text.splitlines() if line.startswith("http_")]
    assert {name for line in http_lines for name in re.findall(r'(\w+)="', line)} <= {
        "route", "method", "status", "le"
    }  # fmt: skip


def test_a_search_counts_by_plan(client_for, user, metrics_on):
    client = client_for(user)
    client.post("/api/v1/memories", {"content": "I have a dog named Bolt."}, format="json")
    before = sample("memory_search_duration_seconds_count", plan="exact", mode="hybrid")
    response = client.post("/api/v1/memories/search", {"query": "my dog"}, format="json")
    assert response.status_code == 200
    assert sample("memory_search_duration_seconds_count", plan="exact", mode="hybrid") == (
        before + 1
    )


def test_a_webhook_delivery_counts_by_type_and_status(api_client, settings):
    settings.CLERK_WEBHOOK_SECRET = WEBHOOK_SECRET
    processed = {"type": "user.created", "status": "processed"}
    duplicate = {"type": "user.created", "status": "duplicate"}
    other = {"type": "other", "status": "ignored"}
    counts = [sample("webhook_deliveries_total", **labels) for labels in (processed, duplicate)]
    ignored = sample("webhook_deliveries_total", **other)
    svix_id = new_svix_id()
    event = clerk_event("user.created", clerk_user("user_metrics_1"))
    assert deliver(api_client, event, svix_id=svix_id).status_code == 200
    assert deliver(api_client, event, svix_id=svix_id).status_code == 200
    deliver(api_client, clerk_event("session.created", {"id": "sess_1"}))
    assert sample("webhook_deliveries_total", **processed) == counts[0] + 1
    assert sample("webhook_deliveries_total", **duplicate) == counts[1] + 1
    assert sample("webhook_deliveries_total", **other) == ignored + 1


@pytest.mark.django_db(transaction=True)
def test_an_ingestion_job_counts_when_queued_and_when_it_succeeds(client_for, user, sent):
    queued = sample("ingestion_jobs_total", status="queued")
    succeeded = sample("ingestion_jobs_total", status="succeeded")
    durations = sample("ingestion_job_duration_seconds_count", status="succeeded")
    messages = [{"role": "user", "content": "I live in Porto."}]
    client_for(user).post("/api/v1/memories/ingest", {"messages": messages}, format="json")
    assert sample("ingestion_jobs_total", status="queued") == queued + 1
    ingestion_job_process(job_id=sent[0])
    assert sample("ingestion_jobs_total", status="succeeded") == succeeded + 1
    assert sample("ingestion_job_duration_seconds_count", status="succeeded") == durations + 1


def test_the_queue_length_is_read_from_the_broker(api_client, metrics_on):
    text = scrape(metrics_on)
    found = re.search(r'^celery_queue_length\{queue="celery"\} (\S+)$', text, re.MULTILINE)
    assert found is not None
    waiting = redis.Redis.from_url(django_settings.CELERY_BROKER_URL).llen("celery")
    assert float(found.group(1)) == waiting
    assert 'celery_queue_length{queue="replies"}' in text


def test_a_method_other_than_get_is_a_json_405(api_client, metrics_on):
    response = api_client.post(METRICS, HTTP_AUTHORIZATION=f"Bearer {metrics_on}")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def _socket_holder(folder, *, stay: bool) -> subprocess.Popen:
    """A process that opens a websocket in the gauge's eyes, then exits or stays."""
    code = "from core.observability.metrics import websockets_open; websockets_open.inc()\n"
    code += "import sys; print('open', flush=True); sys.stdin.read()" if stay else ""
    return subprocess.Popen(
        [sys.executable, "-c", code], cwd=BASE_DIR, stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, env={**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(folder)},
    )  # fmt: skip


def test_the_sockets_of_a_process_that_died_are_not_counted(tmp_path, monkeypatch):
    dead = _socket_holder(tmp_path, stay=False)
    assert dead.wait(60) == 0
    alive = _socket_holder(tmp_path, stay=True)
    try:
        assert alive.stdout.readline() == b"open\n"
        monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
        registry = scrape_module._process_samples()
        assert registry.get_sample_value("websockets_open") == 1.0
    finally:
        alive.communicate(b"", timeout=60)


@pytest.mark.django_db(transaction=True)
def test_a_reply_counts_by_status_with_its_duration(user, monkeypatch):
    monkeypatch.setattr("conversations.services.sending.task_send", lambda **_: True)
    monkeypatch.setattr("memories.queue.task_send", lambda **_: True)
    completed = sample("chat_replies_total", status="completed")
    durations = sample("chat_reply_duration_seconds_count", status="completed")
    _, reply, _ = message_send(conversation=conversation_create(user=user), content="Hello!")
    reply_generate(message_id=reply.pk)
    assert sample("chat_replies_total", status="completed") == completed + 1
    assert sample("chat_reply_duration_seconds_count", status="completed") == durations + 1
