"""The web processes: HTTP on granian's WSGI interface, websockets (Channels) on uvicorn.

    python -m config.serve          # SERVE_ROLE=all (default): both, supervised
    SERVE_ROLE=http python -m config.serve   # one of them, to scale them apart (or `ws`)
    python -m config.serve --check  # the health check of every role SERVE_ROLE names

HTTP listens on PORT (8000), websockets on WS_PORT (PORT + 1); an ingress sends `/ws/` to the
latter. Django's WSGI handler costs a fraction of its ASGI handler per request (bench/serving.py),
and granian's WSGI server is the cheapest production-grade way to run it that we measured.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Mapping, MutableMapping
from pathlib import Path
from typing import IO

BASE_DIR = Path(__file__).resolve().parent.parent
ROLES = ("http", "ws")
PR_SET_PDEATHSIG = 1
STOP_TIMEOUT_SECONDS = 20
CHECK_TIMEOUT_SECONDS = 4
LIVENESS_PATH = "/api/v1/health/live"
METRICS_DIR = BASE_DIR / ".data" / "prometheus"


def roles(env: Mapping[str, str] = os.environ) -> tuple[str, ...]:
    role = env.get("SERVE_ROLE", "all")
    if role == "all":
        return ROLES
    if role not in ROLES:
        raise SystemExit(f"SERVE_ROLE must be all, http or ws, not {role!r}")
    return (role,)


def ports(env: Mapping[str, str] = os.environ) -> dict[str, int]:
    """Websockets take WS_PORT, by default the port after HTTP's."""
    http = int(env.get("PORT", "8000"))
    return {"http": http, "ws": int(env.get("WS_PORT") or http + 1)}


def http_command(python: str, host: str, port: int, env: Mapping[str, str]) -> list[str]:
    """granian's WSGI interface: requests on a thread pool per process, no asyncio hop."""
    return [python, "-m", "granian", "--interface", "wsgi", "config.wsgi:application",
            "--host", host, "--port", str(port),
            "--workers", env.get("WEB_CONCURRENCY", "1"),
            "--blocking-threads", env.get("WEB_THREADS", "8"),
            "--no-access-log", "--respawn-failed-workers",
            "--workers-kill-timeout", str(STOP_TIMEOUT_SECONDS - 5)]  # fmt: skip


def ws_command(python: str, host: str, port: int, env: Mapping[str, str]) -> list[str]:
    """uvicorn on config.asgi: the Channels consumers (it answers HTTP too, for probes)."""
    return [python, "-m", "uvicorn", "config.asgi:application", "--host", host,
            "--port", str(port), "--workers", env.get("WS_CONCURRENCY", "1"),
            "--lifespan", "off", "--no-access-log",
            "--timeout-graceful-shutdown", str(STOP_TIMEOUT_SECONDS - 5),
            "--proxy-headers",
            "--forwarded-allow-ips", env.get("FORWARDED_ALLOW_IPS", "*")]  # fmt: skip


def commands(
    *, python: str = sys.executable, host: str = "127.0.0.1", env: Mapping[str, str] = os.environ
) -> dict[str, list[str]]:
    """The command of each role SERVE_ROLE names, by role."""
    builders = {"http": http_command, "ws": ws_command}
    port = ports(env)
    return {role: builders[role](python, host, port[role], env) for role in roles(env)}


def web_env(role: str, env: Mapping[str, str] = os.environ) -> dict[str, str]:
    """DATABASE_POOL unless set: websockets (ASGI) run each database call on a thread of its
    own, so only a pool reuses connections; each thread of the HTTP server keeps its own
    connection instead (CONN_MAX_AGE), measured cheaper than a checkout per request."""
    return {**env, "DATABASE_POOL": env.get("DATABASE_POOL", "true" if role == "ws" else "false")}


def metrics_dir_prepare(env: MutableMapping[str, str] = os.environ) -> Path:
    """The folder where the processes started from here write their metrics
    (PROMETHEUS_MULTIPROC_DIR, by default `.data/prometheus`), emptied: prometheus_client's
    multiprocess mode needs a clean folder at start, or it would add up samples of processes
    long gone. Set in `env` for the children."""
    folder = Path(env.get("PROMETHEUS_MULTIPROC_DIR") or METRICS_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink()
    env["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
    return folder


# --- supervision (also used by `make dev`) ---------------------------------------


def die_with_parent() -> None:
    """Linux: get SIGTERM when the parent dies, so killing the supervisor leaves nothing."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _relay(name: str, stream: IO[bytes]) -> None:
    for line in iter(stream.readline, b""):
        sys.stdout.write(f"{name:>6} | {line.decode(errors='replace')}")
        sys.stdout.flush()


def spawn(name: str, command: list[str], env: Mapping[str, str]) -> subprocess.Popen[bytes]:
    """Start a child with its output prefixed by its name; Ctrl-C reaches only us."""
    process = subprocess.Popen(
        command,
        cwd=BASE_DIR,
        env=dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=die_with_parent,
    )
    assert process.stdout is not None
    threading.Thread(target=_relay, args=(name, process.stdout), daemon=True).start()
    return process


def stop(processes: Mapping[str, subprocess.Popen[bytes]]) -> None:
    for process in processes.values():
        if process.poll() is None:
            process.terminate()
    for process in processes.values():
        try:
            process.wait(STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()


def stop_requested() -> threading.Event:
    """Set on SIGINT or SIGTERM."""
    event = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: event.set())
    return event


def supervise(processes: Mapping[str, subprocess.Popen[bytes]], stopping: threading.Event) -> int:
    """Wait until asked to stop (0) or until a child exits (1: the others are stopped too)."""
    while not stopping.wait(0.5):
        exited = [name for name, process in processes.items() if process.poll() is not None]
        if exited:
            print(f"{', '.join(exited)} exited; stopping everything", flush=True)
            return 1
    return 0


# --- entry points ------------------------------------------------------------------


def check(env: Mapping[str, str] = os.environ) -> int:
    """0 when every role's process answers its liveness probe, else 1."""
    port = ports(env)
    for role in roles(env):
        url = f"http://127.0.0.1:{port[role]}{LIVENESS_PATH}"
        try:
            urllib.request.urlopen(url, timeout=CHECK_TIMEOUT_SECONDS).close()
        except OSError as exc:
            print(f"{role} on :{port[role]}: {exc}", file=sys.stderr)
            return 1
    return 0


def main(argv: list[str]) -> int:
    if "--check" in argv:
        return check()
    stopping = stop_requested()
    metrics_dir_prepare()
    host = os.environ.get("HOST", "127.0.0.1")
    processes = {role: spawn(role, cmd, web_env(role)) for role, cmd in commands(host=host).items()}
    try:
        return supervise(processes, stopping)
    finally:
        stop(processes)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
