"""Serving cost side by side: this project as `make dev` and Docker serve it, against the FastAPI
rebuild of the service it replaced (../shared/anchors/fastapi_seed), on the same database.

    .venv/bin/python -m bench.serving [--rounds 5] [--seconds 2] [--concurrency 8] [--workers 1,2]
        [--setups ours,ours+EMBEDDING_PROVIDER=local,asgi,ours+DATABASE_POOL=false]
        [--endpoints live,me,search_small,search_large,search_hybrid,webhook]
        [--anchor-python PATH] [--profile 8]

Starts a throwaway stack, seeds users with preferences and memories (`--large-users` users of
`--large` memories, searched through HNSW, and `--small-users` of 150-400, searched exactly),
then, for each process count in `--workers`, every server at once with that many processes, the
production settings, throttles off (the rebuild has none) and the rebuild's embedder
(`EMBEDDING_PROVIDER=hashing`, unless a setup overrides it):
`ours` (config/serve.py's HTTP command: granian WSGI), `asgi` (uvicorn on config.asgi, as served
before) and the rebuild, when the anchors folder and a Python with its requirements exist
(`python3 -m venv /tmp/anchor-venv && /tmp/anchor-venv/bin/pip install -r
../shared/anchors/fastapi_seed/requirements.txt`); without them it is skipped. The rebuild's
search runs the project's own statements (`?plan=project`), ours `mode: vector`: the same SQL.
`search_hybrid` is our default search (hybrid mode) on our setups only, reported against our own
vector search of the large users: the price of the better ranking (with the local model on
`ours+EMBEDDING_PROVIDER=local`).
Each endpoint is measured on each server in alternating slices (order rotating every round),
with `--concurrency` keep-alive clients; printed: req/s, p50, p95, CPU per request (the server's
processes + PostgreSQL's, from /proc) and the ratios to the rebuild. Then the small users'
search p95 over HTTP (one client) against `memory_recall`'s in this process, alternating.
Targets: >= 1.0x the rebuild's throughput and <= 1.2x its CPU per request (users/me, search,
webhooks); small-user search p95 over HTTP <= the selector's + 4 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import logging
import os
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench import _profile  # noqa: E402
from bench import _serving_setup as setup  # noqa: E402
from bench._load import Slice, run_slice, summary, tree_cpu  # noqa: E402

ENDPOINTS = ("live", "me", "search_small", "search_large", "search_hybrid", "webhook")
LABELS = {
    "live": "GET /api/v1/health/live",
    "me": "GET /api/v1/users/me",
    "search_small": "POST /api/v1/memories/search (small users, exact scan)",
    "search_large": "POST /api/v1/memories/search (large users, HNSW)",
    "search_hybrid": "POST /api/v1/memories/search (large users, our default hybrid mode)",
    "webhook": "POST /api/v1/webhooks/clerk",
}
SELECTOR_SLICE = 30  # searches per alternating slice of the latency comparison
SELECTOR_TARGET_MS = 4.0


def _raw(method: str, path: str, port: int, headers: dict[str, str], body: bytes = b"") -> bytes:
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    length = f"Content-Length: {len(body)}\r\n" if body or method == "POST" else ""
    return (
        f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{head}{length}\r\n".encode() + body
    )


def request_maker(
    endpoint: str, server: setup.Server, seeded: setup.Seeded
) -> Callable[[], bytes] | None:
    """A function returning the next raw request for `endpoint` on `server` (None: not served
    there, the rebuild's hybrid search)."""
    if endpoint == "live":
        data = _raw("GET", "/api/v1/health/live", server.port, {})
        return lambda: data
    if endpoint == "me":
        data = _raw("GET", "/api/v1/users/me", server.port, seeded.auth(seeded.me))
        return lambda: data
    if endpoint == "webhook":
        return lambda: _raw("POST", "/api/v1/webhooks/clerk", server.port, *setup.delivery())
    if endpoint == "search_hybrid" and server.is_anchor:
        return None
    path = "/api/v1/memories/search" + ("?plan=project" if server.is_anchor else "")
    users = seeded.small if endpoint == "search_small" else seeded.large
    mode = {} if endpoint == "search_hybrid" else {"mode": "vector"}
    requests = [
        _raw("POST", path, server.port, {**seeded.auth(user), "Content-Type": "application/json"},
             json.dumps({"query": text, **mode}).encode())
        for pairs in zip(*(seeded.queries[user.clerk_id] for user in users), strict=False)
        for user, text in zip(users, pairs, strict=True)
    ]  # fmt: skip
    return itertools.cycle(requests).__next__


def _cpu_meter(server: setup.Server, stack: setup.Stack) -> Callable[[], float]:
    return lambda: tree_cpu(server.pid) + stack.postgres_cpu()


async def measure(servers: list[setup.Server], seeded, stack, args) -> dict[tuple, list[Slice]]:
    results: dict[tuple, list[Slice]] = defaultdict(list)
    for round_index in range(args.rounds + 1):  # round 0 warms every target up
        print(f"round {round_index}/{args.rounds} (load average {os.getloadavg()[0]:.2f})",
              flush=True)  # fmt: skip
        for endpoint in args.endpoints:
            turn = servers[round_index % len(servers) :] + servers[: round_index % len(servers)]
            for server in turn:
                make = request_maker(endpoint, server, seeded)
                if make is None:
                    continue
                result = await run_slice(
                    server.port, make,
                    seconds=args.seconds if round_index else 1.0, concurrency=args.concurrency,
                    cpu=_cpu_meter(server, stack),
                )  # fmt: skip
                if result.errors:
                    print(
                        f"  {server.name} {endpoint}: {dict(result.errors)} {result.sample_error}"
                    )
                if round_index:
                    results[(server.name, endpoint)].append(result)
    return results


def _ratios(row: dict[str, float], anchor: dict[str, float]) -> str:
    return f"{row['rps'] / anchor['rps']:.2f}x | {row['cpu'] / anchor['cpu']:.2f}x"


def report(results: dict[tuple, list[Slice]], servers: list[setup.Server], args) -> list[str]:
    """Ratios to the rebuild, or without it to the first setup (`--setups off,on`); returns the
    summary rows (one per setup and endpoint) for the table of every process count."""
    baseline = setup.ANCHOR if any(s.is_anchor for s in servers) else servers[0].name
    against = "rebuild" if baseline == setup.ANCHOR else "first"
    summary_rows = []
    for endpoint in args.endpoints:
        print(f"\n## {LABELS[endpoint]}, {args.workers} process(es) a side\n")
        print(f"| server | req/s | p50 ms | p95 ms | CPU ms/req | req/s vs {against} "
              f"| CPU vs {against} |")  # fmt: skip
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        rows = {s.name: summary(results[(s.name, endpoint)])
                for s in servers if results[(s.name, endpoint)]}  # fmt: skip
        reference = _reference(endpoint, rows, results, baseline)
        for name, row in rows.items():
            errors = f" ({row['errors']} errors)" if row["errors"] else ""
            line = (f"{row['rps']:.0f} | {row['p50']:.1f} | {row['p95']:.1f} | {row['cpu']:.2f} | "
                    f"{_ratios(row, reference)}")  # fmt: skip
            print(f"| {name}{errors} | {line} |")
            summary_rows.append(f"| {args.workers} | {endpoint} | {name}{errors} | {line} |")
    return summary_rows


def _reference(endpoint, rows, results, baseline) -> dict[str, float]:
    """What a row is compared with: the baseline's same endpoint; for our hybrid search, our own
    vector search of the same users (the rebuild has no hybrid mode)."""
    if endpoint == "search_hybrid":
        own = next(name for name in rows if name != setup.ANCHOR)
        return (
            summary(results[(own, "search_large")]) if results[(own, "search_large")] else rows[own]
        )
    return rows.get(baseline) or next(iter(rows.values()))


def _p95(samples: list[float]) -> float:
    return 1000 * sorted(samples)[max(0, int(len(samples) * 0.95) - 1)]


def compare_with_selector(server: setup.Server, seeded: setup.Seeded, args) -> None:
    """The small users' search: HTTP (one keep-alive client) against memory_recall in-process."""
    import httpx

    from accounts.models import User
    from memories.services import memory_recall

    accounts = {u.clerk_id: User.objects.get(clerk_user_id=u.clerk_id) for u in seeded.small}
    queries = [(u, text) for u in seeded.small for text in seeded.queries[u.clerk_id]]
    selector: list[float] = []
    http: list[float] = []
    with httpx.Client(base_url=f"http://127.0.0.1:{server.port}") as client:
        for start in range(0, min(len(queries), args.selector_queries), SELECTOR_SLICE):
            for user, text in queries[start : start + SELECTOR_SLICE]:
                began = time.perf_counter()
                memory_recall(user=accounts[user.clerk_id], query=text)
                selector.append(time.perf_counter() - began)
                began = time.perf_counter()
                client.post("/api/v1/memories/search", json={"query": text},
                            headers=seeded.auth(user)).raise_for_status()  # fmt: skip
                http.append(time.perf_counter() - began)
    gap = _p95(http) - _p95(selector)
    verdict = "met" if gap <= SELECTOR_TARGET_MS else "NOT met"
    print(f"\nsmall-user search, one client, {len(http)} queries on {server.name}: selector p95 "
          f"{_p95(selector):.1f} ms, HTTP p95 {_p95(http):.1f} ms, gap {gap:+.1f} ms "
          f"(target <= +{SELECTOR_TARGET_MS:.0f} ms: {verdict})")  # fmt: skip


async def profile_ours(server: setup.Server, seeded, stack, args, out_dir: Path) -> None:
    """py-spy on one of our worker processes while it serves each endpoint."""
    from bench._live import _children

    worker = (_children(server.pid) or [server.pid])[0]
    for endpoint in args.endpoints:
        make = request_maker(endpoint, server, seeded)
        if make is None:
            continue
        load = run_slice(server.port, make,
                         seconds=args.profile - 1, concurrency=args.concurrency,
                         cpu=_cpu_meter(server, stack))  # fmt: skip
        out = out_dir / f"py-spy-{endpoint}.txt"
        summary_text = await _profile.profile(worker, load, out, args.profile, top=25)
        print(f"\n## py-spy, {server.name}, one worker: {LABELS[endpoint]}\n{summary_text}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=2.0, help="per slice")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", default="1,2", help="processes per server, each in turn")
    parser.add_argument("--setups", default="ours",
                        help="ours, asgi; +VAR=value overrides; the rebuild is added")  # fmt: skip
    parser.add_argument("--endpoints", default=",".join(ENDPOINTS))
    parser.add_argument("--large", type=int, default=5000, help="memories per large user")
    parser.add_argument("--large-users", type=int, default=2)
    parser.add_argument("--small-users", type=int, default=20)
    parser.add_argument("--selector-queries", type=int, default=300)
    parser.add_argument("--profile", type=int, default=0, metavar="SECONDS",
                        help="then sample one of our workers with py-spy per endpoint")  # fmt: skip
    parser.add_argument("--anchors", default=str(BASE_DIR.parent / "shared" / "anchors"))
    anchor_python = Path(tempfile.gettempdir()) / "anchor-venv/bin/python"
    parser.add_argument("--anchor-python", default=str(anchor_python))
    args = parser.parse_args()
    args.endpoints = [e for e in args.endpoints.split(",") if e]
    logging.getLogger("httpx").setLevel(logging.WARNING)
    data_dir = Path(tempfile.mkdtemp(prefix="companion-serving-"))
    stack = None
    try:
        stack = setup.start_stack(data_dir)
        seeded = setup.seed(args)
        table = []
        for workers in [int(n) for n in args.workers.split(",")]:
            table += _one_process_count(argparse.Namespace(**{**vars(args), "workers": workers}),
                                        stack, seeded, data_dir)  # fmt: skip
        print("\n## All process counts (ratios: to the rebuild; search_hybrid: to our own vector "
              "search)\n\n| processes | endpoint | server | req/s | p50 ms | p95 ms | CPU ms/req "
              "| req/s ratio | CPU ratio |\n| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: "
              "| ---: |")  # fmt: skip
        print("\n".join(table))
    finally:
        if stack is not None:
            stack.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


def _one_process_count(args, stack, seeded, data_dir: Path) -> list[str]:
    """Every server with `args.workers` processes: measured, compared, optionally profiled."""
    run_dir = Path(tempfile.mkdtemp(prefix=f"workers-{args.workers}-", dir=data_dir))
    servers: list[setup.Server] = []
    rows: list[str] = []
    try:
        servers = setup.start_servers(args, stack, seeded, run_dir)
        setup.check_alike(servers, seeded)
        if args.rounds:
            rows = report(asyncio.run(measure(servers, seeded, stack, args)), servers, args)
        if args.selector_queries:
            compare_with_selector(servers[0], seeded, args)
        if args.profile:
            asyncio.run(profile_ours(servers[0], seeded, stack, args, run_dir))
    finally:
        for server in servers:
            server.stop()
    return rows


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    main()
