"""Chat under load: many conversations replying at once through a real worker, a fake model
streaming its answer at once; then POST /memories/context for a user with many memories.

    .venv/bin/python -m bench.chat [--conversations 50] [--rounds 4] [--words 100]
                                   [--concurrency 4] [--pool prefork] [--memories 10000]
                                   [--part both|chat|context]

Prints, for the replies: the time from each POST to its first `message.delta` and to its
`message.completed` on the user's socket (p50/p95), deltas lost or out of order (every reply's
deltas must carry indexes 0..n-1 and add up to the stored reply), and the server's CPU per reply
(web, worker and PostgreSQL processes) while the replies ran; then the CPU of the ingestion jobs
the exchanges enqueued. Then `POST /api/v1/memories/context` p50/p95 for a user with
`--memories` memories (5 of them core), beside `POST /api/v1/memories/search` on the same texts
in alternating slices, with the ratio of their p95s.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import logging
import os
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._live import ORIGIN, LiveServer, live_server, user_session
from bench._worker import ServerCpu, ms_summary, per_unit, percentile, wait_for_worker, worker
from tests.support.clerk import SigningKey, mint_token
from tests.support.fake_openai import FakeOpenAI, local_model, schema_name

REPLY_TIMEOUT = 120.0
SLICE = 25
CORE = ["User's name is Ana", "User lives in Porto", "User has a dog named Bolt",
        "User is allergic to peanuts", "User works as a nurse"]  # fmt: skip


@dataclass
class Seen:
    """A socket's events by message id, with the time each arrived."""

    deltas: dict[str, list[tuple[float, dict]]] = field(default_factory=dict)
    done: dict[str, tuple[float, dict]] = field(default_factory=dict)


async def listen(socket, seen: Seen) -> None:
    async for raw in socket:
        event, at = json.loads(raw), time.perf_counter()
        if event["type"] == "message.delta":
            seen.deltas.setdefault(event["message"], []).append((at, event))
        elif event["type"].startswith("message."):
            seen.done[event["message"]["id"]] = (at, event)


@dataclass
class Chat:
    http: httpx.AsyncClient
    conversation: str
    seen: Seen


async def open_chats(server: LiveServer, key: SigningKey, count: int) -> list[Chat]:
    chats = []
    for i in range(count):
        http, socket = await user_session(server, key, f"user_chat{i:05d}")
        conversation = (await http.post("/api/v1/conversations", json={})).json()["id"]
        seen = Seen()
        asyncio.get_running_loop().create_task(listen(socket, seen))
        chats.append(Chat(http=http, conversation=conversation, seen=seen))
    return chats


async def send(chat: Chat, text: str) -> tuple[float, dict]:
    sent = time.perf_counter()
    response = await chat.http.post(f"/api/v1/conversations/{chat.conversation}/messages",
                                    json={"content": text})  # fmt: skip
    if response.status_code != 202:
        raise RuntimeError(f"POST answered {response.status_code}: {response.text}")
    return sent, response.json()


async def until_done(chats: list[Chat], sent: list[tuple[float, dict]]) -> None:
    deadline = time.monotonic() + REPLY_TIMEOUT
    while any(
        body["reply"]["id"] not in chat.seen.done
        for chat, (_, body) in zip(chats, sent, strict=True)
    ):
        if time.monotonic() > deadline:
            raise RuntimeError("replies did not complete in time")
        await asyncio.sleep(0.005)


@dataclass
class Round:
    first: list[float] = field(default_factory=list)
    completed: list[float] = field(default_factory=list)
    lost: int = 0
    disordered: int = 0
    failed: int = 0
    mismatched: int = 0  # the deltas do not add up to the stored reply
    deltas: int = 0


def check(chat: Chat, sent_at: float, reply_id: str, result: Round) -> None:
    at, done = chat.seen.done[reply_id]
    deltas = chat.seen.deltas.get(reply_id, [])
    if done["type"] != "message.completed":
        result.failed += 1
        return
    indexes = [event["index"] for _, event in deltas]
    result.disordered += sum(1 for a, b in itertools.pairwise(indexes) if b < a)
    result.lost += len(set(range(max(indexes, default=-1) + 1)) - set(indexes))
    if "".join(event["text"] for _, event in deltas) != done["message"]["content"]:
        result.mismatched += 1
    result.deltas += len(deltas)
    result.first.append(deltas[0][0] - sent_at)
    result.completed.append(at - sent_at)


async def wait_ingested(chats: list[Chat], sent: list[tuple[float, dict]]) -> None:
    for chat, (_, body) in zip(chats, sent, strict=True):
        url = f"/api/v1/conversations/{chat.conversation}/messages/{body['message']['id']}"
        for _ in range(2000):
            job_id = (await chat.http.get(url)).json()["ingestion_job"]
            if job_id and (await chat.http.get(f"/api/v1/ingestion-jobs/{job_id}")).json()[
                "status"] in ("succeeded", "failed"):  # fmt: skip
                break
            await asyncio.sleep(0.05)


