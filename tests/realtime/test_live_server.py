"""End to end: the servers `make dev` starts (HTTP and websockets apart), a real websocket
client, the real Redis channel layer."""

import asyncio
import json
import select
import socket
import subprocess
import sys
import time

import httpx
import pytest
import websockets
from channels.db import database_sync_to_async

from tests.support.factories import UserFactory
from tests.support.processes import SPA, free_port

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


async def test_the_owner_hears_a_memory_created_over_the_running_server(live_servers, make_token):
    owner, other = await database_sync_to_async(UserFactory.create_batch)(2)
    ws_url = live_servers.ws_url + "/ws/events?token="
    owner_token = make_token(sub=owner.clerk_user_id)
    other_token = make_token(sub=other.clerk_user_id)

    async with (
        websockets.connect(ws_url + owner_token, origin=SPA) as owner_socket,
        websockets.connect(ws_url + other_token, origin=SPA) as other_socket,
    ):
        await owner_socket.send(json.dumps({"type": "ping"}))
        assert json.loads(await owner_socket.recv()) == {"type": "pong"}
        async with httpx.AsyncClient(base_url=live_servers.http_url) as http:
            response = await http.post(
                "/api/v1/memories",
                json={"content": "My favourite tea is genmaicha"},
                headers={"Authorization": f"Bearer {owner_token}"},
            )
        assert response.status_code == 201

        event = json.loads(await asyncio.wait_for(owner_socket.recv(), timeout=5))
        assert event["type"] == "memory.created"
        assert event["memory"]["id"] == response.json()["id"]
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(other_socket.recv(), timeout=0.5)


async def test_the_running_server_refuses_a_foreign_origin(live_servers, make_token):
    user = await database_sync_to_async(UserFactory)()
    url = live_servers.ws_url + "/ws/events?token="
    with pytest.raises(websockets.InvalidStatus):
        async with websockets.connect(
            url + make_token(sub=user.clerk_user_id), origin="https://evil.example"
        ):
            pass


async def test_a_pipeline_jobs_events_reach_the_owners_socket(
    live_servers, celery_worker, make_token
):
    user = await database_sync_to_async(UserFactory)()
    token = make_token(sub=user.clerk_user_id, exp=int(time.time()) + 600)
    url = live_servers.ws_url + "/ws/events?token=" + token
    async with websockets.connect(url, origin=SPA) as socket:
        async with httpx.AsyncClient(base_url=live_servers.http_url) as http:
            response = await http.post(
                "/api/v1/memories/ingest",
                json={"messages": [{"role": "user", "content": "My name is Ana."}]},
                headers={"Authorization": f"Bearer {token}"},
            )
        assert response.status_code == 202
        job_id = response.json()["id"]

        seen: list[dict] = []
        while not any(e.get("job", {}).get("status") == "succeeded" for e in seen):
            seen.append(json.loads(await asyncio.wait_for(socket.recv(), timeout=60)))

    created = [e for e in seen if e["type"] == "memory.created"]
    assert [e["memory"]["source"] for e in created] == ["ingestion"]
    assert "Ana" in created[0]["memory"]["content"]
    statuses = [e["job"]["status"] for e in seen if e["type"] == "ingestion_job.updated"]
    assert statuses == ["running", "succeeded"]
    assert all(e["job"]["id"] == job_id for e in seen if e["type"] == "ingestion_job.updated")


def test_the_health_check_covers_both_servers(live_servers):
    check = [sys.executable, "-m", "config.serve", "--check"]
    assert subprocess.run(check, env=live_servers.env, timeout=30).returncode == 0
    broken = live_servers.env | {"WS_PORT": str(free_port())}
    assert subprocess.run(check, env=broken, capture_output=True, timeout=30).returncode == 1
    http_only = broken | {"SERVE_ROLE": "http"}
    assert subprocess.run(check, env=http_only, timeout=30).returncode == 0


async def test_the_http_server_does_not_take_websockets(live_servers, make_token):
    user = await database_sync_to_async(UserFactory)()
    url = live_servers.http_url.replace("http", "ws") + "/ws/events?token="
    with pytest.raises((websockets.InvalidStatus, websockets.InvalidMessage)):
        async with websockets.connect(url + make_token(sub=user.clerk_user_id), origin=SPA):
            pass


def _send_until_answered(conn: socket.socket, chunks: int, chunk: bytes) -> bytes:
    """Send `chunks` body chunks, stopping as soon as the server answers; its first bytes."""
    for _ in range(chunks):
        if select.select([conn], [], [], 0.05)[0]:
            break
        try:
            conn.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        except OSError:  # the server stopped reading and closed: its answer is waiting
            break
    return conn.recv(4096)


def test_the_http_server_answers_an_oversized_chunked_webhook_413_before_its_end(live_servers):
    """The body is never finished: an answer at all proves the server stopped reading early."""
    port = int(live_servers.http_url.rsplit(":", 1)[1])
    head = (b"POST /api/v1/webhooks/clerk HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")  # fmt: skip
    with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
        conn.sendall(head)
        # up to 4 MB, past the 1 MB limit, and never the terminating chunk
        answer = _send_until_answered(conn, 64, b"x" * 65536)

    assert answer.startswith(b"HTTP/1.1 413")
