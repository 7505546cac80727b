"""Memory search at every user size: selector and HTTP latency, recall@10, and create latency.

    .venv/bin/python -m bench.search                      # 100k memories, 1,000 users (minutes)
    .venv/bin/python -m bench.search --memories 20000 --large 5000 --users 200   # quick
    .venv/bin/python -m bench.search --corpus dense       # vectors shaped like a dense model's
    .venv/bin/python -m bench.search --modes vector       # one search mode (default: both)

Builds a throwaway stack and loads a corpus: a few heavy users (one with `--large` memories) and
the rest Zipf-distributed. `--corpus text` (the default): texts about each user's topics, embedded
by the local embedder (`EMBEDDING_PROVIDER`, WordLlama by default) like the API does, so the HTTP
queries are texts from the same distribution. `--corpus dense`: unit vectors with topic structure
in a low-dimensional subspace, like a dense model's; these queries have no text, so only `vector`
mode runs and HTTP is not measured. Then, for each mode (hybrid, vector) and for small, medium and
large users: the `memory_find_similar` selector with each plan forced (where they cross is the
threshold), the selector as it is (p50/p95, CPU per query, recall@10 against exact search: numpy
over the vectors for `vector`, the exact-scan plan for `hybrid`) and `POST /api/v1/memories/search`
over HTTP on the same queries, in alternating slices, with the ratio of their p95s (target: at
most 2); then `POST /api/v1/memories`. With the text corpus, first the cost of reading the words'
document frequencies from the per-user table against counting them from the GIN index.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench._live import LiveServer, _cpu, live_server  # noqa: E402
from bench._search_corpus import (  # noqa: E402
    DenseCorpus,
    TextCorpus,
    User,
    create_users,
    load_memories,
    pick_classes,
    timed,
    user_sizes,
)
from tests.support.clerk import SigningKey, mint_token  # noqa: E402

SLICE = 25  # queries per alternating slice of selector and HTTP measurements

# --- measurements ---------------------------------------------------------------


def account_of(user: User):
    from accounts.models import User as UserModel

    return UserModel.objects.get(pk=user.pk)


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.95) - 1)]


def exact_top_10(user: User, queries: Queries, mode: str) -> list[set[uuid.UUID]]:
    """What exact search finds: float32 numpy over the user's vectors (vector), or the exact
    scan's fusion (hybrid: its full-text half is the same on either plan)."""
    if mode == "hybrid":
        with plan_forced("exact"):
            return [set(ids) for ids in search_ids(account_of(user), queries, mode)]
    scores = queries.vectors @ np.stack(user.vectors).T
    return [{user.ids[i] for i in np.argsort(-row)[:10]} for row in scores]


def recall_at_10(truth: list[set[uuid.UUID]], found: list[list[uuid.UUID]]) -> float:
    recalls = [len(ids & set(got)) / len(ids) for ids, got in zip(truth, found, strict=True)]
    return float(np.mean(recalls))


@dataclass
class Queries:
    texts: list[str]
    vectors: np.ndarray

    def __getitem__(self, part: slice) -> Queries:
        return Queries(self.texts[part], self.vectors[part])

    def __len__(self) -> int:
        return len(self.vectors)


def make_queries(corpus: DenseCorpus | TextCorpus, user: User, count: int) -> Queries:
    texts, vectors = corpus.queries(user, count)
    return Queries([""] * count if texts is None else texts, vectors)


def search_ids(account, queries: Queries, mode: str) -> list[list[uuid.UUID]]:
    from memories.selectors import memory_find_similar

    return [
        [result.memory.id for result in results]
        for results in memory_find_similar(
            user=account, embeddings=list(queries.vectors), texts=queries.texts, top_k=10,
            mode=mode,
        )
    ]  # fmt: skip


@contextmanager
def plan_forced(plan: str | None) -> Iterator[None]:
    """Force the exact scan or the index whatever the user's size (None: the selector decides)."""
    from memories.selectors import search as selectors

    threshold = selectors.SEARCH_EXACT_MAX_ROWS
    selectors.SEARCH_EXACT_MAX_ROWS = {"exact": 10**12, "index": 1, None: threshold}[plan]
    try:
        yield
    finally:
        selectors.SEARCH_EXACT_MAX_ROWS = threshold


