"""Processes the tests start (a Celery worker, manage.py), the embedded Redis they stop and
restart, and waiting for what those processes do."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from django.db import connection

from config import serve
from config.embedded import start_redis, stop_redis

BASE_DIR = Path(__file__).resolve().parent.parent.parent
# The single-page app's origin in the CORS and live-server tests.
SPA = "http://localhost:5173"
# A worker or server imports the whole project (openai, LangGraph) before it answers: slow on a
# busy machine.
WORKER_START_TIMEOUT = 120.0


def test_database_url() -> str:
    """A libpq URL for the test database, for processes started by a test."""
    params = connection.get_connection_params()
    host = params.get("host") or "localhost"
    return f"postgresql://{params['user']}@/{connection.settings_dict['NAME']}?host={host}"


def subprocess_env() -> dict[str, str]:
    env = dict(os.environ)
    env["DATABASE_URL"] = test_database_url()
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    return env


class CeleryWorker:
    """A real `celery worker` process on the test database and Redis; its log goes to `log`
    when given (else to the test's output), with `env` added to its environment."""

    def __init__(
        self, *, level: str = "WARNING", log: Path | None = None, env: dict[str, str] | None = None
    ) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        self.level, self.log, self.env = level, log, env or {}

    def arguments(self) -> list[str]:
        return ["worker", "--concurrency", "2", "--without-gossip", "--without-mingle"]

    def start(self) -> None:
        output = open(self.log, "wb") if self.log else None  # noqa: SIM115 (the worker's own)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", *self.arguments(), "-l", self.level],
            cwd=BASE_DIR,
            env=subprocess_env() | self.env,
            stdout=output,
            stderr=subprocess.STDOUT if output else None,
        )  # fmt: skip
        if output:
            output.close()

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                # A warm shutdown can hang on a broker connection being retried: never leave a
                # worker behind to answer the next test's pings.
                self.process.kill()
                self.process.wait(30)


class CeleryBeat(CeleryWorker):
    """A real `celery beat` process sending the periodic tasks, its schedule in `schedule`."""

    def __init__(self, *, schedule: Path, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.schedule = schedule

    def arguments(self) -> list[str]:
        return ["beat", "-s", str(self.schedule)]


class RedisControl:
    """Stops and restarts the session's embedded Redis, for outage tests."""

    data_dir = Path(os.environ.get("COMPANION_TEST_DATA_DIR", ""))

    def stop(self) -> None:
        stop_redis(self.data_dir)

    def start(self) -> None:
        start_redis(self.data_dir)


def wait_for(predicate, timeout: float = 20.0, interval: float = 0.2):
    """Poll until `predicate()` is truthy, returning its value; fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_answers(url: str) -> bool:
    """The server at `url` answers its liveness probe."""
    try:
        return httpx.get(f"{url}{serve.LIVENESS_PATH}", timeout=1).status_code == 200
    except httpx.TransportError:
        return False
