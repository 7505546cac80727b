import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest

from tests.support.clerk import SigningKey
from tests.support.processes import BASE_DIR, SPA, free_port, subprocess_env, wait_for


@pytest.fixture
def live_server_url(transactional_db: None, clerk_keys: SigningKey) -> Iterator[str]:
    """uvicorn serving `config.asgi` on the test database, trusting the test Clerk key."""
    port = free_port()
    env = subprocess_env() | {
        "CLERK_JWT_KEY": clerk_keys.public_pem,
        "CORS_ALLOWED_ORIGINS": SPA,
        "DJANGO_LOG_LEVEL": "WARNING",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1",
         "--port", str(port), "--lifespan", "off", "--log-level", "warning"],
        cwd=BASE_DIR,
        env=env,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        try:
            return httpx.get(f"{url}/api/v1/health/live", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    try:
        wait_for(answers, timeout=30)
        yield url
    finally:
        process.terminate()
        process.wait(15)
