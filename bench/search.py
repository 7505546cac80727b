"""Memory search at every user size: selector and HTTP latency, recall@10, and create latency.

    .venv/bin/python -m bench.search                      # 100k memories, 1,000 users (minutes)
    .venv/bin/python -m bench.search --memories 20000 --large 5000 --users 200   # quick

Builds a throwaway stack, loads a corpus of clustered unit vectors (one user holding `--large`
memories, the rest Zipf-distributed), builds the HNSW index, then measures for small, medium
and large users: the `memory_search` selector (p50/p95 and recall@10 against exact numpy
search), `POST /api/v1/memories/search` over HTTP, and `POST /api/v1/memories`.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench._live import live_server  # noqa: E402
from tests.clerk import SigningKey, mint_token  # noqa: E402

DIMENSIONS = 1536
LATENT_DIMENSIONS = 64
TOPICS = 2000
NOISE_SHARE = 0.1
COPY_CHUNK = 5000
CLASS_TARGETS = {"small": (100, 300), "medium": (600, 4000), "large": (20000, 10**9)}
USERS_PER_CLASS = 3
WORDS = [
    "coffee", "hiking", "sister", "paris", "guitar", "allergy", "peanuts", "marathon", "birthday",
    "garden", "dog", "cat", "python", "job", "interview", "mother", "recipe", "pasta", "vacation",
    "beach", "mountains", "book", "novel", "piano", "doctor", "dentist", "car", "bicycle", "train",
    "berlin", "tokyo", "friend", "wedding", "anniversary", "project", "deadline", "movie", "jazz",
]  # fmt: skip


@dataclass
class User:
    pk: int
    clerk_id: str
    size: int
    klass: str = ""
    topics: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    ids: list[uuid.UUID] = field(default_factory=list)
    vectors: list[np.ndarray] = field(default_factory=list)


# --- corpus ---------------------------------------------------------------------


def user_sizes(total: int, users: int, large: int, rng: np.random.Generator) -> list[int]:
    """One user with `large` memories; the rest Zipf-like, at least 5 each, summing to total."""
    rest = total - large
    weights = 1.0 / np.arange(10, users + 9) ** 1.1
    sizes = np.maximum(5, np.floor(weights / weights.sum() * rest)).astype(int)
    sizes[0] += rest - sizes.sum()
    rng.shuffle(sizes)
    return [large, *sizes.tolist()]


class VectorModel:
    """Unit vectors with topic structure in a low-dimensional subspace, plus isotropic noise."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        basis, _ = np.linalg.qr(rng.standard_normal((DIMENSIONS, LATENT_DIMENSIONS)))
        self.projection = basis.T.astype(np.float32)
        self.centers = rng.standard_normal((TOPICS, LATENT_DIMENSIONS)).astype(np.float32)
        self.noise = np.sqrt(NOISE_SHARE * LATENT_DIMENSIONS * 1.5 / DIMENSIONS)

    def sample(self, topics: np.ndarray, count: int) -> np.ndarray:
        chosen = self.centers[self.rng.choice(topics, size=count)]
        latent = chosen + 0.7 * self.rng.standard_normal(chosen.shape, dtype=np.float32)
        vectors = latent @ self.projection
        vectors += self.noise * self.rng.standard_normal(vectors.shape, dtype=np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def pick_classes(users: list[User]) -> dict[str, list[User]]:
    picked: dict[str, list[User]] = {}
    for klass, (low, high) in CLASS_TARGETS.items():
        fitting = sorted((u for u in users if low <= u.size <= high), key=lambda u: -u.size)
        step = max(1, len(fitting) // USERS_PER_CLASS)
        picked[klass] = fitting[::step][:USERS_PER_CLASS]
        for user in picked[klass]:
            user.klass = klass
    return picked


def create_users(sizes: list[int], rng: np.random.Generator) -> list[User]:
    from accounts.models import User as UserModel

    rows = UserModel.objects.bulk_create(
        UserModel(clerk_user_id=f"user_bench{i:05d}", email=f"bench{i}@example.com",
                  username=f"bench{i}")
        for i in range(len(sizes))
    )  # fmt: skip
    return [
        User(pk=row.pk, clerk_id=row.clerk_user_id, size=size,
             topics=rng.choice(TOPICS, size=int(rng.integers(5, 40)), replace=False))
        for row, size in zip(rows, sizes, strict=True)
    ]  # fmt: skip


def memory_rows(users: list[User], model: VectorModel) -> Iterator[tuple]:
    from memories.embeddings import LOCAL_MODEL_NAME

    now = datetime.datetime.now(datetime.UTC)
    for user in users:
        for start in range(0, user.size, COPY_CHUNK):
            count = min(COPY_CHUNK, user.size - start)
            for offset, vector in enumerate(model.sample(user.topics, count)):
                index = start + offset
                content = f"bench memory {index} of {user.clerk_id}: {WORDS[index % len(WORDS)]}"
                memory_id = uuid.uuid4()
                if user.klass:
                    user.ids.append(memory_id)
                    user.vectors.append(vector)
                created = now - datetime.timedelta(minutes=index)
                yield (memory_id, user.pk, "long_term", content,
                       hashlib.sha256(content.casefold().encode()).hexdigest(), vector,
                       LOCAL_MODEL_NAME, 0.5, "{}", "import", 0, created, created)  # fmt: skip


def load_memories(users: list[User], model: VectorModel) -> None:
    """COPY the rows in binary, with the HNSW index dropped, then build it and analyse."""
    import psycopg
    from django.db import connection
    from pgvector.psycopg import register_vector

    from memories.models import Memory

    index = next(i for i in Memory._meta.indexes if i.name == "memories_embedding_hnsw_half")
    with connection.schema_editor() as editor:
        editor.remove_index(Memory, index)
    columns = ("id, user_id, tier, content, content_hash, embedding, embedding_model, importance,"
               " metadata, source, access_count, created_at, updated_at")  # fmt: skip
    types = ["uuid", "int8", "varchar", "text", "varchar", "vector", "varchar", "float8", "jsonb",
             "varchar", "int4", "timestamptz", "timestamptz"]  # fmt: skip
    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
        register_vector(conn)
        sql = f"COPY memories_memory ({columns}) FROM STDIN (FORMAT BINARY)"
        with conn.cursor() as cursor, cursor.copy(sql) as copy:
            copy.set_types(types)
            for row in memory_rows(users, model):
                copy.write_row(row)
        timed("build HNSW index", lambda: build_index(conn, Memory, index))
        timed("vacuum analyze", lambda: conn.execute("VACUUM ANALYZE memories_memory"))


def build_index(conn, model, index) -> None:
    from django.db import connection

    with connection.schema_editor(collect_sql=True) as editor:
        sql = str(index.create_sql(model, editor))
    conn.execute("SET maintenance_work_mem = '2GB'")
    conn.execute("SET max_parallel_maintenance_workers = 1")
    conn.execute(sql)


def timed(label: str, action: Callable[[], object]) -> None:
    started = time.perf_counter()
    action()
    print(f"{label}: {time.perf_counter() - started:.1f} s", flush=True)


# --- measurements ---------------------------------------------------------------


def account_of(user: User):
    from accounts.models import User as UserModel

    return UserModel.objects.get(pk=user.pk)


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.95) - 1)]


