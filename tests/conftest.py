"""Fixtures shared by the whole suite."""

import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest
from rest_framework.test import APIClient

from tests.support.clerk import SigningKey, mint_token
from tests.support.factories import UserFactory
from tests.support.ingestion import Workers, started_workers
from tests.support.processes import CeleryWorker, RedisControl

if TYPE_CHECKING:
    from accounts.models import User


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


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


@pytest.fixture
def sent(monkeypatch) -> list[str]:
    """Job ids handed to the broker (the sending itself is tested with a real worker)."""
    ids: list[str] = []
    monkeypatch.setattr(
        "memories.queue.task_send", lambda *, name, args: ids.append(args[0]) or True
    )
    return ids


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


@pytest.fixture(scope="module")
def workers(django_db_setup: None, django_db_blocker: Any) -> Iterator[Workers]:
    """Worker processes with the local model, shared by a module's tests (a start costs
    seconds); a module overrides it for another environment."""
    with started_workers(django_db_blocker, LLM_PROVIDER="local") as workers:
        yield workers


@pytest.fixture
def worker(workers: Workers, transactional_db: None) -> Iterator[Workers]:
    workers.running()
    yield workers
    workers.settle()
