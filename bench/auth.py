"""Throughput of Clerk-authenticated GET /api/v1/users/me against GET /api/v1/health/live.

    .venv/bin/python -m bench.auth [--port 8101] [--seconds 2] [--concurrency 8] [--rounds 5]
                                   [--no-pool]

Starts a throwaway stack and uvicorn (bench/_live.py) that verifies tokens through a JWKS served
by this process, so the key cache is on the measured path; prints req/s, p50 and p95 for both
endpoints, their ratio (target: at least 50%), and how many times the JWKS was fetched.
The two endpoints take turns in short slices, so background load on a shared machine hits both;
the server's CPU per request (uvicorn, PostgreSQL) is printed too, as it barely depends on that
load. The server uses a psycopg pool (DATABASE_POOL=true), as `make dev` and the Docker image do
for the web process; `--no-pool` opens a connection per request instead, for comparison.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from collections import Counter

import httpx

from bench._live import LiveServer, live_server
from tests.support.clerk import JwksServer, SigningKey, mint_token

CLERK_ID = "user_2benchmark"


def hammer(url: str, headers: dict[str, str], seconds: float, concurrency: int) -> list[float]:
    """GET `url` from `concurrency` keep-alive clients for `seconds`; latencies in ms."""
    latencies: list[float] = []
    failures: list[int] = []
    deadline = time.perf_counter() + seconds

    def worker() -> None:
        with httpx.Client(headers=headers, timeout=10) as client:
            while (started := time.perf_counter()) < deadline:
                status = client.get(url).status_code
                latencies.append((time.perf_counter() - started) * 1000)
                if status != 200:
                    failures.append(status)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise RuntimeError(f"{len(failures)} requests failed, e.g. HTTP {failures[0]}")
    return latencies


def summary(latencies: list[float], seconds: float) -> tuple[float, float, float]:
    cuts = statistics.quantiles(latencies, n=100)
    return len(latencies) / seconds, cuts[49], cuts[94]


Targets = dict[str, tuple[str, dict[str, str]]]


def measure(server: LiveServer, targets: Targets, args: argparse.Namespace) -> dict[str, dict]:
    """Latencies and server CPU seconds per target, the targets taking turns `args.rounds` times."""
    for url, headers in targets.values():  # warm up; the first token creates the user
        hammer(url, headers, 1.0, args.concurrency)
    results = {name: {"latencies": [], "cpu": Counter()} for name in targets}
    for _ in range(args.rounds):
        for name, (url, headers) in targets.items():
            before = server.cpu_seconds()
            results[name]["latencies"] += hammer(url, headers, args.seconds, args.concurrency)
            results[name]["cpu"].update(Counter(server.cpu_seconds()) - Counter(before))
    return results


def report(results: dict[str, dict], args: argparse.Namespace, jwks_fetches: int) -> None:
    print(f"{args.concurrency} keep-alive clients, {args.rounds} x {args.seconds:g} s each, "
          f"{'a connection pool' if args.pool else 'no connection pool'}")  # fmt: skip
    throughput = {}
    for name, result in results.items():
        count = len(result["latencies"])
        rps, p50, p95 = summary(result["latencies"], args.seconds * args.rounds)
        throughput[name] = rps
        cpu = {part: 1000 * used / count for part, used in result["cpu"].items()}
        print(f"{name:<26} {rps:8.0f} req/s   p50 {p50:6.2f} ms   p95 {p95:6.2f} ms   "
              f"server CPU/request: uvicorn {cpu.get('uvicorn', 0):.2f} ms, "
              f"postgres {cpu.get('postgres', 0):.2f} ms")  # fmt: skip
    live_rps, me_rps = throughput.values()
    print(f"users/me / health/live throughput: {me_rps / live_rps:.0%} (target >= 50%)")
    print(f"JWKS fetches by the server: {jwks_fetches}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8101)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-pool", dest="pool", action="store_false",
                        help="serve without DATABASE_POOL (a connection per request)")  # fmt: skip
    args = parser.parse_args()

    key = SigningKey.generate(kid="ins_bench")
    token = mint_token(key, sub=CLERK_ID, exp=int(time.time()) + 3600)
    pool = {"DATABASE_POOL": "true" if args.pool else "false"}
    jwks = JwksServer()
    jwks.publish(key)
    try:
        with live_server(port=args.port, env={"CLERK_JWKS_URL": jwks.url, **pool}) as server:
            me = {"Authorization": f"Bearer {token}"}
            targets: Targets = {
                "GET /api/v1/health/live": (f"{server.url}/api/v1/health/live", {}),
                "GET /api/v1/users/me": (f"{server.url}/api/v1/users/me", me),
            }
            results = measure(server, targets, args)
    finally:
        jwks.stop()
    report(results, args, jwks.fetches)


if __name__ == "__main__":
    main()
