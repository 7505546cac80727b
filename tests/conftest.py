"""Fixtures shared by the whole suite."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.db import connection
from rest_framework.test import APIClient

from config.embedded import start_redis, stop_redis
from tests.clerk import SigningKey, mint_token
from tests.factories import UserFactory

if TYPE_CHECKING:
    from accounts.models import User

BASE_DIR = Path(__file__).resolve().parent.parent

# The `workers` and `worker` fixtures: real Celery worker processes.
pytest_plugins = ["tests.memories.ingestion"]


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


# --- Clerk session tokens ---------------------------------------------------------


@pytest.fixture(scope="session")
def clerk_signing_key() -> SigningKey:
    return SigningKey.generate(kid="ins_test_key_1")


@pytest.fixture
def clerk_keys(settings, clerk_signing_key: SigningKey) -> SigningKey:
    """Verification with the test key's PEM (no network); no issuer or azp check."""
    settings.CLERK_JWT_KEY = clerk_signing_key.public_pem
    settings.CLERK_JWKS_URL = ""
    settings.CLERK_ISSUER = ""
    settings.CLERK_AUTHORIZED_PARTIES = []
    return clerk_signing_key


@pytest.fixture
def make_token(clerk_keys: SigningKey) -> Callable[..., str]:
    """`make_token(sub="user_...", exp=..., omit=("sid",), header={...})` -> a signed token."""
    return lambda **kwargs: mint_token(clerk_keys, **kwargs)


@pytest.fixture
def client_for(make_token: Callable[..., str]) -> Callable[["User"], APIClient]:
    """`client_for(user)`: an APIClient sending a valid Bearer token (one hour) for `user`."""

    def build(user: "User") -> APIClient:
        client = APIClient()
        token = make_token(sub=user.clerk_user_id, exp=int(time.time()) + 3600)
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        return client

    return build


def test_database_url() -> str:
    """A libpq URL for the test database, for processes started by a test."""
    params = connection.get_connection_params()
    host = params.get("host") or "localhost"
    return f"postgresql://{params['user']}@/{connection.settings_dict['NAME']}?host={host}"


def _subprocess_env() -> dict[str, str]:
    env = dict(os.environ)
    env["DATABASE_URL"] = test_database_url()
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    return env


class CeleryWorker:
    """A real `celery worker` process on the test database and Redis."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-l", "WARNING",
             "--concurrency", "2", "--without-gossip", "--without-mingle"],
            cwd=BASE_DIR,
            env=_subprocess_env(),
        )  # fmt: skip

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(30)


@pytest.fixture
def celery_worker(transactional_db: None) -> Iterator[CeleryWorker]:
    worker = CeleryWorker()
    worker.start()
    yield worker
    worker.stop()


@pytest.fixture
def redis_control() -> Iterator["RedisControl"]:
    control = RedisControl()
    yield control
    control.start()


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


# --- users ------------------------------------------------------------------------


@pytest.fixture
def user(db) -> "User":
    return UserFactory()


@pytest.fixture
def other_user(db) -> "User":
    return UserFactory()


@pytest.fixture
def user_client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def other_client(other_user) -> APIClient:
    client = APIClient()
    client.force_authenticate(other_user)
    return client
