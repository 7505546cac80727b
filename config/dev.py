"""`make dev`: start what is missing, migrate, and run web, worker and beat in the foreground.

Ctrl-C or SIGTERM stops every process started here, the embedded servers included.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import threading
from typing import IO

import environ

from config.embedded import BASE_DIR, DEFAULT_DATA_DIR, Stack, ensure_stack

PR_SET_PDEATHSIG = 1
STOP_TIMEOUT_SECONDS = 15


def _die_with_parent() -> None:
    """Linux: get SIGTERM when the parent dies, so `kill <make>` leaves nothing behind."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _commands(python: str) -> dict[str, list[str]]:
    port = os.environ.get("PORT", "8000")
    host = os.environ.get("HOST", "127.0.0.1")
    schedule = str(DEFAULT_DATA_DIR / "celerybeat-schedule")
    return {
        "web": [python, "-m", "uvicorn", "config.asgi:application", "--host", host,
                "--port", port, "--lifespan", "off", "--no-access-log",
                "--timeout-graceful-shutdown", "10"],
        "worker": [python, "-m", "celery", "-A", "config", "worker", "-l", "INFO",
                   "--concurrency", os.environ.get("CELERY_CONCURRENCY", "4")],
        "beat": [python, "-m", "celery", "-A", "config", "beat", "-l", "INFO", "-s", schedule],
    }  # fmt: skip


def _relay(name: str, stream: IO[bytes]) -> None:
    for line in iter(stream.readline, b""):
        sys.stdout.write(f"{name:>6} | {line.decode(errors='replace')}")
        sys.stdout.flush()


def _spawn(name: str, command: list[str]) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    if name == "web":
        # Under ASGI every request runs on a thread of its own: only a pool reuses connections.
        env.setdefault("DATABASE_POOL", "true")
    process = subprocess.Popen(
        command,
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # Ctrl-C reaches us only; we stop the children in order.
        preexec_fn=_die_with_parent,
    )
    assert process.stdout is not None
    threading.Thread(target=_relay, args=(name, process.stdout), daemon=True).start()
    return process


def _stop(processes: dict[str, subprocess.Popen[bytes]], stack: Stack) -> None:
    for process in processes.values():
        if process.poll() is None:
            process.terminate()
    for process in processes.values():
        try:
            process.wait(STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
    stack.stop()


def main() -> int:
    _die_with_parent()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    environ.Env.read_env(BASE_DIR / ".env")
    stop_requested = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop_requested.set())

    stack = ensure_stack()
    print(f"database: {stack.database_url}\nredis:    {stack.redis_url}", flush=True)
    processes: dict[str, subprocess.Popen[bytes]] = {}
    try:
        subprocess.run([sys.executable, "manage.py", "migrate", "--no-input"], cwd=BASE_DIR,
                       check=True)  # fmt: skip
        processes = {name: _spawn(name, cmd) for name, cmd in _commands(sys.executable).items()}
        while not stop_requested.wait(0.5):
            exited = [name for name, p in processes.items() if p.poll() is not None]
            if exited:
                print(f"{', '.join(exited)} exited; stopping everything", flush=True)
                return 1
        return 0
    finally:
        _stop(processes, stack)
        print("stopped", flush=True)


if __name__ == "__main__":
    sys.exit(main())
