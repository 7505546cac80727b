"""A stalled Redis (SIGSTOP) must not add seconds to every request: our HTTP server as it ships
(production settings, one process, throttles on), before, during and after the stall.

    .venv/bin/python -m bench.stall [--requests 200] [--writes 10] [--workers 1]

Printed: `GET /users/me` p95 before / during / after (target: during within 2x before),
`POST /memories` p95 and max during (target < 500 ms), `POST /memories/ingest` time to its 202
during (target < 2.5 s, the broker's own fail-fast time). Starts a throwaway stack; no rebuild.
"""

from __future__ import annotations

import argparse
import itertools
import logging
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench import _serving_setup as setup  # noqa: E402

# Throttles on, as in production, with limits one client never reaches.
SETUP = "ours+API_THROTTLE_USER=100000/min+API_THROTTLE_ANON=100000/min"
_texts = (f"Stall bench note number {n}" for n in itertools.count())


def _timings(call: Callable[[], httpx.Response], count: int, expect: int) -> list[float]:
    seconds = []
    for _ in range(count):
        began = time.perf_counter()
        response = call()
        seconds.append(time.perf_counter() - began)
        if response.status_code != expect:
            print(f"  unexpected {response.status_code}: {response.text[:200]}", flush=True)
    return seconds


def _p95_ms(seconds: list[float]) -> float:
    return 1000 * sorted(seconds)[max(0, int(len(seconds) * 0.95) - 1)]


def _line(label: str, seconds: list[float]) -> str:
    return f"| {label} | {len(seconds)} | {_p95_ms(seconds):.1f} | {1000 * max(seconds):.1f} |"


def measure(client: httpx.Client, redis_pid: int, args) -> list[str]:
    me = lambda: client.get("/api/v1/users/me")  # noqa: E731
    write = lambda: client.post("/api/v1/memories", json={"content": next(_texts)})  # noqa: E731
    ingest = lambda: client.post(  # noqa: E731
        "/api/v1/memories/ingest", json={"messages": [{"role": "user", "content": next(_texts)}]}
    )
    rows = [_line("users/me, before", _timings(me, args.requests, 200))]
    os.kill(redis_pid, signal.SIGSTOP)
    try:
        rows.append(_line("users/me, Redis stalled", _timings(me, args.requests, 200)))
        rows.append(_line("POST /memories, Redis stalled", _timings(write, args.writes, 201)))
        rows.append(_line("POST /memories/ingest (202), Redis stalled",
                          _timings(ingest, args.writes, 202)))  # fmt: skip
    finally:
        os.kill(redis_pid, signal.SIGCONT)
    time.sleep(6)  # past the circuit breakers' pause
    rows.append(_line("users/me, after", _timings(me, args.requests, 200)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="users/me per phase")
    parser.add_argument("--writes", type=int, default=10, help="writes and ingests while stalled")
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    logging.getLogger("httpx").setLevel(logging.WARNING)
    data_dir = Path(tempfile.mkdtemp(prefix="companion-stall-"))
    bench_args = argparse.Namespace(
        large=200, large_users=1, small_users=1, workers=args.workers, setups=SETUP,
        anchors=str(data_dir / "no-rebuild"), anchor_python=str(data_dir / "no-python"),
    )  # fmt: skip
    stack, servers = None, []
    try:
        stack = setup.start_stack(data_dir)
        seeded = setup.seed(bench_args)
        servers = setup.start_servers(bench_args, stack, seeded, data_dir)
        redis_pid = int((data_dir / "redis" / "redis.pid").read_text())
        base_url = f"http://127.0.0.1:{servers[0].port}"
        with httpx.Client(base_url=base_url, headers=seeded.auth(seeded.me), timeout=30) as client:
            rows = measure(client, redis_pid, args)
        print("\n| request | n | p95 ms | max ms |\n| --- | ---: | ---: | ---: |")
        print("\n".join(rows))
    finally:
        for server in servers:
            server.stop()
        if stack is not None:
            stack.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    main()
