"""Missions under load: many missions started at once over the API and run by a real worker with
the local agent, each question answered over the API as soon as its event arrives on the socket.

    .venv/bin/python -m bench.missions [--missions 100] [--concurrency 4] [--pool prefork]
                                       [--check-in 2] [--warmup 8] [--port 8109]

A throwaway stack, the web processes `make dev` serves (bench/_live.py: connections kept,
throttles on), a Celery worker and beat; one user per mission, each with its socket. The
check-in is made short (MISSIONS_CHECK_IN_SECONDS = --check-in, beat's wake-up every second) so
that every mission runs to its end and the figures cover whole lives. `--warmup` missions run
first, unmeasured (every worker process loads the embedding model once).

Prints the command, the settings and the process counts, then: p50/p95 from each POST to its
`mission.question` event, from each answer to the next `mission.step` event (target: p95 under
300 ms) and from each POST to `mission.updated` completed; the server's CPU per step, split by
process, over the measured missions' whole lives; events lost or out of order; steps run twice
(from the steps' attempts, over the API).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import itertools
import json
import logging
import shlex
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from bench._live import ORIGIN, LiveServer, live_server, user_session
from bench._worker import ServerCpu, beat, ms_summary, per_unit, wait_for_worker, worker
from tests.support.clerk import SigningKey

MISSIONS = "/api/v1/missions"
GOAL = "Help me get ready for the Porto half-marathon in March"
ANSWER = "Finishing under two hours"
WAIT_TIMEOUT = 300.0
ENDED = ("completed", "failed", "cancelled")
RANK = {"pending": 0, "running": 1, "done": 2, "skipped": 2, "failed": 2}
# The settings shown with the figures, with the defaults of those the run leaves unset.
SHOWN_SETTINGS = {
    "DJANGO_SETTINGS_MODULE": "", "LLM_PROVIDER": "", "EMBEDDING_PROVIDER": "",
    "MISSIONS_CHECK_IN_SECONDS": "", "MISSIONS_WAKE_SECONDS": "", "DATABASE_CONN_MAX_AGE": "",
    "API_THROTTLE_USER": "", "WEB_CONCURRENCY": "1", "WEB_THREADS": "8", "WS_CONCURRENCY": "1",
}  # fmt: skip


@dataclass
class Feed:
    """A socket's `mission.*` events, each with the time it arrived."""

    events: list[tuple[float, dict]] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def first(self, matches: Callable[[dict], bool], start: int = 0) -> float:
        """When the first event from `start` on that `matches` arrived (waiting for it)."""
        async with asyncio.timeout(WAIT_TIMEOUT):
            while True:
                for at, event in self.events[start:]:
                    if matches(event):
                        return at
                self.changed.clear()
                await self.changed.wait()


async def listen(socket, feed: Feed) -> None:
    async for raw in socket:
        event = json.loads(raw)
        if event["type"].startswith("mission."):
            feed.events.append((time.perf_counter(), event))
            feed.changed.set()


@dataclass
class Pilot:
    """A user who starts one mission and answers its question as soon as it is asked."""

    http: httpx.AsyncClient
    feed: Feed
    mission: str = ""


async def open_pilots(server: LiveServer, key: SigningKey, prefix: str, count: int) -> list:
    pilots = []
    for i in range(count):
        http, socket = await user_session(server, key, f"user_{prefix}{i:05d}")
        pilot = Pilot(http=http, feed=Feed())
        asyncio.get_running_loop().create_task(listen(socket, pilot.feed))
        pilots.append(pilot)
    return pilots


@dataclass
class Timings:
    question: list[float] = field(default_factory=list)  # POST -> mission.question
    step: list[float] = field(default_factory=list)  # answer -> the next mission.step
    completed: list[float] = field(default_factory=list)  # POST -> mission.updated completed


def _is(kind: str) -> Callable[[dict], bool]:
    return lambda event: event["type"] == kind


def _ended(event: dict) -> bool:
    return event["type"] == "mission.updated" and event["mission"]["status"] in ENDED


async def _post(pilot: Pilot, path: str, body: dict) -> dict:
    response = await pilot.http.post(path, json=body)
    if response.status_code != 202:
        raise RuntimeError(f"POST {path} answered {response.status_code}: {response.text}")
    return response.json()


async def fly(pilot: Pilot, timings: Timings) -> None:
    """Start the mission, answer its question the moment it arrives, wait for its end."""
    sent = time.perf_counter()
    pilot.mission = (await _post(pilot, MISSIONS, {"goal": GOAL}))["id"]
    timings.question.append(await pilot.feed.first(_is("mission.question")) - sent)
    question = next(e for _, e in pilot.feed.events if e["type"] == "mission.question")
    start, answered = len(pilot.feed.events), time.perf_counter()
    await _post(pilot, f"{MISSIONS}/{pilot.mission}/answer",
                {"question": question["question"]["id"], "content": ANSWER})  # fmt: skip
    timings.step.append(await pilot.feed.first(_is("mission.step"), start) - answered)
    timings.completed.append(await pilot.feed.first(_ended, start) - sent)


