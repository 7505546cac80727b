"""Recall on labelled corpora: vector, text and hybrid search through the selector, and bm25s.

    .venv/bin/python -m bench.retrieval              # every corpus, the local model
    .venv/bin/python -m bench.retrieval --hashing    # and the hashing embedder beside it
    .venv/bin/python -m bench.retrieval --locomo PATH/locomo10.json   # a LoCoMo file as well

Corpora, each written before any tuning and never edited to pass:
- `facts`: bench/retrieval_set.json, memories as the pipeline writes them ("User has a dog named
  Bolt"), five users, questions of two kinds (name, paraphrase), and negatives;
- `conversation A` and `conversation B`: bench/conversations/, two long multi-session chats, each
  turn stored as a memory "Speaker: text", questions naming their evidence turns;
- with `--locomo`, the public LoCoMo conversations (not in the repo: its licence is
  non-commercial), each turn stored the same way, questions by their `evidence` ids.

Every memory goes through `memory_create` as the API's do; every question through
`memory_find_similar` (top 10) in each mode; bm25s (Lucene's BM25, English stop words and the
Snowball stemmer) ranks the same texts per user as the outside reference. Per corpus and mode:
recall@1 (the first result is evidence), recall@5 and recall@10 (the share of a question's
evidence turns in the top 5 or 10, averaged), MRR (of the first evidence found), and the same
by kind of question. For the facts: negatives rejected at the `min_score` that keeps 95% of the
right answers, and results of another user's memories (must be 0). Then the local model's load
time and memory in a fresh process, and the time per embedded text.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench._retrieval_corpora import (  # noqa: E402
    CONVERSATIONS,
    Corpus,
    Question,
    conversation_corpus,
    facts_corpus,
    locomo_corpus,
)
from config.embedded import ensure_stack  # noqa: E402

MODES = ("vector", "text", "hybrid")
TOP_K = 10
KEEP_RIGHT_ANSWERS = 0.95


@dataclass
class Outcome:
    found: list[list[str]] = field(default_factory=list)  # labels found per question, best first
    right_similarities: list[float] = field(default_factory=list)
    negative_best: list[float | None] = field(default_factory=list)
    leaks: int = 0


# --- asking ---------------------------------------------------------------------


def store(corpus: Corpus) -> tuple[dict, dict]:
    """The corpus's owners as users and its memories stored through `memory_create`; a text
    said twice is one memory. Returns (owner -> user, memory id -> label)."""
    from accounts.models import User
    from memories.models import Memory
    from memories.services import MemoryDuplicate, memory_create

    Memory.objects.all().delete()
    users, labels = {}, {}
    for owner, texts in corpus.memories.items():
        users[owner], _ = User.objects.get_or_create(
            clerk_user_id=f"user_{owner.replace(' ', '_')}",
            defaults={"username": owner.replace(" ", "_"), "email": f"{owner[:40]}@x.test"},
        )
        for label, content in texts.items():
            try:
                labels[memory_create(user=users[owner], content=content).pk] = label
            except MemoryDuplicate as duplicate:
                labels.setdefault(duplicate.existing_id, label)
    return users, labels


def search(user, question: str, mode: str) -> list:
    from memories.embeddings import embed_text
    from memories.selectors import memory_find_similar

    (results,) = memory_find_similar(
        user=user, embeddings=[embed_text(question)], texts=[question], top_k=TOP_K, mode=mode
    )
    return results


def ask(corpus: Corpus, users: dict, labels: dict, mode: str) -> Outcome:
    outcome = Outcome()
    for question in corpus.questions:
        results = search(users[question.owner], question.text, mode)
        found = [labels.get(result.memory.pk, "?") for result in results]
        outcome.found.append(found)
        outcome.right_similarities += [
            r.similarity for r, label in zip(results, found, strict=True)
            if label in question.evidence
        ][:1]  # fmt: skip
        outcome.leaks += sum(r.memory.user_id != users[question.owner].pk for r in results)
    for owner, text in corpus.negatives:
        results = search(users[owner], text, mode)
        outcome.leaks += sum(r.memory.user_id != users[owner].pk for r in results)
        outcome.negative_best.append(results[0].similarity if results else None)
    return outcome


def bm25s_found(corpus: Corpus) -> list[list[str]]:
    """bm25s's top 10 for every question, over the question's owner's memories."""
    import bm25s
    import Stemmer

    logging.getLogger("bm25s").setLevel(logging.WARNING)
    stemmer = Stemmer.Stemmer("english")

    def tokens(texts: list[str]):
        return bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, show_progress=False)

    indexes = {}
    for owner, texts in corpus.memories.items():
        indexes[owner] = (list(texts), bm25s.BM25())
        indexes[owner][1].index(tokens(list(texts.values())), show_progress=False)
    found = []
    for question in corpus.questions:
        labels, index = indexes[question.owner]
        k = min(TOP_K, len(labels))
        docs, scores = index.retrieve(tokens([question.text]), k=k, show_progress=False)
        found.append([labels[d] for d, s in zip(docs[0], scores[0], strict=True) if s > 0])
    return found