class CpuMeter:
    """CPU seconds spent answering: by this process (the selector) or the HTTP server, plus
    the PostgreSQL backends. Unlike latency, it barely moves when other work shares the machine."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server

    def total(self, *, http: bool) -> float:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT pid FROM pg_stat_activity WHERE backend_type = 'client backend'")
            backends = [pid for (pid,) in cursor.fetchall()]
        answering = _cpu(self.server.pid) if http else time.process_time()
        return answering + sum(map(_cpu, backends))


def measure_selector(
    user: User, queries: Queries, cpu: CpuMeter, mode: str
) -> tuple[list[float], list[list[uuid.UUID]], float]:
    """Latencies (ms), the ids found for each query, and CPU ms per query."""
    account = account_of(user)
    search_ids(account, queries[:5], mode)
    latencies, found = [], []
    spent = cpu.total(http=False)
    for i in range(len(queries)):
        started = time.perf_counter()
        (ids,) = search_ids(account, queries[i : i + 1], mode)
        latencies.append((time.perf_counter() - started) * 1000)
        found.append(ids)
    cpu_ms = (cpu.total(http=False) - spent) * 1000 / len(queries)
    return latencies, found, cpu_ms


def compare_plans(
    classes: dict[str, list[User]], corpus: DenseCorpus | TextCorpus, args, mode: str
) -> None:
    """Both plans for every sampled user: where they cross is SEARCH_EXACT_MAX_ROWS."""
    print(f"{'rows':>7}  {'exact p50/p95 ms':>17} {'CPU ms':>6}  "
          f"{'HNSW p50/p95 ms':>16} {'CPU ms':>6}  {'HNSW recall@10':>14}")  # fmt: skip
    for user in sorted((u for members in classes.values() for u in members), key=lambda u: u.size):
        queries = make_queries(corpus, user, args.queries // 2)
        row = [f"{user.size:>7}"]
        for plan in ("exact", "index"):
            with plan_forced(plan):
                latencies, found, cpu_ms = measure_selector(user, queries, args.cpu, mode)
            p50, p95 = percentiles(latencies)
            row.append(f"{p50:>7.2f} / {p95:>6.2f} {cpu_ms:>6.2f}")
        recall = recall_at_10(exact_top_10(user, queries, mode), found)
        print(f"{row[0]}  {row[1]:>24}  {row[2]:>23}  {recall:>14.3f}", flush=True)


def measure_http(
    client: httpx.Client, texts: list[str], token: str, cpu: CpuMeter, mode: str
) -> tuple[list[float], float]:
    """Latencies (ms) of POST /memories/search, and the server's CPU ms per request."""
    headers = {"Authorization": f"Bearer {token}"}
    for text in texts[:5]:
        client.post("/api/v1/memories/search", json={"query": text, "mode": mode}, headers=headers)
    latencies = []
    spent = cpu.total(http=True)
    for text in texts:
        started = time.perf_counter()
        body = {"query": text, "mode": mode}
        response = client.post("/api/v1/memories/search", json=body, headers=headers)
        latencies.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
    return latencies, (cpu.total(http=True) - spent) * 1000 / len(texts)


def measure_create(client: httpx.Client, token: str, count: int) -> list[float]:
    headers = {"Authorization": f"Bearer {token}"}
    latencies = []
    for i in range(count):
        body = {"content": f"new fact number {i}: {uuid.uuid4()}"}
        started = time.perf_counter()
        response = client.post("/api/v1/memories", json=body, headers=headers)
        latencies.append((time.perf_counter() - started) * 1000)
        if response.status_code != 201:
            raise RuntimeError(f"create failed: {response.status_code} {response.text}")
    return latencies


# --- the run --------------------------------------------------------------------


WEIGHTS_FROM_TABLE = "SELECT * FROM memories_search_words(%s, %s, 100)"
WEIGHTS_FROM_INDEX = (
    "SELECT term, (SELECT count(*) FROM (SELECT 1 FROM memories_memoryvector WHERE user_id = %s"
    " AND content_search @@ memories_search_any(ARRAY[term]) LIMIT 1000) AS capped)"
    " FROM unnest(memories_search_terms(%s)) AS term"
)


def weights_cost(sql: str, user: User, texts: list[str]) -> tuple[float, int]:
    """ms per question and median shared buffers of reading the words' document frequencies."""
    from django.db import connection

    buffers = []
    with connection.cursor() as cursor:
        for text in texts:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}", [user.pk, text])
            top = cursor.fetchone()[0][0]["Plan"]
            buffers.append(top.get("Shared Hit Blocks", 0) + top.get("Shared Read Blocks", 0))
        started = time.perf_counter()
        for text in texts:
            cursor.execute(sql, [user.pk, text])
            cursor.fetchall()
    return (time.perf_counter() - started) * 1000 / len(texts), int(statistics.median(buffers))


