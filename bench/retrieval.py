"""Retrieval quality on the labelled set bench/retrieval_set.json: recall@1, recall@5 and MRR.

    .venv/bin/python -m bench.retrieval

Builds a throwaway stack, stores each user's memories through `memory_create` (as the API does)
once per embedder, and asks every question through the search selector of each configuration:
the hashing embedder and the local model (WordLlama) by vector, full text only, and hybrid
(both fused) with each embedder. Figures are printed for all questions, for the exact-name ones,
and for the paraphrases. Negatives: the share whose best result stays under the `min_score`
(similarity) that keeps 95% of the right answers, and how many results of another user's
memory ever come back (must be 0). Then the local model's load time and memory in a fresh
process, and the time per embedded text.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from config.embedded import ensure_stack  # noqa: E402

SET_PATH = Path(__file__).with_name("retrieval_set.json")
CONFIGURATIONS = [  # (label, EMBEDDING_PROVIDER, search mode)
    ("hashing, vector", "hashing", "vector"),
    ("local model, vector", "local", "vector"),
    ("text only", "local", "text"),
    ("hybrid + hashing", "hashing", "hybrid"),
    ("hybrid + local model", "local", "hybrid"),
]
TOP_K = 5
KEEP_RIGHT_ANSWERS = 0.95


@dataclass
class Outcome:
    ranks: list[int | None]  # the rank of the right answer per question, None when not in top 5
    kinds: list[str]
    right_similarities: list[float]
    negative_best: list[float | None]  # the best result's similarity per negative question
    leaks: int


def load_set() -> dict:
    return json.loads(SET_PATH.read_text())


def store_memories(labelled: dict) -> tuple[dict, dict]:
    """Users and their memories (by label), stored with the current provider."""
    from accounts.models import User
    from memories.models import Memory
    from memories.services import memory_create

    Memory.objects.all().delete()
    users, memories = {}, {}
    for name, facts in labelled["users"].items():
        users[name], _ = User.objects.get_or_create(
            clerk_user_id=f"user_{name}", defaults={"username": name, "email": f"{name}@x.test"}
        )
        for label, content in facts.items():
            memories[label] = memory_create(user=users[name], content=content).pk
    return users, memories


def search(user, question: str, mode: str) -> list:
    from memories.embeddings import embed_text
    from memories.selectors import memory_find_similar

    (results,) = memory_find_similar(
        user=user, embeddings=[embed_text(question)], texts=[question], top_k=TOP_K, mode=mode
    )
    return results


def evaluate(labelled: dict, mode: str) -> Outcome:
    users, memories = store_memories(labelled)
    outcome = Outcome([], [], [], [], 0)
    for name, question, answer, kind in labelled["questions"]:
        results = search(users[name], question, mode)
        found = [result.memory.pk for result in results]
        rank = found.index(memories[answer]) + 1 if memories[answer] in found else None
        outcome.ranks.append(rank)
        outcome.kinds.append(kind)
        if rank is not None:
            outcome.right_similarities.append(results[rank - 1].similarity)
        outcome.leaks += sum(r.memory.user_id != users[name].pk for r in results)
    for name, question, *_ in labelled["negatives"]:
        results = search(users[name], question, mode)
        outcome.leaks += sum(r.memory.user_id != users[name].pk for r in results)
        outcome.negative_best.append(results[0].similarity if results else None)
    return outcome


def scores(ranks: list[int | None]) -> str:
    recall_1 = sum(rank == 1 for rank in ranks) / len(ranks)
    recall_5 = sum(rank is not None for rank in ranks) / len(ranks)
    mrr = sum(1 / rank for rank in ranks if rank) / len(ranks)
    return f"{recall_1:>6.3f} {recall_5:>6.3f} {mrr:>6.3f}"


def negatives(outcome: Outcome) -> str:
    """Negatives under the min_score that keeps 95% of the right answers found."""
    ordered = sorted(outcome.right_similarities)
    floor = ordered[int(len(ordered) * (1 - KEEP_RIGHT_ANSWERS))] if ordered else 1.0
    rejected = sum(best is None or best < floor for best in outcome.negative_best)
    return f"{rejected / len(outcome.negative_best):>6.3f} @ {floor:.3f}  {outcome.leaks:>5}"


def report(labelled: dict) -> None:
    from django.test import override_settings

    print(f"{len(labelled['questions'])} questions over "
          f"{sum(map(len, labelled['users'].values()))} memories of {len(labelled['users'])} "
          f"users; {len(labelled['negatives'])} negatives\n")  # fmt: skip
    print(f"{'':<22}{'all questions':^21} {'exact names':^21} {'paraphrases':^21} "
          f"{'negatives':>20}")  # fmt: skip
    print(f"{'':<22}" + " ".join([f"{'R@1':>6} {'R@5':>6} {'MRR':>6}"] * 3)
          + f" {'rejected @ min_score':>20} {'leaks':>5}")  # fmt: skip
    for label, provider, mode in CONFIGURATIONS:
        with override_settings(EMBEDDING_PROVIDER=provider):
            outcome = evaluate(labelled, mode)
        by_kind = {
            kind: [r for r, k in zip(outcome.ranks, outcome.kinds, strict=True) if k == kind]
            for kind in ("name", "paraphrase")
        }
        print(f"{label:<22}{scores(outcome.ranks)} {scores(by_kind['name'])} "
              f"{scores(by_kind['paraphrase'])} {negatives(outcome):>26}", flush=True)  # fmt: skip


LOAD_PROBE = """
import time, resource, gc
def rss():
    return int(open('/proc/self/statm').read().split()[1]) * resource.getpagesize() / 2**20
