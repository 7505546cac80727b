"""Readiness checks. Each returns normally when healthy and raises when not."""

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any

import redis
from celery import current_app as celery_app
from django.conf import settings
from django.db import connection

CHECK_TIMEOUT_SECONDS = 2.5


def check_database() -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
            row = cursor.fetchone()
    finally:
        connection.close()
    if row is None:
        raise RuntimeError("the pgvector extension is not installed")


def check_redis() -> None:
    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    finally:
        client.close()


def check_celery() -> None:
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=1)
        replies = celery_app.control.ping(timeout=1.0, limit=1, connection=conn)
    if not replies:
        raise RuntimeError("no Celery worker answered")


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "redis": check_redis,
    "celery": check_celery,
}


def _timed(check: Callable[[], None]) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        check()
    except Exception as exc:  # a failing dependency is a result here, not an error
        result: dict[str, Any] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    else:
        result = {"ok": True}
    result["latency_ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


def run_checks() -> dict[str, dict[str, Any]]:
    """Run every check at once; one that hangs is reported as timed out, not waited for."""
    pool = ThreadPoolExecutor(max_workers=len(CHECKS), thread_name_prefix="health")
    futures = {name: pool.submit(_timed, check) for name, check in CHECKS.items()}
    wait(futures.values(), timeout=CHECK_TIMEOUT_SECONDS)
    pool.shutdown(wait=False, cancel_futures=True)
    timed_out = {"ok": False, "error": "timed out", "latency_ms": CHECK_TIMEOUT_SECONDS * 1000}
    return {name: f.result() if f.done() else timed_out for name, f in futures.items()}