def compare_weights(classes: dict[str, list[User]], corpus: TextCorpus, args) -> None:
    """The words' weights from the per-user table (what search reads), against counting each
    word's memories from the GIN index at query time, stopping at 1,000."""
    print("\nthe words' document frequencies: from the table | counted from the GIN index")
    for user in (members[0] for members in classes.values()):
        texts = make_queries(corpus, user, args.queries // 4).texts
        table_ms, table_buffers = weights_cost(WEIGHTS_FROM_TABLE, user, texts)
        index_ms, index_buffers = weights_cost(WEIGHTS_FROM_INDEX, user, texts)
        print(f"{user.size:>7} rows: {table_ms:.2f} ms, {table_buffers} buffers"
              f" | {index_ms:.2f} ms, {index_buffers} buffers", flush=True)  # fmt: skip


def run(args: argparse.Namespace) -> None:
    import django

    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    django.setup()
    from memories.selectors import SEARCH_EXACT_MAX_ROWS

    rng = np.random.default_rng(args.seed)
    corpus = {"text": TextCorpus, "dense": DenseCorpus}[args.corpus](rng)
    users = create_users(user_sizes(args.memories, args.users, args.large, rng), rng)
    classes = pick_classes(users)
    timed(f"load {args.memories} memories", lambda: load_memories(users, corpus))
    modes = args.modes if args.corpus == "text" else ["vector"]
    if args.corpus == "text":
        compare_weights(classes, corpus, args)
    for mode in modes:
        print(f"\n[{mode}] the selector with each plan forced:")
        compare_plans(classes, corpus, args, mode)
        print(
            f"\n[{mode}] the selector as it is"
            f" (exact below {SEARCH_EXACT_MAX_ROWS} rows, HNSW above):"
        )
        report(args, classes, corpus, mode)
    create_latency(args, classes)


def compare_with_http(
    client: httpx.Client, user: User, corpus: DenseCorpus | TextCorpus, args, mode: str
) -> tuple[str, str]:
    """The selector and HTTP on the same queries, in alternating slices so that background load
    on a shared machine hits both alike: (selector columns, HTTP columns)."""
    queries = make_queries(corpus, user, args.queries)
    token = mint_token(args.signing_key, sub=user.clerk_id, exp=int(time.time()) + 3600)
    selector, found, http, selector_cpu, http_cpu = [], [], [], 0.0, 0.0
    for start in range(0, args.queries, SLICE):
        part = queries[start : start + SLICE]
        latencies, ids, cpu_ms = measure_selector(user, part, args.cpu, mode)
        selector += latencies
        found += ids
        selector_cpu += cpu_ms * len(latencies)
        if args.corpus == "text":
            latencies, cpu_ms = measure_http(client, part.texts, token, args.cpu, mode)
            http += latencies
            http_cpu += cpu_ms * len(latencies)
    s50, s95 = percentiles(selector)
    columns = f"{s50:>8.2f} / {s95:>7.2f} {selector_cpu / len(selector):>6.2f}"
    columns += f"  {recall_at_10(exact_top_10(user, queries, mode), found):>9.3f}"
    if not http:
        return columns, ""
    h50, h95 = percentiles(http)
    return columns, f"  {h50:>6.2f} / {h95:>6.2f} {http_cpu / len(http):>6.2f}  {h95 / s95:>5.2f}"


def report(
    args, classes: dict[str, list[User]], corpus: DenseCorpus | TextCorpus, mode: str
) -> None:
    print(f"{'class':<7}{'rows':>7}  {'selector p50/p95 ms':>19} {'CPU ms':>6}  {'recall@10':>9}  "
          f"{'HTTP p50/p95 ms':>15} {'CPU ms':>6}  {'p95 x':>5}")  # fmt: skip
    with httpx.Client(base_url=args.url, timeout=30) as client:
        for klass, members in classes.items():
            for user in members:
                selector, http = compare_with_http(client, user, corpus, args, mode)
                print(f"{klass:<7}{user.size:>7}  {selector}{http}", flush=True)


def create_latency(args, classes: dict[str, list[User]]) -> None:
    with httpx.Client(base_url=args.url, timeout=30) as client:
        medium = classes["medium"][0]
        token = mint_token(args.signing_key, sub=medium.clerk_id, exp=int(time.time()) + 3600)
        c50, c95 = percentiles(measure_create(client, token, args.creates))
        print(f"\nPOST /api/v1/memories ({medium.size}-row user): "
              f"p50 {c50:.2f} ms, p95 {c95:.2f} ms")  # fmt: skip


def main() -> None:
    logging.getLogger("httpx").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--memories", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--large", type=int, default=25_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--creates", type=int, default=200)
    parser.add_argument("--port", type=int, default=8103)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--corpus", choices=("text", "dense"), default="text")
    parser.add_argument("--modes", type=lambda text: text.split(","), default=["hybrid", "vector"])
    args = parser.parse_args()
    args.signing_key = SigningKey.generate("bench")
    env = {"CLERK_JWT_KEY": args.signing_key.public_pem, "DATABASE_POOL": "true"}
    with live_server(port=args.port, env=env) as server:
        args.url, args.cpu = server.url, CpuMeter(server)
        print(f"load average at start: {os.getloadavg()}")
        run(args)
        print(f"load average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
