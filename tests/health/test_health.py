import time

import pytest
from django.db import connection

from health.checks import CHECK_TIMEOUT_SECONDS
from tests.support.processes import WORKER_START_TIMEOUT, wait_for

pytestmark = pytest.mark.django_db


def test_live_answers_ok_without_touching_dependencies(api_client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = api_client.get("/api/v1/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_embedded_postgres_has_pgvector():
    with connection.cursor() as cursor:
        cursor.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
        (version,) = cursor.fetchone()
    assert tuple(int(part) for part in version.split(".")) >= (0, 8, 0)


def test_ready_is_503_naming_celery_when_no_worker_answers(api_client):
    response = api_client.get("/api/v1/health")
    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "degraded"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["redis"]["ok"] is True
    assert body["checks"]["celery"]["ok"] is False
    assert body["checks"]["celery"]["error"]


@pytest.mark.slow
def test_ready_is_ok_with_database_redis_and_a_worker(api_client, celery_worker):
    response = wait_for(
        lambda: (r := api_client.get("/api/v1/health")).status_code == 200 and r,
        timeout=WORKER_START_TIMEOUT,
    )
    checks = response.json()["checks"]
    assert response.json()["status"] == "ok"
    assert {name: check["ok"] for name, check in checks.items()} == {
        "database": True,
        "redis": True,
        "celery": True,
    }
    # Each check was timed, and none ran into the timeout (which reports exactly the limit).
    limit_ms = CHECK_TIMEOUT_SECONDS * 1000
    assert all(isinstance(check["latency_ms"], float) for check in checks.values())
    assert all(check["latency_ms"] < limit_ms for check in checks.values())
    assert checks["celery"]["latency_ms"] > 0  # a round trip to a worker through Redis


@pytest.mark.slow
def test_ready_names_redis_within_3_seconds_when_it_stops_and_recovers(
    api_client, celery_worker, redis_control
):
    wait_for(
        lambda: api_client.get("/api/v1/health").status_code == 200, timeout=WORKER_START_TIMEOUT
    )
    redis_control.stop()
    started = time.monotonic()
    response = api_client.get("/api/v1/health")
    elapsed = time.monotonic() - started

    assert response.status_code == 503
    assert response.json()["checks"]["redis"]["ok"] is False
    assert elapsed < 3.0

    redis_control.start()
    wait_for(lambda: api_client.get("/api/v1/health").status_code == 200, timeout=30)