import django
django.setup()
import sys
from memories import embeddings
assert "wordllama" not in sys.modules
gc.collect()
before, started = rss(), time.perf_counter()
embeddings.embed_text("warm up")
print(f"{time.perf_counter() - started:.3f} {rss() - before:.1f}")
"""


def measure_load(rounds: int = 5) -> None:
    """The local model's first use in a fresh Django process: seconds and RSS growth (MB)."""
    samples = []
    for _ in range(rounds):
        env = {**os.environ, "EMBEDDING_PROVIDER": "local"}
        probe = [sys.executable, "-c", LOAD_PROBE]
        out = subprocess.run(probe, capture_output=True, text=True, check=True, env=env)
        seconds, megabytes = map(float, out.stdout.split()[-2:])
        samples.append((seconds, megabytes))
    seconds = statistics.median(s for s, _ in samples)
    megabytes = statistics.median(m for _, m in samples)
    print(f"\nlocal model load in a fresh process (median of {rounds}): "
          f"{seconds * 1000:.0f} ms, RSS +{megabytes:.1f} MB")  # fmt: skip


def measure_speed(labelled: dict) -> None:
    from django.test import override_settings

    from memories.embeddings import embed_texts

    texts = [content for facts in labelled["users"].values() for content in facts.values()]
    texts += [question for _, question, *_ in labelled["questions"]]
    for provider in ("hashing", "local"):
        with override_settings(EMBEDDING_PROVIDER=provider):
            embed_texts(texts[:10])
            started = time.perf_counter()
            for _ in range(5):
                for text in texts:
                    embed_texts([text])
            one = (time.perf_counter() - started) / (5 * len(texts)) * 1000
            started = time.perf_counter()
            embed_texts(texts)
            batch = (time.perf_counter() - started) / len(texts) * 1000
        print(f"{provider:<8} per text: {one:.3f} ms one at a time, {batch:.3f} ms in a batch")


@contextmanager
def throwaway_stack() -> Iterator[None]:
    """The embedded PostgreSQL and Redis in a temporary directory, migrated; removed on exit."""
    data_dir = Path(tempfile.mkdtemp(prefix="bench-retrieval-"))
    for key in ("DATABASE_URL", "REDIS_URL"):
        os.environ.pop(key, None)
    stack = ensure_stack(data_dir)
    try:
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        yield
    finally:
        stack.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


def main() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    with throwaway_stack():
        print(f"load average at start: {os.getloadavg()}")
        labelled = load_set()
        report(labelled)
        measure_load()
        measure_speed(labelled)
        print(f"load average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
