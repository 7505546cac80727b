"""Celery processes beside a live server (bench/_live.py), and what benchmarks measure of them:
the server's CPU split by process, latency percentiles.

    with worker(server, 4, {}) as process, beat(server) as scheduler:
        wait_for_worker(server)
        cpu = ServerCpu(server, worker=process.pid, beat=scheduler.pid)
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import httpx

from bench._live import BASE_DIR, LiveServer, _children
from bench._load import tree_cpu

WORKER_START_TIMEOUT = 180.0


@contextmanager
def celery(server: LiveServer, args: list[str], env: dict[str, str]) -> Iterator[subprocess.Popen]:
    """`celery -A config <args>` on the server's stack and settings (plus `env`)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", *args, "-l", "WARNING"],
        cwd=BASE_DIR, env={**server.env, **env},
    )  # fmt: skip
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()


def worker(
    server: LiveServer, concurrency: int, env: dict[str, str], pool: str = "prefork"
) -> AbstractContextManager[subprocess.Popen]:
    return celery(server, ["worker", "--concurrency", str(concurrency), "--pool", pool,
                           "--without-gossip", "--without-mingle"], env)  # fmt: skip


@contextmanager
def beat(server: LiveServer, env: dict[str, str] | None = None) -> Iterator[subprocess.Popen]:
    """The scheduler, its schedule file in a folder of its own."""
    with tempfile.TemporaryDirectory(prefix="companion-beat-") as folder:
        schedule = str(Path(folder) / "celerybeat-schedule")
        with celery(server, ["beat", "-s", schedule], env or {}) as process:
            yield process


def wait_for_worker(server: LiveServer) -> None:
    """Until the readiness check sees a worker (it starts in seconds, more on a busy machine)."""
    deadline = time.monotonic() + WORKER_START_TIMEOUT
    while httpx.get(f"{server.url}/api/v1/health", timeout=10).status_code != 200:
        if time.monotonic() > deadline:
            raise RuntimeError("the worker did not start")
        time.sleep(0.5)


class ServerCpu:
    """CPU seconds of the web servers and PostgreSQL, and of the named process trees (the
    worker and its pool, beat)."""

    def __init__(self, server: LiveServer, **trees: int) -> None:
        self.server, self.trees = server, trees

    def parts(self) -> Counter:
        trees = {name: tree_cpu(pid) for name, pid in self.trees.items()}
        return Counter({**self.server.cpu_seconds(), **trees})

    def processes(self) -> str:
        """How many processes each part runs (a tree counts its children)."""
        counts = {"http": 1 + len(_children(self.server.pid)), "ws": 1}
        counts |= {name: 1 + len(_children(pid)) for name, pid in self.trees.items()}
        return ", ".join(f"{name} {count}" for name, count in counts.items())


def per_unit(cpu: Counter, count: int) -> str:
    """CPU per unit of work in ms, in total and by process."""
    parts = ", ".join(f"{part} {seconds / count * 1000:.1f}" for part, seconds in cpu.items())
    return f"{cpu.total() / count * 1000:.1f} ms ({parts})"


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]


def ms_summary(values: list[float]) -> str:
    """p50 and p95 of latencies in seconds, in ms."""
    return (
        f"p50 {percentile(values, 50) * 1000:6.1f} ms  p95 {percentile(values, 95) * 1000:6.1f} ms"
    )
