"""The corpus bench/search.py loads: users of every size and their memories, by COPY.

A few heavy users and the rest Zipf-distributed; `TextCorpus` writes sentences about each user's
topics (made-up words) embedded by the local embedder, `DenseCorpus` unit vectors shaped like a
dense model's.
"""

from __future__ import annotations

import datetime
import hashlib
import os
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np

DIMENSIONS = 1536
LATENT_DIMENSIONS = 64
TOPICS = 2000
TOPIC_WORDS = 10
VOCABULARY = 6000
NOISE_SHARE = 0.1
COPY_CHUNK = 5000
CLASS_TARGETS = {"small": (100, 300), "medium": (600, 3000), "large": (3001, 10**9)}
USERS_PER_CLASS = 3
SYLLABLES = "ka lo mi ne ru sa to vi ba de fo gu ha ji ke li mo nu pa qi re si tu wa xe yo ze"


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
    """A few heavy users (`large`, large/2.5, large/5); the rest Zipf-like, at least 5 each."""
    heavy = [large, int(large / 2.5), large // 5]
    rest = total - sum(heavy)
    weights = 1.0 / np.arange(10, users + 10 - len(heavy)) ** 1.1
    sizes = np.maximum(5, np.floor(weights / weights.sum() * rest)).astype(int)
    sizes[0] += rest - sizes.sum()
    rng.shuffle(sizes)
    return [*heavy, *sizes.tolist()]


class DenseCorpus:
    """Unit vectors with topic structure in a low-dimensional subspace, plus isotropic noise."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        basis, _ = np.linalg.qr(rng.standard_normal((DIMENSIONS, LATENT_DIMENSIONS)))
        self.projection = basis.T.astype(np.float32)
        self.centers = rng.standard_normal((TOPICS, LATENT_DIMENSIONS)).astype(np.float32)
        self.noise = np.sqrt(NOISE_SHARE * LATENT_DIMENSIONS * 1.5 / DIMENSIONS)

    def _vectors(self, topics: np.ndarray, count: int) -> np.ndarray:
        chosen = self.centers[self.rng.choice(topics, size=count)]
        latent = chosen + 0.7 * self.rng.standard_normal(chosen.shape, dtype=np.float32)
        vectors = latent @ self.projection
        vectors += self.noise * self.rng.standard_normal(vectors.shape, dtype=np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    def memories(self, user: User, start: int, count: int) -> tuple[list[str], np.ndarray]:
        contents = [f"bench memory {start + i} of {user.clerk_id}" for i in range(count)]
        return contents, self._vectors(user.topics, count)

    def queries(self, user: User, count: int) -> tuple[list[str] | None, np.ndarray]:
        return None, self._vectors(user.topics, count)


class TextCorpus:
    """Sentences about each user's topics (made-up words), embedded by the local embedder."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        words = {
            "".join(rng.choice(SYLLABLES.split(), size=int(rng.integers(2, 5))))
            for _ in range(VOCABULARY)
        }
        self.words = np.array(sorted(words))
        self.topics = rng.choice(self.words, size=(TOPICS, TOPIC_WORDS))

    def _sentences(self, user: User, count: int, low: int, high: int) -> list[str]:
        topics = self.topics[self.rng.choice(user.topics, size=count)]
        return [
            " ".join(self.rng.choice(topic, size=int(self.rng.integers(low, high)), replace=False))
            for topic in topics
        ]

    def memories(self, user: User, start: int, count: int) -> tuple[list[str], np.ndarray]:
        from memories.embeddings import embed_texts

        sentences = self._sentences(user, count, 4, 9)
        contents = [f"{text} n{start + i}" for i, text in enumerate(sentences)]
        return contents, np.stack(embed_texts(contents))

    def queries(self, user: User, count: int) -> tuple[list[str] | None, np.ndarray]:
        from memories.embeddings import embed_texts

        texts = self._sentences(user, count, 2, 5)
        return texts, np.stack(embed_texts(texts))


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


def memory_rows(users: list[User], corpus: DenseCorpus | TextCorpus) -> Iterator[tuple]:
    from psycopg.types.json import Jsonb

    from memories.embeddings import LOCAL_MODEL_NAME

    now = datetime.datetime.now(datetime.UTC)
    for user in users:
        for start in range(0, user.size, COPY_CHUNK):
            contents, vectors = corpus.memories(user, start, min(COPY_CHUNK, user.size - start))
            for offset, (content, vector) in enumerate(zip(contents, vectors, strict=True)):
                memory_id = uuid.uuid4()
                if user.klass:
                    user.ids.append(memory_id)
                    user.vectors.append(vector)
                created = now - datetime.timedelta(minutes=start + offset)
                yield (memory_id, user.pk, "long_term", content,
                       hashlib.sha256(content.casefold().encode()).hexdigest(), vector,
                       LOCAL_MODEL_NAME, 0.5, Jsonb({}), "import", 0, created, created)  # fmt: skip


def load_memories(users: list[User], corpus: DenseCorpus | TextCorpus) -> None:
    """COPY the rows in binary (the trigger fills the search table), with the HNSW index
    dropped, then build it and analyse."""
    import psycopg
    from django.db import connection
    from pgvector.psycopg import register_vector

    from memories.models import MemoryVector

    index = next(i for i in MemoryVector._meta.indexes if i.name == "memories_vector_hnsw_idx")
    with connection.schema_editor() as editor:
        editor.remove_index(MemoryVector, index)
    columns = ("id, user_id, tier, content, content_hash, embedding, embedding_model, importance,"
               " metadata, source, access_count, created_at, updated_at")  # fmt: skip
    types = ["uuid", "int8", "varchar", "text", "varchar", "vector", "varchar", "float8", "jsonb",
             "varchar", "int4", "timestamptz", "timestamptz"]  # fmt: skip
    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
        register_vector(conn)
        sql = f"COPY memories_memory ({columns}) FROM STDIN (FORMAT BINARY)"
        with conn.cursor() as cursor, cursor.copy(sql) as copy:
            copy.set_types(types)
            for row in memory_rows(users, corpus):
                copy.write_row(row)
        timed("build HNSW index", lambda: build_index(conn, MemoryVector, index))
        for table in (
            "memories_memory",
            "memories_memoryvector",
            "memories_searchterm",
            "memories_searchtotals",
        ):
            timed(f"vacuum analyze {table}", lambda t=table: conn.execute(f"VACUUM ANALYZE {t}"))


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
