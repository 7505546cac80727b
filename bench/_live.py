"""A throwaway live server for benchmarks: embedded stack, migrations, and the web processes
`make dev` starts (config/serve.py): HTTP on `port`, websockets on `port + 1`.

    with live_server(port=8101, env={"CLERK_JWT_KEY": pem}) as server:
        httpx.get(f"{server.url}/api/v1/health/live")   # server.ws_url for /ws/events

Everything started here (PostgreSQL, Redis, the web processes, an optional Celery worker) is
stopped and its data directory removed on exit.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

import websockets  # noqa: E402

from config import serve  # noqa: E402
from config.embedded import ensure_stack  # noqa: E402
from tests.support.clerk import SigningKey, mint_token  # noqa: E402

# The origin the single-page app's sockets come from (the servers trust it).
ORIGIN = "http://localhost:5173"
# Importing the app took 28 s on the 2 shared cores at a load average of 7.
START_TIMEOUT_SECONDS = 120.0


@dataclass(frozen=True)
class LiveServer:
    url: str
    ws_url: str
    env: dict[str, str]
    pid: int  # the HTTP server
    ws_pid: int  # the websocket server
    data_dir: Path

    def cpu_seconds(self) -> dict[str, float]:
        """CPU time used so far by the HTTP server, the websocket server and the stack's
        PostgreSQL processes (Linux).

        Unlike wall-clock throughput, this barely moves when other work shares the machine.
        """
        postmaster = int((self.data_dir / "postgres" / "postmaster.pid").read_text().split()[0])
        # The postmaster's own count includes backends that have exited (one per connection).
        postgres = _cpu(postmaster, reaped=True) + sum(map(_cpu, _children(postmaster)))
        # With WEB_CONCURRENCY > 1 the requests are served by the HTTP server's children.
        http = _cpu(self.pid) + sum(map(_cpu, _children(self.pid)))
        return {"http": http, "ws": _cpu(self.ws_pid), "postgres": postgres}


def _stat(pid: int | str) -> list[str]:
    """/proc/<pid>/stat from the state field on (the command name may contain spaces)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return []


def _cpu(pid: int, *, reaped: bool = False) -> float:
    """utime + stime, plus the exited children's when `reaped`, in seconds."""
    fields = _stat(pid)
    ticks = sum(int(value) for value in fields[11 : 15 if reaped else 13])
    return ticks / os.sysconf("SC_CLK_TCK")


def _children(parent: int) -> list[int]:
    pids = (entry.name for entry in Path("/proc").iterdir() if entry.name.isdigit())
    return [int(pid) for pid in pids if (fields := _stat(pid)) and int(fields[1]) == parent]


def _server_env(extra: dict[str, str]) -> dict[str, str]:
    # The test settings read no .env file, so the server sees exactly this environment.
    env = {key: value for key, value in os.environ.items() if not key.startswith("CLERK_")}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.test", DJANGO_LOG_LEVEL="WARNING")
    env.update(DATABASE_CONN_MAX_AGE="60")  # connections kept, as in production
    # Throttles stay on (their Redis round trip is part of every figure), set above any load.
    env.update({f"API_THROTTLE_{scope}": "1000000/min" for scope in ("ANON", "USER", "WEBHOOKS")})
    env.update(extra)
    return env


def _wait_until_live(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[2]} exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/api/v1/health/live", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{process.args[2]} did not answer on {url}")


def _stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()


@contextmanager
def live_server(
    *, port: int, env: dict[str, str] | None = None, worker: bool = False
) -> Iterator[LiveServer]:
    """Start the stack in a temporary directory and serve `config.asgi` on `port`."""
    data_dir = Path(tempfile.mkdtemp(prefix="companion-bench-"))
    saved = {key: os.environ.pop(key, None) for key in ("DATABASE_URL", "REDIS_URL")}
    stack = ensure_stack(data_dir)
    processes: list[subprocess.Popen[bytes]] = []
    try:
        server_env = _server_env(env or {})
        manage = [sys.executable, "manage.py"]
        subprocess.run([*manage, "migrate", "--no-input", "-v", "0"], cwd=BASE_DIR,
                       env=server_env, check=True)  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        server_env |= {"PORT": str(port), "WS_PORT": str(port + 1)}
        for role, command in serve.commands(env=server_env).items():
            processes.append(subprocess.Popen(command, cwd=BASE_DIR,
                                              env=serve.web_env(role, server_env)))  # fmt: skip
        if worker:
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "config", "worker", "-l", "WARNING",
                 "--concurrency", "1", "--without-gossip", "--without-mingle"],
                cwd=BASE_DIR, env=server_env,
            ))  # fmt: skip
        _wait_until_live(url, processes[0])
        _wait_until_live(f"http://127.0.0.1:{port + 1}", processes[1])
        yield LiveServer(url=url, ws_url=f"ws://127.0.0.1:{port + 1}", env=server_env,
                         pid=processes[0].pid, ws_pid=processes[1].pid,
                         data_dir=data_dir)  # fmt: skip
    finally:
        _stop(processes)
        stack.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
        for key, value in saved.items():
            os.environ.pop(key, None)
            if value is not None:
                os.environ[key] = value


async def user_session(
    server: LiveServer, key: SigningKey, sub: str
) -> tuple[httpx.AsyncClient, websockets.ClientConnection]:
    """A user's API client and open event socket, with a session token for Clerk user `sub`
    (signed by `key`, which the server must trust); the socket's sign-in creates the user."""
    token = mint_token(key, sub=sub, exp=int(time.time()) + 3600)
    # Idle connections dropped before uvicorn's 5-second keep-alive closes them.
    http = httpx.AsyncClient(base_url=server.url, timeout=30,
                             limits=httpx.Limits(keepalive_expiry=2),
                             headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    socket = await websockets.connect(f"{server.ws_url}/ws/events?token={token}", origin=ORIGIN)
    return http, socket
