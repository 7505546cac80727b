"""Live events under load: many sockets (one user each), memories created over HTTP, delivery time.

    .venv/bin/python bench/ws.py [--sockets 1000] [--events 300] [--port 8105]

Memories are created over HTTP (granian WSGI on --port), events arrive on the websocket server
(uvicorn ASGI on --port + 1), as `make dev` serves them.

Prints how many sockets were held open, the delivery latency from the API's response to the
socket's receipt (p50/p95), and the server's resident memory before and after.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

import httpx
import psutil
import websockets

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._live import live_server
from bench._worker import percentile
from tests.support.clerk import SigningKey, mint_token

ORIGIN = "http://localhost:5173"
CONNECT_CONCURRENCY = 50


def server_rss_mb(port: int) -> float:
    for conn in psutil.net_connections(kind="tcp"):
        if conn.laddr and conn.laddr.port == port and conn.status == "LISTEN" and conn.pid:
            return psutil.Process(conn.pid).memory_info().rss / 2**20
    return float("nan")


async def open_sockets(ws_url: str, tokens: list[str]) -> list:
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

    async def one(token: str):
        async with gate:
            return await websockets.connect(f"{ws_url}?token={token}", origin=ORIGIN)

    return await asyncio.gather(*(one(token) for token in tokens))


async def listen(socket, inbox: dict[str, float]) -> None:
    async for raw in socket:
        message = json.loads(raw)
        if message.get("type") == "memory.created":
            inbox[message["memory"]["id"]] = time.perf_counter()


async def run(url: str, ws_url: str, key: SigningKey, sockets: int, events: int) -> None:
    tokens = [mint_token(key, sub=f"user_bench{i:05d}", exp=int(time.time()) + 3600)
              for i in range(sockets)]  # fmt: skip
    port = int(ws_url.rsplit(":", 1)[1])
    rss_before = server_rss_mb(port)
    started = time.perf_counter()
    conns = await open_sockets(ws_url + "/ws/events", tokens)
    print(f"opened {len(conns)} sockets in {time.perf_counter() - started:.1f}s")
    inbox: dict[str, float] = {}
    listeners = [asyncio.create_task(listen(conn, inbox)) for conn in conns]

    after_response: list[float] = []
    after_request: list[float] = []
    async with httpx.AsyncClient(base_url=url, timeout=10) as http:
        for i in range(events):
            token = tokens[(i * 7919) % sockets]
            sent = time.perf_counter()
            response = await http.post("/api/v1/memories", json={"content": f"bench fact {i}"},
                                       headers={"Authorization": f"Bearer {token}"})  # fmt: skip
            answered = time.perf_counter()
            memory_id = response.json()["id"]
            while memory_id not in inbox:
                await asyncio.sleep(0.001)
            # The event is sent on commit, so it often arrives before the response: that is 0.
            after_response.append(max(0.0, inbox[memory_id] - answered) * 1000)
            after_request.append((inbox[memory_id] - sent) * 1000)

    held = sum(1 for conn in conns if conn.state.name == "OPEN")
    rss_after = server_rss_mb(port)
    for task in listeners:
        task.cancel()
    await asyncio.gather(*(conn.close() for conn in conns), return_exceptions=True)

    print(f"sockets held open: {held} of {sockets}")
    print(f"events delivered: {len(after_response)} of {events}")
    for label, values in (
        ("after the API response", after_response),
        ("after the request was sent", after_request),
    ):
        print(f"delivery {label}: p50 {percentile(values, 50):.1f} ms, "
              f"p95 {percentile(values, 95):.1f} ms, max {max(values):.1f} ms")  # fmt: skip
    print(f"server RSS: {rss_before:.0f} MB idle, {rss_after:.0f} MB with {held} sockets")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sockets", type=int, default=1000)
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--port", type=int, default=8105)
    args = parser.parse_args()
    key = SigningKey.generate(kid="bench")
    # Production-like: persistent connections and no DEBUG (the test settings have neither).
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DJANGO_DEBUG": "false",
        "CLERK_JWT_KEY": key.public_pem,
        "CORS_ALLOWED_ORIGINS": ORIGIN,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        # Throttling stays on, as in production, with limits the benchmark's load never reaches.
        "API_THROTTLE_USER": "1000000/min",
        "API_THROTTLE_ANON": "1000000/min",
    }
    with live_server(port=args.port, env=env) as server:
        asyncio.run(run(server.url, server.ws_url, key, args.sockets, args.events))


if __name__ == "__main__":
    main()