def recall_at_10(user: User, query: np.ndarray, found: list[uuid.UUID]) -> float:
    scores = np.stack(user.vectors) @ query
    truth = {user.ids[i] for i in np.argsort(-scores)[:10]}
    return len(truth & set(found)) / len(truth)


def measure_selector(user: User, queries: np.ndarray) -> tuple[list[float], float]:
    from memories.selectors import memory_search

    account = account_of(user)
    for query in queries[:5]:
        memory_search(user=account, query_embedding=query, top_k=10)
    latencies, recalls = [], []
    for query in queries:
        started = time.perf_counter()
        results = memory_search(user=account, query_embedding=query, top_k=10)
        latencies.append((time.perf_counter() - started) * 1000)
        recalls.append(recall_at_10(user, query, [memory.id for memory, _ in results]))
    return latencies, float(np.mean(recalls))


def query_texts(rng: np.random.Generator, count: int) -> list[str]:
    return [" ".join(rng.choice(WORDS, size=4)) for _ in range(count)]


def measure_http(client: httpx.Client, user: User, texts: list[str], token: str) -> list[float]:
    headers = {"Authorization": f"Bearer {token}"}
    for text in texts[:5]:
        client.post("/api/v1/memories/search", json={"query": text}, headers=headers)
    latencies = []
    for text in texts:
        started = time.perf_counter()
        response = client.post("/api/v1/memories/search", json={"query": text}, headers=headers)
        latencies.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
    return latencies


