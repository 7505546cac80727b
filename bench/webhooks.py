"""Signed Clerk webhook deliveries against a live server: deliveries/s and latency.

    .venv/bin/python -m bench.webhooks [--deliveries 300] [--rounds 3] [--senders 8]
                                       [--workers 2] [--pool true|false]

Starts a throwaway stack (bench/_live.py; the HTTP server, a worker per core of the 2-core target
machine, and the DATABASE_POOL that ASGI needs), posts `user.created` deliveries for fresh users,
signed with svix, first one at a time and then from concurrent senders, checks that every one
was answered 200 and recorded exactly once, and prints the figures against the targets
(>= 100 deliveries/s with 8 senders, p95 < 100 ms) with the server's CPU per delivery.
"""

from __future__ import annotations

import argparse
import base64
import itertools
import json
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg
from svix.webhooks import Webhook

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench._live import LiveServer, live_server  # noqa: E402

SECRET = "whsec_" + base64.b64encode(b"companion-bench-webhook-secret!!").decode()
PATH = "/api/v1/webhooks/clerk"
WARMUP = 20
TARGET_PER_SECOND = 100.0
TARGET_P95_MS = 100.0

_sequence = itertools.count()


def _delivery() -> tuple[str, dict[str, str]]:
    n = next(_sequence)
    user = {
        "id": f"user_bench{n:07d}",
        "object": "user",
        "username": f"bench{n}",
        "first_name": "Bench",
        "last_name": f"User {n}",
        "image_url": "https://img.clerk.com/bench.png",
        "email_addresses": [
            {"id": f"idn_{n}_a", "object": "email_address", "email_address": f"old{n}@example.com"},
            {"id": f"idn_{n}_b", "object": "email_address", "email_address": f"b{n}@example.com"},
        ],
        "primary_email_address_id": f"idn_{n}_b",
        "created_at": 1_700_000_000_000,
        "updated_at": 1_700_000_000_000 + n,
    }
    body = json.dumps({"type": "user.created", "object": "event", "data": user})
    svix_id = f"msg_bench{n:07d}"
    now = datetime.now(tz=UTC)
    return body, {
        "content-type": "application/json",
        "svix-id": svix_id,
        "svix-timestamp": str(int(now.timestamp())),
        "svix-signature": Webhook(SECRET).sign(svix_id, now, body),
    }


_clients = threading.local()


def _post_one(url: str) -> float:
    """Send one fresh signed delivery; its latency in ms."""
    client = getattr(_clients, "client", None)
    if client is None:
        client = _clients.client = httpx.Client(base_url=url, timeout=10)
    body, headers = _delivery()
    started = time.perf_counter()
    response = client.post(PATH, content=body, headers=headers)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200 or response.json()["status"] != "processed":
        raise RuntimeError(f"delivery answered {response.status_code}: {response.text}")
    return elapsed


def _run(server: LiveServer, *, deliveries: int, senders: int) -> dict[str, float]:
    cpu_before = server.cpu_seconds()
    with ThreadPoolExecutor(max_workers=senders) as pool:
        started = time.perf_counter()
        latencies = list(pool.map(lambda _: _post_one(server.url), range(deliveries)))
        seconds = time.perf_counter() - started
    cpu = {part: used - cpu_before[part] for part, used in server.cpu_seconds().items()}
    cuts = statistics.quantiles(latencies, n=100)
    return {
        "senders": senders,
        "deliveries": deliveries,
        "per_second": deliveries / seconds,
        "p50": cuts[49],
        "p95": cuts[94],
        "max": max(latencies),
        "http_cpu": 1000 * cpu["http"] / deliveries,
        "postgres_cpu": 1000 * cpu["postgres"] / deliveries,
    }


def _median_of_rounds(server: LiveServer, *, rounds: int, **run: int) -> dict[str, float]:
    """Each figure's median over `rounds` runs: other work on a shared machine comes and goes."""
    runs = [_run(server, **run) for _ in range(rounds)]
    return {key: statistics.median(r[key] for r in runs) for key in runs[0]}


def _recorded(database_url: str) -> tuple[int, int]:
    with psycopg.connect(database_url) as conn:
        events = conn.execute("SELECT count(*) FROM webhooks_webhookevent").fetchone()[0]
        users = conn.execute(
            "SELECT count(*) FROM accounts_user WHERE clerk_user_id LIKE 'user_bench%'"
        ).fetchone()[0]
    return events, users


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=300, help="per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--senders", type=int, default=8)
    parser.add_argument("--port", type=int, default=8102)
    parser.add_argument(
        "--pool", choices=("true", "false"), default="true", help="DATABASE_POOL for the server"
    )
    parser.add_argument(
        "--workers", type=int, default=2, help="HTTP server processes (one per core of the target)"
    )
    args = parser.parse_args()

    server_env = {
        "CLERK_WEBHOOK_SECRET": SECRET,
        "DATABASE_POOL": args.pool,
        "WEB_CONCURRENCY": str(args.workers),
    }
    with live_server(port=args.port, env=server_env) as server:
        _run(server, deliveries=WARMUP, senders=1)
        results = [
            _median_of_rounds(server, rounds=args.rounds, deliveries=args.deliveries, senders=n)
            for n in (1, args.senders)
        ]
        events, users = _recorded(server.env["DATABASE_URL"])

    print(f"HTTP workers: {args.workers}, DATABASE_POOL={args.pool}; medians of {args.rounds}")
    columns = ("senders", "deliveries", "per second", "p50 ms", "p95 ms", "max ms", "cpu ms")
    print(" ".join(f"{name:>10}" for name in columns))
    for r in results:
        print(
            f"{r['senders']:>10} {r['deliveries']:>10} {r['per_second']:>10.1f} "
            f"{r['p50']:>10.1f} {r['p95']:>10.1f} {r['max']:>10.1f} "
            f"{r['http_cpu']:>5.1f}+{r['postgres_cpu']:.1f}"
        )
    print("cpu ms: server CPU per delivery, HTTP server + PostgreSQL (barely moved by other load)")
    expected = WARMUP + 2 * args.rounds * args.deliveries
    print(f"recorded: {events} events, {users} users (expected {expected} of each)")
    concurrent = results[1]
    met = concurrent["per_second"] >= TARGET_PER_SECOND and concurrent["p95"] < TARGET_P95_MS
    print(
        f"target (>= {TARGET_PER_SECOND:.0f}/s and p95 < {TARGET_P95_MS:.0f} ms with "
        f"{concurrent['senders']} senders): {'met' if met else 'MISSED'}"
    )
    return 0 if met and events == users == expected else 1


if __name__ == "__main__":
    sys.exit(main())
