"""With real processes: the counts of two web processes add up in one scrape, and the request
id of a request reaches the log lines of the worker that runs the job it sent."""

import json
import subprocess
import sys

import httpx
import pytest
import websockets
import websockets.sync.client
from prometheus_client import CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from config import serve
from tests.support.ingestion import _worker_answers, finished, ingest
from tests.support.processes import (
    BASE_DIR,
    WORKER_START_TIMEOUT,
    CeleryWorker,
    free_port,
    server_answers,
    subprocess_env,
    wait_for,
)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

TOKEN = "live-metrics-token"


def _not_found_count(text: str) -> float:
    """Answers counted on the API's catch-all 404 route (the probes count elsewhere)."""
    labels = {"route": "api-not-found", "method": "GET", "status": "404"}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "http_requests_total" and sample.labels == labels:
                return sample.value
    return 0.0


def test_two_web_processes_add_up_in_one_scrape(tmp_path):
    env = subprocess_env() | {
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "METRICS_TOKEN": TOKEN,
        "DJANGO_LOG_LEVEL": "WARNING", "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    }  # fmt: skip
    urls = [f"http://127.0.0.1:{free_port()}" for _ in range(2)]
    commands = [
        serve.http_command(sys.executable, "127.0.0.1", int(url.rsplit(":", 1)[1]), env)
        for url in urls
    ]
    http_env = serve.web_env("http", env)
    processes = [subprocess.Popen(command, cwd=BASE_DIR, env=http_env) for command in commands]
    try:
        wait_for(lambda: all(map(server_answers, urls)), timeout=WORKER_START_TIMEOUT)
        for url, times in zip(urls, (3, 4), strict=True):
            for _ in range(times):
                assert httpx.get(f"{url}/api/v1/no-such-endpoint").status_code == 404
        scrapes = [
            httpx.get(f"{url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
            for url in urls
        ]
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(20)
    assert [scrape.status_code for scrape in scrapes] == [200, 200]
    assert [_not_found_count(scrape.text) for scrape in scrapes] == [7.0, 7.0]


def _worker_lines(log) -> list[dict]:
    lines = []
    for line in log.read_text(errors="replace").splitlines():
        if line.startswith("{"):
            lines.append(json.loads(line))
    return lines


def test_the_request_id_reaches_the_workers_log_lines_and_its_metrics_count(
    client_for, user, tmp_path
):
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    log = tmp_path / "worker.log"
    worker = CeleryWorker(
        level="INFO", log=log,
        env={"DJANGO_LOG_FORMAT": "json", "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)},
    )  # fmt: skip
    worker.start()
    try:
        wait_for(_worker_answers, timeout=WORKER_START_TIMEOUT)
        client = client_for(user)
        client.defaults["HTTP_X_REQUEST_ID"] = "edge-req.42"
        job = ingest(client, ("user", "I live in Porto."))
        assert finished(client, job["id"])["status"] == "succeeded"
        succeeded = wait_for(
            lambda: [
                line for line in _worker_lines(log)
                if line.get("request_id") == "edge-req.42" and "succeeded" in line["message"]
            ]
        )  # fmt: skip
    finally:
        worker.stop()
    assert "memories.tasks.ingestion_job_run" in succeeded[0]["message"]
    assert succeeded[0]["logger"] == "celery.app.trace"
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(metrics_dir))
    assert registry.get_sample_value("ingestion_jobs_total", {"status": "succeeded"}) == 1.0


def test_the_websocket_servers_lines_are_json_and_never_hold_the_token(tmp_path):
    log = tmp_path / "ws.log"
    port = free_port()
    env = subprocess_env() | {"DJANGO_LOG_FORMAT": "json", "DJANGO_LOG_LEVEL": "INFO",
                              "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost"}  # fmt: skip
    command = serve.ws_command(sys.executable, "127.0.0.1", port, env)
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=BASE_DIR, env=serve.web_env("ws", env),
                                   stdout=output, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        wait_for(lambda: server_answers(f"http://127.0.0.1:{port}"), timeout=WORKER_START_TIMEOUT)
        with (
            pytest.raises(websockets.InvalidStatus),
            websockets.sync.client.connect(
                f"ws://127.0.0.1:{port}/ws/events?token=private-socket-token", open_timeout=10
            ),
        ):
            pass
        connect_lines = lambda: [  # noqa: E731
            line for line in _worker_lines(log) if "WebSocket /ws/events" in line["message"]
        ]
        lines = wait_for(connect_lines)
    finally:
        process.terminate()
        process.wait(20)
    assert lines[0]["logger"].startswith("uvicorn")
    assert "private-socket-token" not in log.read_text(errors="replace")
