"""Ingestion throughput and latency: POST /api/v1/memories/ingest to `succeeded`, live stack.

    .venv/bin/python -m bench.ingest [--port 8104] [--jobs 100] [--model-jobs 40]
                                     [--model-delay 0.3] [--concurrency 4]

Starts a throwaway stack and the web processes (bench/_live.py) and a real Celery worker, then runs
bursts of jobs, one user each (each user first gets one memory through the API, so that every
job both extracts and decides): with the local providers, and with the `openai` provider
against a local fake OpenAI server that answers after `--model-delay` seconds per call, once
with a single worker process and once with `--concurrency` of them. Prints, for a burst, jobs/s
and the p50 and p95 of the time from sending the request to the job's `finished_at` (queueing
included), and the same times for jobs sent one at a time.
"""

from __future__ import annotations

import argparse
import datetime
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from bench._live import LiveServer, live_server
from bench._worker import worker
from tests.support.clerk import SigningKey, mint_token
from tests.support.fake_openai import FakeOpenAI, local_model

CONVERSATION = [
    {"role": "user", "content": "I moved to Porto last month. I love hiking and I have a "
     "dog named Bolt. I'm allergic to peanuts and I want to learn Japanese."},
    {"role": "assistant", "content": "Porto is lovely! I love hiking too."},
]  # fmt: skip
SEED = {"content": "User lives in Lisbon", "tier": "core"}
POLL_SECONDS = 0.25
ALONE_JOBS = 10
JOB_TIMEOUT = 300.0


class Users:
    """Bench users with Clerk session tokens; the first request with a token creates its user."""

    def __init__(self, key: SigningKey) -> None:
        self.key = key
        self.count = 0

    def new(self, server: LiveServer) -> httpx.Client:
        self.count += 1
        sub = f"user_bench{self.count:06d}"
        token = mint_token(self.key, sub=sub, exp=int(time.time()) + 3600)
        client = httpx.Client(
            base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=30
        )
        response = client.post("/api/v1/memories", json=SEED)
        response.raise_for_status()
        return client


def _finished_at(job: dict) -> float:
    return datetime.datetime.fromisoformat(job["finished_at"].replace("Z", "+00:00")).timestamp()


def _send(client: httpx.Client) -> tuple[float, str]:
    sent = time.time()
    response = client.post("/api/v1/memories/ingest", json={"messages": CONVERSATION})
    if response.status_code != 202:
        raise RuntimeError(f"ingest answered {response.status_code}: {response.text}")
    return sent, response.json()["id"]


def _wait(jobs: dict[str, tuple[httpx.Client, float]]) -> dict[str, dict]:
    done: dict[str, dict] = {}
    deadline = time.monotonic() + JOB_TIMEOUT
    while len(done) < len(jobs):
        if time.monotonic() > deadline:
            raise RuntimeError(f"{len(jobs) - len(done)} jobs did not finish in {JOB_TIMEOUT}s")
        time.sleep(POLL_SECONDS)
        for job_id, (client, _) in jobs.items():
            if job_id not in done:
                job = client.get(f"/api/v1/ingestion-jobs/{job_id}").json()
                if job["status"] in ("succeeded", "failed"):
                    done[job_id] = job
    failed = [job for job in done.values() if job["status"] != "succeeded"]
    if failed:
        raise RuntimeError(f"{len(failed)} jobs failed, e.g. {failed[0]['error']}")
    return done


def burst(server: LiveServer, users: Users, count: int) -> tuple[list[float], float]:
    """`count` jobs sent at once by 8 clients: each one's seconds from send to finished_at,
    and the seconds from the first send to the last finish."""
    clients = [users.new(server) for _ in range(count)]
    with ThreadPoolExecutor(8) as pool:
        sent = list(pool.map(_send, clients))
    jobs = {job_id: (client, at) for client, (at, job_id) in zip(clients, sent, strict=True)}
    done = _wait(jobs)
    for client in clients:
        client.close()
    latencies = [_finished_at(done[job_id]) - at for job_id, (_, at) in jobs.items()]
    span = max(_finished_at(job) for job in done.values()) - min(at for at, _ in sent)
    return latencies, span


def one_at_a_time(server: LiveServer, users: Users, count: int) -> list[float]:
    """Seconds from send to finished_at of `count` jobs, each sent once the previous finished."""
    latencies = []
    for _ in range(count):
        latencies += burst(server, users, 1)[0]
    return latencies


def _ms(latencies: list[float]) -> str:
    cuts = statistics.quantiles(latencies, n=100)
    return f"p50 {cuts[49] * 1000:6.0f} ms   p95 {cuts[94] * 1000:6.0f} ms"


def scenario(
    server: LiveServer, users: Users, name: str, jobs: int, concurrency: int, env: dict[str, str]
) -> None:
    with worker(server, concurrency, env):
        burst(server, users, concurrency)  # warm-up: every worker process takes one job
        latencies, span = burst(server, users, jobs)
        alone = one_at_a_time(server, users, ALONE_JOBS)
    print(f"{name:<34} c={concurrency}  burst of {jobs:3d}: {jobs / span:5.2f} jobs/s   "
          f"{_ms(latencies)}   one at a time: {_ms(alone)}", flush=True)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8104)
    parser.add_argument("--jobs", type=int, default=100, help="jobs per local-provider burst")
    parser.add_argument("--model-jobs", type=int, default=40, help="jobs per fake-model burst")
    parser.add_argument("--model-delay", type=float, default=0.3, help="seconds per model call")
    parser.add_argument("--concurrency", type=int, default=4, help="worker processes")
    args = parser.parse_args()

    key = SigningKey.generate(kid="ins_bench")
    users = Users(key)
    slow_model = FakeOpenAI(local_model, delay=args.model_delay)
    stack = live_server(port=args.port, env={"CLERK_JWT_KEY": key.public_pem})
    with slow_model as model, stack as server:
        openai = {"LLM_PROVIDER": "openai", "OPENAI_API_KEY": "sk-bench",
                  "OPENAI_BASE_URL": model.base_url}  # fmt: skip
        print(
            f"burst of jobs, one user each; fake model: {args.model_delay * 1000:.0f} ms per call"
        )
        scenario(server, users, "local providers", args.jobs, args.concurrency, {})
        delayed = f"openai, fake server +{args.model_delay * 1000:.0f} ms/call"
        calls_before = len(model.requests)
        scenario(server, users, delayed, args.model_jobs, 1, openai)
        calls = (len(model.requests) - calls_before) / (1 + args.model_jobs + ALONE_JOBS)
        scenario(server, users, delayed, args.model_jobs, args.concurrency, openai)
    print(f"model calls per job: {calls:.1f}")


if __name__ == "__main__":
    main()