@dataclass
class Audit:
    missions: int = 0
    steps: int = 0
    unfinished: int = 0  # missions that did not complete
    twice: int = 0  # step runs beyond the first
    lost: int = 0  # events the mission's final state says were sent and never arrived
    disordered: int = 0  # events that arrived after one they should precede


def _summary(event: dict) -> tuple:
    if event["type"] == "mission.step":
        return "step", event["step"]["index"], event["step"]["status"]
    if event["type"] == "mission.updated":
        return "updated", event["mission"]["status"]
    return ("question",)


def _inversions(keys: list) -> int:
    return sum(1 for a, b in itertools.pairwise(keys) if b < a)


def disordered(events: list[dict]) -> int:
    """Step events go pending (all of them, at the plan), then running and done step after step;
    the mission's own events follow its `updated_at`."""
    steps = [(event["step"]["index"], RANK[event["step"]["status"]])
             for event in events if event["type"] == "mission.step"]  # fmt: skip
    planned = [rank != 0 for _, rank in steps]  # every pending one comes before any other
    updated = [datetime.datetime.fromisoformat(event["mission"]["updated_at"])
               for event in events if event["type"] == "mission.updated"]  # fmt: skip
    worked = [key for key in steps if key[1] != 0]
    return _inversions(planned) + _inversions(worked) + _inversions(updated)


def lost(events: list[dict], mission: dict) -> int:
    """The pending, running and final event of each step, the question and the mission's end."""
    expected = {("question",), ("updated", mission["status"])}
    for step in mission["steps"]:
        index = step["index"]
        expected |= {("step", index, "pending"), ("step", index, "running"),
                     ("step", index, step["status"])}  # fmt: skip
    return len(expected - {_summary(event) for event in events})


async def audit(pilots: list[Pilot]) -> Audit:
    result = Audit()
    for pilot in pilots:
        mission = (await pilot.http.get(f"{MISSIONS}/{pilot.mission}")).json()
        events = [event for _, event in pilot.feed.events]
        result.missions += 1
        result.steps += len(mission["steps"])
        result.unfinished += mission["status"] != "completed"
        result.twice += sum(max(0, step["attempts"] - 1) for step in mission["steps"])
        result.lost += lost(events, mission)
        result.disordered += disordered(events)
    return result


async def measure(server: LiveServer, key: SigningKey, cpu: ServerCpu, args) -> None:
    warmup = await open_pilots(server, key, "warmup", args.warmup)
    await asyncio.gather(*(fly(pilot, Timings()) for pilot in warmup))
    pilots = await open_pilots(server, key, "mission", args.missions)
    timings, before = Timings(), cpu.parts()
    await asyncio.gather(*(fly(pilot, timings) for pilot in pilots))
    spent = cpu.parts() - before
    report(args, timings, spent, await audit(pilots))


def report(args, timings: Timings, spent: Counter, checked: Audit) -> None:
    print(f"{args.missions} missions started at once ({args.warmup} before them, unmeasured):")
    print(f"  POST -> mission.question           {ms_summary(timings.question)}")
    print(f"  answer -> next mission.step        {ms_summary(timings.step)}  (target: p95 < 300)")
    print(f"  POST -> mission.updated completed  {ms_summary(timings.completed)}")
    print(f"  server CPU per step ({checked.steps} steps): {per_unit(spent, checked.steps)}")
    print(f"  events: {checked.lost} lost, {checked.disordered} out of order; steps run twice: "
          f"{checked.twice}; missions not completed: {checked.unfinished}")  # fmt: skip


def describe(server: LiveServer, cpu: ServerCpu, args) -> None:
    shown = ", ".join(f"{name}={server.env.get(name, default)}"
                      for name, default in SHOWN_SETTINGS.items())  # fmt: skip
    print(f"command: {shlex.join([sys.executable, '-m', 'bench.missions', *sys.argv[1:]])}")
    print(f"settings: {shown}; worker --pool {args.pool} --concurrency {args.concurrency}")
    print(f"processes: {cpu.processes()} (and the embedded PostgreSQL and Redis)")
    print(f"check-ins: made short ({args.check_in} s, woken by beat every second), so missions "
          "run to their end: the CPU per step covers whole lives")  # fmt: skip


def main() -> None:
    logging.getLogger("httpx").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--missions", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--pool", default="prefork")
    parser.add_argument("--check-in", type=float, default=2.0)
    parser.add_argument("--warmup", type=int, default=8)
    parser.add_argument("--port", type=int, default=8109)
    args = parser.parse_args()
    key = SigningKey.generate(kid="bench_missions")
    env = {"CLERK_JWT_KEY": key.public_pem, "LLM_PROVIDER": "local",
           "EMBEDDING_PROVIDER": "local", "MISSIONS_CHECK_IN_SECONDS": str(args.check_in),
           "MISSIONS_WAKE_SECONDS": "1", "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
           "CORS_ALLOWED_ORIGINS": ORIGIN}  # fmt: skip
    with (
        live_server(port=args.port, env=env) as server,
        worker(server, args.concurrency, {}, pool=args.pool) as process,
        beat(server) as scheduler,
    ):
        wait_for_worker(server)
        cpu = ServerCpu(server, worker=process.pid, beat=scheduler.pid)
        describe(server, cpu, args)
        asyncio.run(measure(server, key, cpu, args))


if __name__ == "__main__":
    main()