# --- figures --------------------------------------------------------------------


def scores(questions: list[Question], found: list[list[str]]) -> str:
    def recall(question: Question, labels: list[str], k: int) -> float:
        return len(set(question.evidence) & set(labels[:k])) / len(question.evidence)

    def reciprocal_rank(question: Question, labels: list[str]) -> float:
        ranks = [i for i, label in enumerate(labels, 1) if label in question.evidence]
        return 1 / ranks[0] if ranks else 0.0

    pairs = list(zip(questions, found, strict=True))
    figures = [
        statistics.fmean(labels[:1] != [] and labels[0] in q.evidence for q, labels in pairs),
        statistics.fmean(recall(q, labels, 5) for q, labels in pairs),
        statistics.fmean(recall(q, labels, 10) for q, labels in pairs),
        statistics.fmean(reciprocal_rank(q, labels) for q, labels in pairs),
    ]
    return " ".join(f"{figure:>6.3f}" for figure in figures)


def negatives(outcome: Outcome) -> str:
    """Negatives under the min_score that keeps 95% of the right answers found."""
    if not outcome.negative_best:
        return ""
    ordered = sorted(outcome.right_similarities)
    floor = ordered[int(len(ordered) * (1 - KEEP_RIGHT_ANSWERS))] if ordered else 1.0
    rejected = sum(best is None or best < floor for best in outcome.negative_best)
    return f"  negatives rejected {rejected / len(outcome.negative_best):.3f} @ {floor:.3f}"


def print_corpus(corpus: Corpus, rows: list[tuple[str, list[list[str]], Outcome | None]]) -> None:
    kinds = sorted({q.kind for q in corpus.questions})
    memories = sum(map(len, corpus.memories.values()))
    print(f"\n{corpus.name}: {len(corpus.questions)} questions over {memories} memories of "
          f"{len(corpus.memories)} users")  # fmt: skip
    print(f"{'':<26}{'R@1':>6} {'R@5':>6} {'R@10':>6} {'MRR':>6}")
    for label, found, outcome in rows:
        extra = "" if outcome is None else f"  leaks {outcome.leaks}{negatives(outcome)}"
        print(f"{label:<26}{scores(corpus.questions, found)}{extra}", flush=True)
    for kind in kinds:
        chosen = [i for i, q in enumerate(corpus.questions) if q.kind == kind]
        print(f"  {kind} ({len(chosen)}):")
        for label, found, _ in rows:
            picked = [corpus.questions[i] for i in chosen], [found[i] for i in chosen]
            print(f"    {label:<22}{scores(*picked)}")


def report(corpus: Corpus, providers: list[str]) -> None:
    from django.test import override_settings

    rows = []
    for provider in providers:
        with override_settings(EMBEDDING_PROVIDER=provider):
            users, labels = store(corpus)
            for mode in MODES:
                if mode == "text" and provider != providers[-1]:
                    continue  # words alone do not depend on the embedder
                outcome = ask(corpus, users, labels, mode)
                suffix = "" if provider == "local" or mode == "text" else f" ({provider})"
                rows.append((f"{mode}{suffix}", outcome.found, outcome))
    rows.append(("bm25s (reference)", bm25s_found(corpus), None))
    print_corpus(corpus, rows)


# --- the local model's cost -----------------------------------------------------

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


def measure_speed(corpus: Corpus, providers: list[str]) -> None:
    from django.test import override_settings

    from memories.embeddings import embed_texts

    texts = [content for facts in corpus.memories.values() for content in facts.values()]
    texts += [question.text for question in corpus.questions]
    for provider in providers:
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
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hashing", action="store_true", help="the hashing embedder as well")
    parser.add_argument("--locomo", type=Path, help="a LoCoMo JSON file (locomo10.json)")
    parser.add_argument("--no-cost", action="store_true", help="skip the model's load and speed")
    args = parser.parse_args()
    providers = ["hashing", "local"] if args.hashing else ["local"]
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    with throwaway_stack():
        print(f"load average at start: {os.getloadavg()}")
        corpora = [facts_corpus(), *map(conversation_corpus, sorted(CONVERSATIONS.glob("*.json")))]
        if args.locomo:
            corpora.append(locomo_corpus(args.locomo))
        for corpus in corpora:
            report(corpus, providers)
        if not args.no_cost:
            measure_load()
            measure_speed(corpora[0], providers)
        print(f"load average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
