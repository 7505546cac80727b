"""Requests through the real ASGI handler, for what the test client cannot send."""

import asyncio
import json

from django.core.handlers.asgi import ASGIHandler


async def asgi_post_chunked(
    path: str, body: bytes, *, headers: list[tuple[bytes, bytes]] = (), chunk: int = 256 * 1024
) -> tuple[int, dict]:
    """POST with no Content-Length, as a chunked upload arrives: (status, JSON answer)."""
    chunks = [body[i : i + chunk] for i in range(0, len(body), chunk)] or [b""]
    messages = [
        {"type": "http.request", "body": part, "more_body": i < len(chunks) - 1}
        for i, part in enumerate(chunks)
    ]
    sent: list[dict] = []

    async def receive() -> dict:
        if messages:
            return messages.pop(0)
        return await asyncio.Future()  # the client stays connected until it has its answer

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "headers": [(b"content-type", b"application/json"), *headers],
        "client": ("127.0.0.1", 5000), "server": ("testserver", 80),
    }  # fmt: skip
    await ASGIHandler()(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    content = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], json.loads(content)
