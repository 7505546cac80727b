import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from config import serve
from tests.clerk import SigningKey
from tests.conftest import BASE_DIR, _subprocess_env, wait_for

SPA = "http://localhost:5173"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class LiveServers:
    """What `make dev` serves: HTTP (granian WSGI) and websockets (uvicorn ASGI) apart."""

    http_url: str
    ws_url: str
    env: dict[str, str]


def _answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}{serve.LIVENESS_PATH}", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


@pytest.fixture
def live_servers(transactional_db: None, clerk_keys: SigningKey) -> Iterator[LiveServers]:
    """config/serve.py's commands on the test database, trusting the test Clerk key."""
    env = serve.web_env(_subprocess_env()) | {
        "CLERK_JWT_KEY": clerk_keys.public_pem,
        "CORS_ALLOWED_ORIGINS": SPA,
        "DJANGO_LOG_LEVEL": "WARNING",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PORT": str(_free_port()),
        "WS_PORT": str(_free_port()),
    }
    processes = [
        subprocess.Popen(cmd, cwd=BASE_DIR, env=env) for cmd in serve.commands(env=env).values()
    ]
    port = serve.ports(env)
    servers = LiveServers(
        http_url=f"http://127.0.0.1:{port['http']}", ws_url=f"ws://127.0.0.1:{port['ws']}", env=env
    )
    try:
        wait_for(
            lambda: _answers(servers.http_url) and _answers(f"http://127.0.0.1:{port['ws']}"),
            timeout=30,
        )
        yield servers
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(20)