def measure_create(client: httpx.Client, token: str, count: int) -> list[float]:
    headers = {"Authorization": f"Bearer {token}"}
    latencies = []
    for i in range(count):
        body = {"content": f"new fact number {i}: likes {WORDS[i % len(WORDS)]} {uuid.uuid4()}"}
        started = time.perf_counter()
        response = client.post("/api/v1/memories", json=body, headers=headers)
        latencies.append((time.perf_counter() - started) * 1000)
        if response.status_code != 201:
            raise RuntimeError(f"create failed: {response.status_code} {response.text}")
    return latencies


# --- the run --------------------------------------------------------------------


def run(args: argparse.Namespace) -> None:
    import django

    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    django.setup()
    from memories.selectors import SEARCH_EXACT_MAX_ROWS

    rng = np.random.default_rng(args.seed)
    model = VectorModel(rng)
    users = create_users(user_sizes(args.memories, args.users, args.large, rng), rng)
    classes = pick_classes(users)
    timed(f"load {args.memories} memories", lambda: load_memories(users, model))
    print(f"exact scan below {SEARCH_EXACT_MAX_ROWS} candidate rows, HNSW above\n")
    report(args, classes, model, rng)


def report(args, classes: dict[str, list[User]], model: VectorModel, rng) -> None:
    key = args.signing_key
    header = f"{'class':<7}{'rows':>7}  {'selector p50/p95 ms':>20}  {'recall@10':>9}"
    print(f"{header}  {'HTTP p50/p95 ms':>16}  {'same-query selector p95':>23}")
    with httpx.Client(base_url=args.url, timeout=30) as client:
        for klass, members in classes.items():
            for user in members:
                selector, recall = measure_selector(user, model.sample(user.topics, args.queries))
                texts = query_texts(rng, args.queries)
                token = mint_token(key, sub=user.clerk_id, exp=int(time.time()) + 3600)
                http = measure_http(client, user, texts, token)
                same = same_query_selector(user, texts)
                s50, s95 = percentiles(selector)
                h50, h95 = percentiles(http)
                same95 = percentiles(same)[1]
                print(f"{klass:<7}{user.size:>7}  {s50:>9.2f} / {s95:>7.2f}  {recall:>9.3f}  "
                      f"{h50:>6.2f} / {h95:>6.2f}  {same95:>23.2f}", flush=True)  # fmt: skip
        medium = classes["medium"][0]
        token = mint_token(key, sub=medium.clerk_id, exp=int(time.time()) + 3600)
        c50, c95 = percentiles(measure_create(client, token, args.creates))
        print(f"\nPOST /api/v1/memories ({medium.size}-row user): "
              f"p50 {c50:.2f} ms, p95 {c95:.2f} ms")  # fmt: skip


def same_query_selector(user: User, texts: list[str]) -> list[float]:
    from memories.embeddings import embed_text
    from memories.selectors import memory_search

    account = account_of(user)
    latencies = []
    for text in texts:
        started = time.perf_counter()
        memory_search(user=account, query_embedding=embed_text(text), top_k=10)
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--memories", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--large", type=int, default=25_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--creates", type=int, default=200)
    parser.add_argument("--port", type=int, default=8103)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    args.signing_key = SigningKey.generate("bench")
    with live_server(port=args.port, env={"CLERK_JWT_KEY": args.signing_key.public_pem}) as server:
        args.url = server.url
        run(args)


if __name__ == "__main__":
    main()
