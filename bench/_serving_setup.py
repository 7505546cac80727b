"""bench/serving.py's stage: the stack, the seeded users and memories, the servers under test."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np

from bench._live import _children, _cpu
from bench.webhooks import SECRET, _delivery

BASE_DIR = Path(__file__).resolve().parent.parent
ANCHOR = "rebuild (FastAPI)"
START_TIMEOUT_SECONDS = 90.0
BASE_PORT = 8411
DJANGO_SECRET = "serving-bench-" + "x" * 50
THROTTLES = ("API_THROTTLE_ANON", "API_THROTTLE_USER", "API_THROTTLE_WEBHOOKS")


@dataclass
class Stack:
    stack: object
    data_dir: Path

    def postgres_cpu(self) -> float:
        postmaster = int((self.data_dir / "postgres" / "postmaster.pid").read_text().split()[0])
        return _cpu(postmaster, reaped=True) + sum(map(_cpu, _children(postmaster)))

    def stop(self) -> None:
        self.stack.stop()  # type: ignore[attr-defined]


def start_stack(data_dir: Path) -> Stack:
    """The embedded PostgreSQL and Redis, migrated, with Django set up in this process."""
    import django

    from config.embedded import ensure_stack

    for key in ("DATABASE_URL", "REDIS_URL"):
        os.environ.pop(key, None)
    stack = Stack(ensure_stack(data_dir), data_dir)
    subprocess.run([sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
                   cwd=BASE_DIR, check=True)  # fmt: skip
    django.setup()
    return stack


# --- data -----------------------------------------------------------------------


@dataclass
class Seeded:
    key: object  # tests.support.clerk.SigningKey
    small: list  # bench.search.User
    large: list
    me: object
    tokens: dict[str, str] = field(default_factory=dict)
    queries: dict[str, list[str]] = field(default_factory=dict)

    def auth(self, user) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[user.clerk_id]}"}


def _with_preferences(users: list) -> None:
    from accounts.models import UserPreferences

    UserPreferences.objects.bulk_create(
        UserPreferences(user_id=user.pk, settings={"theme": "dark", "language": "en"},
                        onboarding={"welcome": True})
        for user in users
    )  # fmt: skip


def seed(args) -> Seeded:
    """Large users (HNSW plan) and small ones (exact scan), each with query texts and a token."""
    import bench.search as corpus_tools
    from tests.support.clerk import SigningKey, mint_token

    rng = np.random.default_rng(7)
    sizes = [args.large] * args.large_users + [
        int(n) for n in rng.integers(150, 400, args.small_users)
    ]
    users = corpus_tools.create_users(sizes, rng)
    _with_preferences(users)
    for user in users:
        user.klass = "measured"  # memory_rows keeps the ids of classed users only
    corpus = corpus_tools.TextCorpus(rng)
    corpus_tools.timed(f"load {sum(sizes)} memories for {len(users)} users",
                       lambda: corpus_tools.load_memories(users, corpus))  # fmt: skip
    key = SigningKey.generate(kid="ins_serving_bench")
    large, small = users[: args.large_users], users[args.large_users :]
    seeded = Seeded(key=key, small=small, large=large, me=small[0])
    for user in users:
        seeded.tokens[user.clerk_id] = mint_token(
            key, sub=user.clerk_id, exp=int(time.time()) + 6 * 3600
        )
        seeded.queries[user.clerk_id] = corpus.queries(user, 60)[0]
    from django.db import connection

    connection.close()
    return seeded


def delivery() -> tuple[dict[str, str], bytes]:
    """A fresh signed `user.created` delivery: its headers and body."""
    body, headers = _delivery()
    return headers, body.encode()


# --- servers --------------------------------------------------------------------


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def is_anchor(self) -> bool:
        return self.name == ANCHOR

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        text = self.log.read_text(errors="replace")
        if "Traceback" in text:  # a 500 or a crash: show the last one
            print(f"--- {self.name} logged an error:\n{text[text.rindex('Traceback') :][-3000:]}")
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)


def _environment(stack: Stack, seeded: Seeded, workers: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLERK_", "DJANGO_"))}
    return env | {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": DJANGO_SECRET,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_LOG_LEVEL": "WARNING",
        "CLERK_JWT_KEY": seeded.key.public_pem,  # type: ignore[attr-defined]
        "CLERK_WEBHOOK_SECRET": SECRET,
        "WEB_CONCURRENCY": str(workers),
        "WS_CONCURRENCY": str(workers),
        # The rebuild's embedder for both sides (the same query vectors, the same statements);
        # a setup may override it (`ours+EMBEDDING_PROVIDER=local` for the default search).
        "EMBEDDING_PROVIDER": "hashing",
        # Throttles off, as the rebuild has none (empty switches a scope off).
        **dict.fromkeys(THROTTLES, ""),
    }


def _setup_command(spec: str, port: int, env: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    """`ours` or `asgi`, with environment overrides after `+` (`ours+DATABASE_POOL=false`)."""
    from config import serve

    base, *overrides = spec.split("+")
    env = serve.web_env("ws" if base == "asgi" else "http", env)
    env |= dict(override.split("=", 1) for override in overrides)
    builders = {"ours": serve.http_command, "asgi": serve.ws_command}
    return builders[base](sys.executable, "127.0.0.1", port, env), env


def _anchor_command(args, port: int) -> list[str] | None:
    anchor_dir = Path(args.anchors) / "fastapi_seed"
    if not (anchor_dir.is_dir() and Path(args.anchor_python).exists()):
        print(f"rebuild skipped: no {anchor_dir} or no {args.anchor_python}", flush=True)
        return None
    return [args.anchor_python, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1",
            "--port", str(port), "--workers", str(args.workers), "--no-access-log",
            "--log-level", "warning"]  # fmt: skip


def _launches(
    args, env: dict[str, str], data_dir: Path
) -> list[tuple[str, int, list[str], Path, dict[str, str]]]:
    """(name, port, command, cwd, env) of every server to start; each of ours writes its
    metrics to a folder of its own, as config/serve.py's processes do."""
    launches = []
    for index, spec in enumerate(args.setups.split(",")):
        metrics_dir = data_dir / f"metrics-{index}"
        metrics_dir.mkdir()
        own = env | {"PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
        command, setup_env = _setup_command(spec, BASE_PORT + index, own)
        launches.append((spec, BASE_PORT + index, command, BASE_DIR, setup_env))
    anchor_port = BASE_PORT + len(launches)
    anchor = _anchor_command(args, anchor_port)
    if anchor is not None:
        anchor_dir = Path(args.anchors) / "fastapi_seed"
        launches.append((ANCHOR, anchor_port, anchor, anchor_dir, env))
    return launches


def _wait_live(server: Server) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited with {server.process.returncode}")
        try:
            url = f"http://127.0.0.1:{server.port}/api/v1/health/live"
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{server.name} did not answer")


def start_servers(args, stack: Stack, seeded: Seeded, data_dir: Path) -> list[Server]:
    """Each setup on its own port, one after another (start-up is CPU-heavy)."""
    env = _environment(stack, seeded, args.workers)
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
                   cwd=BASE_DIR, env=env, check=True)  # fmt: skip
    servers = []
    for name, port, command, cwd, server_env in _launches(args, env, data_dir):
        log = data_dir / f"{len(servers)}.log"
        with open(log, "wb") as out:
            process = subprocess.Popen(
                command, cwd=cwd, env=server_env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        servers.append(Server(name, port, process, log))
        _wait_live(servers[-1])
        print(f"up: {name} on :{port}", flush=True)
    return servers


def check_alike(servers: list[Server], seeded: Seeded) -> None:
    """Every server gives the same users/me and the same search results (ids and scores)."""
    query = {"query": seeded.queries[seeded.me.clerk_id][0]}  # type: ignore[attr-defined]
    answers = {}
    for server in servers:
        base = f"http://127.0.0.1:{server.port}/api/v1"
        plan = "?plan=project" if server.is_anchor else ""
        me = httpx.get(f"{base}/users/me", headers=seeded.auth(seeded.me)).json()
        found = httpx.post(f"{base}/memories/search{plan}", json=query,
                           headers=seeded.auth(seeded.me)).json()["results"]  # fmt: skip
        answers[server.name] = (me, [(r["id"], round(r["score"], 5)) for r in found])
    first = next(iter(answers.values()))
    for name, answer in answers.items():
        if answer[0] != first[0] or answer[1] != first[1]:
            print(f"WARNING: {name} answers differently: {answer} vs {first}", flush=True)
