"""Helpers for end-to-end ingestion tests: the API calls, and real worker processes."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from config.celery import app as celery_app
from memories.models import Memory
from tests.support.processes import WORKER_START_TIMEOUT, CeleryWorker, wait_for

INGEST = "/api/v1/memories/ingest"
JOB_TIMEOUT = 60.0


def ingest(client, *messages: tuple[str, str]) -> dict:
    """POST the conversation (role, text pairs); asserts a 202 and returns the job."""
    payload = {"messages": [{"role": role, "content": text} for role, text in messages]}
    response = client.post(INGEST, payload, format="json")
    assert response.status_code == 202, response.content
    return response.json()


def finished(client, job_id: str) -> dict:
    """The job through the API once it has succeeded or failed."""

    def poll() -> dict | None:
        body = client.get(f"/api/v1/ingestion-jobs/{job_id}").json()
        return body if body["status"] in ("succeeded", "failed") else None

    return wait_for(poll, timeout=JOB_TIMEOUT, interval=0.1)


def contents(user) -> list[str]:
    return sorted(Memory.objects.filter(user=user).values_list("content", flat=True))


def checkpoints(job_id: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM checkpoints WHERE thread_id = %s", [job_id])
        return cursor.fetchone()[0]


def _worker_answers() -> bool:
    # A fresh connection each time: pooled ones go stale when a test restarts Redis.
    with celery_app.connection_for_write() as connection:
        return bool(celery_app.control.ping(timeout=0.5, connection=connection))


def _worker_idle() -> bool:
    with celery_app.connection_for_write() as connection:
        active = celery_app.control.inspect(timeout=0.5, connection=connection).active()
    return active is not None and not any(active.values())


class Workers:
    """One worker process at a time with a fixed environment, replaced when a test kills it.

    Shared by a module's tests: starting a worker costs seconds.
    """

    def __init__(self, **env: str) -> None:
        self.env = env
        self.current: CeleryWorker | None = None

    def running(self) -> CeleryWorker:
        if self.current is None or self.current.process.poll() is not None:
            with pytest.MonkeyPatch.context() as patch:
                for name, value in self.env.items():
                    patch.setenv(name, value)
                self.current = CeleryWorker()
                self.current.start()
            # Tests time jobs, not the worker's start (seconds on a busy machine).
            wait_for(_worker_answers, timeout=WORKER_START_TIMEOUT)
        return self.current

    def settle(self) -> None:
        """Wait (a while) until the worker runs nothing, so that the next test's database flush
        does not race a task still writing (a TRUNCATE deadlocked with a task's row locks)."""
        if self.current is not None and self.current.process.poll() is None:
            wait_for(_worker_idle, timeout=15, interval=0.2)

    def pool_processes(self) -> list[int]:
        pid = self.running().process.pid
        return [
            int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        ]

    def kill_pool_processes(self) -> None:
        for child in self.pool_processes():
            os.kill(child, signal.SIGKILL)

    def kill(self) -> None:
        """SIGKILL the worker and its pool processes, as an OOM killer or a lost node would."""
        children = self.pool_processes()
        process = self.running().process
        for pid in [process.pid, *children]:
            os.kill(pid, signal.SIGKILL)
        process.wait(10)

    def stop(self) -> None:
        if self.current is not None:
            self.current.stop()


@contextmanager
def started_workers(django_db_blocker: Any, **env: str) -> Iterator[Workers]:
    """A module's `Workers`, its first worker started before the first test."""
    workers = Workers(**env)
    try:
        with django_db_blocker.unblock():
            workers.running()
        yield workers
    finally:
        workers.stop()  # also when the worker never answered: no process left behind
