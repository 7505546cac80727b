import subprocess
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from config import serve
from tests.support.clerk import SigningKey
from tests.support.processes import (
    BASE_DIR,
    SPA,
    WORKER_START_TIMEOUT,
    free_port,
    server_answers,
    subprocess_env,
    wait_for,
)


@dataclass(frozen=True)
class LiveServers:
    """What `make dev` serves: HTTP (granian WSGI) and websockets (uvicorn ASGI) apart."""

    http_url: str
    ws_url: str
    env: dict[str, str]


@pytest.fixture
def live_servers(transactional_db: None, clerk_keys: SigningKey) -> Iterator[LiveServers]:
    """config/serve.py's commands on the test database, trusting the test Clerk key."""
    env = subprocess_env() | {
        "CLERK_JWT_KEY": clerk_keys.public_pem,
        "CORS_ALLOWED_ORIGINS": SPA,
        "DJANGO_LOG_LEVEL": "WARNING",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PORT": str(free_port()),
        "WS_PORT": str(free_port()),
    }
    commands = serve.commands(env=env)
    processes = [
        subprocess.Popen(command, cwd=BASE_DIR, env=serve.web_env(role, env))
        for role, command in commands.items()
    ]
    port = serve.ports(env)
    servers = LiveServers(
        http_url=f"http://127.0.0.1:{port['http']}", ws_url=f"ws://127.0.0.1:{port['ws']}", env=env
    )
    try:
        wait_for(
            lambda: (
                server_answers(servers.http_url)
                and server_answers(f"http://127.0.0.1:{port['ws']}")
            ),
            timeout=WORKER_START_TIMEOUT,  # the servers import the whole project first
        )
        yield servers
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(20)
