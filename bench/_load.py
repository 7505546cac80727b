"""A lean keep-alive HTTP/1.1 load generator (asyncio protocols, raw requests), so that the
client costs a small fraction of the server's CPU per request, and CPU accounting from /proc.

    slice_ = asyncio.run(run_slice(port, make_request, seconds=2, concurrency=8, cpu=meter))
"""

from __future__ import annotations

import asyncio
import collections
import socket
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from bench._live import _children, _cpu

CLIENT_TIMEOUT_SECONDS = 30.0


def tree_cpu(pid: int) -> float:
    """CPU seconds of a server process and its workers, the exited ones included."""
    return _cpu(pid, reaped=True) + sum(_cpu(child, reaped=True) for child in _children(pid))


def _response(buf: bytearray) -> tuple[int, bytes] | None:
    """One complete response taken off the front of `buf` (Content-Length bodies), or None."""
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        return None
    head = bytes(buf[:end]).lower()
    at = head.find(b"\r\ncontent-length:")
    length = 0 if at < 0 else int(head[at + 17 :].split(b"\r\n", 1)[0])
    total = end + 4 + length
    if len(buf) < total:
        return None
    body = bytes(buf[end + 4 : total])
    del buf[:total]
    return int(head[9:12]), body


class Connection(asyncio.Protocol):
    """One keep-alive connection; `request()` sends raw bytes and awaits the response."""

    def __init__(self) -> None:
        self.buf = bytearray()
        self.waiter: asyncio.Future[tuple[int, bytes]] | None = None
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        self.buf += data
        if self.waiter is not None and not self.waiter.done():
            parsed = _response(self.buf)
            if parsed is not None:
                self.waiter.set_result(parsed)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionError(f"connection lost: {exc}"))

    async def request(self, data: bytes) -> tuple[int, bytes]:
        assert self.transport is not None
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(data)
        return await asyncio.wait_for(self.waiter, CLIENT_TIMEOUT_SECONDS)


async def _connect(port: int) -> Connection:
    _, connection = await asyncio.get_running_loop().create_connection(
        Connection, "127.0.0.1", port
    )
    return connection


@dataclass
class Slice:
    latencies: list[float]
    elapsed: float
    cpu: float
    errors: collections.Counter
    sample_error: str = ""


async def run_slice(
    port: int,
    make_request: Callable[[], bytes],
    *,
    seconds: float,
    concurrency: int,
    cpu: Callable[[], float],
) -> Slice:
    """`concurrency` clients send requests back to back for `seconds`; latencies in seconds."""
    connections = [await _connect(port) for _ in range(concurrency)]
    for connection in connections:  # warm each connection (and the server's pool) unmeasured
        await connection.request(make_request())
    result = Slice([], 0.0, 0.0, collections.Counter())
    cpu_before, started = cpu(), time.perf_counter()
    deadline = started + seconds

    async def client(connection: Connection) -> None:
        while (sent := time.perf_counter()) < deadline:
            status, body = await connection.request(make_request())
            result.latencies.append(time.perf_counter() - sent)
            if status != 200:
                result.errors[status] += 1
                result.sample_error = result.sample_error or body[:200].decode(errors="replace")

    await asyncio.gather(*(client(connection) for connection in connections))
    result.elapsed, result.cpu = time.perf_counter() - started, cpu() - cpu_before
    for connection in connections:
        assert connection.transport is not None
        connection.transport.close()
    return result


def summary(slices: list[Slice]) -> dict[str, float]:
    """req/s, p50/p95 (ms) and CPU per request (ms) over all the slices of one target."""
    latencies = sorted(x for s in slices for x in s.latencies)
    count = len(latencies)
    cuts = statistics.quantiles(latencies, n=100) if count > 1 else [latencies[0]] * 99
    return {
        "rps": count / sum(s.elapsed for s in slices),
        "p50": 1000 * cuts[49],
        "p95": 1000 * cuts[94],
        "cpu": 1000 * sum(s.cpu for s in slices) / count,
        "errors": sum(sum(s.errors.values()) for s in slices),
    }