async def chat_rounds(server: LiveServer, key: SigningKey, cpu: ServerCpu, args) -> None:
    chats = await open_chats(server, key, args.conversations)
    total, reply_cpu, ingest_cpu = Round(), Counter(), Counter()
    for number in range(args.rounds + 1):  # round 0 warms up every worker process
        before = cpu.parts()
        sent = await asyncio.gather(*(send(chat, f"tell me something {number}") for chat in chats))
        await until_done(chats, sent)
        replied = cpu.parts()
        await wait_ingested(chats, sent)
        if number == 0:
            continue
        reply_cpu.update(replied - before)
        ingest_cpu.update(cpu.parts() - replied)
        for chat, (at, body) in zip(chats, sent, strict=True):
            check(chat, at, body["reply"]["id"], total)
    replies = args.conversations * args.rounds
    print(f"{args.conversations} conversations replying at once, {args.rounds} rounds, "
          f"{args.words}-word replies, worker {args.pool} x{args.concurrency}:")  # fmt: skip
    print(f"  POST -> first message.delta   {ms_summary(total.first)}")
    print(f"  POST -> message.completed     {ms_summary(total.completed)}")
    print(
        f"  deltas: {total.deltas} received ({total.deltas / replies:.1f} per reply), "
        f"{total.lost} lost, {total.disordered} out of order; {total.mismatched} replies whose "
        f"deltas differ from the stored text, {total.failed} failed"
    )
    print(f"  server CPU per reply, while replying: {per_unit(reply_cpu, replies)}")
    print(f"  and for its ingestion job: {per_unit(ingest_cpu, replies)}")


def seed_memories(server: LiveServer, key: SigningKey, count: int) -> tuple:
    """A user with `count` memories (bulk-loaded with local embeddings, 5 core); its token."""
    import django

    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    django.setup()
    from bench.search import TextCorpus, create_users, load_memories

    rng = np.random.default_rng(11)
    corpus = TextCorpus(rng)
    (user,) = create_users([count - len(CORE)], rng)
    load_memories([user], corpus)
    token = mint_token(key, sub=user.clerk_id, exp=int(time.time()) + 3600)
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}) as http:
        for content in CORE:
            http.post(
                "/api/v1/memories", json={"content": content, "tier": "core"}
            ).raise_for_status()
    return token, corpus, user


def _timed_post(http: httpx.Client, path: str, body: dict) -> float:
    started = time.perf_counter()
    http.post(path, json=body).raise_for_status()
    return time.perf_counter() - started


def measure_context(server: LiveServer, key: SigningKey, args) -> None:
    """POST /memories/context and, on the same texts in alternating slices (so that background
    load hits both alike), POST /memories/search: the ratio of their p95s."""
    token, corpus, user = seed_memories(server, key, args.memories)
    texts, _ = corpus.queries(user, args.queries)
    context, search = [], []
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"},
                      timeout=30) as http:  # fmt: skip
        for start in range(0, len(texts), SLICE):
            for text in texts[start : start + SLICE]:
                messages = [{"role": "user", "content": "hello"},
                            {"role": "assistant", "content": "Hi Ana!"},
                            {"role": "user", "content": text}]  # fmt: skip
                context.append(
                    _timed_post(http, "/api/v1/memories/context", {"messages": messages})
                )
            for text in texts[start : start + SLICE]:
                search.append(_timed_post(http, "/api/v1/memories/search", {"query": text}))
    context, search = context[SLICE:], search[SLICE:]  # the first slice warms up
    print(f"user with {args.memories} memories, {len(context)} requests each:")
    print(f"  POST /memories/context  {ms_summary(context)}")
    print(f"  POST /memories/search   {ms_summary(search)}  (top 10, the same texts)")
    print(f"  context p95 / search p95: {percentile(context, 95) / percentile(search, 95):.2f}")


def main() -> None:
    logging.getLogger("httpx").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--words", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--pool", default="prefork")
    parser.add_argument("--memories", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=225)
    parser.add_argument("--port", type=int, default=8107)
    parser.add_argument("--part", choices=("both", "chat", "context"), default="both")
    args = parser.parse_args()
    answer = " ".join(f"word{i}" for i in range(args.words))

    def model(request: dict) -> str:
        return local_model(request) if schema_name(request) else answer

    key = SigningKey.generate(kid="bench_chat")
    with FakeOpenAI(model) as fake:
        env = {"CLERK_JWT_KEY": key.public_pem, "LLM_PROVIDER": "openai",
               "OPENAI_API_KEY": "sk-bench", "OPENAI_BASE_URL": fake.base_url,
               "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
               "CORS_ALLOWED_ORIGINS": ORIGIN}  # fmt: skip
        with live_server(port=args.port, env=env) as server:
            if args.part in ("both", "chat"):
                with worker(server, args.concurrency, {}, pool=args.pool) as process:
                    wait_for_worker(server)
                    asyncio.run(
                        chat_rounds(server, key, ServerCpu(server, worker=process.pid), args)
                    )
            if args.part in ("both", "context"):
                measure_context(server, key, args)


if __name__ == "__main__":
    main()
